/**
 * Pair scoring: compiles the rules once into comparator closures, scores a pair into reusable
 * buffers, and turns a score into a decision. Shared by the batch resolver and check-on-entry.
 */
import type { CleanRecord } from '../model.ts';
import type { Comparator, FieldPath, MatchRules, SimilarityName } from './rules.ts';
import { addressSimilarity, dateSimilarity, jaroWinkler, levenshteinRatio, nameSimilarity, tokenSimilarity } from './similarity.ts';

type Rec = Partial<CleanRecord>;

/** Identifier values found to be generic (shared by many different people): never evidence. */
export interface GenericValues {
  phones: Set<string>;
  email: Set<string>;
  memberId: Set<string>;
  /** `name=value` */
  externalIds: Set<string>;
  /**
   * Numbers several people use (a household): agreeing on one links two records only when both
   * carry a name, which then decides; by itself it links nobody.
   */
  sharedPhones?: Set<string>;
}

/** The identifier kinds a value can be generic in. */
export type GenericField = 'phones' | 'email' | 'memberId' | 'externalIds';

export function emptyGeneric(): GenericValues {
  return { phones: new Set(), email: new Set(), memberId: new Set(), externalIds: new Set() };
}

/** The similarity of a pair on one comparator, -1 when a side lacks the field or its value is generic. */
const MISSING = -1;

/**
 * Writes the pair's similarity in [0, 1] (or MISSING) to `out[i]` instead of returning it: a
 * fraction returned from a call the optimizer cannot inline is a heap allocation, and a batch
 * makes tens of millions of these calls.
 */
type Sim = (a: Rec, b: Rec, g: GenericValues, out: Float64Array, i: number) => void;

const stringSim: Record<Exclude<SimilarityName, 'name' | 'date'>, (a: string, b: string) => number> = {
  exact: (a, b) => (a === b ? 1 : 0),
  levenshtein: levenshteinRatio,
  jaroWinkler,
  tokens: tokenSimilarity,
  address: addressSimilarity,
};

function similarityFor(c: Comparator): Sim {
  const f = c.field as FieldPath;
  if (c.similarity === 'name')
    return (a, b, _g, out, i) => {
      out[i] = nameSimilarity(a.nameKey, b.nameKey, a.namePinyin, b.namePinyin) ?? MISSING;
    };
  const fn = c.similarity === 'date' ? dateSimilarity : stringSim[c.similarity];
  switch (f) {
    case 'phones':
      return (a, b, g, out, i) => {
        const pa = a.phones;
        const pb = b.phones;
        out[i] = MISSING;
        if (!pa || !pb || pa.length === 0 || pb.length === 0) return;
        const unnamed = (!a.nameKey && !a.namePinyin) || (!b.nameKey && !b.namePinyin);
        for (const x of pa) {
          if (g.phones.has(x) || (unnamed && g.sharedPhones?.has(x))) continue;
          for (const y of pb) {
            if (g.phones.has(y) || (unnamed && g.sharedPhones?.has(y))) continue;
            const s = x === y ? 1 : fn(x, y);
            if (s > out[i]!) out[i] = s;
          }
        }
      };
    case 'email':
      return (a, b, g, out, i) => {
        const x = a.email?.toLowerCase();
        const y = b.email?.toLowerCase();
        out[i] = !x || !y || g.email.has(x) || g.email.has(y) ? MISSING : x === y ? 1 : fn(x, y);
      };
    case 'memberId':
      return (a, b, g, out, i) => {
        const x = a.memberId;
        const y = b.memberId;
        out[i] = !x || !y || g.memberId.has(x) || g.memberId.has(y) ? MISSING : x === y ? 1 : fn(x, y);
      };
    case 'externalIds.*':
      return (a, b, g, out, i) => {
        const ea = a.externalIds;
        const eb = b.externalIds;
        out[i] = MISSING;
        if (!ea || !eb) return;
        for (const k in ea) {
          const x = ea[k];
          const y = eb[k];
          if (!x || !y || g.externalIds.has(`${k}=${x}`) || g.externalIds.has(`${k}=${y}`)) continue;
          const s = x === y ? 1 : fn(x, y);
          if (s > out[i]!) out[i] = s;
        }
      };
    case 'name':
    case 'nameKey':
    case 'namePinyin':
    case 'birthDate':
    case 'gender':
    case 'address':
    case 'province':
    case 'city':
      return (a, b, _g, out, i) => {
        const x = a[f];
        const y = b[f];
        out[i] = !x || !y ? MISSING : x === y ? 1 : fn(x, y);
      };
    default: {
      const k = f.slice('externalIds.'.length);
      return (a, b, g, out, i) => {
        const x = a.externalIds?.[k];
        const y = b.externalIds?.[k];
        out[i] = !x || !y || g.externalIds.has(`${k}=${x}`) || g.externalIds.has(`${k}=${y}`) ? MISSING : x === y ? 1 : fn(x, y);
      };
    }
  }
}

