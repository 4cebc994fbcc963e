/**
 * Identity resolution end to end (issue 6), through the CLI and HTTP of one local cloud: two files
 * with the same person under two numbers become one profile found by both, with the stored merge
 * explanation; the review queue round trip (approve by API, reject by CLI); check on entry;
 * unmerge (CLI and API) restores both profiles exactly, and re-imports do not merge them again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoProfileStore } from '../../functions/adapters/dynamo-profile-store.ts';
import { documentClient } from '../../functions/adapters/dynamo-document-client.ts';
import { DynamoIdentityStore } from '../../functions/adapters/dynamo-identity-store.ts';
import type { LocalCloud } from '../../lib/local/cloud.ts';
import { currentSecret, runCli, startTestCloud, localS3, localDb, profileIds } from '../support/local-cloud.ts';

let cloud: LocalCloud;
let dataDir: string;
let cleanup: () => Promise<void>;
let db: ReturnType<typeof documentClient>;
let identity: DynamoIdentityStore;
let apiToken: string;
let s3: S3Client;


async function api(method: string, path: string, body?: unknown, token: string | null = apiToken) {
  const response = await fetch(`${cloud.info.endpoints.api}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : undefined) as any };
}

async function cli(args: string[]) {
  const result = await runCli([...args, '--json'], { dataDir });
  expect(result.code, result.stderr + result.stdout).toBe(0);
  return JSON.parse(result.stdout);
}

/** A file dropped in the raw bucket, imported by the notification-driven function (the CLI's import does the same, slower). */
async function importCsv(name: string, source: string, csv: string) {
  await s3.send(new PutObjectCommand({ Bucket: cloud.info.outputs.RawBucketName, Key: `incoming/${source}/${name}`, Body: csv }));
  await cloud.idle();
}

const profileItem = async (profileId: string) => (await db.send(new GetCommand({ TableName: cloud.info.outputs.TableName, Key: { pk: `PROF#${profileId}`, sk: 'PROFILE' } }))).Item!;
const recordItem = async (member: string) => (await db.send(new GetCommand({ TableName: cloud.info.outputs.TableName, Key: { pk: `REC#${member}`, sk: 'REC' } }))).Item!;
const apiProfile = async (phone: string) => api('GET', `/v1/profiles/${encodeURIComponent(phone)}`);
const membersOf = (p: { members: Array<{ source: string; recordId: string }> }) => p.members.map((m) => `${m.source}#${m.recordId}`).sort();

const ZHANG_CRM = '+8613812345678';
const ZHANG_POS = '+8613698765432';
const LI_CRM = '+8613911112222';
const LI_POS = '+8615811113333';
const WANG_CRM = '+8613722223333';
const WANG_POS = '+8613566667777';

const CRM = [
  'id,姓名,手机号码,邮箱,生日,城市,地址',
  'c1,张伟,138-1234-5678,zhangwei@example.com,1985-03-02,上海,',
  'c2,李娜,139 1111 2222,,,北京,北京市朝阳区建国路88号',
  'c3,王芳,13722223333,,,广州,广州市天河区体育西路1号',
].join('\n');
const POS = (extra = '') =>
  [
    'id,姓名,手机,邮箱,生日,城市,地址',
    `p1,张伟,13698765432,zhangwei@example.com,1985-03-02,上海,${extra}`,
    `p2,李娜,15811113333,,,北京,北京市朝阳区建国路88号${extra}`,
    'p3,王芳,13566667777,,,广州,广州市天河区体育西路1号',
  ].join('\n');

/** The profile id a number founds in this cloud. */
let idOf: (e164: string) => string;

beforeAll(async () => {
  ({ cloud, dataDir, cleanup } = await startTestCloud());
  idOf = await profileIds(cloud);
  db = localDb(cloud);
  identity = new DynamoIdentityStore(db, cloud.info.outputs.TableName);
  apiToken = currentSecret(cloud, 'apitoken');
  s3 = localS3(cloud);
  await importCsv('crm.csv', 'crm', CRM);
  await importCsv('pos.csv', 'pos', POS());
}, 300_000);

afterAll(async () => {
  s3?.destroy();
  await cleanup?.();
});

