/**
 * Matching quality on the labelled public data sets (../shared/data), each mapped onto
 * CleanRecord with a rule file for its columns (test/fixtures/match/). Prints the figures.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from '../../../functions/core/match/index.ts';
import { fixtureRules, loadEpbrn, loadFebrl, loadSplink, type Labelled } from './datasets.ts';
import { evaluate, formatEvaluation, type Evaluation } from './metrics.ts';

function run(name: string, data: Labelled, rulesFile: string): Evaluation & { pairsCompared: number } {
  const t0 = performance.now();
  const res = resolve(data.records, fixtureRules(rulesFile));
  const ms = performance.now() - t0;
  const e = evaluate(res.clusters.map((c) => c.members), data.truth);
  const n = data.records.length;
  console.log(formatEvaluation(name, e, ` | ${n} records, ${res.stats.pairsCompared} pairs compared of ${(n * (n - 1)) / 2}, ${res.reviews.length} reviews, ${ms.toFixed(0)} ms`));
  // blocking, never all pairs
  expect(res.stats.pairsCompared).toBeLessThan((n * (n - 1)) / 2 / 100);
  return { ...e, pairsCompared: res.stats.pairsCompared };
}

describe('matching quality on labelled data', () => {
  it('ePBRN D: pairwise F1 ≥ 0.95', () => {
    const e = run('ePBRN D', loadEpbrn(), 'epbrn-rules.json');
    expect(e.pairwise.f1).toBeGreaterThanOrEqual(0.95);
    expect(e.pairwise.precision).toBeGreaterThanOrEqual(0.98);
    expect(e.bcubed.f1).toBeGreaterThanOrEqual(0.97);
  });

  it('FEBRL dataset3 (no phone): pairwise F1 ≥ 0.95', () => {
    const e = run('FEBRL 3', loadFebrl('febrl/dataset3.csv'), 'febrl-rules.json');
    expect(e.pairwise.f1).toBeGreaterThanOrEqual(0.95);
    expect(e.bcubed.f1).toBeGreaterThanOrEqual(0.97);
  });

  it('FEBRL dataset1 and dataset2', () => {
    const e1 = run('FEBRL 1', loadFebrl('febrl/dataset1.csv'), 'febrl-rules.json');
    const e2 = run('FEBRL 2', loadFebrl('febrl/dataset2.csv'), 'febrl-rules.json');
    expect(e1.pairwise.f1).toBeGreaterThanOrEqual(0.97);
    expect(e2.pairwise.f1).toBeGreaterThanOrEqual(0.97);
  });

  it('splink fake_1000 (heavily corrupted: names, dob and city errors)', () => {
    const e = run('splink fake_1000', loadSplink(), 'splink-rules.json');
    expect(e.pairwise.precision).toBeGreaterThanOrEqual(0.97);
    expect(e.pairwise.f1).toBeGreaterThanOrEqual(0.88);
    expect(e.bcubed.f1).toBeGreaterThanOrEqual(0.9);
  });
});
