/**
 * What identity resolution needs from storage: member records, the blocking-key index, stored
 * merges (and their undoing), pair decisions and the review queue, and the rules documents. The
 * DynamoDB adapter (`functions/adapters/dynamo-identity-store.ts`) implements it; the item layout
 * is in docs/identity.md.
 *
 * A *member* is a source record or an event of a profile, named by its key `source#recordId`
 * (as in exports: `{source, recordId}`).
 */
import type { CleanRecord } from '../core/model.ts';
import type { PairDecision, Pin, ProfileIdentity } from '../core/identity/index.ts';
import type { AuditEntry } from './audit.ts';
import type { MatchRules, MergeExplanation } from '../core/match/index.ts';

export type { PairDecision };

export interface MemberRecord {
  key: string;
  profileId: string;
  kind: 'record' | 'event';
  record: CleanRecord;
  /** When it was stored on a profile. */
  arrivedAt?: string;
  /** The number it came by (an event's number, a record's first). */
  number?: string;
  /** An event's tag. */
  tag?: string;
}

/** Why two profiles were merged: the pair of members that linked them and how it scored. */
/**
 * The matcher's explanation (member keys `a`/`b` of the linking pair, one in each profile; `rule`:
 * exact rule ids such as `phone+email`, `fuzzy:<comparators>`, or `approved` for a person) with
 * its readable reasons.
 */
export interface MergeReason extends MergeExplanation {
  reasons: string[];
  /** A review that led to this merge, if any. */
  reviewId?: string;
}

export interface StoredMerge extends MergeReason {
  mergeId: string;
  into: string;
  from: string;
  at: string;
  actor: string;
  /** Exactly what moved from `from` to `into`, so the merge can be undone. */
  moved: { phones: string[]; members: string[] };
  /** `from` as it was before the merge (its primary phone and numbers). */
  fromBefore: { phone: string; phones: string[] };
  undoneAt?: string;
  undoneBy?: string;
}

/** A profile split by the re-match: which members and numbers left for a new profile, and why. */
export interface StoredSplit {
  splitId: string;
  /** The profile split, and the one its leaving members now make. */
  from: string;
  to: string;
  at: string;
  actor: string;
  moved: { members: string[]; phones: string[] };
  /** The leaving events' counts, by tag. */
  counts: Record<string, number>;
  /** The numbers that glued the two (see core/identity/split.ts). */
  glue: string[];
  /** A member that left and one that stayed. */
  pair: [string, string];
  /** The nightly run that split it. */
  runId: string;
  /** Every member, number and count moved (a run that stopped halfway finishes it when run again). */
  applied: boolean;
  undoneAt?: string;
  undoneBy?: string;
  /** The merge that undid it. */
  undoneByMerge?: string;
}

export interface UnmergeResult {
  /** The profile the member was taken out of, and the one restored for it. */
  profileId: string;
  restored: string;
  mergeId: string;
  phones: string[];
  members: string[];
}

export interface ReviewSide {
  key: string;
  profileId: string;
  record?: CleanRecord;
}

export interface Review {
  reviewId: string;
  status: 'pending' | 'approved' | 'rejected';
  a: ReviewSide;
  b: ReviewSide;
  score: number;
  fieldScores: Record<string, number>;
  reasons: string[];
  /** Why it is in the queue (score between thresholds, conflict guard, blocked link, …). */
  reason: string;
  createdAt: string;
  decidedAt?: string;
  decidedBy?: string;
  /** The merge an approval made. */
  mergeId?: string;
}

export type ReviewInput = Omit<Review, 'status' | 'createdAt' | 'decidedAt' | 'decidedBy' | 'mergeId'>;

export interface ProfileState {
  profileId: string;
  phone: string;
  phones: string[];
  mergedInto?: string;
}

/**
 * One blocking-key index entry. Entries written since check on entry used them carry the member's
 * profile (when indexed) and its comparison fields, so a form check scores without reading the
 * records first; older entries carry only the member.
 */
export interface BlockEntry {
  member: string;
  profileId?: string;
  record?: CleanRecord;
}

