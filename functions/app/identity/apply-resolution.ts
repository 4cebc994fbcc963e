/**
 * Applies a batch resolution to storage, idempotently (the nightly re-match calls it; so does
 * match on arrival).
 *
 * ```ts
 * applyResolution(
 *   store: IdentityStore,
 *   assignment: ReadonlyMap<string, string> | Record<string, string>, // member key `source#recordId` → profileId now
 *   result: Resolution,                                               // resolve(records, rules, { noMerge, approved })
 *   opts?: { actor?: string; rules?: MatchRules; records?: ReadonlyMap<string, CleanRecord> },
 * ): Promise<ApplySummary>
 * ```
 *
 * - Clusters whose members live in several stored profiles are merged into one (planResolution
 *   picks the survivor: the profile holding most of the cluster), each merge stored with the
 *   linking pair's rule, per-field scores and reasons. Profiles already merged are followed
 *   through `mergedInto`, so a second run (even with the same stale assignment) merges nothing.
 * - A pair a person forbade (unmerge, rejected review) is never merged: the store refuses the
 *   merge and it is counted in `forbidden` (pass `noMerge` to resolve() so it does not even try:
 *   `store.listPairDecisions()`).
 * - Review pairs not yet queued and not yet decided are queued (ids per pair: re-queueing is a
 *   no-op), with both sides' records.
 * - Stored profiles are never split here; only unmerge splits (`splitsIgnored` counts them), and a
 *   profile resolve() would split is merged with nothing (`heldBySplit`).
 */
import type { CleanRecord } from '../../core/model.ts';
import { pairKey, planResolution, scorePair, type MatchRules, type Resolution } from '../../core/match/index.ts';
import type { IdentityStore, ReviewInput } from '../../ports/identity-store.ts';
import { MergeForbiddenError } from '../../core/identity/index.ts';
import { mergeProfiles } from './merge-protocol.ts';

export interface ApplySummary {
  merged: number;
  /** Planned merges whose profiles were already one (an earlier run, or a concurrent writer). */
  alreadyMerged: number;
  /** Planned merges refused because a person forbade a pair across the two profiles. */
  forbidden: number;
  reviewsQueued: number;
  /** Review pairs already queued or already decided. */
  reviewsSkipped: number;
  splitsIgnored: number;
  /** Merges left out because a profile in them holds several people by the rules (planResolution). */
  heldBySplit: number;
  mergeIds: string[];
}

export async function applyResolution(
  store: IdentityStore,
  assignment: ReadonlyMap<string, string> | Record<string, string>,
  result: Resolution,
  opts: { actor?: string; rules?: MatchRules; records?: ReadonlyMap<string, CleanRecord> } = {},
): Promise<ApplySummary> {
  const actor = opts.actor ?? 'nightly';
  const assigned = assignment instanceof Map ? (assignment as ReadonlyMap<string, string>) : new Map(Object.entries(assignment));
  const plan = planResolution(assigned, result);
  const summary: ApplySummary = { merged: 0, alreadyMerged: 0, forbidden: 0, reviewsQueued: 0, reviewsSkipped: 0, splitsIgnored: plan.splitsIgnored, heldBySplit: plan.heldBySplit, mergeIds: [] };
  if (!plan.merges.length && !plan.reviews.length) return summary;

  const rules = opts.rules ?? (await store.matchRules());
  const needed = [...plan.merges.flatMap((m) => [m.explanation.a, m.explanation.b]), ...plan.reviews.flatMap((r) => [r.a, r.b])];
  const records = new Map(opts.records ?? []);
  const missing = needed.filter((k) => !records.has(k));
  if (missing.length) for (const [k, m] of await store.memberRecords(missing)) records.set(k, m.record);

  for (const m of plan.merges) {
    const e = m.explanation;
    const ra = records.get(e.a);
    const rb = records.get(e.b);
    const reasons = ra && rb ? scorePair(ra, rb, rules).reasons : [];
    try {
      const stored = await mergeProfiles(store, m.into, m.from, { a: e.a, b: e.b, rule: e.rule, score: e.score, fieldScores: e.fieldScores, reasons }, actor);
      if (stored) {
        summary.merged++;
        summary.mergeIds.push(stored.mergeId);
      } else summary.alreadyMerged++;
    } catch (error) {
      if (!(error instanceof MergeForbiddenError)) throw error;
      summary.forbidden++;
    }
  }

  if (plan.reviews.length) {
    const decided = await store.pairDecisions(plan.reviews.map((r) => [r.a, r.b]));
    const items: ReviewInput[] = [];
    for (const r of plan.reviews) {
      if (decided.has(pairKey(r.a, r.b))) {
        summary.reviewsSkipped++;
        continue;
      }
      const ra = records.get(r.a);
      const rb = records.get(r.b);
      items.push({
        reviewId: r.id,
        a: { key: r.a, profileId: r.profileA, record: ra },
        b: { key: r.b, profileId: r.profileB, record: rb },
        score: r.score,
        fieldScores: r.fieldScores,
        reasons: ra && rb ? scorePair(ra, rb, rules).reasons : [],
        reason: r.reason,
      });
    }
    const queued = await store.queueReviews(items);
    summary.reviewsQueued += queued;
    summary.reviewsSkipped += items.length - queued;
  }
  return summary;
}
