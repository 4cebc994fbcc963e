/** Batch reads and writes with DynamoDB's size limits and unprocessed-item retries handled. */
import { BatchGetCommand, BatchWriteCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
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

/**
 * Puts each item only where none exists, 100 to a TransactWriteItems (4 at once); returns those not
 * written: they existed, or their transaction was still cancelled (another writer on one of its
 * items) after three attempts. A cancelled transaction writes nothing, so its other items are tried again.
 */
export async function putAllIfAbsent(db: DynamoDBDocumentClient, table: string, items: Item[]): Promise<Item[]> {
  const unwritten: Item[] = [];
  await mapLimit(chunks(items, 100), 4, async (chunk) => {
    for (let attempt = 0; chunk.length; attempt++) {
      if (attempt === 3) return void unwritten.push(...chunk);
      if (attempt) await backoff(attempt);
      try {
        await db.send(new TransactWriteCommand({ TransactItems: chunk.map((Item) => ({ Put: { TableName: table, Item, ConditionExpression: 'attribute_not_exists(pk)' } })) }));
        return;
      } catch (error) {
        const { name, CancellationReasons: reasons } = error as { name?: string; CancellationReasons?: Array<{ Code?: string }> };
        if (name !== 'TransactionCanceledException') throw error;
        const existed = (i: number) => reasons?.[i]?.Code === 'ConditionalCheckFailed';
        unwritten.push(...chunk.filter((_, i) => existed(i)));
        chunk = chunk.filter((_, i) => !existed(i));
      }
    }
  });
  return unwritten;
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
