/**
 * Profiles end to end on one local cloud (issue 7, profile half): a CSV of customers with a
 * consent column is imported, signed webhooks bring purchases (the same order id from two
 * channels), views and a consent withdrawal; the profile shows spend once, exact to the cent, with
 * tags and a Chinese summary, live before any recompute and stored after; segments export only
 * consenting profiles (API CSV and `phonekey segment`); `phonekey export` carries metrics and tags.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import { join } from 'node:path';
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoProfileStore } from '../../functions/adapters/dynamo-profile-store.ts';
import { documentClient } from '../../functions/adapters/dynamo-document-client.ts';
import { DynamoProfileViews } from '../../functions/adapters/dynamo-profile-view.ts';
import { DynamoIdentityStore } from '../../functions/adapters/dynamo-identity-store.ts';
import { putRules, RulesError } from '../../functions/app/identity/rules.ts';
import { computeBaseQuantiles, recomputeProfiles } from '../../functions/app/profiles/index.ts';
import { signedHeaders } from '../../functions/core/events/index.ts';
import { parseSourceConfig } from '../../functions/core/ingest/source-config.ts';
import type { LocalCloud } from '../../lib/local/cloud.ts';
import { currentSecret, REPO_ROOT, runCli, startTestCloud, localDb, profileIds } from '../support/local-cloud.ts';

let cloud: LocalCloud;
let dataDir: string;
let cleanup: () => Promise<void>;
let db: ReturnType<typeof documentClient>;
let views: DynamoProfileViews;
let secret: string;
let apiToken: string;


async function send(channel: string, events: unknown[]) {
  const body = JSON.stringify(events);
  const response = await fetch(`${cloud.info.endpoints.api}/webhooks/${channel}`, { method: 'POST', headers: { 'content-type': 'application/json', ...signedHeaders(secret, body) }, body });
  const json = (await response.json()) as any;
  expect(response.status, JSON.stringify(json)).toBe(202);
  expect(json.rejected, JSON.stringify(json)).toBe(0);
  return json;
}

const api = async (path: string) => {
  const response = await fetch(`${cloud.info.endpoints.api}${path}`, { headers: { authorization: `Bearer ${apiToken}` } });
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
};
const profile = async (phone: string) => JSON.parse((await api(`/v1/profiles/${encodeURIComponent(phone)}`)).text);

/** An app-shaped event (examples/sources/app-channel.json), happening `daysAgo` days before now. */
function appEvent(phone: string, event: string, props: Record<string, unknown>, id: string, daysAgo = 2) {
  const ts = new Date(Date.now() - daysAgo * 86_400_000).toISOString();
  return { event, ts, event_id: id, user: { phone }, device: { os: 'ios', id: 'dev-1' }, props };
}
const pay = (phone: string, id: string, order: string, amount: string, category = 'beauty') =>
  appEvent(phone, 'pay_success', { order_no: order, items: [{ item_id: `sku-${category}`, category, qty: 1, price: amount }], pay_amount: amount, currency: 'cny' }, id);

const A = '13800138001'; // 上海, consents to SMS
const B = '13900139000'; // 上海, refused SMS
const C = '13700137000'; // 上海, consent column empty
const D = '13600136000'; // 北京, consents, then withdraws through an event

const CSV = ['编号,手机,姓名,性别,生日,城市,短信营销', `c1,${A},王芳,女,1998-05-10,上海,是`, `c2,${B},李雷,男,1985-01-02,上海,否`, `c3,${C},张伟,男,1990-03-04,上海,`, `c4,${D},赵敏,女,1992-07-08,北京,同意`].join('\n');

/** The profile id a number founds in this cloud. */
let idOf: (e164: string) => string;

