/**
 * Match weights learned from the records themselves (Fellegi–Sunter, without labels, as Splink
 * estimates them):
 *
 * - u, how often a comparator's outcome (level, or `else`) occurs for two different people: the
 *   outcome shares among random record pairs, nearly all of which are different people.
 * - m, how often it occurs for the same person: expectation maximisation over the pairs each
 *   blocking rule produces, one session per rule. A session leaves out the comparators on the
 *   rule's own fields (they agree there by construction) and keeps u fixed; a comparator's m is
 *   the average over the sessions that estimated it. Pairs a steward decided (approved or
 *   rejected reviews) keep their known answer in every step.
 * - weight = log2(m / u) for every level and `else`; `missing` stays as written (no evidence).
 * - term frequencies: for name, birth date and city, the values more common than the average
 *   exact agreement get their own share, so agreeing on 张伟 weighs less than on a rare name.
 * - prior: log2 odds that two random records are the same person, from the expected matches
 *   among the blocked pairs; the thresholds become match probabilities.
 *
 * A comparator the data says nothing about (a field no record has, a session without pairs)
 * keeps the weights it was given, so hand-set rules and learned ones mix.
 */
import type { CleanRecord } from '../model.ts';
import { forEachBlockedPair } from './blocking.ts';
import { recordKey } from './keys.ts';
import { matchProbability, scoreForProbability, type BlockingKey, type Comparator, type FieldPath, type KeyPart, type MatchRules, type MatchRulesInput } from './rules.ts';
import { compileRules, round, scoreBuffers, scoreInto, tfValueOf } from './score.ts';
import { seededRandom } from '../random.ts';

export interface LearnOptions {
  /** Random pairs drawn for u (default 1,000,000, as Splink: fewer leave rare agreements to chance). */
  randomPairs?: number;
  /** Most blocked pairs one EM session looks at (default 200,000, taken evenly when there are more). */
  sessionPairs?: number;
  /** EM iterations at most (default 40; stops earlier once m moves less than 1e-4). */
  iterations?: number;
  /** Seed of the random pairs: the same records and seed give the same rules. */
  seed?: number;
  /** Pairs a person decided, by record key. */
  labels?: Array<{ a: string; b: string; match: boolean }>;
  /** Cuts as match probabilities (default: the rules' own, else DEFAULT_MATCH_PROBABILITY). */
  matchProbability?: { autoMerge: number; review: number };
}

export interface LearnedOutcome {
  label: string;
  m: number;
  u: number;
  weight: number;
}

export interface LearnedComparatorReport {
  id: string;
  /** learned, or why the given weights were kept. */
  status: 'learned' | 'no values to compare' | 'no session estimated it';
  /** Levels in order, then `else`. */
  outcomes: LearnedOutcome[];
  /** Common values given their own share (term frequencies). */
  commonValues: number;
}

export interface LearnReport {
  records: number;
  randomPairs: number;
  sessions: Array<{ blocking: string; pairs: number; matchShare: number; iterations: number; leftOut: string[] }>;
  /** log2 odds that two random records are the same person. */
  prior: number;
  /** Expected same-person pairs among the blocked pairs. */
  expectedMatches: number;
  /** Pairs a person decided that were among the records. */
  labelledPairs: number;
  /** The cuts the thresholds now stand for. */
  matchProbability: { autoMerge: number; review: number };
  comparators: LearnedComparatorReport[];
}

/** Splink's customary cut for a match, and a coin toss for a second look. */
export const DEFAULT_MATCH_PROBABILITY = { autoMerge: 0.9, review: 0.5 };
const SMOOTHING = 0.5;
const TF_FIELDS_USED = new Set<FieldPath>(['name', 'birthDate', 'city']);
const MAX_TF_VALUES = 300;
/** A comparator with fewer compared random pairs than this keeps its given weights. */
export const MIN_COMPARED = 30;

