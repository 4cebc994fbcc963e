/**
 * Erasure end to end (issue 8) on one local cloud: a person imported from a file (two numbers,
 * two records), seen in a webhook event, queued for review and indexed for blocking is erased with
 * `phonekey erase`; then nothing of them is left in the table or the export, a re-import of the
 * same file and a webhook for their numbers are rejected as `phone.suppressed` (counts still add
 * up), and `phonekey audit` lists the erasure without the number. `DELETE /v1/profiles/{phone}`
 * needs the API token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoProfileStore } from '../../functions/adapters/dynamo-profile-store.ts';
import { documentClient } from '../../functions/adapters/dynamo-document-client.ts';
import { DynamoIdentityStore } from '../../functions/adapters/dynamo-identity-store.ts';
import { signedHeaders } from '../../functions/core/events/index.ts';
import type { LocalCloud } from '../../lib/local/cloud.ts';
import { currentSecret, runCli, startTestCloud, localS3, localDb, profileIds } from '../support/local-cloud.ts';
import { parse as parseCsv } from 'csv-parse/sync';

let cloud: LocalCloud;
let dataDir: string;
let cleanup: () => Promise<void>;
let db: ReturnType<typeof documentClient>;
let store: DynamoProfileStore;
let webhookSecret: string;
let apiToken: string;

// The person to erase: two numbers, a name and an e-mail; and a neighbour who must stay.
const ERASED = { phone: '13812345678', second: '13912345678', e164: '+8613812345678', e164b: '+8613912345678', name: '张三丰', email: 'zhang.sanfeng@example.com' };
const STAYS = { phone: '13700001111', e164: '+8613700001111' };
const CLEAR = [ERASED.phone, ERASED.second, ERASED.name, ERASED.email, 'zhang.sanfeng'];
let erasedProfile: string;

const CSV = [
  'id,name,mobile,mobile2,email',
  `c-1,${ERASED.name},${ERASED.phone},${ERASED.second},${ERASED.email}`,
  `c-2,李四,${STAYS.phone},,li.si@example.com`,
  `c-3,${ERASED.name},${ERASED.phone},,`,
].join('\n');
const CONFIG = { fields: { phone: 'mobile', phones: 'mobile2', name: 'name', email: 'email' }, recordId: 'id', defaultCountry: 'CN' };
const CHANNEL = { name: 'shop', kind: 'channel', defaultCountry: 'CN', fields: { phone: 'phone' }, events: { eventId: 'id', eventName: 'event', mapping: { search: { tag: 'search', attributes: { keyword: 'q' } } } } };


async function webhook(events: unknown[]) {
  const body = JSON.stringify(events);
  const response = await fetch(`${cloud.info.endpoints.api}/webhooks/shop`, { method: 'POST', headers: { 'content-type': 'application/json', ...signedHeaders(webhookSecret, body) }, body });
  return { status: response.status, json: (await response.json()) as any };
}

async function api(method: string, phone: string, token?: string) {
  const response = await fetch(`${cloud.info.endpoints.api}/v1/profiles/${encodeURIComponent(phone)}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

async function allItems(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await db.send(new ScanCommand({ TableName: cloud.info.outputs.TableName, ExclusiveStartKey }));
    items.push(...(out.Items ?? []));
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

const cli = (args: string[]) => runCli(args, { dataDir });
let csvFile: string;
let s3: S3Client;
const getText = async (bucket: string, key: string) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
let configFile: string;

/** The profile id a number founds in this cloud. */
let idOf: (e164: string) => string;

beforeAll(async () => {
  ({ cloud, dataDir, cleanup } = await startTestCloud());
  idOf = await profileIds(cloud);
  erasedProfile = idOf(ERASED.e164);
  db = localDb(cloud);
  store = new DynamoProfileStore(db, cloud.info.outputs.TableName);
  s3 = localS3(cloud);
  webhookSecret = JSON.parse(currentSecret(cloud, 'webhooksecrets')).default;
  apiToken = currentSecret(cloud, 'apitoken');
  await store.putSourceConfig('shop', CHANNEL);
  csvFile = join(dataDir, 'customers.csv');
  configFile = join(dataDir, 'crm.json');
  writeFileSync(csvFile, CSV);
  writeFileSync(configFile, JSON.stringify(CONFIG));
}, 300_000);

afterAll(async () => {
  await cleanup?.();
});

