import { describe, expect, it } from 'vitest';
import type { CleanRecord } from '../../../functions/core/model.ts';
import { blockingKeys, defaultMatchRules, matchCandidates, parseMatchRules, resolve, resolveClusters, scorePair, type MatchRules } from '../../../functions/core/match/index.ts';
import { finish, planResolve, scoreInput } from '../../../functions/core/match/resolve.ts';
import { scorePairs } from '../../../functions/core/match/cluster.ts';
import { generateCleanRecords } from '../../support/generate-customers.ts';

const PY: Record<string, string> = { 王伟: 'wang wei', 王玮: 'wang wei', 李娜: 'li na', 张敏: 'zhang min', 刘洋: 'liu yang', 陈静: 'chen jing', 赵磊: 'zhao lei', 孙丽: 'sun li' };
function rec(id: string, f: Partial<CleanRecord> & { n?: string } = {}): CleanRecord {
  const { n, ...rest } = f;
  const r: CleanRecord = { source: 'crm', recordId: id, phones: [], ...rest };
  if (n) Object.assign(r, { name: n, nameKey: n, namePinyin: PY[n] ?? n });
  return r;
}
const clusterOf = (res: ReturnType<typeof resolve>, key: string) => res.clusters.find((c) => c.members.includes(key))!;
const P1 = '+8613812345678';
const P2 = '+8613998765432';

