/** Pairwise and B-cubed precision/recall/F1 of a clustering against truth ids. */

export interface Scores {
  precision: number;
  recall: number;
  f1: number;
}

export interface Evaluation {
  pairwise: Scores & { truePairs: number; predictedPairs: number; correctPairs: number };
  bcubed: Scores;
  /** Share of true entities whose records form exactly one predicted cluster, alone. */
  perfect: number;
}

const f1 = (p: number, r: number): number => (p + r === 0 ? 0 : (2 * p * r) / (p + r));
const c2 = (k: number): number => (k * (k - 1)) / 2;

/** `clusters` are lists of record keys; `truth` maps every record key to its entity id. */
export function evaluate(clusters: string[][], truth: Map<string, string>): Evaluation {
  let predictedPairs = 0;
  let correctPairs = 0;
  let bp = 0;
  let br = 0;
  const truthSize = new Map<string, number>();
  for (const t of truth.values()) truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
  let truePairs = 0;
  for (const s of truthSize.values()) truePairs += c2(s);
  const perfectEntities = new Set<string>();
  for (const cl of clusters) {
    predictedPairs += c2(cl.length);
    const cells = new Map<string, number>();
    for (const k of cl) {
      const t = truth.get(k);
      if (t === undefined) throw new Error(`no truth for ${k}`);
      cells.set(t, (cells.get(t) ?? 0) + 1);
    }
    for (const [t, k] of cells) {
      correctPairs += c2(k);
      bp += (k * k) / cl.length;
      br += (k * k) / truthSize.get(t)!;
      if (cells.size === 1 && k === truthSize.get(t)) perfectEntities.add(t);
    }
  }
  const n = truth.size;
  const p = predictedPairs === 0 ? 1 : correctPairs / predictedPairs;
  const r = truePairs === 0 ? 1 : correctPairs / truePairs;
  return {
    pairwise: { precision: p, recall: r, f1: f1(p, r), truePairs, predictedPairs, correctPairs },
    bcubed: { precision: bp / n, recall: br / n, f1: f1(bp / n, br / n) },
    perfect: perfectEntities.size / truthSize.size,
  };
}

export function formatEvaluation(name: string, e: Evaluation, extra = ''): string {
  const f = (x: number): string => x.toFixed(4);
  return (
    `${name}: pairwise P ${f(e.pairwise.precision)} R ${f(e.pairwise.recall)} F1 ${f(e.pairwise.f1)}` +
    ` (true ${e.pairwise.truePairs}, predicted ${e.pairwise.predictedPairs}, correct ${e.pairwise.correctPairs})` +
    ` | B-cubed P ${f(e.bcubed.precision)} R ${f(e.bcubed.recall)} F1 ${f(e.bcubed.f1)} | perfectly resolved ${(e.perfect * 100).toFixed(1)}%${extra}`
  );
}

/**
 * Blocking recall: the share of true pairs (two records of one entity) that blocking made a
 * candidate pair, so the scorer saw them at all; what blocking misses no weight can join.
 * `pairs` index `keys` (resolve's `keepPairs`); records without truth are left out.
 */
export function blockingRecall(keys: string[], pairs: { a: Int32Array; b: Int32Array }, truth: Map<string, string>): { reached: number; truePairs: number; recall: number } {
  const size = new Map<string, number>();
  for (const k of keys) {
    const t = truth.get(k);
    if (t !== undefined) size.set(t, (size.get(t) ?? 0) + 1);
  }
  let truePairs = 0;
  for (const s of size.values()) truePairs += c2(s);
  let reached = 0;
  for (let i = 0; i < pairs.a.length; i++) {
    const ta = truth.get(keys[pairs.a[i]!]!);
    if (ta !== undefined && ta === truth.get(keys[pairs.b[i]!]!)) reached++;
  }
  return { reached, truePairs, recall: truePairs === 0 ? 1 : reached / truePairs };
}

export function formatBlockingRecall(b: ReturnType<typeof blockingRecall>, of = ''): string {
  return ` | blocking recall ${b.recall.toFixed(4)} (${b.reached} of ${b.truePairs} true pairs${of} compared)`;
}
