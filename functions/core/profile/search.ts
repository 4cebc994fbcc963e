/**
 * Profile search: what a query is (a profile id, a phone number in any written form, an e-mail, a
 * member or external id, or a name in characters or pinyin), which index keys answer it, whether a
 * stored record still matches it, how hits rank, and the page a cursor asks for.
 */
import { cleanIdentity, parsePhone } from '../clean/index.ts';
import { lookupKeys, type LookupField, type MatchRules } from '../match/index.ts';
import type { CleanRecord, RawIdentity } from '../model.ts';

/** What a hit matched on; a name query's exact characters rank before a same-sounding name. */
export type MatchedBy = 'profileId' | 'phone' | 'name' | 'pinyin' | 'email' | 'memberId' | 'externalId';

export type SearchQuery =
  | { by: 'profileId'; profileId: string }
  | { by: 'phone'; e164: string }
  | { by: 'lookup'; field: LookupField; keys: string[]; query: Partial<CleanRecord> };

export class SearchQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchQueryError';
  }
}

const PROFILE_ID = /^p_[0-9a-f]{16}$/;
/** Text that can only be meant as a phone number: digits with the usual separators. */
const PHONE_LIKE = /^\+?[\d\s\-().]{5,}$/;
/** `openid=o123`: one external id by its name. */
const EXTERNAL_ID = /^([A-Za-z][\w.-]{0,40})=(\S+)$/;
const HAS_LETTER_OR_CJK = /[\p{L}]/u;
const HAS_DIGIT = /\d/;

/**
 * Reads a search box's text. A number written as digits is a phone number when it is a valid one,
 * else a member id; text with `@` an e-mail; `name=value` an external id; letters and characters
 * without digits a name; anything else a member id.
 */
export function parseSearchQuery(text: string, rules: MatchRules, defaultCountry = 'CN'): SearchQuery {
  const q = String(text ?? '').normalize('NFKC').trim();
  if (!q) throw new SearchQueryError('q is empty: give a phone number, name, e-mail, member id or profile id');
  if (q.length > 200) throw new SearchQueryError('q is longer than 200 characters');
  if (PROFILE_ID.test(q)) return { by: 'profileId', profileId: q };
  if (PHONE_LIKE.test(q)) {
    const phone = parsePhone(q, { defaultCountry: defaultCountry as never });
    if (phone.valid && phone.e164) return { by: 'phone', e164: phone.e164 };
  }
  const external = EXTERNAL_ID.exec(q);
  if (external && !q.includes('@')) return lookup({ externalIds: { [external[1]!]: external[2]! } }, 'externalIds.*', rules, q);
  if (q.includes('@')) return lookup({ email: q }, 'email', rules, q);
  if (HAS_LETTER_OR_CJK.test(q) && !HAS_DIGIT.test(q)) return lookup({ name: q }, 'namePinyin', rules, q);
  return lookup({ memberId: q }, 'memberId', rules, q);
}

function lookup(raw: RawIdentity, field: LookupField, rules: MatchRules, text: string): SearchQuery {
  const { record } = cleanIdentity(raw, { source: 'search', recordId: 'search', defaultCountry: 'CN' as never });
  const keys = lookupKeys(record, rules, [field]);
  if (!keys.length) throw new SearchQueryError(`"${text}" is no usable ${field === 'namePinyin' ? 'name' : field === 'externalIds.*' ? 'external id' : field}`);
  return { by: 'lookup', field, keys, query: record };
}

/** How a stored record matches a lookup query, or undefined when it no longer does (index entries can be stale). */
export function matchedBy(record: Partial<CleanRecord>, query: Extract<SearchQuery, { by: 'lookup' }>, rules: MatchRules): MatchedBy | undefined {
  // an index entry is current while its record still has the key (compared as the index compares it)
  const keys = lookupKeys(record, rules, [query.field]);
  if (!query.keys.some((k) => keys.includes(k))) return undefined;
  switch (query.field) {
    case 'namePinyin':
      return record.nameKey && record.nameKey === query.query.nameKey ? 'name' : 'pinyin';
    case 'email':
      return 'email';
    case 'memberId':
      return 'memberId';
    case 'externalIds.*':
      return 'externalId';
  }
}

const RANK: Record<MatchedBy, number> = { profileId: 0, phone: 0, name: 0, email: 0, memberId: 0, externalId: 0, pinyin: 1 };

/** One profile a query found, and the best way it matched. */
export interface Found {
  profileId: string;
  matched: MatchedBy;
}

/** The better of two matches of one profile. */
export const betterMatch = (a: MatchedBy, b: MatchedBy): MatchedBy => (RANK[b] < RANK[a] ? b : a);

const sortKey = (f: Found) => `${RANK[f.matched]}|${f.profileId}`;

/**
 * One page of found profiles: exact matches first, then by profile id (stable across pages); the
 * cursor is the position after the page's last hit, opaque to callers.
 */
export function pageOf(found: Found[], limit: number, cursor?: string): { page: Found[]; next?: string } {
  const after = cursor ? decodeCursor(cursor) : '';
  const sorted = found.map((f) => ({ f, k: sortKey(f) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const rest = sorted.filter((x) => x.k > after);
  const page = rest.slice(0, limit);
  return { page: page.map((x) => x.f), ...(rest.length > limit ? { next: Buffer.from(page[page.length - 1]!.k).toString('base64url') } : {}) };
}

function decodeCursor(cursor: string): string {
  const k = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d\|p_[0-9a-f]{16}$/.test(k)) throw new SearchQueryError('cursor is not one this API gave');
  return k;
}
