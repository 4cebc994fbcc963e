/**
 * Check on entry under load: `POST /v1/match` p50/p99 on the local cloud with N profiles stored.
 *
 *   npx tsx bench/match-api.bench.ts [--profiles 100000] [--rate 100] [--seconds 20] [--data-dir DIR]
 *   npm run bench -- match-api
 *
 * `--phases sample,direct,steady,search` (default: the first three). `--data-dir DIR` keeps the loaded local cloud's data in DIR and, when DIR already holds a load of
 * the same size (its `match-bench.json`), reuses it instead of writing everything again (loading
 * 100k profiles takes minutes). `--phases sample,direct,steady` runs only some of the measurements.
 *
 * 1. Generates synthetic customers (test/support/generate-customers.ts: second phones, common
 *    names, typos, store numbers) and keeps the records of the first N distinct primary numbers:
 *    one profile per number.
 * 2. Writes them straight through the adapters' batch writes into the local cloud's table: profile
 *    items, phone aliases, record items (on byProfile) and the blocking-key index entries, as
 *    imports leave them (blockEntryItems: with the profile and comparison fields; without the
 *    per-key markers that only match on arrival reads). A kept folder loaded with an older index
 *    format gets its index entries rewritten.
 * 3. Warms the API function's containers (autocannon, 5 s at full speed), then sends POST /v1/match
 *    at a steady rate, open loop: one request every 1/rate s whatever the answers, latency from its
 *    scheduled send (`--generator autocannon` uses autocannon's `overallRate` instead, as the
 *    figures before 2026-11-23 did; see bench/open-loop.ts for why it reads high), bodies drawn from stored records the way a CRM form fills them:
 *    phone + name, name + birth date, name + city, e-mail + name. Reports latency p50/p99, the
 *    share of answers whose best candidate is the record's own profile, and errors. The load
 *    generator runs in a child process (as in the webhook bench), so its CPU is not on the local
 *    API Gateway's event loop; CPU per request is split by thread (Linux: /proc/self/task).
 *
 * Target (issue 6): p99 < 50 ms with 100k profiles.
 */
// @ts-expect-error autocannon ships no types (and @types/autocannon is not a dependency)
import autocannonUntyped from 'autocannon';
import { childJson } from './child-json.ts';
import { openLoop } from './open-loop.ts';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClient } from '../functions/adapters/dynamo-document-client.ts';
import { installSalt } from '../functions/adapters/install-salt.ts';
import { blockEntryItems, DynamoIdentityStore } from '../functions/adapters/dynamo-identity-store.ts';
import { checkOnEntry } from '../functions/app/identity/check-on-entry.ts';
import { loadavg } from 'node:os';
import { batchPut } from '../functions/adapters/dynamo-batch.ts';
import { profileIdFor, profileShard } from '../functions/core/identity-keys.ts';
import { blockingKeys, defaultMatchRules, lookupKeys, recordKey } from '../functions/core/match/index.ts';
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

// ---- child process: the load generator, given the bodies and how to send them ----
if (process.argv[2] === '--load') {
  const spec = JSON.parse(readFileSync(process.argv[3]!, 'utf8')) as { url: string; token: string; requests: Array<{ path: string; body?: string }>; opts: Record<string, unknown>; steady?: { rate: number; seconds: number } };
  let n = 0;
  // autocannon (the figures before 2026-11-23) sends the check-on-entry bodies only
  const request = {
    method: 'POST' as const,
    path: '/v1/match',
    setupRequest: (req: Record<string, unknown>) => ({ ...req, body: spec.requests[n++ % spec.requests.length]!.body, headers: { 'content-type': 'application/json', authorization: `Bearer ${spec.token}` } }),
  };
  const cpu0 = process.cpuUsage();
  const result = spec.steady
    ? await openLoop({ url: spec.url, requests: spec.requests.map((r) => ({ ...r, headers: { authorization: `Bearer ${spec.token}` } })), ...spec.steady })
    : await new Promise<Result>((resolve, reject) => autocannon({ url: spec.url, ...spec.opts, requests: [request] }, (err, r) => (err ? reject(err) : resolve(r))));
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ ...result, cpuMs: (cpu.user + cpu.system) / 1000 }) + '\n');
  process.exit(0);
}

