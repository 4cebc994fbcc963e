/**
 * Batch identity resolution over plain CleanRecords: block → compare → decide → cluster.
 *
 * 1. Blocking (`blocking.ts`): only records sharing a block are compared; generic identifier
 *    values (a store's own number) yield no pairs and are ignored by the comparators everywhere.
 *    Pairs are encoded as one float (`i·n + j`), sorted and deduplicated in a typed array.
 * 2. Scoring (`cluster.ts` scorePairs): see `rules.ts` (sum of log2 likelihood-ratio weights) and
 *    `score.ts`. Any range of pairs can be scored apart, which is how the work spreads over
 *    threads (functions/app/identity/resolve-in-parallel.ts).
 * 3. Clustering with guards (`cluster.ts` clusterScored) (union-find, edges in order: human approvals, then strong edges, then
 *    weak ones, each by decreasing score). An edge is *strong* when an exact rule agreed (same
 *    number/e-mail/member id/openid) or its score reached `guards.chaining.strongScore`; other
 *    merge-level edges are *weak*. Before two clusters are joined, every compared pair across
 *    them is looked at (small side against large side, so the work stays O(pairs·log n)):
 *    - a pair a person forbade (`noMerge`, from an unmerge or a rejected review) blocks the join;
 *    - a pair caught by a conflict guard (same phone, different name and gender) blocks it;
 *    - for a weak edge, any pair scoring below `conflictBelow` blocks it, and when both clusters
 *      already have several records the weak edge needs `minSupport` merge-level pairs across
 *      them: one weak link never chains two groups together;
 *    - the joined cluster may not exceed `maxClusterSize` people-records (identities events
 *      carried, `opts.uncounted`, do not count).
 *    A blocked edge goes to the review queue with the reason. So every member of an
 *    automatically formed cluster got there by a strong edge, or by a weak edge that nothing in
 *    the cluster contradicts (and that has support when it bridges two groups).
 * 4. Reviews: pairs between `review` and `autoMerge`, conflict-guarded pairs and blocked edges,
 *    minus those that ended in one cluster, one (the best) per pair of clusters, in record order.
 * 5. Golden records by survivorship (`golden.ts`), for `resolve()`; the nightly re-match takes the
 *    clusters only (`finish`), as each profile builds its golden record from its own records.
 */
import type { CleanRecord } from '../model.ts';
import { goldenRecord } from './golden.ts';
import { forEachBlockedPair, type BlockingResult } from './blocking.ts';
import { clusterScored, scorePairs, type MergeExplanation, type PairScores, type ScoreInput } from './cluster.ts';
import { recordKey } from './keys.ts';
import type { MatchRules } from './rules.ts';

export type { MergeExplanation } from './cluster.ts';

/** A cluster as batch resolution forms it: its members and the merges that joined them. */
export interface Cluster {
  /** Record keys `${source}#${recordId}`, in input order. */
  members: string[];
  /** The merges that formed the cluster (a spanning tree: members − 1 entries). */
  merges: readonly MergeExplanation[];
}

/** A cluster with its golden record: what `resolve()` returns. */
export interface ResolvedCluster extends Cluster {
  primaryPhone?: string;
  /** All non-generic numbers of the members, primary first. */
  phones: string[];
  /**
   * The golden record by survivorship. For a single-record cluster it is that input record
   * itself (not a copy: treat it as read-only) unless the record carries a generic number.
   */
  golden: Partial<CleanRecord>;
}

export interface ReviewItem {
  a: string;
  b: string;
  score: number;
  fieldScores: Readonly<Record<string, number>>;
  reason: string;
}

export interface ResolveStats {
  records: number;
  /** Blocks with two or more records. */
  blocks: number;
  /** Distinct candidate pairs scored. */
  pairsCompared: number;
  /** Merges made (human approvals included). */
  autoMerged: number;
  /** Review items returned. */
  queued: number;
  /** Generic identifier values, as `<blockingId>:<value>`. */
  genericValues: string[];
  /** Blocks compared by window because they exceeded maxBlockSize. */
  oversizedBlocks: number;
}

/** Clusters, reviews and figures of a batch; `C` is `ResolvedCluster` when golden records were built. */
export interface Resolution<C extends Cluster = Cluster> {
  clusters: C[];
  reviews: ReviewItem[];
  stats: ResolveStats;
  /** With `keepPairs`: every distinct pair scored, as indexes into the records (`a[k]` < `b[k]`). */
  pairs?: { a: Int32Array; b: Int32Array };
}

export type ResolveResult = Resolution<ResolvedCluster>;

