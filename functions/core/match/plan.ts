/**
 * From a batch resolution to stored changes: compares resolve()'s clusters with where the members
 * live now (member key → profile id) and says which stored profiles to merge and which pairs to
 * queue for review. Pure; `functions/app/identity/apply-resolution.ts` carries it out.
 *
 * - A cluster whose members live in two or more profiles becomes merges into one survivor: the
 *   profile holding most of the cluster's members (ties: the smallest id, so reruns agree). Each
 *   absorbed profile carries the resolve() merge edge that links it (to the survivor if one does).
 * - A stored profile whose members resolve() puts in different clusters is never split
 *   automatically (only a person splits, by unmerge), and never merged either: it would be the
 *   bridge of a chain, every person it holds pulling their other profiles into one. It is counted
 *   in `splitsIgnored`, the merges it would have taken part in in `heldBySplit`.
 * - A review pair is planned when its two members will still live in different profiles after the
 *   planned merges; its id is derived from the pair, so queueing it again is a no-op.
 */
import { createHash } from 'node:crypto';
import type { MergeExplanation, Resolution, ReviewItem } from './resolve.ts';

export interface PlannedMerge {
  /** The surviving profile. */
  into: string;
  /** The profile absorbed into it. */
  from: string;
  /** The resolve() merge edge that links the two (its `a`/`b` are member keys). */
  explanation: MergeExplanation;
}

export interface PlannedReview extends ReviewItem {
  /** Deterministic review id of the pair (`pairId`). */
  id: string;
  profileA: string;
  profileB: string;
}

export interface ResolutionPlan {
  merges: PlannedMerge[];
  reviews: PlannedReview[];
  /** Clusters already one profile. */
  unchanged: number;
  /** Stored profiles that resolve() would split (left as they are). */
  splitsIgnored: number;
  /** Profiles a cluster would have merged but that resolve() splits: never a bridge between people. */
  heldBySplit: number;
  /** Members resolve() saw that have no profile in the assignment (skipped). */
  unassigned: number;
}

/** The canonical order of a pair of member keys. */
export function orderedPair(a: string, b: string): [string, string] {
  return a <= b ? [a, b] : [b, a];
}

/** A pair of member keys as one map key, whatever their order: how decided pairs are looked up. */
export function pairKey(a: string, b: string): string {
  return orderedPair(a, b).join('\u0000');
}

/** A stable id for a pair of member keys, whatever their order: `r_` + 16 hex. */
export function pairId(a: string, b: string): string {
  const [x, y] = orderedPair(a, b);
  return `r_${createHash('sha256').update(`${x}\u0000${y}`).digest('hex').slice(0, 16)}`;
}

export function planResolution(assignment: ReadonlyMap<string, string>, result: Resolution): ResolutionPlan {
  const merges: PlannedMerge[] = [];
  let unchanged = 0;
  let unassigned = 0;
  let heldBySplit = 0;
  /** profile → the profile it ends in after the planned merges */
  const finalOf = new Map<string, string>();
  // A stored profile whose members fall in several clusters holds more than one person by the
  // rules: merging it would chain each of those people's other profiles into one.
  const clusterOfProfile = new Map<string, number>();
  const split = new Set<string>();
  result.clusters.forEach((cluster, ci) => {
    for (const m of cluster.members) {
      const p = assignment.get(m);
      if (p === undefined) continue;
      const seen = clusterOfProfile.get(p);
      if (seen === undefined) clusterOfProfile.set(p, ci);
      else if (seen !== ci) split.add(p);
    }
  });

  result.clusters.forEach((cluster) => {
    const count = new Map<string, number>();
    for (const m of cluster.members) {
      const p = assignment.get(m);
      if (p === undefined) {
        unassigned++;
        continue;
      }
      count.set(p, (count.get(p) ?? 0) + 1);
    }
    if (count.size <= 1) {
      if (count.size === 1) unchanged++;
      return;
    }
    const whole = [...count].filter(([p]) => !split.has(p));
    heldBySplit += count.size - whole.length;
    if (whole.length <= 1) return;
    const ranked = whole.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    const into = ranked[0]![0];
    for (const [from] of ranked.slice(1)) {
      const touches = (e: MergeExplanation, p: string) => assignment.get(e.a) === p || assignment.get(e.b) === p;
      const explanation =
        cluster.merges.find((e) => touches(e, from) && touches(e, into)) ?? cluster.merges.find((e) => touches(e, from)) ?? cluster.merges[0];
      if (!explanation) continue;
      merges.push({ into, from, explanation });
      finalOf.set(from, into);
    }
  });

  const final = (p: string) => finalOf.get(p) ?? p;
  const reviews: PlannedReview[] = [];
  const queued = new Set<string>();
  for (const r of result.reviews) {
    const pa = assignment.get(r.a);
    const pb = assignment.get(r.b);
    if (pa === undefined || pb === undefined || final(pa) === final(pb)) continue;
    const id = pairId(r.a, r.b);
    if (queued.has(id)) continue;
    queued.add(id);
    reviews.push({ ...r, id, profileA: pa, profileB: pb });
  }
  return { merges, reviews, unchanged, splitsIgnored: split.size, heldBySplit, unassigned };
}
