/**
 * Search (`GET /v1/profiles?q=`, `phonekey search`): the profiles a phone number, name (characters,
 * traditional or simplified, or pinyin), e-mail, member id or profile id finds, a page at a time.
 *
 * Cost: a profile id or number is one or two reads. A lookup reads the index entries under the
 * query's key (at most SEARCH_CAP, one Query page per 1 MB); they carry the record's profile and
 * comparison fields as indexed, which rank the matches. An entry is written when its record arrives
 * and goes stale when the record changes or a merge moves it, so the page's hits are checked
 * against their stored records (one BatchGet); if one no longer agrees, every match is read from
 * the stored records instead (BatchGets of 100), as entries without carried fields always are.
 * Then the page's profile items, in one BatchGet.
 */
import { betterMatch, matchedBy, pageOf, parseSearchQuery, type Found, type MatchedBy, type SearchQuery } from '../../core/profile/search.ts';
import type { MatchRules } from '../../core/match/index.ts';
import type { CleanRecord } from '../../core/model.ts';
import type { LookupEntry, ProfileSearchStore } from '../../ports/profile-search.ts';
import type { MemberRecord } from '../../ports/identity-store.ts';
import type { ProfileItem } from '../../ports/profile-views.ts';

/** Most records one query reads; a name shared by more people says `truncated` (narrow it with a number or e-mail). */
export const SEARCH_CAP = 1000;
export const MAX_PAGE = 100;

export interface SearchHit {
  profileId: string;
  matched: MatchedBy;
  phone?: string;
  phones: string[];
  name?: string;
  email?: string;
  city?: string;
  memberIds?: string[];
  tags: string[];
  summary?: string;
  totalSpend?: number;
  orderCount?: number;
  lastSeenAt?: string;
}

export interface SearchPage {
  q: string;
  by: string;
  profiles: SearchHit[];
  /** Pass as `cursor` for the next page; absent on the last. */
  next?: string;
  /** More than SEARCH_CAP records carry the value: some matching profiles are not listed. */
  truncated: boolean;
}

export async function searchProfiles(store: ProfileSearchStore, text: string, opts: { rules: MatchRules; limit?: number; cursor?: string }): Promise<SearchPage> {
  const query = parseSearchQuery(text, opts.rules);
  const limit = Math.max(1, Math.min(MAX_PAGE, Math.floor(opts.limit ?? 20)));
  const found = new Map<string, MatchedBy>();
  const example = new Map<string, CleanRecord>();
  let truncated = false;

  if (query.by === 'profileId' || query.by === 'phone') {
    const start = query.by === 'phone' ? await store.profileIdForPhone(query.e164) : query.profileId;
    const current = start && (await store.currentProfileId(start));
    if (current) found.set(current, query.by);
  } else {
    const entries = new Map<string, LookupEntry>();
    for (const key of query.keys) {
      for (const e of await store.lookupEntries(key, SEARCH_CAP + 1 - entries.size)) if (!entries.has(e.member)) entries.set(e.member, e);
      if (entries.size > SEARCH_CAP) break;
    }
    truncated = entries.size > SEARCH_CAP;
    const all = [...entries.values()].slice(0, SEARCH_CAP);
    const carried = all.filter((e): e is Required<LookupEntry> => Boolean(e.record && e.profileId));
    const bare = all.filter((e) => !e.record || !e.profileId).map((e) => e.member);
    const stored = bare.length ? await store.memberRecords(bare) : new Map<string, MemberRecord>();
    let matches = rank([...carried.map((e) => ({ key: e.member, profileId: e.profileId, record: e.record })), ...stored.values()], query, opts.rules);
    // the page's hits as their records are now; one that no longer agrees: every match from the stored records
    const { page } = pageOf([...matches.found].map(([profileId, matched]): Found => ({ profileId, matched })), limit, opts.cursor);
    const toCheck = page.map((f) => matches.member.get(f.profileId)!).filter((m) => !stored.has(m));
    const now = toCheck.length ? await store.memberRecords(toCheck) : new Map<string, MemberRecord>();
    const agrees = (key: string) => {
      const m = now.get(key);
      return m !== undefined && matches.member.get(m.profileId) === key && matchedBy(m.record, query, opts.rules) === matches.found.get(m.profileId);
    };
    if (!toCheck.every(agrees)) {
      const rest = await store.memberRecords(carried.map((e) => e.member).filter((m) => !stored.has(m)));
      matches = rank([...stored.values(), ...rest.values()], query, opts.rules);
    } else for (const m of now.values()) matches.example.set(m.profileId, m.record); // the hits describe the records as they are now
    for (const [profileId, matched] of matches.found) found.set(profileId, matched);
    for (const [profileId, record] of matches.example) example.set(profileId, record);
  }

  const { page, next } = pageOf([...found].map(([profileId, matched]): Found => ({ profileId, matched })), limit, opts.cursor);
  const items = await store.profileItems(page.map((f) => f.profileId));
  const profiles: SearchHit[] = [];
  for (const f of page) {
    let item = items.get(f.profileId);
    // a record moved by a merge still in flight: show the profile it is going to
    if (item?.mergedInto) {
      const current = await store.currentProfileId(item.mergedInto);
      item = current ? (await store.profileItems([current])).get(current) : undefined;
      if (item && profiles.some((p) => p.profileId === item!.profileId)) continue;
    }
    if (!item) continue;
    const record = example.get(f.profileId) ?? (item.view ? undefined : await store.firstRecord(item.profileId));
    profiles.push(hitOf(item, f.matched, record));
  }
  return { q: text, by: query.by === 'lookup' ? query.field.replace('.*', '') : query.by, profiles, ...(next ? { next } : {}), truncated };
}