/** CPU time (ms) of each thread of this process (Linux; empty elsewhere). */
function threadCpu(): Map<number, number> {
  const out = new Map<number, number>();
  if (!existsSync('/proc/self/task')) return out;
  for (const t of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(t), (Number(f[11]) + Number(f[12])) * 10); // utime + stime in 1/100 s
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}
/** Threads present before the cloud started (main, V8 and libuv helpers) and those it started (dynalite, …); later ones are function containers. */
let threadsBefore = new Set<number>();
let threadsOfCloud = new Set<number>();
/** `main 3.1, dynalite/cloud 2.0 (tid …), containers 4.2 (n), helpers 1.0` ms per request between two threadCpu() readings. */
function threadSplit(a: Map<number, number>, b: Map<number, number>, requests: number): string {
  const per = (ms: number) => (ms / Math.max(1, requests)).toFixed(2);
  let main = 0;
  let cloudThreads = 0;
  let containers = 0;
  let helpers = 0;
  let busyContainers = 0;
  for (const [tid, ms] of b) {
    const d = ms - (a.get(tid) ?? 0);
    if (tid === process.pid) main += d;
    else if (threadsOfCloud.has(tid)) cloudThreads += d;
    else if (threadsBefore.has(tid)) helpers += d;
    else {
      containers += d;
      if (d > 0) busyContainers++;
    }
  }
  if (!b.size) return 'per-thread split needs Linux /proc';
  return `main thread (local API Gateway, S3, control) ${per(main)}, threads started with the cloud (dynalite, libuv) ${per(cloudThreads)}, threads started later (function containers) ${per(containers)} (${busyContainers} busy), V8/libuv helpers ${per(helpers)} ms per request`;
}

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const PROFILES = arg('profiles', 100_000);
const RATE = arg('rate', 100);
const SECONDS = arg('seconds', 20);
const textArg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const KEEP_DIR = textArg('data-dir');
const PHASES = new Set((textArg('phases') ?? 'sample,direct,steady').split(','));
/** `steady` (default): open-loop, evenly spaced requests; `autocannon`: its overallRate, as the figures before 2026-11-23 17:30 were taken. */
const GENERATOR = textArg('generator') ?? 'steady';
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

