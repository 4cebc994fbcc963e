/**
 * /openapi.json against the real thing: it is a valid OpenAPI 3.1 document, it names exactly the
 * routes the synthesized stack has, and real answers of every route — successes and failures,
 * through the local cloud — match the schema it gives for that status and content type.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { signedHeaders } from '../../functions/core/events/index.ts';
import { DynamoProfileStore } from '../../functions/adapters/dynamo-profile-store.ts';
import { parseSourceConfig } from '../../functions/core/ingest/source-config.ts';
import type { LocalCloud } from '../../lib/local/cloud.ts';
import { currentSecret, localDb, localS3, REPO_ROOT, startTestCloud } from '../support/local-cloud.ts';
import { splitOffSecondNumber } from '../support/split-fixture.ts';

let cloud: LocalCloud;
let cleanup: () => Promise<void>;
let token: string;
let secret: string;
let s3: S3Client;
let doc: any;
let ajv: Ajv2020;
/** `METHOD /path status` of every answer checked against the document. */
const checked = new Set<string>();

const CRM = ['id,姓名,手机号码,邮箱,生日,城市,地址', 'c1,张伟,138-1234-5678,zhangwei@example.com,1985-03-02,上海,', 'c2,李娜,139 1111 2222,,,北京,北京市朝阳区建国路88号', 'c3,王芳,13722223333,,,广州,广州市天河区体育西路1号', 'c4,赵敏,13600136000,,,杭州,'].join('\n');
const POS = ['id,姓名,手机,邮箱,生日,城市,地址', 'p1,张伟,13698765432,zhangwei@example.com,1985-03-02,上海,', 'p2,李娜,15811113333,,,北京,北京市朝阳区建国路88号', 'p3,王芳,13566667777,,,广州,广州市天河区体育西路1号'].join('\n');

