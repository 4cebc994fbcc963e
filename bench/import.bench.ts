/**
 * A large CSV through the local cloud, end to end, next to the raw write speed of the same store.
 *
 *   npx tsx bench/import.bench.ts [--rows 1000000] [--raw-sample 200000] [--known-rows 100000] [--profile-rows 10000] [--store-only]
 *   npm run bench -- import --rows 100000
 *
 * 1. Generates an N-row CSV of realistic customers (distinct valid mobiles in mixed written forms,
 *    names, e-mails, birthdays, addresses) to a temp file, streamed.
 * 2. Starts a local cloud on free ports in a temp data folder.
 * 3. Raw store throughput: BatchWrite of record-sized items (a record item as the adapter writes
 *    it) straight into the same dynalite with the adapters' client, 25 items a request and 20 requests in
 *    flight (the adapter's batchPut of one 500-row batch), min(N, --raw-sample) items: half
 *    before the import and half after it, so drifting load and the table's growth weigh on both.
 * 4. Puts the file in the raw bucket through the S3 API and imports it in a child process
 *    (bench/import-child.ts: the import use case with the import function's adapters, against the
 *    cloud's endpoints), so that memory is the import's alone: the child's sampled peak RSS and
 *    its maxRSS. rows/s over the child's import; items/s counts record + alias + profile items.
 *    Then --known-rows rows of the same people from another channel (same numbers, new record
 *    ids): each joins an existing profile and writes one item, so its rows/s is its items/s.
 *
 * 5. Where the time goes: a slice of --profile-rows rows imported in this thread, once against a
 *    store that does nothing (the pipeline alone), then into the real adapter with every
 *    DynamoDB call timed by command (summed latency; calls overlap, so sums exceed wall time),
 *    matched on arrival as the child's import is (unless --store-only), the match timed apart:
 *    as new people, and again from another channel as known people.
 *
 * Targets (issue 4): import ≥ 70% of the raw store throughput; peak RSS < 512 MB at 1M rows.
 * Raw items/s counts items; the import writes a record, an alias and a profile item per new phone,
 * so the ratio is given both per row and per item written.
 */
import { mkdtempSync, rmSync, statSync, createReadStream } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../functions/adapters/dynamo-document-client.ts';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startLocalCloud } from '../lib/local/cloud.ts';
import { importFile } from '../functions/app/import-file.ts';
import { DynamoProfileStore } from '../functions/adapters/dynamo-profile-store.ts';
import { DynamoIdentityStore } from '../functions/adapters/dynamo-identity-store.ts';
import { matchOnArrival } from '../functions/app/identity/match-on-arrival.ts';
import type { CleanRecord } from '../functions/core/model.ts';
import type { Arrival, ProfileStore, RecordWrite, StoredOutcome, WriteOutcome } from '../functions/ports/profile-store.ts';
import { customer, distinctCustomer, writeCustomerCsv } from '../test/support/files.ts';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const ROWS = arg('rows', 1_000_000);
const RAW_SAMPLE = Math.min(ROWS, arg('raw-sample', 200_000));
const PROFILE_ROWS = Math.min(ROWS, arg('profile-rows', 10_000));
const KNOWN_ROWS = Math.min(ROWS, arg('known-rows', 100_000));
/** The child matches each stored batch on arrival, as the import function does; --store-only leaves that out. */
const MATCH = !process.argv.includes('--store-only');
// With matching, people must differ the way people do (customer(i) gives everyone one of 80 names
// and 6 addresses, so same name + same address merges distinct people, as the rules mean it to).
const PEOPLE = MATCH ? distinctCustomer : customer;
const CHUNK = 25;
const IN_FLIGHT = 20;

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);

