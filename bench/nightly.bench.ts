/**
 * The nightly run (issue 7) over 10k and 100k generated profiles on a fresh local cloud each:
 * total time and time per step, and how they grow from the small base to the large one.
 *
 * The table is seeded directly through the adapters' batch writes (profile, phone-alias and record
 * items exactly as the store writes them, from `generateCleanRecords`), so the figures are the
 * nightly run's alone. The run is started through the local cloud's Step Functions (the
 * template's state machine, Map states included) and timed from the execution; per-step times come
 * from the run's own report (wall time from the first start to the last finish of each step).
 *
 * `--events N` adds N app events per profile (alternately a product view and a purchase of its own
 * order, as the webhook path stores them), so the snapshot and the profiles carry behaviour too.
 *
 * `npm run bench -- nightly [--sizes 10000,100000] [--segments 8] [--events 2]`
 * (or `npx tsx bench/nightly.bench.ts --sizes 10000,100000`)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { documentClient } from '../functions/adapters/dynamo-document-client.ts';
import { installSalt } from '../functions/adapters/install-salt.ts';
import { batchPut } from '../functions/adapters/dynamo-batch.ts';
import { eventPk, phonePk, profilePk, recordPk } from '../functions/adapters/dynamo-keys.ts';
import { contentHash, profileIdFor, profileShard } from '../functions/core/identity-keys.ts';
import type { NightlyReport } from '../functions/core/report/nightly-report.ts';
import { startLocalCloud } from '../lib/local/cloud.ts';
import { generateCleanRecords } from '../test/support/generate-customers.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const sizes = arg('sizes', '10000,100000').split(',').map(Number);
const segments = arg('segments', '');
const eventsPerProfile = Number(arg('events', '0'));

/** Table items for `profiles` profiles: records in generator order until that many profiles exist. */
function seedItems(profiles: number, salt: string): { items: Record<string, unknown>[]; records: number; profiles: number } {
  const { records } = generateCleanRecords({ records: Math.ceil(profiles * 1.6), seed: 20261123 });
  const owner = new Map<string, string>();
  const phonesOf = new Map<string, string[]>();
  const items: Record<string, unknown>[] = [];
  const now = new Date().toISOString();
  let stored = 0;
  for (const record of records) {
    if (!record.phones.length) continue; // an import rejects a row without a valid number
    const primary = record.phones[0]!;
    let profileId = owner.get(primary);
    if (!profileId) {
      if (phonesOf.size >= profiles) continue;
      profileId = profileIdFor(salt, primary);
      owner.set(primary, profileId);
      phonesOf.set(profileId, [primary]);
    }
    for (const phone of record.phones.slice(1)) {
      if (owner.has(phone)) continue;
      owner.set(phone, profileId);
      phonesOf.get(profileId)!.push(phone);
    }
    const pk = recordPk(record.source, record.recordId);
    items.push({ pk, sk: 'REC', gsi1pk: profilePk(profileId), gsi1sk: pk, profileId, source: record.source, recordId: record.recordId, record, raw: {}, hash: contentHash(record), storedAt: now });
    stored++;
  }
  for (const [phone, profileId] of owner) items.push({ pk: phonePk(phone), sk: 'ALIAS', phone, profileId });
  let n = 0;
  for (const [profileId, phones] of phonesOf) {
    items.push({ pk: profilePk(profileId), sk: 'PROFILE', profileId, pshard: profileShard(profileId), phone: phones[0], phones, createdAt: now, updatedAt: now });
    for (let i = 0; i < eventsPerProfile; i++) {
      const eventId = `b${++n}`;
      const pk = eventPk('app', eventId);
      const occurredAt = new Date(Date.parse(now) - ((n * 7919) % 200) * 86_400_000).toISOString();
      const cents = 100 + ((n * 104729) % 50_000);
      const attributes =
        i % 2 === 0
          ? { product_id: `sku-${n % 97}`, category: ['beauty', 'shoes', 'books', 'food'][n % 4] }
          : { order_id: `o-${eventId}`, amount: (cents / 100).toFixed(2), amount_cents: cents, currency: 'CNY', category: ['beauty', 'shoes', 'books', 'food'][n % 4] };
      items.push({ pk, sk: 'EVT', gsi1pk: profilePk(profileId), gsi1sk: pk, kind: 'event', profileId, source: 'app', recordId: eventId, channel: 'app', eventId, phone: phones[0], tag: i % 2 === 0 ? 'product_view' : 'purchase', attributes, occurredAt, receivedAt: now });
    }
  }
  return { items, records: stored, profiles: phonesOf.size };
}