// CLI runs are separate processes (seconds each on a busy machine).
describe('phonekey erase', { timeout: 240_000 }, () => {
  it('sets up the person: file import, a webhook event, a review item and blocking-key entries', async () => {
    const imported = await cli(['import', csvFile, '--source', 'crm', '--config', configFile, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)[0].counts).toMatchObject({ read: 3, stored: 3, rejected: 0 });
    expect((await webhook([{ id: 'w-1', event: 'search', phone: ERASED.phone, q: 'tea' }])).status).toBe(202);

    const identity = new DynamoIdentityStore(db, cloud.info.outputs.TableName);
    const stays = idOf(STAYS.e164);
    await identity.queueReviews([
      { reviewId: 'rv-1', a: { key: 'crm#c-1', profileId: erasedProfile }, b: { key: 'crm#c-2', profileId: stays }, score: 0.7, fieldScores: { name: 0.4 }, reasons: ['test'], reason: 'between thresholds' },
    ]);
    await identity.indexBlockingKeys([
      { member: 'crm#c-1', keys: [`phone:${ERASED.e164}`, 'city:上海'] },
      { member: 'crm#c-2', keys: [`phone:${STAYS.e164}`, 'city:上海'] },
    ]);
    expect(await store.profileIdForPhone(ERASED.e164b)).toBe(erasedProfile);
    expect((await store.members(erasedProfile)).length).toBe(3);
  });

  it('erases the profile, both numbers, records, the event, the review item and its blocking keys', async () => {
    const r = await cli(['erase', '138 1234 5678', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ erased: true, profileId: erasedProfile, suppressed: 2, deleted: { profile: 1, alias: 2, record: 2, event: 1, review: 1 } });
    // Entries of its members (those the import indexed and the two above), and the markers of keys
    // only it had; the shared city key keeps its marker (checked below).
    expect(result.deleted.blocking).toBeGreaterThanOrEqual(3);
    expect(r.stdout).not.toContain(ERASED.phone);

    expect((await api('GET', ERASED.phone, apiToken)).status).toBe(404);
    expect((await api('GET', ERASED.second, apiToken)).status).toBe(404);
    expect((await api('GET', STAYS.phone, apiToken)).status).toBe(200);
  });

  it('leaves no trace in the table or the export (only the suppression hashes)', async () => {
    const items = await allItems();
    const text = JSON.stringify(items);
    for (const clear of CLEAR) expect(text, clear).not.toContain(clear);
    // The profile id survives only as the audit entry's subject.
    expect(JSON.stringify(items.filter((i) => !String(i.pk).startsWith('AUDIT#')))).not.toContain(erasedProfile);
    const cityMarker = items.filter((i) => i.sk === '#' && String(i.pk).startsWith('BKEY#'));
    expect(cityMarker.length).toBeGreaterThan(0); // markers of keys the neighbour still has
    for (const m of cityMarker) expect(items.some((i) => i.pk === m.pk && i.sk !== '#'), `${m.pk} marker without members`).toBe(true);
    expect(items.filter((i) => String(i.pk).startsWith(`PROF#${erasedProfile}`) || i.profileId === erasedProfile || i.gsi1pk === `PROF#${erasedProfile}`)).toEqual([]);
    expect(items.filter((i) => String(i.pk).startsWith('SUPPRESS#')).map((i) => String(i.pk))).toEqual([expect.stringMatching(/^SUPPRESS#[0-9a-f]{64}$/), expect.stringMatching(/^SUPPRESS#[0-9a-f]{64}$/)]);
    expect(items.some((i) => String(i.pk).startsWith('REVIEW#'))).toBe(false);

    const exported = await cli(['export']);
    expect(exported.code, exported.stderr).toBe(0);
    const lines = exported.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.phone)).toEqual([STAYS.e164]);
    for (const clear of [...CLEAR, erasedProfile]) expect(exported.stdout).not.toContain(clear);
  });

  it('a re-import of the same file brings nothing back: its rows are rejected as phone.suppressed, counts add up', async () => {
    const again = await cli(['import', csvFile, '--source', 'crm', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const [state] = JSON.parse(again.stdout);
    expect(state.counts).toMatchObject({ read: 3, stored: 0, redelivered: 1, rejected: 2, byReason: { 'phone.suppressed': 2 } });
    expect(state.counts.read).toBe(state.counts.stored + state.counts.rejected + state.counts.redelivered);
    expect(await store.profileIdForPhone(ERASED.e164)).toBeUndefined();
    expect(await store.profileIdForPhone(ERASED.e164b)).toBeUndefined();

    // The report's rejects file withholds the erased person's rows.
    const bucket = cloud.info.outputs.ReportsBucketName;
    const dir = state.reportKey.slice(0, state.reportKey.lastIndexOf('/') + 1);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: dir }));
    expect(listed.Contents?.map((o) => o.Key)).toContain(`${dir}rejects.csv`);
    for (const object of listed.Contents ?? []) {
      const body = await getText(bucket, object.Key!);
      for (const clear of CLEAR) expect(body, `${object.Key} contains ${clear}`).not.toContain(clear);
      if (object.Key!.endsWith('rejects.csv')) expect(body).toContain('phone.suppressed');
    }
  });

  it('a webhook for either number is rejected as phone.suppressed; others still go through', async () => {
    const r = await webhook([
      { id: 'w-2', event: 'search', phone: ERASED.phone, q: 'tea' },
      { id: 'w-3', event: 'search', phone: `+86 ${ERASED.second}`, q: 'tea' },
      { id: 'w-4', event: 'search', phone: STAYS.phone, q: 'tea' },
    ]);
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ accepted: 1, rejected: 2 });
    expect(r.json.results.map((x: any) => x.code ?? x.status)).toEqual(['phone.suppressed', 'phone.suppressed', 'accepted']);
    expect(await store.profileIdForPhone(ERASED.e164)).toBeUndefined();
  });

  it('phonekey audit lists the erasure by profile id, without the number', async () => {
    const r = await cli(['audit', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { entries } = JSON.parse(r.stdout);
    const erasures = entries.filter((e: any) => e.action === 'erase');
    expect(erasures).toHaveLength(1);
    expect(erasures[0]).toMatchObject({ actor: 'cli', subjects: [erasedProfile], detail: { erased: true } });
    for (const clear of CLEAR) expect(r.stdout).not.toContain(clear);
    // Nothing in the entry is a plain hash of an erased number (found by trying every number): ids are keyed by the install's salt.
    for (const e164 of [ERASED.e164, ERASED.e164b]) {
      const plain = createHash('sha256').update(e164).digest('hex');
      expect(r.stdout).not.toContain(plain.slice(0, 16));
    }
  });
});

