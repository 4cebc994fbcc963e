/**
 * Base quantiles: cut points of the whole base, so "high spending power" means the top of this
 * customer base, not a fixed amount. Computed nightly over every profile's stored `metrics` and
 * stored as one item; buildProfile reads the levels from them.
 *
 *   baseQuantiles(metrics[], config?) → BaseQuantiles          (pure)
 *   new QuantileAccumulator().add(m)… .result(config)           (streaming: one number per metric kept)
 *   levelOf(value, cuts, levels, {high, medium}) → high/medium/low
 *
 * Quantile at level L of n sorted values = sorted[min(n−1, floor(L·n))]; a value at or above the
 * cut is in the band. Spend, orders and purchase recency are over buyers only; interactions over
 * profiles with at least one interaction in 90 days. Zero values are always `low`.
 */
import { DEFAULT_PROFILE_CONFIG, type ProfileConfig } from './config.ts';
import type { Level, ProfileMetrics } from './types.ts';

export const RFM_LEVELS = [0.2, 0.4, 0.6, 0.8];

export interface BaseQuantiles {
  version: 1;
  /** Profiles the quantiles were computed over. */
  profiles: number;
  buyers: number;
  /** Profiles with an interaction in the last 90 days. */
  active: number;
  /** Sorted ascending; each array below has one cut per level. */
  levels: number[];
  spendCents: number[];
  orderCount: number[];
  /** Cuts of −(days since last purchase): higher = more recent. */
  minusPurchaseRecencyDays: number[];
  interactions90d: number[];
  computedAt?: string;
}

function cutsOf(values: number[], levels: number[]): number[] {
  if (!values.length) return [];
  const sorted = Float64Array.from(values).sort();
  return levels.map((l) => sorted[Math.min(sorted.length - 1, Math.floor(l * sorted.length))]!);
}

export function levelsFor(config: ProfileConfig): number[] {
  const all = new Set([...RFM_LEVELS, config.spendingPower.high, config.spendingPower.medium, config.activityLevel.high, config.activityLevel.medium]);
  return [...all].sort((a, b) => a - b);
}

/** Keeps the few numbers per profile that quantiles need; add profiles one at a time. */
export class QuantileAccumulator {
  private profiles = 0;
  private readonly spend: number[] = [];
  private readonly orders: number[] = [];
  private readonly recency: number[] = [];
  private readonly interactions: number[] = [];

  add(m: Pick<ProfileMetrics, 'totalSpendCents' | 'orderCount' | 'purchaseRecencyDays' | 'interactions90d'> | undefined): this {
    this.profiles++;
    if (!m) return this;
    if (m.orderCount > 0 && m.totalSpendCents > 0) {
      this.spend.push(m.totalSpendCents);
      this.orders.push(m.orderCount);
      if (m.purchaseRecencyDays != null) this.recency.push(-m.purchaseRecencyDays);
    }
    if (m.interactions90d > 0) this.interactions.push(m.interactions90d);
    return this;
  }

  result(config: ProfileConfig = DEFAULT_PROFILE_CONFIG, computedAt?: string): BaseQuantiles {
    const levels = levelsFor(config);
    return {
      version: 1,
      profiles: this.profiles,
      buyers: this.spend.length,
      active: this.interactions.length,
      levels,
      spendCents: cutsOf(this.spend, levels),
      orderCount: cutsOf(this.orders, levels),
      minusPurchaseRecencyDays: cutsOf(this.recency, levels),
      interactions90d: cutsOf(this.interactions, levels),
      ...(computedAt ? { computedAt } : {}),
    };
  }
}

/** Base quantiles of all profiles' metrics (a profile without metrics counts, as low everything). */
export function baseQuantiles(metrics: Iterable<ProfileMetrics | undefined>, config: ProfileConfig = DEFAULT_PROFILE_CONFIG, computedAt?: string): BaseQuantiles {
  const acc = new QuantileAccumulator();
  for (const m of metrics) acc.add(m);
  return acc.result(config, computedAt);
}

/** The cut at `level`, or undefined when the base had no values or lacks the level. */
export function cutAt(q: BaseQuantiles, cuts: number[], level: number): number | undefined {
  const i = q.levels.findIndex((l) => Math.abs(l - level) < 1e-9);
  return i < 0 ? undefined : cuts[i];
}

/** high/medium/low from cut points; zero or negative is low. */
export function bandOf(value: number, high: number | undefined, medium: number | undefined): Level {
  if (!(value > 0)) return 'low';
  if (high !== undefined && value >= high) return 'high';
  if (medium !== undefined && value >= medium) return 'medium';
  return 'low';
}

/** 1..5: one more for each quintile cut (levels 0.2, 0.4, 0.6, 0.8) the value reaches. */
export function quintileScore(value: number, q: BaseQuantiles, cuts: number[]): number {
  let score = 1;
  for (const level of RFM_LEVELS) {
    const cut = cutAt(q, cuts, level);
    if (cut !== undefined && value >= cut) score++;
  }
  return score;
}

/** Whether stored quantiles can serve `config` (all its levels present). */
export function quantilesFit(q: BaseQuantiles | undefined, config: ProfileConfig): q is BaseQuantiles {
  return !!q && q.version === 1 && levelsFor(config).every((l) => q.levels.some((x) => Math.abs(x - l) < 1e-9));
}
