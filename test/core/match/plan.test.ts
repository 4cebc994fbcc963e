import { describe, expect, it } from 'vitest';
import type { CleanRecord } from '../../../functions/core/model.ts';
import { defaultMatchRules, goldenRecord, pairId, planResolution, resolve } from '../../../functions/core/match/index.ts';

function rec(id: string, f: Partial<CleanRecord> = {}, source = 'crm'): CleanRecord {
  return { source, recordId: id, phones: [], ...f };
}
const zhang = (id: string, phone: string, source = 'crm', extra: Partial<CleanRecord> = {}) =>
  rec(id, { phones: [phone], name: '张伟', nameKey: '张伟', namePinyin: 'zhang wei', email: 'zw@example.com', birthDate: '1985-03-02', ...extra }, source);

describe('planResolution', () => {
  const records = [zhang('1', '+8613812345678'), zhang('2', '+8613698765432', 'pos'), zhang('3', '+8613698765432', 'web'), rec('9', { phones: ['+8615000000001'], name: '李娜', nameKey: '李娜', namePinyin: 'li na' })];
  const result = resolve(records, defaultMatchRules);

  it('merges the profiles of one cluster into the one holding most of its members, with the linking edge', () => {
    const assignment = new Map([
      ['crm#1', 'pA'],
      ['pos#2', 'pB'],
      ['web#3', 'pB'],
      ['crm#9', 'pC'],
    ]);
    const plan = planResolution(assignment, result);
    expect(plan.merges).toHaveLength(1);
    expect(plan.merges[0]).toMatchObject({ into: 'pB', from: 'pA' });
    const e = plan.merges[0]!.explanation;
    expect([e.a, e.b]).toContain('crm#1');
    expect(e.fieldScores.email).toBe(11);
    expect(plan.unchanged).toBe(1);
    expect(plan.splitsIgnored).toBe(0);
  });

  it('plans nothing when the stored profiles already agree (running twice changes nothing)', () => {
    const plan = planResolution(
      new Map([
        ['crm#1', 'pB'],
        ['pos#2', 'pB'],
        ['web#3', 'pB'],
        ['crm#9', 'pC'],
      ]),
      result,
    );
    expect(plan.merges).toEqual([]);
    expect(plan.reviews).toEqual([]);
  });

  it('never splits a stored profile, and counts members it does not know', () => {
    const plan = planResolution(
      new Map([
        ['crm#1', 'pA'],
        ['pos#2', 'pA'],
        ['web#3', 'pA'],
        ['crm#9', 'pA'],
      ]),
      result,
    );
    expect(plan.merges).toEqual([]);
    expect(plan.splitsIgnored).toBe(1);
    expect(planResolution(new Map([['crm#1', 'pA']]), result).unassigned).toBe(3);
  });

  it('never merges through a profile the rules split: its people do not chain their other profiles together', () => {
    // pS holds a record of 张伟 and 李娜's record (a store number glued them once); each has a profile of their own too
    const li = (id: string, phone: string) => rec(id, { phones: [phone], name: '李娜', nameKey: '李娜', namePinyin: 'li na', email: 'ln@example.com' });
    const people = [zhang('1', '+8613812345678'), zhang('2', '+8613698765432', 'pos'), li('8', '+8615000000001'), li('9', '+8615000000002')];
    const plan = planResolution(
      new Map([
        ['crm#1', 'pZ'],
        ['pos#2', 'pS'],
        ['crm#8', 'pS'],
        ['crm#9', 'pL'],
      ]),
      resolve(people, defaultMatchRules),
    );
    expect(plan.merges).toEqual([]);
    expect(plan.splitsIgnored).toBe(1);
    expect(plan.heldBySplit).toBe(2);
  });

  it('breaks ties by the smallest profile id, so reruns agree', () => {
    const two = resolve([zhang('1', '+8613812345678'), zhang('2', '+8613698765432', 'pos')], defaultMatchRules);
    const plan = planResolution(
      new Map([
        ['crm#1', 'p_b'],
        ['pos#2', 'p_a'],
      ]),
      two,
    );
    expect(plan.merges[0]).toMatchObject({ into: 'p_a', from: 'p_b' });
  });

  it('queues reviews across profiles once per pair, with a stable id, and drops those merged anyway', () => {
    const li = (id: string, phone: string, source: string) =>
      rec(id, { phones: [phone], name: '李娜', nameKey: '李娜', namePinyin: 'li na', city: '北京市', address: '北京市朝阳区建国路88号' }, source);
    const res = resolve([li('1', '+8613911112222', 'crm'), li('2', '+8615811113333', 'pos')], defaultMatchRules);
    expect(res.reviews).toHaveLength(1);
    const plan = planResolution(
      new Map([
        ['crm#1', 'pX'],
        ['pos#2', 'pY'],
      ]),
      res,
    );
    expect(plan.reviews).toHaveLength(1);
    expect(plan.reviews[0]).toMatchObject({ profileA: 'pX', profileB: 'pY', id: pairId('pos#2', 'crm#1') });
    expect(pairId('a#1', 'b#2')).toBe(pairId('b#2', 'a#1'));
    expect(pairId('a#1', 'b#2')).toMatch(/^r_[0-9a-f]{16}$/);
    const same = planResolution(
      new Map([
        ['crm#1', 'pX'],
        ['pos#2', 'pX'],
      ]),
      res,
    );
    expect(same.reviews).toEqual([]);
  });
});

describe('goldenRecord sources', () => {
  it('names the record each golden field came from, and the primary phone', () => {
    const g = goldenRecord(
      [
        zhang('1', '+8613812345678', 'crm', { address: '上海市浦东新区', observedAt: '2024-01-01' }),
        zhang('2', '+8613698765432', 'pos', { address: '上海市浦东新区世纪大道100号', email: 'new@example.com', observedAt: '2025-06-01' }),
      ],
      defaultMatchRules,
      new Set(),
    );
    expect(g.golden.address).toBe('上海市浦东新区世纪大道100号');
    expect(g.sources).toMatchObject({ address: 'pos#2', email: 'pos#2', name: 'crm#1' });
    expect(g.sources!.primaryPhone).toBe(g.primaryPhone === '+8613812345678' ? 'crm#1' : 'pos#2');
  });
});
