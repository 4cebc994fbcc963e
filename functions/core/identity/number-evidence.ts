/**
 * What the table has seen on one phone number, and what that makes the number: a person's own,
 * shared by a household, or generic (a store's own number typed for its buyers). A number is
 * evidence about a person, never the person: its standing says how much it may decide.
 *
 * The evidence is small and bounded (at most `maxDistinctNames + 1` names are kept: past that the
 * number is generic and more names change nothing), so it lives on the number's item and is read
 * with it.
 */
import type { CleanRecord, Gender } from '../model.ts';
import { listedGenericNumbers } from '../match/generic.ts';
import type { MatchRules } from '../match/rules.ts';

export interface NameSeen {
  key?: string;
  pinyin?: string;
}

/** Who holds the number: the first name, gender and birth date of the records that joined through it. */
export interface Holder {
  name?: NameSeen;
  gender?: Gender;
  birthDate?: string;
}

export interface NumberEvidence {
  holder: Holder;
  /** Distinct people's names seen with the number, holder or not (variants of one name, by name similarity, once). */
  names: NameSeen[];
  genders: Gender[];
  birthDates: string[];
  /** When it was first seen (ISO 8601). */
  since: string;
  /** Set once the number is generic; generic is for good (a later re-derivation by the nightly run may clear it). */
  genericSince?: string;
}

export type Standing = 'personal' | 'shared' | 'generic';

export interface StandingPolicy {
  /** More distinct names than this make a number generic (the match rules' `guards.genericValue.maxDistinctNames`). */
  maxDistinctNames: number;
  /** Numbers generic whatever the evidence (E.164; the match rules' `guards.genericValue.numbers`). */
  listed?: ReadonlySet<string>;
}

/** The standing policy the match rules in force set. */
export function standingPolicy(rules: Pick<MatchRules, 'guards'>): StandingPolicy {
  return { maxDistinctNames: rules.guards.genericValue.maxDistinctNames, listed: listedGenericNumbers(rules) };
}

/**
 * One person's name as two records write it: the same comparison key (traditional and simplified,
 * honorifics and spaces folded by cleaning) or the same pinyin (a homophone an input method
 * chose). Closer looks are for the matcher: 周海波 and 朱海波 are as alike as strings go and are
 * two people, so a number's holder is not decided by string similarity.
 */
export function sameName(a: NameSeen, b: NameSeen): boolean {
  return (a.key !== undefined && a.key === b.key) || (a.pinyin !== undefined && a.pinyin === b.pinyin);
}

export function nameOf(record: Partial<CleanRecord>): NameSeen | undefined {
  if (!record.nameKey && !record.namePinyin) return undefined;
  return { ...(record.nameKey ? { key: record.nameKey } : {}), ...(record.namePinyin ? { pinyin: record.namePinyin } : {}) };
}

export function emptyEvidence(at: string): NumberEvidence {
  return { holder: {}, names: [], genders: [], birthDates: [], since: at };
}

/** Birth dates kept on a number: enough to tell people apart, bounded like the names. */
const MAX_BIRTH_DATES = 4;

/**
 * The names with one more: a new person's name is kept until there are `maxDistinctNames + 1`
 * (past that the number is generic and more names change nothing); a variant of a kept one is not.
 */
function withName(names: NameSeen[], name: NameSeen, policy: StandingPolicy): NameSeen[] {
  return names.length <= policy.maxDistinctNames && !names.some((n) => sameName(n, name)) ? [...names, name] : names;
}

/** The evidence, stamped generic from `at` if it is generic now and was not before. */
function stampedGeneric(e: NumberEvidence, policy: StandingPolicy, at: string): NumberEvidence {
  return !e.genericSince && standing(e, policy) === 'generic' ? { ...e, genericSince: at } : e;
}

/**
 * Evidence with one more record on the number (`joined`: the record joined the number's holder,
 * so it also fills what the holder's identity lacks); the input is not changed.
 */
export function withRecord(e: NumberEvidence, record: Partial<CleanRecord>, joined: boolean, policy: StandingPolicy, at: string): NumberEvidence {
  const out: NumberEvidence = { ...e };
  if (joined) {
    const h = { ...e.holder };
    const name = nameOf(record);
    if (!h.name && name) h.name = name;
    if (!h.gender && record.gender) h.gender = record.gender;
    if (!h.birthDate && record.birthDate) h.birthDate = record.birthDate;
    out.holder = h;
  }
  const name = nameOf(record);
  if (name) out.names = withName(out.names, name, policy);
  if (record.gender && !out.genders.includes(record.gender)) out.genders = [...out.genders, record.gender];
  if (record.birthDate && out.birthDates.length < MAX_BIRTH_DATES && !out.birthDates.includes(record.birthDate)) out.birthDates = [...out.birthDates, record.birthDate];
  const stamped = stampedGeneric(out, policy, at);
  return sameEvidence(stamped, e) ? e : stamped;
}

/**
 * Two accounts of one number, taken from the same stored state by two writers, as one: evidence
 * only grows (names, genders, birth dates seen; the first holder; the earliest dates), so the
 * union loses neither writer's lesson, whichever stores first.
 */
export function mergeEvidence(stored: NumberEvidence, mine: NumberEvidence, policy: StandingPolicy, at: string): NumberEvidence {
  const earliest = (a?: string, b?: string) => (a && b ? (a < b ? a : b) : (a ?? b));
  const out: NumberEvidence = {
    holder: { ...mine.holder, ...Object.fromEntries(Object.entries(stored.holder).filter(([, v]) => v !== undefined)) },
    names: mine.names.reduce((names, n) => withName(names, n, policy), stored.names),
    genders: [...new Set([...stored.genders, ...mine.genders])],
    birthDates: [...new Set([...stored.birthDates, ...mine.birthDates])].slice(0, MAX_BIRTH_DATES),
    since: earliest(stored.since || undefined, mine.since || undefined) ?? at,
  };
  const genericSince = earliest(stored.genericSince, mine.genericSince);
  if (genericSince) out.genericSince = genericSince;
  return stampedGeneric(out, policy, at);
}

export function standing(e: NumberEvidence, policy: StandingPolicy): Standing {
  if (e.genericSince || e.names.length > policy.maxDistinctNames) return 'generic';
  return e.names.length > 1 ? 'shared' : 'personal';
}

/** One line a steward reads: why the number stands as it does. */
export function explainStanding(e: NumberEvidence, policy: StandingPolicy, number?: string): string {
  if (number && policy.listed?.has(number)) return 'generic: listed in the match rules (guards.genericValue.numbers), it joins nobody and keys no profile';
  const s = standing(e, policy);
  const names = `${e.names.length}${e.names.length > policy.maxDistinctNames ? '+' : ''} distinct name${e.names.length === 1 ? '' : 's'}`;
  const what = s === 'generic' ? `generic since ${e.genericSince ?? e.since}: joins nobody and keys no profile` : s === 'shared' ? 'shared: links nobody by itself' : 'personal';
  return `${what} (${names}, ${e.genders.length} gender${e.genders.length === 1 ? '' : 's'}, ${e.birthDates.length} birth date${e.birthDates.length === 1 ? '' : 's'} since ${e.since})`;
}

function sameEvidence(a: NumberEvidence, b: NumberEvidence): boolean {
  return (
    a.names.length === b.names.length &&
    a.genders.length === b.genders.length &&
    a.birthDates.length === b.birthDates.length &&
    a.genericSince === b.genericSince &&
    a.holder.name === b.holder.name &&
    a.holder.gender === b.holder.gender &&
    a.holder.birthDate === b.holder.birthDate
  );
}
