/**
 * The first slice end to end: a CSV dropped in the raw bucket through the S3 API is imported by the
 * notification-driven function of the synthesized template, and the CLI's export lists the
 * phone-keyed profiles; the CLI refuses bad input without touching what is stored.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { runCli, startTestCloud, localS3 } from '../support/local-cloud.ts';
import type { LocalCloud } from '../../lib/local/cloud.ts';

const CSV = [
  'id,姓名,手机号码,邮箱',
  'c1,张伟,138-1234-5678,zhang@example.com',
  'c2,张伟,+86 138 1234 5678,',
  'c3,李娜,8613912345678,li@example.com',
  'c4,王芳,11111111111,',
  'c5,赵敏,138****5678,',
  'c6,刘洋,(+86) 186 0000 1234,',
].join('\n');

let cloud: LocalCloud;
let dataDir: string;
let cleanup: () => Promise<void>;
let s3: S3Client;

const exportProfiles = async () => {
  const result = await runCli(['export'], { dataDir });
  expect(result.code, result.stderr).toBe(0);
  // A view computed on read carries the time it was computed: the one field two exports of
  // unchanged data may differ in.
  return result.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line, (key, value) => (key === 'computedAt' ? undefined : value)));
};

beforeAll(async () => {
  ({ cloud, dataDir, cleanup } = await startTestCloud());
  s3 = localS3(cloud);
  await s3.send(new PutObjectCommand({ Bucket: cloud.info.outputs.RawBucketName, Key: 'incoming/crm/customers.csv', Body: CSV }));
  await cloud.idle();
});

afterAll(async () => {
  s3?.destroy();
  await cleanup?.();
});

describe('a CSV dropped in the raw bucket', () => {
  it('becomes profiles keyed by E.164, with every record as a member', async () => {
    const profiles = await exportProfiles();
    const byPhone = new Map(profiles.filter((p) => p.phone).map((p) => [p.phone, p]));
    expect([...byPhone.keys()].sort()).toEqual(['+8613812345678', '+8613912345678', '+8618600001234']);
    expect(byPhone.get('+8613812345678').members).toEqual(
      expect.arrayContaining([
        { source: 'crm', recordId: 'c1' },
        { source: 'crm', recordId: 'c2' },
      ]),
    );
    expect(byPhone.get('+8613812345678').members).toHaveLength(2);
    expect(byPhone.get('+8613912345678').phones).toEqual(['+8613912345678']);
  });

  it('keeps rows with invalid numbers as people that no number keys, and reports why', async () => {
    const profiles = await exportProfiles();
    const numberless = profiles.filter((p) => !p.phone);
    expect(numberless.map((p) => p.members.map((m: { recordId: string }) => m.recordId)).sort()).toEqual([['c4'], ['c5']]);
    expect(numberless.map((p) => p.phones)).toEqual([[], []]);
    expect(profiles.flatMap((p) => p.phones)).not.toContain('+8611111111111');
    const list = await s3.send(new GetObjectCommand({ Bucket: cloud.info.outputs.ReportsBucketName, Key: await reportKeyOf('customers.csv') }));
    const report = JSON.parse(await list.Body!.transformToString());
    expect(report.counts).toMatchObject({ read: 6, stored: 6, withoutNumber: 2, rejected: 0, redelivered: 0, newProfiles: 5 });
    expect(report.counts.numberProblems).toEqual({ 'phone.repeated_digits': 1, 'phone.masked': 1 });
    const numberlessRun = await runCli(['profile', '11111111111'], { dataDir });
    expect(numberlessRun.code).not.toBe(0); // the invalid number keys nobody
  });

  it('finds a profile by any written form of its number through the CLI', async () => {
    const result = await runCli(['profile', '138 1234 5678', '--json'], { dataDir });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ phone: '+8613812345678', phones: ['+8613812345678'] });
  });
});

/** The import id of an S3 drop without CLI metadata is derived from the object; find its report. */
async function reportKeyOf(fileName: string): Promise<string> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const out = await s3.send(new ListObjectsV2Command({ Bucket: cloud.info.outputs.ReportsBucketName, Prefix: 'imports/' }));
  for (const object of out.Contents ?? []) {
    if (!object.Key!.endsWith('/report.json')) continue;
    const body = await (await s3.send(new GetObjectCommand({ Bucket: cloud.info.outputs.ReportsBucketName, Key: object.Key! }))).Body!.transformToString();
    if (JSON.parse(body).file.endsWith(fileName)) return object.Key!;
  }
  throw new Error(`no report for ${fileName}`);
}

