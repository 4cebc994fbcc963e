/**
 * TransactWriteItems on the local DynamoDB (lib/local/dynamo-transactions.mjs): all or nothing,
 * conditions checked before any write, indexes kept, one winner among concurrent claims, and the
 * errors DynamoDB gives (the SDK's own TransactionCanceledException with its reasons).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../support/local-dynamo.ts';

let local: LocalDynamo;
let db: DynamoDBDocumentClient;
const TableName = 'tx-test';

beforeAll(async () => {
  local = await startLocalDynamo(TableName, {
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'g', AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [{ IndexName: 'byG', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
  });
  db = local.db;
}, 60_000);

afterAll(async () => {
  await local?.stop();
});

const claim = (pk: string, extra: Record<string, unknown> = {}) => ({ Put: { TableName, Item: { pk, ...extra }, ConditionExpression: 'attribute_not_exists(pk)' } });
const get = async (pk: string) => (await db.send(new GetCommand({ TableName, Key: { pk }, ConsistentRead: true }))).Item;
const inIndex = async (g: string) => ((await db.send(new QueryCommand({ TableName, IndexName: 'byG', KeyConditionExpression: 'g = :g', ExpressionAttributeValues: { ':g': g } }))).Items ?? []).map((i) => i.pk).sort();

describe('TransactWriteItems on the local DynamoDB', () => {
  it('writes every item, with its index entries, when every condition holds', async () => {
    await db.send(new PutCommand({ TableName, Item: { pk: 'gone', g: 'g1' } }));
    await db.send(new PutCommand({ TableName, Item: { pk: 'guard', state: 'open' } }));
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          claim('a', { g: 'g1', n: 1 }),
          claim('b', { g: 'g1', n: 2 }),
          { Delete: { TableName, Key: { pk: 'gone' } } },
          { ConditionCheck: { TableName, Key: { pk: 'guard' }, ConditionExpression: '#s = :open', ExpressionAttributeNames: { '#s': 'state' }, ExpressionAttributeValues: { ':open': 'open' } } },
        ],
      }),
    );
    expect(await get('a')).toEqual({ pk: 'a', g: 'g1', n: 1 });
    expect(await get('gone')).toBeUndefined();
    expect(await get('guard')).toEqual({ pk: 'guard', state: 'open' });
    expect(await inIndex('g1')).toEqual(['a', 'b']);
  });

  it('writes nothing when one condition fails, and says which one', async () => {
    await db.send(new PutCommand({ TableName, Item: { pk: 'taken', owner: 'first' } }));
    const error = await db.send(new TransactWriteCommand({ TransactItems: [claim('c', { g: 'g2' }), claim('taken', { owner: 'second' }), claim('d')] })).catch((e) => e);
    expect(error.name).toBe('TransactionCanceledException');
    expect(error.CancellationReasons.map((r: { Code: string }) => r.Code)).toEqual(['None', 'ConditionalCheckFailed', 'None']);
    expect(await get('c')).toBeUndefined();
    expect(await get('d')).toBeUndefined();
    expect(await get('taken')).toEqual({ pk: 'taken', owner: 'first' });
    expect(await inIndex('g2')).toEqual([]);
  });

  it('lets exactly one of many concurrent transactions claim each item', async () => {
    // Twenty transactions over four keys, each claiming two overlapping ones.
    const keys = ['k0', 'k1', 'k2', 'k3'];
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db
          .send(new TransactWriteCommand({ TransactItems: [claim(keys[i % 4], { by: i }), claim(keys[(i + 1) % 4], { by: i })] }))
          .then(() => i)
          .catch((e) => (e.name === 'TransactionCanceledException' ? -1 : Promise.reject(e))),
      ),
    );
    const winners = outcomes.filter((i) => i >= 0);
    const owners = await Promise.all(keys.map(async (k) => (await get(k))!.by));
    // Each winner owns both of its keys; no key is owned by a loser.
    for (const w of winners) expect([owners[w % 4], owners[(w + 1) % 4]]).toEqual([w, w]);
    expect(new Set(owners).size).toBe(winners.length);
    expect(winners.length).toBeGreaterThanOrEqual(1);
  });

  it('refuses what DynamoDB refuses, and what it cannot do, by name', async () => {
    await expect(db.send(new TransactWriteCommand({ TransactItems: [claim('e'), { Delete: { TableName, Key: { pk: 'e' } } }] }))).rejects.toThrow(/multiple operations on one item/);
    await expect(
      db.send(new TransactWriteCommand({ TransactItems: [{ Update: { TableName, Key: { pk: 'e' }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': 1 } } }] })),
    ).rejects.toThrow(/Update is not supported/);
    await expect(db.send(new TransactWriteCommand({ TransactItems: Array.from({ length: 101 }, (_, i) => claim(`x${i}`)) }))).rejects.toThrow(/1 to 100 items/);
    await expect(db.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName, Item: { notTheKey: 'x' } } }] }))).rejects.toMatchObject({ name: 'ValidationException' });
    expect(await get('e')).toBeUndefined();
  });
});
