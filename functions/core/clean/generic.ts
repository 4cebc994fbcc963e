/**
 * Generic numbers: one number shared by many different people (a store's own number typed by its
 * cashiers, a sales rep's phone on every lead). Such a number must never be used to merge people.
 */
import { cleanName } from './name.ts';

export interface GenericPhoneOptions {
  /** A number seen with at least this many distinct people is generic. Default 5. */
  minDistinctPeople?: number;
}

/**
 * Over a batch of rows (phone as a cleaned key, normally E.164), counts the distinct people per
 * number: distinct member ids and distinct name keys (traditional/simplified, case and honorifics
 * folded) are counted separately and the larger count is taken, so one person seen once with a
 * member id and once with only a name is not counted twice. Returns the generic numbers only.
 */
export function detectGenericPhones(
  rows: Array<{ phone: string; name?: string; memberId?: string }>,
  opts?: GenericPhoneOptions,
): Map<string, { distinctPeople: number }> {
  const min = Math.max(2, opts?.minDistinctPeople ?? 5);
  const seen = new Map<string, { names: Set<string>; members: Set<string> }>();
  const nameKeys = new Map<string, string | undefined>();
  for (const row of rows) {
    const phone = row.phone?.trim();
    if (!phone) continue;
    let e = seen.get(phone);
    if (!e) {
      e = { names: new Set(), members: new Set() };
      seen.set(phone, e);
    }
    const member = row.memberId?.trim();
    if (member) e.members.add(member);
    if (row.name) {
      let key = nameKeys.get(row.name);
      if (!nameKeys.has(row.name)) {
        key = cleanName(row.name)?.key;
        nameKeys.set(row.name, key);
      }
      if (key) e.names.add(key);
    }
  }
  const out = new Map<string, { distinctPeople: number }>();
  for (const [phone, e] of seen) {
    const distinctPeople = Math.max(e.names.size, e.members.size);
    if (distinctPeople >= min) out.set(phone, { distinctPeople });
  }
  return out;
}
