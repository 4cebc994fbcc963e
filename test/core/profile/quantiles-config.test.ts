import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { baseQuantiles, parseProfileConfig, ProfileConfigError, QuantileAccumulator } from '../../../functions/core/profile/index.ts';
import type { ProfileMetrics } from '../../../functions/core/profile/index.ts';

const m = (spend: number, orders = 1, interactions = 0, recency: number | null = 1): ProfileMetrics => ({
  totalSpend: spend / 100,
  totalSpendCents: spend,
  orderCount: spend ? orders : 0,
  averageOrderValue: 0,
  purchasesPerMonth: 0,
  purchaseRecencyDays: spend ? recency : null,
  recencyDays: recency,
  interactions90d: interactions,
});

describe('baseQuantiles', () => {
  it('cuts over buyers only; non-buyers count as profiles', () => {
    const q = baseQuantiles([m(0), m(0), m(100), m(200), m(300), m(400), m(500)]);
    expect(q).toMatchObject({ profiles: 7, buyers: 5, levels: [0.2, 0.4, 0.6, 0.8] });
    expect(q.spendCents).toEqual([200, 300, 400, 500]);
  });

  it('an empty base gives empty cuts', () => {
    expect(baseQuantiles([])).toMatchObject({ profiles: 0, buyers: 0, spendCents: [] });
  });

  it('property: cuts are ascending values of the base, and streaming equals the pure function', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ s: fc.nat({ max: 1e9 }), i: fc.nat({ max: 500 }) })), (xs) => {
        const metrics = xs.map((x) => m(x.s, 1, x.i));
        const q = baseQuantiles(metrics);
        const acc = new QuantileAccumulator();
        metrics.forEach((x) => acc.add(x));
        const spends = new Set(xs.map((x) => x.s));
        return (
          JSON.stringify(acc.result()) === JSON.stringify(q) &&
          q.spendCents.every((c, k) => spends.has(c) && (k === 0 || c >= q.spendCents[k - 1]!)) &&
          q.interactions90d.every((c, k) => k === 0 || c >= q.interactions90d[k - 1]!)
        );
      }),
    );
  });

  it('takes the config levels as well', () => {
    expect(baseQuantiles([m(1)], parseProfileConfig({ spendingPower: { high: 0.9, medium: 0.5 } })).levels).toEqual([0.2, 0.4, 0.5, 0.6, 0.8, 0.9]);
  });
});

describe('parseProfileConfig', () => {
  it('defaults everything, and names bad fields', () => {
    expect(parseProfileConfig({}).lifecycle).toEqual({ newDays: 30, activeDays: 90, atRiskDays: 180 });
    const issues = (() => {
      try {
        parseProfileConfig({ spendingPower: { high: 0.3, medium: 0.5 }, lifecycle: { newDays: 30, activeDays: 200, atRiskDays: 100 }, extra: 1 });
      } catch (e) {
        expect(e).toBeInstanceOf(ProfileConfigError);
        return (e as ProfileConfigError).issues.join('\n');
      }
    })();
    expect(issues).toMatch(/extra/);
  });
  it('checks relations between thresholds', () => {
    expect(() => parseProfileConfig({ spendingPower: { high: 0.3, medium: 0.5 } })).toThrow(/spendingPower\.medium: must be below spendingPower\.high/);
    expect(() => parseProfileConfig({ lifecycle: { newDays: 30, activeDays: 200, atRiskDays: 100 } })).toThrow(/lifecycle\.atRiskDays/);
  });
});
