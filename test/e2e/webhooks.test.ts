/**
 * Channel webhooks end to end (issue 5), through HTTP against one local cloud: signed events land
 * on their phones' profiles (counters, lastSeenAt, lineage), bad/missing/stale signatures store
 * nothing, unknown channels are 404, bodies are checked (400 with position, 413), a bad event
 * among good ones is rejected alone, redelivery changes nothing, and `phonekey send` signs and
 * posts NDJSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoProfileStore } from '../../functions/adapters/dynamo-profile-store.ts';
import { documentClient } from '../../functions/adapters/dynamo-document-client.ts';
import { signedHeaders, signatureHeader } from '../../functions/core/events/index.ts';
import { parseSourceConfig } from '../../functions/core/ingest/source-config.ts';
import { containersMicros, type CloudCpu, type LocalCloud } from '../../lib/local/cloud.ts';
import { currentSecret, REPO_ROOT, runCli, startTestCloud, localDb, profileIds } from '../support/local-cloud.ts';

let cloud: LocalCloud;
let dataDir: string;
let cleanup: () => Promise<void>;
let store: DynamoProfileStore;
let db: ReturnType<typeof documentClient>;
let secret: string;
let apiToken: string;


const url = (channel: string) => `${cloud.info.endpoints.api}/webhooks/${channel}`;

async function post(channel: string, body: string, headers: Record<string, string> = signedHeaders(secret, body)) {
  const response = await fetch(url(channel), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, json: (await response.json()) as any };
}
const send = (channel: string, events: unknown) => post(channel, JSON.stringify(events));

/** The profile as `GET /v1/profiles/{phone}` shows it. */
async function apiProfile(phone: string) {
  const response = await fetch(`${cloud.info.endpoints.api}/v1/profiles/${encodeURIComponent(phone)}`, { headers: { authorization: `Bearer ${apiToken}` } });
  return { status: response.status, json: (await response.json()) as any };
}

const eventItem = async (channel: string, eventId: string) =>
  (await db.send(new GetCommand({ TableName: cloud.info.outputs.TableName, Key: { pk: `EVT#${channel}#${eventId}`, sk: 'EVT' } }))).Item;

/** An app event in the app channel's native shape (examples/sources/app-channel.json). */
function appEvent(phone: string, event: string, props: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { event, ts: '2026-11-20 10:00:00', user: { phone }, device: { os: 'ios', id: 'dev-1' }, props, ...extra };
}
const view = (phone: string, id: string) => appEvent(phone, 'item_detail_view', { item_id: 'sku-1', category: 'shoes' }, { event_id: id });
/** A view whose only clue to its person is the number (no device id): with a bad number, it is nobody's. */
const numberOnlyView = (phone: string, id: string) => ({ ...view(phone, id), device: { os: 'ios' } });
const purchase = (phone: string, id: string, amount: unknown = '299.00') =>
  appEvent(phone, 'pay_success', { order_no: `o-${id}`, items: [{ item_id: 'sku-1', category: 'shoes', qty: 1, price: '299.00' }], pay_amount: amount, currency: 'cny' }, { event_id: id });

/** The profile id a number founds in this cloud. */
let idOf: (e164: string) => string;

beforeAll(async () => {
  ({ cloud, dataDir, cleanup } = await startTestCloud());
  idOf = await profileIds(cloud);
  db = localDb(cloud);
  store = new DynamoProfileStore(db, cloud.info.outputs.TableName);
  secret = JSON.parse(currentSecret(cloud, 'webhooksecrets')).default;
  apiToken = currentSecret(cloud, 'apitoken');
  // What `phonekey source put examples/sources/app-channel.json` does (the CLI costs seconds per run).
  await store.putSourceConfig('app', parseSourceConfig(readFileSync(join(REPO_ROOT, 'examples/sources/app-channel.json'), 'utf8')));
  await store.putSourceConfig('pos', { name: 'pos', kind: 'file', fields: { phone: 'mobile' } });
}, 300_000);

afterAll(async () => {
  await cleanup?.();
});

