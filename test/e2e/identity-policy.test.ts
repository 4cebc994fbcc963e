/**
 * A phone number is evidence, not a person — end to end through the CLI and signed webhooks of one
 * local cloud: a store's own number typed for thirty buyers joins none of them and keys nothing;
 * another person on a known number neither rewrites the profile nor joins it, and the conflict is
 * in the review queue, unless the rows say the number changed hands a year before; golden fields
 * survive by source, with their lineage; an unmerge gives back what arrived through the restored
 * number after the merge, counts and all; the nightly run splits a profile a store's number glued,
 * and `phonekey unsplit` undoes it for good.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoProfileStore } from '../../functions/adapters/dynamo-profile-store.ts';
import { parseSourceConfig } from '../../functions/core/ingest/source-config.ts';
import type { LocalCloud } from '../../lib/local/cloud.ts';
import { currentSecret, localDb, runCli, sourceRecords, startTestCloud } from '../support/local-cloud.ts';

let cloud: LocalCloud;
let dataDir: string;
let cleanup: () => Promise<void>;
let apiToken: string;
let store: DynamoProfileStore;

async function cli(args: string[]) {
  const result = await runCli([...args, '--json'], { dataDir });
  expect(result.code, result.stderr + result.stdout).toBe(0);
  return JSON.parse(result.stdout);
}

async function api(method: string, path: string) {
  const response = await fetch(`${cloud.info.endpoints.api}${path}`, { method, headers: { authorization: `Bearer ${apiToken}` } });
  return { status: response.status, json: (await response.json()) as any };
}

async function importCsv(name: string, source: string, lines: string[]) {
  const file = join(dataDir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return cli(['import', file, '--source', source]);
}

/** `phonekey send` of NDJSON events to a channel. */
async function send(channel: string, events: unknown[], tag: string) {
  const file = join(dataDir, `${tag}.ndjson`);
  writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return cli(['send', file, '--channel', channel]);
}

/** The till's channel: a purchase with the buyer's name and the number the cashier typed. */
const TILL = {
  name: 'till',
  kind: 'channel',
  defaultCountry: 'CN',
  fields: { phone: 'phone', name: 'name' },
  events: { eventId: 'id', eventName: 'event', mapping: { sale: { tag: 'purchase', attributes: { order_id: 'order', amount: 'amount', currency: 'currency' } } } },
};

/** `phonekey export`: every profile, those no number keys included. */
async function exportProfiles(): Promise<Map<string, any>> {
  const out = join(dataDir, 'profiles.ndjson');
  const result = await runCli(['export', '--out', out], { dataDir });
  expect(result.code, result.stderr).toBe(0);
  const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
  return new Map(lines.map((l) => JSON.parse(l)).map((d) => [d.profileId, d]));
}

const profileOf = async (phone: string) => api('GET', `/v1/profiles/${encodeURIComponent(phone)}`);

beforeAll(async () => {
  ({ cloud, dataDir, cleanup } = await startTestCloud());
  apiToken = currentSecret(cloud, 'apitoken');
  store = new DynamoProfileStore(localDb(cloud), cloud.info.outputs.TableName);
  await store.putSourceConfig('till', parseSourceConfig(JSON.stringify(TILL)));
}, 300_000);

afterAll(async () => {
  await cleanup?.();
});

