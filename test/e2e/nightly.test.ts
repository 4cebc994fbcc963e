/**
 * The nightly reconciliation end to end (issue 7), on one local cloud: generated multi-channel
 * customers arrive through imports (CSV per source, through the raw bucket) and webhooks
 * (`phonekey send`); `phonekey reconcile` runs the state machine of the template and prints the
 * run report; merges are checked against the generator's truth; a second run changes nothing; a
 * run that fails between steps and is resumed (`--resume`) ends where a single-process re-match
 * says it should; the report files exist and the HTML page opens in headless Chromium.
 */
import { standing } from '../../functions/core/identity/index.ts';
import { DEFAULT_STANDING } from '../../functions/app/identity/arrive.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoProfileStore } from '../../functions/adapters/dynamo-profile-store.ts';
import { documentClient } from '../../functions/adapters/dynamo-document-client.ts';
import { DynamoNightlyTable } from '../../functions/adapters/nightly-storage.ts';
import { DynamoIdentityStore } from '../../functions/adapters/dynamo-identity-store.ts';
import { profileChanges } from '../../functions/app/nightly/changes.ts';
import { rematchRules } from '../../functions/app/nightly/steps.ts';
import { resolve } from '../../functions/core/match/index.ts';
import type { CleanRecord } from '../../functions/core/model.ts';
import { parseSourceConfig } from '../../functions/core/ingest/source-config.ts';
import type { NightlyReport, NightlyMerge } from '../../functions/core/report/nightly-report.ts';
import type { LocalCloud } from '../../lib/local/cloud.ts';
import { generateCustomers, type GeneratedRecord } from '../support/generate-customers.ts';
import { REPO_ROOT, runCli, startTestCloud, localS3, localDb } from '../support/local-cloud.ts';
import { dumpDom, textOf } from '../report/chromium.ts';

let cloud: LocalCloud;
let dataDir: string;
let cleanup: () => Promise<void>;
let s3: S3Client;
let db: ReturnType<typeof documentClient>;
let store: DynamoProfileStore;
const personOf = new Map<string, string>();
let batchA: GeneratedRecord[] = [];
const sentEvents: Array<Record<string, any>> = [];

const bucket = () => cloud.info.outputs.ReportsBucketName;
const getText = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: bucket(), Key: key }))).Body!.transformToString();
const exists = (key: string) => getText(key).then(
  () => true,
  () => false,
);

