/**
 * Which profile a newly arrived record (a file row or an event's identity) joins: the identity
 * policy of arrival, pure. The store executes what it says.
 *
 * A record is tried on its valid numbers in order:
 * - a generic number (by its evidence, or listed in the rules) is skipped: it joins nobody and keys nothing;
 * - a number nobody has yet founds a profile keyed by it, the record its holder;
 * - a number with a holder is joined unless the record contradicts the holder: another name, or
 *   the same name with both gender and birth date different (a spouse on the partner's phone, a
 *   buyer on the store's number, the next owner of a recycled number); on a shared number (seen
 *   with several names) a record without a name joins nobody: the number alone cannot say whose;
 * - a record that joins through none of its numbers stands apart: its own profile, keyed by the
 *   first number it was refused and its name (the same other person on that number comes back to
 *   the same profile), or by the record itself when it has no name. It claims no number. When it
 *   was refused for contradicting a holder, a steward is asked (`conflict`);
 * - a record with no usable number at all stands apart on the profile of its strongest identifier
 *   (numberlessKey), a customer all the same.
 *
 * Every number the record carried learns from it (names seen, for its standing), in batch order,
 * so two rows of one file are decided as they would be one after the other.
 */
import type { CleanRecord } from '../model.ts';
import { dateSimilarity } from '../match/similarity.ts';
import { emptyEvidence, nameOf, sameName, standing, withRecord, type Holder, type NumberEvidence, type Standing, type StandingPolicy } from './number-evidence.ts';

export type Home =
  /** Joins (or founds) the profile its number keys. `founds`: nobody had the number before. */
  | { kind: 'number'; number: string; founds: boolean }
  /** Stands apart from every number's holder: its own profile, keyed by `key`. */
  | { kind: 'apart'; key: string; reason: 'conflict' | 'generic' | 'no-number'; number?: string; why: string };

export interface ArrivalPlan {
  homes: Home[];
  /** Numbers whose evidence is new or changed, with the new evidence (to store on the number). */
  evidence: Map<string, NumberEvidence>;
  /** The standing each number of `evidence` has with its new evidence (stored with it, so stewards can list the numbers that are not a person's own). */
  standings: Map<string, Standing>;
  /** Numbers that became generic in this batch: their holders stop being keyed by them. */
  becameGeneric: string[];
}

/** Why a record contradicts the holder of a number, or undefined when it does not. */
export function contradiction(record: Partial<CleanRecord>, holder: Holder): string | undefined {
  const name = nameOf(record);
  if (name && holder.name && !sameName(name, holder.name)) return `name ${record.nameKey ?? record.namePinyin} is not the holder's ${holder.name.key ?? holder.name.pinyin}`;
  const genderDiffers = record.gender && holder.gender && record.gender !== holder.gender;
  if (!genderDiffers) return undefined;
  const birthDiffers = record.birthDate && holder.birthDate && dateSimilarity(record.birthDate, holder.birthDate) < 0.75;
  if (birthDiffers) return `gender and birth date differ from the holder's (${holder.gender}, ${holder.birthDate})`;
  // another gender is a typo only when a name or a birth date says it is the holder; else it is
  // what a household's phone looks like: a spouse's nameless sale on the partner's number
  const vouched = (name && holder.name) || (record.birthDate && holder.birthDate);
  if (!vouched) return `gender ${record.gender} is not the holder's ${holder.gender}, and no name or birth date says it is the holder`;
  return undefined;
}

/**
 * The profile key of a record without a usable number: an id a system issued to one customer
 * (an openid, a member id), with the name when there is one, so that the events and rows of one
 * openid gather on one profile from the start while a card a till uses for every walk-in buyer
 * glues no two names; else the record itself (an e-mail is shared by households as a number is:
 * the matcher weighs it). Never a number.
 */
export function numberlessKey(record: Partial<CleanRecord>): string {
  const [idName, id] = Object.entries(record.externalIds ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))[0] ?? [];
  const key = idName && id ? `id:${idName}=${id}` : record.memberId ? `member:${record.memberId}` : undefined;
  if (!key) return `record:${record.source}#${record.recordId}`;
  const name = nameOf(record);
  return name ? `${key}#${name.pinyin ?? name.key}` : key;
}

/**
 * `known` has the evidence of every number of the batch that the table has seen (a number absent
 * from it is new). `at` stamps first sightings.
 */
export function planArrivals(records: readonly Partial<CleanRecord>[], known: ReadonlyMap<string, NumberEvidence>, policy: StandingPolicy, at: string): ArrivalPlan {
  const evidence = new Map<string, NumberEvidence>();
  const current = (n: string) => evidence.get(n) ?? known.get(n);
  const wasGeneric = (n: string) => {
    const e = known.get(n);
    return e !== undefined && standing(e, policy) === 'generic';
  };
  const isGeneric = (n: string, e: NumberEvidence | undefined) => Boolean(policy.listed?.has(n)) || (e !== undefined && standing(e, policy) === 'generic');
  const learn = (number: string, before: NumberEvidence | undefined, record: Partial<CleanRecord>, joined: boolean) => {
    let after = withRecord(before ?? emptyEvidence(at), record, joined, policy, at);
    if (policy.listed?.has(number) && !after.genericSince) after = { ...after, genericSince: at };
    if (after !== before) evidence.set(number, after);
    return after;
  };
  const homes: Home[] = [];
  for (const record of records) {
    let home: Home | undefined;
    let refused: { number: string; reason: 'conflict' | 'generic'; why: string } | undefined;
    for (const number of record.phones ?? []) {
      const before = current(number);
      if (isGeneric(number, before)) {
        learn(number, before, record, false);
        refused ??= { number, reason: 'generic', why: `${number} is generic` };
        continue;
      }
      if (home) {
        // numbers after the one it joined by learn the name too, as the store will alias them
        learn(number, before, record, !before);
        continue;
      }
      if (!before) {
        home = { kind: 'number', number, founds: true };
        learn(number, undefined, record, true);
        continue;
      }
      // a number several people use links nobody by itself: only the holder's name lets a record in
      const why = contradiction(record, before.holder) ?? (standing(before, policy) === 'shared' && !nameOf(record) ? 'no name to tell which of its people this is' : undefined);
      const after = learn(number, before, record, !why);
      if (!why) home = { kind: 'number', number, founds: false };
      else refused ??= { number, reason: standing(after, policy) === 'generic' ? 'generic' : 'conflict', why: `${number}: ${why}` };
    }
    if (!home && !refused) home = { kind: 'apart', key: numberlessKey(record), reason: 'no-number', why: 'no usable number' };
    else if (!home) {
      const name = nameOf(record);
      const key = name ? `${refused!.number}#${name.pinyin ?? name.key}` : `record:${record.source}#${record.recordId}`;
      home = { kind: 'apart', key, ...refused! };
    }
    homes.push(home);
  }
  const standings = new Map([...evidence].map(([n, e]) => [n, standing(e, policy)]));
  const becameGeneric = [...standings].filter(([n, s]) => s === 'generic' && !wasGeneric(n)).map(([n]) => n);
  return { homes, evidence, standings, becameGeneric };
}
