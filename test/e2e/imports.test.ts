/**
 * Imports end to end (issue 4): files dropped through the S3 API of one local cloud, in every
 * format and encoding, land as records under phone-keyed profiles; every row is accounted for
 * (read = stored + rejected + redelivered); a re-upload changes nothing; a corrupt row is
 * rejected alone; and an import that crashes half-way resumes without duplicates or gaps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startTestCloud } from '../support/local-cloud.ts';
import { customers, delimited, e164Of, gbk, gzip, jsonArray, nestedNdjson, utf16le, utf8Bom, xlsx, type Customer } from '../support/files.ts';
import type { LocalCloud } from '../../lib/local/cloud.ts';
import { DynamoProfileStore, documentClient } from '../../functions/adapters/dynamo-profile-store.ts';
import { importFile } from '../../functions/app/import-file.ts';
import type { ImportCounts, ProfileStore } from '../../functions/ports/profile-store.ts';

let cloud: LocalCloud;
let cleanup: () => Promise<void>;
let s3: S3Client;
let store: DynamoProfileStore;

interface Report {
  importId: string;
  file: string;
  status: string;
  counts: ImportCounts;
  rejectsSample: Array<{ rowNumber: number; code: string; message: string }>;
}

const getText = async (bucket: string, key: string) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();

async function drop(source: string, name: string, body: string | Buffer, metadata?: Record<string, string>): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: cloud.info.outputs.RawBucketName, Key: `incoming/${source}/${name}`, Body: body, Metadata: metadata }));
}

/** All reports for a file key, newest last. */
async function reportsFor(key: string): Promise<Array<Report & { reportKey: string }>> {
  const bucket = cloud.info.outputs.ReportsBucketName;
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'imports/' }));
  const found: Array<Report & { reportKey: string; modified: number }> = [];
  for (const object of out.Contents ?? []) {
    if (!object.Key!.endsWith('/report.json')) continue;
    const report = JSON.parse(await getText(bucket, object.Key!)) as Report;
    if (report.file === key) found.push({ ...report, reportKey: object.Key!, modified: object.LastModified!.getTime() });
  }
  return found.sort((a, b) => a.modified - b.modified);
}

async function reportFor(source: string, name: string): Promise<Report & { reportKey: string }> {
  const reports = await reportsFor(`incoming/${source}/${name}`);
  expect(reports, `a report for ${source}/${name}`).toHaveLength(1);
  return reports[0];
}

function expectAddsUp(counts: ImportCounts) {
  expect(counts.read).toBe(counts.stored + counts.rejected + counts.redelivered);
}

/** Every row i of `rows` is a record of `source` under the profile of e164Of(first + k). */
async function expectStored(source: string, rows: Customer[], first: number) {
  for (const [k, row] of rows.entries()) {
    const profileId = await store.profileIdForPhone(e164Of(first + k));
    expect(profileId, `profile of row ${row.id}`).toBeDefined();
    expect(await store.members(profileId!)).toContainEqual({ source, recordId: row.id });
  }
}

// Each case uses its own range of customers, so phones (and profiles) never collide across cases.
const N = 40;
const CASES: Array<{ source: string; name: string; first: number; body: () => Promise<Buffer | string> }> = [
  { source: 'crm', name: 'bom.csv', first: 0, body: async () => utf8Bom(delimited(customers(N, 'bom', 0))) },
  { source: 'pos', name: '门店.csv', first: 100, body: async () => gbk(delimited(customers(N, 'gbk', 100), { headers: 'chinese' })) },
  { source: 'crm', name: 'unicode.tsv', first: 200, body: async () => utf16le(delimited(customers(N, 'u16', 200), { delimiter: '\t' })) },
  { source: 'crm', name: 'semicolon.csv', first: 300, body: async () => delimited(customers(N, 'semi', 300), { delimiter: ';' }) },
  { source: 'crm', name: 'english.xlsx', first: 400, body: async () => xlsx(customers(N, 'xl', 400)) },
  { source: 'web', name: 'signups.json', first: 500, body: async () => jsonArray(customers(N, 'js', 500)) },
  { source: 'shop', name: 'orders.ndjson', first: 600, body: async () => nestedNdjson(customers(N, 'nd', 600)) },
  { source: 'crm', name: 'zipped.csv.gz', first: 700, body: async () => gzip(delimited(customers(N, 'gz', 700))) },
];
const ids: Record<string, string> = { 'bom.csv': 'bom', '门店.csv': 'gbk', 'unicode.tsv': 'u16', 'semicolon.csv': 'semi', 'english.xlsx': 'xl', 'signups.json': 'js', 'orders.ndjson': 'nd', 'zipped.csv.gz': 'gz' };