describe('DELETE /v1/profiles/{phone}', () => {
  it('needs the API token: 401 without, 403 with a wrong one, and nothing is erased', async () => {
    expect((await api('DELETE', STAYS.phone)).status).toBe(401);
    expect((await api('DELETE', STAYS.phone, 'not-the-token')).status).toBe(403);
    expect((await api('GET', STAYS.phone, apiToken)).status).toBe(200);
  });

  it('erases with the token, audited as api; 404 for a number with no profile; 400 for a bad number', async () => {
    const r = await api('DELETE', `+86 ${STAYS.phone}`, apiToken);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ erased: true, profileId: idOf(STAYS.e164), deleted: { profile: 1, record: 1, event: 1 } });
    expect((await api('GET', STAYS.phone, apiToken)).status).toBe(404);
    expect((await api('DELETE', STAYS.phone, apiToken)).status).toBe(404);
    expect((await api('DELETE', '12345', apiToken)).status).toBe(400);
    const audit = await new (await import('../../functions/adapters/dynamo-privacy-store.ts')).DynamoPrivacyStore(db, cloud.info.outputs.TableName).auditDay(new Date().toISOString().slice(0, 10));
    expect(audit.filter((e) => e.action === 'erase').map((e) => e.actor)).toEqual(['cli', 'api', 'api']);
  });
});

describe('the import report of hostile rows is safe to open', { timeout: 240_000 }, () => {
  it('neutralizes formulas (=, +, -, @) in the rejects CSV and escapes HTML in the report page', async () => {
    const lines = [
      `=cmd|' /C calc'!A0`,
      '+SUM(1,2)',
      '-2+3',
      '@SUM(1)',
      JSON.stringify({ mobile: '<script>alert(1)</script>', name: '<img src=x onerror=alert(1)>' }),
      JSON.stringify({ mobile: '13600136000', name: '=HYPERLINK("http://evil.example/")' }),
    ];
    const file = join(dataDir, 'hostile.ndjson');
    writeFileSync(file, lines.join('\n') + '\n');
    const r = await cli(['import', file, '--source', 'web', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [state] = JSON.parse(r.stdout);
    expect(state.counts).toMatchObject({ read: 6, stored: 2, withoutNumber: 1, rejected: 4 }); // the named row with markup for a number is kept, numberless

    const bucket = cloud.info.outputs.ReportsBucketName;
    const dir = state.reportKey.slice(0, state.reportKey.lastIndexOf('/') + 1);
    const csv = await getText(bucket, `${dir}rejects.csv`);
    const cells = (parseCsv(csv.replace(/^\uFEFF/, ''), { relax_column_count: true }) as string[][]).flat();
    const risky = cells.filter((c) => /^[=+\-@\t\r]/.test(c));
    expect(risky).toEqual([]);
    for (const neutral of [`'=cmd|' /C calc'!A0`, `'+SUM(1,2)`, `'-2+3`, `'@SUM(1)`]) expect(cells).toContain(neutral);

    const html = await getText(bucket, `${dir}report.html`);
    expect(html).not.toMatch(/<script|<img|onerror=alert\(1\)>/i);
    expect(html).toContain('<h1>Import report</h1>');
  });
});