/** The record fields scoring with these rules reads (what similarityFor's comparators look at). */
export function fieldsScored(rules: MatchRules): Set<keyof CleanRecord> {
  // names are compared by key and pinyin, and a shared number counts only between named records
  const fields = new Set<keyof CleanRecord>(['nameKey', 'namePinyin', 'phones']);
  for (const c of [...rules.exact, ...rules.fuzzy]) {
    if (c.field.startsWith('externalIds')) fields.add('externalIds');
    else if (c.field !== 'name') fields.add(c.field as keyof CleanRecord);
  }
  if (rules.guards.conflicts.some((c) => c.observedApartDays)) fields.add('observedAt');
  return fields;
}

export interface CompiledComparator {
  id: string;
  exact: boolean;
  sim: Sim;
  levels: Comparator['levels'];
  else: number;
  missing: number;
  /** Term-frequency weights of common values at exact agreement: log2(m / share). */
  tfWeight?: Map<string, number>;
  /** The value tfWeight is looked up by. */
  tfValue?: (r: Rec) => string | undefined;
}

/** The value a comparator's term frequencies are counted and looked up by: the name's key, else the field. */
export function tfValueOf(c: Comparator): (r: Rec) => string | undefined {
  const f = c.field as keyof Rec;
  return c.field === 'name' ? (r) => r.nameKey || r.namePinyin : (r) => r[f] as string | undefined;
}

function termFrequencies(c: Comparator): Pick<CompiledComparator, 'tfWeight' | 'tfValue'> {
  const m = c.levels[0]!.m;
  if (!c.tf || m === undefined) return {};
  return { tfWeight: new Map(Object.entries(c.tf).map(([v, share]) => [v, Math.log2(m / share)])), tfValue: tfValueOf(c) };
}

export interface CompiledRules {
  rules: MatchRules;
  comparators: CompiledComparator[];
  conflicts: Array<{ id: string; shared: number[]; differ: number[]; /** 0: any dates. */ apartMs: number; action: 'review' | 'reject' }>;
  /**
   * Explanations already built, by the comparators' levels: a batch explains hundreds of thousands
   * of merges with a few hundred distinct ones, and each it kept would be a string or an object
   * the heap carries to the end of the batch.
   */
  explained: { rules: Map<number, string>; fieldScores: Map<number, Readonly<Record<string, number>>> };
}

const compiledCache = new WeakMap<MatchRules, CompiledRules>();

export function compileRules(rules: MatchRules): CompiledRules {
  const hit = compiledCache.get(rules);
  if (hit) return hit;
  const comparators: CompiledComparator[] = [
    ...rules.exact.map((c) => ({ c, exact: true })),
    ...rules.fuzzy.map((c) => ({ c, exact: false })),
  ].map(({ c, exact }) => ({ id: c.id, exact, sim: similarityFor(c), levels: c.levels, else: c.else, missing: c.missing ?? 0, ...termFrequencies(c) }));
  const index = new Map(comparators.map((c, i) => [c.id, i]));
  const conflicts = (rules.guards.conflicts ?? []).map((c) => ({
    id: c.id,
    shared: c.shared.map((x) => index.get(x)!),
    differ: c.differ.map((x) => index.get(x)!),
    apartMs: (c.observedApartDays ?? 0) * 86_400_000,
    action: c.action,
  }));
  const compiled = { rules, comparators, conflicts, explained: { rules: new Map(), fieldScores: new Map() } };
  compiledCache.set(rules, compiled);
  return compiled;
}

