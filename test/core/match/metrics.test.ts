import { describe, expect, it } from 'vitest';
import { blockingRecall, evaluate } from './metrics.ts';
import { defaultMatchRules, recordKey, resolve } from '../../../functions/core/match/index.ts';
import type { CleanRecord } from '../../../functions/core/model.ts';

describe('evaluation metrics', () => {
  it('computes pairwise, B-cubed and perfect share by hand-checked example', () => {
    // truth: A = {1,2,3}, B = {4,5}; predicted: {1,2}, {3,4,5}
    const truth = new Map([['1', 'A'], ['2', 'A'], ['3', 'A'], ['4', 'B'], ['5', 'B']]);
    const e = evaluate([['1', '2'], ['3', '4', '5']], truth);
    expect(e.pairwise.truePairs).toBe(4);
    expect(e.pairwise.predictedPairs).toBe(4);
    expect(e.pairwise.correctPairs).toBe(2);
    expect(e.pairwise.f1).toBeCloseTo(0.5);
    // B-cubed precision: (1+1+1/3+2/3+2/3)/5, recall: (2/3+2/3+1/3+1+1)/5
    expect(e.bcubed.precision).toBeCloseTo((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5);
    expect(e.bcubed.recall).toBeCloseTo((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5);
    expect(e.perfect).toBe(0);
    expect(evaluate([['1', '2', '3'], ['4', '5']], truth).perfect).toBe(1);
  });
});

describe('blocking recall', () => {
  it('counts the true pairs blocking made candidates: a shared number is reached, a person whose records share no key is not', () => {
    const rec = (recordId: string, r: Partial<CleanRecord>): CleanRecord => ({ source: 's', recordId, phones: [], ...r }) as CleanRecord;
    const records = [
      rec('a1', { phones: ['+8613800138001'], name: '张伟', nameKey: '张伟', namePinyin: 'zhangwei' }),
      rec('a2', { phones: ['+8613800138001'] }),
      // one person under two numbers and no other shared field: no blocking key in common
      rec('b1', { phones: ['+8613900139001'], name: '李雷', nameKey: '李雷', namePinyin: 'lilei' }),
      rec('b2', { phones: ['+8613700137001'], email: 'lilei@example.com' }),
    ];
    const truth = new Map([['s#a1', 'A'], ['s#a2', 'A'], ['s#b1', 'B'], ['s#b2', 'B']]);
    const { pairs } = resolve(records, defaultMatchRules, { keepPairs: true });
    expect(blockingRecall(records.map(recordKey), pairs!, truth)).toEqual({ reached: 1, truePairs: 2, recall: 0.5 });
    expect(resolve(records, defaultMatchRules).pairs).toBeUndefined();
  });
});
