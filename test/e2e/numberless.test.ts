/**
 * Every customer counts: a record whose number is missing, invalid or a stand-in is kept as a
 * person, end to end through the CLI of one local cloud. It joins the person its other fields
 * name (an e-mail, a member id) on arrival, or stands as its own profile with a stable id that no
 * number keys; the number itself keys nothing; the import report counts it apart from rejects;
 * export and the nightly run keep it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startTestCloud } from '../support/local-cloud.ts';

let dataDir: string;
let cleanup: () => Promise<void>;

async function cli(args: string[]) {
  const result = await runCli([...args, '--json'], { dataDir });
  expect(result.code, result.stderr + result.stdout).toBe(0);
  return JSON.parse(result.stdout);
}

async function importCsv(name: string, source: string, lines: string[]) {
  const file = join(dataDir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  const [state] = await cli(['import', file, '--source', source]);
  return state;
}

async function exportProfiles(): Promise<any[]> {
  const out = join(dataDir, 'profiles.ndjson');
  const result = await runCli(['export', '--out', out], { dataDir });
  expect(result.code, result.stderr).toBe(0);
  return readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

const holding = (profiles: any[], recordId: string) => profiles.filter((p) => p.members.some((m: { recordId: string }) => m.recordId === recordId));

const WEB = ['id,姓名,手机,邮箱,会员号,生日', 'w1,张伟,138****5678,zhang.wei@example.com,,', 'w2,王芳,11111111111,wang.fang@example.com,,03/05/1990', 'w3,赵敏,,,M-300,', 'w4,,13800000000,,,'];

beforeAll(async () => {
  ({ dataDir, cleanup } = await startTestCloud());
  await importCsv('crm.csv', 'crm', ['id,姓名,手机,邮箱,生日', 'c1,张伟,13812345678,zhang.wei@example.com,1988-03-05', 'c2,李娜,13912345678,li.na@example.com,1992-07-21']);
}, 300_000);

afterAll(async () => {
  await cleanup?.();
});

describe('records without a usable number', () => {
  let web: any;
  it('are stored, counted apart from rejects with their number’s problem; a row that names nobody is rejected', { timeout: 180_000 }, async () => {
    web = await importCsv('web.csv', 'web', WEB);
    expect(web.counts).toMatchObject({ read: 4, stored: 3, withoutNumber: 3, rejected: 1, redelivered: 0 });
    expect(web.counts.numberProblems).toEqual({ 'phone.masked': 1, 'phone.repeated_digits': 1, 'phone.missing': 1 });
    expect(web.counts.byReason).toEqual({ 'row.no_identity': 1 });
    // a field that could not be read is left out of the kept row, and said so
    expect(web.counts.warnings).toEqual({ 'birthDate: date.ambiguous': 1 });
  });

  it('join the person their e-mail names, on arrival, without giving the profile a number', { timeout: 180_000 }, async () => {
    const profiles = await exportProfiles();
    const [zhang] = holding(profiles, 'w1');
    expect(zhang.members.map((m: { recordId: string }) => m.recordId).sort()).toEqual(['c1', 'w1']);
    expect(zhang.phones).toEqual(['+8613812345678']);
  });

  it('otherwise stand as their own profile, with an id no number gives, the same on every re-import', { timeout: 180_000 }, async () => {
    const before = holding(await exportProfiles(), 'w2');
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({ phones: [], view: { basic: { name: '王芳' } } });
    expect(before[0].phone).toBeUndefined();
    const again = await importCsv('web-again.csv', 'web', WEB);
    expect(again.counts).toMatchObject({ read: 4, stored: 0, redelivered: 3, rejected: 1 });
    expect(holding(await exportProfiles(), 'w2').map((p) => p.profileId)).toEqual([before[0].profileId]);
    for (const number of ['11111111111', '13800000000']) expect((await runCli(['profile', number], { dataDir })).code).not.toBe(0);
    // no number reaches it; its id does
    expect((await cli(['profile', before[0].profileId])).members).toEqual([{ source: 'web', recordId: 'w2' }]);
    const unknown = await runCli(['profile', 'p_0000000000000000'], { dataDir });
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('no profile p_0000000000000000')]);
  });

  it('are found later by a record with a number and the same member id, and the nightly run keeps them', { timeout: 240_000 }, async () => {
    await importCsv('pos.csv', 'pos', ['id,姓名,手机,会员号', 'p1,赵敏,13700001111,M-300']);
    const zhao = await cli(['profile', '137 0000 1111']);
    expect(zhao.members.map((m: { recordId: string }) => m.recordId).sort()).toEqual(['p1', 'w3']);
    const report = await cli(['reconcile']);
    expect(report.counts.profilesWithoutNumber).toBe(1); // 王芳: w1 joined 张伟, w3 赵敏 since p1
    // the three profiles a number keys, by the province their primary number is registered in
    expect(Object.values(report.numberLocations as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(3);
    expect(report.numberLocations).toMatchObject({ 江苏省: expect.any(Number) }); // 138 1234 5678 is registered in 连云港
    expect(Object.keys(report.numberLocations).every((p) => /[省市区]$/.test(p))).toBe(true);
    const profiles = await exportProfiles();
    expect(holding(profiles, 'w2')).toHaveLength(1);
    expect(profiles.flatMap((p) => p.members.map((m: { recordId: string }) => m.recordId)).sort()).toEqual(['c1', 'c2', 'p1', 'w1', 'w2', 'w3']);
  });
});

describe('a number the match rules list as generic', () => {
  it('keys nobody from the first row on, comes off the profile it keyed, and says why', { timeout: 240_000 }, async () => {
    // before the list: the shop's line (a 400 number cleaning accepts) founds a profile
    await importCsv('leads.csv', 'leads', ['id,姓名,手机', 'l1,钱多多,400-812-3123']);
    expect((await cli(['profile', '4008123123'])).members.map((m: { recordId: string }) => m.recordId)).toEqual(['l1']);
    const rules = JSON.parse(readFileSync(join(import.meta.dirname, '../../functions/core/match/default-rules.json'), 'utf8'));
    rules.guards.genericValue.numbers = ['4008-123-123'];
    const file = join(dataDir, 'rules.json');
    writeFileSync(file, JSON.stringify(rules));
    await cli(['rules', 'put', file]);

    const more = await importCsv('leads-2.csv', 'leads', ['id,姓名,手机', 'l2,孙悦,400-812-3123', 'l3,孙悦,4008123123']);
    expect(more.counts).toMatchObject({ stored: 2, rejected: 0 });
    const profiles = await exportProfiles();
    const [sun] = holding(profiles, 'l2');
    expect(sun.members.map((m: { recordId: string }) => m.recordId).sort()).toEqual(['l2', 'l3']); // one person, by name, on no number
    expect(sun.phones).toEqual([]);
    expect(holding(profiles, 'l1')[0].profileId).not.toBe(sun.profileId);
    // the profile it keyed lets go of it (the nightly run marks listed numbers), and a lookup says why
    expect((await runCli(['reconcile'], { dataDir })).code).toBe(0);
    expect((await exportProfiles()).flatMap((p) => p.phones)).not.toContain('+864008123123');
    const lookup = await runCli(['profile', '400-812-3123'], { dataDir });
    expect(lookup.code).not.toBe(0);
    expect(lookup.stdout + lookup.stderr).toMatch(/listed in the match rules/);
  });
});

describe('area codes per row and places outside China (the example configs)', () => {
  const EXAMPLES = join(import.meta.dirname, '../../examples/sources');
  async function importWith(config: string, source: string, lines: string[]) {
    const file = join(dataDir, `${source}.csv`);
    writeFileSync(file, lines.join('\n') + '\n');
    const [state] = await cli(['import', file, '--source', source, '--config', join(EXAMPLES, config)]);
    return state;
  }

  it('completes a store’s local number with its row’s city or area code, and guesses none for an ambiguous city', { timeout: 180_000 }, async () => {
    const state = await importWith('stores-by-city.json', 'stores', ['编号,姓名,联系电话,门店城市,区号', 's1,周杰,54372798,天津,', 's2,吴刚,54372798,北京市,010', 's3,郑爽,54372798,铁岭,']);
    expect(state.counts).toMatchObject({ read: 3, stored: 3, withoutNumber: 1, numberProblems: { 'phone.no_area_code': 1 } });
    expect((await cli(['profile', '022-5437-2798'])).members.map((m: { recordId: string }) => m.recordId)).toEqual(['s1']);
    expect((await cli(['profile', '010 5437 2798'])).members.map((m: { recordId: string }) => m.recordId)).toEqual(['s2']);
  });

  it('completes a US number from the area code column and keeps city, state and ZIP', { timeout: 180_000 }, async () => {
    const state = await importWith('us-sites.json', 'us-sites', ['Site ID,First Name,Last Name,Phone,Area Code,Address,City,State,ZIP', 'u1,Ann,Lee,386-5286,773,1200 W Harrison St,CHICAGO,il,60607']);
    expect(state.counts).toMatchObject({ stored: 1, withoutNumber: 0 });
    const ann = await cli(['profile', '+1 773 386 5286']);
    expect(ann.view.basic).toMatchObject({ name: 'Ann Lee' });
    expect(JSON.stringify(ann.view.basic)).toContain('Chicago');
  });
});

describe('events without a usable number', () => {
  it('gather on the profile of their openid, and join the customer once a record links the openid to a number', { timeout: 240_000 }, async () => {
    const channel = join(dataDir, 'wxapp.json');
    writeFileSync(channel, JSON.stringify({
      name: 'wxapp',
      kind: 'channel',
      fields: { phone: 'phone', name: 'nick' },
      externalIds: { openid: 'openid' },
      events: { eventId: 'id', eventName: 'event', mapping: { pay: { tag: 'purchase', attributes: { order_id: 'order', amount: 'amount' } } } },
    }));
    await cli(['source', 'put', channel]);
    const events = join(dataDir, 'wxapp.ndjson');
    writeFileSync(events, [
      { id: 'e1', event: 'pay', openid: 'o-9', nick: '冯晓', order: 'A1', amount: 10 },
      { id: 'e2', event: 'pay', openid: 'o-9', nick: '冯晓', phone: '138****0000', order: 'A2', amount: 20 },
      { id: 'e3', event: 'pay', phone: 'n/a', order: 'A3', amount: 30 },
    ].map((e) => JSON.stringify(e)).join('\n') + '\n');
    const run = await runCli(['send', events, '--channel', 'wxapp', '--json'], { dataDir });
    expect(run.code).toBe(1); // a rejected event: the third says nothing of whose it is
    expect(JSON.parse(run.stdout)).toMatchObject({ accepted: 2, rejected: 1 });
    const [buyer] = holding(await exportProfiles(), 'e1');
    expect(buyer).toMatchObject({ phones: [], metrics: { orderCount: 2, totalSpendCents: 3000 } });
    expect(holding(await exportProfiles(), 'e2').map((p) => p.profileId)).toEqual([buyer.profileId]);

    await importCsv('wx-members.csv', 'wx-members', ['id,姓名,手机,openid', 'x1,冯晓,13700002222,o-9']);
    // events are matched by the nightly run (a webhook indexes nothing for match on arrival)
    expect((await runCli(['reconcile'], { dataDir })).code).toBe(0);
    const feng = await cli(['profile', '137 0000 2222']);
    expect(feng.members.map((m: { recordId: string }) => m.recordId).sort()).toEqual(['e1', 'e2', 'x1']);
    expect(feng.metrics).toMatchObject({ orderCount: 2, totalSpendCents: 3000 });
  });
});