/** A record to index: its blocking keys (marked) and lookup keys (not), its profile and comparison fields. */
export interface IndexEntry {
  member: string;
  keys: string[];
  lookups?: string[];
  profileId?: string;
  record?: CleanRecord;
}

/**
 * What a blocking key's marker says: the key has members, and `profileId` while every member
 * under it was indexed on that one profile and has left it only by a merge that retired it.
 */
export interface BlockMarker {
  profileId?: string;
}

export interface IdentityStore {
  // ---- members ----
  /** The stored records (not events) of the given member keys, with their current profile. */
  memberRecords(keys: string[]): Promise<Map<string, MemberRecord>>;
  /** Every member (records and events) of a profile, with the record each carries. */
  profileMembers(profileId: string): Promise<MemberRecord[]>;
  /** A profile's id after following `mergedInto` (undefined when there is no such profile). */
  currentProfileId(profileId: string): Promise<string | undefined>;
  profileState(profileId: string): Promise<ProfileState | undefined>;
  /** Several profiles' numbers in one read (eventually consistent: for display, e.g. check on entry). */
  profileStates(profileIds: string[]): Promise<Map<string, ProfileState>>;
  profileIdForPhone(e164: string): Promise<string | undefined>;

  // ---- blocking-key index (check on entry, match on arrival) ----
  /**
   * Indexes each record under its blocking keys (`<blockingId>:<value>`, see core blockingKeys),
   * each with a marker (BlockMarker), and under its `lookups` (search keys) without one.
   * `indexed`: the markers indexedKeys read for these keys; a key missing from it gets a marker
   * made only if none exists by then.
   */
  indexBlockingKeys(entries: IndexEntry[], indexed?: ReadonlyMap<string, BlockMarker>): Promise<void>;
  /** The markers of those keys that have members (one BatchGet per 100 keys; `consistent`: strongly consistent). */
  indexedKeys(keys: string[], consistent?: boolean): Promise<Map<string, BlockMarker>>;
  /** Makes the keys' markers name no profile: members under them are moving to another live profile. */
  shareBlocks(keys: string[]): Promise<void>;
  /** The members indexed under a key, or `oversized` when there are more than `limit`. */
  blockMembers(key: string, limit: number): Promise<string[] | 'oversized'>;
  /** The entries under a key with what they carry (see BlockEntry), or `oversized` when there are more than `limit`. */
  blockEntries(key: string, limit: number): Promise<BlockEntry[] | 'oversized'>;
  /** In one read: the members' stored records (with their current profile) and the given profiles' numbers (eventually consistent). */
  recordsAndProfiles(members: string[], profileIds: string[]): Promise<{ records: Map<string, MemberRecord>; profiles: Map<string, ProfileState> }>;
  /** Removes index entries (erasure, or a record whose keys changed). */
  unindexBlockingKeys(entries: Array<{ member: string; keys: string[] }>): Promise<void>;

  // ---- pair decisions ----
  /** Decisions recorded for any of the given pairs, keyed by `a\u0000b` in canonical order. */
  pairDecisions(pairs: Array<[string, string]>): Promise<Map<string, PairDecision>>;
  /** Decisions recorded between any two of the given members (memory linear in their number, not in the pairs). */
  decisionsAmong(members: string[]): Promise<Map<string, PairDecision>>;
  /** Every recorded decision (for the nightly re-match: resolve()'s noMerge / approved). */
  listPairDecisions(): Promise<Array<{ a: string; b: string; decision: PairDecision }>>;
  putPairDecision(a: string, b: string, decision: PairDecision, actor: string, reason: string): Promise<void>;

