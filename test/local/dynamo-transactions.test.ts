/**
 * TransactWriteItems on the local DynamoDB (lib/local/dynamo-transactions.mjs): all or nothing,
 * conditions checked before any write, indexes kept, one winner among concurrent claims, Update
 * items that end as UpdateItem ends, and the errors DynamoDB gives (the SDK's own
 * TransactionCanceledException with its reasons).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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

  it('applies Update items as UpdateItem does: counters, nested paths, REMOVE, new items, index entries', async () => {
    const update = (pk: string) => ({
      TableName,
      Key: { pk },
      UpdateExpression: 'SET counters.#t = if_not_exists(counters.#t, :z) + :n, g = :g, seen = list_append(if_not_exists(seen, :e), :s) REMOVE stale',
      ConditionExpression: 'attribute_not_exists(mergedInto)',
      ExpressionAttributeNames: { '#t': 'purchase' },
      ExpressionAttributeValues: { ':z': 0, ':n': 2, ':g': 'g3', ':e': [], ':s': ['x'] },
    });
    for (const pk of ['u-single', 'u-tx']) await db.send(new PutCommand({ TableName, Item: { pk, counters: { purchase: 1, view: 4 }, stale: true } }));
    await db.send(new UpdateCommand(update('u-single')));
    const fresh = { TableName, Key: { pk: 'u-new' }, UpdateExpression: 'SET g = :g, counters = if_not_exists(counters, :e)', ExpressionAttributeValues: { ':g': 'g3', ':e': {} } };
    await db.send(new TransactWriteCommand({ TransactItems: [{ Update: update('u-tx') }, { Update: fresh }] }));
    const single = await get('u-single');
    expect(single).toEqual({ pk: 'u-single', counters: { purchase: 3, view: 4 }, g: 'g3', seen: ['x'] });
    expect(await get('u-tx')).toEqual({ ...single, pk: 'u-tx' });
    expect(await get('u-new')).toEqual({ pk: 'u-new', counters: {}, g: 'g3' });
    expect(await inIndex('g3')).toEqual(['u-new', 'u-single', 'u-tx']);
  });

  it('writes nothing when an Update item cannot apply, or its condition fails', async () => {
    await db.send(new PutCommand({ TableName, Item: { pk: 'u-text', n: 'not a number' } }));
    await db.send(new PutCommand({ TableName, Item: { pk: 'u-merged', mergedInto: 'p', n: 1 } }));
    const add = (pk: string) => ({ Update: { TableName, Key: { pk }, UpdateExpression: 'SET n = n + :one', ExpressionAttributeValues: { ':one': 1 } } });
    await expect(db.send(new TransactWriteCommand({ TransactItems: [claim('u-f'), add('u-text')] }))).rejects.toMatchObject({ name: 'ValidationException' });
    const cancelled = await db
      .send(new TransactWriteCommand({ TransactItems: [claim('u-g'), { Update: { ...add('u-merged').Update, ConditionExpression: 'attribute_not_exists(mergedInto)' } }] }))
      .catch((e) => e);
    expect(cancelled.CancellationReasons.map((r: { Code: string }) => r.Code)).toEqual(['None', 'ConditionalCheckFailed']);
    expect([await get('u-f'), await get('u-g')]).toEqual([undefined, undefined]);
    expect(await get('u-text')).toEqual({ pk: 'u-text', n: 'not a number' });
    expect(await get('u-merged')).toEqual({ pk: 'u-merged', mergedInto: 'p', n: 1 });
  });

  it('refuses what DynamoDB refuses, and what it cannot do, by name', async () => {
    await expect(db.send(new TransactWriteCommand({ TransactItems: [claim('e'), { Delete: { TableName, Key: { pk: 'e' } } }] }))).rejects.toThrow(/multiple operations on one item/);
    await expect(db.send(new TransactWriteCommand({ TransactItems: Array.from({ length: 101 }, (_, i) => claim(`x${i}`)) }))).rejects.toThrow(/1 to 100 items/);
    await expect(db.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName, Item: { notTheKey: 'x' } } }] }))).rejects.toMatchObject({ name: 'ValidationException' });
    expect(await get('e')).toBeUndefined();
  });
});
