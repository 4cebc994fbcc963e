/**
 * Match on arrival: records just stored by an import batch are matched against the profiles
 * already stored, by the same rules as the nightly run, and merged or queued for review at once.
 *
 * Per batch (no per-row round trips):
 * 1. the blocking keys of the newly stored records (`blockingKeys`); one BatchGet per 100 keys
 *    reads which keys already have members in the index, and their markers (BlockMarker); the
 *    batch's keys are then indexed (BatchWrite);
 * 2. only keys that had members are read (one bounded Query each: blocks larger than the limit
 *    are generic or too common to say anything and are skipped), unless the key's marker says all
 *    its members are on the profile the batch's records under it are on (a customer known by
 *    their number, whose earlier records fill the blocks); plus keys shared inside the batch by
 *    records of different profiles;
 * 3. candidates are fetched (BatchGet) and pre-scored; profiles with a merge- or review-level
 *    candidate are loaded whole, with the decisions people made about their pairs;
 * 4. resolveClusters() runs over those records and `applyResolution` stores the merges and reviews.
 *
 * A record's own primary number is not searched when the store put it on that number's profile;
 * one that stood apart from the number's holder (core/identity/arrival.ts) is compared with the
 * holder's records, so a contradiction reaches the review queue at once. Concurrent batches in
 * other functions may miss each other here; the nightly run catches that.
 */
import type { CleanRecord } from '../../core/model.ts';
import { blockingKeys, lookupKeys, recordKey, resolveClusters, scorePair, type MatchRules } from '../../core/match/index.ts';
import type { BlockMarker, IdentityStore, MemberRecord } from '../../ports/identity-store.ts';
import type { StoredOutcome } from '../../ports/profile-store.ts';
import { applyResolution, type ApplySummary } from './apply-resolution.ts';
import { mapLimit } from '../../core/map-limit.ts';

/** Members read per blocking key at most; a bigger block is skipped. */
export const BLOCK_LIMIT = 50;
const CONCURRENCY = 16;

export interface ArrivalSummary extends Partial<ApplySummary> {
  records: number;
  keysLookedUp: number;
  /** Index entries written (one per record and blocking key, its own number's included). */
  entriesIndexed: number;
  blocksRead: number;
  /** Blocks not read: their marker says every member is on the profile of the batch's records under the key. */
  blocksSkipped: number;
  candidates: number;
  profilesCompared: number;
}

