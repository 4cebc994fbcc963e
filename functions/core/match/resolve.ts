/**
 * Batch identity resolution over plain CleanRecords: block → compare → decide → cluster.
 *
 * 1. Blocking (`blocking.ts`): only records sharing a block are compared; generic identifier
 *    values (a store's own number) yield no pairs and are ignored by the comparators everywhere.
 *    Pairs are encoded as one float (`i·n + j`), sorted and deduplicated in a typed array.
 * 2. Scoring: see `rules.ts` (sum of log2 likelihood-ratio weights) and `score.ts`.
 * 3. Clustering with guards (union-find, edges in order: human approvals, then strong edges, then
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
 *    minus those that ended in one cluster, one (the best) per pair of clusters.
 * 5. Golden records by survivorship (`golden.ts`).
 */
import type { CleanRecord } from '../model.ts';
import { goldenRecord } from './golden.ts';
import { forEachBlockedPair } from './blocking.ts';
import { recordKey } from './keys.ts';
import type { MatchRules } from './rules.ts';
import {
  compileRules,
  decide,
  fieldScores,
  FLAG_CONFLICT_REJECT,
  FLAG_CONFLICT_REVIEW,
  isStrong,
  reasons,
  round,
  ruleName,
  scoreBuffers,
  scoreInto,
} from './score.ts';

export interface MergeExplanation {
  a: string;
  b: string;
  rule: string;
  score: number;
  fieldScores: Record<string, number>;
}

export interface ResolvedCluster {
  /** Record keys `${source}#${recordId}`, in input order. */
  members: string[];
  primaryPhone?: string;
  /** All non-generic numbers of the members, primary first. */
  phones: string[];
  /**
   * The golden record by survivorship. For a single-record cluster it is that input record
   * itself (not a copy: treat it as read-only) unless the record carries a generic number.
   */
  golden: Partial<CleanRecord>;
  /** The merges that formed the cluster (a spanning tree: members − 1 entries). */
  merges: MergeExplanation[];
}