export interface ResolveOptions {
  /** Record-key pairs that must never end in one cluster (an unmerge or a rejected review). */
  noMerge?: Array<[string, string]>;
  /** Record-key pairs a person approved: merged regardless of score. */
  approved?: Array<[string, string]>;
  /**
   * Record keys that are not people's records (the identities events carried): they join
   * clusters like any record but do not count toward `maxClusterSize`, which caps people-records.
   */
  uncounted?: ReadonlySet<string>;
  /** Return the candidate pairs blocking produced (`pairs`): what an evaluation needs for blocking recall. */
  keepPairs?: boolean;
}

class PairBuffer {
  data = new Float64Array(1 << 16);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = x;
  }
}

/** The merges of every single-record cluster: one shared empty list, not hundreds of thousands. */
const NO_MERGES: readonly MergeExplanation[] = Object.freeze([]);

function hasGenericPhone(r: CleanRecord, genericPhones: ReadonlySet<string>): boolean {
  if (genericPhones.size === 0) return false;
  for (const p of r.phones) if (genericPhones.has(p)) return true;
  return false;
}

/** A batch blocked and paired, before any pair is scored. */
export interface ResolvePlan {
  records: CleanRecord[];
  rules: MatchRules;
  opts: ResolveOptions;
  keys: string[];
  /** The distinct candidate pairs (approvals included) as record indexes a[k] < b[k], sorted by a, then b. */
  a: Int32Array;
  b: Int32Array;
  blocking: BlockingResult;
  /** Pairs a person forbade / approved, as record indexes (i < j). */
  forbidden: Array<[number, number]>;
  approved: Array<[number, number]>;
}

export function planResolve(records: CleanRecord[], rules: MatchRules, opts: ResolveOptions = {}): ResolvePlan {
  const n = records.length;
  const keys = records.map(recordKey);
  const pairs = new PairBuffer();
  const blocking = forEachBlockedPair(records, rules, (code) => pairs.push(code));

  const keyIndex = new Map<string, number>();
  const wanted = new Set<string>();
  for (const [a, b] of [...(opts.noMerge ?? []), ...(opts.approved ?? [])]) wanted.add(a).add(b);
  if (wanted.size > 0) keys.forEach((k, i) => wanted.has(k) && keyIndex.set(k, i));
  const indexesOf = (p: [string, string]): [number, number] | undefined => {
    const i = keyIndex.get(p[0]);
    const j = keyIndex.get(p[1]);
    if (i === undefined || j === undefined || i === j) return undefined;
    return i < j ? [i, j] : [j, i];
  };
  const forbidden: Array<[number, number]> = [];
  const forbiddenCodes = new Set<number>();
  for (const p of opts.noMerge ?? []) {
    const ij = indexesOf(p);
    if (!ij || forbiddenCodes.has(ij[0] * n + ij[1])) continue;
    forbiddenCodes.add(ij[0] * n + ij[1]);
    forbidden.push(ij);
  }
  const approved: Array<[number, number]> = [];
  for (const p of opts.approved ?? []) {
    const ij = indexesOf(p);
    if (!ij || forbiddenCodes.has(ij[0] * n + ij[1])) continue;
    approved.push(ij);
    pairs.push(ij[0] * n + ij[1]);
  }

  const sorted = pairs.data.subarray(0, pairs.length).sort();
  let m = 0;
  for (let k = 0; k < sorted.length; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) sorted[m++] = sorted[k]!;
  const a = new Int32Array(m);
  const b = new Int32Array(m);
  for (let k = 0; k < m; k++) {
    const i = Math.floor(sorted[k]! / n);
    a[k] = i;
    b[k] = sorted[k]! - i * n;
  }
  return { records, rules, opts, keys, a, b, blocking, forbidden, approved };
}

/**
 * Pairs `from` to `to` (exclusive) of a plan, to be scored apart: with only the records they
 * reach, which are those from the first pair's first record on (pairs are sorted by their first
 * record, and a pair's second record comes after its first).
 */
export function scoreInput(plan: ResolvePlan, from: number, to: number): ScoreInput {
  const whole = from === 0 && to === plan.a.length;
  const offset = whole ? 0 : (plan.a[from] ?? 0);
  return {
    rules: plan.rules,
    records: whole ? plan.records : plan.records.slice(offset),
    a: whole ? plan.a : plan.a.slice(from, to),
    b: whole ? plan.b : plan.b.slice(from, to),
    offset,
    generic: plan.blocking.generic,
  };
}

/** Builds a cluster from its member keys and merges; its members' record indexes are `byCluster[from..to)`. */
type MakeCluster<C extends Cluster> = (members: string[], merges: readonly MergeExplanation[], byCluster: Int32Array, from: number, to: number) => C;