beforeAll(async () => {
  ({ cloud, dataDir, cleanup } = await startTestCloud());
  idOf = await profileIds(cloud);
  db = localDb(cloud);
  const store = new DynamoProfileStore(db, cloud.info.outputs.TableName);
  views = new DynamoProfileViews(db, cloud.info.outputs.TableName);
  secret = JSON.parse(currentSecret(cloud, 'webhooksecrets')).default;
  apiToken = currentSecret(cloud, 'apitoken');
  const app = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/sources/app-channel.json'), 'utf8'));
  await store.putSourceConfig('app', parseSourceConfig(app));
  // A second channel (the mall's mini program) reporting the same orders, and consent changes.
  const mall = structuredClone(app);
  mall.name = 'mall';
  mall.events.mapping.unsubscribe = { tag: 'consent_update', attributes: { channel: 'props.channel', granted: 'props.granted', source: 'props.via' } };
  await store.putSourceConfig('mall', parseSourceConfig(mall));
  await store.putSourceConfig(
    'crm',
    parseSourceConfig({ name: 'crm', kind: 'file', defaultCountry: 'CN', recordId: '编号', fields: { phone: '手机', name: '姓名', gender: '性别', birthDate: '生日', city: '城市' }, consent: { sms: '短信营销' } }),
  );

  const file = join(dataDir, 'customers.csv');
  writeFileSync(file, CSV);
  const imported = await runCli(['import', file, '--source', 'crm', '--json'], { dataDir });
  expect(imported.code, imported.stderr).toBe(0);

  await send('app', [
    pay(A, 'a-1', 'O-1', '299.00'),
    pay(A, 'a-2', 'O-2', '0.10'),
    pay(A, 'a-3', 'O-3', '0.20'),
    appEvent(A, 'item_detail_view', { item_id: 'sku-beauty', category: 'beauty' }, 'a-4'),
    appEvent(A, 'search', { query: '口红' }, 'a-5'),
    pay(B, 'b-1', 'O-9', '1500.00', 'shoes'),
  ]);
  // The mall reports order O-1 again: it must count once.
  await send('mall', [pay(A, 'm-1', 'O-1', '299.00')]);
}, 300_000);

afterAll(async () => {
  await cleanup?.();
});