/** The path template of the document a concrete path answers to (`/v1/profiles/{phone}` for `/v1/profiles/138…`). */
function templateOf(path: string): string {
  const bare = path.split('?')[0]!;
  const match = Object.keys(doc.paths).find((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(bare));
  if (!match) throw new Error(`the document has no path for ${bare}`);
  return match;
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** Calls the API and checks the answer against the document's schema for its status and content type. */
async function call(method: string, path: string, opts: { body?: string; headers?: Record<string, string>; auth?: string | null } = {}): Promise<{ status: number; body: any }> {
  const auth = opts.auth === undefined ? token : opts.auth;
  const response = await fetch(`${cloud.info.endpoints.api}${path}`, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
    body: opts.body,
  });
  const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const text = await response.text();
  const template = templateOf(path);
  const operation = doc.paths[template][method.toLowerCase()];
  expect(operation, `${method} ${template} is not in the document`).toBeDefined();
  const answer = operation.responses[String(response.status)];
  expect(answer, `${method} ${path} answered ${response.status}, which the document does not list: ${text}`).toBeDefined();
  expect(Object.keys(answer.content ?? {}), `${method} ${path} ${response.status}: content type ${type}`).toContain(type);
  const body = type === 'application/json' ? JSON.parse(text) : text;
  const ref = `openapi#/${pointer('paths', template, method.toLowerCase(), 'responses', String(response.status), 'content', type, 'schema')}`;
  const valid = ajv.validate({ $ref: ref }, body);
  expect(valid, `${method} ${path} ${response.status}: ${ajv.errorsText(ajv.errors)}\n${text.slice(0, 2000)}`).toBe(true);
  checked.add(`${method} ${template} ${response.status}`);
  return { status: response.status, body };
}

function webhook(channel: string, events: unknown, sign = true) {
  const body = JSON.stringify(events);
  return call('POST', `/webhooks/${channel}`, { body, auth: null, headers: sign ? signedHeaders(secret, body) : { 'x-phonekey-timestamp': String(Math.floor(Date.now() / 1000)), 'x-phonekey-signature': 'sha256=00' } });
}

beforeAll(async () => {
  ({ cloud, cleanup } = await startTestCloud());
  token = currentSecret(cloud, 'apitoken');
  secret = JSON.parse(currentSecret(cloud, 'webhooksecrets')).default;
  s3 = localS3(cloud);
  const store = new DynamoProfileStore(localDb(cloud), cloud.info.outputs.TableName);
  await store.putSourceConfig('app', parseSourceConfig(readFileSync(join(REPO_ROOT, 'examples/sources/app-channel.json'), 'utf8')));
  for (const [source, csv] of [['crm', CRM], ['pos', POS]] as const) {
    await s3.send(new PutObjectCommand({ Bucket: cloud.info.outputs.RawBucketName, Key: `incoming/${source}/${source}.csv`, Body: csv }));
    await cloud.idle();
  }
  doc = await (await fetch(`${cloud.info.endpoints.api}/openapi.json`)).json();
  ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(doc, 'openapi');
}, 300_000);

afterAll(async () => {
  s3?.destroy();
  await cleanup?.();
});

describe('/openapi.json', { timeout: 120_000 }, () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(doc);
    expect(result.valid, JSON.stringify(result.errors)).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('describes exactly the routes the stack has', () => {
    const dir = inject('assemblyDir')!;
    const template = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.template.json'))!), 'utf8'));
    const routes = Object.values(template.Resources as Record<string, { Type: string; Properties: { RouteKey: string } }>)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => r.Properties.RouteKey)
      .sort();
    const documented = Object.entries(doc.paths as Record<string, object>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(routes);
  });

  it('matches real answers of the profile, search, match and segment routes', async () => {
    expect((await call('GET', `/v1/profiles?q=${encodeURIComponent('張偉')}`)).body.profiles).toHaveLength(1);
    expect((await call('GET', '/v1/profiles?q=%20')).status).toBe(400);
    expect((await call('GET', '/v1/profiles?q=wang', { auth: null })).status).toBe(401);
    expect((await call('GET', '/v1/profiles?q=wang', { auth: 'wrong' })).status).toBe(403);
    expect((await call('GET', '/v1/profiles/13812345678')).body.phones).toHaveLength(2);
    expect((await call('GET', '/v1/profiles/13911112222')).body.view.basic.location).toEqual({ country: 'CN', province: '北京市', city: '北京市', district: '朝阳区', detail: '建国路88号', address: '北京市朝阳区建国路88号' });
    expect((await call('GET', '/v1/profiles/11111111111')).status).toBe(400);
    expect((await call('GET', '/v1/profiles/13611112222')).status).toBe(404);
    expect((await call('POST', '/v1/match', { body: JSON.stringify({ name: '张伟', phone: '13812345678' }) })).body.candidates.length).toBeGreaterThan(0);
    expect((await call('POST', '/v1/match', { body: '{}' })).status).toBe(400);
    expect((await call('GET', '/v1/segments?q=city:%E4%B8%8A%E6%B5%B7%20consent:sms')).status).toBe(200);
    expect((await call('GET', '/v1/segments?q=city:%E4%B8%8A%E6%B5%B7%20consent:sms&format=csv')).status).toBe(200);
    expect((await call('GET', '/v1/segments?q=spend%3E%3Dabc')).status).toBe(400);
    expect((await call('GET', '/v1/export?format=csv')).body).toContain('profile_id,name');
    expect((await call('GET', '/v1/export?format=xlsx')).status).toBe(200);
    expect((await call('GET', '/v1/export?format=pdf')).status).toBe(400);
  });

  it('matches real answers of the review, merge and unmerge routes', async () => {
    const { reviews } = (await call('GET', '/v1/reviews')).body;
    expect(reviews).toHaveLength(2);
    const [first, second] = reviews;
    expect((await call('POST', `/v1/reviews/${first.reviewId}/approve`, { body: JSON.stringify({ fields: { phones: 'a' } }) })).status).toBe(400);
    expect((await call('POST', `/v1/reviews/${first.reviewId}/approve`, { body: JSON.stringify({ fields: { name: 'b' } }) })).body.pinned).toEqual(['name']);
    expect((await call('POST', `/v1/reviews/${first.reviewId}/approve`)).status).toBe(409);
    expect((await call('POST', `/v1/reviews/${second.reviewId}/reject`)).status).toBe(200);
    expect((await call('POST', `/v1/reviews/${second.reviewId}/reject`)).status).toBe(409);
    expect((await call('POST', '/v1/reviews/r_0000000000000000/approve')).status).toBe(404);
    expect((await call('POST', '/v1/reviews/r_0000000000000000/reject')).status).toBe(404);

    const { merges } = (await call('GET', '/v1/profiles/13812345678/merges')).body;
    expect(merges).toHaveLength(1);
    expect((await call('GET', '/v1/profiles/p_0000000000000000/merges')).status).toBe(404);
    expect((await call('GET', '/v1/profiles/123/merges')).status).toBe(400);
    expect((await call('GET', '/v1/profiles/13812345678/splits')).body).toMatchObject({ profileId: expect.stringMatching(/^p_/), splits: [] });
    expect((await call('GET', '/v1/profiles/p_0000000000000000/splits')).status).toBe(404);
    const member = merges[0].moved.members[0];
    expect((await call('POST', '/v1/profiles/13812345678/unmerge', { body: JSON.stringify({ member }) })).status).toBe(200);
    expect((await call('POST', '/v1/profiles/13812345678/unmerge', { body: JSON.stringify({ member }) })).status).toBe(409);
    expect((await call('POST', '/v1/profiles/13812345678/unmerge', { body: '{}' })).status).toBe(400);
    expect((await call('POST', '/v1/profiles/p_0000000000000000/unmerge', { body: JSON.stringify({ member }) })).status).toBe(404);
  });

  it('matches real answers of the webhook, erasure and static routes', async () => {
    const ts = new Date().toISOString();
    expect((await webhook('app', [{ event: 'login', ts, event_id: 'e1', user: { phone: '13600136000' } }])).status).toBe(202);
    expect((await webhook('app', [{ event: 'login', ts, event_id: 'e2', user: { phone: '11111111111' } }])).status).toBe(400);
    expect((await webhook('app', [{ event: 'login', ts, event_id: 'e3' }], false)).status).toBe(401);
    expect((await webhook('nope', [])).status).toBe(404);
    expect((await call('POST', '/webhooks/app', { body: '[', auth: null, headers: signedHeaders(secret, '[') })).status).toBe(400);
    expect((await call('POST', '/webhooks/app', { body: 'x'.repeat(1_100_000), auth: null, headers: signedHeaders(secret, 'x'.repeat(1_100_000)) })).status).toBe(413);

    expect((await call('DELETE', '/v1/profiles/13600136000')).body.erased).toBe(true);
    expect((await call('DELETE', '/v1/profiles/13611112222')).status).toBe(404);
    expect((await call('DELETE', '/v1/profiles/123')).status).toBe(400);

    const { reports } = (await call('GET', '/v1/reports?kind=imports')).body;
    expect(reports.map((r: any) => r.source).sort()).toEqual(['crm', 'pos']);
    expect((await call('GET', '/v1/reports?kind=nightly')).body.reports).toEqual([]);
    expect((await call('GET', '/v1/reports?kind=weekly')).status).toBe(400);
    for (const file of ['report.html', 'report.json', 'rejects.csv']) expect((await call('GET', `/v1/reports/imports/${reports[0].id}/${file}`)).status).toBe(200);
    expect((await call('GET', `/v1/reports/imports/${reports[0].id}/secrets.txt`)).status).toBe(400);
    expect((await call('GET', '/v1/reports/imports/i-nope/report.json')).status).toBe(404);

    expect((await call('GET', '/console', { auth: null })).status).toBe(200);
    expect((await call('GET', '/console/app.js', { auth: null })).status).toBe(200);
    expect((await call('GET', '/console/app.css', { auth: null })).status).toBe(200);
    expect((await call('GET', '/console/nope', { auth: null })).status).toBe(404);
    expect((await call('GET', '/openapi.json', { auth: null })).status).toBe(200);
  });

  it('matches real answers of the numbers route', async () => {
    // a household: two people give one number (it turns shared); the store's generic one is listed too
    const family = ['id,姓名,手机', 'f1,周杰,13544445555', 'f2,周敏,135 4444 5555'].join('\n');
    await s3.send(new PutObjectCommand({ Bucket: cloud.info.outputs.RawBucketName, Key: 'incoming/crm/family.csv', Body: family }));
    await cloud.idle();
    const shared = await call('GET', '/v1/numbers?standing=shared&limit=5');
    expect(shared.body.numbers.map((n: any) => n.phone)).toContain('+8613544445555');
    expect((await call('GET', '/v1/numbers')).status).toBe(200);
    expect((await call('GET', '/v1/numbers?standing=family')).status).toBe(400);
    expect((await call('GET', '/v1/numbers?limit=0')).status).toBe(400);
    expect((await call('GET', '/v1/numbers?cursor=13544445555')).status).toBe(400);
  });

  it('matches real answers of the split undo route', async () => {
    const { profileId, split } = await splitOffSecondNumber(cloud, s3, 'openapi-test');
    expect((await call('GET', '/v1/profiles/13533335555/splits')).body.splits.map((x: any) => x.splitId)).toEqual([split.splitId]);

    const undone = await call('POST', `/v1/splits/${split.splitId}/undo`);
    expect(undone.body).toMatchObject({ split: { splitId: split.splitId, applied: true, undoneBy: 'api' }, mergeId: expect.any(String) });
    expect((await call('GET', '/v1/profiles/13533335555')).body.profileId).toBe(profileId);
    expect((await call('POST', `/v1/splits/${split.splitId}/undo`)).status).toBe(409);
    expect((await call('POST', '/v1/splits/s_0000000000000000/undo')).status).toBe(404);
  });

  it('has had a real answer of every operation checked', () => {
    const operations = Object.entries(doc.paths as Record<string, object>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const unchecked = operations.filter((op) => ![...checked].some((c) => c.startsWith(`${op} 2`)));
    expect(unchecked).toEqual([]);
  });
});
