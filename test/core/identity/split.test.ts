import { describe, expect, it } from 'vitest';
import { planSplit, splitUndoBlocker, type SplitMember } from '../../../functions/core/identity/index.ts';

const STORE = '+862154372798';
const OWN = '+8613812345678';
const HOME = '+8613900001111';
const WANG = { key: '王芳', pinyin: 'wangfang' };
const LI = { key: '李娜', pinyin: 'lina' };

const record = (key: string, phones: string[], name?: typeof WANG): SplitMember => ({ key, kind: 'record', phones, ...(name ? { name } : {}) });
const event = (key: string, phone: string, tag = 'purchase', name?: typeof WANG): SplitMember => ({ key, kind: 'event', phones: [phone], tag, ...(name ? { name } : {}) });
const generic = (...numbers: string[]) => ({ isGeneric: (n: string) => numbers.includes(n) });

describe('planSplit', () => {
  it('takes the nameless sales on a store number off the buyer who first typed it, with their counts', () => {
    const members = [record('pos#1', [OWN, STORE], WANG), event('till#a', STORE), event('till#b', STORE, 'refund'), event('app#v', OWN, 'product_view')];
    const clusters = new Map([
      ['pos#1', 0],
      ['app#v', 0],
      ['till#a', 1],
      ['till#b', 2],
    ]);
    const plan = planSplit(members, clusters, [OWN], generic(STORE))!;
    expect(plan.keep).toEqual(['app#v', 'pos#1']);
    expect(plan.parts).toEqual([
      { members: ['till#a'], phones: [], counts: { purchase: 1 }, glue: [STORE], pair: ['till#a', 'pos#1'] },
      { members: ['till#b'], phones: [], counts: { refund: 1 }, glue: [STORE], pair: ['till#b', 'pos#1'] },
    ]);
  });

  it('moves another named person on a shared number away with the numbers only they carry', () => {
    const LI_OWN = '+8613700002222';
    const members = [record('crm#1', [HOME], WANG), record('web#2', [HOME, LI_OWN], LI), event('till#x', LI_OWN)];
    const clusters = new Map([
      ['crm#1', 0],
      ['web#2', 1],
      ['till#x', 1],
    ]);
    const plan = planSplit(members, clusters, [HOME, LI_OWN], generic())!;
    expect(plan.keep).toEqual(['crm#1']);
    expect(plan.parts).toEqual([{ members: ['till#x', 'web#2'], phones: [LI_OWN], counts: { purchase: 1 }, glue: [HOME], pair: ['web#2', 'crm#1'] }]);
  });

  it('leaves nameless events on a household number, and what no number glued, where they are', () => {
    const members = [record('crm#1', [HOME], WANG), event('till#n', HOME), record('web#3', ['+8613600003333'], LI)];
    const clusters = new Map([
      ['crm#1', 0],
      ['till#n', 1],
      ['web#3', 2],
    ]);
    const plan = planSplit(members, clusters, [HOME], generic())!;
    expect(plan.parts).toEqual([]);
    expect(plan.notGlued).toBe(2);
    expect(plan.keep).toEqual(['crm#1', 'till#n', 'web#3']);
  });

  it('leaves two sales under one name on a store number together: the name holds them, not the number', () => {
    const members = [event('till#1', STORE, 'purchase', LI), event('till#2', STORE, 'purchase', LI)];
    const plan = planSplit(members, new Map([['till#1', 0], ['till#2', 1]]), [], generic(STORE))!;
    expect(plan).toEqual({ keep: ['till#1', 'till#2'], parts: [], notGlued: 1 });
  });

  it('keeps the group with the most records, and members the re-match did not see stay with it', () => {
    const members = [record('a#1', [STORE], LI), record('b#1', [OWN, STORE], WANG), record('b#2', [OWN], WANG), event('late#1', OWN)];
    const clusters = new Map([
      ['a#1', 0],
      ['b#1', 1],
      ['b#2', 1],
    ]);
    const plan = planSplit(members, clusters, [OWN], generic(STORE))!;
    expect(plan.keep).toEqual(['b#1', 'b#2', 'late#1']);
    expect(plan.parts.map((p) => p.members)).toEqual([['a#1']]);
  });

  it('takes sales the re-match could not place off the profile when they came by a generic number', () => {
    const members = [record('pos#1', [OWN, STORE], WANG), event('till#a', STORE), event('till#h', OWN)];
    const plan = planSplit(members, new Map([['pos#1', 0]]), [OWN], generic(STORE))!;
    expect(plan.keep).toEqual(['pos#1', 'till#h']);
    expect(plan.parts).toEqual([{ members: ['till#a'], phones: [], counts: { purchase: 1 }, glue: [STORE], pair: ['till#a', 'pos#1'] }]);
    expect(planSplit(members, new Map([['pos#1', 0]]), [OWN], generic())).toBeUndefined();
    // a steward said it was hers
    expect(planSplit(members, new Map([['pos#1', 0]]), [OWN], { ...generic(STORE), approved: new Set(['till#a']) })).toBeUndefined();
  });

  it('plans nothing for a profile in one cluster', () => {
    expect(planSplit([record('a#1', [OWN], WANG), event('e#1', OWN)], new Map([['a#1', 3], ['e#1', 3]]), [OWN], generic())).toBeUndefined();
  });
});

describe('splitUndoBlocker', () => {
  it('lets an applied split be undone once, and names why not otherwise', () => {
    expect(splitUndoBlocker('s_1', { applied: true })).toBeUndefined();
    expect(splitUndoBlocker('s_1', undefined)).toEqual({ code: 'split.not_found', message: 'no split s_1' });
    expect(splitUndoBlocker('s_1', { applied: true, undoneAt: '2026-12-05T10:00:00.000Z', undoneBy: 'cli:ann' })).toMatchObject({
      code: 'split.undone',
      message: expect.stringContaining('by cli:ann'),
    });
    expect(splitUndoBlocker('s_1', { applied: false })).toMatchObject({ code: 'split.applying' });
  });
});
