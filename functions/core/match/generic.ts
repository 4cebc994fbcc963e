/** Generic identifier values: one number, e-mail or id shared by many different people. */
import type { CleanRecord } from '../model.ts';
import { nameSimilarity } from './similarity.ts';
import { parsePhone } from '../clean/phone.ts';

/** What tells two names apart when counting distinct names: pinyin, else the key, else the name. */
export function nameSignature(r: Partial<CleanRecord>): string | undefined {
  return r.namePinyin || r.nameKey || r.name || undefined;
}

/**
 * Whether the records carry more than `max` distinct names, where names similar enough to be
 * typos of each other (name similarity ≥ 0.85: same pinyin, one letter off, a left-out given
 * name) count once. Stops as soon as the answer is known, so a store number shared by thousands
 * costs O(records · max).
 */
export function distinctNamesExceed(records: readonly Partial<CleanRecord>[], members: readonly number[], max: number): boolean {
  const reps: Partial<CleanRecord>[] = [];
  const seen = new Set<string>();
  for (const i of members) {
    const r = records[i]!;
    const sig = nameSignature(r);
    if (!sig || seen.has(sig)) continue;
    seen.add(sig);
    let known = false;
    for (const q of reps) {
      if ((nameSimilarity(r.nameKey, q.nameKey, r.namePinyin, q.namePinyin) ?? 0) >= 0.85) {
        known = true;
        break;
      }
    }
    if (!known) {
      reps.push(r);
      if (reps.length > max) return true;
    }
  }
  return false;
}


const listed = new WeakMap<object, ReadonlySet<string>>();
/** The E.164 forms of the numbers the rules list as generic (`guards.genericValue.numbers`), once per rules object. */
export function listedGenericNumbers(rules: { guards: { genericValue: { numbers?: readonly string[] } } }): ReadonlySet<string> {
  const g = rules.guards.genericValue;
  let out = listed.get(g);
  if (!out) {
    out = new Set((g.numbers ?? []).map((n) => parsePhone(n).e164).filter((e): e is string => Boolean(e)));
    listed.set(g, out);
  }
  return out;
}
