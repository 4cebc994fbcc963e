/**
 * Imports end to end (issue 4): files dropped through the S3 API of one local cloud, in every
 * format and encoding, land as records under phone-keyed profiles; every row is accounted for
 * (read = stored + rejected + redelivered); a re-upload changes nothing; a corrupt row is
 * rejected alone; and an import that crashes half-way resumes without duplicates or gaps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import iconv from 'iconv-lite';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { importReports, s3Text, type ImportReportBase } from '../support/import-reports.ts';
import { startTestCloud, localS3, localDb } from '../support/local-cloud.ts';
import { customers, delimited, e164Of, phoneOf, gbk, gzip, jsonArray, nestedNdjson, utf16le, utf8Bom, xlsx, type Customer } from '../support/files.ts';
import type { LocalCloud } from '../../lib/local/cloud.ts';
import { DynamoProfileStore } from '../../functions/adapters/dynamo-profile-store.ts';
import { importOfObject } from '../../lib/cli/upload-import.ts';
import { importFile } from '../../functions/app/import-file.ts';
import type { ImportCounts, ProfileStore } from '../../functions/ports/profile-store.ts';

let cloud: LocalCloud;
let cleanup: () => Promise<void>;
let s3: S3Client;
let store: DynamoProfileStore;

interface Report extends ImportReportBase {
  counts: ImportCounts;
  rejectsSample: Array<{ rowNumber: number; code: string; message: string }>;
}

const getText = (bucket: string, key: string) => s3Text(s3, bucket, key);

async function drop(source: string, name: string, body: string | Buffer) {
  return s3.send(new PutObjectCommand({ Bucket: cloud.info.outputs.RawBucketName, Key: `incoming/${source}/${name}`, Body: body }));
}

/** All reports for a file key, oldest first. */
const reportsFor = (key: string) => importReports<Report>(s3, cloud.info.outputs.ReportsBucketName, key);

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

// A store's POS export in GBK: every line is a purchase (examples/sources/pos-purchases.json, as
// source "pos-sh"). Order A has two lines, B one; one line has a bad amount, one a fake phone (its
// buyer, known by the member card, is kept without a number).
const POS_HEADER = '流水号,小票号,会员手机,顾客姓名,会员卡号,商品编码,品类,单价,数量,金额,交易时间,短信订阅';
const POS_LINES = [
  `T001,A100,${phoneOf(900)},张伟,M900,SKU-1,饮料,3.50,2,7.00,2024-03-05 10:15:00,同意`,
  `T002,A100,${phoneOf(900)},张伟,M900,SKU-2,零食,12.00,1,12.00,2024-03-05 10:15:00,同意`,
  `T003,B200,${phoneOf(901)},李娜,M901,SKU-1,饮料,3.50,1,3.50,2024-03-06 18:40:00,否`,
  `T004,C300,${phoneOf(902)},王芳,M902,SKU-3,日用,8.00,1,八块,2024-03-06 19:00:00,`,
  `T005,D400,11111111111,赵强,M903,SKU-3,日用,8.00,1,8.00,2024-03-07 09:00:00,`,
];
const posSheet = () => iconv.encode([POS_HEADER, ...POS_LINES].join('\r\n') + '\r\n', 'gbk');
const posConfig = () => ({
  ...JSON.parse(readFileSync(join(import.meta.dirname, '../../examples/sources/pos-purchases.json'), 'utf8')),
  name: 'pos-sh',
  consent: { sms: '短信订阅' },
});

// Mini-program orders, one nested order a line (examples/sources/mall-orders-ndjson.json); order
// O-2 appears twice (an export overlap): one purchase, one redelivery.
const order = (id: string, i: number, total: string, category: string) =>
  JSON.stringify({
    order: { id, paid_at: '2024-04-01T12:00:00+08:00', total, currency: 'cny', items: [{ sku: `S-${id}`, category, price: total, qty: 1 }] },
    buyer: { mobile: phoneOf(i), name: `买家${i}`, openid: `oid-${i}` },
    shipping: { address: '上海市浦东新区世纪大道1号', province: '上海市', city: '上海市' },
  });
