/**
 * The two steps of a batch after blocking (see resolve.ts for the guards): scoring the candidate
 * pairs, which is most of the work and needs nothing but the two records of each pair, so any
 * range of pairs can be scored apart (in another thread: functions/app/identity/
 * resolve-in-parallel.ts); then guarded clustering over all the scores, in one thread, in the
 * batch's pair order — so the clusters do not depend on how the scoring was split.
 */
import type { CleanRecord } from '../model.ts';
import type { MatchRules } from './rules.ts';
import { OutcomeRecorder, replayOutcome, slotOf, type Outcomes } from './outcomes.ts';
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
  fieldsScored,
  type GenericValues,
} from './score.ts';

/** A range of candidate pairs to score: pair k joins records `a[k] − offset` and `b[k] − offset`. */
export interface ScoreInput {
  rules: MatchRules;
  records: CleanRecord[];
  a: Int32Array;
  b: Int32Array;
  offset: number;
  generic: GenericValues;
}

export interface PairScores {
  scores: Float32Array;
  /** FLAG_* bits of each pair (score.ts). */
  flags: Uint8Array;
  /** The outcomes of the pairs scored at merge level, to explain merges from (outcomes.ts). */
  outcomes?: Outcomes;
}

export function scorePairs({ rules, records, a, b, offset, generic }: ScoreInput): PairScores {
  const c = compileRules(rules);
  const buf = scoreBuffers(c);
  const f1 = new Uint8Array(1);
  const scores = new Float32Array(a.length);
  const flags = new Uint8Array(a.length);
  const kept = OutcomeRecorder.usable(c) ? new OutcomeRecorder(c, a.length >>> 2) : undefined;
  // a little below the threshold: a score kept as a 32-bit float may round up to it
  const keepFrom = rules.thresholds.autoMerge - 1e-3;
  for (let k = 0; k < a.length; k++) {
    const total = scoreInto(c, records[a[k]! - offset]!, records[b[k]! - offset]!, generic, buf, f1);
    scores[k] = total;
    flags[k] = f1[0]!;
    if (kept && total >= keepFrom) kept.keep(k, buf);
  }
  return kept ? { scores, flags, outcomes: kept.done() } : { scores, flags };
}

export interface ClusterInput extends PairScores {
  rules: MatchRules;
  records: CleanRecord[];
  /** The records' keys (recordKey), for the reasons a blocked edge gives. */
  keys: readonly string[];
  /** The candidate pairs (a < b), in the batch's pair order. */
  a: Int32Array;
  b: Int32Array;
  /** Pairs a person forbade / approved, as record indexes. */
  forbidden: Array<[number, number]>;
  approved: Array<[number, number]>;
  /** 1 for a people-record, 0 for an identity an event carried (not counted by maxClusterSize). */
  counted: Uint8Array;
  generic: GenericValues;
}

export interface ExplainedPair {
  a: number;
  b: number;
  score: number;
  fieldScores: Readonly<Record<string, number>>;
}

/** Why two records were merged, by their keys. */
export interface MergeExplanation {
  a: string;
  b: string;
  rule: string;
  score: number;
  fieldScores: Readonly<Record<string, number>>;
}

export interface Clustering {
  /** Per record, the index of its cluster's root. */
  root: Int32Array;
  /** The merges made, in the order they were made (each cluster's spanning tree). */
  merges: MergeExplanation[];
  /** The first record of each merge, by index. */
  mergedAt: Int32Array;
  /** One review per pair of clusters, the best scoring. */
  reviews: Array<ExplainedPair & { reason: string }>;
}

const F_FORBIDDEN = 8;
const F_APPROVED = 16;

