/**
 * Check on entry under load: `POST /v1/match` p50/p99 on the local cloud with N profiles stored.
 *
 *   npx tsx bench/match-api.bench.ts [--profiles 100000] [--rate 100] [--seconds 20]
 *   npm run bench -- match-api
 *
 * 1. Generates synthetic customers (test/support/generate-customers.ts: second phones, common
 *    names, typos, store numbers) and keeps the records of the first N distinct primary numbers:
 *    one profile per number.
 * 2. Writes them straight through the adapters' batch writes into the local cloud's table: profile
 *    items, phone aliases, record items (on byProfile) and the blocking-key index entries, as
 *    imports leave them (without the per-key markers that only match on arrival reads).
 * 3. Warms the API function's containers, then sends POST /v1/match at a steady rate with
 *    autocannon (`overallRate`), bodies drawn from stored records the way a CRM form fills them:
 *    phone + name, name + birth date, name + city, e-mail + name. Reports latency p50/p99, the
 *    share of answers whose best candidate is the record's own profile, and errors.
 *
 * Target (issue 6): p99 < 50 ms with 100k profiles.
 */
// @ts-expect-error autocannon ships no types (and @types/autocannon is not a dependency)
import autocannonUntyped from 'autocannon';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClient } from '../functions/adapters/dynamo-profile-store.ts';
import { DynamoIdentityStore, hashBlockingKey } from '../functions/adapters/dynamo-identity-store.ts';
import { checkOnEntry } from '../functions/app/identity/check-on-entry.ts';
import { loadavg } from 'node:os';
import { blockKeyPk } from '../functions/adapters/dynamo-keys.ts';
import { batchPut } from '../functions/adapters/dynamo-batch.ts';
import { profileIdFor, profileShard } from '../functions/core/identity-keys.ts';
import { blockingKeys, defaultMatchRules, recordKey } from '../functions/core/match/index.ts';
import type { CleanRecord } from '../functions/core/model.ts';
import { startLocalCloud } from '../lib/local/cloud.ts';
import { generateCleanRecords } from '../test/support/generate-customers.ts';

interface Stats {
  average: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}