describe('resolve', () => {
  it('merges records sharing a number and a name, explains the merge, and keeps every number', () => {
    const res = resolve(
      [
        rec('1', { phones: [P1], n: '王伟', observedAt: '2024-01-01' }),
        rec('2', { phones: [P1, P2], n: '王伟', email: 'ww@163.com' }),
        rec('3', { phones: [P2], n: '王玮', gender: 'M' }),
        rec('4', { phones: ['+8615000000001'], n: '李娜' }),
      ],
      defaultMatchRules,
    );
    expect(res.clusters).toHaveLength(2);
    const c = clusterOf(res, 'crm#1');
    expect(c.members).toEqual(['crm#1', 'crm#2', 'crm#3']);
    expect(c.phones.sort()).toEqual([P1, P2].sort());
    expect(c.phones[0]).toBe(c.primaryPhone);
    expect(c.golden).toMatchObject({ name: '王伟', email: 'ww@163.com', gender: 'M' });
    expect(c.merges).toHaveLength(2);
    for (const m of c.merges) {
      expect(m.rule).toBe('phone');
      expect(m.fieldScores.phone).toBe(12);
      expect(m.score).toBeGreaterThanOrEqual(defaultMatchRules.thresholds.autoMerge);
    }
    expect(res.stats).toMatchObject({ records: 4, autoMerged: 2, queued: 0 });
  });

  it('never links people through a generic value (a store number typed for many customers)', () => {
    const store = '+862164381234';
    const names = ['王伟', '李娜', '张敏', '刘洋', '陈静', '赵磊'];
    const records = names.map((n, i) => rec(`s${i}`, { phones: [store], n }));
    records.push(rec('own', { phones: [store, P1], n: '王伟', birthDate: '1980-01-02' }));
    const res = resolve(records, defaultMatchRules);
    expect(res.stats.genericValues).toEqual([`phone:${store}`]);
    // the two 王伟 records still meet (name) but the store number is no evidence: 6 points, no merge
    expect(res.clusters).toHaveLength(7);
    for (const c of res.clusters) expect(c.phones).not.toContain(store);
    expect(clusterOf(res, 'crm#own').primaryPhone).toBe(P1);
  });

  it('takes a number the rules list as generic for no evidence, even between two records of one name', () => {
    const shopLine = '+864008123123';
    const records = [rec('a', { phones: [shopLine], n: '王伟' }), rec('b', { phones: [shopLine], n: '王伟' })];
    expect(resolve(records, defaultMatchRules).clusters).toHaveLength(1); // same number, same name: one person
    const listing = parseMatchRules({ ...defaultMatchRules, guards: { ...defaultMatchRules.guards, genericValue: { ...defaultMatchRules.guards.genericValue, numbers: ['400-812-3123'] } } });
    const res = resolve(records, listing);
    expect(res.stats.genericValues).toEqual([`phone:${shopLine}`]);
    expect(res.clusters).toHaveLength(2);
    expect(matchCandidates({ phones: [shopLine], name: '王伟', nameKey: '王伟' }, records, listing)[0]?.score ?? 0).toBeLessThan(listing.thresholds.review);
  });

  it('sends one number shared by clearly different people (name and gender differ) to review, not merge', () => {
    const res = resolve([rec('h', { phones: [P1], n: '王伟', gender: 'M' }), rec('w', { phones: [P1], n: '李娜', gender: 'F', email: 'ln@qq.com' })], defaultMatchRules);
    expect(res.clusters).toHaveLength(2);
    expect(res.reviews).toHaveLength(1);
    expect(res.reviews[0]!.reason).toMatch(/same-phone-different-person/);
    expect(res.reviews[0]!.fieldScores).toMatchObject({ phone: 12, name: -6, gender: -5 });
  });

  it('links nobody and asks nobody when a number changed hands: another name, observed a year or more apart', () => {
    const former = rec('f', { phones: [P1], n: '王伟', gender: 'M', observedAt: '2021-04-02' });
    const next = rec('n', { phones: [P1], n: '李娜', gender: 'F', observedAt: '2024-09-30' });
    const recycled = resolve([former, next], defaultMatchRules);
    expect(recycled.clusters).toHaveLength(2);
    expect(recycled.reviews).toEqual([]);
    expect(scorePair(former, next, defaultMatchRules).reasons.join('\n')).toContain('guard recycled-number: phone shared but name and gender differ, observed 365+ days apart → reject');
    // the same two names a month apart, or undated, are a household's or a conflict: a person decides
    for (const later of [{ ...next, observedAt: '2021-05-02' }, { ...next, observedAt: undefined }]) expect(resolve([former, later], defaultMatchRules).reviews).toHaveLength(1);
  });

  it('does not chain through a weak link that another member contradicts', () => {
    // a–b and b–c agree on name and birth date only (weak); a and c disagree on much else
    const a = rec('a', { n: '李娜', birthDate: '1990-05-06', gender: 'F', city: '北京市', memberId: 'M1', email: 'a@x.cn', phones: [P1] });
    const b = rec('b', { n: '李娜', birthDate: '1990-05-06' });
    const c = rec('c', { n: '李娜', birthDate: '1990-05-06', gender: 'M', city: '上海市', memberId: 'M2', email: 'c@x.cn', phones: [P2] });
    expect(scorePair(a, b, defaultMatchRules).decision).toBe('merge');
    expect(scorePair(b, c, defaultMatchRules).decision).toBe('merge');
    expect(scorePair(a, c, defaultMatchRules).score).toBeLessThan(0);
    const res = resolve([a, b, c], defaultMatchRules);
    expect(res.clusters.map((x) => x.members.length).sort()).toEqual([1, 2]);
    expect(res.reviews.some((r) => /weak link contradicted/.test(r.reason))).toBe(true);
  });

  it('does not join two groups by one weak link, but strong links chain', () => {
    const a1 = rec('a1', { phones: [P1] });
    const a2 = rec('a2', { phones: [P1], n: '李娜', birthDate: '1990-05-06' });
    const c1 = rec('c1', { phones: [P2], n: '李娜', birthDate: '1990-05-06' });
    const c2 = rec('c2', { phones: [P2] });
    const res = resolve([a1, a2, c1, c2], defaultMatchRules);
    expect(res.clusters.map((x) => x.members.length)).toEqual([2, 2]);
    expect(res.reviews.map((r) => r.reason)).toEqual([expect.stringMatching(/weak link between two groups/)]);
    // strong edges (same number, then same e-mail) chain into one profile
    const strong = resolve([rec('x', { phones: [P1] }), rec('y', { phones: [P1], email: 'q@qq.com' }), rec('z', { email: 'q@qq.com' })], defaultMatchRules);
    expect(strong.clusters).toHaveLength(1);
    expect(strong.clusters[0]!.merges.map((m) => m.rule).sort()).toEqual(['email', 'phone']);
  });

  it('honours unmerge/rejections (noMerge) and approvals', () => {
    const records = [rec('1', { phones: [P1], n: '王伟' }), rec('2', { phones: [P1], n: '王伟' }), rec('3', { phones: [P1] }), rec('4', { n: '孙丽' })];
    const res = resolve(records, defaultMatchRules, { noMerge: [['crm#1', 'crm#2']], approved: [['crm#4', 'crm#1']] });
    expect(clusterOf(res, 'crm#1').members).not.toContain('crm#2');
    expect(clusterOf(res, 'crm#1').members).toContain('crm#4');
    expect(clusterOf(res, 'crm#1').merges.find((m) => m.rule === 'approved')).toMatchObject({ a: 'crm#1', b: 'crm#4' });
    const without = resolve(records, defaultMatchRules);
    expect(without.clusters.map((c) => c.members.length).sort()).toEqual([1, 3]);
  });

  it('caps cluster size and queues what would exceed it', () => {
    const rules = parseMatchRules({ ...structuredClone(defaultMatchRules), guards: { ...defaultMatchRules.guards, maxClusterSize: 2 } });
    const res = resolve([rec('1', { phones: [P1], n: '王伟' }), rec('2', { phones: [P1], n: '王伟' }), rec('3', { phones: [P1], n: '王伟' })], rules);
    expect(Math.max(...res.clusters.map((c) => c.members.length))).toBe(2);
    expect(res.reviews[0]!.reason).toMatch(/maxClusterSize 2/);
    // the identities events carried are not people-records: they do not count toward the cap
    const withEvents = resolve([rec('1', { phones: [P1], n: '王伟' }), rec('2', { phones: [P1], n: '王伟' }), { ...rec('e1', { phones: [P1], n: '王伟' }), source: 'app' }], rules, { uncounted: new Set(['app#e1']) });
    expect(withEvents.clusters.map((c) => c.members.length)).toEqual([3]);
  });

  it('builds the golden record by survivorship: most frequent name, most recent address, source priority', () => {
    const res = resolve(
      [
        { ...rec('1', { phones: [P1], n: '王玮', address: '旧地址1号', email: 'old@qq.com', observedAt: '2023-01-01' }), source: 'pos' },
        { ...rec('2', { phones: [P1], n: '王伟', address: '新地址2号', observedAt: '2025-01-01' }), source: 'web' },
        { ...rec('3', { phones: [P1], n: '王伟', email: 'crm@qq.com', observedAt: '2022-01-01' }), source: 'crm' },
      ],
      defaultMatchRules,
    );
    expect(res.clusters).toHaveLength(1);
    expect(res.clusters[0]!.golden).toMatchObject({ name: '王伟', nameKey: '王伟', address: '新地址2号', email: 'old@qq.com', observedAt: '2025-01-01' });
    const byPriority = parseMatchRules({ ...structuredClone(defaultMatchRules), survivorship: { ...defaultMatchRules.survivorship, fields: { email: ['sourcePriority'] } } });
    expect(resolve(res.clusters[0]!.members.map((k) => ({ ...rec(k.split('#')[1]!, { phones: [P1], n: '王伟' }), source: k.split('#')[0]!, email: k.endsWith('1') ? 'old@qq.com' : k.endsWith('3') ? 'crm@qq.com' : undefined })), byPriority).clusters[0]!.golden.email).toBe('crm@qq.com');
  });

  it('gives the same clusters, merges and reviews without golden records when asked for clusters only', () => {
    const { records } = generateCleanRecords({ records: 3000, seed: 5 });
    const full = resolve(records, defaultMatchRules);
    const bare = resolveClusters(records, defaultMatchRules);
    expect(bare.clusters.some((c) => c.merges.length > 0)).toBe(true);
    expect(bare.clusters).toEqual(full.clusters.map(({ members, merges }) => ({ members, merges })));
    expect(bare.reviews).toEqual(full.reviews);
    expect(bare.stats).toEqual(full.stats);
    expect(bare.clusters.every((c) => !('golden' in c) && !('phones' in c))).toBe(true);
  });

  it('shares one frozen explanation between pairs that agree alike, and gives a term-frequency weight its own', () => {
    const raw = structuredClone(defaultMatchRules) as any;
    const name = raw.fuzzy.find((c: { id: string }) => c.id === 'name');
    name.levels[0].m = 0.9;
    name.tf = { 王伟: 0.01 };
    const rules = parseMatchRules(raw);
    const pair = (n: string) => scorePair(rec('1', { phones: [P1], n }), rec('2', { phones: [P1], n }), rules).fieldScores;
    const [lina, zhangmin, wangwei] = [pair('李娜'), pair('张敏'), pair('王伟')];
    expect(zhangmin).toBe(lina);
    expect(Object.isFrozen(lina)).toBe(true);
    expect(lina.name).toBe(name.levels[0].weight);
    expect(wangwei).not.toBe(lina);
    expect(wangwei.name).toBeCloseTo(Math.log2(0.9 / 0.01), 2);
    expect({ ...wangwei, name: lina.name }).toEqual(lina);
  });

  it('explains merges from the outcomes kept while scoring exactly as by scoring the pairs again, term frequencies included', () => {
    const { records } = generateCleanRecords({ records: 3000, seed: 8 });
    const raw = structuredClone(defaultMatchRules) as any;
    const name = raw.fuzzy.find((c: { id: string }) => c.id === 'name');
    name.levels[0].m = 0.9;
    name.tf = Object.fromEntries(records.slice(0, 40).map((r) => [r.nameKey, 0.01]));
    for (const rules of [defaultMatchRules, parseMatchRules(raw)]) {
      const plan = planResolve(records, rules);
      const scored = scorePairs(scoreInput(plan, 0, plan.a.length));
      expect(scored.outcomes!.pair.length).toBeGreaterThan(100);
      const replayed = finish(plan, scored);
      const rescored = finish(plan, { scores: scored.scores, flags: scored.flags });
      expect(replayed.clusters).toEqual(rescored.clusters);
    }
  });

  it('compares far fewer pairs than all pairs, and the same input gives the same output', () => {
    const { records } = generateCleanRecords({ records: 5000, seed: 3 });
    const res = resolve(records, defaultMatchRules);
    expect(res.stats.pairsCompared).toBeLessThan(records.length * 5);
    expect(res.stats.pairsCompared).toBeGreaterThan(records.length / 10);
    expect(res.clusters.reduce((s, c) => s + c.members.length, 0)).toBe(records.length);
    expect(resolve(records, defaultMatchRules)).toEqual(res);
  });
});

