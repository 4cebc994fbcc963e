/**
 * End-to-end quality on generated messy Chinese multi-channel data: raw identities through the
 * cleaning engine (cleanIdentity) and the default rules. Prints the figures.
 */
import { describe, expect, it } from 'vitest';
import { cleanIdentity } from '../../../functions/core/clean/index.ts';
import { defaultMatchRules, resolve } from '../../../functions/core/match/index.ts';
import { generateCustomers } from '../../support/generate-customers.ts';
import { evaluate, formatEvaluation } from './metrics.ts';

describe('matching quality on generated Chinese customer data', () => {
  it('resolves most people perfectly and almost never merges two people', () => {
    const g = generateCustomers({ people: 3000, seed: 11 });
    const records = g.records.map((r) => cleanIdentity(r.raw, { source: r.source, recordId: r.recordId, observedAt: r.observedAt }).record);
    const res = resolve(records, defaultMatchRules);
    const truth = new Map(g.records.map((r) => [`${r.source}#${r.recordId}`, r.personId]));
    const e = evaluate(res.clusters.map((c) => c.members), truth);
    console.log(formatEvaluation('generated (3000 people)', e, ` | ${records.length} records, ${res.stats.pairsCompared} pairs, ${res.reviews.length} reviews, generic ${res.stats.genericValues.join(' ')}`));

    expect(e.pairwise.precision).toBeGreaterThanOrEqual(0.99);
    expect(e.pairwise.f1).toBeGreaterThanOrEqual(0.85);
    expect(e.bcubed.f1).toBeGreaterThanOrEqual(0.93);
    expect(e.perfect).toBeGreaterThanOrEqual(0.85);

    // the store numbers were found and belong to no profile
    expect(res.stats.genericValues.length).toBeGreaterThanOrEqual(1);
    const generic = new Set(res.stats.genericValues.map((v) => v.slice('phone:'.length)));
    for (const c of res.clusters) for (const p of c.phones) expect(generic.has(p)).toBe(false);
    // a profile with a second number resolves by either
    const multi = res.clusters.filter((c) => c.phones.length > 1);
    expect(multi.length).toBeGreaterThan(50);
    for (const c of multi) expect(c.primaryPhone).toBe(c.phones[0]);
  });
});