interface Result {
  requests: Stats & { total: number };
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
const PROFILES = arg('profiles', 100_000);
const RATE = arg('rate', 100);
const SECONDS = arg('seconds', 20);
/** Items per batchPut call (its 25-item requests all go at once). */
const SLICE = 250;
/** batchPut, retried when the loaded local store drops a connection. */
async function put(db: ReturnType<typeof documentClient>, table: string, items: Array<Record<string, unknown>>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await batchPut(db, table, items);
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
    }
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'phonekey-bench-match-'));
const t0 = Date.now();
const cloud = await startLocalCloud({ dataDir, ports: { api: 0, s3: 0, dynamodb: 0, control: 0 }, schedules: false });
console.log(`local cloud up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
try {
  const db = documentClient(new DynamoDBClient({ region: 'us-east-1', endpoint: cloud.info.endpoints.dynamodb, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 10 }));
  const table = cloud.info.outputs.TableName;

  // 1. one profile per distinct primary number, with every record that has it as primary
  const { records } = generateCleanRecords({ records: Math.ceil(PROFILES * 1.8), seed: 6 });
  const byPrimary = new Map<string, CleanRecord[]>();
  for (const r of records) {
    const p = r.phones[0];
    if (!p) continue;
    const list = byPrimary.get(p);
    if (list) list.push(r);
    else if (byPrimary.size < PROFILES) byPrimary.set(p, [r]);
  }
  const stored: CleanRecord[] = [...byPrimary.values()].flat();

  // 2. items as the import leaves them
  let t = Date.now();
  const now = new Date().toISOString();
  const owner = new Map<string, string>();
  for (const [primary, recs] of byPrimary) {
    const id = profileIdFor(primary);
    owner.set(primary, id);
    for (const r of recs) for (const p of r.phones.slice(1)) if (!owner.has(p)) owner.set(p, id);
  }
  const phonesOf = new Map<string, string[]>();
  for (const [phone, id] of owner) (phonesOf.get(id) ?? phonesOf.set(id, []).get(id)!).push(phone);
  const items: Array<Record<string, unknown>> = [];
  for (const [primary] of byPrimary) {
    const id = profileIdFor(primary);
    const phones = phonesOf.get(id)!;
    items.push({ pk: `PROF#${id}`, sk: 'PROFILE', profileId: id, pshard: profileShard(id), phone: primary, phones: [primary, ...phones.filter((p) => p !== primary)], createdAt: now, updatedAt: now });
  }
  for (const [phone, id] of owner) items.push({ pk: `PHONE#${phone}`, sk: 'ALIAS', phone, profileId: id });
  for (const r of stored) {
    const key = recordKey(r);
    const id = owner.get(r.phones[0]!)!;
    items.push({ pk: `REC#${key}`, sk: 'REC', gsi1pk: `PROF#${id}`, gsi1sk: `REC#${key}`, profileId: id, source: r.source, recordId: r.recordId, record: r, hash: 'bench', storedAt: now });
  }
  for (let i = 0; i < items.length; i += SLICE) await put(db, table, items.slice(i, i + SLICE));
  // the blocking-key index as DynamoIdentityStore.indexBlockingKeys writes it, without the per-key
  // markers (only match on arrival reads those; the API queries the keys directly)
  const index = stored.flatMap((r) => blockingKeys(r, defaultMatchRules).map((k) => ({ pk: blockKeyPk(hashBlockingKey(k)), sk: recordKey(r) })));
  const indexItems = index.length;
  for (let i = 0; i < index.length; i += SLICE) await put(db, table, index.slice(i, i + SLICE));
  const loadS = (Date.now() - t) / 1000;
  console.log(
    `stored ${byPrimary.size.toLocaleString()} profiles, ${stored.length.toLocaleString()} records, ${owner.size.toLocaleString()} aliases, ${indexItems.toLocaleString()} index entries in ${loadS.toFixed(0)} s`,
  );

  // 3. form-like queries from stored records
  const rand = (() => {
    let s = 42;
    return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  })();
  const bodies: Array<{ body: string; expect: string }> = [];
  while (bodies.length < 5_000) {
    const r = stored[Math.floor(rand() * stored.length)]!;
    const kind = Math.floor(rand() * 4);
    const q: Record<string, string> = {};
    if (kind === 0 && r.name) Object.assign(q, { phone: r.phones[0], name: r.name });
    else if (kind === 1 && r.name && r.birthDate) Object.assign(q, { name: r.name, birthDate: r.birthDate });
    else if (kind === 2 && r.name && r.city) Object.assign(q, { name: r.name, city: r.city });
    else if (kind === 3 && r.email) Object.assign(q, { email: r.email, ...(r.name ? { name: r.name } : {}) });
    else continue;
    bodies.push({ body: JSON.stringify(q), expect: owner.get(r.phones[0]!)! });
  }
  const secrets = JSON.parse(readFileSync(cloud.info.secretsFile, 'utf8')) as Record<string, { name: string; versions: Array<{ value: string; stages: string[] }> }>;
  const token = Object.values(secrets).find((s) => s.name.includes('apitoken'))!.versions.find((v) => v.stages.includes('AWSCURRENT'))!.value;

  // correctness sample, one request at a time through HTTP (timed, as a second figure)
  let own = 0;
  const sample = bodies.slice(0, 200);
  const sequential: number[] = [];
  for (const b of sample) {
    const t1 = performance.now();
    const res = await fetch(`${cloud.info.endpoints.api}/v1/match`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: b.body });
    const json = (await res.json()) as { candidates: Array<{ profileId: string }> };
    sequential.push(performance.now() - t1);
    if (json.candidates?.[0]?.profileId === b.expect) own++;
  }
  // the use case alone, in this process against the same store (no HTTP, authorizer or worker hop)
  const store = new DynamoIdentityStore(db, table);
  const direct: number[] = [];
  for (const b of bodies.slice(200, 700)) {
    const t1 = performance.now();
    await checkOnEntry(store, JSON.parse(b.body), { rules: defaultMatchRules });
    direct.push(performance.now() - t1);
  }
  const pct = (xs: number[], q: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!.toFixed(1);

  let n = 0;
  const url = new URL(cloud.info.endpoints.api);
  const request = {
    method: 'POST' as const,
    path: '/v1/match',
    setupRequest: (req: Record<string, unknown>) => ({ ...req, body: bodies[n++ % bodies.length]!.body, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } }),
  };
  const run = (opts: Record<string, unknown>) =>
    new Promise<Result>((resolve, reject) => autocannon({ url: url.origin, duration: SECONDS, ...opts }, (err, result) => (err ? reject(err) : resolve(result))));

  await run({ connections: 8, requests: [request], duration: 5 }); // warm the containers, like a warmed Lambda
  const cpu0 = process.cpuUsage();
  const steady = await run({ connections: 10, overallRate: RATE, requests: [request] });
  const cpu = process.cpuUsage(cpu0);

  console.log('');
  console.log(`profiles stored        ${byPrimary.size.toLocaleString()} (${stored.length.toLocaleString()} records)`);
  console.log(`best candidate = own   ${own}/${sample.length} (form bodies drawn from stored records; common names + city can rank a namesake first)`);
  console.log(`POST /v1/match         ${RATE}/s for ${SECONDS} s: ${steady.requests.total.toLocaleString()} requests, non-2xx ${steady.non2xx}, errors ${steady.errors}, timeouts ${steady.timeouts}`);
  console.log(`latency                p50 ${steady.latency.p50} ms, p90 ${steady.latency.p90} ms, p99 ${steady.latency.p99} ms, max ${steady.latency.max} ms (target p99 < 50 ms)`);
  console.log(`one at a time (HTTP)    p50 ${pct(sequential, 0.5)} ms, p99 ${pct(sequential, 0.99)} ms over ${sequential.length} requests`);
  console.log(`use case alone         p50 ${pct(direct, 0.5)} ms, p99 ${pct(direct, 0.99)} ms over ${direct.length} calls (checkOnEntry in this process against the same dynalite)`);
  console.log(`machine load average   ${loadavg().map((x) => x.toFixed(1)).join(' / ')} (1/5/15 min) on ${(await import('node:os')).cpus().length} cores`);
  console.log(`process CPU            ${((cpu.user + cpu.system) / 1e6 / SECONDS).toFixed(2)} cores during the run (API function, dynalite and autocannon share this process)`);
} finally {
  await cloud.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
