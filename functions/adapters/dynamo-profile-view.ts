/**
 * The profile room's storage on the one table (ProfileViewStore, functions/ports/profile-views.ts).
 *
 *   loadMembers(profileId)       Query byProfile (gsi1pk = PROF#<id>): `REC` and `EVT` items, raw rows left out
 *   saveView(profileId, built)   UpdateCommand SET view, metrics, tags, summary, computedAt (only these;
 *                                other rooms write phones/golden/counters on the same item), if the item exists
 *   listProfileItems()           Query the `profiles` index shard by shard
 *   getQuantiles / putQuantiles  item STATS#quantiles / STATS
 */
import { keyedProfile, readNumber } from './dynamo-numbers.ts';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { BaseQuantiles, BuiltProfile, EventMember, ProfileMetrics, RecordMember } from '../core/profile/index.ts';
import type { ProfileItem, ProfileMembers, ProfileViewStore } from '../ports/profile-views.ts';
import type { Member, NumberState } from '../ports/profile-store.ts';
import { isConditionFailure, profilePk, rulesPk } from './dynamo-keys.ts';
import { queryAll } from './dynamo-batch.ts';

const SHARDS = '0123456789abcdef'.split('');
/** What a member item is read for: a record, or an event as the profile build takes it. */
const MEMBER_ATTRIBUTES = ['sk', 'source', 'recordId', 'record', 'storedAt', 'channel', 'eventId', 'tag', 'attributes', 'occurredAt', 'utcOffset', 'receivedAt'];

/** An event item as the profile build reads it (here and in the nightly snapshot). */
export function eventMemberOf(item: Record<string, any>): EventMember {
  return { channel: item.channel, eventId: item.eventId, tag: item.tag, attributes: item.attributes ?? {}, occurredAt: item.occurredAt, utcOffset: item.utcOffset, receivedAt: item.receivedAt, record: item.record };
}
/** Base quantiles and other whole-base figures (one item each). */
export const statsPk = (name: string) => `STATS#${name}`;

/**
 * Sets a profile item's view attributes (never the rest of the item) if it exists and `guard`
 * holds; false when it does not.
 */
export async function saveViewIf(
  db: DynamoDBDocumentClient,
  table: string,
  profileId: string,
  built: BuiltProfile,
  guard: { condition: string; names: Record<string, string>; values: Record<string, unknown> } = { condition: '', names: {}, values: {} },
): Promise<boolean> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: profilePk(profileId), sk: 'PROFILE' },
        UpdateExpression: 'SET #v = :v, #m = :m, #t = :t, #s = :s, #c = :c',
        ConditionExpression: guard.condition ? `attribute_exists(pk) AND ${guard.condition}` : 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#v': 'view', '#m': 'metrics', '#t': 'tags', '#s': 'summary', '#c': 'computedAt', ...guard.names },
        ExpressionAttributeValues: { ':v': built.view, ':m': built.metrics, ':t': built.tags, ':s': built.summary, ':c': built.computedAt, ...guard.values },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export class DynamoProfileViews implements ProfileViewStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  profileIdForPhone(e164: string): Promise<string | undefined> {
    return keyedProfile(this.db, this.table, e164);
  }

  number(e164: string): Promise<NumberState | undefined> {
    return readNumber(this.db, this.table, e164);
  }

  async getProfileItem(profileId: string): Promise<ProfileItem | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: profilePk(profileId), sk: 'PROFILE' } }));
    return out.Item as ProfileItem | undefined;
  }

  async loadMembers(profileId: string): Promise<ProfileMembers> {
    const records: RecordMember[] = [];
    const events: EventMember[] = [];
    const members: Member[] = [];
    const items = this.queryAll({
      IndexName: 'byProfile',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': profilePk(profileId) },
      ProjectionExpression: MEMBER_ATTRIBUTES.map((_, i) => `#p${i}`).join(', '),
      ExpressionAttributeNames: Object.fromEntries(MEMBER_ATTRIBUTES.map((n, i) => [`#p${i}`, n])),
    });
    for await (const item of items) {
      if (item.sk === 'REC') {
        records.push({ record: item.record, storedAt: item.storedAt });
        members.push({ source: item.source, recordId: item.recordId });
      } else if (item.sk === 'EVT') {
        events.push(eventMemberOf(item));
        members.push({ source: item.source ?? item.channel, recordId: item.recordId ?? item.eventId });
      }
    }
    return { records, events, members };
  }

  saveView(profileId: string, built: BuiltProfile): Promise<boolean> {
    return saveViewIf(this.db, this.table, profileId, built);
  }

  async *listProfileItems(): AsyncIterable<ProfileItem> {
    for (const shard of SHARDS) yield* this.queryAll({ IndexName: 'profiles', KeyConditionExpression: 'pshard = :s', ExpressionAttributeValues: { ':s': shard } }) as AsyncIterable<ProfileItem>;
  }

  async *listMetrics(): AsyncIterable<{ profileId: string; metrics?: ProfileMetrics; mergedInto?: string }> {
    for (const shard of SHARDS)
      yield* this.queryAll({
        IndexName: 'profiles',
        KeyConditionExpression: 'pshard = :s',
        ExpressionAttributeValues: { ':s': shard },
        ProjectionExpression: '#i, #m, #g',
        ExpressionAttributeNames: { '#i': 'profileId', '#m': 'metrics', '#g': 'mergedInto' },
      }) as AsyncIterable<{ profileId: string; metrics?: ProfileMetrics; mergedInto?: string }>;
  }

  async getQuantiles(): Promise<BaseQuantiles | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: statsPk('quantiles'), sk: 'STATS' } }));
    return out.Item?.quantiles as BaseQuantiles | undefined;
  }

  async putQuantiles(q: BaseQuantiles): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: statsPk('quantiles'), sk: 'STATS', quantiles: q, updatedAt: new Date().toISOString() } }));
  }

  async getRulesDoc(kind: string): Promise<unknown | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: rulesPk(kind), sk: 'RULES' } }));
    return out.Item?.doc;
  }

  private queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): AsyncIterable<Record<string, any>> {
    return queryAll(this.db, this.table, input);
  }
}
