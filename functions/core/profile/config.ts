/**
 * Profile thresholds as data: which base quantiles make spending power / activity high or medium,
 * the fixed fallbacks used before the first nightly run has stored base quantiles, lifecycle
 * windows and RFM fallback cuts. `parseProfileConfig(json)` validates with path-named errors.
 */
import { z } from 'zod';
import { parseRulesDoc, RulesDocError } from '../rules-doc.ts';

const level = z.number().gt(0).lt(1);
const ascending = (n: number) =>
  z
    .array(z.number().nonnegative())
    .length(n)
    .refine((a) => a.every((v, i) => i === 0 || v > a[i - 1]!), 'must be strictly increasing');

export const ProfileConfigSchema = z
  .strictObject({
    /** Quantile levels among buyers (spend) / active profiles (interactions in 90 days). */
    spendingPower: z.strictObject({ high: level, medium: level }).default({ high: 0.8, medium: 0.4 }),
    activityLevel: z.strictObject({ high: level, medium: level }).default({ high: 0.8, medium: 0.4 }),
    /** Used when no base quantiles are stored yet. */
    fixed: z
      .strictObject({
        spendHighCents: z.number().int().positive(),
        spendMediumCents: z.number().int().positive(),
        activityHigh: z.number().int().positive(),
        activityMedium: z.number().int().positive(),
        /** RFM cut points (4 each, ascending): recency days, order counts, spend cents. */
        recencyDays: ascending(4),
        orderCount: ascending(4),
        spendCents: ascending(4),
      })
      .default({
        spendHighCents: 500_000,
        spendMediumCents: 100_000,
        activityHigh: 20,
        activityMedium: 5,
        recencyDays: [30, 60, 90, 180],
        orderCount: [1, 2, 4, 8],
        spendCents: [10_000, 50_000, 200_000, 500_000],
      }),
    lifecycle: z
      .strictObject({
        /** First seen within this many days: new. */
        newDays: z.number().int().positive(),
        /** Last activity within: active; within atRiskDays: at_risk; else lapsed. */
        activeDays: z.number().int().positive(),
        atRiskDays: z.number().int().positive(),
      })
      .default({ newDays: 30, activeDays: 90, atRiskDays: 180 }),
    /** Category preference weights per purchase line, cart and view. */
    preferenceWeights: z.strictObject({ purchase: z.number().nonnegative(), cart: z.number().nonnegative(), view: z.number().nonnegative() }).default({ purchase: 5, cart: 3, view: 1 }),
    currency: z.string().regex(/^[A-Z]{3}$/).default('CNY'),
  })
  .superRefine((c, ctx) => {
    for (const k of ['spendingPower', 'activityLevel'] as const)
      if (c[k].medium >= c[k].high) ctx.addIssue({ code: 'custom', path: [k, 'medium'], message: `must be below ${k}.high` });
    if (c.fixed.spendMediumCents >= c.fixed.spendHighCents) ctx.addIssue({ code: 'custom', path: ['fixed', 'spendMediumCents'], message: 'must be below fixed.spendHighCents' });
    if (c.fixed.activityMedium >= c.fixed.activityHigh) ctx.addIssue({ code: 'custom', path: ['fixed', 'activityMedium'], message: 'must be below fixed.activityHigh' });
    if (!(c.lifecycle.activeDays < c.lifecycle.atRiskDays)) ctx.addIssue({ code: 'custom', path: ['lifecycle', 'atRiskDays'], message: 'must be above lifecycle.activeDays' });
  });

export type ProfileConfig = z.output<typeof ProfileConfigSchema>;
export type ProfileConfigInput = z.input<typeof ProfileConfigSchema>;

export const DEFAULT_PROFILE_CONFIG: ProfileConfig = ProfileConfigSchema.parse({});

export class ProfileConfigError extends RulesDocError {
  constructor(issues: string[]) {
    super('profile config', issues);
    this.name = 'ProfileConfigError';
  }
}

export function parseProfileConfig(json: unknown): ProfileConfig {
  return parseRulesDoc(ProfileConfigSchema, json, { what: 'profile config', error: (issues) => new ProfileConfigError(issues) });
}