export function clusterScored(input: ClusterInput): Clustering {
  const { records, keys, a: pairA, b: pairB, rules, generic, scores } = input;
  const n = records.length;
  const m = pairA.length;
  const c = compileRules(rules);
  const guards = rules.guards;
  const forbidden = new Set(input.forbidden.map(([i, j]) => i * n + j));
  const approved = new Set(input.approved.map(([i, j]) => i * n + j));
  const forbidByRec = new Map<number, number[]>();
  for (const [i, j] of input.forbidden) {
    (forbidByRec.get(i) ?? forbidByRec.set(i, []).get(i)!).push(j);
    (forbidByRec.get(j) ?? forbidByRec.set(j, []).get(j)!).push(i);
  }

  // decide
  const flags = input.flags; // the scores' own bits, to which the people's decisions are added here
  const mergeEdges: number[] = [];
  const reviewPairs: number[] = [];
  for (let k = 0; k < m; k++) {
    const code = pairA[k]! * n + pairB[k]!;
    let fl = flags[k]!;
    if (forbidden.size > 0 && forbidden.has(code)) fl |= F_FORBIDDEN;
    if (approved.size > 0 && approved.has(code)) fl |= F_APPROVED;
    flags[k] = fl;
    if (fl & F_FORBIDDEN) continue;
    const d = fl & F_APPROVED ? 'merge' : decide(c, scores[k]!, fl);
    if (d === 'merge') mergeEdges.push(k);
    else if (d === 'review') reviewPairs.push(k);
  }

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

  // clustering: approvals, then strong edges, then weak ones, each by decreasing score
  const rank = (k: number): number => (flags[k]! & F_APPROVED ? 2 : isStrong(c, scores[k]!, flags[k]!) ? 1 : 0);
  const ranks = new Uint8Array(m);
  for (const k of mergeEdges) ranks[k] = rank(k);
  mergeEdges.sort((x, y) => ranks[y]! - ranks[x]! || scores[y]! - scores[x]! || x - y);

  const parent = new Int32Array(n);
  const size = new Int32Array(n).fill(1);
  const counted = Int32Array.from(input.counted);
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

  // reviews: one per pair of clusters, the best scoring
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

  // explanations, scored again for the few pairs that need one instead of kept for every pair
  const buf = scoreBuffers(c);
  const f1 = new Uint8Array(1);
  const explain = (k: number): ExplainedPair => {
    const s = scoreInto(c, records[pairA[k]!]!, records[pairB[k]!]!, generic, buf, f1);
    return { a: pairA[k]!, b: pairB[k]!, score: round(s), fieldScores: fieldScores(c, buf) };
  };
  const reviews: Clustering['reviews'] = [];
  for (const { k, reason } of bestReview.values()) {
    const pair = explain(k);
    const why = reason === 'conflict guard' ? reasons(c, buf, f1[0]!).filter((r) => r.startsWith('guard '))[0] ?? reason : reason;
    reviews.push({ ...pair, reason: why });
  }
  const outcomes = input.outcomes;
  const merges: MergeExplanation[] = merged.map((k) => {
    const slot = outcomes ? slotOf(outcomes, k) : -1;
    const score = slot >= 0 ? replayOutcome(c, outcomes!, slot, buf) : scoreInto(c, records[pairA[k]!]!, records[pairB[k]!]!, generic, buf, f1);
    const rule = flags[k]! & F_APPROVED ? 'approved' : ruleName(c, buf);
    return { a: keys[pairA[k]!]!, b: keys[pairB[k]!]!, rule, score: round(score), fieldScores: fieldScores(c, buf) };
  });
  const root = new Int32Array(n);
  for (let i = 0; i < n; i++) root[i] = find(i);
  return { root, merges, mergedAt: Int32Array.from(merged, (k) => pairA[k]!), reviews };
}

/**
 * Records reduced to what the rules compare, one JSON array per field: a structured clone copies
 * a long string at memory speed, where 700k record objects take ~6 s, and that copy is what
 * decides whether scoring in another thread is worth it.
 */
export interface PackedRecords {
  count: number;
  /** Field name → JSON array of the field's value per record (null when absent). */
  columns: Record<string, string>;
}

export function packRecords(records: readonly CleanRecord[], rules: MatchRules): PackedRecords {
  const columns: Record<string, string> = {};
  for (const f of fieldsScored(rules)) columns[f] = JSON.stringify(records.map((r) => r[f] ?? null));
  return { count: records.length, columns };
}

/** The records back from their columns, with the compared fields only (enough to score them). */
export function unpackRecords(packed: PackedRecords): CleanRecord[] {
  const out = Array.from({ length: packed.count }, () => ({}) as Record<string, unknown>);
  for (const [f, json] of Object.entries(packed.columns)) {
    const values = JSON.parse(json) as unknown[];
    for (let i = 0; i < packed.count; i++) if (values[i] !== null) out[i]![f] = values[i];
  }
  return out as unknown as CleanRecord[];
}