const CORRUPT_ROW = 21; // 1-based data row that is broken
const corruptCsv = () => {
  const rows = customers(N, 'bad', 800);
  const lines = delimited(rows).split('\r\n');
  lines[CORRUPT_ROW] = `${rows[CORRUPT_ROW - 1].id},"unclosed,${rows[CORRUPT_ROW - 1].phone}`;
  return { rows, body: lines.join('\r\n') };
};

beforeAll(async () => {
  ({ cloud, cleanup } = await startTestCloud());
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  s3 = new S3Client({ region: 'us-east-1', endpoint: cloud.info.endpoints.s3, credentials, forcePathStyle: true });
  store = new DynamoProfileStore(
    documentClient(new DynamoDBClient({ region: 'us-east-1', endpoint: cloud.info.endpoints.dynamodb, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } })),
    cloud.info.outputs.TableName,
  );
  await store.putSourceConfig('shop', {
    name: 'shop',
    recordId: 'order.id',
    fields: { phone: 'customer.mobile', name: 'customer.fullName', email: 'customer.contact.email' },
  });
  for (const c of CASES) await drop(c.source, c.name, await c.body());
  await drop('crm', 'corrupt.csv', corruptCsv().body);
  await cloud.idle();
}, 180_000);

afterAll(async () => {
  s3?.destroy();
  await cleanup?.();
});

describe('each format and encoding dropped in the raw bucket', () => {
  for (const c of CASES) {
    it(`${c.name}: every row stored under its phone's profile, counts add up`, async () => {
      const report = await reportFor(c.source, c.name);
      expect(report.status, JSON.stringify(report)).toBe('done');
      expect(report.counts).toMatchObject({ read: N, stored: N, rejected: 0, redelivered: 0, newProfiles: N });
      expectAddsUp(report.counts);
      await expectStored(c.source, customers(N, ids[c.name], c.first), c.first);
    });
  }

  it('finds the profile of an XLSX row whose phone Excel stored as a number', async () => {
    const profileId = await store.profileIdForPhone(e164Of(401)); // row 2 of the sheet: a numeric cell
    expect(await store.getProfile(profileId!)).toMatchObject({ phone: e164Of(401), phones: [e164Of(401)] });
  });
});

/** Every profile with its members, sorted: what `phonekey export` lists, read straight from the store. */
async function snapshot(): Promise<string[]> {
  const out: string[] = [];
  for await (const profile of store.listProfiles()) {
    const members = (await store.members(profile.profileId)).map((m) => `${m.source}/${m.recordId}`).sort();
    out.push(JSON.stringify({ ...profile, members }));
  }
  return out.sort();
}

describe('a corrupt row in the middle of a CSV', () => {
  it('is rejected alone, with its reason and row number in the report and rejects.csv', async () => {
    const { rows } = corruptCsv();
    const report = await reportFor('crm', 'corrupt.csv');
    expect(report.counts).toMatchObject({ read: N, stored: N - 1, rejected: 1, redelivered: 0 });
    expect(report.counts.byReason).toEqual({ 'row.malformed': 1 });
    expectAddsUp(report.counts);
    expect(report.rejectsSample).toHaveLength(1);
    expect(report.rejectsSample[0]).toMatchObject({ rowNumber: CORRUPT_ROW, code: 'row.malformed' });
    const rejects = await getText(cloud.info.outputs.ReportsBucketName, report.reportKey.replace(/report\.json$/, 'rejects.csv'));
    const lines = rejects.trim().split(/\r?\n/);
    expect(lines).toHaveLength(2); // header + the one reject
    expect(lines[1]).toContain(String(CORRUPT_ROW));
    expect(lines[1]).toContain('row.malformed');
    await expectStored('crm', rows.slice(0, CORRUPT_ROW - 1), 800);
    await expectStored('crm', rows.slice(CORRUPT_ROW), 800 + CORRUPT_ROW); // the rows after it too
    expect(await store.profileIdForPhone(e164Of(800 + CORRUPT_ROW - 1))).toBeUndefined();
  });
});

