/**
 * Webhook load (issue 5), the issue's figures from one run against a fresh local cloud:
 *   1. the raw local store write rate: BatchWriteItem (25 a request, 4 requests in flight) of
 *      items the size and shape of a stored event, into the same dynalite, through the adapters'
 *      client; half before the events and half after them;
 *   2. signed single events at a fixed rate, open loop (bench/open-loop.ts: one request every
 *      1/rate s whatever the answers, latency from its scheduled time): sustained req/s, p50/p99,
 *      failures, and the cloud's CPU per event, in all and by part (LocalCloud.cpuUsage: the
 *      function containers, the store's thread, the main thread with the HTTP API, the rest). They
 *      start once the cloud is quiet after the raw writes (LevelDB compacts what they wrote), and
 *      the first 2 s at the rate are a lead-in reported apart (the generator's connections are
 *      new, as is a child's code);
 *   3. signed batches of 100 events at full speed (4 connections): events/s, and their ratio to
 *      the raw write rate.
 * The load generator runs in a child process (the cloud's HTTP server is not slowed by it), and the
 * single events come from customers the warm-up made known, as most traffic does; batches mix
 * known and new customers. The machine's load average is reported next to the figures.
 * `npm run bench -- webhooks [--rate 200] [--seconds 20] [--lead-in-seconds 2] [--batch-seconds 15]`
 */
// @ts-expect-error autocannon ships no types (and @types/autocannon is not a dependency)
import autocannonUntyped from 'autocannon';
import { childJson } from './child-json.ts';
import { openLoop } from './open-loop.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoProfileStore } from '../functions/adapters/dynamo-profile-store.ts';
import { documentClient } from '../functions/adapters/dynamo-document-client.ts';
import { mapLimit } from '../functions/adapters/dynamo-batch.ts';
import { signedHeaders } from '../functions/core/events/index.ts';
import { containersMicros, startLocalCloud, type CloudCpu } from '../lib/local/cloud.ts';

