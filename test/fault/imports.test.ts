/**
 * Fault suite, imports (issue 8), against one real local cloud: each case breaks something while a
 * file is being imported and then checks the store row by row — every row of the file is a record
 * exactly once under the profile of its phone (nothing lost), and the import's counts add up to the
 * rows of the file with nothing stored twice (nothing counted twice).
 *
 * - storage unavailable → the import function fails, is retried, ends in the dead-letter file
 *   with the reason; storage back → `phonekey retry --list` shows it, `phonekey retry` re-drives it
 *   and removes it from the list;
 * - the import function killed mid-file → the platform's retry resumes after the checkpoint;
 * - DynamoDB dropped mid-write (connections cut, in flight too) → dead letter → brought back →
 *   `phonekey retry` resumes;
 * - S3 events delivered twice (at once) and late, out of order, across two versions of a key;
 * - a row with a field too big for one DynamoDB item is rejected alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoProfileStore } from '../../functions/adapters/dynamo-profile-store.ts';
import { documentClient } from '../../functions/adapters/dynamo-document-client.ts';
import type { ImportState } from '../../functions/ports/profile-store.ts';
import type { LocalCloud } from '../../lib/local/cloud.ts';
import { customers, delimited, type Customer } from '../support/files.ts';
import { runCli, startTestCloud, localS3, localDb, sourceRecords } from '../support/local-cloud.ts';
import { importOfObject } from '../../lib/cli/upload-import.ts';

let cloud: LocalCloud;
let dataDir: string;
let cleanup: () => Promise<void>;
let s3: S3Client;
let db: ReturnType<typeof documentClient>;
let store: DynamoProfileStore;

/** Figures for the report: per case, rows in, records found, lost, counted twice. */
const figures: Array<{ fault: string; rows: number; records: number; lost: number; doubled: number; counts: string }> = [];

beforeAll(async () => {
  ({ cloud, dataDir, cleanup } = await startTestCloud());
  s3 = localS3(cloud);
  // No SDK retries in the test's own client: while DynamoDB is down the test only waits.
  db = localDb(cloud);
  store = new DynamoProfileStore(db, cloud.info.outputs.TableName);
}, 180_000);

afterAll(async () => {
  cloud?.faults.setDynamoDown(false);
  console.log('\nfault suite (imports):');
  for (const f of figures) console.log(`  ${f.fault}: rows ${f.rows}, records ${f.records}, lost ${f.lost}, counted twice ${f.doubled} | ${f.counts}`);
  await cleanup?.();
});

const RAW = () => cloud.info.outputs.RawBucketName;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Import ids by the label a test gave its drop: named from the uploaded object, as the function names them. */
const importIds = new Map<string, string>();
const idOf = (label: string) => importIds.get(label)!;

async function drop(source: string, name: string, body: string, label?: string): Promise<string> {
  const key = `incoming/${source}/${name}`;
  const put = await s3.send(new PutObjectCommand({ Bucket: RAW(), Key: key, Body: body }));
  if (label) importIds.set(label, (await importOfObject(s3, store, RAW(), key, put.VersionId)).importId);
  return key;
}