interface Result {
  profiles: number;
  records: number;
  items: number;
  seedMs: number;
  totalMs: number;
  status: string;
  steps: Record<string, number | undefined>;
  merges: number;
  reviewsQueued: number;
  recomputeNote?: string;
  note?: string;
}

async function runOnce(size: number): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), 'phonekey-nightly-bench-'));
  const cloud = await startLocalCloud({ dataDir, ports: { api: 0, s3: 0, dynamodb: 0, control: 0 }, schedules: false });
  try {
    const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
    const db = documentClient(new DynamoDBClient({ region: 'us-east-1', endpoint: cloud.info.endpoints.dynamodb, credentials }));
    const seed = seedItems(size, await installSalt(db, cloud.info.outputs.TableName));
    const seedStart = Date.now();
    for (let i = 0; i < seed.items.length; i += 2500) await batchPut(db, cloud.info.outputs.TableName, seed.items.slice(i, i + 2500));
    const seedMs = Date.now() - seedStart;

    const runId = `bench-${size}`;
    const started = Date.now();
    const arn = cloud.startExecution(cloud.info.outputs.StateMachineArn, { trigger: 'bench', ...(segments ? { segments: Number(segments) } : {}) }, runId);
    await cloud.idle();
    const totalMs = Date.now() - started;
    const { SFNClient, DescribeExecutionCommand } = await import('@aws-sdk/client-sfn');
    const sfn = new SFNClient({ region: 'us-east-1', endpoint: cloud.info.endpoints.control, credentials });
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    if (execution.status !== 'SUCCEEDED') {
      return { profiles: seed.profiles, records: seed.records, items: seed.items.length, seedMs, totalMs, status: `${execution.status}: ${execution.cause}`, steps: {}, merges: 0, reviewsQueued: 0 };
    }
    const s3 = new S3Client({ region: 'us-east-1', endpoint: cloud.info.endpoints.s3, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, forcePathStyle: true });
    const report = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: cloud.info.outputs.ReportsBucketName, Key: `nightly/${runId}/report.json` }))).Body!.transformToString()) as NightlyReport;
    s3.destroy();
    return {
      profiles: seed.profiles,
      records: seed.records,
      items: seed.items.length,
      seedMs,
      totalMs,
      status: `${execution.status} (${report.status}, ${report.snapshot.segments} segments)`,
      steps: Object.fromEntries(Object.entries(report.steps).map(([k, v]) => [k, v.ms])),
      merges: report.counts.merges,
      reviewsQueued: report.counts.reviewsQueued,
      recomputeNote: report.steps.recompute?.note,
      note: report.notes.join(' | ') || undefined,
    };
  } finally {
    await cloud.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const s = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);

console.log(`nightly bench: node ${process.version}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}, ${eventsPerProfile} events per profile`);
const results: Result[] = [];
for (const size of sizes) {
  const r = await runOnce(size);
  results.push(r);
  console.log(
    `\n${r.profiles} profiles (${r.records} records, ${r.items} items seeded in ${s(r.seedMs)}): ${r.status}\n` +
      `  total ${s(r.totalMs)}; ` +
      Object.entries(r.steps)
        .map(([k, v]) => `${k} ${s(v)}`)
        .join(', ') +
      `\n  merges ${r.merges}, reviews queued ${r.reviewsQueued}${r.recomputeNote ? `\n  recompute: ${r.recomputeNote}` : ''}${r.note ? `\n  note: ${r.note}` : ''}`,
  );
}
if (results.length >= 2) {
  const [a, b] = [results[0]!, results.at(-1)!];
  const x = b.profiles / a.profiles;
  console.log(`\ngrowth ${a.profiles} → ${b.profiles} profiles (×${x.toFixed(1)}): total ×${(b.totalMs / a.totalMs).toFixed(1)}`);
  for (const step of Object.keys(b.steps)) {
    const [sa, sb] = [a.steps[step], b.steps[step]];
    if (sa && sb) console.log(`  ${step}: ${s(sa)} → ${s(sb)} (×${(sb / sa).toFixed(1)})`);
  }
}
console.log(`load after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
