/**
 * The PrivacyStore port on the one table: the suppression list (`SUPPRESS#<hmac>`), a person's
 * footprint for erasure, deletes, and the audit log.
 *
 * Suppression keys are HMAC-SHA256(salt, E.164) under the installation's salt (install-salt.ts),
 * so no number is stored and the same number hashes differently in another installation.
 */
import { BatchWriteCommand, GetCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { profileIdFor } from '../core/identity-keys.ts';
import { suppressionHash } from '../core/privacy/suppression.ts';
import type { AuditRecord, Footprint, FootprintKind, PrivacyStore, StoredKey } from '../ports/privacy-store.ts';
import { appendAudit, auditPk } from './dynamo-audit.ts';
import type { AuditAction } from '../ports/audit.ts';
import { batchGet, batchPut, mapLimit, queryAll } from './dynamo-batch.ts';
import { BLOCK_MARKER, phonePk, profilePk, suppressPk } from './dynamo-keys.ts';
import { installSalt } from './install-salt.ts';

const MAX_MERGE_HOPS = 16;

export class DynamoPrivacyStore implements PrivacyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The installation's salt (install-salt.ts). */
  salt(): Promise<string> {
    return installSalt(this.db, this.table);
  }

  async isSuppressed(phones: string[]): Promise<Set<string>> {
    const unique = [...new Set(phones)];
    if (!unique.length) return new Set();
    const salt = await this.salt();
    const byPk = new Map(unique.map((p) => [suppressPk(suppressionHash(salt, p)), p]));
    const found = await batchGet(this.db, this.table, [...byPk.keys()].map((pk) => ({ pk, sk: 'SUPPRESS' })), ['pk']);
    return new Set(found.map((i) => byPk.get(i.pk as string)!));
  }

  async suppress(phones: string[], reason: { at: string; actor: string }): Promise<string[]> {
    const salt = await this.salt();
    const hashes = [...new Set(phones)].map((p) => suppressionHash(salt, p));
    await batchPut(
      this.db,
      this.table,
      hashes.map((hash) => ({ pk: suppressPk(hash), sk: 'SUPPRESS', kind: 'suppression', at: reason.at, actor: reason.actor })),
    );
    return hashes;
  }

  async footprint(e164: string): Promise<Footprint> {
    const items: Footprint['items'] = [];
    const seen = new Set<string>();
    const add = (pk: string, sk: string, kind: FootprintKind) => {
      const id = `${pk}\u0000${sk}`;
      if (!seen.has(id)) {
        seen.add(id);
        items.push({ pk, sk, kind });
      }
    };
    const phones = new Set([e164]);

    // The profile: the number's alias, else the profile the number would have founded; then
    // through `mergedInto` to the profile that holds the person now.
    const alias = await this.get(phonePk(e164), 'ALIAS');
    let profileId = (alias?.profileId as string | undefined) ?? profileIdFor(await this.salt(), e164);
    let profile = await this.get(profilePk(profileId), 'PROFILE');
    const chain = new Set([profileId]);
    for (let hop = 0; profile?.mergedInto && hop < MAX_MERGE_HOPS; hop++) {
      add(profilePk(profileId), 'PROFILE', 'profile');
      profileId = profile.mergedInto as string;
      chain.add(profileId);
      profile = await this.get(profilePk(profileId), 'PROFILE');
    }
    // The asked number is the person's whatever its alias says.
    if (alias) add(phonePk(e164), 'ALIAS', 'alias');
    if (!profile) {
      // No profile: only the alias (if it dangles) and nothing else to find.
      return { phones: [...phones], items: items.filter((i) => i.kind === 'alias') };
    }
    add(profilePk(profileId), 'PROFILE', 'profile');
    for (const p of (profile.phones as string[] | undefined) ?? []) phones.add(p);
    if (profile.phone) phones.add(profile.phone as string);

    // Every number's alias that points at the profile (one that points elsewhere is another person's).
    const aliases = await batchGet(this.db, this.table, [...phones].map((p) => ({ pk: phonePk(p), sk: 'ALIAS' })), ['pk', 'sk', 'profileId']);
    for (const a of aliases) if (chain.has(a.profileId as string)) add(a.pk as string, 'ALIAS', 'alias');

    // Records and events (and anything else) that point at the profile through the byProfile index.
    const members = new Set<string>();
    for await (const item of this.queryAll({
      IndexName: 'byProfile',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': profilePk(profileId) },
      ProjectionExpression: 'pk, sk',
    })) {
      const pk = item.pk as string;
      const kind: FootprintKind = pk.startsWith('REC#') ? 'record' : pk.startsWith('EVT#') ? 'event' : 'other';
      if (kind !== 'other') members.add(pk.slice(4));
      add(pk, item.sk as string, kind);
    }

    // Items of identity resolution that name the person without pointing at the profile: review
    // items whose sides are theirs, blocking-key entries and pair decisions of their members,
    // merges into or out of their profile, and profiles retired into it. They have no index by
    // profile, so erasure reads the table once (a rare, deliberate operation).
    const profiles = chain;
    const blocks = new Set<string>();
    for await (const item of this.scanAll()) {
      const pk = item.pk as string;
      const sk = item.sk as string;
      if (pk.startsWith('REVIEW#')) {
        const sides = [item.a, item.b] as Array<{ profileId?: string; key?: string } | undefined>;
        if (sides.some((s) => s && ((s.profileId && profiles.has(s.profileId)) || (s.key && members.has(s.key))))) add(pk, sk, 'review');
      } else if (pk.startsWith('BKEY#')) {
        if (members.has(sk)) {
          add(pk, sk, 'blocking');
          blocks.add(pk);
        }
      } else if (pk.startsWith('PAIR#')) {
        if (members.has(pk.slice('PAIR#'.length)) || members.has(sk)) add(pk, sk, 'other');
      } else if (pk.startsWith('MERGE#')) {
        if (profiles.has(item.into as string) || profiles.has(item.from as string)) add(pk, sk, 'other');
      } else if (pk.startsWith('PROF#') && item.mergedInto && profiles.has(item.mergedInto as string)) {
        add(pk, sk, 'profile');
      }
    }
    // A blocking key whose only members were the person's loses its marker too: the marker's key
    // is a hash of their phone, e-mail or name.
    await mapLimit([...blocks], 8, async (pk) => {
      const out = await this.db.send(
        new QueryCommand({ TableName: this.table, KeyConditionExpression: 'pk = :p AND sk > :m', ExpressionAttributeValues: { ':p': pk, ':m': BLOCK_MARKER }, ProjectionExpression: 'sk' }),
      );
      if ((out.Items ?? []).every((i) => members.has(i.sk as string)) && !out.LastEvaluatedKey) add(pk, BLOCK_MARKER, 'blocking');
    });

    return { profileId, phones: [...phones], items };
  }

  async deleteItems(keys: StoredKey[]): Promise<void> {
    const chunks: StoredKey[][] = [];
    for (let i = 0; i < keys.length; i += 25) chunks.push(keys.slice(i, i + 25));
    await mapLimit(chunks, 4, async (chunk) => {
      let pending = chunk.map(({ pk, sk }) => ({ DeleteRequest: { Key: { pk, sk } } }));
      for (let attempt = 0; pending.length; attempt++) {
        if (attempt) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
        const out = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
        pending = (out.UnprocessedItems?.[this.table] as typeof pending | undefined) ?? [];
      }
    });
  }

  async audit(entry: Omit<AuditRecord, 'at'>): Promise<void> {
    await appendAudit(this.db, this.table, { ...entry, action: entry.action as AuditAction });
  }

  async auditDay(day: string): Promise<AuditRecord[]> {
    const out: AuditRecord[] = [];
    for await (const item of this.queryAll({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': auditPk(day) } })) {
      out.push({ at: item.at, action: item.action, actor: item.actor, subjects: item.subjects ?? [], ...(item.detail ? { detail: item.detail } : {}) });
    }
    return out;
  }

  private async get(pk: string, sk: string): Promise<Record<string, any> | undefined> {
    return (await this.db.send(new GetCommand({ TableName: this.table, Key: { pk, sk }, ConsistentRead: true }))).Item;
  }

  private queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): AsyncIterable<Record<string, any>> {
    return queryAll(this.db, this.table, input);
  }

  /** Identity-resolution items only (filtered server-side), with just the attributes erasure reads. */
  private async *scanAll(): AsyncIterable<Record<string, any>> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new ScanCommand({
          TableName: this.table,
          ExclusiveStartKey,
          FilterExpression:
            'begins_with(pk, :review) OR begins_with(pk, :bkey) OR begins_with(pk, :pair) OR begins_with(pk, :merge) OR attribute_exists(mergedInto)',
          ProjectionExpression: 'pk, sk, a, b, #into, #from, mergedInto',
          ExpressionAttributeNames: { '#into': 'into', '#from': 'from' },
          ExpressionAttributeValues: { ':review': 'REVIEW#', ':bkey': 'BKEY#', ':pair': 'PAIR#', ':merge': 'MERGE#' },
        }),
      );
      yield* out.Items ?? [];
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
}
