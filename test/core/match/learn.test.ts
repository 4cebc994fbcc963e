/**
 * Weights learned without labels (core/match/learn.ts): the estimates are checked against what
 * the labels of a public set say they should be, the learned rules must resolve that set better
 * than the hand-set defaults, common values weigh less than rare ones, and the same records give
 * the same rules.
 */
import { describe, expect, it } from 'vitest';
import { cleanIdentity } from '../../../functions/core/clean/index.ts';
import { defaultMatchRules, parseMatchRules, recordKey, resolve, scorePair } from '../../../functions/core/match/index.ts';
import { learnWeights } from '../../../functions/core/match/learn.ts';
import { generateCustomers } from '../../support/generate-customers.ts';
import { loadEpbrn, loadFebrl } from './datasets.ts';
import { evaluate } from './metrics.ts';

const ePBRN = loadEpbrn();
/** Learned once with the defaults (a million random pairs: seconds), shared by the tests that read it. */
let learnedOnEpbrn: ReturnType<typeof learnWeights> | undefined;
const learnEpbrn = () => (learnedOnEpbrn ??= learnWeights(ePBRN.records, defaultMatchRules));

describe('learning match weights from the records', () => {
  it('estimates m and u close to what the labels say, without seeing the labels', () => {
    const data = loadFebrl('febrl/dataset1.csv');
    const { report } = learnWeights(data.records, defaultMatchRules);
    // the truth: among same-person pairs, how often is the birth date the same (m); among different people (u)
    const byPerson = new Map<string, number[]>();
    data.records.forEach((r, i) => {
      const t = data.truth.get(recordKey(r))!;
      byPerson.set(t, [...(byPerson.get(t) ?? []), i]);
    });
    let same = 0;
    let pairs = 0;
    for (const group of byPerson.values())
      for (let x = 0; x < group.length; x++)
        for (let y = x + 1; y < group.length; y++) {
          const a = data.records[group[x]!]!;
          const b = data.records[group[y]!]!;
          if (!a.birthDate || !b.birthDate) continue;
          pairs++;
          if (a.birthDate === b.birthDate) same++;
        }
    const birth = report.comparators.find((c) => c.id === 'birthDate')!;
    expect(birth.status).toBe('learned');
    expect(Math.abs(birth.outcomes[0]!.m - same / pairs)).toBeLessThan(0.05);
    // u: among pairs of different people, how often is the birth date the same
    const perDate = new Map<string, number>();
    for (const r of data.records) if (r.birthDate) perDate.set(r.birthDate, (perDate.get(r.birthDate) ?? 0) + 1);
    const dated = [...perDate.values()].reduce((x, y) => x + y, 0);
    const sameDate = [...perDate.values()].reduce((x, k) => x + (k * (k - 1)) / 2, 0);
    const uTrue = (sameDate - same) / ((dated * (dated - 1)) / 2 - pairs);
    expect(birth.outcomes[0]!.u).toBeGreaterThan(uTrue / 3);
    expect(birth.outcomes[0]!.u).toBeLessThan(uTrue * 3);
    // nobody has a phone in FEBRL: the phone comparator keeps the weights it was given
    expect(report.comparators.find((c) => c.id === 'phone')!.status).toBe('no values to compare');
    // 500 duplicates among 1000 records: the prior is near log2(500 / 499500)
    expect(Math.abs(report.prior - Math.log2(500 / 499_000))).toBeLessThan(1);
  });

  it('resolves ePBRN better than the hand-set default weights, with a column mapping only', () => {
    const before = evaluate(resolve(ePBRN.records, defaultMatchRules).clusters.map((c) => c.members), ePBRN.truth);
    const learned = parseMatchRules(learnEpbrn().rules);
    const after = evaluate(resolve(ePBRN.records, learned).clusters.map((c) => c.members), ePBRN.truth);
    expect(after.pairwise.precision).toBeGreaterThanOrEqual(0.995);
    expect(after.pairwise.f1).toBeGreaterThan(before.pairwise.f1);
    expect(after.pairwise.f1).toBeGreaterThan(0.975);
  });

  it('writes readable rules that parse, with thresholds as match probabilities, and the same records give the same rules', () => {
    const { rules } = learnEpbrn();
    expect(rules.thresholds).toEqual({ matchProbability: { autoMerge: 0.9, review: 0.5 } });
    const parsed = parseMatchRules(JSON.stringify(rules));
    expect(parsed.thresholds.autoMerge).toBeCloseTo(Math.log2(9) - parsed.prior!, 6);
    expect(parsed.exact.find((c) => c.id === 'phone')!.levels[0]).toMatchObject({ m: expect.any(Number), u: expect.any(Number) });
    // a parsed document written back parses to the same rules
    expect(parseMatchRules(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
    const twice = [1, 2].map(() => JSON.stringify(learnWeights(ePBRN.records, defaultMatchRules, { randomPairs: 50_000 }).rules));
    expect(twice[1]).toBe(twice[0]);
  });

  it('weighs agreeing on a common name less than on a rare one (term frequencies)', () => {
    const g = generateCustomers({ people: 1500, seed: 5 });
    const records = g.records.map((r) => cleanIdentity(r.raw, { source: r.source, recordId: r.recordId, observedAt: r.observedAt }).record);
    const learned = parseMatchRules(learnWeights(records, defaultMatchRules).rules);
    const name = learned.fuzzy.find((c) => c.id === 'name')!;
    const [common] = Object.entries(name.tf ?? {}).sort((a, b) => b[1] - a[1]);
    expect(common).toBeDefined();
    const counts = new Map<string, number>();
    for (const r of records) if (r.nameKey) counts.set(r.nameKey, (counts.get(r.nameKey) ?? 0) + 1);
    const rare = [...counts].find(([, n]) => n === 1)![0];
    const pair = (nameKey: string) => scorePair({ nameKey, phones: [] }, { nameKey, phones: [] }, learned).fieldScores.name!;
    expect(pair(common![0])).toBeLessThan(pair(rare) - 1);
    expect(pair(rare)).toBeCloseTo(name.levels[0]!.weight, 1);
  });

  it('keeps a steward’s decisions: a labelled pair counts as known', () => {
    const [a, b] = ePBRN.records;
    const { report } = learnWeights(ePBRN.records, defaultMatchRules, { randomPairs: 10_000, labels: [{ a: recordKey(a!), b: recordKey(b!), match: true }, { a: 'nobody#1', b: recordKey(b!), match: false }] });
    expect(report.labelledPairs).toBe(1);
  });
});

describe('thresholds as match probabilities', () => {
  it('need the prior, and a score that contradicts them is named', () => {
    const raw = structuredClone(defaultMatchRules) as any;
    raw.thresholds = { matchProbability: { autoMerge: 0.99, review: 0.9 } };
    expect(() => parseMatchRules(raw)).toThrow(/thresholds: matchProbability needs the prior/);
    raw.prior = -12;
    raw.guards.chaining.strongScore = 30;
    const parsed = parseMatchRules(raw);
    expect(parsed.thresholds.autoMerge).toBeCloseTo(Math.log2(99) + 12, 6);
    expect(parsed.thresholds.review).toBeCloseTo(Math.log2(9) + 12, 6);
    raw.thresholds.autoMerge = 10;
    expect(() => parseMatchRules(raw)).toThrow(/thresholds: autoMerge 10 contradicts matchProbability \(score 18\.63\)/);
  });
});