describe('check on entry', () => {
  const candidates = [
    rec('1', { phones: [P1], n: '王伟', birthDate: '1980-01-02', gender: 'M' }),
    rec('2', { phones: [P2], n: '王伟', birthDate: '1980-02-01' }),
    rec('3', { phones: [P2], n: '李娜', gender: 'F' }),
  ];

  it('ranks candidates with scores, a decision and readable reasons', () => {
    const out = matchCandidates({ phones: [P1], nameKey: '王伟', namePinyin: 'wang wei', birthDate: '1980-01-02' }, candidates, defaultMatchRules);
    expect(out.map((c) => c.key)).toEqual(['crm#1', 'crm#2', 'crm#3']);
    expect(out[0]).toMatchObject({ decision: 'merge', fieldScores: { phone: 12, name: 6, birthDate: 6 } });
    expect(out[0]!.reasons).toContain('phone: same number (similarity 1.00, +12)');
    expect(out[1]!.reasons.some((r) => r.startsWith('birthDate: day and month transposed'))).toBe(true);
    expect(out[2]!.decision).toBe('none');
  });

  it('treats a number shared by many different names among the candidates as generic', () => {
    const store = '+862164381234';
    const many = ['王伟', '李娜', '张敏', '刘洋', '陈静'].map((n, i) => rec(`s${i}`, { phones: [store], n }));
    const out = matchCandidates({ phones: [store] }, many, defaultMatchRules);
    expect(out.every((c) => c.decision === 'none' && c.fieldScores.phone === undefined)).toBe(true);
  });

  it('exports the blocking keys storage indexes', () => {
    const keys = blockingKeys({ phones: [P1, P2], nameKey: '王伟', namePinyin: 'wang wei', birthDate: '1980-01-02', city: '北京市', email: 'WW@163.com' }, defaultMatchRules);
    expect(keys).toEqual([`phone:${P1}`, `phone:${P2}`, 'email:ww@163.com', 'name-birth:王伟|1980-01-02', 'name-city:王伟|北京市', 'pinyin-year:wangwei|1980']);
  });

  it('compares records by birth date alone in the batch re-match only: the index holds no such key', () => {
    // one person, the name mistyped past every name key, the same birth date and e-mail domain
    const a = { source: 's', recordId: 'a', phones: [], name: 'Joan Smyth', nameKey: 'joan smyth', namePinyin: 'joansmyth', birthDate: '1980-01-02' } as CleanRecord;
    const b = { ...a, recordId: 'b', name: 'Jaon Smith', nameKey: 'jaon smith', namePinyin: 'jaonsmith' };
    expect(blockingKeys(a, defaultMatchRules).some((k) => k.startsWith('birth:'))).toBe(false);
    expect(resolve([a, b], defaultMatchRules).stats.pairsCompared).toBe(1);
    const arrivalOnly = { ...defaultMatchRules, blocking: defaultMatchRules.blocking.filter((d) => d.onArrival) };
    expect(resolve([a, b], arrivalOnly).stats.pairsCompared).toBe(0);
  });

  it('compares an oversized block by a window of its own size, so a birth date shared by many adds a few pairs per record', () => {
    // 30 different people born on one day: all pairs would be 435
    const many = Array.from({ length: 30 }, (_, i) => rec(`b${i}`, { n: `测试${String.fromCharCode(0x4e00 + i)}`, birthDate: '1980-01-02' }));
    const birthOnly = (def: Partial<MatchRules['blocking'][number]>): MatchRules => ({
      ...defaultMatchRules,
      blocking: [{ ...defaultMatchRules.blocking.find((d) => d.id === 'birth')!, ...def }],
    });
    expect(resolve(many, birthOnly({ maxBlockSize: 40 })).stats.pairsCompared).toBe(435);
    // each record against the next 4 in name order: 26·4 + 3 + 2 + 1
    expect(resolve(many, birthOnly({ maxBlockSize: 8, windowSize: 4 })).stats.pairsCompared).toBe(110);
    // without its own window, the block takes guards.windowSize (10): 20·10 + 9 + … + 1
    expect(resolve(many, birthOnly({ maxBlockSize: 8, windowSize: undefined })).stats.pairsCompared).toBe(245);
  });
});