/**
 * Clusters a plan's scored pairs, without golden records: what the nightly re-match needs, since
 * a profile builds its own from its records. Clusters in order of their first record, reviews in
 * record order.
 */
export function finish(plan: ResolvePlan, scored: PairScores): Resolution {
  return conclude(plan, scored, (members, merges) => ({ members, merges }));
}

/** finish(), with each cluster's golden record and numbers. */
export function finishWithGolden(plan: ResolvePlan, scored: PairScores): ResolveResult {
  const { records, rules } = plan;
  const genericPhones = plan.blocking.generic.phones;
  const group: CleanRecord[] = [];
  return conclude(plan, scored, (members, merges, byCluster, from, to) => {
    group.length = 0;
    for (let x = from; x < to; x++) group.push(records[byCluster[x]!]!);
    const g =
      to - from === 1 && !hasGenericPhone(group[0]!, genericPhones)
        ? { golden: group[0]!, phones: group[0]!.phones, primaryPhone: group[0]!.phones[0] }
        : goldenRecord(group, rules, genericPhones);
    const cl: ResolvedCluster = { members, phones: g.phones, golden: g.golden, merges };
    if (g.primaryPhone) cl.primaryPhone = g.primaryPhone;
    return cl;
  });
}

function conclude<C extends Cluster>(plan: ResolvePlan, scored: PairScores, make: MakeCluster<C>): Resolution<C> {
  const { records, rules, keys, blocking } = plan;
  const n = records.length;
  const counted = new Uint8Array(n).fill(1);
  const uncounted = plan.opts.uncounted;
  if (uncounted?.size) for (let i = 0; i < n; i++) if (uncounted.has(keys[i]!)) counted[i] = 0;
  const { root, merges, mergedAt, reviews } = clusterScored({
    ...scored,
    rules,
    records,
    keys,
    a: plan.a,
    b: plan.b,
    forbidden: plan.forbidden,
    approved: plan.approved,
    counted,
    generic: blocking.generic,
  });

  const clusterOf = new Int32Array(n).fill(-1);
  const clusterSize: number[] = [];
  const recCluster = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = root[i]!;
    let ci = clusterOf[r]!;
    if (ci < 0) {
      ci = clusterOf[r] = clusterSize.length;
      clusterSize.push(0);
    }
    recCluster[i] = ci;
    clusterSize[ci]!++;
  }
  const nc = clusterSize.length;
  const startOf = new Int32Array(nc + 1);
  for (let ci = 0; ci < nc; ci++) startOf[ci + 1] = startOf[ci]! + clusterSize[ci]!;
  const byCluster = new Int32Array(n);
  const fillAt = startOf.slice(0, nc);
  for (let i = 0; i < n; i++) byCluster[fillAt[recCluster[i]!]!++] = i;

  const mergesOf: Array<MergeExplanation[] | undefined> = new Array(nc);
  merges.forEach((m, x) => (mergesOf[recCluster[mergedAt[x]!]!] ??= []).push(m));
  reviews.sort((x, y) => x.a - y.a || x.b - y.b);

  const clusters: C[] = new Array(nc);
  for (let ci = 0; ci < nc; ci++) {
    const from = startOf[ci]!;
    const to = startOf[ci + 1]!;
    const memberKeys: string[] = new Array(to - from);
    for (let x = from; x < to; x++) memberKeys[x - from] = keys[byCluster[x]!]!;
    clusters[ci] = make(memberKeys, mergesOf[ci] ?? NO_MERGES, byCluster, from, to);
  }

  return {
    clusters,
    reviews: reviews.map(({ a, b, ...r }) => ({ a: keys[a]!, b: keys[b]!, ...r })),
    stats: {
      records: n,
      blocks: blocking.blocks,
      pairsCompared: plan.a.length,
      autoMerged: merges.length,
      queued: reviews.length,
      genericValues: blocking.genericList,
      oversizedBlocks: blocking.oversized,
    },
    ...(plan.opts.keepPairs ? { pairs: { a: plan.a, b: plan.b } } : {}),
  };
}

/** Resolves a batch in this thread (functions/app/identity/resolve-in-parallel.ts scores its pairs on every core). */
export function resolve(records: CleanRecord[], rules: MatchRules, opts: ResolveOptions = {}): ResolveResult {
  const plan = planResolve(records, rules, opts);
  return finishWithGolden(plan, scorePairs(scoreInput(plan, 0, plan.a.length)));
}

/** resolve() without golden records: for callers that build profiles from the members themselves. */
export function resolveClusters(records: CleanRecord[], rules: MatchRules, opts: ResolveOptions = {}): Resolution {
  const plan = planResolve(records, rules, opts);
  return finish(plan, scorePairs(scoreInput(plan, 0, plan.a.length)));
}
