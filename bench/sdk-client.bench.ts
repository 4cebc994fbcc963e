/**
 * What the AWS SDK's logger middleware costs per call on PhoneKey's hot paths, with no logger
 * configured: the same DocumentClient calls against a canned answer (no network, no store, so only
 * the client's CPU is measured), with the middleware and without it (functions/adapters/sdk-client.ts),
 * in interleaved blocks.
 *
 *   npm run bench -- sdk-client [--calls 2000]
 *
 * Calls: a BatchGet of 100 record items (an import's read of known numbers, search's records), a
 * Query answering 100 index entries (check on entry, search), and a single conditional PutItem
 * (a webhook event).
 */
import { Readable } from 'node:stream';
import { loadavg, cpus } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { HttpResponse } from '@smithy/core/protocols';
import { withoutLogFilter } from '../functions/adapters/sdk-client.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CALLS = arg('calls', 2000);
const BLOCKS = 10;

const record = (i: number) => ({
  pk: { S: `REC#crm#${i}` },
  sk: { S: 'REC' },
  profileId: { S: 'p_0123456789abcdef' },
  record: { M: { source: { S: 'crm' }, recordId: { S: String(i) }, name: { S: '张伟' }, nameKey: { S: '张伟' }, namePinyin: { S: 'zhangwei' }, phones: { L: [{ S: '+8613800138001' }] }, email: { S: 'zhang@example.com' }, city: { S: '上海市' }, birthDate: { S: '1985-03-02' } } },
});
const entry = (i: number) => ({ sk: { S: `crm#${i}` }, p: { S: 'p_0123456789abcdef' }, r: { S: JSON.stringify(['crm', String(i), ['+8613800138001'], '张伟', 'zhangwei', null, 'M', '1985-03-02', null, null, '上海市', null, null]) } });
const answers: Record<string, string> = {
  BatchGetItem: JSON.stringify({ Responses: { t: Array.from({ length: 100 }, (_, i) => record(i)) }, UnprocessedKeys: {} }),
  Query: JSON.stringify({ Items: Array.from({ length: 100 }, (_, i) => entry(i)), Count: 100, ScannedCount: 100 }),
  PutItem: '{}',
};
/** Answers each operation with its canned body (the operation is in the X-Amz-Target header). */
const handler = {
  handle: async (request: { headers: Record<string, string> }) => {
    const op = (request.headers['x-amz-target'] ?? '').split('.').pop()!;
    return { response: new HttpResponse({ statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Readable.from([Buffer.from(answers[op]!)]) }) };
  },
};
const client = (filtered: boolean) => {
  const c = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, requestHandler: handler as never });
  return DynamoDBDocumentClient.from(filtered ? c : withoutLogFilter(c), { marshallOptions: { removeUndefinedValues: true } });
};
const keys = Array.from({ length: 100 }, (_, i) => ({ pk: `REC#crm#${i}`, sk: 'REC' }));
const calls = {
  'BatchGet 100 records': (db: DynamoDBDocumentClient) => db.send(new BatchGetCommand({ RequestItems: { t: { Keys: keys } } })),
  'Query 100 entries': (db: DynamoDBDocumentClient) => db.send(new QueryCommand({ TableName: 't', KeyConditionExpression: 'pk = :p AND sk > :m', ExpressionAttributeValues: { ':p': 'BKEY#x', ':m': '#' } })),
  'PutItem one event': (db: DynamoDBDocumentClient) =>
    db.send(new PutCommand({ TableName: 't', Item: { pk: 'EVT#app#e1', sk: 'EVT', tag: 'purchase', attributes: { order_id: 'o1', amount: '99.00', amount_cents: 9900 }, receivedAt: '2026-12-05T00:00:00.000Z' }, ConditionExpression: 'attribute_not_exists(pk)' })),
};

const variants = { 'with the logger middleware': client(true), 'without (PhoneKey)': client(false) };
console.log(`${CALLS} calls each, ${BLOCKS} interleaved blocks; client CPU per call (ms)`);
for (const [what, call] of Object.entries(calls)) {
  const cpu: Record<string, number> = {};
  for (const db of Object.values(variants)) for (let i = 0; i < 50; i++) await call(db); // warm
  for (let block = 0; block < BLOCKS; block++) {
    for (const [name, db] of Object.entries(variants)) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < CALLS / BLOCKS; i++) await call(db);
      const d = process.cpuUsage(c0);
      cpu[name] = (cpu[name] ?? 0) + (d.user + d.system) / 1000;
    }
  }
  const [a, b] = Object.values(cpu).map((ms) => ms / CALLS);
  console.log(`${what.padEnd(22)} with ${a!.toFixed(3)}, without ${b!.toFixed(3)}: ${(b! / a!).toFixed(2)}× (${((1 - b! / a!) * 100).toFixed(0)} % less)`);
}
console.log(`machine load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')} (1/5/15 min) on ${cpus().length} cores`);