export interface ReviewItem {
  a: string;
  b: string;
  score: number;
  fieldScores: Record<string, number>;
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

export interface ResolveResult {
  clusters: ResolvedCluster[];
  reviews: ReviewItem[];
  stats: ResolveStats;
  /** With `keepPairs`: every distinct pair scored, as indexes into the records (`a[k]` < `b[k]`). */
  pairs?: { a: Int32Array; b: Int32Array };
}

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

const F_FORBIDDEN = 8;
const F_APPROVED = 16;

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

function hasGenericPhone(r: CleanRecord, genericPhones: ReadonlySet<string>): boolean {
  if (genericPhones.size === 0) return false;
  for (const p of r.phones) if (genericPhones.has(p)) return true;
  return false;
}


export function resolve(records: CleanRecord[], rules: MatchRules, opts: ResolveOptions = {}): ResolveResult {
  const n = records.length;
  const c = compileRules(rules);
  const guards = rules.guards;
  const keys = records.map(recordKey);
  const pairs = new PairBuffer();

  // 1. blocking
  const { generic, genericList, blocks, oversized } = forEachBlockedPair(records, rules, (code) => pairs.push(code));

  // human decisions
  const keyIndex = new Map<string, number>();
  const wanted = new Set<string>();
  for (const [a, b] of [...(opts.noMerge ?? []), ...(opts.approved ?? [])]) wanted.add(a).add(b);
  if (wanted.size > 0) keys.forEach((k, i) => wanted.has(k) && keyIndex.set(k, i));
  const codeOf = (p: [string, string]): number | undefined => {
    const i = keyIndex.get(p[0]);
    const j = keyIndex.get(p[1]);
    if (i === undefined || j === undefined || i === j) return undefined;
    return i < j ? i * n + j : j * n + i;
  };
  const forbidden = new Set<number>();
  const forbidByRec = new Map<number, number[]>();
  for (const p of opts.noMerge ?? []) {
    const code = codeOf(p);
    if (code === undefined) continue;
    forbidden.add(code);
    const i = Math.floor(code / n);
    const j = code - i * n;
    (forbidByRec.get(i) ?? forbidByRec.set(i, []).get(i)!).push(j);
    (forbidByRec.get(j) ?? forbidByRec.set(j, []).get(j)!).push(i);
  }
  const approved = new Set<number>();
  for (const p of opts.approved ?? []) {
    const code = codeOf(p);
    if (code === undefined || forbidden.has(code)) continue;
    approved.add(code);
    pairs.push(code);
  }

  // 2. dedupe and score
  const sorted = pairs.data.subarray(0, pairs.length).sort();
  let m = 0;
  for (let k = 0; k < sorted.length; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) sorted[m++] = sorted[k]!;
  const pairCodes = sorted.subarray(0, m);
  const pairA = new Int32Array(m);
  const pairB = new Int32Array(m);
  const scores = new Float32Array(m);
  const flags = new Uint8Array(m);
  const buf = scoreBuffers(c);
  const f1 = new Uint8Array(1);
  const mergeEdges: number[] = [];
  const reviewPairs: number[] = [];
  for (let k = 0; k < m; k++) {
    const code = pairCodes[k]!;
    const i = Math.floor(code / n);
    const j = code - i * n;
    pairA[k] = i;
    pairB[k] = j;
    const s = scoreInto(c, records[i]!, records[j]!, generic, buf, f1);
    scores[k] = s;
    let fl = f1[0]!;
    if (forbidden.size > 0 && forbidden.has(code)) fl |= F_FORBIDDEN;
    if (approved.size > 0 && approved.has(code)) fl |= F_APPROVED;
    flags[k] = fl;
    if (fl & F_FORBIDDEN) continue;
    const d = fl & F_APPROVED ? 'merge' : decide(c, s, fl);
    if (d === 'merge') mergeEdges.push(k);
    else if (d === 'review') reviewPairs.push(k);
  }
  pairs.data = new Float64Array(0);

  // adjacency (CSR) over all scored pairs, for the checks across clusters
  const offsets = new Int32Array(n + 1);
  for (let k = 0; k < m; k++) {
    offsets[pairA[k]! + 1]!++;
    offsets[pairB[k]! + 1]!++;
  }
  for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
  const adj = new Int32Array(2 * m);
  const fill = offsets.slice(0, n);
  for (let k = 0; k < m; k++) {
    adj[fill[pairA[k]!]!++] = k;
    adj[fill[pairB[k]!]!++] = k;
  }

  // 3. clustering
  const rank = (k: number): number => (flags[k]! & F_APPROVED ? 2 : isStrong(c, scores[k]!, flags[k]!) ? 1 : 0);
  const ranks = new Uint8Array(m);
  for (const k of mergeEdges) ranks[k] = rank(k);
  mergeEdges.sort((x, y) => ranks[y]! - ranks[x]! || scores[y]! - scores[x]! || x - y);

  const parent = new Int32Array(n);
  const size = new Int32Array(n).fill(1);
  /** People-records per cluster, for the size cap. */
  const counted = Int32Array.from(keys, (key) => (opts.uncounted?.has(key) ? 0 : 1));
  const nextMember = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = nextMember[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  const t = rules.thresholds;
  const chain = guards.chaining;
  const merged: number[] = [];
  const blocked: Array<{ k: number; reason: string }> = [];
  for (const k of mergeEdges) {
    const ra = find(pairA[k]!);
    const rb = find(pairB[k]!);
    if (ra === rb) continue;
    const edgeRank = ranks[k]!;
    if (edgeRank < 2 && counted[ra]! + counted[rb]! > guards.maxClusterSize) {
      blocked.push({ k, reason: `joining would exceed maxClusterSize ${guards.maxClusterSize}` });
      continue;
    }
    const [small, big] = size[ra]! <= size[rb]! ? [ra, rb] : [rb, ra];
    let support = 0;
    let reason: string | undefined;
    let u = small;
    do {
      const fb = forbidByRec.get(u);
      if (fb) for (const v of fb) if (find(v) === big) reason = 'a person forbade merging two of these records';
      if (reason) break;
      if (edgeRank < 2 && size[ra]! + size[rb]! > 2) {
        for (let e = offsets[u]!; e < offsets[u + 1]!; e++) {
          const p = adj[e]!;
          const v = pairA[p] === u ? pairB[p]! : pairA[p]!;
          if (find(v) !== big) continue;
          const fl = flags[p]!;
          if (fl & (FLAG_CONFLICT_REVIEW | FLAG_CONFLICT_REJECT)) {
            reason = `conflict guard between ${keys[u]} and ${keys[v]}`;
            break;
          }
          if (edgeRank === 0) {
            if (scores[p]! < chain.conflictBelow) {
              reason = `weak link contradicted: ${keys[u]} and ${keys[v]} score ${round(scores[p]!)}`;
              break;
            }
            if (scores[p]! >= t.autoMerge && !(fl & F_FORBIDDEN)) support++;
          }
        }
      }
      if (reason) break;
      u = nextMember[u]!;
    } while (u !== small);
    if (!reason && edgeRank === 0 && size[ra]! > 1 && size[rb]! > 1 && support < chain.minSupport) {
      reason = `weak link between two groups (${support} merge-level pair${support === 1 ? '' : 's'} across, ${chain.minSupport} needed)`;
    }
    if (reason) {
      blocked.push({ k, reason });
      continue;
    }
    parent[small] = big;
    size[big]! += size[small]!;
    counted[big]! += counted[small]!;
    const tmp = nextMember[small]!;
    nextMember[small] = nextMember[big]!;
    nextMember[big] = tmp;
    merged.push(k);
  }

  // 4. reviews: one per pair of clusters, the best scoring
  const bestReview = new Map<number, { k: number; reason: string }>();
  const consider = (k: number, reason: string): void => {
    const ra = find(pairA[k]!);
    const rb = find(pairB[k]!);
    if (ra === rb) return;
    const code = ra < rb ? ra * n + rb : rb * n + ra;
    const cur = bestReview.get(code);
    if (!cur || scores[k]! > scores[cur.k]!) bestReview.set(code, { k, reason });
  };
  for (const k of reviewPairs) {
    const fl = flags[k]!;
    consider(k, fl & FLAG_CONFLICT_REVIEW ? 'conflict guard' : `score between review (${t.review}) and autoMerge (${t.autoMerge})`);
  }
  for (const b of blocked) consider(b.k, b.reason);
  const reviews: ReviewItem[] = [];
  for (const { k, reason } of bestReview.values()) {
    const s = scoreInto(c, records[pairA[k]!]!, records[pairB[k]!]!, generic, buf, f1);
    const why = reason === 'conflict guard' ? reasons(c, buf, f1[0]!).filter((r) => r.startsWith('guard '))[0] ?? reason : reason;
    reviews.push({ a: keys[pairA[k]!]!, b: keys[pairB[k]!]!, score: round(s), fieldScores: fieldScores(c, buf), reason: why });
  }

  // 5. clusters, in order of their first record
  const clusterOf = new Int32Array(n).fill(-1);
  const clusterSize: number[] = [];
  const recCluster = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = find(i);
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
  const mergesOf = new Map<number, MergeExplanation[]>();
  for (const k of merged) {
    const s = scoreInto(c, records[pairA[k]!]!, records[pairB[k]!]!, generic, buf, f1);
    const ci = recCluster[pairA[k]!]!;
    let list = mergesOf.get(ci);
    if (!list) mergesOf.set(ci, (list = []));
    list.push({
      a: keys[pairA[k]!]!,
      b: keys[pairB[k]!]!,
      rule: flags[k]! & F_APPROVED ? 'approved' : ruleName(c, buf),
      score: round(s),
      fieldScores: fieldScores(c, buf),
    });
  }
  const clusters: ResolvedCluster[] = new Array(nc);
  const group: CleanRecord[] = [];
  for (let ci = 0; ci < nc; ci++) {
    const from = startOf[ci]!;
    const to = startOf[ci + 1]!;
    group.length = 0;
    const memberKeys: string[] = new Array(to - from);
    for (let x = from; x < to; x++) {
      group.push(records[byCluster[x]!]!);
      memberKeys[x - from] = keys[byCluster[x]!]!;
    }
    const g = to - from === 1 && !hasGenericPhone(group[0]!, generic.phones) ? { golden: group[0]!, phones: group[0]!.phones, primaryPhone: group[0]!.phones[0] } : goldenRecord(group, rules, generic.phones);
    const cl: ResolvedCluster = { members: memberKeys, phones: g.phones, golden: g.golden, merges: mergesOf.get(ci) ?? [] };
    if (g.primaryPhone) cl.primaryPhone = g.primaryPhone;
    clusters[ci] = cl;
  }

  return {
    clusters,
    reviews,
    stats: { records: n, blocks, pairsCompared: m, autoMerged: merged.length, queued: reviews.length, genericValues: genericList, oversizedBlocks: oversized },
    ...(opts.keepPairs ? { pairs: { a: pairA, b: pairB } } : {}),
  };
}