describe('the CLI on bad input', () => {
  it('names a missing file and exits non-zero', async () => {
    const result = await runCli(['import', join(dataDir, 'nope.csv'), '--source', 'crm'], { dataDir });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('no such file');
  });

  it('fails an empty file and a file with no column that says who its rows are, storing nothing', async () => {
    const before = await exportProfiles();
    const empty = join(dataDir, 'empty.csv');
    const noPhone = join(dataDir, 'no-phone.csv');
    writeFileSync(empty, '');
    writeFileSync(noPhone, 'id,城市,金额\nx1,上海,10\n');
    const emptyRun = await runCli(['import', empty, '--source', 'crm'], { dataDir });
    expect(emptyRun.code).not.toBe(0);
    expect(emptyRun.stdout + emptyRun.stderr).toMatch(/empty|no rows/i);
    const noPhoneRun = await runCli(['import', noPhone, '--source', 'crm'], { dataDir });
    expect(noPhoneRun.code).not.toBe(0);
    expect(noPhoneRun.stdout).toContain('no phone, name, e-mail, member id or external id column');
    expect(await exportProfiles()).toEqual(before);
  });

  it('imports through the CLI and reports a re-upload as redelivered, changing nothing', async () => {
    const file = join(dataDir, 'pos.csv');
    writeFileSync(file, 'id,手机,姓名\np1,13700001111,陈静\np2,13700002222,林峰\n');
    const first = await runCli(['import', file, '--source', 'pos', '--json'], { dataDir });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)[0].counts).toMatchObject({ read: 2, stored: 2, newProfiles: 2 });
    const before = await exportProfiles();
    const again = await runCli(['import', file, '--source', 'pos', '--json'], { dataDir });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)[0].counts).toMatchObject({ read: 2, stored: 0, redelivered: 2, newProfiles: 0 });
    expect(await exportProfiles()).toEqual(before);
  });
});

describe('the rest of the template runs locally', () => {
  it('runs bundles that carry Google\'s geocoding and carrier tables beside them', async () => {
    const { readdirSync, existsSync } = await import('node:fs');
    const cdkOut = inject('assemblyDir');
    const bundles = readdirSync(cdkOut).filter((d) => d.startsWith('asset.') && existsSync(join(cdkOut, d, 'index.js')));
    expect(bundles.length).toBeGreaterThanOrEqual(4);
    for (const b of bundles) expect(existsSync(join(cdkOut, b, 'phone-data', 'geocodes', 'zh', '86.bson')), b).toBe(true);
  });

  it('serves the authenticated profile route: 401 without a token, the profile with one', async () => {
    const url = `${cloud.info.endpoints.api}/v1/profiles/${encodeURIComponent('+86 138 1234 5678')}`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(403);
    const secrets = JSON.parse((await import('node:fs')).readFileSync(cloud.info.secretsFile, 'utf8'));
    const token = Object.values(secrets as Record<string, { versions: Array<{ value: string; stages: string[] }> }>)
      .flatMap((s) => s.versions)
      .find((v) => v.stages.includes('AWSCURRENT'))!.value;
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ phone: '+8613812345678' });
  });

  it('runs the nightly state machine to success and writes its report', async () => {
    const arn = cloud.startExecution(cloud.info.outputs.StateMachineArn, { trigger: 'test' }, 'night-1');
    await cloud.idle();
    const { SFNClient, DescribeExecutionCommand } = await import('@aws-sdk/client-sfn');
    const sfn = new SFNClient({ region: 'us-east-1', endpoint: cloud.info.endpoints.control, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    const report = await s3.send(new GetObjectCommand({ Bucket: cloud.info.outputs.ReportsBucketName, Key: 'nightly/night-1/report.json' }));
    expect(JSON.parse(await report.Body!.transformToString()).snapshot.profiles).toBeGreaterThanOrEqual(3);
  });
});