/** Per-comparator outcome buffers, reused across pairs. */
export interface ScoreBuffers {
  sim: Float64Array;
  weight: Float64Array;
  /** index into levels; levels.length = below all levels (else); -1 = missing */
  level: Int8Array;
}

export function scoreBuffers(c: CompiledRules): ScoreBuffers {
  const n = c.comparators.length;
  return { sim: new Float64Array(n), weight: new Float64Array(n), level: new Int8Array(n) };
}

export const FLAG_EXACT = 1;
export const FLAG_CONFLICT_REVIEW = 2;
export const FLAG_CONFLICT_REJECT = 4;

/** Scores a pair into `buf`; returns the total. `flagsOut[0]` receives FLAG_* bits. */
export function scoreInto(c: CompiledRules, a: Rec, b: Rec, g: GenericValues, buf: ScoreBuffers, flagsOut: Uint8Array): number {
  let total = 0;
  let flags = 0;
  const cs = c.comparators;
  for (let i = 0; i < cs.length; i++) {
    const cmp = cs[i]!;
    cmp.sim(a, b, g, buf.sim, i);
    const s = buf.sim[i]!;
    if (s === MISSING) {
      buf.level[i] = -1;
      buf.weight[i] = cmp.missing;
      total += cmp.missing;
      continue;
    }
    const levels = cmp.levels;
    let l = 0;
    while (l < levels.length && s < levels[l]!.min) l++;
    let w = l < levels.length ? levels[l]!.weight : cmp.else;
    if (l === 0 && cmp.tfWeight && s >= 1) {
      const v = cmp.tfValue!(a);
      const t = v === undefined ? undefined : cmp.tfWeight.get(v);
      if (t !== undefined) w = t;
    }
    buf.level[i] = l;
    buf.weight[i] = w;
    total += w;
    if (cmp.exact && s >= 1) flags |= FLAG_EXACT;
  }
  for (const k of c.conflicts) {
    let on = true;
    for (const i of k.shared) if (!(buf.sim[i]! >= 1)) on = false;
    for (const i of k.differ) if (buf.level[i] !== cs[i]!.levels.length) on = false;
    if (on && k.apartMs) on = observedApart(a, b) >= k.apartMs;
    if (on) flags |= k.action === 'review' ? FLAG_CONFLICT_REVIEW : FLAG_CONFLICT_REJECT;
  }
  flagsOut[0] = flags;
  return total;
}

/** How far apart two records were observed (ms), or -1 when either is undated. */
function observedApart(a: Rec, b: Rec): number {
  if (!a.observedAt || !b.observedAt) return -1;
  return Math.abs(Date.parse(a.observedAt) - Date.parse(b.observedAt)) || 0;
}

export type Decision = 'merge' | 'review' | 'none';

export function decide(c: CompiledRules, score: number, flags: number): Decision {
  if (flags & FLAG_CONFLICT_REJECT) return 'none';
  if (flags & FLAG_CONFLICT_REVIEW) return 'review';
  const t = c.rules.thresholds;
  return score >= t.autoMerge ? 'merge' : score >= t.review ? 'review' : 'none';
}

/** A merge edge is strong when an exact rule agreed or the score reached guards.chaining.strongScore. */
export function isStrong(c: CompiledRules, score: number, flags: number): boolean {
  return (flags & FLAG_EXACT) !== 0 || score >= c.rules.guards.chaining.strongScore;
}

/** A comparator's weight at a level (-1: a side is missing; levels.length: below every level), term frequencies aside. */
export function levelWeight(cmp: CompiledComparator, level: number): number {
  return level < 0 ? cmp.missing : level < cmp.levels.length ? cmp.levels[level]!.weight : cmp.else;
}

/** Explanations are shared by a numeric key of the comparators' outcomes while it fits in a float's 53 bits. */
const MAX_SHARED_KEY = 2 ** 53;
/** Bounds the shared explanations kept per rules: a pathological batch makes fresh ones beyond it. */
const MAX_SHARED = 4096;

function shared<T>(cache: Map<number, T>, key: number, make: () => T): T {
  if (key >= MAX_SHARED_KEY) return make();
  let v = cache.get(key);
  if (v === undefined) {
    v = make();
    if (cache.size < MAX_SHARED) cache.set(key, v);
  }
  return v;
}

