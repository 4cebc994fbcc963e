/**
 * The local DynamoDB's speed-ups (lib/local/dynamo-worker.mjs) change nothing it answers: parsed
 * expressions reused across requests take each request's own values and names (updates, conditions,
 * projections), unused names and values are still refused, BETWEEN and attribute_type still check
 * their operands, and a table's cached description follows DeleteTable + CreateTable at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, waitUntilTableExists, waitUntilTableNotExists } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../support/local-dynamo.ts';

let local: LocalDynamo;
let client: DynamoDBClient;
let db: DynamoDBDocumentClient;
const TableName = 'cache-test';

beforeAll(async () => {
  local = await startLocalDynamo(TableName);
  ({ client, db } = local);
}, 60_000);

afterAll(async () => {
  await local?.stop();
});

const counterUpdate = (pk: string, tag: string, n: number, seen: string) =>
  new UpdateCommand({
    TableName,
    Key: { pk },
    UpdateExpression: 'SET updatedAt = :u, counters.#t0 = if_not_exists(counters.#t0, :z) + :n0, lastSeenAt = :t',
    ConditionExpression: 'attribute_exists(counters) AND (attribute_not_exists(lastSeenAt) OR lastSeenAt < :t)',
    ExpressionAttributeNames: { '#t0': tag },
    ExpressionAttributeValues: { ':u': seen, ':z': 0, ':n0': n, ':t': seen },
  });

describe('local DynamoDB with parsed expressions reused', () => {
  it('the same update and condition with other values and names apply those values, every time', async () => {
    for (const pk of ['p1', 'p2']) await db.send(new PutCommand({ TableName, Item: { pk, counters: {} } }));
    await db.send(counterUpdate('p1', 'view', 1, '2026-01-01'));
    await db.send(counterUpdate('p2', 'view', 5, '2026-02-01'));
    await db.send(counterUpdate('p1', 'view', 2, '2026-03-01'));
    await db.send(counterUpdate('p1', 'buy', 7, '2026-04-01'));
    await expect(db.send(counterUpdate('p1', 'buy', 100, '2026-01-15'))).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect((await db.send(new GetCommand({ TableName, Key: { pk: 'p1' } }))).Item).toEqual({ pk: 'p1', counters: { view: 3, buy: 7 }, lastSeenAt: '2026-04-01', updatedAt: '2026-04-01' });
    expect((await db.send(new GetCommand({ TableName, Key: { pk: 'p2' } }))).Item).toEqual({ pk: 'p2', counters: { view: 5 }, lastSeenAt: '2026-02-01', updatedAt: '2026-02-01' });
  });

  it('a condition without names or values decides per item', async () => {
    const put = (pk: string, v: number) => db.send(new PutCommand({ TableName, Item: { pk, v }, ConditionExpression: 'attribute_not_exists(pk)' }));
    await put('c1', 1);
    await put('c2', 2);
    await expect(put('c1', 3)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect((await db.send(new GetCommand({ TableName, Key: { pk: 'c1' } }))).Item).toEqual({ pk: 'c1', v: 1 });
  });

  it('projections with names return the named attributes of each request', async () => {
    await db.send(new PutCommand({ TableName, Item: { pk: 'x1', a: 1, b: 2, c: 3 } }));
    const get = (names: Record<string, string>) => db.send(new GetCommand({ TableName, Key: { pk: 'x1' }, ProjectionExpression: '#p0, #p1', ExpressionAttributeNames: names }));
    expect((await get({ '#p0': 'pk', '#p1': 'a' })).Item).toEqual({ pk: 'x1', a: 1 });
    expect((await get({ '#p0': 'pk', '#p1': 'c' })).Item).toEqual({ pk: 'x1', c: 3 });
  });

  it('still refuses unused names and values, and type errors that depend on the values given', async () => {
    await db.send(new PutCommand({ TableName, Item: { pk: 'p3', counters: {} } }));
    await db.send(counterUpdate('p3', 'view', 1, '2026-01-01'));
    const unused = new UpdateCommand({ ...counterUpdate('p3', 'view', 1, '2026-05-01').input, ExpressionAttributeValues: { ':u': 'x', ':z': 0, ':n0': 1, ':t': '2026-05-01', ':extra': 1 } });
    await expect(db.send(unused)).rejects.toThrow(/unused/);
    const between = (lo: number, hi: number) => db.send(new PutCommand({ TableName, Item: { pk: 'b1', v: 1 }, ConditionExpression: 'attribute_not_exists(v) OR v BETWEEN :lo AND :hi', ExpressionAttributeValues: { ':lo': lo, ':hi': hi } }));
    await between(0, 10);
    await expect(between(10, 0)).rejects.toThrow(/BETWEEN/);
    const typed = (type: string) => db.send(new PutCommand({ TableName, Item: { pk: 'b2' }, ConditionExpression: 'NOT attribute_type(v, :ty)', ExpressionAttributeValues: { ':ty': type } }));
    await typed('N');
    await expect(typed('NOPE')).rejects.toThrow(/attribute type/i);
  });
});

describe('local DynamoDB with table descriptions kept in memory', () => {
  it('a table deleted and created again with another key schema is used with the new one at once', async () => {
    const name = 'recreated';
    const create = (withSortKey: boolean) =>
      client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, ...(withSortKey ? [{ AttributeName: 'sk', KeyType: 'RANGE' as const }] : [])],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, ...(withSortKey ? [{ AttributeName: 'sk', AttributeType: 'S' as const }] : [])],
        }),
      );
    const waiter = { client, maxWaitTime: 120, minDelay: 0.1, maxDelay: 1 };
    await create(false);
    await waitUntilTableExists(waiter, { TableName: name });
    await db.send(new PutCommand({ TableName: name, Item: { pk: 'a' } }));
    await client.send(new DeleteTableCommand({ TableName: name }));
    await waitUntilTableNotExists(waiter, { TableName: name });
    await create(true);
    await waitUntilTableExists(waiter, { TableName: name });
    await db.send(new PutCommand({ TableName: name, Item: { pk: 'a', sk: 's' } }));
    // The description read before the delete (hash key only) must not be used any more.
    await expect(db.send(new PutCommand({ TableName: name, Item: { pk: 'b' } }))).rejects.toThrow(/key/i);
    expect((await db.send(new GetCommand({ TableName: name, Key: { pk: 'a', sk: 's' } }))).Item).toEqual({ pk: 'a', sk: 's' });
  });
});