describe('merging on arrival', () => {
  it('makes one profile of the same person under two numbers, found by both, with the merge explained', { timeout: 120_000 }, async () => {
    const a = await apiProfile(ZHANG_CRM);
    const b = await apiProfile('136 9876 5432');
    expect(a.status).toBe(200);
    expect(b.json.profileId).toBe(a.json.profileId);
    expect([...a.json.phones].sort()).toEqual([ZHANG_POS, ZHANG_CRM].sort());
    expect(membersOf(a.json)).toEqual(['crm#c1', 'pos#p1']);

    const item = await profileItem(a.json.profileId);
    expect(item.golden.fields).toMatchObject({ name: '张伟', email: 'zhangwei@example.com', birthDate: '1985-03-02' });
    expect(['crm#c1', 'pos#p1']).toContain(item.golden.sources.name);
    const absorbed = a.json.profileId === idOf(ZHANG_CRM) ? idOf(ZHANG_POS) : idOf(ZHANG_CRM);
    const retired = await profileItem(absorbed);
    expect(retired.mergedInto).toBe(a.json.profileId);
    expect(retired.pshard).toBeUndefined();

    const { merges } = await cli(['merges', ZHANG_POS]);
    expect(merges).toHaveLength(1);
    expect(merges[0]).toMatchObject({ into: a.json.profileId, from: absorbed, actor: 'import' });
    expect(merges[0].rule).toContain('email');
    expect(merges[0].fieldScores).toMatchObject({ email: 11, name: 6, birthDate: 6 });
    expect(merges[0].reasons.join('\n')).toContain('same e-mail');
    expect(merges[0].at).toMatch(/^\d{4}-\d\d-\d\dT/);

    // listings count the person once
    const listed: string[][] = [];
    for await (const p of new DynamoProfileStore(db, cloud.info.outputs.TableName).listProfiles()) listed.push(p.phones);
    expect(listed.filter((phones) => phones.includes(ZHANG_CRM) || phones.includes(ZHANG_POS))).toHaveLength(1);
  });
});

describe('check on entry', () => {
  it('POST /v1/match returns the right profile with scores and reasons', async () => {
    const merged = (await apiProfile(ZHANG_CRM)).json.profileId;
    const res = await api('POST', '/v1/match', { name: '张伟', email: 'ZhangWei@example.com', city: '上海' });
    expect(res.status).toBe(200);
    expect(res.json.candidates[0]).toMatchObject({ profileId: merged, decision: 'merge' });
    expect(res.json.candidates[0].fieldScores.email).toBe(11);
    expect(res.json.candidates[0].reasons.join('\n')).toContain('same e-mail');
    expect(res.json.candidates.map((c: { profileId: string }) => c.profileId)).toEqual([merged]);

    const byPhone = await api('POST', '/v1/match', { phone: '13698765432', name: '张伟' });
    expect(byPhone.json.candidates[0]).toMatchObject({ profileId: merged, decision: 'merge' });
    const nobody = await api('POST', '/v1/match', { name: '欧阳修', birthDate: '1007-08-01' });
    expect(nobody.json.candidates).toEqual([]);
    expect((await api('POST', '/v1/match', {})).status).toBe(400);
  });

  it('answers 401 without the token, on every identity route', async () => {
    expect((await api('POST', '/v1/match', { name: '张伟' }, null)).status).toBe(401);
    expect((await api('GET', '/v1/reviews', undefined, null)).status).toBe(401);
    expect((await api('POST', `/v1/profiles/${ZHANG_CRM}/unmerge`, { member: 'pos#p1' }, null)).status).toBe(401);
    expect((await api('POST', '/v1/match', { name: '张伟' }, 'wrong-token')).status).toBe(403);
  });
});

describe('the review queue', () => {
  it('holds the uncertain pairs with both sides; approve (API) merges, reject (CLI) is remembered', { timeout: 180_000 }, async () => {
    const listed = await api('GET', '/v1/reviews');
    expect(listed.status).toBe(200);
    const reviews = listed.json.reviews as any[];
    const pairOf = (r: any) => [r.a.key, r.b.key].sort().join(' ');
    expect(reviews.map(pairOf).sort()).toEqual(['crm#c2 pos#p2', 'crm#c3 pos#p3']);
    const li = reviews.find((r) => pairOf(r) === 'crm#c2 pos#p2');
    const wang = reviews.find((r) => pairOf(r) === 'crm#c3 pos#p3');
    expect(li.a.record.name).toBe('李娜');
    expect(li.score).toBeGreaterThanOrEqual(8);
    expect(li.score).toBeLessThan(10);
    expect(li.fieldScores).toMatchObject({ name: 6 });

    const cliList = await cli(['review', 'list']);
    expect(cliList.count).toBe(2);

    const approved = await api('POST', `/v1/reviews/${li.reviewId}/approve`);
    expect(approved.status).toBe(200);
    expect((await apiProfile(LI_POS)).json.profileId).toBe((await apiProfile(LI_CRM)).json.profileId);
    const merges = await identity.mergesInto((await apiProfile(LI_CRM)).json.profileId);
    expect(merges[0]).toMatchObject({ rule: 'approved', reviewId: li.reviewId });

    const rejected = await cli(['review', 'reject', wang.reviewId]);
    expect(rejected.review.status).toBe('rejected');
    expect((await apiProfile(WANG_POS)).json.profileId).not.toBe((await apiProfile(WANG_CRM)).json.profileId);

    expect((await api('GET', '/v1/reviews')).json.reviews).toEqual([]);
    expect((await api('POST', `/v1/reviews/${wang.reviewId}/approve`)).status).toBe(409);
    expect((await api('POST', '/v1/reviews/r_0000000000000000/reject')).status).toBe(404);
    const decisions = await identity.listPairDecisions();
    expect(decisions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ a: 'crm#c2', b: 'pos#p2', decision: 'approved' }),
        expect.objectContaining({ a: 'crm#c3', b: 'pos#p3', decision: 'noMerge' }),
      ]),
    );
  });
});