/** The rule that explains a decision: the exact rules that agreed, else `fuzzy:<positive comparators>`. */
export function ruleName(c: CompiledRules, buf: ScoreBuffers): string {
  // which comparators agreed exactly and which weighed for: two bits each
  let key = 0;
  c.comparators.forEach((cmp, i) => {
    key = key * 4 + (cmp.exact && buf.sim[i]! >= 1 ? 2 : 0) + (buf.level[i]! >= 0 && buf.weight[i]! > 0 ? 1 : 0);
  });
  return shared(c.explained.rules, key, () => {
    const exact: string[] = [];
    const positive: string[] = [];
    c.comparators.forEach((cmp, i) => {
      if (cmp.exact && buf.sim[i]! >= 1) exact.push(cmp.id);
      if (buf.level[i]! >= 0 && buf.weight[i]! > 0) positive.push(cmp.id);
    });
    return exact.length > 0 ? exact.join('+') : `fuzzy:${positive.join('+')}`;
  });
}

/**
 * The weight each comparator contributed, missing sides left out. Frozen and shared between pairs
 * whose comparators reached the same levels, unless a term frequency set a weight of its own.
 */
export function fieldScores(c: CompiledRules, buf: ScoreBuffers): Readonly<Record<string, number>> {
  const make = () => {
    const out: Record<string, number> = {};
    c.comparators.forEach((cmp, i) => {
      if (buf.level[i]! >= 0) out[cmp.id] = round(buf.weight[i]!);
    });
    return Object.freeze(out);
  };
  let key = 0;
  for (let i = 0; i < c.comparators.length; i++) {
    const cmp = c.comparators[i]!;
    const l = buf.level[i]!;
    if (buf.weight[i] !== levelWeight(cmp, l)) return make();
    key = key * (cmp.levels.length + 2) + l + 1;
  }
  return shared(c.explained.fieldScores, key, make);
}

export function reasons(c: CompiledRules, buf: ScoreBuffers, flags: number): string[] {
  const out: string[] = [];
  c.comparators.forEach((cmp, i) => {
    const l = buf.level[i]!;
    if (l < 0) return;
    const w = buf.weight[i]!;
    const label = l < cmp.levels.length ? (cmp.levels[l]!.label ?? `similarity ≥ ${cmp.levels[l]!.min}`) : 'different';
    out.push(`${cmp.id}: ${label} (similarity ${buf.sim[i]!.toFixed(2)}, ${w >= 0 ? '+' : ''}${round(w)})`);
  });
  for (const k of c.conflicts) {
    const bit = k.action === 'review' ? FLAG_CONFLICT_REVIEW : FLAG_CONFLICT_REJECT;
    const apart = k.apartMs ? `, observed ${Math.round(k.apartMs / 86_400_000)}+ days apart` : '';
    if (flags & bit) out.push(`guard ${k.id}: ${k.shared.map((i) => c.comparators[i]!.id).join('+')} shared but ${k.differ.map((i) => c.comparators[i]!.id).join(' and ')} differ${apart} → ${k.action}`);
  }
  return out;
}

export function round(x: number): number {
  return Math.round(x * 100) / 100;
}

export interface PairScore {
  score: number;
  decision: Decision;
  /** The rule behind the decision (exact rule ids, or `fuzzy:` and the comparators that agreed). */
  rule: string;
  /** Weight (log2 likelihood ratio) each comparator contributed; comparators with a missing side are left out. */
  fieldScores: Readonly<Record<string, number>>;
  reasons: string[];
}

/** Scores one pair of records with the rules. `generic` lists identifier values to ignore. */
export function scorePair(a: Partial<CleanRecord>, b: Partial<CleanRecord>, rules: MatchRules, generic: GenericValues = emptyGeneric()): PairScore {
  const c = compileRules(rules);
  const buf = scoreBuffers(c);
  const f = new Uint8Array(1);
  const score = scoreInto(c, a, b, generic, buf, f);
  return { score: round(score), decision: decide(c, score, f[0]!), rule: ruleName(c, buf), fieldScores: fieldScores(c, buf), reasons: reasons(c, buf, f[0]!) };
}
