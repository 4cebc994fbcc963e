import { describe, expect, it } from 'vitest';
import { planUnmerge } from '../../../functions/core/identity/index.ts';

const merge = { at: '2026-12-01T10:00:00.000Z', moved: { members: ['pos#p1'], phones: ['+8613566667777'] } };

describe('planUnmerge', () => {
  it('gives back what the merge moved, and what reached the survivor since by a moved number, with its counts', () => {
    const plan = planUnmerge(merge, [
      { key: 'crm#c1', kind: 'record', arrivedAt: '2026-11-01T00:00:00.000Z', number: '+8613722223333' },
      { key: 'pos#p1', kind: 'record', arrivedAt: '2026-11-02T00:00:00.000Z', number: '+8613566667777' },
      { key: 'till#late', kind: 'event', arrivedAt: '2026-12-02T00:00:00.000Z', number: '+8613566667777', tag: 'purchase' },
      { key: 'app#v1', kind: 'event', arrivedAt: '2026-12-02T00:00:00.000Z', number: '+8613566667777', tag: 'product_view' },
      { key: 'web#w9', kind: 'record', arrivedAt: '2026-12-03T00:00:00.000Z', number: '+8613566667777' },
      // the survivor's own number after the merge, and a moved number before it: they stay
      { key: 'app#v2', kind: 'event', arrivedAt: '2026-12-02T00:00:00.000Z', number: '+8613722223333', tag: 'purchase' },
      { key: 'app#v0', kind: 'event', arrivedAt: '2026-11-30T00:00:00.000Z', number: '+8613566667777', tag: 'purchase' },
    ]);
    expect(plan.back).toEqual(['pos#p1', 'till#late', 'app#v1', 'web#w9']);
    expect(plan.arrivedSince).toEqual(['till#late', 'app#v1', 'web#w9']);
    expect(plan.countsSince).toEqual({ purchase: 1, product_view: 1 });
  });
});