describe('unmerge', () => {
  it('restores both profiles exactly (CLI), and a changed re-import does not merge them again', { timeout: 240_000 }, async () => {
    const merged = (await apiProfile(ZHANG_CRM)).json.profileId;
    const out = await cli(['unmerge', ZHANG_CRM, 'pos#p1']);
    // the side the merge brought in goes back, whichever of the two it was
    expect(out.members).toHaveLength(1);
    expect(['crm#c1', 'pos#p1']).toContain(out.members[0]);

    const crm = await apiProfile(ZHANG_CRM);
    const pos = await apiProfile(ZHANG_POS);
    expect(crm.json).toMatchObject({ profileId: idOf(ZHANG_CRM), phone: ZHANG_CRM, phones: [ZHANG_CRM] });
    expect(pos.json).toMatchObject({ profileId: idOf(ZHANG_POS), phone: ZHANG_POS, phones: [ZHANG_POS] });
    expect(membersOf(crm.json)).toEqual(['crm#c1']);
    expect(membersOf(pos.json)).toEqual(['pos#p1']);
    for (const [id, member] of [
      [idOf(ZHANG_CRM), 'crm#c1'],
      [idOf(ZHANG_POS), 'pos#p1'],
    ]) {
      const item = await profileItem(id);
      expect(item.mergedInto).toBeUndefined();
      expect(item.golden).toBeUndefined();
      expect(item.pshard).toBe(id.slice(-1));
      expect(await recordItem(member)).toMatchObject({ profileId: id, gsi1pk: `PROF#${id}` });
    }
    expect((await identity.mergesInto(merged))[0]!.undoneAt).toBeTruthy();

    // the same file again changes nothing; a changed one is matched again but not merged
    await importCsv('pos.csv', 'pos', POS());
    await importCsv('pos-v2.csv', 'pos', POS(' 2号楼'));
    expect(JSON.stringify((await recordItem('pos#p1')).raw)).toContain('2号楼');
    expect(JSON.stringify((await recordItem('pos#p2')).raw)).toContain('2号楼');
    expect((await apiProfile(ZHANG_POS)).json.profileId).toBe(idOf(ZHANG_POS));
    expect((await apiProfile(ZHANG_CRM)).json.phones).toEqual([ZHANG_CRM]);
    expect((await api('GET', '/v1/reviews')).json.reviews).toEqual([]);
  });

  it('works through POST /v1/profiles/{phone}/unmerge, and an approved pair unmerged stays apart', { timeout: 120_000 }, async () => {
    const res = await api('POST', `/v1/profiles/${encodeURIComponent('139 1111 2222')}/unmerge`, { member: 'pos#p2' });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect((await apiProfile(LI_CRM)).json.phones).toEqual([LI_CRM]);
    expect(membersOf((await apiProfile(LI_POS)).json)).toEqual(['pos#p2']);
    expect((await api('POST', `/v1/profiles/${LI_CRM}/unmerge`, { member: 'pos#p2' })).status).toBe(409);
    expect((await api('POST', `/v1/profiles/${LI_CRM}/unmerge`, { member: 'nope' })).status).toBe(400);

    await importCsv('pos-v3.csv', 'pos', POS(' 3号楼'));
    expect((await apiProfile(LI_POS)).json.profileId).not.toBe((await apiProfile(LI_CRM)).json.profileId);
    expect((await api('GET', '/v1/reviews')).json.reviews).toEqual([]);
  });
});

describe('rules', () => {
  it('shows the defaults, refuses invalid rules naming the field, and stores valid ones', { timeout: 180_000 }, async () => {
    const shown = await cli(['rules', 'show']);
    expect(shown).toMatchObject({ kind: 'match', source: 'default' });
    const bad = join(dataDir, 'bad-rules.json');
    writeFileSync(bad, JSON.stringify({ ...shown.rules, thresholds: { autoMerge: 5, review: 8 } }));
    const refused = await runCli(['rules', 'put', bad], { dataDir });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('thresholds.review');
    const good = join(dataDir, 'rules.json');
    writeFileSync(good, JSON.stringify({ ...shown.rules, thresholds: { autoMerge: 12, review: 6 } }));
    expect(await cli(['rules', 'put', good])).toEqual({ stored: 'match' });
    const after = await cli(['rules', 'show']);
    expect(after).toMatchObject({ source: 'stored', rules: { thresholds: { autoMerge: 12 } } });
  });
});