describe('POST /webhooks/{channel} with a good signature', () => {
  it('answers 202 and the event reaches its profile: counters, lastSeenAt, lineage, GET /v1/profiles', async () => {
    const r = await send('app', view('138 0013 8001', 'v-1'));
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ channel: 'app', accepted: 1, redelivered: 0, rejected: 0, results: [{ index: 0, status: 'accepted', eventId: 'v-1', tag: 'product_view' }] });

    const shown = await apiProfile('13800138001');
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({ phone: '+8613800138001', counters: { product_view: 1 }, lastSeenAt: '2026-11-20T02:00:00.000Z' });
    expect(shown.json.members).toContainEqual({ source: 'app', recordId: 'v-1' });

    const item = await eventItem('app', 'v-1');
    expect(item).toMatchObject({
      profileId: idOf('+8613800138001'),
      tag: 'product_view',
      nativeName: 'item_detail_view',
      attributes: { product_id: 'sku-1', category: 'shoes', platform: 'ios' },
      occurredAt: '2026-11-20T02:00:00.000Z',
    });
  });

  it('brings every mapped tag to the profile with its attributes, and keeps unmapped names as unmapped:<name>', async () => {
    const phone = '13900139001';
    const r = await send('app', [
      view(phone, 't-1'),
      appEvent(phone, 'add_cart', { item_id: 'sku-2', qty: '2', price: '19.90' }, { event_id: 't-2' }),
      purchase(phone, 't-3'),
      appEvent(phone, 'search', { query: '跑鞋' }, { event_id: 't-4' }),
      appEvent(phone, 'share_to_wechat', { item_id: 'sku-1' }, { event_id: 't-5' }),
    ]);
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ accepted: 5, rejected: 0, unmapped: 1 });
    const profile = await store.getProfile(idOf('+8613900139001'));
    expect(profile?.counters).toEqual({ product_view: 1, add_to_cart: 1, purchase: 1, search: 1, 'unmapped:share_to_wechat': 1 });
    expect((await eventItem('app', 't-2'))?.attributes).toMatchObject({ product_id: 'sku-2', quantity: 2, price: '19.90', price_cents: 1990 });
    expect((await eventItem('app', 't-3'))?.attributes).toMatchObject({
      order_id: 'o-t-3',
      product_id: 'sku-1',
      category: 'shoes',
      quantity: 1,
      price: '299.00',
      amount: '299.00',
      amount_cents: 29900,
      currency: 'CNY',
    });
    expect((await eventItem('app', 't-4'))?.attributes).toMatchObject({ keyword: '跑鞋' });
    expect(await eventItem('app', 't-5')).toMatchObject({ tag: 'unmapped:share_to_wechat', unmapped: true });
  });

  it('treats a redelivery (same id, or a replayed body) as redelivered and moves no counter', async () => {
    const phone = '13700137002';
    const body = JSON.stringify(purchase(phone, 'r-1'));
    const headers = signedHeaders(secret, body);
    expect((await post('app', body, headers)).status).toBe(202);
    const before = await store.getProfile(idOf('+8613700137002'));
    expect(before?.counters).toEqual({ purchase: 1 });

    const replay = await post('app', body, headers); // the identical request again
    expect(replay.status).toBe(202);
    expect(replay.json).toMatchObject({ accepted: 0, redelivered: 1, results: [{ status: 'redelivered', eventId: 'r-1' }] });
    const resent = await send('app', [purchase(phone, 'r-1'), purchase(phone, 'r-1')]); // re-signed, and twice in one batch
    expect(resent.json).toMatchObject({ accepted: 0, redelivered: 2 });
    expect((await store.getProfile(idOf('+8613700137002')))?.counters).toEqual({ purchase: 1 });
  });

  it('counts each event once when its deliveries race (a new customer, six concurrent identical requests)', async () => {
    const phone = '13700137010';
    const body = JSON.stringify([view(phone, 'x-1'), purchase(phone, 'x-2')]);
    const responses = await Promise.all(Array.from({ length: 6 }, () => post('app', body)));
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202, 202, 202]);
    expect(responses.reduce((sum, r) => sum + r.json.accepted, 0)).toBe(2);
    expect(responses.reduce((sum, r) => sum + r.json.redelivered, 0)).toBe(10);
    const profile = await store.getProfile(idOf('+8613700137010'));
    expect(profile).toMatchObject({ phone: '+8613700137010', phones: ['+8613700137010'], counters: { product_view: 1, purchase: 1 }, lastSeenAt: '2026-11-20T02:00:00.000Z' });
  });

  it('gives events without an id a hash of channel + event, so their redelivery is a no-op too', async () => {
    const event = appEvent('13700137003', 'search', { query: 'boots' });
    const first = await send('app', event);
    expect(first.status).toBe(202);
    const eventId = first.json.results[0].eventId as string;
    expect(eventId).toMatch(/^h_[0-9a-f]{32}$/);
    const again = await send('app', { ...event });
    expect(again.json.results[0]).toMatchObject({ status: 'redelivered', eventId });
    expect((await store.getProfile(idOf('+8613700137003')))?.counters).toEqual({ search: 1 });
  });

  it('accepts the previous secret alongside the current one (several v1= values)', async () => {
    const body = JSON.stringify(view('13700137004', 'k-1'));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const r = await post('app', body, { 'x-phonekey-timestamp': timestamp, 'x-phonekey-signature': signatureHeader(['not-the-secret', secret], timestamp, body) });
    expect(r.status).toBe(202);
  });
});

