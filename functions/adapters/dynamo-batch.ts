/** Batch reads and writes, and conditional writes in transactions, with DynamoDB's size limits and retries handled. */
import {
  BatchGetCommand,
  BatchWriteCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { isCancellation, isConditionFailure } from './dynamo-keys.ts';
import { mapLimit } from '../core/map-limit.ts';

type Key = Record<string, string>;
type Item = Record<string, unknown>;

const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The items found under `keys` (any order); `consistent` asks for strongly consistent reads (twice the read units). */
export async function batchGet(db: DynamoDBDocumentClient, table: string, keys: Key[], projection?: string[], consistent = false): Promise<Item[]> {
  const found: Item[] = [];
  await Promise.all(
    chunks(keys, 100).map(async (chunk) => {
      let pending: Key[] = chunk;
      for (let attempt = 0; pending.length; attempt++) {
        if (attempt) await backoff(attempt);
        const names = projection && Object.fromEntries(projection.map((p, i) => [`#p${i}`, p]));
        const out = await db.send(
          new BatchGetCommand({
            RequestItems: {
              [table]: {
                Keys: pending,
                ...(consistent ? { ConsistentRead: true } : {}),
                ...(names ? { ProjectionExpression: Object.keys(names).join(','), ExpressionAttributeNames: names } : {}),
              },
            },
          }),
        );
        found.push(...(out.Responses?.[table] ?? []));
        pending = (out.UnprocessedKeys?.[table]?.Keys as Key[] | undefined) ?? [];
      }
    }),
  );
  return found;
}

export async function batchPut(db: DynamoDBDocumentClient, table: string, items: Item[]): Promise<void> {
  await Promise.all(
    chunks(items, 25).map(async (chunk) => {
      let pending = chunk.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length; attempt++) {
        if (attempt) await backoff(attempt);
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (out.UnprocessedItems?.[table] as typeof pending | undefined) ?? [];
      }
    }),
  );
}

export { mapLimit };

/** Rounds of conditional writes before a batch gives up (the platform's retry resumes it). */
const MAX_WRITE_ROUNDS = 10;
/** What one TransactWriteItems may carry, under DynamoDB's 4 MB. */
const TRANSACTION_BYTES = 3_500_000;

/** DynamoDB's limit of items in one TransactWriteItems, and how many such calls run at once. */
export const TRANSACTION_ITEMS = 100;
export const TRANSACTION_CONCURRENCY = 4;

/**
 * Entries in groups one TransactWriteItems can take: at most TRANSACTION_ITEMS items (an entry may
 * stand for several, `itemsOf`) and at most TRANSACTION_BYTES of JSON.
 */
export function transactionGroups<T>(entries: T[], itemsOf: (entry: T) => number = () => 1, sized: (entry: T) => unknown = (entry) => entry): T[][] {
  const groups: T[][] = [];
  let items = 0;
  let bytes = 0;
  for (const entry of entries) {
    const n = itemsOf(entry);
    const size = Buffer.byteLength(JSON.stringify(sized(entry)));
    const last = groups.at(-1);
    if (!last || items + n > TRANSACTION_ITEMS || bytes + size > TRANSACTION_BYTES) {
      groups.push([entry]);
      items = n;
      bytes = size;
    } else {
      last.push(entry);
      items += n;
      bytes += size;
    }
  }
  return groups;
}

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
/** A transaction's Put or Update item sent as a request of its own. */
const sendSingle = (db: DynamoDBDocumentClient, op: TransactItem) => (op.Put ? db.send(new PutCommand(op.Put)) : db.send(new UpdateCommand(op.Update!)));

/** The code of each item of a cancelled transaction, in order ('None' for one that did not fail); any other error is thrown on. */
export function cancellationReasons(error: unknown): string[] {
  if (!isCancellation(error)) throw error;
  return ((error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

/**
 * Conditional writes (Put or Update) in transactions of at most 100 items and ~3.5 MB
 * (BatchWriteItem takes no conditions), a lone one as a plain conditional request (a
 * transaction costs twice the write capacity). An entry may be several items, written together
 * or not at all. A cancelled transaction names the items whose condition failed; the other
 * entries go again. Returns the entries written and those with an item whose condition failed
 * (`refused[i]`: those items of `failed[i]`).
 */
export async function conditionalWrites<T>(
  db: DynamoDBDocumentClient,
  entries: T[],
  write: (entry: T) => TransactItem | TransactItem[],
): Promise<{ written: T[]; failed: T[]; refused: TransactItem[][] }> {
  const written: T[] = [];
  const failed: T[] = [];
  const refused: TransactItem[][] = [];
  const fail = (entry: T, items: TransactItem[]) => (failed.push(entry), refused.push(items));
  let pending = entries.map((entry) => ({ ops: [write(entry)].flat(), entry }));
  for (let round = 0; pending.length; round++) {
    if (round === MAX_WRITE_ROUNDS) throw new Error(`conditional writes still conflicting after ${MAX_WRITE_ROUNDS} rounds`);
    const again: typeof pending = [];
    await mapLimit(transactionGroups(pending, (p) => p.ops.length, (p) => p.ops), TRANSACTION_CONCURRENCY, async (group) => {
      const ops = group.flatMap((p) => p.ops);
      try {
        if (ops.length === 1) await sendSingle(db, ops[0]!);
        else await db.send(new TransactWriteCommand({ TransactItems: ops }));
        written.push(...group.map((p) => p.entry));
      } catch (error) {
        if (ops.length === 1 && isConditionFailure(error)) return void fail(group[0]!.entry, ops);
        const reasons = cancellationReasons(error);
        let i = 0;
        for (const p of group) {
          const items = p.ops.filter(() => reasons[i++] === 'ConditionalCheckFailed');
          if (items.length) fail(p.entry, items);
          else again.push(p);
        }
      }
    });
    pending = again;
  }
  return { written, failed, refused };
}

/** Every item a query matches, page after page. */
export async function* queryAll(
  db: DynamoDBDocumentClient,
  table: string,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
): AsyncIterable<Record<string, any>> {
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await db.send(new QueryCommand({ ...input, TableName: table, ExclusiveStartKey }));
    yield* out.Items ?? [];
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}
