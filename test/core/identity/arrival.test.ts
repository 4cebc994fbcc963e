import { describe, expect, it } from 'vitest';
import { cleanIdentity } from '../../../functions/core/clean/index.ts';
import type { RawIdentity } from '../../../functions/core/model.ts';
import { emptyEvidence, explainStanding, mergeEvidence, planArrivals, standing, standingPolicy, withRecord, type NumberEvidence } from '../../../functions/core/identity/index.ts';
import { parseMatchRules } from '../../../functions/core/match/index.ts';
import defaultRulesJson from '../../../functions/core/match/default-rules.json' with { type: 'json' };

const policy = { maxDistinctNames: 4 };
const AT = '2026-12-04T00:00:00.000Z';
let n = 0;
const rec = (raw: RawIdentity) => cleanIdentity(raw, { source: 'pos', recordId: `r${++n}` }).record;
const STORE = '+862154372798';
const ZHANG = '+8613812345678';
const LI = '+8613911112222';

describe('planArrivals', () => {
  it('lets one person in under name variants, a missing name and a typo of the birth date', () => {
    const plan = planArrivals(
      [
        rec({ phone: ZHANG, name: '张伟', gender: '男', birthDate: '1985-03-02' }),
        rec({ phone: '138 1234 5678', name: '張偉' }),
        rec({ phone: ZHANG, name: '张玮' }),
        rec({ phone: ZHANG }),
        rec({ phone: ZHANG, name: '张伟先生', gender: 'M', birthDate: '1985-03-03' }),
      ],
      new Map(),
      policy,
      AT,
    );
    expect(plan.homes).toEqual([
      { kind: 'number', number: ZHANG, founds: true },
      ...Array(4).fill({ kind: 'number', number: ZHANG, founds: false }),
    ]);
    expect(standing(plan.evidence.get(ZHANG)!, policy)).toBe('personal');
    expect(plan.standings).toEqual(new Map([[ZHANG, 'personal']]));
    expect(plan.evidence.get(ZHANG)!.holder).toEqual({ name: { key: '张伟', pinyin: 'zhangwei' }, gender: 'M', birthDate: '1985-03-02' });
  });

  it('never joins buyers through a store number: each stands apart, and the number turns generic', () => {
    const names = ['王芳', '李强', '赵敏', '孙磊', '周杰', '吴刚', '郑爽', '王芳'];
    const plan = planArrivals(names.map((name) => rec({ phone: STORE, name })), new Map(), policy, AT);
    expect(plan.homes[0]).toEqual({ kind: 'number', number: STORE, founds: true });
    const apart = plan.homes.slice(1);
    expect(apart.every((h) => h.kind === 'apart')).toBe(true);
    expect(apart.map((h) => h.kind === 'apart' && h.reason)).toEqual(['conflict', 'conflict', 'conflict', 'generic', 'generic', 'generic', 'generic']);
    // the same buyer again comes to the same profile
    expect(plan.homes[7]).toMatchObject({ kind: 'apart', key: `${STORE}#wangfang` });
    expect(plan.becameGeneric).toEqual([STORE]);
    expect(plan.standings.get(STORE)).toBe('generic');
    expect(explainStanding(plan.evidence.get(STORE)!, policy)).toMatch(/^generic since .*: joins nobody and keys no profile \(5\+ distinct names/);
  });

  it('joins nobody through a number the rules list, from its first record on, and takes it off a profile it already keys', () => {
    const listed = standingPolicy(parseMatchRules({ ...defaultRulesJson, guards: { ...defaultRulesJson.guards, genericValue: { ...defaultRulesJson.guards.genericValue, numbers: ['400-812-3123', '021 5437 2798'] } } }));
    expect([...listed.listed!]).toEqual(['+864008123123', STORE]);
    const fresh = planArrivals([rec({ phone: STORE, name: '王芳' }), rec({ phone: STORE, name: '王芳' })], new Map(), listed, AT);
    expect(fresh.homes.map((h) => h.kind)).toEqual(['apart', 'apart']);
    expect(fresh.homes[0]).toMatchObject({ reason: 'generic' });
    // the two rows of one person come back to one apart profile, keyed by number and name
    expect(new Set(fresh.homes.map((h) => (h.kind === 'apart' ? h.key : '')))).toEqual(new Set([`${STORE}#wangfang`]));
    const keyed = new Map([[STORE, withRecord(emptyEvidence(AT), rec({ phone: STORE, name: '王芳' }), true, policy, AT)]]);
    const later = planArrivals([rec({ phone: STORE, name: '王芳' })], keyed, listed, AT);
    expect(later.homes[0]!.kind).toBe('apart');
    expect(later.becameGeneric).toEqual([STORE]);
    expect(explainStanding(later.evidence.get(STORE)!, listed, STORE)).toMatch(/listed in the match rules/);
    // without the list the same record joins its holder
    expect(planArrivals([rec({ phone: STORE, name: '王芳' })], keyed, policy, AT).homes[0]).toEqual({ kind: 'number', number: STORE, founds: false });
  });

  it('keys a record by its next number when the first is generic or another person’s', () => {
    let store: NumberEvidence = emptyEvidence(AT);
    for (const name of ['甲一', '乙二', '丙三', '丁四', '戊五']) store = withRecord(store, rec({ name }), true, policy, AT);
    expect(standing(store, policy)).toBe('generic');
    const li = withRecord(emptyEvidence(AT), rec({ name: '李娜', gender: '女' }), true, policy, AT);
    const plan = planArrivals(
      [rec({ phone: STORE, phones: [ZHANG], name: '张伟' }), rec({ phone: LI, phones: ['+8613698765432'], name: '王强', gender: '男' })],
      new Map([[STORE, store], [LI, li]]),
      policy,
      AT,
    );
    expect(plan.homes).toEqual([
      { kind: 'number', number: ZHANG, founds: true },
      { kind: 'number', number: '+8613698765432', founds: true },
    ]);
    expect(plan.becameGeneric).toEqual([]);
    expect(plan.evidence.get(LI)!.names.length).toBe(2);
    expect(plan.standings.get(LI)).toBe('shared');
    expect(plan.evidence.get(LI)!.holder.name?.key).toBe('李娜');
  });

  it('stands the next holder of a recycled number apart, with a reason for the steward', () => {
    const former = withRecord(emptyEvidence('2021-05-01T00:00:00.000Z'), rec({ name: '刘洋', gender: '男', birthDate: '1960-01-01' }), true, policy, AT);
    const plan = planArrivals([rec({ phone: ZHANG, name: '陈静', gender: '女', birthDate: '1998-07-07' })], new Map([[ZHANG, former]]), policy, AT);
    expect(plan.homes[0]).toEqual({ kind: 'apart', key: `${ZHANG}#chenjing`, reason: 'conflict', number: ZHANG, why: `${ZHANG}: name 陈静 is not the holder's 刘洋` });
  });

  it('counts the same name with another gender and birth date as someone else, and a gender typo alone as the holder', () => {
    const holder = withRecord(emptyEvidence(AT), rec({ name: '王伟', gender: '男', birthDate: '1960-01-01' }), true, policy, AT);
    const plan = planArrivals(
      [rec({ phone: ZHANG, name: '王伟', gender: '女', birthDate: '1999-09-09' }), rec({ phone: ZHANG, name: '王伟', gender: '女', birthDate: '1960-01-01' })],
      new Map([[ZHANG, holder]]),
      policy,
      AT,
    );
    expect(plan.homes[0]).toMatchObject({ kind: 'apart', reason: 'conflict', why: expect.stringContaining('gender and birth date differ') });
    expect(plan.homes[1]).toEqual({ kind: 'number', number: ZHANG, founds: false });
  });

  it('keeps a nameless record of the other gender apart from the holder (a household’s phone), unless its birth date says it is the holder', () => {
    const holder = withRecord(emptyEvidence(AT), rec({ name: '王伟', gender: '男', birthDate: '1960-01-01' }), true, policy, AT);
    const plan = planArrivals(
      [rec({ phone: ZHANG, gender: '女' }), rec({ phone: ZHANG, gender: '女', birthDate: '1960-01-01' }), rec({ phone: ZHANG, name: '王伟', gender: '女' }), rec({ phone: ZHANG })],
      new Map([[ZHANG, holder]]),
      policy,
      AT,
    );
    expect(plan.homes[0]).toMatchObject({ kind: 'apart', reason: 'conflict', why: expect.stringContaining('gender F is not the holder') });
    for (const home of plan.homes.slice(1)) expect(home).toEqual({ kind: 'number', number: ZHANG, founds: false });
  });

  it('keys a nameless record refused by a generic number by the record itself', () => {
    let store = emptyEvidence(AT);
    for (const name of ['甲一', '乙二', '丙三', '丁四', '戊五']) store = withRecord(store, rec({ name }), false, policy, AT);
    const r = rec({ phone: STORE });
    expect(planArrivals([r], new Map([[STORE, store]]), policy, AT).homes[0]).toEqual({ kind: 'apart', key: `record:pos#${r.recordId}`, reason: 'generic', number: STORE, why: `${STORE} is generic` });
  });
  it('gathers a customer without a usable number on the profile of an id a system issued and the name, never of a number or an e-mail', () => {
    const plan = planArrivals(
      [
        rec({ phone: '138****5678', name: '张伟', externalIds: { openid: 'o-1', unionid: 'u-1' } }),
        rec({ externalIds: { openid: 'o-1' } }),
        rec({ name: '张伟', memberId: 'M-7', email: 'zw@example.com' }),
        rec({ name: '李娜', memberId: 'M-7' }), // the till's walk-in card: another name, another profile
        rec({ phone: '11111111111', name: '李娜', email: 'family@example.com' }),
      ],
      new Map(),
      policy,
      AT,
    );
    expect(plan.homes.map((h) => (h.kind === 'apart' ? [h.reason, h.key] : h.kind))).toEqual([
      ['no-number', 'id:openid=o-1#zhangwei'],
      ['no-number', 'id:openid=o-1'],
      ['no-number', 'member:M-7#zhangwei'],
      ['no-number', 'member:M-7#lina'],
      ['no-number', expect.stringMatching(/^record:pos#r\d+$/)],
    ]);
    expect(plan.evidence.size).toBe(0);
  });
});

describe('mergeEvidence', () => {
  it('keeps both writers’ lessons from one read, the stored holder first, and turns generic when the union says so', () => {
    const read = withRecord(emptyEvidence('2026-01-01T00:00:00.000Z'), rec({ phone: STORE, name: '周一', gender: '男' }), true, policy, AT);
    const teach = (e: NumberEvidence, ...names: string[]) => names.reduce((x, name) => withRecord(x, rec({ phone: STORE, name }), false, policy, AT), e);
    const stored = teach(read, '吴二', '郑三');
    const mine = teach(read, '王四', '冯五');
    const both = mergeEvidence(stored, mine, policy, AT);
    expect(both.names.map((n) => n.key)).toEqual(['周一', '吴二', '郑三', '王四', '冯五']);
    expect(both.holder).toEqual(read.holder);
    expect(both.since).toBe('2026-01-01T00:00:00.000Z');
    expect(standing(both, policy)).toBe('generic'); // five names: neither writer alone saw more than three
    expect(both.genericSince).toBe(AT);
    expect(mergeEvidence(stored, stored, policy, AT).names).toEqual(stored.names);
  });
});