/** The comparator fields a blocking key part fixes: comparing them inside its blocks says nothing. */
function fieldsOfPart(p: KeyPart): FieldPath[] {
  if (p === 'phone') return ['phones'];
  if (p === 'email' || p === 'memberId' || p === 'gender' || p === 'city' || p === 'province') return [p];
  if (p === 'externalIds.*' || p.startsWith('externalIds.')) return ['externalIds.*', p as FieldPath];
  if (p.startsWith('birth')) return ['birthDate'];
  return ['name', 'nameKey', 'namePinyin'];
}

function leftOut(def: BlockingKey, comparators: Comparator[]): boolean[] {
  const fixed = new Set(def.parts.flatMap((p) => fieldsOfPart(p as KeyPart)));
  return comparators.map((c) => fixed.has(c.field as FieldPath));
}

/**
 * Outcome vectors (per comparator: 0..levels-1, levels = else, -1 = a side is missing), identical ones counted once: EM then runs over a few thousand patterns, however many
 * pairs. A vector is keyed by a number (outcome + 1 as a base-16 digit per comparator) while it
 * fits in one, else by its text.
 */
class Patterns {
  readonly patterns: Int8Array[] = [];
  readonly counts: number[] = [];
  /** Labelled vectors: their answer is known. */
  known: Array<{ outcomes: Int8Array; match: boolean }> = [];
  private readonly index = new Map<number | string, number>();

  add(o: Int8Array): void {
    let key: number | string = 0;
    for (let i = 0; i < o.length; i++) {
      const digit = o[i]! + 1;
      if (o.length > 13 || digit > 15) {
        key = o.join(',');
        break;
      }
      key = key * 16 + digit;
    }
    const at = this.index.get(key);
    if (at === undefined) {
      this.index.set(key, this.patterns.length);
      this.patterns.push(o.slice());
      this.counts.push(1);
    } else this.counts[at]!++;
  }
}

function likelihood(o: Int8Array, probs: number[][], active: boolean[]): number {
  let p = 1;
  for (let i = 0; i < o.length; i++) if (active[i] && o[i]! >= 0) p *= probs[i]![o[i]!]!;
  return p;
}

/** EM for m with u fixed: returns m per comparator (undefined where the session says nothing), λ and the iterations run. */
function expectationMaximisation(s: Patterns, m0: number[][], u: number[][], active: boolean[], maxIterations: number): { m: Array<number[] | undefined>; lambda: number; iterations: number } {
  let m = m0.map((x) => x.slice());
  let lambda = 0.3;
  let it = 0;
  let mass: number[] = [];
  for (; it < maxIterations; it++) {
    const acc = m.map((x) => new Array<number>(x.length).fill(0));
    mass = m.map(() => 0);
    let matches = 0;
    let total = 0;
    const add = (o: Int8Array, w: number): void => {
      for (let i = 0; i < o.length; i++) {
        if (!active[i] || o[i]! < 0) continue;
        acc[i]![o[i]!]! += w;
        mass[i]! += w;
      }
    };
    s.patterns.forEach((o, k) => {
      const pm = lambda * likelihood(o, m, active);
      const pu = (1 - lambda) * likelihood(o, u, active);
      const p = pm + pu > 0 ? pm / (pm + pu) : 0;
      const c = s.counts[k]!;
      matches += p * c;
      total += c;
      add(o, p * c);
    });
    for (const k of s.known) {
      if (k.match) add(k.outcomes, 1);
      matches += k.match ? 1 : 0;
      total++;
    }
    const next = acc.map((a, i) => (mass[i]! > 0 ? a.map((x) => (x + SMOOTHING / a.length) / (mass[i]! + SMOOTHING)) : m[i]!));
    let moved = 0;
    next.forEach((x, i) => x.forEach((v, l) => (moved = Math.max(moved, Math.abs(v - m[i]![l]!)))));
    m = next;
    lambda = Math.min(0.999, Math.max(1e-6, matches / Math.max(1, total)));
    if (moved < 1e-4) {
      it++;
      break;
    }
  }
  return { m: m.map((x, i) => (active[i] && mass[i]! >= MIN_COMPARED / 10 ? x : undefined)), lambda, iterations: it };
}