const dataDir = KEEP_DIR ?? mkdtempSync(join(tmpdir(), 'phonekey-bench-match-'));
if (KEEP_DIR) mkdirSync(KEEP_DIR, { recursive: true });
/** What a kept data folder holds (written after a complete load). */
const loadFile = join(dataDir, 'match-bench.json');
const loaded = existsSync(loadFile) ? (JSON.parse(readFileSync(loadFile, 'utf8')) as { profiles: number; seed: number; index?: number }) : undefined;
/** The index entries' format: 2 = with profile and comparison fields (check on entry scores from them); 3 = with the lookup keys search reads. */
const INDEX_FORMAT = 3;
const reuse = loaded?.profiles === PROFILES && loaded.seed === 6;
if (loaded && !reuse) throw new Error(`${dataDir} holds a load of ${loaded.profiles} profiles, not ${PROFILES}: give another --data-dir`);
const t0 = Date.now();
threadsBefore = new Set(threadCpu().keys());
const cloud = await startLocalCloud({ dataDir, ports: { api: 0, s3: 0, dynamodb: 0, control: 0 }, schedules: false });
threadsOfCloud = new Set([...threadCpu().keys()].filter((t) => !threadsBefore.has(t)));
console.log(`local cloud up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
try {
  const db = documentClient(new DynamoDBClient({ region: 'us-east-1', endpoint: cloud.info.endpoints.dynamodb, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 10 }));
  const table = cloud.info.outputs.TableName;
  const salt = await installSalt(db, table);

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
    const id = profileIdFor(salt, primary);
    owner.set(primary, id);
    for (const r of recs) for (const p of r.phones.slice(1)) if (!owner.has(p)) owner.set(p, id);
  }
  const phonesOf = new Map<string, string[]>();
  for (const [phone, id] of owner) (phonesOf.get(id) ?? phonesOf.set(id, []).get(id)!).push(phone);
  const items: Array<Record<string, unknown>> = [];
  for (const [primary] of byPrimary) {
    const id = profileIdFor(salt, primary);
    const phones = phonesOf.get(id)!;
    items.push({ pk: `PROF#${id}`, sk: 'PROFILE', profileId: id, pshard: profileShard(id), phone: primary, phones: [primary, ...phones.filter((p) => p !== primary)], createdAt: now, updatedAt: now });
  }
  for (const [phone, id] of owner) items.push({ pk: `PHONE#${phone}`, sk: 'ALIAS', phone, profileId: id });
  for (const r of stored) {
    const key = recordKey(r);
    const id = owner.get(r.phones[0]!)!;
    items.push({ pk: `REC#${key}`, sk: 'REC', gsi1pk: `PROF#${id}`, gsi1sk: `REC#${key}`, profileId: id, source: r.source, recordId: r.recordId, record: r, hash: 'bench', storedAt: now });
  }
  if (!reuse) for (let i = 0; i < items.length; i += SLICE) await put(db, table, items.slice(i, i + SLICE));
  // the blocking-key index entries as DynamoIdentityStore.indexBlockingKeys writes them, without
  // the per-key markers (only match on arrival reads those; the API queries the keys directly)
  const index = blockEntryItems(
    stored.map((r) => ({ member: recordKey(r), keys: [...new Set([...blockingKeys(r, defaultMatchRules), ...lookupKeys(r, defaultMatchRules)])], profileId: owner.get(r.phones[0]!)!, record: r })),
  );
  const indexItems = index.length;
  const indexCurrent = reuse && (loaded?.index ?? 1) >= INDEX_FORMAT;
  if (!indexCurrent) {
    if (reuse) console.log(`rewriting ${indexItems.toLocaleString()} index entries in the current format (the folder holds format ${loaded?.index ?? 1})`);
    for (let i = 0; i < index.length; i += SLICE) await put(db, table, index.slice(i, i + SLICE));
  }
  if (KEEP_DIR && !indexCurrent) writeFileSync(loadFile, JSON.stringify({ profiles: PROFILES, seed: 6, index: INDEX_FORMAT, at: new Date().toISOString() }));
  const loadS = (Date.now() - t) / 1000;
  console.log(
    `${reuse ? 'reused' : 'stored'} ${byPrimary.size.toLocaleString()} profiles, ${stored.length.toLocaleString()} records, ${owner.size.toLocaleString()} aliases, ${indexItems.toLocaleString()} index entries${reuse ? ` (loaded earlier in ${dataDir})` : ` in ${loadS.toFixed(0)} s`}`,
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

  const pct = (xs: number[], q: number) => (xs.length ? [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!.toFixed(1) : '-');
  const sample = bodies.slice(0, 200);
  const lines: string[] = [`profiles stored        ${byPrimary.size.toLocaleString()} (${stored.length.toLocaleString()} records)`];

  if (PHASES.has('sample')) {
    // correctness sample, one request at a time through HTTP (timed, as a second figure)
    let own = 0;
    const sequential: number[] = [];
    let cpu0 = process.cpuUsage();
    let threads0 = threadCpu();
    for (const [i, b] of sample.entries()) {
      if (i === 1) {
        cpu0 = process.cpuUsage(); // the first request starts the containers
        threads0 = threadCpu();
      }
      const t1 = performance.now();
      const res = await fetch(`${cloud.info.endpoints.api}/v1/match`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: b.body });
      const json = (await res.json()) as { candidates: Array<{ profileId: string }> };
      sequential.push(performance.now() - t1);
      if (json.candidates?.[0]?.profileId === b.expect) own++;
    }
    lines.push(`best candidate = own   ${own}/${sample.length} (form bodies drawn from stored records; common names + city can rank a namesake first)`);
    const cpu = process.cpuUsage(cpu0);
    lines.push(`one at a time (HTTP)   p50 ${pct(sequential, 0.5)} ms, p99 ${pct(sequential, 0.99)} ms over ${sequential.length} requests (first includes a cold container)`);
    lines.push(`  CPU per request      ${((cpu.user + cpu.system) / 1000 / (sample.length - 1)).toFixed(2)} ms (this process, all threads: HTTP API, authorizer and API functions, dynalite, and the fetch client)`);
    lines.push(`  by thread            ${threadSplit(threads0, threadCpu(), sample.length - 1)} (main includes the fetch client)`);
  }

  if (PHASES.has('direct')) {
    // the use case alone, in this process against the same store (no HTTP, authorizer or worker hop);
    // the store's calls timed on the way, so the figure splits into reads and the rest (cleaning, scoring)
    const inner = new DynamoIdentityStore(db, table);
    const spent = { blocks: 0, records: 0, profiles: 0 };
    const timed = <T>(what: keyof typeof spent, p: Promise<T>) => {
      const t1 = performance.now();
      return p.finally(() => (spent[what] = Math.max(spent[what], performance.now() - t1)));
    };
    let blocksStart = 0;
    let storageCallsNow = 0;
    const store = Object.assign(Object.create(inner) as DynamoIdentityStore, {
      blockEntries: (k: string, l: number) => {
        if (!blocksStart) blocksStart = performance.now();
        return inner.blockEntries(k, l).finally(() => (spent.blocks = performance.now() - blocksStart));
      },
      // entries indexed without fields (an older load): their records first
      memberRecords: (keys: string[]) => (storageCallsNow++, timed('records', inner.memberRecords(keys))),
      // the one BatchGet of the scoring candidates' records and profiles, and the rare second one
      recordsAndProfiles: (keys: string[], ids: string[]) => (storageCallsNow++, timed('profiles', inner.recordsAndProfiles(keys, ids))),
      profileStates: (ids: string[]) => (storageCallsNow++, timed('profiles', inner.profileStates(ids))),
    });
    const direct: number[] = [];
    const parts = { blocks: [] as number[], records: [] as number[], profiles: [] as number[], rest: [] as number[] };
    const compared: number[] = [];
    const storageCalls: number[] = [];
    let own = 0;
    const calls = [...sample, ...bodies.slice(200, 700)];
    let cpu0 = process.cpuUsage();
    let threads0 = threadCpu();
    for (const [i, b] of calls.entries()) {
      if (i === sample.length) {
        cpu0 = process.cpuUsage();
        threads0 = threadCpu();
      }
      spent.blocks = spent.records = spent.profiles = blocksStart = storageCallsNow = 0;
      const t1 = performance.now();
      const result = await checkOnEntry(store, JSON.parse(b.body), { rules: defaultMatchRules });
      const ms = performance.now() - t1;
      if (i < sample.length) {
        if (result.candidates[0]?.profileId === b.expect) own++;
        continue; // the sample warms this process; the figures are over the next 500
      }
      direct.push(ms);
      parts.blocks.push(spent.blocks);
      parts.records.push(spent.records);
      parts.profiles.push(spent.profiles);
      parts.rest.push(ms - spent.blocks - spent.records - spent.profiles);
      compared.push(result.stats.recordsCompared);
      storageCalls.push(result.stats.keys + storageCallsNow);
    }
    lines.push(`best candidate = own   ${own}/${sample.length} in process (checkOnEntry)`);
    lines.push(`use case alone         p50 ${pct(direct, 0.5)} ms, p99 ${pct(direct, 0.99)} ms over ${direct.length} calls (checkOnEntry in this process against the same dynalite)`);
    const cpu = process.cpuUsage(cpu0);
    lines.push(`  CPU per call         ${((cpu.user + cpu.system) / 1000 / direct.length).toFixed(2)} ms (this process, all threads: the use case, the SDK, dynalite)`);
    lines.push(`  by thread            ${threadSplit(threads0, threadCpu(), direct.length)} (main = the use case and its storage client)`);
    lines.push(
      `  of which (p50/p99)   block queries ${pct(parts.blocks, 0.5)}/${pct(parts.blocks, 0.99)}, records of unfielded entries ${pct(parts.records, 0.5)}/${pct(parts.records, 0.99)}, candidates' records + profiles BatchGet ${pct(parts.profiles, 0.5)}/${pct(parts.profiles, 0.99)}, rest (clean, score) ${pct(parts.rest, 0.5)}/${pct(parts.rest, 0.99)} ms; records compared p50 ${pct(compared, 0.5)}, p99 ${pct(compared, 0.99)}; storage calls per check ${(storageCalls.reduce((a, b) => a + b, 0) / Math.max(1, storageCalls.length)).toFixed(2)} on average`,
    );
  }

  const specFile = join(dataDir, 'match-bench-load.json');
  /** The load generator in a child process (its CPU stays off the local API Gateway's event loop). */
  const runLoad = (requests: Array<{ path: string; body?: string }>, opts: Record<string, unknown>, steady?: { rate: number; seconds: number }) => {
    writeFileSync(specFile, JSON.stringify({ url: new URL(cloud.info.endpoints.api).origin, token, requests, opts, steady }));
    return childJson<Result & { cpuMs: number }>([...process.execArgv.filter((a) => !a.startsWith('--cpu-prof')), fileURLToPath(import.meta.url), '--load', specFile]);
  };
  const matchRequests = bodies.map((b) => ({ path: '/v1/match', body: b.body }));
  /** A steady open-loop run of `requests`, its figures as report lines (`what` names it). */
  const steadyRun = async (what: string, requests: Array<{ path: string; body?: string }>, note = '') => {
    const cpu0 = process.cpuUsage();
    const threads0 = threadCpu();
    const steady = await runLoad(requests, {}, { rate: RATE, seconds: SECONDS });
    const cpu = process.cpuUsage(cpu0);
    const threads1 = threadCpu();
    return {
      steady,
      lines: [
        `${what.padEnd(22)} ${RATE}/s for ${SECONDS} s: ${steady.requests.total.toLocaleString()} requests, non-2xx ${steady.non2xx}, errors ${steady.errors}, timeouts ${steady.timeouts}${note}`,
        `  latency              p50 ${steady.latency.p50} ms, p90 ${steady.latency.p90} ms, p99 ${steady.latency.p99} ms, max ${steady.latency.max} ms`,
        `  process CPU          ${((cpu.user + cpu.system) / 1e6 / SECONDS).toFixed(2)} cores, ${((cpu.user + cpu.system) / 1000 / Math.max(1, steady.requests.total)).toFixed(2)} ms per request (the local cloud; the load generator's ${(steady.cpuMs / Math.max(1, steady.requests.total)).toFixed(2)} ms per request is not in it)`,
        `  by thread            ${threadSplit(threads0, threads1, steady.requests.total)}`,
      ],
    };
  };

  if (PHASES.has('steady')) {
    await runLoad(matchRequests, { connections: 8, duration: 5 }); // warm the containers, like a warmed Lambda
    if (process.execArgv.some((a) => a.startsWith('--cpu-prof'))) console.log(`steady window starts at ${(process.hrtime.bigint() / 1000n).toString()} µs (monotonic, as in .cpuprofile)`);
    if (GENERATOR === 'autocannon') {
      const steady = await runLoad(matchRequests, { connections: 10, overallRate: RATE, duration: SECONDS });
      lines.push(`POST /v1/match         ${RATE}/s for ${SECONDS} s (autocannon overallRate, 10 connections: bursts at each second, latency histogram with 1 ms expected interval): p50 ${steady.latency.p50} ms, p99 ${steady.latency.p99} ms, non-2xx ${steady.non2xx}`);
    } else {
      const run = await steadyRun('POST /v1/match', matchRequests, ` (open loop, one request every ${(1000 / RATE).toFixed(1)} ms, latency from its scheduled time; target p99 < 50 ms)`);
      lines.push(...run.lines);
    }
    if (process.execArgv.some((a) => a.startsWith('--cpu-prof'))) console.log(`steady window ends at ${(process.hrtime.bigint() / 1000n).toString()} µs`);
  }

  if (PHASES.has('search')) {
    // Search as the console and the API use it: a number as typed (138-1234-5678), a name in
    // characters or in pinyin, an e-mail; each must list the record's own profile. Baselines from
    // the same run and rate: the cheapest authorized answer (GET /openapi.json is not authorized, so
    // GET /v1/reviews?limit=1: the token check and one Query) and the check on entry.
    const queries: Array<{ q: string; expect: string; kind: string }> = [];
    while (queries.length < 4_000) {
      const r = stored[Math.floor(rand() * stored.length)]!;
      const kind = Math.floor(rand() * 4);
      // a mobile as a clerk types it; other numbers in full (a landline without its 0 is ambiguous by design)
      const phone = r.phones[0]!;
      const expect = owner.get(phone)!;
      const typed = /^\+861\d{10}$/.test(phone) ? phone.slice(3).replace(/^(\d{3})(\d{4})(\d{4})$/, '$1-$2-$3') : phone;
      if (kind === 0) queries.push({ q: typed, expect, kind: 'number' });
      else if (kind === 1 && r.name) queries.push({ q: r.name, expect, kind: 'name' });
      else if (kind === 2 && r.namePinyin) queries.push({ q: r.namePinyin, expect, kind: 'pinyin' });
      else if (kind === 3 && r.email) queries.push({ q: r.email, expect, kind: 'email' });
    }
    // correctness: the own profile among all pages of the answer (a common name has many namesakes)
    const found = new Map<string, [number, number]>();
    for (const { q, expect, kind } of queries.slice(0, 200)) {
      let cursor: string | undefined;
      let hit = false;
      do {
        const res = await fetch(`${cloud.info.endpoints.api}/v1/profiles?q=${encodeURIComponent(q)}&limit=100${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
        const page = (await res.json()) as { profiles: Array<{ profileId: string }>; next?: string };
        hit ||= page.profiles.some((p) => p.profileId === expect);
        cursor = page.next;
      } while (cursor && !hit);
      const [n, ok] = found.get(kind) ?? [0, 0];
      found.set(kind, [n + 1, ok + Number(hit)]);
    }
    lines.push(`search finds own       ${[...found].map(([k, [n, ok]]) => `${k} ${ok}/${n}`).join(', ')} (all pages)`);
    const searchRequests = queries.map(({ q }) => ({ path: `/v1/profiles?q=${encodeURIComponent(q)}&limit=20` }));
    await runLoad(searchRequests, { connections: 8, duration: 5 }); // warm
    const floor = await steadyRun('GET /v1/reviews', Array.from({ length: 100 }, () => ({ path: '/v1/reviews?limit=1' })), ' (baseline: token check and one Query)');
    const match = await steadyRun('POST /v1/match', matchRequests, ' (baseline: check on entry)');
    const search = await steadyRun('GET /v1/profiles?q=', searchRequests, ' (search: number, name, pinyin, e-mail; first page of 20)');
    lines.push(...floor.lines, ...match.lines, ...search.lines);
    const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '-');
    lines.push(
      `search vs baselines    p50 ${ratio(search.steady.latency.p50, floor.steady.latency.p50)}× / p99 ${ratio(search.steady.latency.p99, floor.steady.latency.p99)}× the reviews call, p50 ${ratio(search.steady.latency.p50, match.steady.latency.p50)}× / p99 ${ratio(search.steady.latency.p99, match.steady.latency.p99)}× the check on entry`,
    );
  }

  lines.push(`machine load average   ${loadavg().map((x) => x.toFixed(1)).join(' / ')} (1/5/15 min) on ${(await import('node:os')).cpus().length} cores`);
  console.log('');
  for (const l of lines) console.log(l);
} finally {
  await cloud.stop();
  if (!KEEP_DIR) rmSync(dataDir, { recursive: true, force: true });
}
