/**
 * The IdentityStore port on the one table (layout: docs/identity.md). Merges and unmerges
 * re-point items (aliases, records, events) instead of copying them, and write profile attributes
 * with UpdateCommand SET on identity attributes only (`phone`, `phones`, `golden`, `mergedInto`,
 * `pshard` for retiring): other areas keep their own attributes on the same profile item.
 */
import { keyedProfile } from './dynamo-numbers.ts';
import { createHash, randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, type QueryCommandInput, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { profileShard, splitIds } from '../core/identity-keys.ts';
import { forbiddenAcross, mergeToUndo, pairsForbiddenByUnmerge, planUnmerge, profileIdentity, type Pin, type SplitPart } from '../core/identity/index.ts';
import { defaultMatchRules, orderedPair, pairKey, parseMatchRules, type MatchRules } from '../core/match/index.ts';
import type { CleanRecord } from '../core/model.ts';
import type {
  BlockEntry,
  IdentityStore,
  MemberRecord,
  MergeReason,
  PairDecision,
  ProfileState,
  Review,
  ReviewInput,
  StoredMerge,
  StoredSplit,
  UnmergeResult,
} from '../ports/identity-store.ts';
import { appendAudit } from './dynamo-audit.ts';
import { batchGet, batchPut, queryAll } from './dynamo-batch.ts';
import { addCounts, addToMerge, dropZeroCounts, repoint } from './dynamo-merged.ts';
import { fromItem, leanReads, type DynamoJsonClient, type RawItem } from './dynamo-json.ts';
import {
  blockKeyPk,
  BLOCK_MARKER,
  mergePk,
  mergesOfPk,
  PAIRS_INDEX,
  pairPk,
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
 * The items that index records under their blocking keys: one per (key, member), carrying the
 * member's profile (`p`) and comparison fields (`r`, encodeEntryRecord) when given, and a marker
 * (`sk = #`) per key not in `indexed`. Personal data lives only in attributes (keys are hashed);
 * erasure deletes the person's entries whole.
 */
export function blockEntryItems(entries: Array<{ member: string; keys: string[]; profileId?: string; record?: CleanRecord }>, indexed?: ReadonlySet<string>): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  const markers = new Set<string>();
  for (const { member, keys, profileId, record } of entries) {
    const carried = { ...(profileId ? { p: profileId } : {}), ...(record ? { r: encodeEntryRecord(record) } : {}) };
    for (const key of keys) {
      const pk = blockKeyPk(hashBlockingKey(key));
      items.push({ pk, sk: member, ...carried });
      if (!indexed?.has(key)) markers.add(pk);
    }
  }
  return [...dedupe(items), ...[...markers].map((pk) => ({ pk, sk: BLOCK_MARKER }))];
}

/** A member key `source#recordId` → the items it can be: a source record or an event. */
const recordItemKey = (member: string) => ({ pk: `REC#${member}`, sk: 'REC' });
const memberItemKey = (m: MemberRecord) => (m.kind === 'record' ? recordItemKey(m.key) : { pk: `EVT#${m.key}`, sk: 'EVT' });

export class UnmergeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'UnmergeError';
  }
}

export class MergeForbiddenError extends Error {
  constructor(readonly pair: [string, string]) {
    super(`a person forbade merging ${pair[0]} and ${pair[1]}`);
    this.name = 'MergeForbiddenError';
  }
}

