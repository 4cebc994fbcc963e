/**
 * What a merge, an unmerge and a split decide, pure; the identity store executes it (its write
 * sequence, the concurrency protocol, is in functions/adapters/dynamo-merged.ts):
 * - whether a person forbade a merge (a `noMerge` pair with one member on each side);
 * - which merge an unmerge undoes, and which pairs it forbids from then on;
 * - what a profile shows of its members: its primary number first, and its golden fields with the
 *   record each came from (survivorship by the match rules in force).
 */
import { goldenRecord, pairKey, type MatchRules } from '../match/index.ts';
import type { CleanRecord } from '../model.ts';

/** What a person decided about a pair of records: never merge them, or they are one. */
export type PairDecision = 'noMerge' | 'approved';

/** The pair a person said never to merge with one member on each side, if any. */
export function forbiddenAcross(sideA: readonly string[], sideB: readonly string[], decisions: ReadonlyMap<string, PairDecision>): [string, string] | undefined {
  const inA = new Set(sideA);
  const inB = new Set(sideB);
  for (const [key, decision] of decisions) {
    if (decision !== 'noMerge') continue;
    const [x, y] = key.split('\u0000') as [string, string];
    if ((inA.has(x) && inB.has(y)) || (inB.has(x) && inA.has(y))) return [x, y];
  }
  return undefined;
}

export interface MergeDone {
  mergeId: string;
  /** Members of the linking pair. */
  a: string;
  b: string;
  moved: { members: string[]; phones: string[] };
  undoneAt?: string;
}

/** The merge an unmerge of `member` undoes: the one that moved it in, else the latest (newest first). */
export function mergeToUndo<M extends MergeDone>(mergesNewestFirst: readonly M[], member: string): M | undefined {
  const active = mergesNewestFirst.filter((m) => !m.undoneAt);
  return active.find((m) => m.moved.members.includes(member)) ?? active[0];
}

/**
 * The pairs an unmerge forbids from then on: the linking pair, and the named member against the
 * other side's member of that pair, so no automatic merge joins them again.
 */
export function pairsForbiddenByUnmerge(merge: MergeDone, member: string): Array<[string, string]> {
  const moved = new Set(merge.moved.members);
  const otherSide = moved.has(member) ? (moved.has(merge.a) ? merge.b : merge.a) : moved.has(merge.a) ? merge.a : merge.b;
  const keys = new Set([pairKey(merge.a, merge.b), pairKey(member, otherSide)]);
  return [...keys].map((k) => k.split('\u0000') as [string, string]).filter(([x, y]) => x !== y);
}

export interface ProfileIdentity {
  /** The primary number, when the profile has one. */
  phone?: string;
  /** Its numbers, primary first. */
  phones: string[];
  /** Golden fields and the record each came from, when more than one record speaks. */
  golden?: { fields: Partial<CleanRecord>; sources: Record<string, string> };
}

/**
 * A profile's numbers and golden record from its members' records: the primary is the golden
 * record's when the profile holds it, else `fallbackPrimary` (the one it had), else the first.
 */
export function profileIdentity(records: readonly CleanRecord[], phones: readonly string[], rules: MatchRules, fallbackPrimary?: string): ProfileIdentity {
  const g = records.length ? goldenRecord(records, rules, new Set()) : undefined;
  const primary = g?.primaryPhone && phones.includes(g.primaryPhone) ? g.primaryPhone : fallbackPrimary && phones.includes(fallbackPrimary) ? fallbackPrimary : phones[0];
  const ordered = primary ? [primary, ...phones.filter((p) => p !== primary)] : [...phones];
  const golden = records.length > 1 && g ? { fields: withoutPhones(g.golden), sources: g.sources ?? {} } : undefined;
  return { ...(primary ? { phone: primary } : {}), phones: ordered, ...(golden ? { golden } : {}) };
}

function withoutPhones(golden: Partial<CleanRecord>): Partial<CleanRecord> {
  const { phones: _p, source: _s, recordId: _r, ...rest } = golden;
  return rest;
}
