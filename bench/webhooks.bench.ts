/**
 * Webhook load (issue 5): against a fresh local cloud, signed single events at a fixed rate
 * (p50/p99 latency), batches of 100 at full speed (events/s), and the raw local store write rate
 * (BatchWriteItem of similar items) measured in the same run for comparison.
 * `npx tsx bench/webhooks.bench.ts [--rate 200] [--seconds 10]`
 */
// @ts-expect-error autocannon ships no types (and @types/autocannon is not a dependency)
import autocannonUntyped from 'autocannon';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoProfileStore, documentClient } from '../functions/adapters/dynamo-profile-store.ts';
import { batchPut } from '../functions/adapters/dynamo-batch.ts';
import { signedHeaders } from '../functions/core/events/index.ts';
import { startLocalCloud } from '../lib/local/cloud.ts';

interface Stats {
  average: number;
  total: number;
  p50: number;
  p99: number;
}
interface Result {
  requests: Stats;
  latency: Stats;
  non2xx: number;
  errors: number;
  timeouts: number;
}
const autocannon = autocannonUntyped as (opts: Record<string, unknown>, done: (err: Error | null, result: Result) => void) => unknown;

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RATE = arg('rate', 200);
const SECONDS = arg('seconds', 10);

const dataDir = mkdtempSync(join(tmpdir(), 'phonekey-bench-webhooks-'));
const cloud = await startLocalCloud({ dataDir, ports: { api: 0, s3: 0, dynamodb: 0, control: 0 }, schedules: false });
try {
  const db = documentClient(new DynamoDBClient({ region: 'us-east-1', endpoint: cloud.info.endpoints.dynamodb, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
  const table = cloud.info.outputs.TableName;
  const store = new DynamoProfileStore(db, table);
  await store.putSourceConfig('app', JSON.parse(readFileSync(new URL('../examples/sources/app-channel.json', import.meta.url), 'utf8')));
  const secrets = JSON.parse(readFileSync(cloud.info.secretsFile, 'utf8')) as Record<string, { name: string; versions: Array<{ value: string; stages: string[] }> }>;
  const secret = JSON.parse(Object.values(secrets).find((s) => s.name.includes('webhooksecrets'))!.versions.find((v) => v.stages.includes('AWSCURRENT'))!.value).default;

  let n = 0;
  const event = () => {
    n++;
    const phone = `1380000${String(n % 5000).padStart(4, '0')}`;
    return { event_id: `b-${n}`, event: 'add_cart', ts: new Date().toISOString(), user: { phone }, props: { item_id: `sku-${n % 50}`, qty: 1, price: '19.90' } };
  };
  const url = new URL(cloud.info.endpoints.api);
  const request = (batch: number) => ({
    method: 'POST' as const,
    path: '/webhooks/app',
    setupRequest: (req: Record<string, unknown>) => {
      const body = JSON.stringify(batch === 1 ? event() : Array.from({ length: batch }, event));
      return { ...req, body, headers: { 'content-type': 'application/json', ...signedHeaders(secret, body) } };
    },
  });
  const run = (opts: Record<string, unknown>) =>
    new Promise<Result>((resolve, reject) => autocannon({ url: url.origin, duration: SECONDS, ...opts }, (err, result) => (err ? reject(err) : resolve(result))),
    );

  // Warm as many containers as the runs use (a cold one loads a 2 MB bundle), like a warmed Lambda.
  await run({ connections: 10, requests: [request(1)], duration: 4 });

  const single = await run({ connections: 10, overallRate: RATE, requests: [request(1)] });
  const batches = await run({ connections: 4, requests: [request(100)] });

  // Raw store: the same number of similar items through BatchWriteItem, no conditions.
  const rawItems = 20_000;
  const t0 = performance.now();
  await batchPut(
    db,
    table,
    Array.from({ length: rawItems }, (_, i) => ({ pk: `BENCH#${i}`, sk: 'EVT', gsi1pk: `PROF#bench${i % 5000}`, gsi1sk: `BENCH#${i}`, tag: 'add_to_cart', attributes: { product_id: 'sku-1', quantity: 1, price: '19.90', price_cents: 1990 } })),
  );
  const rawRate = rawItems / ((performance.now() - t0) / 1000);

  const non2xx = (r: Result) => r.non2xx + r.errors + r.timeouts;
  const batchEvents = (batches.requests.total * 100) / SECONDS;
  console.log(
    JSON.stringify(
      {
        single: { targetRate: RATE, achievedRate: single.requests.average, p50ms: single.latency.p50, p99ms: single.latency.p99, failed: non2xx(single) },
        batch100: { requestsPerSecond: batches.requests.average, eventsPerSecond: Math.round(batchEvents), p50ms: batches.latency.p50, p99ms: batches.latency.p99, failed: non2xx(batches) },
        rawStoreWritesPerSecond: Math.round(rawRate),
        batchVsRaw: `${Math.round((100 * batchEvents) / rawRate)}%`,
      },
      null,
      2,
    ),
  );
} finally {
  await cloud.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
