/**
 * Fuzz (issue 8): the cleaning engine and the import pipeline on hostile values.
 * - parsePhone / parseDate / cleanIdentity never throw; a failure is a Problem with a known code
 *   and a message (cleanIdentity's name the field); garbage never becomes a valid profile key;
 *   dates in the year 20000 (and any year outside 1000–9999) are rejected, never stored;
 * - the events validator rejects non-numeric, negative, NaN and Infinity amounts, naming the field;
 * - importFile (the real use case, over an in-memory store of the port): rows in = stored +
 *   rejected, whatever garbage is mixed in; every good row is stored, no garbage row is, and
 *   every reject names its row.
 * Bounded numRuns. Prints the number of inputs tried.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cleanIdentity, cleanName, parseDate, parsePhone, DATE_PROBLEMS, PHONE_PROBLEMS, RECORD_PROBLEMS } from '../../functions/core/clean/index.ts';
import { validateEvent } from '../../functions/core/events/index.ts';
import { importFile } from '../../functions/app/import-file.ts';
import { emptyCounts } from '../../functions/core/report/import-counts.ts';
import type { ImportState, ProfileStore, RecordWrite, WriteOutcome } from '../../functions/ports/profile-store.ts';
import type { RawIdentity } from '../../functions/core/model.ts';

let tried = 0;
afterAll(() => console.log(`fuzz cleaning: ${tried} inputs tried`));

const E164 = /^\+[1-9]\d{6,14}$/;
const KNOWN_CODES = new Set<string>([...Object.keys(PHONE_PROBLEMS), ...Object.keys(DATE_PROBLEMS), ...Object.keys(RECORD_PROBLEMS)]);
const INJECTION = [
  "13800138001'; DROP TABLE profiles; --",
  '=HYPERLINK("tel:13800138001")',
  '+cmd|/C calc!A0',
  '@SUM(A1)',
  '<script>13800138001</script>',
  '${jndi:ldap://x}',
  '\u0000\u0007\u001b[2J',
  '\u202e8300831381',
];
/** Values people and attackers put in fields: random text, control characters, injection, digits. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 40 }),
  fc.constantFrom(...INJECTION),
  fc.stringMatching(/^[\d +().\-*#x]{0,24}$/),
);
/** Text that cannot hold a phone number: fewer than 7 digits in it. */
const fewDigits = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom(...INJECTION)).filter((s) => (s.match(/\d/g) ?? []).length < 7 && !/[０-９٠-٩۰-۹]/.test(s));

describe('parsePhone', () => {
  it('never throws; a valid result is E.164, an invalid one has a known problem code', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        tried++;
        const r = parsePhone(s);
        if (r.valid) expect(r.e164).toMatch(E164);
        else expect(KNOWN_CODES.has(r.problem?.code ?? ''), `code ${r.problem?.code} for ${JSON.stringify(s)}`).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('garbage never becomes a valid key', () => {
    fc.assert(
      fc.property(fewDigits, (s) => {
        tried++;
        expect(parsePhone(s).valid).toBe(false);
      }),
      { numRuns: 800 },
    );
    for (const s of ['11111111111', '00000000000', '12345678901', '138****5678', '1380013800', '+86 138 0013 80010', '13800138001'.replace(/\d/g, 'O')]) {
      tried++;
      expect(parsePhone(s).valid, s).toBe(false);
    }
  });
});

describe('parseDate', () => {
  it('never throws; a value is a real date between the years 1000 and 9999, else a known problem', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, fc.stringMatching(/^\d{1,6}[-/.年]\d{1,2}[-/.月]\d{1,2}日?$/), fc.double(), fc.integer()), (v) => {
        tried++;
        const r = parseDate(v as string | number);
        if ('value' in r) {
          expect(r.value).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          expect(new Date(`${r.value}T00:00:00Z`).toISOString().slice(0, 10)).toBe(r.value);
        } else expect(Object.keys(DATE_PROBLEMS)).toContain(r.problem.code);
      }),
      { numRuns: 1500 },
    );
  });

  it('the year 20000 (in every format) is rejected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10_000, max: 999_999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), fc.constantFrom('-', '/', '.', '年'), (y, m, d, sep) => {
        tried++;
        const text = sep === '年' ? `${y}年${m}月${d}日` : `${y}${sep}${m}${sep}${d}`;
        expect('problem' in parseDate(text), text).toBe(true);
      }),
      { numRuns: 300 },
    );
    // (20000101 is 2000-01-01 in the compact form, not the year 20000.)
    for (const s of ['20000-01-01', '200000101', '+020000-01-01T00:00:00Z', '20000/1/1']) {
      tried++;
      expect('problem' in parseDate(s), s).toBe(true);
    }
  });
});