/** The outcome labels of a comparator: its levels, then else. */
function outcomeLabels(c: Comparator): string[] {
  return [...c.levels.map((l, i) => l.label ?? `level ${i}`), 'different'];
}

/** Learns m, u, weights, term frequencies and the prior from `records`; returns rules to write and what was found. */
export function learnWeights(records: CleanRecord[], rules: MatchRules, opts: LearnOptions = {}): { rules: MatchRulesInput; report: LearnReport } {
  const n = records.length;
  const compiled = compileRules(rules);
  const comparators = [...rules.exact, ...rules.fuzzy];
  const k = comparators.length;
  const buf = scoreBuffers(compiled);
  const flag = new Uint8Array(1);
  const next = seededRandom(`learn:${opts.seed ?? 1}`);

  // blocking (also finds the generic values the comparators must ignore)
  const perDefinition: number[][] = rules.blocking.map(() => []);
  const blocked = forEachBlockedPair(records, rules, (code, d) => perDefinition[d]!.push(code));
  /** The pair's outcomes, in a buffer the next call overwrites. */
  const outcomesOf = (i: number, j: number): Int8Array => {
    scoreInto(compiled, records[i]!, records[j]!, blocked.generic, buf, flag);
    return buf.level;
  };

  // u from random pairs
  const randomPairs = n < 2 ? 0 : Math.min(opts.randomPairs ?? 1_000_000, (n * (n - 1)) / 2);
  const random = new Patterns();
  for (let p = 0; p < randomPairs; p++) {
    const i = Math.floor(next() * n);
    let j = Math.floor(next() * (n - 1));
    if (j >= i) j++;
    random.add(outcomesOf(i, j));
  }
  const compared = comparators.map((_, c) => random.patterns.reduce((x, o, p) => x + (o[c]! >= 0 ? random.counts[p]! : 0), 0));
  const u = uFrom(random, comparators, () => 0);
  // m to start from: what the given weights say (m ∝ u·2^weight)
  const m0 = comparators.map((c, ci) => {
    const raw = outcomeWeights(c).map((w, l) => u[ci]![l]! * 2 ** w);
    const sum = raw.reduce((a, b) => a + b, 0);
    return raw.map((x) => x / sum);
  });

  const keyIndex = new Map<string, number>();
  if (opts.labels?.length) records.forEach((r, i) => keyIndex.set(recordKey(r), i));
  const known = (opts.labels ?? []).flatMap((l) => {
    const i = keyIndex.get(l.a);
    const j = keyIndex.get(l.b);
    return i === undefined || j === undefined || i === j ? [] : [{ outcomes: outcomesOf(i, j).slice(), match: l.match }];
  });

  // m by EM, one session per blocking rule
  const maxPairs = opts.sessionPairs ?? 200_000;
  const sums = comparators.map((c) => new Array<number>(c.levels.length + 1).fill(0));
  const estimates = new Array<number>(k).fill(0);
  const sessions: LearnReport['sessions'] = [];
  // the sessions' pairs, and every distinct blocked pair: the prior scales the first's match share to the second
  const union = new Set<number>();
  const blockedPairs = new Set<number>();
  rules.blocking.forEach((def, d) => {
    const codes = [...new Set(perDefinition[d])].sort((a, b) => a - b);
    perDefinition[d] = [];
    for (const code of codes) blockedPairs.add(code);
    const step = Math.max(1, codes.length / maxPairs);
    const taken: number[] = [];
    for (let x = 0; x < codes.length; x += step) taken.push(codes[Math.floor(x)]!);
    for (const code of taken) union.add(code);
    const out = leftOut(def, comparators);
    if (taken.length === 0) return;
    const session = new Patterns();
    for (const code of taken) session.add(outcomesOf(Math.floor(code / n), code % n));
    session.known = known;
    const active = out.map((x) => !x);
    const r = expectationMaximisation(session, m0, u, active, opts.iterations ?? 40);
    r.m.forEach((x, c) => {
      if (!x) return;
      x.forEach((v, l) => (sums[c]![l]! += v));
      estimates[c]!++;
    });
    sessions.push({ blocking: def.id, pairs: taken.length, matchShare: r.lambda, iterations: r.iterations, leftOut: comparators.filter((_, c) => out[c]).map((c) => c.id) });
  });

  const m = comparators.map((c, ci) => (estimates[ci]! > 0 ? sums[ci]!.map((x) => x / estimates[ci]!) : undefined));
  const status = comparators.map((_, ci): LearnedComparatorReport['status'] => (compared[ci]! < MIN_COMPARED ? 'no values to compare' : !m[ci] ? 'no session estimated it' : 'learned'));
  const tf = comparators.map((c, ci) => (status[ci] === 'learned' && TF_FIELDS_USED.has(c.field as FieldPath) ? termFrequencies(records, c, u[ci]![0]!) : undefined));
  const unionOutcomes = new Patterns();
  for (const code of union) unionOutcomes.add(outcomesOf(Math.floor(code / n), code % n));
  const totalPairs = (n * (n - 1)) / 2;
  // Random pairs include the same person now and then, and where matches are most of the
  // agreement (a phone number) they would make agreeing look common. Once the prior is known,
  // each random pair counts toward u by its probability of being two different people; a few
  // rounds settle it, and the weights written are those of the last u.
  const build = () => comparators.map((c, ci) => (status[ci] === 'learned' ? withWeights(c, m[ci]!, u[ci]!, tf[ci]) : c));
  const priorOf = (expected: number) => Math.log2(Math.max(1, expected) / Math.max(1, totalPairs - expected));
  let learned = build();
  let expectedMatches = blockedMatchShare(unionOutcomes, learned) * blockedPairs.size;
  for (let round_ = 0; round_ < 3; round_++) {
    const prior = priorOf(expectedMatches);
    const weights = learned.map(outcomeWeights);
    const corrected = uFrom(random, comparators, (o) => matchProbability(scoreOf(o, weights), prior));
    corrected.forEach((uc, ci) => status[ci] === 'learned' && (u[ci] = uc));
    learned = build();
    expectedMatches = blockedMatchShare(unionOutcomes, learned) * blockedPairs.size;
  }
  const reports: LearnedComparatorReport[] = comparators.map((c, ci) => {
    const used = learned[ci]!;
    return {
      id: c.id,
      status: status[ci]!,
      outcomes: outcomeLabels(c).map((label, l) => ({ label, m: (m[ci] ?? m0[ci]!)[l]!, u: u[ci]![l]!, weight: l < used.levels.length ? used.levels[l]!.weight : used.else })),
      commonValues: tf[ci] ? Object.keys(tf[ci]).length : 0,
    };
  });

  const byId = new Map(learned.map((c) => [c.id, c]));
  const draft = { ...rules, exact: rules.exact.map((c) => byId.get(c.id)!), fuzzy: rules.fuzzy.map((c) => byId.get(c.id)!) };
  const prior = round(priorOf(expectedMatches));
  const cuts = opts.matchProbability ?? rules.thresholds.matchProbability ?? DEFAULT_MATCH_PROBABILITY;
  const strongMargin = rules.guards.chaining.strongScore - rules.thresholds.autoMerge;
  const autoMerge = scoreForProbability(cuts.autoMerge, prior);
  const out: MatchRulesInput = {
    ...draft,
    description: `${(rules.description ?? '').replace(/ Weights learned .*$/, '')} Weights learned from ${n} records (m by EM over blocked pairs, u from ${randomPairs} random pairs).`.trim(),
    prior,
    thresholds: { matchProbability: cuts },
    guards: { ...rules.guards, chaining: { ...rules.guards.chaining, strongScore: round(Math.max(rules.guards.chaining.strongScore, autoMerge + strongMargin)) } },
  };
  return { rules: out, report: { records: n, randomPairs, sessions, prior, expectedMatches: Math.round(expectedMatches), labelledPairs: known.length, matchProbability: cuts, comparators: reports } };
}

