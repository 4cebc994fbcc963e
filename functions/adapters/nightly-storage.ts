/**
 * The nightly ports on DynamoDB and S3: parallel scan segments of the one table, the profiles
 * index, the audit log, and the run's files under `nightly/<runId>/` in the reports bucket.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { QueryCommand, ScanCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { NightlyTable, RunFiles, SnapshotItem } from '../app/nightly/ports.ts';
import { auditPk } from './dynamo-audit.ts';
import { queryAll } from './dynamo-batch.ts';

const SHARDS = '0123456789abcdef'.split('');

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
          ProjectionExpression: '#pk, #sk, #profileId, #record, #channel, #tag, #phones, #state, #mergedInto',
          ExpressionAttributeNames: {
            '#pk': 'pk',
            '#sk': 'sk',
            '#profileId': 'profileId',
            '#record': 'record',
            '#channel': 'channel',
            '#tag': 'tag',
            '#phones': 'phones',
            '#state': 'state',
            '#mergedInto': 'mergedInto',
          },
        }),
      );
      for (const item of out.Items ?? []) {
        const snap = toSnapshotItem(item);
        if (snap) yield snap;
      }
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  async *profileIds(): AsyncIterable<{ profileId: string; measured: boolean }> {
    for (const shard of SHARDS) {
      for await (const item of this.queryAll({
        IndexName: 'profiles',
        KeyConditionExpression: 'pshard = :s',
        ExpressionAttributeValues: { ':s': shard },
        // `computedAt` is saved with `metrics` by the profiles module.
        ProjectionExpression: 'profileId, computedAt',
      })) {
        yield { profileId: item.profileId as string, measured: Boolean(item.computedAt) };
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
    return { kind: 'record', key: `${item.record.source}#${item.record.recordId}`, profileId: item.profileId, record: item.record };
  }
  if (item.sk === 'EVT' && pk.startsWith('EVT#')) return { kind: 'event', key: pk.slice(4), profileId: item.profileId, channel: item.channel, tag: item.tag, record: item.record };
  // A profile merged into another is retired (`mergedInto`): it is no longer a profile.
  if (item.sk === 'PROFILE' && pk.startsWith('PROF#') && !item.mergedInto) return { kind: 'profile', profileId: item.profileId ?? pk.slice(5), phones: item.phones ?? [] };
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
