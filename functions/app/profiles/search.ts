/**
 * Search (`GET /v1/profiles?q=`, `phonekey search`): the profiles a phone number, name (characters,
 * traditional or simplified, or pinyin), e-mail, member id or profile id finds, a page at a time.
 *
 * Cost: a profile id or number is one or two reads. A lookup reads the index entries under the
 * query's key (at most SEARCH_CAP members, one Query page per 1 MB), their stored records in
 * BatchGets (an entry whose record changed no longer matches and is dropped), then the page's
 * profile items in one BatchGet.
 */
import { betterMatch, matchedBy, pageOf, parseSearchQuery, type Found, type MatchedBy } from '../../core/profile/search.ts';
import type { MatchRules } from '../../core/match/index.ts';
import type { CleanRecord } from '../../core/model.ts';
import type { ProfileSearchStore } from '../../ports/profile-search.ts';
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
    const members = new Set<string>();
    for (const key of query.keys) {
      const list = await store.lookupMembers(key, SEARCH_CAP + 1 - members.size);
      for (const m of list) members.add(m);
      if (members.size > SEARCH_CAP) break;
    }
    truncated = members.size > SEARCH_CAP;
    const records = await store.memberRecords([...members].slice(0, SEARCH_CAP));
    for (const m of records.values()) {
      const how = matchedBy(m.record, query, opts.rules);
      if (!how) continue;
      const before = found.get(m.profileId);
      found.set(m.profileId, before ? betterMatch(before, how) : how);
      if (how === found.get(m.profileId)) example.set(m.profileId, m.record);
    }
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
