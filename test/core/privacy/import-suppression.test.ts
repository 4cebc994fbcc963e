/**
 * The import use case with erased people (issue 8), over an in-memory store: rows and event rows
 * of a suppressed number end rejected as phone.suppressed with their row number, the rejects
 * file withholds them, one suppression check runs per batch, and the counts add up.
 */
import { describe, expect, it } from 'vitest';
import { importFile } from '../../../functions/app/import-file.ts';
import type { EventWrite, ImportState, ProfileStore, RecordWrite } from '../../../functions/ports/profile-store.ts';

function memoryStore(suppressed: string[]) {
  let state: ImportState | undefined;
  const records: RecordWrite[] = [];
  const events: EventWrite[] = [];
  const checks: string[][] = [];
  const store = {
    beginImport: async (init: any) => {
      const now = new Date().toISOString();
      state = { ...init, status: 'running', rowsDone: 0, bytesRead: 0, counts: { read: 0, stored: 0, rejected: 0, redelivered: 0, byReason: {}, newProfiles: 0, updatedProfiles: 0 }, startedAt: now, updatedAt: now };
      return state!;
    },
    checkpointImport: async () => {},
    numbers: async () => new Map(),
    numbersForEvents: async () => ({ numbers: new Map(), events: { stored: new Map(), suppressed: new Set() } }),
    finishImport: async (_id: string, outcome: Partial<ImportState>) => {
      state = { ...state!, ...outcome };
    },
    writeRecords: async (writes: RecordWrite[]) => {
      records.push(...writes);
      return writes.map((w) => ({ kind: 'stored' as const, profileId: `p_${w.record.phones[0]}`, newProfile: true }));
    },
    writeEvents: async (writes: EventWrite[]) => {
      events.push(...writes);
      return writes.map((w) => ({ kind: 'stored' as const, profileId: `p_${w.record.phones[0]}`, newProfile: false }));
    },
    isSuppressed: async (phones: string[]) => {
      checks.push(phones);
      return new Set(phones.filter((p) => suppressed.includes(p)));
    },
  } as unknown as ProfileStore;
  return { store, records, events, checks };
}

const bytes = (text: string) => (async function* () {
  yield new TextEncoder().encode(text);
})();

async function run(csv: string, sourceConfig: unknown, suppressed: string[], batchSize = 500) {
  const mem = memoryStore(suppressed);
  const reports: Record<string, string> = {};
  const state = await importFile(
    { importId: 'i1', bucket: 'raw', key: 'incoming/pos/a.csv', source: 'pos', fileName: 'a.csv' },
    { store: mem.store, open: async () => bytes(csv), putReport: async (name, body) => ((reports[name] = body), name), sourceConfig, batchSize },
  );
  return { state, reports, ...mem };
}

describe('importFile with suppressed numbers', () => {
  it('rejects rows of an erased number as phone.suppressed, withholds them in the rejects file, and counts add up', async () => {
    const csv = ['id,name,mobile', 'a,张三,13812345678', 'b,李四,13700001111', 'c,张三,138 1234 5678', 'd,王五,13600002222'].join('\n');
    const { state, records, reports, checks } = await run(csv, { name: 'pos', recordId: 'id' }, ['+8613812345678'], 2);
    expect(state.counts).toMatchObject({ read: 4, stored: 2, rejected: 2, redelivered: 0, byReason: { 'phone.suppressed': 2 } });
    expect(records.map((r) => r.record.recordId)).toEqual(['b', 'd']);
    expect(checks).toHaveLength(2); // one batched check per batch of 2
    expect(reports['rejects.csv']).toContain('\r\n1,phone.suppressed'); // data rows 1 and 3
    expect(reports['rejects.csv']).toContain('\r\n3,phone.suppressed');
    expect(reports['rejects.csv']).not.toContain('13812345678');
    expect(reports['rejects.csv']).not.toContain('张三');
  });

  it('rejects event rows of an erased number with their row number', async () => {
    const csv = ['id,mobile,event,q', 'e1,13812345678,search,tea', 'e2,13700001111,search,coffee'].join('\n');
    const config = { name: 'pos', recordId: 'id', fields: { phone: 'mobile' }, events: { eventId: 'id', eventName: 'event', mapping: { search: { tag: 'search', attributes: { keyword: 'q' } } } } };
    const { state, events, reports } = await run(csv, config, ['+8613812345678']);
    expect(state.counts).toMatchObject({ read: 2, stored: 1, rejected: 1, byReason: { 'phone.suppressed': 1 } });
    expect(events.map((e) => e.eventId)).toEqual(['e2']);
    expect(reports['rejects.csv']).toContain('\r\n1,phone.suppressed');
  });
});