describe('a store number typed for thirty buyers', () => {
  const STORE = '+862154372798';
  // thirty surnames, no two alike in pinyin (卫 and 魏 would be one name typed two ways)
  const SURNAMES = '赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金戚';
  const GIVEN = ['志强', '秀英', '建国', '丽娟', '海波', '晓梅'];
  const buyers = Array.from({ length: 30 }, (_, i) => `${SURNAMES[i]}${GIVEN[i % GIVEN.length]}`);

  it('joins none of them, keys no profile, carries nobody’s spend to anybody, and says why', { timeout: 180_000 }, async () => {
    const sales = buyers.flatMap((name, i) => [
      { id: `s${i}a`, event: 'sale', phone: '021-54372798', name, order: `o${i}a`, amount: '100.00', currency: 'CNY' },
      { id: `s${i}b`, event: 'sale', phone: '(021)54372798', name, order: `o${i}b`, amount: '55.00', currency: 'CNY' },
    ]);
    const sent = await send('till', sales, 'till');
    expect(sent).toMatchObject({ accepted: 60, rejected: 0 });

    // every profile holding a sale holds one buyer's sales, both of them: 155.00
    const byProfile = new Map<string, Set<string>>();
    for (const item of await sourceRecords(localDb(cloud), cloud.info.outputs.TableName, 'till', 'EVT')) {
      const names = byProfile.get(item.profileId) ?? new Set<string>();
      names.add(item.record.name);
      byProfile.set(item.profileId, names);
    }
    expect(byProfile.size).toBe(30);
    for (const names of byProfile.values()) expect(names.size).toBe(1);
    const exported = await exportProfiles();
    for (const profileId of byProfile.keys()) {
      const doc = exported.get(profileId)!;
      expect(doc.view.consumption.totalSpend).toBe('155.00');
      expect(doc.phones).not.toContain(STORE);
    }

    const lookup = await profileOf(STORE);
    expect(lookup.status).toBe(404);
    expect(lookup.json.error).toBe('number.generic');
    expect(lookup.json.message).toMatch(/generic since .*: joins nobody and keys no profile \(5\+ distinct names/);
    const shown = await runCli(['profile', '021-54372798'], { dataDir });
    expect(shown.code).not.toBe(0);
    expect(shown.stderr).toContain('joins nobody and keys no profile');
  });
});

describe('another person on a known number', () => {
  it('neither joins the holder nor rewrites the profile; the conflict waits in the review queue', { timeout: 180_000 }, async () => {
    await importCsv('crm.csv', 'crm', ['id,姓名,手机号码,性别,生日', 'c1,张伟,138-1234-5678,男,1985-03-02']);
    const [report] = await importCsv('web.csv', 'web', ['id,姓名,手机,性别,生日', 'w1,李娜,13812345678,女,1990-01-01']);
    expect(report.counts).toMatchObject({ read: 1, stored: 1, rejected: 0 });

    const profile = await profileOf('13812345678');
    expect(profile.status).toBe(200);
    expect(profile.json.view.basic).toMatchObject({ name: '张伟', gender: 'M', birthDate: '1985-03-02' });
    expect(profile.json.members).toEqual([{ source: 'crm', recordId: 'c1' }]);
    // the other person is kept, on a profile of their own
    const [w1] = await sourceRecords(localDb(cloud), cloud.info.outputs.TableName, 'web');
    expect(w1.profileId).not.toBe(profile.json.profileId);

    const { reviews } = (await api('GET', '/v1/reviews')).json;
    const review = reviews.find((r: any) => [r.a.key, r.b.key].sort().join(' ') === 'crm#c1 web#w1');
    expect(review, JSON.stringify(reviews)).toBeDefined();
    expect(review.reasons.join('\n')).toContain('guard same-phone-different-person');
  });
});

describe('a recycled number', () => {
  it('keeps the next holder apart from the former one without asking anybody, when the rows say when they were seen', { timeout: 180_000 }, async () => {
    await importCsv('crm-old.csv', 'crm', ['id,姓名,手机号码,性别,最后消费时间', 'c9,赵建国,13655557777,男,2021-03-08']);
    await importCsv('web-new.csv', 'web', ['id,姓名,手机,性别,更新时间', 'w9,孙丽娟,136 5555 7777,女,2024/11/02']);
    const record = async (source: string, id: string) => (await sourceRecords(localDb(cloud), cloud.info.outputs.TableName, source)).find((r) => r.recordId === id)!;
    const former = await record('crm', 'c9');
    const next = await record('web', 'w9');
    expect(next.record.observedAt).toBe('2024-11-02');
    expect(next.profileId).not.toBe(former.profileId);
    const { reviews } = (await api('GET', '/v1/reviews')).json;
    expect(reviews.some((r: any) => [r.a.key, r.b.key].sort().join(' ') === 'crm#c9 web#w9')).toBe(false);
  });
});

describe('the numbers a steward lists', () => {
  it('lists the store’s number as generic and the number two people gave as shared, with their evidence, through the CLI and the API', { timeout: 120_000 }, async () => {
    const generic = await cli(['numbers']);
    const store = generic.numbers.find((n: any) => n.phone === '+862154372798');
    expect(store, JSON.stringify(generic)).toMatchObject({ standing: 'generic', type: 'fixed_line', claimedBy: expect.stringMatching(/^p_/) });
    expect(store.location).toContain('上海');
    expect(store.names.length).toBeGreaterThan(4);
    expect(store.explanation).toMatch(/^generic since .*: joins nobody and keys no profile/);
    expect(generic.numbers.some((n: any) => n.phone === '+8613812345678')).toBe(false);

    const holder = (await profileOf('13812345678')).json;
    const shared = await api('GET', '/v1/numbers?standing=shared');
    expect(shared.status).toBe(200);
    const household = shared.json.numbers.find((n: any) => n.phone === '+8613812345678');
    expect(household, JSON.stringify(shared.json)).toMatchObject({ standing: 'shared', names: ['张伟', '李娜'], genders: ['M', 'F'], birthDates: 2, claimedBy: holder.profileId, type: 'mobile' });
    expect(household.explanation).toMatch(/^shared: links nobody by itself \(2 distinct names/);

    // pages follow the number order; a bad standing is named
    const after = await api('GET', `/v1/numbers?standing=generic&cursor=${encodeURIComponent('+862154372798')}`);
    expect(after.json.numbers.map((n: any) => n.phone)).not.toContain('+862154372798');
    const bad = await api('GET', '/v1/numbers?standing=family');
    expect(bad).toMatchObject({ status: 400, json: { error: 'numbers.bad_request', message: expect.stringContaining('"family"') } });
  });

  it('shows each of a profile’s numbers with its type, where it is registered and its carrier', async () => {
    const profile = (await profileOf('13812345678')).json;
    expect(profile.numbers).toEqual([{ phone: '+8613812345678', type: 'mobile', region: 'CN', location: expect.any(String), carrier: expect.any(String) }]);
    const shown = await runCli(['profile', '13812345678'], { dataDir });
    expect(shown.stdout).toContain(`+8613812345678 (mobile, ${profile.numbers[0].location}, ${profile.numbers[0].carrier})`);
  });
});

describe('golden fields', () => {
  it('survive by source priority, not by arrival, and name the record they came from', { timeout: 180_000 }, async () => {
    await importCsv('crm2.csv', 'crm', ['id,姓名,手机号码', 'c2,陈静,13911112222']);
    await importCsv('web2.csv', 'web', ['id,姓名,手机', 'w2,陳靜,139 1111 2222']);
    const profile = (await profileOf('13911112222')).json;
    expect(profile.members.map((m: any) => `${m.source}#${m.recordId}`).sort()).toEqual(['crm#c2', 'web#w2']);
    expect(profile.view.basic.name).toBe('陈静');
    expect(profile.view.basic.lineage.name).toMatchObject({ value: '陈静', source: 'crm', recordId: 'c2' });
    const shown = await runCli(['profile', '13911112222'], { dataDir });
    expect(shown.stdout).toContain('name ← crm/c2');
  });
});

describe('unmerge, exact in time', () => {
  it('gives back what arrived through the restored number after the merge, and its spend', { timeout: 180_000 }, async () => {
    await importCsv('crm3.csv', 'crm', ['id,姓名,手机号码,邮箱', 'c3,刘洋,13722223333,liuyang@example.com']);
    await importCsv('pos3.csv', 'pos', ['id,姓名,手机,邮箱', 'p3,刘洋,13566667777,liuyang@example.com']);
    const { merges } = await cli(['merges', '13722223333']);
    expect(merges).toHaveLength(1);
    const [merge] = merges;
    const [moved] = merge.moved.phones as string[];
    const brought = merge.moved.members[0] as string;

    // after the merge, a sale to the number the merge moved lands on the survivor
    expect(await send('till', [{ id: 'late-1', event: 'sale', phone: moved, name: '刘洋', order: 'o-late', amount: '199.00', currency: 'CNY' }], 'late')).toMatchObject({ accepted: 1 });
    expect((await profileOf(moved)).json.view.consumption.totalSpend).toBe('199.00');

    await cli(['unmerge', moved, brought]);
    const restored = (await profileOf(moved)).json;
    const survivor = (await profileOf(moved === '+8613722223333' ? '13566667777' : '13722223333')).json;
    expect(restored.profileId).toBe(merge.from);
    expect(survivor.profileId).toBe(merge.into);
    expect(restored.members.map((m: any) => `${m.source}#${m.recordId}`).sort()).toEqual([brought, 'till#late-1'].sort());
    expect(restored.view.consumption.totalSpend).toBe('199.00');
    expect(restored.counters).toEqual({ purchase: 1 });
    expect(survivor.view.consumption.totalSpend).toBe('0.00');
    expect(survivor.counters ?? {}).toEqual({});
  });
});

describe('a steward approves a pair with chosen values', () => {
  it('phonekey review approve --take pins the field on the merged profile; a field no steward chooses is refused and nothing is merged', { timeout: 120_000 }, async () => {
    const pending = async () => (await cli(['review', 'list'])).reviews as any[];
    const review = (await pending()).find((r) => [r.a.key, r.b.key].sort().join(' ') === 'crm#c1 web#w1');
    expect(review).toBeDefined();
    const web = review.a.key === 'web#w1' ? 'a' : 'b';

    const refused = await runCli(['review', 'approve', review.reviewId, '--take', 'phones=a'], { dataDir });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('fields.phones: not a field a steward chooses');
    expect((await pending()).map((r) => r.reviewId)).toContain(review.reviewId);

    const approved = await cli(['review', 'approve', review.reviewId, '--take', `birthDate=${web}`]);
    expect(approved.pinned).toEqual(['birthDate']);
    const profile = (await profileOf('13812345678')).json;
    expect(profile.members.map((m: any) => `${m.source}#${m.recordId}`).sort()).toEqual(['crm#c1', 'web#w1']);
    expect(profile.view.basic.birthDate).toBe('1990-01-01');
    expect(profile.view.basic.lineage.birthDate).toMatchObject({ source: 'web', recordId: 'w1', pinnedBy: expect.stringMatching(/^cli:/) });
    const shown = await runCli(['profile', '13812345678'], { dataDir });
    expect(shown.stdout).toMatch(/birthDate ← web\/w1 \(.*\) chosen by cli:/);
  });
});

describe('a profile a store number glued', () => {
  // 王芳 gave her own number and the store's; the till then sold to walk-in buyers on the store's
  // number without a name before the number was known to be the store's
  const OWN = '+8613955556666';
  const STORE = '+862162345678';
  const OTHERS = ['钱志强', '孙秀英', '周建国', '吴丽娟', '郑海波', '冯晓梅'];

  it('is split by the nightly run, the other buyers’ spend leaving with them; phonekey unsplit puts it back and the next run leaves it', { timeout: 300_000 }, async () => {
    await importCsv('pos4.csv', 'pos', ['id,姓名,手机', 'p4,王芳,13955556666/021-62345678']);
    const walkIns = [1, 2, 3].map((i) => ({ id: `walk-${i}`, event: 'sale', phone: '021-62345678', order: `ow${i}`, amount: '100.00', currency: 'CNY' }));
    const own = { id: 'own-1', event: 'sale', phone: '13955556666', name: '王芳', order: 'oo1', amount: '50.00', currency: 'CNY' };
    expect(await send('till', [...walkIns, own], 'walkins')).toMatchObject({ accepted: 4 });
    const glued = (await profileOf(OWN)).json;
    expect(glued.view.consumption.totalSpend).toBe('350.00');
    // the store's number turns generic as named buyers are typed on it
    const named = OTHERS.map((name, i) => ({ id: `named-${i}`, event: 'sale', phone: '021-62345678', name, order: `on${i}`, amount: '10.00', currency: 'CNY' }));
    expect(await send('till', named, 'named')).toMatchObject({ accepted: OTHERS.length });
    expect((await profileOf(STORE)).json.error).toBe('number.generic');

    const first = await cli(['reconcile']);
    expect(first.counts.splitsApplied, JSON.stringify(first.counts)).toBe(3);
    const split = (await profileOf(OWN)).json;
    expect(split.profileId).toBe(glued.profileId);
    expect(split.view.consumption.totalSpend).toBe('50.00');
    expect(split.counters).toEqual({ purchase: 1 });
    const { splits } = await cli(['splits', OWN]);
    expect(splits).toHaveLength(3);
    for (const s of splits) expect(s).toMatchObject({ from: glued.profileId, glue: [STORE], counts: { purchase: 1 }, moved: { phones: [] } });
    expect(splits.map((s: any) => s.moved.members[0]).sort()).toEqual(['till#walk-1', 'till#walk-2', 'till#walk-3']);
    // each walk-in sale is its own, on the profile it founded
    const exported = await exportProfiles();
    for (const s of splits) expect(exported.get(s.to).view.consumption.totalSpend).toBe('100.00');
    const viaApi = await api('GET', `/v1/profiles/${encodeURIComponent(OWN)}/splits`);
    expect(viaApi.json.splits.map((s: any) => s.splitId).sort()).toEqual(splits.map((s: any) => s.splitId).sort());
    const listedHere = await cli(['splits', splits[0].to]);
    expect(listedHere.splits.map((s: any) => s.splitId)).toEqual([splits[0].splitId]);

    // a steward says one of them was hers after all
    const back = splits.find((s: any) => s.moved.members[0] === 'till#walk-1');
    const undone = await cli(['unsplit', back.splitId]);
    expect(undone.merge).toMatchObject({ into: glued.profileId, from: back.to });
    expect((await profileOf(OWN)).json.view.consumption.totalSpend).toBe('150.00');
    const again = await runCli(['unsplit', back.splitId], { dataDir });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('was undone at');

    const second = await cli(['reconcile']);
    expect(second.counts.splitsApplied).toBe(0);
    const after = (await profileOf(OWN)).json;
    expect(after.view.consumption.totalSpend).toBe('150.00');
    expect(after.counters).toEqual({ purchase: 2 });
  });
});