/** The profiles records match, each by its best match, with the record (and member) that matched so. */
function rank(records: Iterable<{ key: string; profileId: string; record: CleanRecord }>, query: Extract<SearchQuery, { by: 'lookup' }>, rules: MatchRules) {
  const found = new Map<string, MatchedBy>();
  const example = new Map<string, CleanRecord>();
  const member = new Map<string, string>();
  for (const m of records) {
    const how = matchedBy(m.record, query, rules);
    if (!how) continue;
    const before = found.get(m.profileId);
    const best = before ? betterMatch(before, how) : how;
    found.set(m.profileId, best);
    // the first record of the profile's best match stands for it
    if (before === undefined || (how === best && before !== best)) {
      example.set(m.profileId, m.record);
      member.set(m.profileId, m.key);
    }
  }
  return { found, example, member };
}

/** A hit's fields: the stored view's when there is one, else the golden record's, else the matching record's. */
function hitOf(item: ProfileItem, matched: MatchedBy, record?: CleanRecord): SearchHit {
  const basic = item.view?.basic;
  const golden = item.golden?.fields;
  const name = basic?.name ?? golden?.name ?? record?.name;
  const email = basic?.contacts.emails[0] ?? golden?.email ?? record?.email;
  const city = basic?.location.city ?? golden?.city ?? record?.city;
  const memberIds = basic?.memberIds.length ? basic.memberIds : record?.memberId ? [record.memberId] : undefined;
  return {
    profileId: item.profileId,
    matched,
    ...(item.phone ? { phone: item.phone } : {}),
    phones: item.phones ?? [],
    ...(name ? { name } : {}),
    ...(email ? { email } : {}),
    ...(city ? { city } : {}),
    ...(memberIds ? { memberIds } : {}),
    tags: item.tags ?? [],
    ...(item.summary ? { summary: item.summary } : {}),
    ...(item.metrics ? { totalSpend: item.metrics.totalSpend, orderCount: item.metrics.orderCount } : {}),
    ...(item.lastSeenAt ? { lastSeenAt: item.lastSeenAt } : {}),
  };
}