const ORDERS = [order('O-1', 950, '99.00', '美妆'), order('O-2', 951, '15.50', '食品'), order('O-3', 950, '20', '食品'), order('O-2', 951, '15.50', '食品')];

beforeAll(async () => {
  ({ cloud, cleanup } = await startTestCloud());
  s3 = localS3(cloud);
  store = new DynamoProfileStore(localDb(cloud), cloud.info.outputs.TableName);
  await store.putSourceConfig('shop', {
    name: 'shop',
    recordId: 'order.id',
    fields: { phone: 'customer.mobile', name: 'customer.fullName', email: 'customer.contact.email' },
  });
  await store.putSourceConfig('pos-sh', posConfig());
  await store.putSourceConfig('mall-orders', JSON.parse(readFileSync(join(import.meta.dirname, '../../examples/sources/mall-orders-ndjson.json'), 'utf8')));
  await store.putSourceConfig('crm-consent', { name: 'crm-consent', consent: { sms: '短信', email: { value: 'mail_ok', at: 'mail_ok_at' } } });
  for (const c of CASES) await drop(c.source, c.name, await c.body());
  await drop('pos-sh', '门店销售.csv', posSheet());
  await drop('mall-orders', 'orders.ndjson', ORDERS.join('\n') + '\n');
  await drop('crm-consent', 'members.csv', `id,name,mobile,短信,mail_ok,mail_ok_at\r\nc1,周杰,${phoneOf(960)},是,no,2024-05-01 08:00\r\nc2,吴磊,${phoneOf(961)},,1,\r\n`);
  await drop('crm', 'corrupt.csv', corruptCsv().body);
  await cloud.idle();
}, 300_000);

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
    // A new upload of the same bytes, whose import is named from the new object (as `phonekey import` finds it).
    const put = await drop(c.source, c.name, await c.body());
    const { importId } = await importOfObject(s3, store, cloud.info.outputs.RawBucketName, `incoming/${c.source}/${c.name}`, put.VersionId);
    await cloud.idle();
    const reports = await reportsFor(`incoming/${c.source}/${c.name}`);
    expect(reports).toHaveLength(2);
    const again = reports.find((r) => r.importId === importId)!;
    expect(again.counts).toMatchObject({ read: N, stored: 0, rejected: 0, redelivered: N, newProfiles: 0, updatedProfiles: 0 });
    expectAddsUp(again.counts);
    expect(await snapshot()).toEqual(before);
  });

  it('uploaded again unmarked, with the same ETag, is a new import that reports every row as redelivered', async () => {
    const before = await snapshot();
    const c = CASES[3];
    await drop(c.source, c.name, await c.body());
    await cloud.idle();
    const reports = await reportsFor(`incoming/${c.source}/${c.name}`);
    expect(reports).toHaveLength(2);
    expect(reports[0].counts).toMatchObject({ read: N, stored: N });
    expect(reports[1].importId).not.toBe(reports[0].importId);
    expect(reports[1].counts).toMatchObject({ read: N, stored: 0, rejected: 0, redelivered: N, newProfiles: 0, updatedProfiles: 0 });
    expect(await snapshot()).toEqual(before);
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
        return async (writes: Parameters<ProfileStore['writeRecords']>[0], arrival: Parameters<ProfileStore['writeRecords']>[1]) => {
          calls++;
          if (calls === n && when === 'before') throw new Error('killed');
          const outcomes = await target.writeRecords(writes, arrival);
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

describe('rows as events', () => {
  const db = () => (store as unknown as { db: import('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient }).db;
  const item = async (pk: string, sk: string) => (await db().send(new GetCommand({ TableName: cloud.info.outputs.TableName, Key: { pk, sk } }))).Item;

  it('a GBK POS sheet: every line a purchase on its buyer\'s profile, bad lines rejected alone', async () => {
    const report = await reportFor('pos-sh', '门店销售.csv');
    expect(report.status).toBe('done');
    expect(report.counts).toMatchObject({ read: 5, stored: 4, withoutNumber: 1, rejected: 1, redelivered: 0, newProfiles: 3 });
    expect(report.counts.byReason).toEqual({ 'event.bad_attribute': 1 });
    expect(report.counts.numberProblems).toEqual({ 'phone.repeated_digits': 1 });
    expectAddsUp(report.counts);
    const zhang = await store.profileIdForPhone(`+86${phoneOf(900)}`);
    expect(await store.getProfile(zhang!)).toMatchObject({ counters: { purchase: 2 } });
    expect((await store.members(zhang!)).sort((a, b) => a.recordId.localeCompare(b.recordId))).toEqual([
      { source: 'pos-sh', recordId: 'T001' },
      { source: 'pos-sh', recordId: 'T002' },
    ]);
    const line = await item('EVT#pos-sh#T002', 'EVT');
    expect(line).toMatchObject({
      tag: 'purchase',
      occurredAt: '2024-03-05T02:15:00.000Z',
      attributes: { order_id: 'A100', product_id: 'SKU-2', category: '零食', quantity: 1, amount: '12.00', amount_cents: 1200, currency: 'CNY' },
    });
    expect(line!.record.consent).toEqual({ sms: { granted: true, source: 'pos-sh' } });
    expect((await item('EVT#pos-sh#T003', 'EVT'))!.record.consent).toEqual({ sms: { granted: false, source: 'pos-sh' } });
    expect(await store.profileIdForPhone(`+86${phoneOf(902)}`)).toBeUndefined(); // its only line was rejected
  });

  it('the same POS sheet uploaded again counts no purchase twice: every line redelivered', async () => {
    await drop('pos-sh', '门店销售.csv', posSheet());
    await cloud.idle();
    const reports = await reportsFor('incoming/pos-sh/门店销售.csv');
    expect(reports).toHaveLength(2);
    expect(reports[1].counts).toMatchObject({ read: 5, stored: 0, rejected: 1, redelivered: 4 });
    const zhang = await store.profileIdForPhone(`+86${phoneOf(900)}`);
    expect((await store.getProfile(zhang!))!.counters).toEqual({ purchase: 2 });
  });

  it('nested NDJSON orders: one purchase per order, the repeated order redelivered, ids from order.id', async () => {
    const report = await reportFor('mall-orders', 'orders.ndjson');
    expect(report.counts).toMatchObject({ read: 4, stored: 3, rejected: 0, redelivered: 1, newProfiles: 2 });
    expectAddsUp(report.counts);
    const buyer = await store.profileIdForPhone(`+86${phoneOf(950)}`);
    expect(await store.getProfile(buyer!)).toMatchObject({ counters: { purchase: 2 } });
    const o1 = await item('EVT#mall-orders#O-1', 'EVT');
    expect(o1).toMatchObject({
      tag: 'purchase',
      occurredAt: '2024-04-01T04:00:00.000Z',
      attributes: { order_id: 'O-1', product_id: 'S-O-1', category: '美妆', amount: '99.00', currency: 'CNY' },
    });
    expect(o1!.record).toMatchObject({ name: '买家950', externalIds: { openid: 'oid-950' }, city: '上海市' });
    const other = await store.profileIdForPhone(`+86${phoneOf(951)}`);
    expect((await store.getProfile(other!))!.counters).toEqual({ purchase: 1 });
  });

  it('consent columns land on the record as record.consent[<channel>]', async () => {
    const report = await reportFor('crm-consent', 'members.csv');
    expect(report.counts).toMatchObject({ read: 2, stored: 2 });
    expect((await item('REC#crm-consent#c1', 'REC'))!.record.consent).toEqual({
      sms: { granted: true, source: 'crm-consent' },
      email: { granted: false, source: 'crm-consent', at: '2024-05-01T00:00:00.000Z' },
    });
    expect((await item('REC#crm-consent#c2', 'REC'))!.record.consent).toEqual({ email: { granted: true, source: 'crm-consent' } });
  });
});