describe('cleanIdentity', () => {
  const raw = fc.record(
    {
      phone: hostile,
      phones: fc.array(hostile, { maxLength: 3 }),
      name: hostile,
      email: hostile,
      gender: hostile,
      birthDate: fc.oneof(hostile, fc.constantFrom('20000-01-01', '1985-02-30', '1899-12-31', '3000-01-01')),
      address: hostile,
      province: hostile,
      city: hostile,
      memberId: hostile,
    },
    { requiredKeys: [] },
  );
  it('never throws; every problem names its field with a code and a message; every kept phone is valid E.164', () => {
    fc.assert(
      fc.property(raw, (r) => {
        tried++;
        const out = cleanIdentity(r as RawIdentity, { source: 'fuzz', recordId: 'r1', observedAt: '2026-11-23T00:00:00Z' });
        for (const p of out.problems) {
          expect(p.field.length).toBeGreaterThan(0);
          expect(p.code).toMatch(/^[a-zA-Z]+\.[a-z_]+$/);
          expect(p.message.length).toBeGreaterThan(0);
        }
        for (const phone of out.record.phones) {
          expect(phone).toMatch(E164);
          expect(out.phoneResults.some((p) => p.valid && p.e164 === phone)).toBe(true);
        }
        if (out.record.birthDate) expect(Number(out.record.birthDate.slice(0, 4))).toBeLessThan(10_000);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('events validator: amounts', () => {
  it('non-numeric, negative, NaN and Infinity amounts are rejected with a problem naming "amount"', () => {
    const bad = fc.oneof(
      fc.string({ maxLength: 20 }).filter((s) => !/\d/.test(s)),
      fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '-5', '-0.01', '¥-3', '12,34,5', '1.2.3', '=1+1', '<b>9</b>', "1'; --", null, true, [], {}, Number.NaN, Number.POSITIVE_INFINITY, -1),
    );
    fc.assert(
      fc.property(bad, (amount) => {
        tried++;
        const r = validateEvent({ tag: 'purchase', attributes: { order_id: 'o-1', amount } });
        expect(r.ok, `amount ${JSON.stringify(amount)} accepted`).toBe(false);
        if (!r.ok) expect(r.problems.map((p) => p.message).join(' ')).toContain('amount');
      }),
      { numRuns: 400 },
    );
  });
});

/** The ProfileStore port in memory: just what importFile calls. Records keyed like the table. */
function memoryStore() {
  const imports = new Map<string, ImportState>();
  const records = new Map<string, RecordWrite>();
  const store = {
    records,
    async getImport(id: string) {
      return imports.get(id);
    },
    async beginImport(init: Pick<ImportState, 'importId' | 'bucket' | 'key' | 'source' | 'size'>) {
      const now = new Date().toISOString();
      const state: ImportState = { ...init, status: 'running', rowsDone: 0, bytesRead: 0, counts: emptyCounts(), startedAt: now, updatedAt: now };
      if (!imports.has(init.importId)) imports.set(init.importId, state);
      return structuredClone(imports.get(init.importId)!);
    },
    async checkpointImport(id: string, p: Partial<ImportState>) {
      Object.assign(imports.get(id)!, structuredClone(p));
    },
    async finishImport(id: string, p: Partial<ImportState>) {
      Object.assign(imports.get(id)!, structuredClone(p));
    },
    async writeRecords(writes: RecordWrite[]): Promise<WriteOutcome[]> {
      return writes.map((w) => {
        const key = `${w.record.source}#${w.record.recordId}`;
        const profileId = `p:${w.record.phones[0]}`;
        if (records.get(key)?.hash === w.hash) return { kind: 'redelivered', profileId };
        const isNew = ![...records.values()].some((r) => r.record.phones[0] === w.record.phones[0]);
        records.set(key, w);
        return { kind: 'stored', profileId, newProfile: isNew };
      });
    },
    async writeEvents() {
      return [];
    },
    async numbers() {
      return new Map();
    },
    async isSuppressed() {
      return new Set<string>();
    },
    async getSourceConfig() {
      return undefined;
    },
    async putSourceConfig() {},
  };
  return store;
}

async function* bytesOf(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text, 'utf8');
}

describe('importFile: rows in = stored + rejected, whatever is mixed in', () => {
  const GOOD_PHONES = ['13800138001', '13912345678', '18612345678', '15000150000', '13700137000', '18800188000'];
  const good = fc.record({ phone: fc.constantFrom(...GOOD_PHONES), name: fc.constantFrom('王伟', '李娜', 'Zoë Ng', ''), note: hostile });
  const garbage = fc.record({ phone: fewDigits, name: hostile, note: hostile });

  it('every good row is stored once, no garbage row is, and each reject names its row', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(good.map((r) => ({ good: true, r })), garbage.map((r) => ({ good: false, r }))), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 7 }), async (rows, batchSize) => {
        tried++;
        const store = memoryStore();
        const text = JSON.stringify(rows.map((x, i) => ({ id: `r${i + 1}`, mobile: x.r.phone, name: x.r.name, note: x.r.note })));
        const reports: Record<string, string> = {};
        const state = await importFile(
          { importId: 'fuzz', bucket: 'b', key: 'incoming/fuzz/rows.json', source: 'fuzz', fileName: 'rows.json' },
          { store: store as unknown as ProfileStore, open: async () => bytesOf(text), putReport: async (name, body) => ((reports[name] = body), name), batchSize },
        );
        const c = state.counts;
        expect(state.status).toBe('done');
        expect(c.read).toBe(rows.length);
        expect(c.stored + c.rejected + c.redelivered).toBe(rows.length);
        // a garbage number with a usable name is a customer without a number: kept, keyed by nothing
        const named = (x: (typeof rows)[number]) => !x.good && cleanName(x.r.name) !== undefined;
        expect(c.stored).toBe(rows.filter((x) => x.good || named(x)).length);
        expect(store.records.size).toBe(c.stored);
        rows.forEach((x, i) => {
          const stored = store.records.get(`fuzz#r${i + 1}`);
          if (x.good) expect(stored?.record.phones[0]).toBe(`+86${x.r.phone}`);
          else if (named(x)) expect(stored?.record.phones, `garbage row ${i + 1} keyed by its number`).toEqual([]);
          else expect(stored, `garbage row ${i + 1} stored`).toBeUndefined();
        });
        const rejectLines = reports['rejects.csv']!.trim().split('\n').slice(1);
        expect(rejectLines.length).toBeGreaterThanOrEqual(c.rejected); // quoted cells may span lines
        const report = JSON.parse(reports['report.json']!);
        for (const r of report.rejectsSample) {
          expect(r.rowNumber).toBeGreaterThan(0);
          expect(rows[r.rowNumber - 1]!.good).toBe(false);
          expect(r.code).toMatch(/\./);
        }
      }),
      { numRuns: 150 },
    );
  });
});
