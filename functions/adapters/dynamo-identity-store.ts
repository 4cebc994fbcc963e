/**
 * The IdentityStore port on the one table (layout: docs/identity.md): reads, and the conditional
 * writes that app/identity/merge-protocol.ts sequences into merges, unmerges and splits, each
 * failed condition mapped to a domain error. Moves re-point items (aliases, records, events)
 * instead of copying them, and write profile attributes with UpdateCommand SET on identity
 * attributes only (`phone`, `phones`, `golden`, `mergedInto`, `pshard` for retiring): other areas
 * keep their own attributes on the same profile item.
 */
import { keyedProfile } from './dynamo-numbers.ts';
import { createHash } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type QueryCommandInput, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { profileShard } from '../core/identity-keys.ts';
import { ProfileMovedError, UnmergeError, type Pin, type ProfileIdentity } from '../core/identity/index.ts';
import { defaultMatchRules, orderedPair, pairKey, parseMatchRules, type MatchRules } from '../core/match/index.ts';
import type { CleanRecord } from '../core/model.ts';
import type {
  BlockEntry,
  BlockMarker,
  IdentityStore,
  IndexEntry,
  MemberRecord,
  PairDecision,
  ProfileState,
  Review,
  ReviewInput,
  StoredMerge,
  StoredSplit,
} from '../ports/identity-store.ts';
import { appendAudit } from './dynamo-audit.ts';
import type { AuditEntry } from '../ports/audit.ts';
import { batchGet, batchPut, conditionalWrites, queryAll } from './dynamo-batch.ts';
import { addCounts, addToMerge, dropZeroCounts, repoint } from './dynamo-merged.ts';
import {
  blockKeyPk,
  BLOCK_MARKER,
  mergePk,
  mergesOfPk,
  PAIRS_INDEX,
  pairPk,
  phoneOfPk,
  phonePk,
  profilePk,
  REVIEWS_PENDING,
  reviewPk,
  rulesPk,
  splitPk,
  splitsOfPk,
  isConditionFailure,
} from './dynamo-keys.ts';
import { foundedProfileItem } from './dynamo-profile-store.ts';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';

/** Most cross-profile pairs whose decisions a merge looks up one by one; beyond, the whole list is read. */
const MAX_PAIR_LOOKUPS = 5000;

export const hashBlockingKey = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 32);

/**
 * The fields a blocking-key entry carries for scoring (what rules can compare, and the record's
 * key), as one JSON array string in this order: compact to store and read, and equal for equal
 * records whatever order a stored map's keys come back in.
 */
const ENTRY_FIELDS = ['source', 'recordId', 'phones', 'name', 'nameKey', 'namePinyin', 'email', 'gender', 'birthDate', 'address', 'province', 'city', 'memberId', 'externalIds'] as const;

