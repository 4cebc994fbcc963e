/**
 * How a profile that a number glued comes apart, pure. The batch re-match puts a profile's members
 * in clusters; when they fall into several, a number is the usual glue: a store's own number a
 * cashier typed for a buyer before the number was known to be generic, or a household's phone a
 * second person used. Splitting such a profile is the undoable counterpart of a merge.
 *
 * - The members are grouped by cluster. An event the re-match could not place (no name or id) that
 *   came by a generic number is a group of its own. The group with the most source records stays
 *   (ties: the group with the smallest record key); other members the re-match did not see (they
 *   arrived after its snapshot, or carry nothing to match on) stay with it too.
 * - Every other group leaves for a profile of its own when a number alone glued it to the profile
 *   that stays: the group has none of the staying group's names, and both carry a number that is
 *   generic, or any number when the group has a name (another person). What a name, an e-mail or
 *   a steward holds together is not a number's doing and stays, proposed in the report only.
 * - A number goes with a leaving group when only that group carries it; a number both sides carry
 *   stays. The leaving events' counts go with them.
 */
import { nameOf, sameName, type NameSeen } from './number-evidence.ts';

export interface SplitMember {
  key: string;
  kind: 'record' | 'event';
  /** The record's numbers (an event's: the one it came by). */
  phones: readonly string[];
  name?: NameSeen;
  /** An event's tag: its count moves with it. */
  tag?: string;
}

export interface SplitPart {
  members: string[];
  /** Numbers of the profile only this part carries: they key its new profile. */
  phones: string[];
  /** Counts of its events, by tag. */
  counts: Record<string, number>;
  /** The numbers that glued it to the profile that stays. */
  glue: string[];
  /** One member of the part and one that stays: the pair an undo records as approved. */
  pair: [string, string];
}

export interface SplitPlan {
  /** Members that stay. */
  keep: string[];
  parts: SplitPart[];
  /** Groups the rules put apart that no number glued (left alone). */
  notGlued: number;
}

export interface SplitPolicy {
  isGeneric(number: string): boolean;
  /** Members a person approved as one with another (a review, an undone split): never orphans. */
  approved?: ReadonlySet<string>;
}

/**
 * `clusterOf` gives each member the re-match saw its cluster; `phones` are the profile's numbers.
 * Undefined when the members are in one group (nothing to split).
 */
export function planSplit(members: readonly SplitMember[], clusterOf: ReadonlyMap<string, number>, phones: readonly string[], policy: SplitPolicy): SplitPlan | undefined {
  const groups = new Map<number | string, SplitMember[]>();
  const unseen: SplitMember[] = [];
  for (const m of members) {
    const c = clusterOf.get(m.key) ?? (orphan(m, policy) ? `orphan:${m.key}` : undefined);
    if (c === undefined) unseen.push(m);
    else groups.set(c, [...(groups.get(c) ?? []), m]);
  }
  if (groups.size < 2) return undefined;
  const records = (g: SplitMember[]) => g.filter((m) => m.kind === 'record');
  const firstKey = (g: SplitMember[]) => (records(g)[0] ?? g[0]!).key;
  const orphaned = (g: SplitMember[]) => (g.length === 1 && !clusterOf.has(g[0]!.key) ? 1 : 0);
  const ordered = [...groups.values()]
    .map((g) => [...g].sort((a, b) => cmp(a.key, b.key)))
    .sort((a, b) => records(b).length - records(a).length || orphaned(a) - orphaned(b) || cmp(firstKey(a), firstKey(b)));
  const staying = ordered[0]!;
  const keep = [...staying, ...unseen];
  const keptNumbers = numbersOf(keep);
  const keptNames = keep.map((m) => m.name).filter((n): n is NameSeen => Boolean(n));
  const carriers = new Map<string, number>();
  for (const g of ordered) for (const n of numbersOf(g)) carriers.set(n, (carriers.get(n) ?? 0) + 1);

  const parts: SplitPart[] = [];
  let notGlued = 0;
  for (const g of ordered.slice(1)) {
    const carried = numbersOf(g);
    const shared = [...carried].filter((n) => keptNumbers.has(n));
    const names = g.flatMap((m) => (m.name ? [m.name] : []));
    // a name the staying group has too: number and name together hold them, and weighing that is the matcher's job
    const oneName = names.some((n) => keptNames.some((k) => sameName(k, n)));
    const glue = oneName ? [] : shared.filter((n) => names.length > 0 || policy.isGeneric(n));
    if (!glue.length) {
      notGlued++;
      keep.push(...g);
      continue;
    }
    const counts: Record<string, number> = {};
    for (const m of g) if (m.kind === 'event' && m.tag) counts[m.tag] = (counts[m.tag] ?? 0) + 1;
    const own = phones.filter((p) => !keptNumbers.has(p) && carriers.get(p) === 1 && carried.has(p));
    parts.push({ members: g.map((m) => m.key), phones: own, counts, glue: glue.sort(), pair: [firstKey(g), firstKey(staying)] });
  }
  return parts.length || notGlued ? { keep: keep.map((m) => m.key).sort(), parts, notGlued } : undefined;
}

/**
 * An event the re-match could not place (it carries no name or id, only its number) on a generic
 * number: the number is all that put it on the profile, and it says nothing of who bought.
 */
function orphan(m: SplitMember, policy: SplitPolicy): boolean {
  return m.kind === 'event' && !m.name && !policy.approved?.has(m.key) && m.phones.length > 0 && m.phones.every((n) => policy.isGeneric(n));
}

/** The member fields a split reads, from a stored member. */
export function splitMember(m: { key: string; kind: 'record' | 'event'; number?: string; tag?: string; record?: { phones?: string[]; nameKey?: string; namePinyin?: string } }): SplitMember {
  const phones = m.kind === 'record' ? (m.record?.phones ?? []) : m.number ? [m.number] : (m.record?.phones ?? []);
  const name = m.record ? nameOf(m.record) : undefined;
  return { key: m.key, kind: m.kind, phones, ...(name ? { name } : {}), ...(m.tag ? { tag: m.tag } : {}) };
}

function numbersOf(g: readonly SplitMember[]): Set<string> {
  return new Set(g.flatMap((m) => m.phones));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export type SplitUndoBlocker = { code: 'split.not_found' | 'split.undone' | 'split.applying'; message: string };

/**
 * Why a split cannot be undone now, or undefined when it can: it exists, the nightly run applied
 * it in full (a run that stopped halfway finishes it when run again), and nobody undid it yet.
 */
export function splitUndoBlocker(splitId: string, split: { applied: boolean; undoneAt?: string; undoneBy?: string } | undefined): SplitUndoBlocker | undefined {
  if (!split) return { code: 'split.not_found', message: `no split ${splitId}` };
  if (split.undoneAt) return { code: 'split.undone', message: `split ${splitId} was undone at ${split.undoneAt} by ${split.undoneBy}` };
  if (!split.applied) return { code: 'split.applying', message: `split ${splitId} is still being applied: run the nightly again first` };
  return undefined;
}