/** A deterministic sample of at most `size`: the records whose position lands on an even stride. */
export function evenSample<T>(records: T[], size: number | undefined): T[] {
  if (size === undefined || records.length <= size) return records;
  const step = records.length / size;
  return Array.from({ length: size }, (_, i) => records[Math.floor(i * step)]!);
}

/** Whether anything was learned: at least one comparator had pairs to learn from. */
export function learnedAnything(report: LearnReport): boolean {
  return report.comparators.some((c) => c.status === 'learned');
}

/** u per comparator from the random pairs, each counted by its probability of being two different people (1 − matchProbability). */
function uFrom(random: Patterns, comparators: Comparator[], matchProbability: (o: Int8Array) => number): number[][] {
  const acc = comparators.map((c) => new Array<number>(c.levels.length + 1).fill(0));
  const mass = new Array<number>(comparators.length).fill(0);
  random.patterns.forEach((o, p) => {
    const w = random.counts[p]! * (1 - matchProbability(o));
    for (let c = 0; c < o.length; c++) {
      if (o[c]! < 0) continue;
      acc[c]![o[c]!]! += w;
      mass[c]! += w;
    }
  });
  return acc.map((a, c) => a.map((x) => (x + SMOOTHING / a.length) / (mass[c]! + SMOOTHING)));
}

