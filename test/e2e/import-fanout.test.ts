/**
 * The fan-out of big imports (issue 4) through one local cloud: a file above the threshold is split
 * by the Step Functions state machine of the stack (lib/stack/import-fanout.ts), its chunks are
 * imported by the same use case, and one report adds them up. The threshold and chunk size are
 * set tiny for this file's cloud (synth-time environment).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { importReports, s3Text, type ImportReportBase } from '../support/import-reports.ts';
import { startTestCloud, localS3, localDb } from '../support/local-cloud.ts';
import { customers, delimited, e164Of, phoneOf } from '../support/files.ts';
import type { LocalCloud } from '../../lib/local/cloud.ts';
import { DynamoProfileStore } from '../../functions/adapters/dynamo-profile-store.ts';
import type { ImportCounts } from '../../functions/ports/profile-store.ts';

const ROWS = 150;
const CHUNK_ROWS = 40;
const CORRUPT_ROW = 57; // in the second chunk
/** The last row is the first row's person again (same name, e-mail, birthday) under another number. */
const DUP_PHONE = 9_000;

let cloud: LocalCloud;
let dataDir: string;
let cleanup: () => Promise<void>;
let s3: S3Client;
let store: DynamoProfileStore;

interface Report extends ImportReportBase {
  counts: ImportCounts;
  chunks?: number;
  rejectsSample: Array<{ rowNumber: number; code: string }>;
}

const getText = (bucket: string, key: string) => s3Text(s3, bucket, key);

/** All reports for a file key, oldest first. */
const reportsFor = (key: string) => importReports<Report>(s3, cloud.info.outputs.ReportsBucketName, key);

function bigRows() {
  const rows = customers(ROWS, 'fan', 3000);
  rows[ROWS - 1] = { ...rows[0], id: 'fan-dup', phone: phoneOf(DUP_PHONE) };
  return rows;
}

function bigFile(): string {
  const rows = bigRows();
  const lines = delimited(rows).split('\r\n');
  lines[CORRUPT_ROW] = `${rows[CORRUPT_ROW - 1].id},"unclosed,${rows[CORRUPT_ROW - 1].phone}`;
  return lines.join('\r\n');
}

const executions = () =>
  readdirSync(join(dataDir, 'executions'))
    .map((f) => JSON.parse(readFileSync(join(dataDir, 'executions', f), 'utf8')) as { stateMachineArn: string; status: string; name: string })
    .filter((e) => e.stateMachineArn.includes('importfanout'));

beforeAll(async () => {
  process.env.PHONEKEY_IMPORT_FANOUT_BYTES = '2000';
  process.env.PHONEKEY_IMPORT_CHUNK_ROWS = String(CHUNK_ROWS);
  try {
    ({ cloud, dataDir, cleanup } = await startTestCloud({ synthesize: true }));
  } finally {
    delete process.env.PHONEKEY_IMPORT_FANOUT_BYTES;
    delete process.env.PHONEKEY_IMPORT_CHUNK_ROWS;
  }
  s3 = localS3(cloud);
  store = new DynamoProfileStore(localDb(cloud), cloud.info.outputs.TableName);
  const put = (name: string, body: string) => s3.send(new PutObjectCommand({ Bucket: cloud.info.outputs.RawBucketName, Key: `incoming/crm/${name}`, Body: body }));
  await put('big.csv', bigFile());
  await put('small.csv', delimited(customers(5, 'small', 3500)));
  await cloud.idle();
}, 300_000);

afterAll(async () => {
  s3?.destroy();
  await cleanup?.();
});

describe('a file above the fan-out threshold', () => {
  it('is split into chunks by the state machine and every row accounted for in one report', async () => {
    const [report] = await reportsFor('incoming/crm/big.csv');
    expect(report, 'a report for big.csv').toBeDefined();
    expect(report.status).toBe('done');
    expect(report.chunks).toBe(Math.ceil(ROWS / CHUNK_ROWS));
    expect(report.counts).toMatchObject({ read: ROWS, stored: ROWS - 1, rejected: 1, redelivered: 0, newProfiles: ROWS - 1 });
    expect(report.counts.byReason).toEqual({ 'row.malformed': 1 });
    expect(report.rejectsSample.map((r) => r.rowNumber)).toEqual([CORRUPT_ROW]);
    const rejects = await getText(cloud.info.outputs.ReportsBucketName, report.reportKey.replace(/report\.json$/, 'rejects.csv'));
    const lines = rejects.trim().split(/\r?\n/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`${CORRUPT_ROW},row.malformed`);
    expect(await store.getImport(report.importId)).toMatchObject({ status: 'done', counts: report.counts });
    // The file and its chunks are the state machine's to re-run: never listed as stalled by `phonekey retry`.
    expect(await store.getImport(report.importId)).toMatchObject({ fanout: true });
    expect(await store.getImport(`${report.importId}-c1`)).toMatchObject({ fanout: true });
    expect(executions().filter((e) => e.name === report.importId).map((e) => e.status)).toEqual(['SUCCEEDED']);

    const rows = bigRows();
    for (const [k, row] of rows.entries()) {
      if (k === 0 || k === ROWS - 1) continue;
      const profileId = await store.profileIdForPhone(e164Of(3000 + k));
      if (k === CORRUPT_ROW - 1) expect(profileId).toBeUndefined();
      else expect(await store.members(profileId!), row.id).toEqual([{ source: 'crm', recordId: row.id }]);
    }
  });

  it('matches chunks on arrival as a direct import does: the same person in two chunks is one profile', async () => {
    const profileId = await store.profileIdForPhone(e164Of(3000));
    expect(profileId).toBeDefined();
    expect(await store.profileIdForPhone(e164Of(DUP_PHONE))).toBe(profileId);
    const members = (await store.members(profileId!)).map((m) => m.recordId).sort();
    expect(members).toEqual(['fan-dup', 'fan3000']);
  });

  it('a file below it is imported directly, with no state machine run', async () => {
    const [report] = await reportsFor('incoming/crm/small.csv');
    expect(report.counts).toMatchObject({ read: 5, stored: 5 });
    expect(report.chunks).toBeUndefined();
    expect(executions()).toHaveLength(1);
  });

  it('uploaded again, fans out again and changes nothing: every row redelivered', async () => {
    await s3.send(new PutObjectCommand({ Bucket: cloud.info.outputs.RawBucketName, Key: 'incoming/crm/big.csv', Body: bigFile() }));
    await cloud.idle();
    const reports = await reportsFor('incoming/crm/big.csv');
    expect(reports).toHaveLength(2);
    expect(reports[1].counts).toMatchObject({ read: ROWS, stored: 0, rejected: 1, redelivered: ROWS - 1, newProfiles: 0 });
    expect(executions().map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  });
});