const dir = mkdtempSync(join(tmpdir(), 'phonekey-bench-'));
const file = join(dir, `customers-${ROWS}.csv`);
try {
  let t = Date.now();
  const size = await writeCustomerCsv(file, ROWS, 'b', 0, PEOPLE);
  console.log(`generated ${ROWS.toLocaleString()} rows, ${mb(size)} in ${((Date.now() - t) / 1000).toFixed(1)} s: ${file}`);

  t = Date.now();
  const cloud = await startLocalCloud({ dataDir: join(dir, 'data'), ports: { api: 0, s3: 0, dynamodb: 0, control: 0 }, schedules: false, retryDelaySeconds: 1 });
  console.log(`local cloud up in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  const table = cloud.info.outputs.TableName;
  // the adapters' own client: the raw rate is the store's, not the SDK's middleware's
  const db = documentClient(new DynamoDBClient({ region: 'us-east-1', endpoint: cloud.info.endpoints.dynamodb, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 10 }));

  // --- raw store throughput --------------------------------------------------------------------
  const item = (i: number) => {
    const c = customer(i, 'raw');
    const profileId = `p_${i.toString(16).padStart(16, '0')}`;
    return {
      pk: `REC#rawbench#${c.id}`,
      sk: 'REC',
      gsi1pk: `PROF#${profileId}`,
      gsi1sk: `REC#rawbench#${c.id}`,
      profileId,
      source: 'rawbench',
      recordId: c.id,
      record: { source: 'rawbench', recordId: c.id, phones: [`+86${c.phone.replace(/\D/g, '').slice(-11)}`], name: c.name, email: c.email || undefined, birthDate: c.birthday, address: c.address },
      raw: { id: c.id, name: c.name, mobile: c.phone, email: c.email, gender: c.gender, birthday: c.birthday, address: c.address },
      hash: 'x'.repeat(32),
      storedAt: new Date().toISOString(),
    };
  };
  /** Writes items [from, from + n) as the adapter's batchPut would; returns the time taken. */
  const rawRun = async (from: number, n: number) => {
    let next = from;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < from + n) {
          const first = next;
          next += CHUNK;
          let pending = Array.from({ length: Math.min(CHUNK, from + n - first) }, (_, k) => ({ PutRequest: { Item: item(first + k) } }));
          while (pending.length) {
            const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
            pending = (out.UnprocessedItems?.[table] as typeof pending | undefined) ?? [];
          }
        }
      }),
    );
    return Date.now() - started;
  };
  // Half the sample before the import and half after it: load on a shared machine drifts, and the
  // table grows, over a long import; the baseline is the rate over both halves.
  const rawBefore = Math.ceil(RAW_SAMPLE / 2);
  const rawBeforeMs = await rawRun(0, rawBefore);
  const maxRssAfterRaw = process.resourceUsage().maxRSS * 1024;
  console.log(`raw BatchWrite, before the import: ${rawBefore.toLocaleString()} items in ${(rawBeforeMs / 1000).toFixed(1)} s = ${rate(rawBefore, rawBeforeMs).toLocaleString()} items/s (maxRSS so far ${mb(maxRssAfterRaw)})`);

  // --- the import, in a process of its own ----------------------------------------------------
  // The file goes into the raw bucket outside incoming/ (so the cloud's own notification does not
  // import it too), and bench/import-child.ts runs the import use case on it with the same adapters
  // as the import function, against the cloud's endpoints: its peak RSS is the import's alone.
  // No flexible checksums: with them a streamed body goes out aws-chunked, which s3rver stores frames and all.
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: cloud.info.endpoints.s3,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  type ChildResult = { ms?: number; status?: string; counts?: any; entriesIndexed?: number; peakRss?: number; maxRss?: number; heapPeak?: number };
  /** Uploads a file and imports it in the child; its result line, the upload and import times. */
  const importInChild = async (path: string, key: string, importId: string) => {
    let started = Date.now();
    await s3.send(new PutObjectCommand({ Bucket: cloud.info.outputs.RawBucketName, Key: key, Body: createReadStream(path), ContentLength: statSync(path).size }));
    const uploadMs = Date.now() - started;
    const progress = setInterval(() => console.log(`  … ${((Date.now() - started) / 1000).toFixed(0)} s`), 60_000);
    started = Date.now();
    const child = await new Promise<{ code: number; out: string }>((ok, fail) => {
      const p = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'import-child.ts'), table, cloud.info.outputs.RawBucketName, key, importId, ...(MATCH ? ['match'] : [])], {
        env: { ...process.env, ...cloud.clientEnv, NODE_OPTIONS: '' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.on('error', fail);
      p.on('close', (code) => ok({ code: code ?? -1, out }));
    });
    clearInterval(progress);
    const result = JSON.parse(child.out.trim().split('\n').pop() || '{}') as ChildResult;
    return { result, code: child.code, uploadMs, importMs: result.ms ?? Date.now() - started };
  };
  const cloudRssBefore = process.memoryUsage().rss;
  let cloudPeakRss = cloudRssBefore;
  const sampler = setInterval(() => (cloudPeakRss = Math.max(cloudPeakRss, process.memoryUsage().rss)), 100);
  const { result, code, uploadMs, importMs } = await importInChild(file, `bench/customers-${ROWS}.csv`, `bench-${ROWS}`);
  clearInterval(sampler);
  // The same people again from a second channel (new record ids, the same numbers): rows that join
  // an existing profile write one record item each (plus, when matching, its index entries).
  const knownFile = join(dir, `known-${KNOWN_ROWS}.csv`);
  if (KNOWN_ROWS) await writeCustomerCsv(knownFile, KNOWN_ROWS, 'known', 0, PEOPLE);
  const known = KNOWN_ROWS ? await importInChild(knownFile, `bench/known-${KNOWN_ROWS}.csv`, `bench-known-${KNOWN_ROWS}`) : undefined;
  const rawAfter = RAW_SAMPLE - rawBefore;
  const rawAfterMs = await rawRun(rawBefore, rawAfter);
  console.log(`raw BatchWrite, after the imports: ${rawAfter.toLocaleString()} items in ${(rawAfterMs / 1000).toFixed(1)} s = ${rate(rawAfter, rawAfterMs).toLocaleString()} items/s`);
  const rawRate = rate(RAW_SAMPLE, rawBeforeMs + rawAfterMs);
  const counts = result.counts;
  const report = counts ? { status: result.status } : undefined;
  const importRate = rate(ROWS, importMs);
  // Items the import wrote: a record per stored row, plus an alias and a profile per new profile.
  // When matching, also the index entries matching wrote.
  const items = counts ? counts.stored + 2 * counts.newProfiles + (result.entriesIndexed ?? 0) : 0;
  const maxRss = result.maxRss ?? 0;
  const peakRss = result.peakRss ?? 0;
  const rssBefore = cloudRssBefore;

  console.log(`upload ${(uploadMs / 1000).toFixed(1)} s; import ${(importMs / 1000).toFixed(1)} s (child exit ${code})`);
  console.log(`result: ${report ? `${report.status} ${JSON.stringify(counts)}` : 'none (the import failed)'}`);
  console.log('');
  console.log(`rows                 ${ROWS.toLocaleString()}${MATCH ? ', each batch matched on arrival (as the import function does)' : ' (store path alone, --store-only: no matching on arrival)'}`);
  console.log(`import               ${importRate.toLocaleString()} rows/s (${rate(items, importMs).toLocaleString()} items/s written: record + alias + profile per new person${MATCH ? ` + ${(result.entriesIndexed ?? 0).toLocaleString()} index entries` : ''})`);
  console.log(`raw BatchWrite       ${rawRate.toLocaleString()} items/s (before and after the imports together)`);
  console.log(`ratio                ${((importRate / rawRate) * 100).toFixed(1)}% per row, ${((rate(items, importMs) / rawRate) * 100).toFixed(1)}% per item   (target ≥ 70%)`);
  if (known) {
    const knownRate = rate(KNOWN_ROWS, known.importMs);
    const knownItems = rate((known.result.counts?.stored ?? 0) + (known.result.entriesIndexed ?? 0), known.importMs);
    console.log(
      `known people         ${KNOWN_ROWS.toLocaleString()} rows of the same people from another channel: ${known.result.status} ${JSON.stringify(known.result.counts)}; ${knownRate.toLocaleString()} rows/s = ${((knownRate / rawRate) * 100).toFixed(1)}% of raw per row, ${((knownItems / rawRate) * 100).toFixed(1)}% per item (a record item each${MATCH ? ' and its index entries' : ''})`,
    );
  }
  console.log(`peak RSS (import)    ${mb(peakRss)} sampled every 50 ms, ${mb(maxRss)} maxRSS, heap peak ${mb(result.heapPeak ?? 0)}: the import process alone   (target < 512 MB at 1M rows)`);
  console.log(`local cloud RSS      ${mb(rssBefore)} before the import, ${mb(cloudPeakRss)} peak during it (dynalite, s3rver, functions; not the import)`);
  console.log(`load                 ${loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min) on ${cpus().length} cores`);

  // --- where the time goes (in this thread, on a fresh slice of the file's rows) ------------------
  // a) the pipeline alone (read, detect, map, clean, hash) against a store that does nothing;
  // b) the same rows into the real adapter, with every DynamoDB call timed by command (and matched
  //    on arrival unless --store-only, as the child imports).
  const sliceFile = join(dir, 'slice.csv');
  // New people, as in the file: numbers after the file's (the file's own would all have owners).
  await writeCustomerCsv(sliceFile, PROFILE_ROWS, 'prof', ROWS, PEOPLE);
  const job = (id: string, source = 'profile') => ({ importId: id, bucket: 'bench', key: `incoming/${source}/${id}.csv`, source, fileName: 'slice.csv' });
  const deps = (store: ProfileStore, identity?: DynamoIdentityStore) => ({
    store,
    open: async () => createReadStream(sliceFile) as AsyncIterable<Uint8Array>,
    putReport: async (name: string) => name,
    // matched on arrival as the child matches the file (timed apart)
    onRecordsStored:
      identity &&
      (async (records: CleanRecord[], outcomes: StoredOutcome[]) => {
        const started = performance.now();
        await matchOnArrival(identity, records, outcomes, { actor: 'import' });
        matchMs += performance.now() - started;
      }),
  });
  let writeMs = 0;
  let matchMs = 0;
  const nullStore: ProfileStore = new Proxy({} as ProfileStore, {
    get: (_, prop) => {
      if (prop === 'beginImport') return async (init: object) => ({ ...init, status: 'running', rowsDone: 0, bytesRead: 0, counts: { read: 0, stored: 0, rejected: 0, redelivered: 0, byReason: {}, newProfiles: 0, updatedProfiles: 0 } });
      if (prop === 'writeRecords') return async (w: RecordWrite[]): Promise<WriteOutcome[]> => w.map(() => ({ kind: 'stored', profileId: 'p', newProfile: false }));
      if (prop === 'numbers') return async () => new Map();
      if (prop === 'isSuppressed') return async () => new Set();
      return async () => undefined;
    },
  });
  t = Date.now();
  await importFile(job('pipeline-only'), deps(nullStore));
  const pipelineMs = Date.now() - t;

  const byCommand = new Map<string, { calls: number; ms: number }>();
  const timedDb = documentClient(new DynamoDBClient({ region: 'us-east-1', endpoint: cloud.info.endpoints.dynamodb, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 10 }));
  const send = timedDb.send.bind(timedDb) as (command: object) => Promise<unknown>;
  (timedDb as unknown as { send: typeof send }).send = async (command: object) => {
    const started = performance.now();
    try {
      return await send(command);
    } finally {
      const name = command.constructor.name;
      const entry = byCommand.get(name) ?? { calls: 0, ms: 0 };
      entry.calls++;
      entry.ms += performance.now() - started;
      byCommand.set(name, entry);
    }
  };
  const real = new DynamoProfileStore(timedDb, table);
  const timedStore = new Proxy(real, {
    get: (target, prop) => {
      const value = Reflect.get(target, prop);
      if (prop !== 'writeRecords') return typeof value === 'function' ? value.bind(target) : value;
      return async (w: RecordWrite[], arrival: Arrival) => {
        const started = performance.now();
        try {
          return await target.writeRecords(w, arrival);
        } finally {
          writeMs += performance.now() - started;
        }
      };
    },
  });
  // The slice as new people, then again from another channel: the same people, known by their numbers.
  for (const [label, source] of [['new people', 'profile'], ['known people (the same rows from another channel)', 'profile-again']] as const) {
    byCommand.clear();
    writeMs = 0;
    matchMs = 0;
    t = Date.now();
    await importFile(job(`profiled-${source}`, source), deps(timedStore, MATCH ? new DynamoIdentityStore(timedDb, table) : undefined));
    const profiledMs = Date.now() - t;
    console.log('');
    console.log(`where the time goes (${PROFILE_ROWS.toLocaleString()} rows, in-process), ${label}:`);
    if (source === 'profile') console.log(`  pipeline alone (read+map+clean+hash, null store)  ${(pipelineMs / 1000).toFixed(1)} s = ${rate(PROFILE_ROWS, pipelineMs).toLocaleString()} rows/s`);
    console.log(`  with the DynamoDB adapter                          ${(profiledMs / 1000).toFixed(1)} s = ${rate(PROFILE_ROWS, profiledMs).toLocaleString()} rows/s; writeRecords ${(writeMs / 1000).toFixed(1)} s (${((writeMs / profiledMs) * 100).toFixed(0)}%)${MATCH ? `, match on arrival ${(matchMs / 1000).toFixed(1)} s (${((matchMs / profiledMs) * 100).toFixed(0)}%)` : ''}`);
    for (const [name, e] of [...byCommand].sort((a, b) => b[1].ms - a[1].ms)) {
      console.log(`  ${name.padEnd(22)} ${String(e.calls).padStart(7)} calls  ${(e.ms / 1000).toFixed(1).padStart(7)} s summed latency  ${(e.ms / e.calls).toFixed(1)} ms/call`);
    }
  }
  timedDb.destroy();
  s3.destroy();
  db.destroy();
  await cloud.stop();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