/** The S3 notification for the object now at `key` in the raw bucket, as S3 would deliver it. */
async function notificationFor(key: string) {
  const head = await s3.send(new HeadObjectCommand({ Bucket: RAW(), Key: key }));
  return { eventName: 'ObjectCreated:Put', s3: { bucket: { name: RAW() }, object: { key, size: head.ContentLength, eTag: head.ETag!.replace(/"/g, '') } } };
}

function deadLetters(): Array<{ time: string; error: string; event: any }> {
  const file = join(dataDir, 'dead-letters.ndjson');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}
const deadLettersFor = (key: string) => deadLetters().filter((d) => decodeURIComponent(d.event.Records[0].s3.object.key.replace(/\+/g, ' ')) === key);

/** Every REC item of a source, by record id. */
async function recordsOf(source: string): Promise<Map<string, Array<{ profileId: string; hash: string; record: any }>>> {
  const found = new Map<string, Array<{ profileId: string; hash: string; record: any }>>();
  for (const item of await sourceRecords(db, cloud.info.outputs.TableName, source)) {
    const id = item.recordId as string;
    found.set(id, [...(found.get(id) ?? []), { profileId: item.profileId, hash: item.hash, record: item.record }]);
  }
  return found;
}

/**
 * Nothing lost, nothing counted twice: every row is one record under its phone's profile, no
 * record is there that the file does not have, and read = stored + rejected + redelivered with
 * stored never above the rows. Returns the figures line.
 */
async function expectExact(fault: string, source: string, rows: Customer[], state: ImportState, expectedRejected = 0) {
  const records = await recordsOf(source);
  const lost = rows.filter((r) => !records.has(r.id)).length;
  const extra = [...records.keys()].filter((id) => !rows.some((r) => r.id === id)).length;
  const c = state.counts;
  const doubled = Math.max(0, c.stored + c.redelivered + c.rejected - rows.length - expectedRejected) + extra;
  figures.push({ fault, rows: rows.length, records: records.size, lost, doubled, counts: `read ${c.read} = stored ${c.stored} + rejected ${c.rejected} + redelivered ${c.redelivered}` });
  expect(state.status).toBe('done');
  expect(lost, 'rows lost').toBe(0);
  expect(extra, 'records that are not rows of the file').toBe(0);
  expect(c.read).toBe(rows.length + expectedRejected);
  expect(c.read).toBe(c.stored + c.rejected + c.redelivered);
  expect(c.rejected).toBe(expectedRejected);
  expect(c.stored).toBeLessThanOrEqual(rows.length);
  // Each record under the profile its phone resolves to (one profile per number).
  for (const [k, row] of rows.entries()) {
    if (k % 25) continue; // a sample: the Scan above already saw every record once
    const e164 = `+86${row.phone.replace(/\D/g, '').replace(/^86(?=1\d{10}$)/, '')}`;
    expect(records.get(row.id)![0].record.phones[0]).toBe(e164);
    expect(records.get(row.id)![0].profileId).toBe(await store.profileIdForPhone(e164));
  }
}

describe('storage unavailable: dead letter, retry by command', () => {
  it('ends in the dead-letter file with the reason, `phonekey retry` re-drives it once storage is back, then the list is empty', async () => {
    const rows = customers(60, 'dl', 10_000);
    cloud.faults.setDynamoDown(true);
    const key = await drop('crm', 'dead-letter.csv', delimited(rows), 'fault-dead-letter');
    const dead = await waitFor('the dead letter', () => deadLettersFor(key)[0], 60_000, 100);
    cloud.faults.setDynamoDown(false);
    expect(dead.error.length, 'a reason').toBeGreaterThan(0);
    console.log(`dead letter reason: ${dead.error}`);

    const listed = await runCli(['retry', '--list', '--json'], { dataDir });
    expect(listed.code, listed.stderr).toBe(0);
    const list = JSON.parse(listed.stdout);
    const entry = list.imports.find((d: any) => d.key === key);
    expect(entry).toMatchObject({ kind: 'import', bucket: RAW(), key, reason: dead.error });
    const human = await runCli(['retry', '--list'], { dataDir });
    expect(human.stdout).toContain(key);
    expect(human.stdout).toContain(dead.error);

    const retried = await runCli(['retry', entry.id, '--json'], { dataDir });
    expect(retried.code, retried.stdout + retried.stderr).toBe(0);
    expect(JSON.parse(retried.stdout)).toMatchObject({ retried: 1, failed: 0 });
    await cloud.idle();

    const state = (await store.getImport(idOf('fault-dead-letter')))!;
    await expectExact('storage unavailable → dead letter → phonekey retry', 'crm', rows, state);
    expect(deadLettersFor(key), 'removed from the dead-letter file after the retry succeeded').toHaveLength(0);
    const after = JSON.parse((await runCli(['retry', '--list', '--json'], { dataDir })).stdout);
    expect(after.imports.find((d: any) => d.key === key)).toBeUndefined();
  }, 240_000);
});

describe('the import function killed mid-file', () => {
  it('the retry resumes after the last checkpoint: every row once, counts exact', async () => {
    const rows = customers(700, 'kill', 20_000);
    await drop('kill', 'killed.csv', delimited(rows), 'fault-killed');
    // Kill once the first batches are checkpointed and the rest is still to come.
    const mid = await waitFor('the import to be half-way', async () => {
      const s = await store.getImport(idOf('fault-killed'));
      return s && s.status === 'running' && s.rowsDone >= 500 ? s : undefined;
    });
    const t0 = Date.now();
    cloud.faults.killFunction('ImportFunction');
    expect(mid.rowsDone, 'killed mid-file').toBeLessThan(rows.length);
    await cloud.idle();
    console.log(`killed at row ${mid.rowsDone}; the retry finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const state = (await store.getImport(idOf('fault-killed')))!;
    await expectExact(`killed at row ${mid.rowsDone} → platform retry`, 'kill', rows, state);
  }, 240_000);
});

describe('DynamoDB dropped mid-write and brought back', () => {
  it('the in-flight batch fails, the import dead-letters, and `phonekey retry` completes it: no gap, no duplicate', async () => {
    const rows = customers(700, 'drop', 30_000);
    const key = await drop('pos', 'dropped.csv', delimited(rows), 'fault-dropped');
    // Drop it while the first batch is being written: its first record is there, its checkpoint not.
    const mid = await waitFor('the first records to be written', async () => {
      const first = await db.send(new GetCommand({ TableName: cloud.info.outputs.TableName, Key: { pk: `REC#pos#${rows[0]!.id}`, sk: 'REC' } }));
      const s = first.Item && (await store.getImport(idOf('fault-dropped')));
      return s && s.status === 'running' ? s : undefined;
    });
    cloud.faults.setDynamoDown(true);
    await waitFor('the dead letter', () => deadLettersFor(key)[0], 60_000, 100);
    cloud.faults.setDynamoDown(false);
    const half = (await store.getImport(idOf('fault-dropped')))!;
    expect(half.status, 'left unfinished by the drop').toBe('running');
    expect(half.rowsDone).toBeLessThan(rows.length);

    const retried = await runCli(['retry', '--json'], { dataDir });
    expect(retried.code, retried.stdout + retried.stderr).toBe(0);
    await cloud.idle();
    const state = (await store.getImport(idOf('fault-dropped')))!;
    await expectExact(`DynamoDB dropped mid-batch (checkpoint at row ${mid.rowsDone}) → dead letter → phonekey retry`, 'pos', rows, state);
    expect(deadLettersFor(key)).toHaveLength(0);
  }, 240_000);
});

describe('S3 events delivered twice and out of order', () => {
  it('a notification delivered three times at once imports the file once', async () => {
    const rows = customers(150, 'twice', 40_000);
    const key = await drop('web', 'twice.csv', delimited(rows));
    const record = await notificationFor(key);
    cloud.faults.redeliverS3Event(record);
    cloud.faults.redeliverS3Event(record);
    await cloud.idle();
    const records = await recordsOf('web');
    const importIds = new Set<string>();
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await db.send(new ScanCommand({ TableName: cloud.info.outputs.TableName, FilterExpression: 'sk = :s', ExpressionAttributeValues: { ':s': 'IMPORT' }, ExclusiveStartKey }));
      for (const item of out.Items ?? []) if (item.state.key === key) importIds.add(item.state.importId);
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    expect([...importIds], 'one import for one upload').toHaveLength(1);
    const state = (await store.getImport([...importIds][0]))!;
    expect(records.size).toBe(rows.length);
    await expectExact('one S3 event delivered 3× concurrently', 'web', rows, state);
  }, 240_000);

  it('two versions of a key, the first one’s event redelivered late: the newer content stays, nothing is lost', async () => {
    // v1: rows 0..59; v2: rows 20..79, with rows 20..29 changed (a new name).
    const all = customers(80, 'ver', 50_000);
    const v1 = all.slice(0, 60);
    const v2 = all.slice(20).map((r, k) => (k < 10 ? { ...r, name: `${r.name}二` } : r));
    const key = await drop('shop', 'versions.csv', delimited(v1), 'fault-v1');
    const v1Event = await notificationFor(key);
    await waitFor('v1 imported', async () => ((await store.getImport(idOf('fault-v1')))?.status === 'done' ? true : undefined));
    await drop('shop', 'versions.csv', delimited(v2), 'fault-v2');
    await waitFor('v2 imported', async () => ((await store.getImport(idOf('fault-v2')))?.status === 'done' ? true : undefined));
    // v1's notification again, after v2 (S3 does not promise order), and v2's twice more.
    cloud.faults.redeliverS3Event(v1Event);
    const v2Event = await notificationFor(key);
    cloud.faults.redeliverS3Event(v2Event);
    cloud.faults.redeliverS3Event(v2Event);
    await cloud.idle();

    const records = await recordsOf('shop');
    const lost = all.filter((r) => !records.has(r.id)).length;
    const doubled = [...records.values()].filter((v) => v.length > 1).length;
    const s1 = (await store.getImport(idOf('fault-v1')))!;
    const s2 = (await store.getImport(idOf('fault-v2')))!;
    figures.push({
      fault: 'two versions of a key, v1 event late, v2 event 3×',
      rows: all.length,
      records: records.size,
      lost,
      doubled,
      counts: `v1 read ${s1.counts.read} stored ${s1.counts.stored}; v2 read ${s2.counts.read} stored ${s2.counts.stored} redelivered ${s2.counts.redelivered}`,
    });
    expect(lost).toBe(0);
    expect(doubled).toBe(0);
    expect(records.size).toBe(all.length);
    // The newer version's content won, and the late v1 event did not put the old names back.
    for (const r of v2.slice(0, 10)) expect(records.get(r.id)![0].record.name, r.id).toMatch(/二$/);
    // v1 counted 60 stored; v2 counted 10 changed + 20 new as stored, 30 unchanged as redelivered.
    expect(s1.counts).toMatchObject({ read: 60, stored: 60, rejected: 0, redelivered: 0 });
    expect(s2.counts).toMatchObject({ read: 60, stored: 30, rejected: 0, redelivered: 30 });
  }, 240_000);
});

describe('a field too big for one stored item', () => {
  it('rejects that row alone with a reason naming it; the rows before and after are stored', async () => {
    const rows = customers(20, 'big', 60_000);
    const header = 'id,name,mobile,email,gender,birthday,address,note';
    const lines = rows.map((r, k) => [r.id, r.name, r.phone, r.email, r.gender, r.birthday, `"${r.address}"`, k === 10 ? 'x'.repeat(600_000) : 'ok'].join(','));
    await drop('bulk', 'huge-field.csv', [header, ...lines].join('\n') + '\n', 'fault-huge-field');
    await waitFor('the import to end', async () => {
      const s = await store.getImport(idOf('fault-huge-field'));
      return (s && s.status !== 'running') || deadLetters().some((d) => d.event.Records[0].s3.object.key.endsWith('huge-field.csv')) ? true : undefined;
    }, 60_000, 100);
    await cloud.idle();
    expect(deadLetters().filter((d) => d.event.Records[0].s3.object.key.endsWith('huge-field.csv')), 'no dead letter: one bad row must not fail the file').toHaveLength(0);
    const state = (await store.getImport(idOf('fault-huge-field')))!;
    const kept = rows.filter((_, k) => k !== 10);
    await expectExact('a 600 KB field in row 11', 'bulk', kept, state, 1);
    expect(state.counts.byReason).toEqual({ 'row.too_large': 1 });
    const report = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: cloud.info.outputs.ReportsBucketName, Key: state.reportKey! }))).Body!.transformToString());
    expect(report.rejectsSample[0]).toMatchObject({ rowNumber: 11, code: 'row.too_large', field: 'note' });
    expect(report.rejectsSample[0].message).toContain('row 11');
  }, 240_000);
});