describe('a whole profile', () => {
  it('GET /v1/profiles/{phone}: spend once and exact to the cent, four dimensions, tags with their rules, a Chinese summary — live before any recompute', async () => {
    const p = await profile(A);
    expect(p).toMatchObject({ profileId: idOf('+8613800138001'), phone: '+8613800138001', viewSource: 'live' });
    // the same profile by its id; a text that is neither an id nor a number is a 400
    expect((await profile(p.profileId)).members).toEqual(p.members);
    expect((await api('/v1/profiles/p_0000000000000000')).status).toBe(404);
    expect(JSON.parse((await api('/v1/profiles/12345')).text)).toMatchObject({ error: 'phone.too_short', message: expect.stringMatching(/neither a profile id nor a valid phone number/) });
    expect(p.metrics).toMatchObject({ totalSpend: 299.3, totalSpendCents: 29930, orderCount: 3 });
    expect(p.view.consumption).toMatchObject({ totalSpend: '299.30', orderCount: 3, ordersReportedTwice: 1, categories: [{ category: 'beauty', orders: 3, spendCents: 29930 }] });
    expect(p.view.basic).toMatchObject({ name: '王芳', gender: 'F', birthDate: '1998-05-10', location: { city: '上海市' } });
    expect(p.view.basic.age).toBeGreaterThanOrEqual(28);
    expect(p.view.behaviour).toMatchObject({ interactions: 6, views: 1, searches: 1, byChannel: { app: 5, mall: 1 } });
    expect(p.view.consent.sms).toMatchObject({ granted: true, source: 'crm' });
    expect(p.view.tags).toContainEqual({ tag: 'prefers:beauty', rule: 'category-preference' });
    expect(p.tags).toEqual(expect.arrayContaining(['prefers:beauty', 'repeat_buyer', 'new_customer']));
    expect(p.summary).toMatch(/^\d+岁女性，上海，低消费力，常购美妆，每月互动6次$/);
    expect(p.members).toEqual(expect.arrayContaining([{ source: 'crm', recordId: 'c1' }, { source: 'app', recordId: 'a-1' }, { source: 'mall', recordId: 'm-1' }]));
  });

  it('the nightly recompute stores the view on the profile item (own attributes only); a later webhook shows at once', async () => {
    const q = await computeBaseQuantiles(views);
    expect(q).toMatchObject({ profiles: 4, buyers: 2 });
    expect(await recomputeProfiles(views, [idOf('+8613800138001'), idOf('+8613900139000'), 'p_0000000000000000'], q)).toEqual({ updated: 2, missing: 1 });
    const item = (await db.send(new GetCommand({ TableName: cloud.info.outputs.TableName, Key: { pk: `PROF#${idOf('+8613800138001')}`, sk: 'PROFILE' } }))).Item!;
    expect(item).toMatchObject({ phone: '+8613800138001', metrics: { totalSpendCents: 29930 }, summary: expect.stringContaining('上海'), counters: { purchase: 4 } });
    expect(item.tags).toContain('prefers:beauty');
    const stored = await profile(A);
    expect(stored.viewSource).toBe('stored');
    // With base quantiles of two buyers: A (299.30) reaches the medium cut, B (1500.00) the high one.
    expect(stored.view.derived).toMatchObject({ basedOn: 'base_quantiles', spendingPower: 'medium' });
    expect((await profile(B)).view.derived.spendingPower).toBe('high');

    await send('app', [pay(A, 'a-6', 'O-4', '10.05')]);
    const after = await profile(A);
    expect(after.viewSource).toBe('live');
    expect(after.metrics).toMatchObject({ totalSpendCents: 30935, orderCount: 4 });
  });

  it('phonekey profile prints the whole profile', async () => {
    const r = await runCli(['profile', '138 0013 8001'], { dataDir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('309.35 CNY over 4 order(s)');
    expect(r.stdout).toMatch(/岁女性，上海/);
    expect(r.stdout).toContain('prefers:beauty (category-preference)');
  });
});

describe('tag rules as data', () => {
  it('stored tag rules (rules kind tags, what `phonekey rules put` stores) are refused when invalid and used when valid', async () => {
    const identity = new DynamoIdentityStore(db, cloud.info.outputs.TableName);
    await expect(putRules(identity, { version: 1, tags: [{ id: 'x', tag: 'x', when: { field: 'metrics.orderCount' } }] }, { actor: 'test' })).rejects.toThrow(RulesError);
    await expect(putRules(identity, { version: 1, tags: [{ id: 'x', tag: 'x', when: { field: 'metrics.orderCount' } }] }, { actor: 'test' })).rejects.toThrow(/tags\[0\] \(x\)\.when: needs exactly one operator/);
    expect(await putRules(identity, { version: 1, tags: [{ id: 'big-basket', tag: 'big_basket', when: { field: 'metrics.orderCount', gte: 4 } }, { id: 'prefs', tag: 'likes:{category}', forEach: 'derived.categoryPreferences' }] }, { actor: 'test' })).toEqual({ kind: 'tags' });
    const p = await profile(A);
    expect(p.view.tags).toEqual([
      { tag: 'big_basket', rule: 'big-basket' },
      { tag: 'likes:beauty', rule: 'prefs' },
    ]);
    // Back to the shipped defaults for the tests after this one.
    await db.send(new DeleteCommand({ TableName: cloud.info.outputs.TableName, Key: { pk: 'RULES#tags', sk: 'RULES' } }));
    expect((await profile(A)).tags).toContain('prefers:beauty');
  });
});

describe('segments', () => {
  it('GET /v1/segments exports only profiles with consent for the channel, as CSV', async () => {
    await send('mall', [appEvent(D, 'unsubscribe', { channel: 'sms', granted: false, via: 'unsubscribe_link' }, 'd-1', 1)]);
    const r = await api(`/v1/segments?q=${encodeURIComponent('city:上海 consent:sms')}&format=csv`);
    expect(r.status, r.text).toBe(200);
    expect(r.type).toMatch(/text\/csv/);
    // csvCell neutralizes a leading + (spreadsheets would read the cell as a formula).
    expect(r.text).toBe(`phone,profileId,channels\n'+8613800138001,${idOf('+8613800138001')},sms\n`);
    const all = await api(`/v1/segments?q=${encodeURIComponent('consent:sms')}`);
    expect(all.text.trim().split('\n').map((l) => JSON.parse(l).phone)).toEqual(['+8613800138001']); // D withdrew, B refused, C never said
  });

  it('a bad query is a 400 that names the term', async () => {
    const r = await api(`/v1/segments?q=${encodeURIComponent('city:上海 colour:red consent:sms')}`);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toMatchObject({ error: 'segment.bad_query', term: 'colour:red' });
    expect((await api(`/v1/segments?q=${encodeURIComponent('city:上海')}`)).text).toMatch(/consent:<channel>/);
  });

  it('phonekey export --format csv|xlsx: one row per customer with golden fields, numbers with type and location, spend and tags', async () => {
    const csvFile = join(dataDir, 'customers.csv');
    const csv = await runCli(['export', '--format', 'csv', '--out', csvFile], { dataDir });
    expect(csv.code, csv.stderr).toBe(0);
    const text = readFileSync(csvFile, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true); // Excel reads the Chinese as UTF-8
    const rows = parseCsv(text.slice(1), { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(4);
    const a = rows.find((r) => r.profile_id === idOf('+8613800138001'))!;
    expect(a).toMatchObject({ name: '王芳', phone: "'+8613800138001", phone_type: 'mobile', country: 'CN', province: '上海市', city: '上海市', orders: '4', total_spend: '309.35', currency: 'CNY' });
    expect(a.phone_location).toMatch(/北京|上海|广东|市/);
    expect(a.tags.split('; ')).toContain('prefers:beauty');
    expect(a.sources.split('; ')).toEqual(expect.arrayContaining(['mall']));

    const gbkFile = join(dataDir, 'customers-gbk.csv');
    expect((await runCli(['export', '--format', 'csv', '--encoding', 'gbk', '--out', gbkFile], { dataDir })).code).toBe(0);
    expect(iconv.decode(readFileSync(gbkFile), 'gbk')).toBe(text.slice(1));

    const xlsxFile = join(dataDir, 'customers.xlsx');
    expect((await runCli(['export', '--format', 'xlsx', '--out', xlsxFile], { dataDir })).code).toBe(0);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(xlsxFile);
    const sheet = book.getWorksheet('customers')!;
    expect(sheet.rowCount).toBe(5);
    const header = (sheet.getRow(1).values as string[]).slice(1);
    const xa = sheet.getRows(2, 4)!.map((r) => Object.fromEntries(header.map((h, i) => [h, String(r.getCell(i + 1).value ?? '')]))).find((r) => r.profile_id === a.profile_id)!;
    expect(xa).toMatchObject({ name: '王芳', phone: '+8613800138001', total_spend: '309.35' });

    const refused = await runCli(['export', '--format', 'xlsx'], { dataDir });
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('--out')]);

    // the same files through the API (the console's download buttons), byte for byte
    const viaApi = async (query: string) => {
      const response = await fetch(`${cloud.info.endpoints.api}/v1/export?${query}`, { headers: { authorization: `Bearer ${apiToken}` } });
      expect(response.status).toBe(200);
      return { type: response.headers.get('content-type'), disposition: response.headers.get('content-disposition'), bytes: Buffer.from(await response.arrayBuffer()) };
    };
    const csvApi = await viaApi('format=csv');
    expect(csvApi).toMatchObject({ type: 'text/csv; charset=utf-8', disposition: 'attachment; filename="customers.csv"' });
    expect(csvApi.bytes.equals(readFileSync(csvFile))).toBe(true);
    expect((await viaApi('format=csv&encoding=gbk')).bytes.equals(readFileSync(gbkFile))).toBe(true);
    const apiBook = new ExcelJS.Workbook();
    await apiBook.xlsx.load((await viaApi('format=xlsx')).bytes as unknown as ArrayBuffer);
    expect(apiBook.getWorksheet('customers')!.rowCount).toBe(5);
  });

  it('phonekey segment writes NDJSON to a file; phonekey export carries metrics and tags', async () => {
    const out = join(dataDir, 'seg.ndjson');
    const seg = await runCli(['segment', 'tag:repeat_buyer', 'spend>=300', 'consent:sms', '--format', 'ndjson', '--out', out], { dataDir });
    expect(seg.code, seg.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l))).toEqual([{ phone: '+8613800138001', profileId: idOf('+8613800138001'), channels: ['sms'] }]);

    const file = join(dataDir, 'export.ndjson');
    const exp = await runCli(['export', '--out', file], { dataDir });
    expect(exp.code, exp.stderr).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    const a = lines.find((l) => l.phone === '+8613800138001');
    expect(a).toMatchObject({ profileId: idOf('+8613800138001'), phones: ['+8613800138001'], metrics: { totalSpend: 309.35, orderCount: 4 } });
    expect(a.tags).toContain('prefers:beauty');
    expect(a.members).toContainEqual({ source: 'mall', recordId: 'm-1' });
    expect(lines.find((l) => l.phone === '+8613700137000')).toMatchObject({ metrics: { totalSpend: 0, orderCount: 0 }, tags: expect.any(Array) });
  });
});

describe('times as the source’s clock read them', () => {
  it('a 14:05 sale in Shanghai reads 14:05 +08:00; a channel in New York reads its own zone, summer time included', async () => {
    const store = new DynamoProfileStore(db, cloud.info.outputs.TableName);
    const nyc = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/sources/app-channel.json'), 'utf8'));
    nyc.name = 'nyc';
    nyc.timezone = 'America/New_York';
    await store.putSourceConfig('nyc', parseSourceConfig(nyc));
    await send('app', [{ ...pay(C, 'c-1', 'O-20', '10.00'), ts: '2026-11-21 14:05:00' }]);
    await send('nyc', [{ ...pay(D, 'd-1', 'O-21', '20.00'), ts: '2026-07-01 09:00:00' }]);
    expect((await profile(C)).view.consumption).toMatchObject({ firstPurchaseAt: '2026-11-21T14:05:00+08:00', lastPurchaseAt: '2026-11-21T14:05:00+08:00' });
    expect((await profile(D)).view.consumption.lastPurchaseAt).toBe('2026-07-01T09:00:00-04:00');
    const shown = await runCli(['profile', C], { dataDir });
    expect(shown.stdout).toContain('last 2026-11-21T14:05:00+08:00');
  });
});