describe('refused requests store nothing', () => {
  const phone = '13600136005';
  const stored = async () => ({ alias: await store.profileIdForPhone('+8613600136005'), event: await eventItem('app', 's-1') });

  it('401 for a wrong, missing or stale signature', async () => {
    const body = JSON.stringify(view(phone, 's-1'));
    const wrong = await post('app', body, signedHeaders('wrong-secret', body));
    expect(wrong).toMatchObject({ status: 401, json: { error: 'signature.invalid' } });
    const missing = await post('app', body, {});
    expect(missing).toMatchObject({ status: 401, json: { error: 'signature.missing' } });
    const noSignature = await post('app', body, { 'x-phonekey-timestamp': String(Math.floor(Date.now() / 1000)) });
    expect(noSignature).toMatchObject({ status: 401, json: { error: 'signature.missing' } });
    const stale = await post('app', body, signedHeaders(secret, body, Date.now() - 6 * 60_000));
    expect(stale).toMatchObject({ status: 401, json: { error: 'signature.stale' } });
    const tampered = await post('app', body.replace('sku-1', 'sku-9'), signedHeaders(secret, body));
    expect(tampered).toMatchObject({ status: 401, json: { error: 'signature.invalid' } });
    expect(await stored()).toEqual({ alias: undefined, event: undefined });
  });

  it('404 for an unknown channel, and for a source that is not a channel', async () => {
    const unknown = await send('nosuchchannel', view(phone, 's-1'));
    expect(unknown).toMatchObject({ status: 404, json: { error: 'channel.unknown' } });
    const file = await send('pos', view(phone, 's-1'));
    expect(file).toMatchObject({ status: 404, json: { error: 'channel.unknown' } });
    expect(await stored()).toEqual({ alias: undefined, event: undefined });
  });

  it('400 with the position for malformed JSON', async () => {
    const r = await post('app', '[{"event": "add_cart",\n  "user": {"phone": 1380013}}, oops]');
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'body.malformed', position: { line: 2 } });
    expect(r.json.message).toMatch(/line 2, column \d+/);
  });

  it('413 for a body over 1 MiB', async () => {
    const big = JSON.stringify([{ ...view(phone, 's-1'), padding: 'x'.repeat(1024 * 1024) }]);
    const r = await post('app', big);
    expect(r).toMatchObject({ status: 413, json: { error: 'body.too_large' } });
    expect(await stored()).toEqual({ alias: undefined, event: undefined });
  });
});

describe('a batch with bad events among good ones', () => {
  it('stores the good ones and rejects each bad one with its reason', async () => {
    const good = '13500135006';
    const r = await send('app', [
      view(good, 'm-1'),
      numberOnlyView('11111111111', 'm-2'), // invalid number, nothing else says whose
      purchase(good, 'm-3', null), // purchase without its required amount
      42, // not an event
      appEvent(good, 'add_cart', { item_id: 'sku-3', qty: 'many' }, { event_id: 'm-5' }), // quantity not an integer
      appEvent(good, 'add_cart', { item_id: 'sku-3', qty: 1 }, { event_id: 'm-6' }),
    ]);
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ accepted: 2, redelivered: 0, rejected: 4 });
    expect(r.json.results.map((x: any) => [x.status, x.code])).toEqual([
      ['accepted', undefined],
      ['rejected', expect.stringMatching(/^phone\./)],
      ['rejected', 'event.missing_attribute'],
      ['rejected', 'event.malformed'],
      ['rejected', 'event.bad_attribute'],
      ['accepted', undefined],
    ]);
    expect((await store.getProfile(idOf('+8613500135006')))?.counters).toEqual({ product_view: 1, add_to_cart: 1 });
    expect(await eventItem('app', 'm-3')).toBeUndefined();
    expect(await store.profileIdForPhone('+8611111111111')).toBeUndefined();
  });

  it('answers 400 when no event was accepted', async () => {
    const r = await send('app', [purchase('13500135007', 'n-1', 'abc'), 'nope']);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ accepted: 0, rejected: 2 });
  });
});

