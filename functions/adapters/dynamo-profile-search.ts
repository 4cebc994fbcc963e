/**
 * Profile search's storage (ProfileSearchStore): lookup entries are blocking-index items
 * (`BKEY#<hashed key>`, sk = member), read in key order; records and profile numbers come through
 * the identity store's reads.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CleanRecord } from '../core/model.ts';
import type { MemberRecord } from '../ports/identity-store.ts';
import type { LookupEntry, ProfileSearchStore } from '../ports/profile-search.ts';
import type { ProfileItem } from '../ports/profile-views.ts';
import { batchGet } from './dynamo-batch.ts';
import { decodeEntryRecord, hashBlockingKey, type DynamoIdentityStore } from './dynamo-identity-store.ts';
import { BLOCK_MARKER, blockKeyPk, profilePk } from './dynamo-keys.ts';

export class DynamoProfileSearch implements ProfileSearchStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly identity: DynamoIdentityStore,
  ) {}

  profileIdForPhone(e164: string): Promise<string | undefined> {
    return this.identity.profileIdForPhone(e164);
  }

  currentProfileId(profileId: string): Promise<string | undefined> {
    return this.identity.currentProfileId(profileId);
  }

  memberRecords(keys: string[]): Promise<Map<string, MemberRecord>> {
    return this.identity.memberRecords(keys);
  }

  async lookupEntries(key: string, limit: number): Promise<LookupEntry[]> {
    const members: LookupEntry[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :p AND sk > :m',
          ExpressionAttributeValues: { ':p': blockKeyPk(hashBlockingKey(key)), ':m': BLOCK_MARKER },
          ProjectionExpression: 'sk, p, r',
          Limit: limit - members.length,
          ExclusiveStartKey,
        }),
      );
      for (const i of out.Items ?? []) members.push({ member: i.sk as string, ...(i.p ? { profileId: i.p as string } : {}), ...(i.r ? { record: decodeEntryRecord(i.r as string) } : {}) });
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey && members.length < limit);
    return members;
  }

  async firstRecord(profileId: string): Promise<CleanRecord | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byProfile',
        KeyConditionExpression: 'gsi1pk = :p AND begins_with(gsi1sk, :r)',
        ExpressionAttributeValues: { ':p': profilePk(profileId), ':r': 'REC#' },
        ProjectionExpression: '#r',
        ExpressionAttributeNames: { '#r': 'record' },
        Limit: 1,
      }),
    );
    return out.Items?.[0]?.record as CleanRecord | undefined;
  }

  async profileItems(profileIds: string[]): Promise<Map<string, ProfileItem>> {
    const items = await batchGet(this.db, this.table, [...new Set(profileIds)].map((id) => ({ pk: profilePk(id), sk: 'PROFILE' })));
    return new Map(items.map((i) => [i.profileId as string, i as unknown as ProfileItem]));
  }
}
