/**
 * The nightly ports on DynamoDB and S3: parallel scan segments of the one table, the profiles
 * index, the audit log, and the run's files under `nightly/<runId>/` in the reports bucket.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { QueryCommand, ScanCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { NightlyTable, RunFiles, SnapshotItem } from '../ports/nightly.ts';
import type { ConditionalViewWriter } from '../app/profiles/recompute.ts';
import type { BuiltProfile } from '../core/profile/index.ts';
import { mapLimit } from '../core/map-limit.ts';
import { auditPk } from './dynamo-audit.ts';
import { queryAll } from './dynamo-batch.ts';
import { eventMemberOf, saveViewIf } from './dynamo-profile-view.ts';

const SHARDS = '0123456789abcdef'.split('');
/** What the snapshot reads of each item: keys, records, events as the profile build reads them, profiles, import states. */
const SCAN_ATTRIBUTES = ['pk', 'sk', 'profileId', 'record', 'storedAt', 'channel', 'eventId', 'tag', 'attributes', 'occurredAt', 'utcOffset', 'receivedAt', 'phones', 'pins', 'state', 'mergedInto'];

export class DynamoNightlyTable implements NightlyTable {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async approximateItemCount(): Promise<number> {
    const out = await this.db.send(new DescribeTableCommand({ TableName: this.table }));
    return out.Table?.ItemCount ?? 0;
  }

  async *scanSegment(segment: number, totalSegments: number): AsyncIterable<SnapshotItem> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new ScanCommand({
          TableName: this.table,
          Segment: segment,
          TotalSegments: totalSegments,
          ExclusiveStartKey,
          // Strongly consistent: a member written before the run was planned is in the snapshot.
          ConsistentRead: true,
          ProjectionExpression: SCAN_ATTRIBUTES.map((_, i) => `#a${i}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(SCAN_ATTRIBUTES.map((name, i) => [`#a${i}`, name])),
        }),
      );
      for (const item of out.Items ?? []) {
        const snap = toSnapshotItem(item);
        if (snap) yield snap;
      }
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  async *profileIds(): AsyncIterable<{ profileId: string; measured: boolean; updatedAt: string | null }> {
    for (const shard of SHARDS) {
      for await (const item of this.queryAll({
        IndexName: 'profiles',
        KeyConditionExpression: 'pshard = :s',
        ExpressionAttributeValues: { ':s': shard },
        // `computedAt` is saved with `metrics` by the profiles module.
        ProjectionExpression: 'profileId, computedAt, updatedAt',
      })) {
        yield { profileId: item.profileId as string, measured: Boolean(item.computedAt), updatedAt: (item.updatedAt as string | undefined) ?? null };
      }
    }
  }

  async *profileTags(): AsyncIterable<string[]> {
    for (const shard of SHARDS) {
      for await (const item of this.queryAll({
        IndexName: 'profiles',
        KeyConditionExpression: 'pshard = :s',
        ExpressionAttributeValues: { ':s': shard },
        ProjectionExpression: 'profileId, tags',
      })) {
        yield tagNames(item.tags);
      }
    }
  }

  async countAudit(action: string, sinceIso: string): Promise<number> {
    let count = 0;
    const today = new Date().toISOString().slice(0, 10);
    for (let day = sinceIso.slice(0, 10); day <= today; day = nextDay(day)) {
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const out = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :p AND sk >= :s',
            FilterExpression: '#a = :a',
            ExpressionAttributeNames: { '#a': 'action' },
            ExpressionAttributeValues: { ':p': auditPk(day), ':s': sinceIso, ':a': action },
            Select: 'COUNT',
            ExclusiveStartKey,
          }),
        );
        count += out.Count ?? 0;
        ExclusiveStartKey = out.LastEvaluatedKey;
      } while (ExclusiveStartKey);
    }
    return count;
  }

  private queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): AsyncIterable<Record<string, any>> {
    return queryAll(this.db, this.table, input);
  }
}