const COLUMNS = ['id', 'name', 'phone', '备用电话', 'email', 'gender', 'birthday', 'address', 'province', 'city', 'memberid', 'openid'];
const cell = (v: unknown) => {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
function csv(records: GeneratedRecord[]): string {
  const rows = records.map((r) => {
    const phones = r.raw.phones ?? (r.raw.phone ? [r.raw.phone] : []);
    const raw = r.raw;
    return [r.recordId, raw.name, phones[0], phones[1], raw.email, raw.gender, raw.birthDate, raw.address, raw.province, raw.city, raw.memberId, raw.externalIds?.openid].map(cell).join(',');
  });
  return [COLUMNS.join(','), ...rows].join('\n') + '\n';
}

/** Imports generated customers: one CSV per source dropped in the raw bucket. */
async function importPeople(people: number, seed: number, prefix: string): Promise<GeneratedRecord[]> {
  const { records } = generateCustomers({ people, seed });
  const bySource = new Map<string, GeneratedRecord[]>();
  for (const r of records) {
    const rec = { ...r, recordId: `${prefix}${r.recordId}`, personId: `${prefix}${r.personId}` };
    personOf.set(`${rec.source}#${rec.recordId}`, rec.personId);
    bySource.set(rec.source, [...(bySource.get(rec.source) ?? []), rec]);
  }
  for (const [source, rows] of bySource) {
    await s3.send(new PutObjectCommand({ Bucket: cloud.info.outputs.RawBucketName, Key: `incoming/${source}/${prefix}customers.csv`, Body: csv(rows) }));
  }
  await cloud.idle();
  return [...bySource.values()].flat();
}

let freshPhone = 0;
/**
 * App events (through `phonekey send`) from people already imported, each under a number no
 * import has seen and with their member id: webhooks are not matched on arrival, so only the
 * nightly re-match can bring these profiles together.
 */
function identityEvents(records: GeneratedRecord[], count: number, tag: string): Array<Record<string, unknown>> {
  const withMember = [...new Map(records.filter((r) => r.raw.memberId).map((r) => [r.raw.memberId!, r])).values()].slice(0, count);
  const events = withMember.map((r, i) => {
    const id = `${tag}-${i}`;
    personOf.set(`app#${id}`, r.personId);
    const phone = `1390000${String(++freshPhone).padStart(4, '0')}`;
    return { event: 'pay_success', event_id: id, ts: '2026-11-21 10:00:00', user: { phone, member_no: r.raw.memberId }, device: { os: 'ios', id: `dev-${id}` }, props: { order_no: `o-${id}`, items: [{ item_id: 'sku-2', category: 'shoes', qty: 1, price: '10.00' }], pay_amount: '10.00', currency: 'cny' } };
  });
  return events;
}

/** `phonekey send` of events to the app channel. */
async function send(events: Array<Record<string, unknown>>, tag: string): Promise<void> {
  const file = join(dataDir, `${tag}.ndjson`);
  writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const sent = await runCli(['send', file, '--channel', 'app', '--json'], { dataDir });
  expect(sent.code, sent.stderr + sent.stdout).toBe(0);
  expect(JSON.parse(sent.stdout)).toMatchObject({ accepted: events.length });
}

/** A run started through the local cloud's Step Functions (what the schedule does), and its report. */
async function runDirect(name: string, input: Record<string, unknown> = {}): Promise<NightlyReport> {
  const arn = cloud.startExecution(cloud.info.outputs.StateMachineArn, input, name);
  await cloud.idle();
  const sfn = new SFNClient({ region: 'us-east-1', endpoint: cloud.info.endpoints.control, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
  expect(execution.status, execution.cause).toBe('SUCCEEDED');
  return JSON.parse(await getText(`nightly/${String(input.runId ?? name)}/report.json`)) as NightlyReport;
}

/** The unified profiles as `phonekey export` would list them, without timestamps. */
async function profilesNow(): Promise<Array<{ profileId: string; phones: string[]; members: string[] }>> {
  const out: Array<{ profileId: string; phones: string[]; members: string[] }> = [];
  for await (const p of store.listProfiles()) {
    const members = (await store.members(p.profileId)).map((m) => `${m.source}#${m.recordId}`).sort();
    out.push({ profileId: p.profileId, phones: [...p.phones].sort(), members });
  }
  return out.sort((a, b) => a.profileId.localeCompare(b.profileId));
}

async function reconcile(args: string[]): Promise<NightlyReport> {
  const result = await runCli(['reconcile', ...args, '--json'], { dataDir });
  expect(result.code, result.stderr + result.stdout).toBe(0);
  return JSON.parse(result.stdout) as NightlyReport;
}

const merges = async (runId: string) =>
  (await getText(`nightly/${runId}/merges.ndjson`))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as NightlyMerge);
const groupKey = (m: { profiles: string[] }) => [...m.profiles].sort().join('+');

beforeAll(async () => {
  ({ cloud, dataDir, cleanup } = await startTestCloud());
  s3 = localS3(cloud);
  db = localDb(cloud);
  store = new DynamoProfileStore(db, cloud.info.outputs.TableName);
  await store.putSourceConfig('app', parseSourceConfig(readFileSync(join(REPO_ROOT, 'examples/sources/app-channel.json'), 'utf8')));
  batchA = await importPeople(80, 2026, 'a');
}, 300_000);

afterAll(async () => {
  s3?.destroy();
  await cleanup?.();
});

describe('phonekey reconcile', () => {
  let first: NightlyReport;
  let before: Awaited<ReturnType<typeof profilesNow>>;

  it('runs the nightly workflow over imported and webhook data and prints the run report', async () => {
    // Behaviour from the app channel for some of the imported people, through `phonekey send`.
    const stored = await profilesNow();
    // sent to numbers that key a profile: each event is that profile's person's (the generator knows who)
    const keyed = stored.filter((p) => p.phones.length).slice(0, 10);
    keyed.forEach((p, i) => {
      const people = p.members.map((m) => personOf.get(m));
      const person = people.sort((x, y) => people.filter((z) => z === y).length - people.filter((z) => z === x).length)[0]!;
      personOf.set(`app#v-${i}`, person);
      personOf.set(`app#o-${i}`, person);
    });
    const events = keyed.flatMap((p, i) => [
      { event: 'item_detail_view', event_id: `v-${i}`, ts: '2026-11-20 10:00:00', user: { phone: p.phones[0] }, device: { os: 'ios', id: `d-${i}` }, props: { item_id: 'sku-1', category: 'beauty' } },
      { event: 'pay_success', event_id: `o-${i}`, ts: '2026-11-21 10:00:00', user: { phone: p.phones[0] }, device: { os: 'ios', id: `d-${i}` }, props: { order_no: `o-${i}`, items: [{ item_id: 'sku-1', category: 'beauty', qty: 1, price: '99.50' }], pay_amount: '99.50', currency: 'cny' } },
    ]);
    // a native name the channel's mapping lacks: stored as unmapped, named in the quality section
    events.push({ event: 'share_click', event_id: 'u-0', ts: '2026-11-21 11:00:00', user: { phone: keyed[0]!.phones[0] }, device: { os: 'ios', id: 'd-0' }, props: {} } as (typeof events)[number]);
    personOf.set('app#u-0', personOf.get('app#v-0')!);
    const withIdentity = identityEvents(batchA, 8, 'id-a');
    await send([...events, ...withIdentity], 'events-a');
    sentEvents.push(...events, ...withIdentity);

    before = await profilesNow();
    expect(before.length).toBeGreaterThan(stored.length); // the identity events founded profiles of their own
    first = await reconcile(['--run-id', 'night-1', '--segments', '3', '--chunk-size', '25']);
    const records = before.flatMap((p) => p.members).filter((m) => !m.startsWith('app#'));
    expect(first.runId).toBe('night-1');
    expect(first.snapshot.segments).toBe(3);
    expect(first.counts).toMatchObject({ records: records.length, events: 21 + withIdentity.length, profilesBefore: before.length });
    expect(first.mergesApplied).toBe(true);
    expect(first.counts.merges).toBeGreaterThan(0);
    // a part split off a profile a number glued is a profile of its own
    expect(first.counts.profiles).toBe(before.length - first.counts.profilesMerged + (first.counts.splitsApplied ?? 0));
    expect(Object.values(first.mergesByRule).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(first.counts.merges);
    expect(first.status, JSON.stringify(first.steps)).toBe('complete');
    expect(first.counts.profilesRecomputed).toBe(first.counts.profiles);
    expect(Object.keys(first.tags).length).toBeGreaterThan(0);
  }, 300_000);

  it('splits off a profile only what is another person’s, or a sale no name or id says whose (checked against the truth)', async () => {
    const { applied } = JSON.parse(await getText('nightly/night-1/splits.json')) as { applied: Array<{ from: string; to: string }> };
    expect(applied).toHaveLength(first.counts.splitsApplied ?? 0);
    const after = await profilesNow();
    for (const { from, to } of applied) {
      const stayed = new Set(after.find((p) => p.profileId === from)!.members.map((m) => personOf.get(m)));
      const left = after.find((p) => p.profileId === to)!.members;
      // a named or identified member that left is someone who did not stay
      for (const m of left.filter((k) => !k.startsWith('app#'))) expect(stayed.has(personOf.get(m)), `${m} left ${from}`).toBe(false);
    }
  });

  it('merges profiles of the same generated person (checked against the truth)', async () => {
    const found = await merges('night-1');
    expect(found).toHaveLength(first.counts.merges);
    // Each merge's deciding pairs join records of one person (the generator knows who).
    const pairs = found.flatMap((m) => m.reasons);
    const right = pairs.filter((r) => personOf.get(r.a) === personOf.get(r.b));
    const wrong = pairs.filter((x) => personOf.get(x.a) !== personOf.get(x.b)).map((r) => `${r.a} (${personOf.get(r.a)}) + ${r.b} (${personOf.get(r.b)}) by ${r.rule} ${r.score}`);
    expect(right.length / pairs.length, wrong.join('\n')).toBeGreaterThanOrEqual(0.9);
    // And the table now holds them as one profile each.
    const after = await profilesNow();
    expect(after).toHaveLength(first.counts.profiles);
    for (const m of found) {
      const holders = new Set(after.filter((p) => m.members.some((k) => p.members.includes(k))).map((p) => p.profileId));
      expect(holders.size, groupKey(m)).toBe(1);
    }
  });

  it('recomputes profile figures that match what was sent (spend to the cent, orders, preferred category)', async () => {
    const amountOf = new Map(sentEvents.filter((e) => e.event === 'pay_success').map((e) => [`app#${e.event_id}`, Math.round(Number(e.props.pay_amount) * 100)]));
    const viewed = new Set(sentEvents.filter((e) => e.event === 'item_detail_view').map((e) => `app#o-${String(e.event_id).slice(2)}`));
    let checked = 0;
    for (const p of await profilesNow()) {
      const purchases = p.members.filter((m) => amountOf.has(m));
      if (!purchases.length) continue;
      const item = (await db.send(new GetCommand({ TableName: cloud.info.outputs.TableName, Key: { pk: `PROF#${p.profileId}`, sk: 'PROFILE' } }))).Item!;
      expect(item.metrics.totalSpendCents, p.profileId).toBe(purchases.reduce((n, m) => n + amountOf.get(m)!, 0));
      expect(item.metrics.orderCount, p.profileId).toBe(purchases.length);
      // A customer who viewed and bought beauty and nothing else prefers beauty.
      if (purchases.every((m) => viewed.has(m))) expect(item.view.derived.categoryPreferences[0]?.category, p.profileId).toBe('beauty');
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('reports data quality per source, the merge sample and the counts, in JSON and in an HTML page Chromium opens', async () => {
    expect(await exists('nightly/night-1/report.json')).toBe(true);
    const stored = JSON.parse(await getText('nightly/night-1/report.json')) as NightlyReport;
    expect(stored).toEqual(first);
    // Invalid phones per source, as the imports rejected them.
    const crm = first.quality.find((q) => q.source === 'crm')!;
    expect(crm.records).toBeGreaterThan(0);
    const invalid = first.quality.reduce((n, q) => n + Object.values(q.invalidPhonesByReason).reduce((a, b) => a + b, 0), 0);
    expect(invalid).toBeGreaterThan(0);
    expect(Object.keys(first.quality[0]!.missingFields)).toEqual(expect.arrayContaining(['name', 'email', 'birthDate']));
    // the webhook channel has its row: every event it sent, and the name its mapping lacks
    expect(first.quality.find((q) => q.source === 'app')).toMatchObject({ records: 0, events: first.counts.events, unmappedEvents: { share_click: 1 } });
    // The sample is drawn from the merges, the same for the same run id.
    const all = new Set((await merges('night-1')).map(groupKey));
    expect(first.mergeSample.length).toBe(Math.min(12, first.counts.merges));
    for (const m of first.mergeSample) expect(all.has(groupKey(m))).toBe(true);

    const dom = await dumpDom(await getText('nightly/night-1/report.html'));
    expect(textOf(dom, 'run-id')).toBe('night-1');
    const counts = textOf(dom, 'counts')!;
    expect(counts).toContain(`records ${first.counts.records}`);
    expect(counts).toContain(`merges ${first.counts.merges}`);
    expect(counts).toContain(`reviews pending ${first.counts.reviewsPending}`);
    for (const rule of Object.keys(first.mergesByRule)) expect(textOf(dom, 'chart-merge-rules')).toContain(`${rule} ${first.mergesByRule[rule]}`);
    expect(textOf(dom, 'chart-missing-crm')).toContain(`email ${crm.missingFields.email}`);
  }, 120_000);

  it('changes nothing when run again', async () => {
    const profiles = await profilesNow();
    const second = await reconcile(['--run-id', 'night-2']);
    expect(second.counts).toMatchObject({ merges: 0, profilesMerged: 0, splitsApplied: 0, profilesBefore: profiles.length, profiles: profiles.length });
    expect(await profilesNow()).toEqual(profiles);
    // The same run id again: every step finds its work done; the report is the one already written.
    expect(await runDirect('night-1-resume-again', { runId: 'night-1' })).toEqual(first);
  }, 300_000);
});

describe('a run that fails between steps', () => {
  it('records the failure, and resumed it ends where a single-process re-match says it should', async () => {
    const batchB = await importPeople(40, 7, 'b');
    await send(identityEvents(batchB, 6, 'id-b'), 'events-b');
    // The reference: resolve() over the whole table in this process, read against the profiles now.
    const table = new DynamoNightlyTable(db, cloud.info.outputs.TableName);
    const records: CleanRecord[] = [];
    const assignment = new Map<string, string>();
    for await (const item of table.scanSegment(0, 1)) {
      if (item.kind === 'record') {
        records.push(item.record);
        assignment.set(item.key, item.profileId);
      } else if (item.kind === 'event' && item.record?.memberId) {
        const [channel, eventId] = item.key.split('#');
        records.push({ ...item.record, source: channel!, recordId: eventId! });
        assignment.set(item.key, item.profileId);
      }
    }
    records.sort((a, b) => (a.source === b.source ? (a.recordId < b.recordId ? -1 : 1) : a.source < b.source ? -1 : 1));
    const identity = new DynamoIdentityStore(db, cloud.info.outputs.TableName);
    const listed = await identity.listPairDecisions();
    const decisions = {
      noMerge: listed.filter((d) => d.decision === 'noMerge').map((d): [string, string] => [d.a, d.b]),
      approved: listed.filter((d) => d.decision === 'approved').map((d): [string, string] => [d.a, d.b]),
    };
    // with the rules the run will use: the stored ones, learned again from these records
    const { rules } = rematchRules(records, await identity.matchRules(), decisions);
    const expected = profileChanges(resolve(records, rules, decisions).clusters, (k) => assignment.get(k));
    expect(expected.merges.length).toBeGreaterThan(0);

    // Fail the recompute, after the re-match applied its merges (the run input asks for it).
    const arn = cloud.startExecution(cloud.info.outputs.StateMachineArn, { failAt: 'recompute', chunkSize: 20 }, 'killed-1');
    await cloud.idle();
    const sfn = new SFNClient({ region: 'us-east-1', endpoint: cloud.info.endpoints.control, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(execution.status).toBe('FAILED');
    const failure = JSON.parse(await getText('nightly/killed-1/failure.json'));
    expect(failure.error.Error).toBe('NightlyInjectedFailure');
    expect(await exists('nightly/killed-1/rematch.json')).toBe(true);
    expect(await exists('nightly/killed-1/report.json')).toBe(false);
    const snapshotBefore = await getText('nightly/killed-1/snapshot/segment-0.json');

    // A webhook during the run, after its snapshot, to a profile the run did not merge: the resumed
    // recompute must not save that profile with the snapshot's figures (it no longer has the
    // updatedAt the plan saw, so it is rebuilt from its members as they are now).
    const mergedByRun = new Set((await merges('killed-1')).flatMap((m) => m.profiles));
    // (its number one person's: an event without a name on a shared number would join nobody)
    const candidates = (await profilesNow()).filter((p) => !mergedByRun.has(p.profileId) && !p.members.some((m) => m.startsWith('app#')) && p.phones.length);
    const numbers = await store.numbers(candidates.map((p) => p.phones[0]!));
    const target = candidates.find((p) => {
      const n = numbers.get(p.phones[0]!);
      return n?.owner === p.profileId && standing(n.evidence, DEFAULT_STANDING) === 'personal';
    })!;
    expect(target).toBeDefined();
    await send(
      [{ event: 'pay_success', event_id: 'during-run', ts: '2026-11-22 10:00:00', user: { phone: target.phones[0] }, device: { os: 'ios', id: 'd-during' }, props: { order_no: 'o-during-run', items: [{ item_id: 'sku-3', category: 'books', qty: 1, price: '12.34' }], pay_amount: '12.34', currency: 'cny' } }],
      'events-during',
    );

    const resumed = await reconcile(['--resume', 'killed-1']);
    const changed = (await db.send(new GetCommand({ TableName: cloud.info.outputs.TableName, Key: { pk: `PROF#${target.profileId}`, sk: 'PROFILE' } }))).Item!;
    expect(changed.metrics, target.profileId).toMatchObject({ totalSpendCents: 1234, orderCount: 1 });
    expect(changed.view.memberCount).toBe(target.members.length + 1);
    expect(resumed.runId).toBe('killed-1');
    // The snapshot was not taken again: the resumed run reused the failed run's segments.
    expect(await getText('nightly/killed-1/snapshot/segment-0.json')).toBe(snapshotBefore);
    // Same merges as the single-process reference, applied once.
    expect((await merges('killed-1')).map(groupKey).sort()).toEqual(expected.merges.map(groupKey).sort());
    expect(resumed.counts.merges).toBe(expected.merges.length);
    const after = await profilesNow();
    for (const m of expected.merges) {
      const holders = new Set(after.filter((p) => m.members.some((k) => p.members.includes(k))).map((p) => p.profileId));
      expect(holders.size, groupKey(m)).toBe(1);
    }
    expect(resumed.counts.profiles).toBe(after.length);
    // And nothing is left to merge: the next night agrees.
    const next = await runDirect('night-3');
    expect(next.counts.merges).toBe(0);
    expect(await profilesNow()).toEqual(after);
  }, 400_000);

  it('refuses a run id already used, and says how to resume', async () => {
    const again = await runCli(['reconcile', '--run-id', 'killed-1'], { dataDir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--resume killed-1');
  }, 120_000);
});