describe('a re-upload of the same file', () => {
  it('changes nothing and counts every row as redelivered', async () => {
    const before = await snapshot();
    const c = CASES[0];
    // A new upload of the same bytes: a client that marks its upload (as `phonekey import` does).
    await drop(c.source, c.name, await c.body(), { 'import-id': 'reupload-1' });
    await cloud.idle();
    const reports = await reportsFor(`incoming/${c.source}/${c.name}`);
    expect(reports).toHaveLength(2);
    const again = reports.find((r) => r.importId === 'reupload-1')!;
    expect(again.counts).toMatchObject({ read: N, stored: 0, rejected: 0, redelivered: N, newProfiles: 0, updatedProfiles: 0 });
    expectAddsUp(again.counts);
    expect(await snapshot()).toEqual(before);
  });

  it('redelivered unchanged as the same S3 object (same ETag) runs no second import', async () => {
    const c = CASES[3];
    await drop(c.source, c.name, await c.body());
    await cloud.idle();
    const reports = await reportsFor(`incoming/${c.source}/${c.name}`);
    expect(reports).toHaveLength(1);
    expect(reports[0].counts).toMatchObject({ read: N, stored: N });
  });
});

describe('an import killed half-way and retried', () => {
  const ROWS = 450;
  const BATCH = 100;
  const BAD_ROW = 50; // a reject before the crash point, counted before the crash

  function crashingFile(prefix: string, first: number) {
    const rows = customers(ROWS, prefix, first);
    const lines = delimited(rows).split('\r\n');
    lines[BAD_ROW] = `${rows[BAD_ROW - 1].id},name,11111111111`;
    return { rows, body: Buffer.from(lines.join('\r\n')) };
  }

  /** A store whose Nth writeRecords call dies, before or after the writes reached the table. */
  function dyingStore(n: number, when: 'before' | 'after'): ProfileStore {
    let calls = 0;
    return new Proxy(store, {
      get(target, prop, receiver) {
        if (prop !== 'writeRecords') {
          const value = Reflect.get(target, prop, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (writes: Parameters<ProfileStore['writeRecords']>[0]) => {
          calls++;
          if (calls === n && when === 'before') throw new Error('killed');
          const outcomes = await target.writeRecords(writes);
          if (calls === n) throw new Error('killed');
          return outcomes;
        };
      },
    });
  }

  async function run(when: 'before' | 'after', prefix: string, first: number) {
    const { rows, body } = crashingFile(prefix, first);
    const reports = new Map<string, string>();
    const job = { importId: `crash-${when}`, bucket: 'raw', key: `incoming/crash/${prefix}.csv`, source: 'crash', fileName: `${prefix}.csv`, size: body.length };
    const deps = (s: ProfileStore) => ({
      store: s,
      batchSize: BATCH,
      open: async () => (async function* () {
        for (let i = 0; i < body.length; i += 4096) yield body.subarray(i, i + 4096);
      })(),
      putReport: async (name: string, text: string) => {
        reports.set(name, text);
        return `imports/${job.importId}/${name}`;
      },
    });
    await expect(importFile(job, deps(dyingStore(4, when)))).rejects.toThrow('killed');
    const crashed = await store.getImport(job.importId);
    expect(crashed?.status).toBe('running');
    expect(crashed!.rowsDone).toBe(3 * BATCH + 1); // three checkpoints (the reject makes batches end at rows 101, 201, 301)
    const final = await importFile(job, deps(store));
    return { rows, final, reports };
  }

  for (const when of ['before', 'after'] as const) {
    it(`resumes with nothing duplicated or missing (crash ${when} the 4th batch reached the table)`, async () => {
      const first = when === 'before' ? 2000 : 4000;
      const { rows, final, reports } = await run(when, `k${when}`, first);
      expect(final.status).toBe('done');
      expectAddsUp(final.counts);
      expect(final.counts.read).toBe(ROWS);
      expect(final.counts.rejected).toBe(1);
      // Rows written by the killed attempt but not checkpointed come back as exact redeliveries.
      expect(final.counts.stored + final.counts.redelivered).toBe(ROWS - 1);
      if (when === 'before') expect(final.counts).toMatchObject({ stored: ROWS - 1, redelivered: 0, newProfiles: ROWS - 1 });
      const kept = rows.filter((_, k) => k !== BAD_ROW - 1);
      const firstOf = (r: Customer) => first + rows.indexOf(r);
      for (const r of kept) {
        const profileId = await store.profileIdForPhone(e164Of(firstOf(r)));
        expect(await store.members(profileId!)).toEqual([{ source: 'crash', recordId: r.id }]); // exactly once
      }
      const report = JSON.parse(reports.get('report.json')!) as Report;
      expect(report.counts).toEqual(final.counts);
      // The reject was counted by the first attempt; the report and rejects.csv still name it.
      expect(report.rejectsSample.map((r) => r.rowNumber)).toEqual([BAD_ROW]);
      expect(reports.get('rejects.csv')!.trim().split(/\r?\n/)).toHaveLength(2);
    });
  }
});