export async function matchOnArrival(
  store: IdentityStore,
  records: CleanRecord[],
  outcomes: StoredOutcome[],
  opts: { actor?: string; rules?: MatchRules } = {},
): Promise<ArrivalSummary> {
  const fresh: Array<{ record: CleanRecord; profileId: string; key: string; apart: boolean }> = [];
  records.forEach((record, i) => {
    const o = outcomes[i];
    if (o?.kind === 'stored') fresh.push({ record, profileId: o.profileId, key: recordKey(record), apart: Boolean(o.apart) });
  });
  const summary: ArrivalSummary = { records: fresh.length, keysLookedUp: 0, entriesIndexed: 0, blocksRead: 0, blocksSkipped: 0, candidates: 0, profilesCompared: 0 };
  if (!fresh.length) return summary;
  const rules = opts.rules ?? (await store.matchRules());

  // 1. keys, which of them have members already, then index this batch
  const keysOf = new Map<string, string[]>();
  const batchByKey = new Map<string, Array<(typeof fresh)[number]>>();
  for (const f of fresh) {
    // a record standing apart is compared with its number's holder: a conflict goes to review
    const own = f.apart ? undefined : `phone:${f.record.phones[0]}`;
    const keys = blockingKeys(f.record, rules);
    keysOf.set(f.key, keys);
    summary.entriesIndexed += keys.length;
    for (const k of keys) {
      if (k === own) continue;
      let list = batchByKey.get(k);
      if (!list) batchByKey.set(k, (list = []));
      list.push(f);
    }
  }
  const searchKeys = [...batchByKey.keys()];
  summary.keysLookedUp = searchKeys.length;
  // every key's marker, a record's own number's too: indexing keeps each marker right
  const markers = await store.indexedKeys([...new Set([...keysOf.values()].flat())]);
  // The entries carry the record's profile and comparison fields: check on entry scores from them.
  // Lookup keys (search by name, e-mail, ids) that are no blocking key go in the same index, without
  // a marker: nothing asks whether they have members.
  const entries = fresh.map(({ key, profileId, record }) => {
    const keys = keysOf.get(key)!;
    return { member: key, keys, lookups: lookupKeys(record, rules).filter((k) => !keys.includes(k)), profileId, record };
  });
  await store.indexBlockingKeys(entries, markers);

  // 2. candidates: members of hit blocks, and batch records sharing a key across profiles.
  // A block whose marker names the profile each of this batch's records under it is on holds no
  // one else: it is not read. The marker is read again now that this batch's entries are written,
  // so that of two batches indexing one key at once, at least one reads the other's entries.
  const soleProfile = (k: string) => {
    const p = markers.get(k)?.profileId;
    return p && batchByKey.get(k)!.every((f) => f.profileId === p) ? p : undefined;
  };
  const hit = searchKeys.filter((k) => markers.has(k));
  const maybeAlone = hit.filter(soleProfile);
  const still = maybeAlone.length ? await store.indexedKeys(maybeAlone, true) : new Map<string, BlockMarker>();
  const alone = new Set(maybeAlone.filter((k) => still.get(k)?.profileId === soleProfile(k)));
  summary.blocksSkipped = alone.size;
  const candidatesOf = new Map<string, Set<string>>();
  const addCandidate = (member: string, cand: string) => {
    if (member === cand) return;
    let set = candidatesOf.get(member);
    if (!set) candidatesOf.set(member, (set = new Set()));
    set.add(cand);
  };
  const hitKeys = hit.filter((k) => !alone.has(k));
  summary.blocksRead = hitKeys.length;
  const blocks = await mapLimit(hitKeys, CONCURRENCY, (k) => store.blockMembers(k, BLOCK_LIMIT));
  hitKeys.forEach((k, i) => {
    const members = blocks[i]!;
    if (members === 'oversized') return;
    for (const f of batchByKey.get(k)!) for (const m of members) addCandidate(f.key, m);
  });
  for (const list of batchByKey.values()) {
    if (list.length < 2 || list.length > BLOCK_LIMIT) continue;
    for (const x of list) for (const y of list) if (x.profileId !== y.profileId) addCandidate(x.key, y.key);
  }
  if (!candidatesOf.size) return summary;

  // 3. pre-score; load the profiles worth comparing
  const known = new Map<string, { profileId: string; record: CleanRecord }>(fresh.map((f) => [f.key, { profileId: f.profileId, record: f.record }]));
  const freshKeys = new Set(fresh.map((f) => f.key));
  const outside = [...new Set([...candidatesOf.values()].flatMap((s) => [...s]))].filter((k) => !freshKeys.has(k));
  for (const [k, m] of await store.memberRecords(outside)) known.set(k, m);
  const involved = new Set<string>();
  for (const [member, cands] of candidatesOf) {
    const me = known.get(member)!;
    for (const c of cands) {
      const other = known.get(c);
      if (!other || other.profileId === me.profileId) continue;
      summary.candidates++;
      if (scorePair(me.record, other.record, rules).decision === 'none') continue;
      involved.add(me.profileId).add(other.profileId);
    }
  }
  if (!involved.size) return summary;
  summary.profilesCompared = involved.size;
  const members = (await mapLimit([...involved], CONCURRENCY, (p) => store.profileMembers(p))).flat();
  const byKey = new Map<string, MemberRecord>();
  for (const m of members) if (m.kind === 'record' && m.record) byKey.set(m.key, m);
  for (const f of fresh) if (involved.has(f.profileId)) byKey.set(f.key, { key: f.key, profileId: f.profileId, kind: 'record', record: f.record });

  // 4. resolve with people's decisions, and apply
  const all = [...byKey.values()];
  // People's decisions between records of different profiles (never a list of every pair: a batch
  // can involve thousands of records).
  const noMerge: Array<[string, string]> = [];
  const approved: Array<[string, string]> = [];
  for (const [pair, d] of await store.decisionsAmong(all.map((m) => m.key))) {
    const [a, b] = pair.split('\u0000') as [string, string];
    if (byKey.get(a)!.profileId !== byKey.get(b)!.profileId) (d === 'noMerge' ? noMerge : approved).push([a, b]);
  }
  const result = resolveClusters(
    all.map((m) => m.record),
    rules,
    { noMerge, approved },
  );
  const applied = await applyResolution(
    store,
    new Map(all.map((m) => [m.key, m.profileId])),
    result,
    { actor: opts.actor ?? 'import', rules, records: new Map(all.map((m) => [m.key, m.record])) },
  );
  return { ...summary, ...applied };
}