export function encodeEntryRecord(r: CleanRecord): string {
  return JSON.stringify(
    ENTRY_FIELDS.map((f) => {
      const v = r[f];
      if (v === undefined || v === null || v === '') return null;
      if (f === 'externalIds') return Object.fromEntries(Object.entries(v as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      return v;
    }),
  );
}

export function decodeEntryRecord(text: string): CleanRecord {
  const values = JSON.parse(text) as unknown[];
  const out: Record<string, unknown> = {};
  ENTRY_FIELDS.forEach((f, i) => {
    const v = values[i];
    if (v !== null && v !== undefined) out[f] = v;
  });
  out.phones ??= [];
  return out as unknown as CleanRecord;
}

/**
 * The items that index records under their keys: one per (key, member), blocking and lookup keys
 * alike, carrying the member's profile (`p`) and comparison fields (`r`, encodeEntryRecord) when
 * given. Personal data lives only in attributes (keys are hashed); erasure deletes the person's
 * entries whole.
 */
export function blockEntryItems(entries: IndexEntry[]): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  for (const { member, keys, lookups = [], profileId, record } of entries) {
    const carried = { ...(profileId ? { p: profileId } : {}), ...(record ? { r: encodeEntryRecord(record) } : {}) };
    for (const key of [...keys, ...lookups]) items.push({ pk: blockKeyPk(hashBlockingKey(key)), sk: member, ...carried });
  }
  return dedupe(items);
}

/**
 * The markers (`sk = #`) entries need on their blocking keys, as BlockMarker defines them: for a
 * key without one (`indexed` has none), a marker to make if none exists by then, naming the
 * profile when all the entries under the key are on one; a marker that names another profile than
 * an entry's is rewritten without it (`share`). Nothing ever adds a profile back to a marker.
 */
export function blockMarkerItems(entries: IndexEntry[], indexed?: ReadonlyMap<string, BlockMarker>): { create: Record<string, unknown>[]; share: Record<string, unknown>[] } {
  const profilesOf = new Map<string, Set<string | undefined>>();
  for (const { keys, profileId } of entries) {
    for (const key of keys) {
      let set = profilesOf.get(key);
      if (!set) profilesOf.set(key, (set = new Set()));
      set.add(profileId);
    }
  }
  const create: Record<string, unknown>[] = [];
  const share: Record<string, unknown>[] = [];
  for (const [key, profiles] of profilesOf) {
    const pk = blockKeyPk(hashBlockingKey(key));
    const marker = indexed?.get(key);
    const [only] = profiles;
    if (!marker) create.push({ pk, sk: BLOCK_MARKER, ...(profiles.size === 1 && only ? { p: only } : {}) });
    else if (marker.profileId && [...profiles].some((p) => p !== marker.profileId)) share.push({ pk, sk: BLOCK_MARKER });
  }
  return { create, share };
}

/** A member key `source#recordId` → the items it can be: a source record or an event. */
const recordItemKey = (member: string) => ({ pk: `REC#${member}`, sk: 'REC' });
const memberItemKey = (m: MemberRecord) => (m.kind === 'record' ? recordItemKey(m.key) : { pk: `EVT#${m.key}`, sk: 'EVT' });

export class DynamoIdentityStore implements IdentityStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  // ---- rules ----

  async getRulesDoc(kind: string) {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: rulesPk(kind), sk: 'RULES' }, ConsistentRead: true }));
    return out.Item ? { doc: out.Item.doc as unknown, updatedAt: out.Item.updatedAt as string, actor: out.Item.actor as string | undefined } : undefined;
  }

  async putRulesDoc(kind: string, doc: unknown, actor: string): Promise<void> {
    const at = new Date();
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: rulesPk(kind), sk: 'RULES', kind, doc, updatedAt: at.toISOString(), actor } }));
    await appendAudit(this.db, this.table, { action: 'rules.put', actor, subjects: [`rules:${kind}`] }, at);
  }

  /** The match rules in force: the stored ones (`phonekey rules put`), else the shipped defaults. */
  async matchRules(): Promise<MatchRules> {
    const stored = await this.getRulesDoc('match');
    return stored ? parseMatchRules(stored.doc) : defaultMatchRules;
  }

  // ---- members and profiles ----

  async memberRecords(keys: string[]): Promise<Map<string, MemberRecord>> {
    return (await this.recordsAndProfiles(keys, [])).records;
  }

  async profileMembers(profileId: string): Promise<MemberRecord[]> {
    const out: MemberRecord[] = [];
    for await (const item of this.queryAll({
      IndexName: 'byProfile',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': profilePk(profileId) },
    })) {
      if (item.sk !== 'REC' && item.sk !== 'EVT') continue;
      const event = item.sk === 'EVT';
      out.push({
        key: `${item.source}#${item.recordId}`,
        profileId: item.profileId,
        kind: event ? 'event' : 'record',
        record: item.record,
        arrivedAt: event ? item.receivedAt : item.storedAt,
        number: event ? item.phone : item.record?.phones?.[0],
        ...(event ? { tag: item.tag } : {}),
      });
    }
    return out;
  }

  async profileState(profileId: string): Promise<ProfileState | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: profilePk(profileId), sk: 'PROFILE' },
        ConsistentRead: true,
        ProjectionExpression: 'profileId, phone, phones, mergedInto',
      }),
    );
    return out.Item as ProfileState | undefined;
  }

  async profileStates(profileIds: string[]): Promise<Map<string, ProfileState>> {
    return (await this.recordsAndProfiles([], profileIds)).profiles;
  }


  async currentProfileId(profileId: string): Promise<string | undefined> {
    let id = profileId;
    for (let hops = 0; hops < 32; hops++) {
      const state = await this.profileState(id);
      if (!state) return undefined;
      if (!state.mergedInto) return id;
      id = state.mergedInto;
    }
    throw new Error(`profile ${profileId}: mergedInto chain too long`);
  }

  profileIdForPhone(e164: string): Promise<string | undefined> {
    return keyedProfile(this.db, this.table, e164);
  }

  // ---- blocking-key index ----

  async indexBlockingKeys(entries: IndexEntry[], indexed?: ReadonlyMap<string, BlockMarker>): Promise<void> {
    const { create, share } = blockMarkerItems(entries, indexed);
    // A marker another writer made first may name another profile: where a make fails, the key is shared.
    const made = conditionalWrites(this.db, create, (Item) => ({ Put: { TableName: this.table, Item, ConditionExpression: 'attribute_not_exists(pk)' } })).then(({ failed }) =>
      batchPut(this.db, this.table, failed.map((m) => ({ pk: m.pk, sk: m.sk }))),
    );
    await Promise.all([made, batchPut(this.db, this.table, [...share, ...blockEntryItems(entries)])]);
  }

  async shareBlocks(keys: string[]): Promise<void> {
    await batchPut(this.db, this.table, unique(keys).map((k) => ({ pk: blockKeyPk(hashBlockingKey(k)), sk: BLOCK_MARKER })));
  }

  async unindexBlockingKeys(entries: Array<{ member: string; keys: string[] }>): Promise<void> {
    const keys = dedupe(entries.flatMap(({ member, keys }) => keys.map((k) => ({ pk: blockKeyPk(hashBlockingKey(k)), sk: member }))));
    for (let i = 0; i < keys.length; i += 25) {
      let pending = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      while (pending.length) {
        const out = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
        pending = (out.UnprocessedItems?.[this.table] as typeof pending | undefined) ?? [];
      }
    }
  }

  async indexedKeys(keys: string[], consistent = false): Promise<Map<string, BlockMarker>> {
    const byPk = new Map<string, string>();
    for (const k of keys) byPk.set(blockKeyPk(hashBlockingKey(k)), k);
    const found = await batchGet(this.db, this.table, [...byPk.keys()].map((pk) => ({ pk, sk: BLOCK_MARKER })), ['pk', 'p'], consistent);
    return new Map(found.map((i) => [byPk.get(i.pk as string)!, i.p ? { profileId: i.p as string } : {}]));
  }

  async blockMembers(key: string, limit: number): Promise<string[] | 'oversized'> {
    const items = await this.blockItems(key, limit, ['sk']);
    return items === 'oversized' ? items : items.map((i) => i.sk!);
  }

  async blockEntries(key: string, limit: number): Promise<BlockEntry[] | 'oversized'> {
    const items = await this.blockItems(key, limit, ['sk', 'p', 'r']);
    if (items === 'oversized') return items;
    return items.map((i) => ({ member: i.sk!, ...(i.p ? { profileId: i.p } : {}), ...(i.r ? { record: decodeEntryRecord(i.r) } : {}) }));
  }

  /** The string attributes `projection` of the entries under a key (marker excluded), or `oversized` past `limit`. */
  private async blockItems(key: string, limit: number, projection: string[]): Promise<Array<Record<string, string | undefined>> | 'oversized'> {
    const input = { TableName: this.table, KeyConditionExpression: 'pk = :p AND sk > :m', ProjectionExpression: projection.join(', '), Limit: limit + 1 };
    const pk = blockKeyPk(hashBlockingKey(key));
    const out = await this.db.send(new QueryCommand({ ...input, ExpressionAttributeValues: { ':p': pk, ':m': BLOCK_MARKER } }));
    const items = (out.Items ?? []) as Array<Record<string, string | undefined>>;
    return items.length > limit ? 'oversized' : items;
  }

  async recordsAndProfiles(members: string[], profileIds: string[]): Promise<{ records: Map<string, MemberRecord>; profiles: Map<string, ProfileState> }> {
    const items = await batchGet(
      this.db,
      this.table,
      [...unique(members).map(recordItemKey), ...unique(profileIds).map((id) => ({ pk: profilePk(id), sk: 'PROFILE' }))],
      ['pk', 'profileId', 'record', 'phone', 'phones', 'mergedInto'],
    );
    const records = new Map<string, MemberRecord>();
    const profiles = new Map<string, ProfileState>();
    for (const i of items) {
      const pk = i.pk as string;
      if (pk.startsWith('REC#')) {
        const key = pk.slice('REC#'.length);
        records.set(key, { key, profileId: i.profileId as string, kind: 'record', record: i.record as CleanRecord });
      } else {
        profiles.set(i.profileId as string, { profileId: i.profileId as string, phone: i.phone as string, phones: (i.phones as string[]) ?? [], mergedInto: i.mergedInto as string | undefined });
      }
    }
    return { records, profiles };
  }

  // ---- pair decisions ----

  async pairDecisions(pairs: Array<[string, string]>): Promise<Map<string, PairDecision>> {
    const out = new Map<string, PairDecision>();
    if (!pairs.length) return out;
    if (pairs.length > MAX_PAIR_LOOKUPS) {
      const wanted = new Set(pairs.map(([a, b]) => pairKey(a, b)));
      for (const d of await this.listPairDecisions()) if (wanted.has(pairKey(d.a, d.b))) out.set(pairKey(d.a, d.b), d.decision);
      return out;
    }
    const keys = dedupe(pairs.map(([a, b]) => orderedPair(a, b)).map(([a, b]) => ({ pk: pairPk(a), sk: b })));
    for (const item of await batchGet(this.db, this.table, keys, ['a', 'b', 'decision'])) out.set(pairKey(item.a as string, item.b as string), item.decision as PairDecision);
    return out;
  }

  async decisionsAmong(members: string[]): Promise<Map<string, PairDecision>> {
    const set = [...new Set(members)];
    if ((set.length * (set.length - 1)) / 2 <= MAX_PAIR_LOOKUPS) {
      const pairs: Array<[string, string]> = [];
      for (let i = 0; i < set.length; i++) for (let j = i + 1; j < set.length; j++) pairs.push([set[i]!, set[j]!]);
      return this.pairDecisions(pairs);
    }
    // Too many pairs to look up (or even to list): every decision, kept if both sides are here.
    const here = new Set(set);
    const out = new Map<string, PairDecision>();
    for (const d of await this.listPairDecisions()) if (here.has(d.a) && here.has(d.b)) out.set(pairKey(d.a, d.b), d.decision);
    return out;
  }

  async listPairDecisions(): Promise<Array<{ a: string; b: string; decision: PairDecision }>> {
    const out: Array<{ a: string; b: string; decision: PairDecision }> = [];
    for await (const item of this.queryAll({ IndexName: 'byProfile', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': PAIRS_INDEX } })) {
      out.push({ a: item.a, b: item.b, decision: item.decision });
    }
    return out;
  }

  async putPairDecision(a: string, b: string, decision: PairDecision, actor: string, reason: string): Promise<void> {
    const [x, y] = orderedPair(a, b);
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: pairPk(x), sk: y, a: x, b: y, decision, actor, reason, at: new Date().toISOString(), gsi1pk: PAIRS_INDEX, gsi1sk: `${x}\u0000${y}` },
      }),
    );
  }

  // ---- merges, unmerges and splits: primitives (app/identity/merge-protocol.ts sequences them) ----

  async numbersOwnedBy(phones: string[], profileId: string): Promise<string[]> {
    const aliases = await batchGet(this.db, this.table, phones.map((p) => ({ pk: phonePk(p), sk: 'ALIAS' })), ['pk', 'profileId']);
    return aliases.filter((i) => i.profileId === profileId).map((i) => phoneOfPk(i.pk as string));
  }

  async beginMerge(merge: StoredMerge, intoBefore: { phone: string; phones: string[] }): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: mergePk(merge.mergeId), sk: 'MERGE', kind: 'merge', ...merge, intoBefore, movedCounters: {}, status: 'applying', gsi1pk: mergesOfPk(merge.into), gsi1sk: `${merge.at}#${merge.mergeId}` },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async markMerged(from: string, into: string, mergeId: string, at: string): Promise<Record<string, number>> {
    try {
      const marked = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: profilePk(from), sk: 'PROFILE' },
          UpdateExpression: 'SET mergedInto = :i, mergedBy = :m, mergedAt = :t, updatedAt = :t REMOVE pshard',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(mergedInto)',
          ExpressionAttributeValues: { ':i': into, ':m': mergeId, ':t': at },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return (marked.Attributes?.counters ?? {}) as Record<string, number>;
    } catch (error) {
      if (isConditionFailure(error)) throw new ProfileMovedError(from);
      throw error;
    }
  }

  async abandonMerge(mergeId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: mergePk(mergeId), sk: 'MERGE' } }));
  }

  addToMerge(mergeId: string, members: string[], phones: string[]): Promise<void> {
    return addToMerge(this.db, this.table, mergeId, members, phones);
  }

  addMovedCounts(mergeId: string, counts: Record<string, number>, at: string): Promise<void> {
    return addCounts(this.db, this.table, { pk: mergePk(mergeId), sk: 'MERGE' }, 'movedCounters', counts, 1, at);
  }

  async finishMerge(mergeId: string): Promise<void> {
    await this.setStatus({ pk: mergePk(mergeId), sk: 'MERGE' }, 'done');
  }

  async beginUnmerge(mergeId: string, actor: string, at: string): Promise<{ intoBefore?: { phone: string }; movedCounters: Record<string, number> }> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: mergePk(mergeId), sk: 'MERGE' },
          UpdateExpression: 'SET undoing = :u',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(undoneAt) AND attribute_not_exists(undoing)',
          ExpressionAttributeValues: { ':u': { at, actor } },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { intoBefore: out.Attributes!.intoBefore, movedCounters: out.Attributes!.movedCounters ?? {} };
    } catch (error) {
      if (isConditionFailure(error)) throw new UnmergeError('merge.undone', `merge ${mergeId} is undone, or being undone, already`);
      throw error;
    }
  }

  async restoreProfile(profileId: string, before: { phone: string; phones: string[] }, mergeId: string, at: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: profilePk(profileId), sk: 'PROFILE' },
          UpdateExpression: 'SET phone = :p, phones = :ps, pshard = :s, updatedAt = :t REMOVE mergedInto, mergedBy, mergedAt',
          ConditionExpression: 'mergedBy = :m',
          ExpressionAttributeValues: { ':p': before.phone, ':ps': before.phones, ':s': profileShard(profileId), ':t': at, ':m': mergeId },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ProfileMovedError(profileId);
      throw error;
    }
  }

  async finishUnmerge(mergeId: string, actor: string, at: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: mergePk(mergeId), sk: 'MERGE' },
        UpdateExpression: 'SET undoneAt = :t, undoneBy = :a REMOVE undoing',
        ExpressionAttributeValues: { ':t': at, ':a': actor },
      }),
    );
  }

  repointNumbers(phones: string[], from: string, to: string): Promise<void> {
    return repoint(this.db, this.table, phones.map((p) => ({ pk: phonePk(p), sk: 'ALIAS' })), from, to, false);
  }

  repointMembers(members: MemberRecord[], from: string, to: string): Promise<void> {
    return repoint(this.db, this.table, members.map(memberItemKey), from, to, true);
  }

  async setIdentity(profileId: string, identity: ProfileIdentity, at: string): Promise<void> {
    const { phone, phones, golden } = identity;
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: profilePk(profileId), sk: 'PROFILE' },
        UpdateExpression: `SET ${phone ? 'phone = :p, ' : ''}phones = :ps, updatedAt = :t${golden ? ', golden = :g' : ' REMOVE golden'}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ...(phone ? { ':p': phone } : {}), ':ps': phones, ':t': at, ...(golden ? { ':g': golden } : {}) },
      }),
    );
  }

  async addProfileCounts(profileId: string, counts: Record<string, number>, sign: 1 | -1, at: string): Promise<void> {
    if (!Object.keys(counts).length) return;
    const Key = { pk: profilePk(profileId), sk: 'PROFILE' };
    await addCounts(this.db, this.table, Key, 'counters', counts, sign, at);
    if (sign < 0) await dropZeroCounts(this.db, this.table, Key);
  }

  async beginSplit(split: StoredSplit): Promise<void> {
    const { applied: _a, ...item } = split;
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: { pk: splitPk(split.splitId), sk: 'SPLIT', kind: 'split', ...item, status: 'applying', gsi1pk: splitsOfPk(split.from), gsi1sk: `${split.at}#${split.splitId}` } }),
    );
  }

  async foundSplitProfile(split: StoredSplit): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...foundedProfileItem(split.to, split.moved.phones[0], split.moved.phones, split.at), splitBy: split.splitId },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // founded by the attempt that crashed
    }
  }

  async markSplitCounted(splitId: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({ TableName: this.table, Key: { pk: splitPk(splitId), sk: 'SPLIT' }, UpdateExpression: 'SET counted = :t', ConditionExpression: 'attribute_not_exists(counted)', ExpressionAttributeValues: { ':t': true } }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }

  async finishSplit(splitId: string): Promise<void> {
    await this.setStatus({ pk: splitPk(splitId), sk: 'SPLIT' }, 'done');
  }

  private async setStatus(Key: { pk: string; sk: string }, status: string): Promise<void> {
    await this.db.send(new UpdateCommand({ TableName: this.table, Key, UpdateExpression: 'SET #s = :d', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':d': status } }));
  }

  async audit(entry: AuditEntry, at?: Date): Promise<void> {
    await appendAudit(this.db, this.table, entry, at);
  }

  async markSplitUndone(splitId: string, actor: string, mergeId: string | undefined): Promise<StoredSplit | undefined> {
    const at = new Date();
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: splitPk(splitId), sk: 'SPLIT' },
          UpdateExpression: `SET undoneAt = :t, undoneBy = :a${mergeId ? ', undoneByMerge = :m' : ''}`,
          ConditionExpression: '#s = :done AND attribute_not_exists(undoneAt)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':t': at.toISOString(), ':a': actor, ':done': 'done', ...(mergeId ? { ':m': mergeId } : {}) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const split = toSplit(out.Attributes!);
      await appendAudit(this.db, this.table, { action: 'split.undo', actor, subjects: [split.from, split.to, splitId, ...(mergeId ? [mergeId] : [])] }, at);
      return split;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async splitsOf(profileId: string): Promise<StoredSplit[]> {
    const out: StoredSplit[] = [];
    for await (const item of this.queryAll({ IndexName: 'byProfile', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': splitsOfPk(profileId) }, ScanIndexForward: false })) out.push(toSplit(item));
    const founded = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: profilePk(profileId), sk: 'PROFILE' }, ProjectionExpression: 'splitBy' }));
    const by = founded.Item?.splitBy as string | undefined;
    const origin = by ? await this.getSplit(by) : undefined;
    return origin ? [...out, origin] : out;
  }

  async getSplit(splitId: string): Promise<StoredSplit | undefined> {
    const item = (await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: splitPk(splitId), sk: 'SPLIT' }, ConsistentRead: true }))).Item;
    return item && toSplit(item);
  }

  async mergesInto(profileId: string): Promise<StoredMerge[]> {
    const out: StoredMerge[] = [];
    for await (const item of this.queryAll({
      IndexName: 'byProfile',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': mergesOfPk(profileId) },
      ScanIndexForward: false,
    })) {
      out.push(toMerge(item));
    }
    return out;
  }

  async getMerge(mergeId: string): Promise<StoredMerge | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: mergePk(mergeId), sk: 'MERGE' } }));
    return out.Item && toMerge(out.Item);
  }

  // ---- reviews ----

  async queueReviews(items: ReviewInput[]): Promise<number> {
    if (!items.length) return 0;
    const unique = [...new Map(items.map((i) => [i.reviewId, i])).values()];
    const existing = new Set(
      (await batchGet(this.db, this.table, unique.map((i) => ({ pk: reviewPk(i.reviewId), sk: 'REVIEW' })), ['pk'])).map((i) => i.pk as string),
    );
    const fresh = unique.filter((i) => !existing.has(reviewPk(i.reviewId)));
    const createdAt = new Date().toISOString();
    await batchPut(
      this.db,
      this.table,
      fresh.map((r) => ({ pk: reviewPk(r.reviewId), sk: 'REVIEW', kind: 'review', ...r, status: 'pending', createdAt, gsi1pk: REVIEWS_PENDING, gsi1sk: `${createdAt}#${r.reviewId}` })),
    );
    return fresh.length;
  }

  async pendingReviews(limit = 100): Promise<Review[]> {
    const out: Review[] = [];
    for await (const item of this.queryAll({ IndexName: 'byProfile', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': REVIEWS_PENDING } })) {
      out.push(toReview(item));
      if (out.length >= limit) break;
    }
    return out;
  }

  async getReview(reviewId: string): Promise<Review | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: reviewPk(reviewId), sk: 'REVIEW' }, ConsistentRead: true }));
    return out.Item && toReview(out.Item);
  }

  async pinFields(profileId: string, pins: Record<string, Pin>, actor: string): Promise<void> {
    const fields = Object.keys(pins);
    if (!fields.length) return;
    const at = new Date();
    const Key = { pk: profilePk(profileId), sk: 'PROFILE' };
    const live = 'attribute_exists(pk) AND attribute_not_exists(mergedInto)';
    // the map first (one path may not be both created and written into in one update), then each field
    await this.db.send(new UpdateCommand({ TableName: this.table, Key, UpdateExpression: 'SET pins = if_not_exists(pins, :empty)', ConditionExpression: live, ExpressionAttributeValues: { ':empty': {} } }));
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key,
        UpdateExpression: `SET ${fields.map((_, i) => `pins.#f${i} = :p${i}`).join(', ')}, updatedAt = :now`,
        ConditionExpression: live,
        ExpressionAttributeNames: Object.fromEntries(fields.map((f, i) => [`#f${i}`, f])),
        ExpressionAttributeValues: { ...Object.fromEntries(fields.map((f, i) => [`:p${i}`, pins[f]])), ':now': at.toISOString() },
      }),
    );
    await appendAudit(this.db, this.table, { action: 'profile.pin', actor, subjects: [profileId, ...new Set(fields.map((f) => pins[f]!.member))], detail: { fields } }, at);
  }

  async decideReview(reviewId: string, decision: 'approved' | 'rejected', actor: string, mergeId?: string): Promise<Review> {
    const at = new Date();
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: reviewPk(reviewId), sk: 'REVIEW' },
        UpdateExpression: `SET #s = :d, decidedAt = :t, decidedBy = :a${mergeId ? ', mergeId = :m' : ''} REMOVE gsi1pk, gsi1sk`,
        ConditionExpression: '#s = :pending',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':d': decision, ':t': at.toISOString(), ':a': actor, ':pending': 'pending', ...(mergeId ? { ':m': mergeId } : {}) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    await appendAudit(
      this.db,
      this.table,
      { action: decision === 'approved' ? 'review.approve' : 'review.reject', actor, subjects: [reviewId, out.Attributes!.a.key, out.Attributes!.b.key, ...(mergeId ? [mergeId] : [])] },
      at,
    );
    return toReview(out.Attributes!);
  }

  private queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): AsyncIterable<Record<string, any>> {
    return queryAll(this.db, this.table, input);
  }
}

function toMerge(item: Record<string, any>): StoredMerge {
  const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _gs, kind: _k, intoBefore: _ib, movedCounters: _mc, status: _s, ...rest } = item;
  // the merge and a concurrent writer may both have added a late member (dynamo-merged.ts)
  const moved = rest.moved as StoredMerge['moved'];
  return { ...rest, moved: { phones: unique(moved.phones), members: unique(moved.members) } } as StoredMerge;
}

function toSplit(item: Record<string, any>): StoredSplit {
  const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _gs, kind: _k, status, counted: _c, ...rest } = item;
  return { ...rest, applied: status === 'done' } as StoredSplit;
}

function toReview(item: Record<string, any>): Review {
  const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _gs, kind: _k, ...rest } = item;
  return rest as Review;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function dedupe<T extends Record<string, unknown>>(items: T[]): T[] {
  const seen = new Map<string, T>();
  for (const i of items) seen.set(`${i.pk}\u0000${i.sk}`, i);
  return [...seen.values()];
}