/** Conditional view saves in flight at once (one UpdateItem each). */
const VIEW_WRITES_IN_FLIGHT = 16;

/**
 * Saves views the nightly run built from its snapshot. One conditional UpdateItem per profile, many
 * in flight: BatchWriteItem cannot carry a condition and only puts whole items, which would drop
 * what other writers put on the same item meanwhile (`counters`, `lastSeenAt`, `phones`, `golden`).
 * The condition (`updatedAt` as the plan saw it, not merged) is the guard against stale figures.
 */
export class DynamoViewWriter implements ConditionalViewWriter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  saveViewsIfUnchanged(views: Array<{ profileId: string; built: BuiltProfile; updatedAt: string | null }>): Promise<boolean[]> {
    return mapLimit(views, VIEW_WRITES_IN_FLIGHT, ({ profileId, built, updatedAt }) =>
      saveViewIf(this.db, this.table, profileId, built, {
        condition: `attribute_not_exists(#g) AND ${updatedAt === null ? 'attribute_not_exists(#u)' : '#u = :u'}`,
        names: { '#g': 'mergedInto', '#u': 'updatedAt' },
        values: updatedAt === null ? {} : { ':u': updatedAt },
      }),
    );
  }
}

function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** Tag names from a profile's `tags`, whether a list of names, a list of `{tag, …}` or a map. */
export function tagNames(tags: unknown): string[] {
  if (!tags) return [];
  if (Array.isArray(tags)) {
    return tags
      .map((t) => (typeof t === 'string' ? t : t && typeof t === 'object' ? ((t as any).tag ?? (t as any).name ?? (t as any).id) : undefined))
      .filter((t): t is string => typeof t === 'string');
  }
  if (tags instanceof Set) return [...tags].filter((t): t is string => typeof t === 'string');
  if (typeof tags === 'object') return Object.keys(tags as object);
  return [];
}

function toSnapshotItem(item: Record<string, any>): SnapshotItem | undefined {
  const pk = String(item.pk);
  if (item.sk === 'REC' && pk.startsWith('REC#') && item.record && item.profileId) {
    return { kind: 'record', key: `${item.record.source}#${item.record.recordId}`, itemKey: pk, profileId: item.profileId, record: item.record, ...(item.storedAt ? { storedAt: item.storedAt } : {}) };
  }
  if (item.sk === 'EVT' && pk.startsWith('EVT#')) {
    // The event as the profile build reads it (as DynamoProfileViews.loadMembers gives it).
    const member = eventMemberOf(item);
    return { kind: 'event', key: pk.slice(4), profileId: item.profileId, channel: item.channel, tag: item.tag, record: item.record, member };
  }
  // A profile merged into another is retired (`mergedInto`): it is no longer a profile.
  if (item.sk === 'PROFILE' && pk.startsWith('PROF#') && !item.mergedInto) {
    return { kind: 'profile', profileId: item.profileId ?? pk.slice(5), phones: item.phones ?? [], ...(item.pins ? { pins: item.pins } : {}) };
  }
  if (pk.startsWith('IMPORT#') && item.state?.counts) return { kind: 'import', source: item.state.source, status: item.state.status, counts: item.state.counts };
  return undefined;
}

/** The files of one run: `nightly/<runId>/<key>` in the reports bucket. */
export class S3RunFiles implements RunFiles {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly runId: string,
  ) {}

  private key(key: string): string {
    return `nightly/${this.runId}/${key}`;
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return await out.Body!.transformToString('utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async put(key: string, body: string, contentType = 'application/octet-stream'): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: body, ContentType: contentType }));
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async getRange(key: string, start: number, end: number): Promise<string> {
    if (end <= start) return '';
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key), Range: `bytes=${start}-${end - 1}` }));
    return await out.Body!.transformToString('utf8');
  }

  async *lines(key: string): AsyncIterable<string> {
    let body: Readable;
    try {
      body = (await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }))).Body as Readable;
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    yield* createInterface({ input: body, crlfDelay: Infinity });
  }
}

function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
