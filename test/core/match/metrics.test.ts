import { describe, expect, it } from 'vitest';
import { evaluate } from './metrics.ts';

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