/** The comparator with weights log2(m/u), its m and u written beside them, and term frequencies when given. */
function withWeights(c: Comparator, m: number[], u: number[], tf: Record<string, number> | undefined): Comparator {
  const weight = (l: number): number => round(Math.log2(m[l]! / u[l]!));
  const out: Comparator = {
    ...c,
    levels: c.levels.map((level, l) => ({ ...level, weight: weight(l), m: prob(m[l]!), u: prob(u[l]!) })),
    else: weight(c.levels.length),
    elseM: prob(m[c.levels.length]!),
    elseU: prob(u[c.levels.length]!),
  };
  if (tf) out.tf = tf;
  else delete out.tf;
  return out;
}

/** A comparator's weight per outcome: its levels, then else. */
function outcomeWeights(c: Comparator): number[] {
  return [...c.levels.map((l) => l.weight), c.else];
}

/** The score of an outcome vector: the sum of its outcomes' weights (a missing side adds nothing). */
function scoreOf(o: Int8Array, weights: number[][]): number {
  let score = 0;
  for (let i = 0; i < o.length; i++) if (o[i]! >= 0) score += weights[i]![o[i]!]!;
  return score;
}

/** λ over the union of blocked pairs with m and u fixed (EM on λ alone). */
function blockedMatchShare(session: Patterns, comparators: Comparator[]): number {
  const total = session.counts.reduce((x, y) => x + y, 0);
  if (total === 0) return 0;
  const weights = comparators.map(outcomeWeights);
  const ratio = session.patterns.map((o) => 2 ** scoreOf(o, weights));
  let lambda = 0.1;
  for (let it = 0; it < 100; it++) {
    let matches = 0;
    session.patterns.forEach((_, k) => {
      const odds = (lambda / (1 - lambda)) * ratio[k]!;
      matches += (odds / (1 + odds)) * session.counts[k]!;
    });
    const nextLambda = Math.min(0.999, Math.max(1e-9, matches / total));
    if (Math.abs(nextLambda - lambda) < 1e-7) return nextLambda;
    lambda = nextLambda;
  }
  return lambda;
}

/** Values of the comparator's field more common than its average exact agreement (u of the first level), with their share. */
function termFrequencies(records: CleanRecord[], c: Comparator, averageU: number): Record<string, number> | undefined {
  const count = new Map<string, number>();
  const valueOf = tfValueOf(c);
  let total = 0;
  for (const r of records) {
    const v = valueOf(r);
    if (!v) continue;
    total++;
    count.set(v, (count.get(v) ?? 0) + 1);
  }
  const common = [...count]
    .map(([v, x]) => [v, x / total] as const)
    .filter(([, share]) => share > 2 * averageU && share < 1)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_TF_VALUES);
  return common.length > 0 ? Object.fromEntries(common.map(([v, share]) => [v, prob(share)])) : undefined;
}

/** Probabilities to four significant digits: readable in a diff, precise enough for a weight. */
function prob(x: number): number {
  return Number(x.toPrecision(4));
}
