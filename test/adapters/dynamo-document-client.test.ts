/**
 * The adapters' DocumentClient sends item operations over DynamoDB's JSON protocol: against the
 * real local DynamoDB, each operation answers what the SDK's own DocumentClient answers for the
 * same call on the same table (attribute types, sets, nested maps, pages, returned values), errors
 * come with the same names and cancellation reasons, and none of these calls passes through the
 * SDK's middleware stack — which still serves the operations it does not cover.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../functions/adapters/dynamo-document-client.ts';
import { startLocalDynamo, type LocalDynamo } from '../support/local-dynamo.ts';

let local: LocalDynamo;
let lean: DynamoDBDocumentClient;
let sdk: DynamoDBDocumentClient;
/** Requests that went through the SDK client's middleware stack, by command. */
const throughSdk: string[] = [];
const TableName = 'doc-client-test';

beforeAll(async () => {
  local = await startLocalDynamo(TableName, {
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
  });
  local.client.middlewareStack.add((next, context) => (args) => (throughSdk.push(String(context.commandName)), next(args)), { step: 'initialize', name: 'countSdkRequests' });
  lean = documentClient(local.client);
  sdk = DynamoDBDocumentClient.from(local.client, { marshallOptions: { removeUndefinedValues: true } });
}, 60_000);

afterAll(async () => {
  await local?.stop();
});

const item = (pk: string, sk: string) => ({
  pk,
  sk,
  name: '张伟',
  amount: 19.9,
  count: 3,
  ok: true,
  none: null,
  skipped: undefined,
  tags: new Set(['a', 'b']),
  scores: new Set([1, 2]),
  nested: { list: [1, 'two', { three: 3 }], empty: {}, deep: { left: undefined, right: 'r' } },
});

/** The same call on both clients, each on its own copy of the data (`side` in the key). */
async function both<T>(call: (db: DynamoDBDocumentClient, side: string) => Promise<T>): Promise<{ lean: T; sdk: T; leanViaSdk: string[] }> {
  throughSdk.length = 0;
  const viaLean = await call(lean, 'L');
  const leanViaSdk = [...throughSdk];
  return { lean: viaLean, sdk: await call(sdk, 'S'), leanViaSdk };
}
/** An answer without what differs between the two copies by construction. */
const plain = (out: unknown) => JSON.parse(JSON.stringify(out, (k, v) => (k === '$metadata' ? undefined : v instanceof Set ? { set: [...v] } : typeof v === 'string' ? v.replace(/^[LS]#/, '#') : v)));

describe('the adapters’ DocumentClient', () => {
  it('writes and reads items as the SDK’s DocumentClient does, without its middleware', async () => {
    const out = await both(async (db, side) => {
      await db.send(new PutCommand({ TableName, Item: item(`${side}#1`, 'a') }));
      await db.send(new BatchWriteCommand({ RequestItems: { [TableName]: [1, 2, 3].map((n) => ({ PutRequest: { Item: item(`${side}#1`, `b${n}`) } })) } }));
      const got = await db.send(new GetCommand({ TableName, Key: { pk: `${side}#1`, sk: 'a' }, ConsistentRead: true }));
      const updated = await db.send(
        new UpdateCommand({
          TableName,
          Key: { pk: `${side}#1`, sk: 'a' },
          UpdateExpression: 'SET #c = #c + :one, nested.deep.added = :m ADD tags :t',
          ExpressionAttributeNames: { '#c': 'count' },
          ExpressionAttributeValues: { ':one': 1, ':m': { k: [true, null] }, ':t': new Set(['c']) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const page = await db.send(new QueryCommand({ TableName, KeyConditionExpression: 'pk = :p AND begins_with(sk, :b)', ExpressionAttributeValues: { ':p': `${side}#1`, ':b': 'b' }, Limit: 2 }));
      const rest = await db.send(new QueryCommand({ TableName, KeyConditionExpression: 'pk = :p AND begins_with(sk, :b)', ExpressionAttributeValues: { ':p': `${side}#1`, ':b': 'b' }, ExclusiveStartKey: page.LastEvaluatedKey }));
      const batch = await db.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: [{ pk: `${side}#1`, sk: 'b1' }, { pk: `${side}#1`, sk: 'zz' }], ProjectionExpression: 'pk, sk, tags' } } }));
      const deleted = await db.send(new DeleteCommand({ TableName, Key: { pk: `${side}#1`, sk: 'b3' }, ReturnValues: 'ALL_OLD' }));
      return { got, updated, page, rest, batch, deleted };
    });
    expect(out.leanViaSdk).toEqual([]);
    expect(plain(out.lean)).toEqual(plain(out.sdk));
    // and what both answered is the item as written
    expect(out.lean.got.Item).toEqual(Object.assign(item('L#1', 'a'), { skipped: undefined, nested: { list: [1, 'two', { three: 3 }], empty: {}, deep: { right: 'r' } } }));
    expect(out.lean.got.Item).not.toHaveProperty('skipped');
    expect(out.lean.updated.Attributes).toMatchObject({ count: 4, tags: new Set(['a', 'b', 'c']), nested: { deep: { right: 'r', added: { k: [true, null] } } } });
    expect(out.lean.page.Items!.map((i) => i.sk)).toEqual(['b1', 'b2']);
    expect(out.lean.rest.Items!.map((i) => i.sk)).toEqual(['b3']);
    expect(out.lean.batch.Responses![TableName]).toEqual([{ pk: 'L#1', sk: 'b1', tags: new Set(['a', 'b']) }]);
    expect(out.lean.deleted.Attributes?.sk).toBe('b3');
  });

  it('fails a condition and cancels a transaction with the SDK’s error names and reasons', async () => {
    const out = await both(async (db, side) => {
      await db.send(new PutCommand({ TableName, Item: { pk: `${side}#2`, sk: 'x' } }));
      const put = await db.send(new PutCommand({ TableName, Item: { pk: `${side}#2`, sk: 'x' }, ConditionExpression: 'attribute_not_exists(pk)' })).catch((e: Error) => e);
      const tx = await db
        .send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName, Item: { pk: `${side}#2`, sk: 'new' }, ConditionExpression: 'attribute_not_exists(pk)' } },
              { Put: { TableName, Item: { pk: `${side}#2`, sk: 'x' }, ConditionExpression: 'attribute_not_exists(pk)' } },
            ],
          }),
        )
        .catch((e: Error & { CancellationReasons?: Array<{ Code?: string }> }) => e);
      const written = await db.send(new GetCommand({ TableName, Key: { pk: `${side}#2`, sk: 'new' }, ConsistentRead: true }));
      return { put, tx, written: written.Item ?? null };
    });
    expect(out.leanViaSdk).toEqual([]);
    for (const side of [out.lean, out.sdk]) {
      expect((side.put as Error).name).toBe('ConditionalCheckFailedException');
      expect((side.tx as Error).name).toBe('TransactionCanceledException');
      expect((side.tx as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons?.map((r) => r.Code)).toEqual(['None', 'ConditionalCheckFailed']);
      expect(side.written).toBeNull();
    }
    expect((out.lean.put as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(400);
  });

  it('leaves the operations it does not cover to the SDK', async () => {
    throughSdk.length = 0;
    const scanned = await lean.send(new ScanCommand({ TableName, Limit: 1 }));
    expect(scanned.Items).toHaveLength(1);
    expect(throughSdk).toEqual(['ScanCommand']);
  });
});