interface Stats {
  average: number;
  total: number;
  p50: number;
  p99: number;
  max: number;
}
interface Result {
  requests: Stats;
  latency: Omit<Stats, 'total'>;
  leadIn?: Stats;
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
interface LoadSpec {
  url: string;
  secret: string;
  batch: number;
  /** Run this long, or until `amount` requests are answered. */
  seconds?: number;
  amount?: number;
  connections: number;
  rate?: number;
  /** Open loop (with `rate` and `seconds`): this long first at the same rate, measured apart. */
  leadInSeconds?: number;
  /** Customers drawn from `PHONE_BASE + [0, phones)`. */
  phones: number;
  /** Event ids start here (so every run sends new events). */
  firstId: number;
}

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

// distinct valid mobiles (no run of one digit, which cleaning takes for a stand-in)
const phoneOf = (k: number) => `1391${String(2_345_678 + k)}`;
const KNOWN = 1000; // customers the warm-up makes known; single events come from them
const POOL = 5000; // customers of the batch run (the first KNOWN of them known)

// ---- child process: the load generator ----
async function load(spec: LoadSpec): Promise<Result> {
  const autocannon = autocannonUntyped as (opts: Record<string, unknown>, done: (err: Error | null, result: Result) => void) => unknown;
  let n = spec.firstId;
  let failures = 0;
  const event = () => {
    n++;
    return { event_id: `b-${n}`, event: 'add_cart', ts: new Date().toISOString(), user: { phone: phoneOf((n * 7919) % spec.phones) }, props: { item_id: `sku-${n % 50}`, qty: 1, price: '19.90' } };
  };
  if (spec.rate && spec.seconds) {
    // signed ahead (a signature stays good for minutes), sent open loop
    const url = new URL(spec.url);
    const requests = Array.from({ length: Math.round(spec.rate * (spec.seconds + (spec.leadInSeconds ?? 0))) }, () => {
      const body = JSON.stringify(spec.batch === 1 ? event() : Array.from({ length: spec.batch }, event));
      return { path: url.pathname, body, headers: signedHeaders(spec.secret, body) };
    });
    return openLoop({ url: url.origin, requests, rate: spec.rate, seconds: spec.seconds, leadInSeconds: spec.leadInSeconds });
  }
  return new Promise((resolve, reject) =>
    autocannon(
      {
        url: spec.url,
        ...(spec.amount ? { amount: spec.amount } : { duration: spec.seconds }),
        timeout: 30,
        connections: spec.connections,
        ...(spec.rate ? { overallRate: spec.rate } : {}),
        requests: [
          {
            method: 'POST',
            setupRequest: (req: Record<string, unknown>) => {
              const body = JSON.stringify(spec.batch === 1 ? event() : Array.from({ length: spec.batch }, event));
              return { ...req, body, headers: { 'content-type': 'application/json', ...signedHeaders(spec.secret, body) } };
            },
            onResponse: (status: number, body: string) => {
              if (status >= 300 && failures++ < 3) process.stderr.write(`load generator: ${status} ${body.slice(0, 300)}\n`);
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    ),
  );
}

if (process.argv[2] === '--load') {
  const result = await load(JSON.parse(process.argv[3]!) as LoadSpec);
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

function runLoad(spec: LoadSpec): Promise<Result> {
  return childJson<Result>([...process.execArgv, fileURLToPath(import.meta.url), '--load', JSON.stringify(spec)]);
}

// ---- parent: the cloud and the figures ----
const RATE = arg('rate', 200);
const SECONDS = arg('seconds', 20);
const BATCH_SECONDS = arg('batch-seconds', 15);
const LEAD_IN_SECONDS = arg('lead-in-seconds', 2);

/** The cloud's CPU (µs) between two readings, by part: the function containers together, the store's thread, the main thread (the HTTP API), the rest (helper threads). */
type CpuParts = { total: number; functions: number; store: number; mainThread: number; other: number };
function cpuSince(before: CloudCpu, after: CloudCpu): CpuParts {
  const since = (part: (c: CloudCpu) => number) => part(after) - part(before);
  return {
    total: since((c) => c.total),
    functions: since(containersMicros),
    store: since((c) => c.store),
    mainThread: since((c) => c.mainThread),
    other: Math.max(0, since((c) => c.other)),
  };
}

/** Waits until this process (the cloud) uses under a tenth of a core for half a second, 15 s at most; returns how long it waited. */
async function quiet(): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < 15_000) {
    const before = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 500));
    const used = process.cpuUsage(before);
    if ((used.user + used.system) / 1000 < 50) break;
  }
  return Math.round(performance.now() - t0);
}

const dataDir = mkdtempSync(join(tmpdir(), 'phonekey-bench-webhooks-'));
const cloud = await startLocalCloud({ dataDir, ports: { api: 0, s3: 0, dynamodb: 0, control: 0 }, schedules: false });
try {
  const db = documentClient(new DynamoDBClient({ region: 'us-east-1', endpoint: cloud.info.endpoints.dynamodb, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
  const TableName = cloud.info.outputs.TableName;
  const store = new DynamoProfileStore(db, TableName);
  await store.putSourceConfig('app', JSON.parse(readFileSync(new URL('../examples/sources/app-channel.json', import.meta.url), 'utf8')));
  const secrets = JSON.parse(readFileSync(cloud.info.secretsFile, 'utf8')) as Record<string, { name: string; versions: Array<{ value: string; stages: string[] }> }>;
  const secret = JSON.parse(Object.values(secrets).find((s) => s.name.includes('webhooksecrets'))!.versions.find((v) => v.stages.includes('AWSCURRENT'))!.value).default as string;
  const url = new URL(cloud.info.endpoints.api).origin + '/webhooks/app';
  const spec = { url, secret };

  // Warm-up: every container the runs use loads its bundle (like a warmed Lambda), and the
  // KNOWN customers get their profiles.
  // One event stored for sure: its item is the raw run's sample.
  const sampleBody = JSON.stringify({ event_id: 'sample-1', event: 'add_cart', ts: new Date().toISOString(), user: { phone: phoneOf(0) }, props: { item_id: 'sku-1', qty: 1, price: '19.90' } });
  for (let attempt = 0; ; attempt++) {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...signedHeaders(secret, sampleBody) }, body: sampleBody }).catch(() => undefined);
    if (r?.status === 202) break;
    if (attempt >= 5) throw new Error(`the first event was not accepted: ${r?.status} ${await r?.text()}`);
  }
  const warm = [
    await runLoad({ ...spec, batch: 1, amount: 200, connections: 10, phones: KNOWN, firstId: 10_000_000 }),
    await runLoad({ ...spec, batch: 100, amount: KNOWN / 100, connections: 4, phones: KNOWN, firstId: 0 }),
  ];
  const warmUpFailed = warm.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0);

  // 1. Raw store: event-sized items (a stored event's own shape) through BatchWriteItem.
  const sample = (await db.send(new GetCommand({ TableName, Key: { pk: 'EVT#app#sample-1', sk: 'EVT' } }))).Item;
  if (!sample) throw new Error('the first event is not in the table');
  // Half before the events and half after them, so drifting load and the table's growth weigh on both.
  const rawItems = 20_000;
  const chunks = Array.from({ length: rawItems / 25 }, (_, c) =>
    Array.from({ length: 25 }, (_, k) => {
      const id = `raw-${c * 25 + k}`;
      return { PutRequest: { Item: { ...sample, pk: `EVT#raw#${id}`, gsi1sk: `EVT#raw#${id}`, eventId: id, recordId: id } } };
    }),
  );
  const rawRun = async (part: typeof chunks) => {
    const t0 = performance.now();
    await mapLimit(part, 4, async (chunk) => {
      let pending = chunk;
      while (pending.length) {
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [TableName]: pending } }));
        pending = (out.UnprocessedItems?.[TableName] as typeof pending | undefined) ?? [];
      }
    });
    return performance.now() - t0;
  };
  const load0 = loadavg()[0]!;
  const rawBeforeMs = await rawRun(chunks.slice(0, chunks.length / 2));

  // 2. Single events at a fixed rate, on a quiet cloud (the raw writes leave LevelDB compacting),
  // after a lead-in at the same rate whose figures are kept apart.
  // CPU of this process (the whole local cloud: HTTP API, function containers, dynalite; the load
  // generator is a child process) per event: a figure the machine's other load moves much less.
  const settledMs = await quiet();
  const load1 = loadavg()[0]!;
  const cpu1 = await cloud.cpuUsage();
  const single = await runLoad({ ...spec, batch: 1, seconds: SECONDS, leadInSeconds: LEAD_IN_SECONDS, connections: 25, rate: RATE, phones: KNOWN, firstId: 20_000_000 });
  const cpuSingle = cpuSince(cpu1, await cloud.cpuUsage());

  // 3. Batches of 100 at full speed.
  const load2 = loadavg()[0]!;
  const cpu2 = await cloud.cpuUsage();
  const batches = await runLoad({ ...spec, batch: 100, seconds: BATCH_SECONDS, connections: 4, phones: POOL, firstId: 30_000_000 });
  const cpuBatch = cpuSince(cpu2, await cloud.cpuUsage());
  const load3 = loadavg()[0]!;
  const rawRate = rawItems / ((rawBeforeMs + (await rawRun(chunks.slice(chunks.length / 2)))) / 1000);

  const failed = (r: Result) => r.non2xx + r.errors + r.timeouts;
  const singleEvents = single.requests.total + (single.leadIn?.total ?? 0);
  const batchEvents = (batches.requests.total * 100) / batches.duration;
  const cpuMs = (micros: number, events: number) => Math.round((micros / 1000 / Math.max(1, events)) * 100) / 100;
  const byPart = (c: CpuParts, events: number) => Object.fromEntries(Object.entries(c).filter(([part]) => part !== 'total').map(([part, micros]) => [part, cpuMs(micros, events)]));
  console.log(
    JSON.stringify(
      {
        rawStoreWritesPerSecond: Math.round(rawRate),
        single: {
          targetRate: RATE,
          seconds: SECONDS,
          sustainedRate: Math.round((single.requests.total / single.duration) * 10) / 10,
          p50ms: single.latency.p50,
          p99ms: single.latency.p99,
          maxMs: single.latency.max,
          failed: failed(single),
          cloudCpuMsPerEvent: cpuMs(cpuSingle.total, singleEvents),
          cpuMsPerEventByPart: byPart(cpuSingle, singleEvents),
          leadIn: { seconds: LEAD_IN_SECONDS, p50ms: single.leadIn?.p50, p99ms: single.leadIn?.p99, maxMs: single.leadIn?.max },
          quietAfterRawMs: settledMs,
        },
        batch100: {
          seconds: BATCH_SECONDS,
          requestsPerSecond: Math.round((batches.requests.total / batches.duration) * 10) / 10,
          eventsPerSecond: Math.round(batchEvents),
          p50ms: batches.latency.p50,
          p99ms: batches.latency.p99,
          failed: failed(batches),
          cloudCpuMsPerEvent: cpuMs(cpuBatch.total, batches.requests.total * 100),
          cpuMsPerEventByPart: byPart(cpuBatch, batches.requests.total * 100),
        },
        batchVsRaw: `${Math.round((100 * batchEvents) / rawRate)}%`,
        warmUpFailed,
        loadAverage1m: { raw: load0, single: load1, batch: load2, end: load3 },
        cores: cpus().length,
      },
      null,
      2,
    ),
  );
} finally {
  await cloud.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