// Each CLI run is its own process (tsx, SDK): seconds apiece, more on a busy machine.
describe('phonekey send', { timeout: 180_000 }, () => {
  const phone = '13300133008';
  const lines = [
    view(phone, 'c-1'),
    purchase(phone, 'c-2'),
    appEvent(phone, 'search', { query: 'socks' }, { event_id: 'c-3' }),
  ].map((e) => JSON.stringify(e));

  it('signs and posts NDJSON in batches, and a second run reports the events as redelivered', async () => {
    const file = join(dataDir, 'events.ndjson');
    writeFileSync(file, lines.join('\n') + '\n');
    const first = await runCli(['send', file, '--channel', 'app', '--json'], { dataDir });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ channel: 'app', sent: 3, accepted: 3, redelivered: 0, rejected: 0 });
    const again = await runCli(['send', '-', '--channel', 'app', '--batch-size', '2'], { dataDir, input: lines.join('\n') });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('accepted 0, redelivered 3, rejected 0');
    expect((await store.getProfile(idOf('+8613300133008')))?.counters).toEqual({ product_view: 1, purchase: 1, search: 1 });
  });

  it('prints rejected lines with their reasons and exits non-zero', async () => {
    const input = [JSON.stringify(view(phone, 'c-4')), '{not json', JSON.stringify(numberOnlyView('138****5678', 'c-5'))].join('\n');
    const r = await runCli(['send', '-', '--channel', 'app'], { dataDir, input });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain('accepted 1, redelivered 0, rejected 2');
    expect(r.stdout).toMatch(/line 2: line\.malformed/);
    expect(r.stdout).toMatch(/line 3: phone\./);
  });

  it('fails on an unknown channel or a wrong secret', async () => {
    const unknown = await runCli(['send', '-', '--channel', 'nosuchchannel'], { dataDir, input: lines[0] });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('404');
    const wrong = await runCli(['send', '-', '--channel', 'app', '--secret', 'wrong'], { dataDir, input: lines[0] });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('401');
  });
});

describe('secret rotation (the webhook function caches its secrets)', () => {
  it('a new secret signs at once, the previous one stays valid, a made-up one is refused', async () => {
    // Fill the warm containers' caches with the secrets as they are before the rotation.
    const before = JSON.stringify(view('+8613300133021', 'rot-0'));
    expect((await post('app', before)).status).toBe(202);
    const { SecretsManagerClient, PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const sm = new SecretsManagerClient({ region: 'us-east-1', endpoint: cloud.info.endpoints.control, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const secrets = JSON.parse(readFileSync(cloud.info.secretsFile, 'utf8')) as Record<string, { name: string }>;
    const name = Object.values(secrets).find((x) => x.name.includes('webhooksecrets'))!.name;
    const rotated = 'rotated-secret-for-the-test';
    await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: JSON.stringify({ default: rotated }) }));
    // A container re-reads on a mismatch only if its values are older than REFRESH_MIN_MS (5 s).
    await new Promise((r) => setTimeout(r, 5_100));

    const fresh = JSON.stringify(view('+8613300133021', 'rot-1'));
    const r1 = await post('app', fresh, signedHeaders(rotated, fresh));
    expect(r1.status, JSON.stringify(r1.json)).toBe(202);
    const old = JSON.stringify(view('+8613300133021', 'rot-2'));
    expect((await post('app', old, signedHeaders(secret, old))).status).toBe(202);
    const madeUp = JSON.stringify(view('+8613300133021', 'rot-3'));
    expect((await post('app', madeUp, signedHeaders('made-up', madeUp))).status).toBe(401);
    expect(await eventItem('app', 'rot-3')).toBeUndefined();
    expect((await store.getProfile(idOf('+8613300133021')))?.counters).toEqual({ product_view: 3 });
  }, 30_000);
});

describe('the cloud’s CPU, by part (what the webhook bench reports)', () => {
  it('shows the webhook function’s containers, the store’s thread and the main thread at work, and the parts never above the process', async () => {
    const webhook = (c: CloudCpu) => Object.entries(c.functions).reduce((sum, [id, micros]) => (id.includes('WebhookFunction') ? sum + micros : sum), 0);
    const parts = (c: CloudCpu) => c.mainThread + c.store + containersMicros(c);
    const before = await cloud.cpuUsage();
    for (let i = 0; i < 10; i++) expect((await send('app', view('+8613300133031', `cpu-${i}`))).status).toBe(202);
    const after = await cloud.cpuUsage();
    expect(webhook(after)).toBeGreaterThan(webhook(before));
    expect(after.store).toBeGreaterThan(before.store);
    expect(after.mainThread).toBeGreaterThan(before.mainThread);
    for (const c of [before, after]) {
      expect(c.total).toBeGreaterThanOrEqual(parts(c));
      expect(c.other).toBe(c.total - parts(c));
    }
  });
});
