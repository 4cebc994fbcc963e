/**
 * The comparator outcomes of the pairs that may need explaining, kept while they are scored.
 * Clustering explains every merge it makes (hundreds of thousands in a big batch); scoring a pair
 * again means reading its two records again from anywhere in the heap, where replaying its kept
 * levels reads a few bytes in order. Kept: each comparator's level, which comparators agreed
 * completely (for the rule's name), and the weights of comparators weighed by term frequency
 * (their weight depends on the value, not on the level alone).
 */
import { levelWeight, type CompiledRules, type ScoreBuffers } from './score.ts';

export interface Outcomes {
  /** Pair indexes, ascending. */
  pair: Int32Array;
  /** Per kept pair, each comparator's level (ScoreBuffers.level). */
  level: Int8Array;
  /** Per kept pair, bit i: comparator i's similarity reached 1. */
  complete: Uint32Array;
  /** Per kept pair, the weight of each term-frequency comparator. */
  tfWeight: Float64Array;
}

/** Complete-agreement bits fit a 32-bit mask: rules with more comparators are scored again instead. */
const MAX_COMPARATORS = 32;

const tfCache = new WeakMap<CompiledRules, number[]>();
/** The comparators weighed by term frequency, by index. */
function tfComparators(c: CompiledRules): number[] {
  let tf = tfCache.get(c);
  if (!tf) tfCache.set(c, (tf = c.comparators.flatMap((cmp, i) => (cmp.tfWeight ? [i] : []))));
  return tf;
}

export class OutcomeRecorder {
  private readonly n: number;
  private readonly tf: number[];
  private size = 0;
  private out: Outcomes;

  constructor(c: CompiledRules, capacity: number) {
    this.n = c.comparators.length;
    this.tf = tfComparators(c);
    this.out = this.allocate(Math.max(16, capacity));
  }

  static usable(c: CompiledRules): boolean {
    return c.comparators.length <= MAX_COMPARATORS;
  }

  keep(k: number, buf: ScoreBuffers): void {
    if (this.size === this.out.pair.length) this.grow();
    const s = this.size++;
    const o = this.out;
    o.pair[s] = k;
    let complete = 0;
    for (let i = 0; i < this.n; i++) {
      o.level[s * this.n + i] = buf.level[i]!;
      if (buf.sim[i]! >= 1) complete |= 1 << i;
    }
    o.complete[s] = complete >>> 0;
    for (let t = 0; t < this.tf.length; t++) o.tfWeight[s * this.tf.length + t] = buf.weight[this.tf[t]!]!;
  }

  /** What was kept, as views of the buffers (no copy at the batch's peak memory). */
  done(): Outcomes {
    const s = this.size;
    const o = this.out;
    return { pair: o.pair.subarray(0, s), level: o.level.subarray(0, s * this.n), complete: o.complete.subarray(0, s), tfWeight: o.tfWeight.subarray(0, s * this.tf.length) };
  }

  private allocate(slots: number): Outcomes {
    return { pair: new Int32Array(slots), level: new Int8Array(slots * this.n), complete: new Uint32Array(slots), tfWeight: new Float64Array(slots * this.tf.length) };
  }

  private grow(): void {
    const next = this.allocate(this.out.pair.length * 2);
    next.pair.set(this.out.pair);
    next.level.set(this.out.level);
    next.complete.set(this.out.complete);
    next.tfWeight.set(this.out.tfWeight);
    this.out = next;
  }
}

/** The outcomes of consecutive ranges as one, each range's pairs shifted by where it starts. */
export function joinOutcomes(parts: Array<{ outcomes: Outcomes; from: number }>): Outcomes {
  const total = (f: (o: Outcomes) => { length: number }) => parts.reduce((sum, p) => sum + f(p.outcomes).length, 0);
  const out: Outcomes = { pair: new Int32Array(total((o) => o.pair)), level: new Int8Array(total((o) => o.level)), complete: new Uint32Array(total((o) => o.complete)), tfWeight: new Float64Array(total((o) => o.tfWeight)) };
  const at = { pair: 0, level: 0, tfWeight: 0 };
  for (const { outcomes: o, from } of parts) {
    for (let s = 0; s < o.pair.length; s++) out.pair[at.pair + s] = o.pair[s]! + from;
    out.complete.set(o.complete, at.pair);
    out.level.set(o.level, at.level);
    out.tfWeight.set(o.tfWeight, at.tfWeight);
    at.pair += o.pair.length;
    at.level += o.level.length;
    at.tfWeight += o.tfWeight.length;
  }
  return out;
}

/** The slot pair `k` was kept in, or -1. */
export function slotOf(o: Outcomes, k: number): number {
  let lo = 0;
  let hi = o.pair.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const p = o.pair[mid]!;
    if (p === k) return mid;
    if (p < k) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Puts a kept pair's outcome back into `buf` as scoreInto left it, for ruleName and fieldScores
 * (a similarity reads 1 where it reached 1, else 0: all they ask of it), and returns the score,
 * summed in scoreInto's order so it is the same number.
 */
export function replayOutcome(c: CompiledRules, o: Outcomes, slot: number, buf: ScoreBuffers): number {
  const n = c.comparators.length;
  const tf = tfComparators(c);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const cmp = c.comparators[i]!;
    const l = o.level[slot * n + i]!;
    const t = cmp.tfWeight ? tf.indexOf(i) : -1;
    const w = t >= 0 ? o.tfWeight[slot * tf.length + t]! : levelWeight(cmp, l);
    buf.level[i] = l;
    buf.weight[i] = w;
    buf.sim[i] = (o.complete[slot]! >>> i) & 1;
    total += w;
  }
  return total;
}