  // ---- merges, unmerges and splits ----
  // Conditional-write primitives; app/identity/merge-protocol.ts sequences them and explains why in that order.
  /** Of the numbers, those whose alias points at the profile now. */
  numbersOwnedBy(phones: string[], profileId: string): Promise<string[]>;
  /** Stores the MERGE item (`applying`) with `into`'s numbers as they were. */
  beginMerge(merge: StoredMerge, intoBefore: { phone: string; phones: string[] }): Promise<void>;
  /** Marks `from` retired into `into` by the merge and returns its counters at that instant; ProfileMovedError when it is retired already. */
  markMerged(from: string, into: string, mergeId: string, at: string): Promise<Record<string, number>>;
  /** Removes the MERGE item of a merge that moved nothing (its mark failed). */
  abandonMerge(mergeId: string): Promise<void>;
  /** Appends members and numbers that reached the retired side late to the merge's lists of what moved. */
  addToMerge(mergeId: string, members: string[], phones: string[]): Promise<void>;
  /** Adds counts to what the merge moved (an unmerge takes them back off the survivor). */
  addMovedCounts(mergeId: string, counts: Record<string, number>, at: string): Promise<void>;
  finishMerge(mergeId: string): Promise<void>;
  /**
   * Claims a merge for undoing and returns what the unmerge needs beyond StoredMerge: the
   * survivor's primary number before the merge and the counters the mark moved. UnmergeError
   * `merge.undone` when it is undone (or being undone) already.
   */
  beginUnmerge(mergeId: string, actor: string, at: string): Promise<{ intoBefore?: { phone: string }; movedCounters: Record<string, number> }>;
  /** Brings a retired profile back with its numbers as they were; ProfileMovedError unless that merge still retires it. */
  restoreProfile(profileId: string, before: { phone: string; phones: string[] }, mergeId: string, at: string): Promise<void>;
  finishUnmerge(mergeId: string, actor: string, at: string): Promise<void>;
  /** Points number aliases from one profile at another, each only where it still points at `from`. */
  repointNumbers(phones: string[], from: string, to: string): Promise<void>;
  /** Points members (records, events) from one profile at another, each only where it still points at `from`. */
  repointMembers(members: MemberRecord[], from: string, to: string): Promise<void>;
  /** Writes a live profile's numbers and golden record (core profileIdentity). */
  setIdentity(profileId: string, identity: ProfileIdentity, at: string): Promise<void>;
  /** Adds (1) or takes away (−1) counts on a profile; tags a take-away leaves at zero are removed. */
  addProfileCounts(profileId: string, counts: Record<string, number>, sign: 1 | -1, at: string): Promise<void>;
  /** Stores the SPLIT item (`applying`). */
  beginSplit(split: StoredSplit): Promise<void>;
  /** Founds the split's new profile, unless an earlier attempt did. */
  foundSplitProfile(split: StoredSplit): Promise<void>;
  /** Marks a split's counts moved; false when they were already. */
  markSplitCounted(splitId: string): Promise<boolean>;
  finishSplit(splitId: string): Promise<void>;
  /** Pins golden fields of a profile to member records (a steward's choice), audited; other pins stay. */
  pinFields(profileId: string, pins: Record<string, Pin>, actor: string): Promise<void>;
  /** Marks an applied split undone (by `mergeId` when a merge undid it), audited; undefined when it was undone already or is not applied (a failed condition). */
  markSplitUndone(splitId: string, actor: string, mergeId: string | undefined): Promise<StoredSplit | undefined>;
  /** Splits out of a profile, newest first, then the split that founded it if one did (undone ones included, marked). */
  splitsOf(profileId: string): Promise<StoredSplit[]>;
  getSplit(splitId: string): Promise<StoredSplit | undefined>;
  /** Merges into a profile, newest first (undone ones included, marked). */
  mergesInto(profileId: string): Promise<StoredMerge[]>;

  /** Appends an entry to the audit log. */
  audit(entry: AuditEntry, at?: Date): Promise<void>;

  // ---- review queue ----
  /** Queues reviews not yet queued (ids are per pair): returns how many were new. */
  queueReviews(items: ReviewInput[]): Promise<number>;
  pendingReviews(limit?: number): Promise<Review[]>;
  getReview(reviewId: string): Promise<Review | undefined>;
  /** Marks a pending review decided (fails if it is not pending). */
  decideReview(reviewId: string, decision: 'approved' | 'rejected', actor: string, mergeId?: string): Promise<Review>;

  // ---- rules documents (`match`, and later `tags`) ----
  /** The match rules in force: the stored `match` document, else the shipped defaults. */
  matchRules(): Promise<MatchRules>;
  getRulesDoc(kind: string): Promise<{ doc: unknown; updatedAt: string; actor?: string } | undefined>;
  putRulesDoc(kind: string, doc: unknown, actor: string): Promise<void>;
}