export class DynamoIdentityStore implements IdentityStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * The hot reads (block queries, candidate records, profile numbers: what check on entry and
   * match on arrival read per call) go over DynamoDB's JSON protocol without the SDK's middleware
   * (functions/adapters/dynamo-json.ts); everything else, and these when it cannot be set up, uses the SDK.
   */
  private lean(): Promise<DynamoJsonClient | undefined> {
    return leanReads(this.db);
  }

  /** BatchGetItem of plain items (100 keys a request, unprocessed keys retried), lean when possible. */
  private async readBatch(keys: Array<{ pk: string; sk: string }>, projection: string[]): Promise<Record<string, any>[]> {
    if (!keys.length) return [];
    const lean = await this.lean();
    if (!lean) return batchGet(this.db, this.table, keys, projection);
    const names = Object.fromEntries(projection.map((p, i) => [`#p${i}`, p]));
    const found: Record<string, any>[] = [];
    const chunks: Array<typeof keys> = [];
    for (let i = 0; i < keys.length; i += 100) chunks.push(keys.slice(i, i + 100));
    await Promise.all(
      chunks.map(async (chunk) => {
        let pending: RawItem[] = chunk.map((k) => ({ pk: { S: k.pk }, sk: { S: k.sk } }));
        for (let attempt = 0; pending.length; attempt++) {
          if (attempt) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
          const out = await lean.call<{ Responses?: Record<string, RawItem[]>; UnprocessedKeys?: Record<string, { Keys?: RawItem[] }> }>('BatchGetItem', {
            RequestItems: { [this.table]: { Keys: pending, ProjectionExpression: Object.keys(names).join(','), ExpressionAttributeNames: names } },
          });
          for (const item of out.Responses?.[this.table] ?? []) found.push(fromItem(item));
          pending = out.UnprocessedKeys?.[this.table]?.Keys ?? [];
        }
      }),
    );
    return found;
  }

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

  async indexBlockingKeys(entries: Array<{ member: string; keys: string[]; profileId?: string; record?: CleanRecord }>, indexed?: ReadonlySet<string>): Promise<void> {
    await batchPut(this.db, this.table, blockEntryItems(entries, indexed));
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

  async indexedKeys(keys: string[]): Promise<Set<string>> {
    const byPk = new Map<string, string>();
    for (const k of keys) byPk.set(blockKeyPk(hashBlockingKey(k)), k);
    const found = await batchGet(this.db, this.table, [...byPk.keys()].map((pk) => ({ pk, sk: BLOCK_MARKER })), ['pk']);
    return new Set(found.map((i) => byPk.get(i.pk as string)!));
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
    const lean = await this.lean();
    let items: Array<Record<string, string | undefined>>;
    if (lean) {
      const out = await lean.call<{ Items?: Array<Record<string, { S: string }>> }>('Query', { ...input, ExpressionAttributeValues: { ':p': { S: pk }, ':m': { S: BLOCK_MARKER } } });
      items = (out.Items ?? []).map((i) => Object.fromEntries(projection.map((a) => [a, i[a]?.S])));
    } else {
      const out = await this.db.send(new QueryCommand({ ...input, ExpressionAttributeValues: { ':p': pk, ':m': BLOCK_MARKER } }));
      items = (out.Items ?? []) as typeof items;
    }
    return items.length > limit ? 'oversized' : items;
  }

  async recordsAndProfiles(members: string[], profileIds: string[]): Promise<{ records: Map<string, MemberRecord>; profiles: Map<string, ProfileState> }> {
    const items = await this.readBatch(
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

  // ---- merges ----

  async merge(intoId: string, fromId: string, reason: MergeReason, actor: string): Promise<StoredMerge | undefined> {
    const into = await this.currentProfileId(intoId);
    const from = await this.currentProfileId(fromId);
    if (!into) throw new Error(`no profile ${intoId}`);
    if (!from) throw new Error(`no profile ${fromId}`);
    if (into === from) return undefined;
    const [a, b] = await Promise.all([this.profileState(into), this.profileState(from)]);
    const [membersA, membersB] = await Promise.all([this.profileMembers(into), this.profileMembers(from)]);

    if (reason.rule !== 'approved') {
      const sideA = membersA.map((m) => m.key);
      const sideB = membersB.map((m) => m.key);
      const forbidden = forbiddenAcross(sideA, sideB, await this.decisionsAmong([...sideA, ...sideB]));
      if (forbidden) throw new MergeForbiddenError(forbidden);
    }

    const rules = await this.matchRules();
    // numbers that point at `from` now: they move
    const aliasItems = await batchGet(this.db, this.table, (b!.phones ?? []).map((p) => ({ pk: phonePk(p), sk: 'ALIAS' })), ['pk', 'profileId']);
    const movedPhones = aliasItems.filter((i) => i.profileId === from).map((i) => (i.pk as string).slice('PHONE#'.length));
    const movedMembers = membersB.map((m) => m.key);
    const now = new Date();
    const at = now.toISOString();
    const merge: StoredMerge = {
      ...reason,
      mergeId: `m_${randomUUID().replace(/-/g, '').slice(0, 20)}`,
      into,
      from,
      at,
      actor,
      moved: { phones: movedPhones, members: movedMembers },
      fromBefore: { phone: b!.phone, phones: b!.phones ?? [] },
    };
    const intoBefore = { phone: a!.phone, phones: a!.phones ?? [] };
    // The MERGE item first: a crash part-way leaves a record of what was being moved.
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: mergePk(merge.mergeId), sk: 'MERGE', kind: 'merge', ...merge, intoBefore, movedCounters: {}, status: 'applying', gsi1pk: mergesOfPk(into), gsi1sk: `${at}#${merge.mergeId}` },
      }),
    );
    // Then the mark, before anything moves: a writer that stores a record on `from` after this sees
    // it and moves the record itself; what was stored before it is found by reading `from` again.
    // The counters as the mark found them are what moves: later counts follow the mark themselves.
    const marked = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: profilePk(from), sk: 'PROFILE' },
        UpdateExpression: 'SET mergedInto = :i, mergedBy = :m, mergedAt = :t, updatedAt = :t REMOVE pshard',
        ExpressionAttributeValues: { ':i': into, ':m': merge.mergeId, ':t': at },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const movedCounters = (marked.Attributes?.counters ?? {}) as Record<string, number>;

    await repoint(this.db, this.table, movedPhones.map((p) => ({ pk: phonePk(p), sk: 'ALIAS' })), from, into, false);
    await repoint(this.db, this.table, membersB.map(memberItemKey), from, into, true);
    // Members and numbers that reached `from` while this merge was reading it
    const moved = new Set(movedMembers);
    const lateMembers = (await this.profileMembers(from)).filter((m) => !moved.has(m.key));
    const lateAliases = await batchGet(this.db, this.table, ((await this.profileState(from))?.phones ?? []).filter((p) => !movedPhones.includes(p)).map((p) => ({ pk: phonePk(p), sk: 'ALIAS' })), ['pk', 'profileId']);
    const latePhones = lateAliases.filter((i) => i.profileId === from).map((i) => (i.pk as string).slice('PHONE#'.length));
    await repoint(this.db, this.table, latePhones.map((p) => ({ pk: phonePk(p), sk: 'ALIAS' })), from, into, false);
    await repoint(this.db, this.table, lateMembers.map(memberItemKey), from, into, true);
    await addToMerge(this.db, this.table, merge.mergeId, lateMembers.map((m) => m.key), latePhones);
    merge.moved = { phones: [...movedPhones, ...latePhones], members: [...movedMembers, ...lateMembers.map((m) => m.key)] };

    const phones = unique([...intoBefore.phones, ...merge.moved.phones]);
    await this.writeIdentity(into, [...membersA, ...membersB, ...lateMembers], phones, rules, now, intoBefore.phone);
    await addCounts(this.db, this.table, { pk: mergePk(merge.mergeId), sk: 'MERGE' }, 'movedCounters', movedCounters, 1, at);
    await addCounts(this.db, this.table, { pk: profilePk(into), sk: 'PROFILE' }, 'counters', movedCounters, 1, at);
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: mergePk(merge.mergeId), sk: 'MERGE' },
        UpdateExpression: 'SET #s = :d',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':d': 'done' },
      }),
    );
    await appendAudit(
      this.db,
      this.table,
      { action: 'merge', actor, subjects: [into, from, merge.mergeId, reason.a, reason.b], detail: { rule: reason.rule, score: reason.score, fieldScores: reason.fieldScores, reviewId: reason.reviewId } },
      now,
    );
    return merge;
  }

  async unmerge(profileId: string, member: string, actor: string): Promise<UnmergeResult> {
    const current = await this.currentProfileId(profileId);
    if (!current) throw new UnmergeError('profile.not_found', `no profile ${profileId}`);
    const members = await this.profileMembers(current);
    if (!members.some((m) => m.key === member)) throw new UnmergeError('member.not_in_profile', `${member} is not a member of profile ${current}`);
    const merge = mergeToUndo(await this.mergesInto(current), member);
    if (!merge) throw new UnmergeError('merge.not_found', `profile ${current} was not formed by any merge: nothing to undo`);
    const now = new Date();
    const at = now.toISOString();
    const { into, from } = merge;
    const item = (await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: mergePk(merge.mergeId), sk: 'MERGE' }, ConsistentRead: true }))).Item!;

    // what the merge moved, and what came since by the numbers it moved (core/identity/unmerge.ts)
    const plan = planUnmerge(merge, members);
    const goingBack = new Set(plan.back);
    const back = members.filter((m) => goingBack.has(m.key));
    await repoint(this.db, this.table, merge.moved.phones.map((p) => ({ pk: phonePk(p), sk: 'ALIAS' })), into, from, false);
    await repoint(this.db, this.table, back.map(memberItemKey), into, from, true);
    const rules = await this.matchRules();
    const movedBack = new Set(back.map((m) => m.key));
    const remaining = members.filter((m) => !movedBack.has(m.key));
    const intoState = await this.profileState(into);
    const movedPhones = new Set(merge.moved.phones);
    const intoPhones = (intoState?.phones ?? []).filter((p) => !movedPhones.has(p));
    const intoBefore = item.intoBefore as { phone: string } | undefined;
    await this.writeIdentity(into, remaining, intoPhones, rules, now, intoBefore?.phone);
    if (item.movedCounters) await addCounts(this.db, this.table, { pk: profilePk(into), sk: 'PROFILE' }, 'counters', item.movedCounters as Record<string, number>, -1, at);
    await addCounts(this.db, this.table, { pk: profilePk(into), sk: 'PROFILE' }, 'counters', plan.countsSince, -1, at);
    await dropZeroCounts(this.db, this.table, { pk: profilePk(into), sk: 'PROFILE' });
    await addCounts(this.db, this.table, { pk: profilePk(from), sk: 'PROFILE' }, 'counters', plan.countsSince, 1, at);

    // the retired profile comes back as it was
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: profilePk(from), sk: 'PROFILE' },
        UpdateExpression: 'SET phone = :p, phones = :ps, pshard = :s, updatedAt = :t REMOVE mergedInto, mergedBy, mergedAt',
        ExpressionAttributeValues: { ':p': merge.fromBefore.phone, ':ps': merge.fromBefore.phones, ':s': profileShard(from), ':t': at },
      }),
    );
    await this.writeIdentity(from, back, merge.fromBefore.phones, rules, now, merge.fromBefore.phone);

    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: mergePk(merge.mergeId), sk: 'MERGE' },
        UpdateExpression: 'SET undoneAt = :t, undoneBy = :a',
        ExpressionAttributeValues: { ':t': at, ':a': actor },
      }),
    );
    for (const [x, y] of pairsForbiddenByUnmerge(merge, member)) await this.putPairDecision(x, y, 'noMerge', actor, `unmerge of ${merge.mergeId}`);
    await appendAudit(this.db, this.table, { action: 'unmerge', actor, subjects: [into, from, merge.mergeId, member], detail: { members: back.length, arrivedSince: plan.arrivedSince.length, phones: merge.moved.phones.length } }, now);
    return { profileId: into, restored: from, mergeId: merge.mergeId, phones: merge.moved.phones, members: back.map((m) => m.key) };
  }

  // ---- splits ----

  async split(profileId: string, part: SplitPart, runId: string, actor: string): Promise<StoredSplit | undefined> {
    const { splitId, profileId: to } = splitIds(runId, profileId, part.pair[0]);
    const existing = await this.getSplitItem(splitId);
    if (existing?.status === 'done') return toSplit(existing);
    const state = await this.profileState(profileId);
    if (!state || state.mergedInto) return undefined;
    const now = new Date();
    const at = (existing?.at as string | undefined) ?? now.toISOString();
    const split: Omit<StoredSplit, 'applied'> = { splitId, from: profileId, to, at, actor, moved: { members: part.members, phones: part.phones }, counts: part.counts, glue: part.glue, pair: part.pair, runId };
    // The SPLIT item first: a crash part-way leaves a record of what was being moved, and a re-run finishes it.
    if (!existing) await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: splitPk(splitId), sk: 'SPLIT', kind: 'split', ...split, status: 'applying', gsi1pk: splitsOfPk(profileId), gsi1sk: `${at}#${splitId}` } }));
    try {
      await this.db.send(new PutCommand({ TableName: this.table, Item: { ...foundedProfileItem(to, part.phones[0], part.phones, at), splitBy: splitId }, ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // founded by the attempt that crashed
    }
    const movedKeys = new Set(part.members);
    const members = await this.profileMembers(profileId);
    await repoint(this.db, this.table, part.phones.map((p) => ({ pk: phonePk(p), sk: 'ALIAS' })), profileId, to, false);
    await repoint(this.db, this.table, members.filter((m) => movedKeys.has(m.key)).map(memberItemKey), profileId, to, true);
    // The counts move once: the mark on the SPLIT item says they did.
    if (Object.keys(part.counts).length && (await this.markCounted(splitId))) {
      await addCounts(this.db, this.table, { pk: profilePk(to), sk: 'PROFILE' }, 'counters', part.counts, 1, at);
      await addCounts(this.db, this.table, { pk: profilePk(profileId), sk: 'PROFILE' }, 'counters', part.counts, -1, at);
      await dropZeroCounts(this.db, this.table, { pk: profilePk(profileId), sk: 'PROFILE' });
    }
    const rules = await this.matchRules();
    const moving = new Set(part.phones);
    await this.writeIdentity(profileId, members.filter((m) => !movedKeys.has(m.key)), state.phones.filter((p) => !moving.has(p)), rules, now, state.phone);
    await this.writeIdentity(to, members.filter((m) => movedKeys.has(m.key)), part.phones, rules, now);
    await this.db.send(
      new UpdateCommand({ TableName: this.table, Key: { pk: splitPk(splitId), sk: 'SPLIT' }, UpdateExpression: 'SET #s = :d', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':d': 'done' } }),
    );
    await appendAudit(this.db, this.table, { action: 'split', actor, subjects: [profileId, to, splitId, ...part.pair], detail: { members: part.members.length, phones: part.phones.length, glue: part.glue, runId } }, now);
    return { ...split, applied: true };
  }

  /** Marks a split's counts as moved; false when they were already. */
  private async markCounted(splitId: string): Promise<boolean> {
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
    const item = await this.getSplitItem(splitId);
    return item && toSplit(item);
  }

  private async getSplitItem(splitId: string): Promise<Record<string, any> | undefined> {
    return (await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: splitPk(splitId), sk: 'SPLIT' }, ConsistentRead: true }))).Item;
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

  /** Writes a profile's numbers and golden record as core profileIdentity derives them from its members' records. */
  private async writeIdentity(profileId: string, members: MemberRecord[], phones: string[], rules: MatchRules, now: Date, fallbackPrimary?: string): Promise<void> {
    const records = members.filter((m) => m.kind === 'record' && m.record).map((m) => m.record);
    const { phone: primary, phones: ordered, golden } = profileIdentity(records, phones, rules, fallbackPrimary);
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: profilePk(profileId), sk: 'PROFILE' },
        UpdateExpression: `SET ${primary ? 'phone = :p, ' : ''}phones = :ps, updatedAt = :t${golden ? ', golden = :g' : ''}${golden ? '' : ' REMOVE golden'}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ...(primary ? { ':p': primary } : {}), ':ps': ordered, ':t': now.toISOString(), ...(golden ? { ':g': golden } : {}) },
      }),
    );
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
