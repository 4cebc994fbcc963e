/**
 * The nightly reconciliation, one use case per state of the workflow (lib/stack/workflow.ts):
 *
 *   plan → snapshot segments (Map) → re-match → profile plan → measure chunks (Map) → quantiles
 *        → recompute chunks (Map) → report
 *
 * Profiles are built from the snapshot, not read again from the table: the plan notes every
 * profile's `updatedAt` and fixes the chunks (a hash of the profile id), each snapshot segment
 * writes the members it read sorted by chunk with a byte range per chunk, and each measure or
 * recompute iteration reads only its chunk's ranges (functions/app/nightly/chunks.ts). A view is
 * saved only while its item's `updatedAt` is still the planned one; a profile changed since (a
 * webhook, a merge) or touched by this run's merges is built from its members as they are now.
 *
 * Every step writes what it did under `nightly/<runId>/` in the reports bucket and, when that
 * file is already there, returns it instead of working again. So re-running a run id is safe and
 * a run that died half-way resumes where it stopped (`phonekey reconcile --resume <runId>`).
 *
 * Memory: snapshot segments, profile chunks and the report stream what they read. The re-match
 * is the one step that holds every source record at once, because resolve() compares across
 * the whole base; it scores the pairs on every core the function has (about 26 s and 1.3 GB for
 * 1M records on two cores, see bench/resolve.bench.ts).
 */
import { numberLocation, sumCounts } from '../../core/report/number-locations.ts';
import { listedGenericNumbers, parseMatchRules, type MatchRules, type MatchRulesInput, type Resolution } from '../../core/match/index.ts';
import { evenSample, learnedAnything, learnWeights } from '../../core/match/learn.ts';
import { MISSING_FIELDS, renderNightlyReport, scoreBucket, type NightlyMerge, type NightlyReport, type SourceQuality, type StepSummary } from '../../core/report/nightly-report.ts';
import { Reservoir } from '../../core/report/nightly-sample.ts';
import type { CleanRecord } from '../../core/model.ts';
import { UNMAPPED_PREFIX } from '../../core/events/index.ts';
import type { ProfileMetrics } from '../../core/profile/index.ts';
import type { ImportCounts } from '../../ports/profile-store.ts';
import type { ProfileWithMembers } from '../profiles/recompute.ts';
import { resolveInParallel } from '../identity/resolve-in-parallel.ts';
import type { SplitSummary } from '../identity/split-glued.ts';
import type { SplitPolicy } from '../../core/identity/index.ts';
import { profileChanges } from './changes.ts';
import { bucketedFile, bucketOf, chunkFiles, groupMembers, type ByteRange, type ChunkFile, type MemberLine } from './chunks.ts';
import type { NightlyTable, RunFiles, SnapshotItem } from '../../ports/nightly.ts';
import { mapLimit } from '../../core/map-limit.ts';

/** What applying a re-match did (from the identity use case). */
export interface ApplySummary {
  /** Merges written in this call (0 when a re-run finds them done). */
  merged?: number;
  /** Profiles split apart in this call. */
  split?: number;
  /** Reviews newly queued in this call. */
  reviewsQueued?: number;
  [key: string]: unknown;
}

/** The identity use cases the re-match drives (functions/app/identity/apply-resolution.ts). */
export interface IdentityPort {
  /** Record-key pairs people decided on: never merge (unmerges, rejected reviews) and approved. */
  decisions(): Promise<{ noMerge: Array<[string, string]>; approved: Array<[string, string]> }>;
  /** Applies resolve()'s output (merges, queued reviews) idempotently. */
  apply(
    result: Resolution,
    ctx: { runId: string; rules: MatchRules; assignment: ReadonlyMap<string, string>; records: ReadonlyMap<string, CleanRecord> },
  ): Promise<ApplySummary>;
  /** Reviews waiting for a person. */
  pendingReviews(): Promise<number>;
  /** Marks numbers generic (they key nobody from then on); returns those newly marked. */
  markGeneric(phones: string[]): Promise<string[]>;
  /** Every number marked generic, with the profile that claimed it (where its sales landed before it was known). */
  genericNumbers(): Promise<Array<{ phone: string; profileId: string }>>;
  /** Splits the profiles a number glued among those given (functions/app/identity/split-glued.ts). */
  splitGlued(profileIds: string[], clusterOf: ReadonlyMap<string, number>, ctx: { runId: string } & SplitPolicy): Promise<SplitSummary>;
  /** Stores re-learned match rules as the rules in force (audited as `actor`). */
  storeRules(doc: MatchRulesInput, actor: string): Promise<void>;
}

type Measured = { profileId: string; metrics: ProfileMetrics };

/** The profile use cases the recompute drives (functions/app/profiles/recompute.ts). */
export interface ProfilesPort {
  /** Base quantiles over stored metrics, and `measured` for profiles with none stored. */
  computeBaseQuantiles(measured?: AsyncIterable<Measured>): Promise<unknown>;
  /** Metrics of profiles built from the members given, and of `live` ids from their members now; nothing saved. */
  measureFromMembers(profiles: Array<Omit<ProfileWithMembers, 'updatedAt'>>, live: string[]): Promise<Measured[]>;
  /** Builds and saves views from the members given while their items are unchanged; the rest and `live` from their members now. */
  recomputeFromMembers(profiles: ProfileWithMembers[], live: string[], quantiles: unknown): Promise<{ updated?: number; fromMembers?: number; live?: number }>;
}

export interface NightlyDeps {
  table: NightlyTable;
  files: RunFiles;
  rules(): Promise<MatchRules>;
  identity: IdentityPort;
  profiles: ProfilesPort;
  now?: () => Date;
}

/** The state's input: the execution input, and the results of the states before. */
export interface RunInput {
  runId?: string;
  /** Snapshot segments (default: from the table's size). */
  segments?: number;
  /** Profiles per measure / recompute chunk (on average: chunks are a hash of the profile id). */
  chunkSize?: number;
  /** Test hook: the step (`snapshot`, `rematch`, `profile-plan`, `recompute`, `report`) that fails once. */
  failAt?: string;
  plan?: PlanOutput;
  [key: string]: unknown;
}

export interface PlanOutput {
  runId: string;
  totalSegments: number;
  segments: number[];
  chunkSize: number;
  /** Profile chunks, fixed before the snapshot (0 for a run planned before chunks were hashed: every profile is built live). */
  buckets: number;
  resumed: boolean;
  failAt: string | null;
}

export class InjectedFailure extends Error {
  override name = 'NightlyInjectedFailure';
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;
const RECORDS_PER_SEGMENT = 50_000;
const DEFAULT_CHUNK = 1000;
const SAMPLE_SIZE = 12;

/** A resumed or retried run's execution is named `<runId>-resume-<t>` or `<runId>-retry-<t>`. */
const CONTINUATION = /-(?:resume|retry)-[a-z0-9]+$/;

/**
 * The run id: the plan's, else the input's `runId`, else the execution name without a
 * `-resume-…`/`-retry-…` suffix (so `phonekey retry` of a failed run resumes that run).
 */
export function runIdOf(executionName: string | undefined, input: RunInput): string {
  const runId = input.plan?.runId ?? input.runId ?? executionName?.replace(CONTINUATION, '');
  if (!runId || !RUN_ID.test(runId)) throw new Error(`invalid run id ${JSON.stringify(runId)}: letters, digits, '.', '_' and '-', at most 80`);
  return runId;
}

const segmentKey = (n: number) => `snapshot/segment-${n}.ndjson`;
const segmentDoneKey = (n: number) => `snapshot/segment-${n}.json`;
const membersKey = (n: number) => `snapshot/members-${n}.ndjson`;
const membersRangesKey = (n: number) => `snapshot/members-${n}.ranges.json`;
const beforeKey = (c: number) => `snapshot/profiles-${c}.json`;
const chunkKey = (n: number) => `profiles/chunk-${n}.json`;
const chunkDoneKey = (n: number) => `profiles/chunk-${n}.done.json`;
const measureDoneKey = (n: number) => `profiles/measure-${n}.done.json`;
const measuredKey = (n: number) => `profiles/measure-${n}.metrics.ndjson`;

async function getJson<T>(files: RunFiles, key: string): Promise<T | undefined> {
  const text = await files.get(key);
  return text === undefined ? undefined : (JSON.parse(text) as T);
}

const putJson = (files: RunFiles, key: string, value: unknown) => files.put(key, JSON.stringify(value, null, 2), 'application/json');

function failIfAsked(plan: Pick<PlanOutput, 'failAt'> | undefined, step: string): void {
  if (plan?.failAt === step) throw new InjectedFailure(`failing ${step} as the run input asked (failAt)`);
}

// ---- plan ----

interface RunFile {
  runId: string;
  startedAt: string;
  totalSegments: number;
  chunkSize: number;
  /** Profile chunks (absent in runs planned before chunks were hashed). */
  buckets?: number;
  /** Profiles listed by the plan (their `updatedAt` is in snapshot/profiles-<chunk>.json). */
  profiles?: number;
  /** How long the plan took (listing the profiles). */
  planMs?: number;
  executions: string[];
}

export async function plan(deps: NightlyDeps, executionName: string, input: RunInput): Promise<PlanOutput> {
  const runId = runIdOf(executionName, input);
  const now = (deps.now ?? (() => new Date()))();
  const existing = await getJson<RunFile>(deps.files, 'run.json');
  let run: RunFile;
  if (existing) {
    run = { ...existing, executions: [...new Set([...existing.executions, executionName])] };
  } else {
    const requested = Number(input.segments);
    const totalSegments =
      Number.isInteger(requested) && requested > 0
        ? Math.min(requested, 1000)
        : Math.min(1000, Math.max(4, Math.ceil((await deps.table.approximateItemCount()) / RECORDS_PER_SEGMENT)));
    const chunkSize = Number.isInteger(Number(input.chunkSize)) && Number(input.chunkSize) > 0 ? Number(input.chunkSize) : DEFAULT_CHUNK;
    // Every profile's updatedAt before the snapshot reads any member, in the chunk it will be built
    // in: a view built from the snapshot is saved only while its item still has that value. Written
    // before run.json, which marks the plan done (a plan re-run before that lists again).
    const listed: Array<{ profileId: string; updatedAt: string | null }> = [];
    for await (const { profileId, updatedAt } of deps.table.profileIds()) listed.push({ profileId, updatedAt });
    const buckets = Math.max(1, Math.ceil(listed.length / chunkSize));
    const before = new Map<number, Record<string, string | null>>();
    for (const { profileId, updatedAt } of listed) {
      const c = bucketOf(profileId, buckets);
      let m = before.get(c);
      if (!m) before.set(c, (m = {}));
      m[profileId] = updatedAt;
    }
    await mapLimit([...before], 16, ([c, m]) => deps.files.put(beforeKey(c), JSON.stringify(m), 'application/json'));
    run = { runId, startedAt: now.toISOString(), totalSegments, chunkSize, buckets, profiles: listed.length, planMs: Date.now() - now.getTime(), executions: [executionName] };
  }
  await putJson(deps.files, 'run.json', run);
  return {
    runId,
    totalSegments: run.totalSegments,
    segments: Array.from({ length: run.totalSegments }, (_, i) => i),
    chunkSize: run.chunkSize,
    buckets: run.buckets ?? 0,
    resumed: Boolean(existing),
    failAt: typeof input.failAt === 'string' ? input.failAt : null,
  };
}

// ---- snapshot ----

export interface SegmentStats {
  segment: number;
  records: number;
  events: number;
  /** Events whose identity (beyond the phone) was kept for the re-match. */
  eventIdentities: number;
  profiles: number;
  /** Of them, profiles no number keys: customers without a usable number. */
  profilesWithoutNumber?: number;
  /** Profiles by where their primary number is registered (province, or region abroad). */
  numberLocations?: Record<string, number>;
  /** Per source: stored records and how many lack each field. */
  sources: Record<string, { records: number; missing: Record<string, number> }>;
  /** Per channel: stored events, and those whose native name its mapping lacks (by name, the first UNMAPPED_NAMES_KEPT names). */
  channels?: Record<string, { events: number; unmapped: Record<string, number> }>;
  /** Import states seen in this segment (data quality at the door). */
  imports: Array<{ source: string; counts: ImportCounts }>;
  startedAt: string;
  finishedAt: string;
  skipped?: boolean;
}

export async function snapshotSegment(deps: NightlyDeps, item: { runId: string; segment: number; totalSegments: number; buckets?: number; failAt?: string | null }): Promise<SegmentStats> {
  const done = await getJson<SegmentStats>(deps.files, segmentDoneKey(item.segment));
  if (done) return { ...done, skipped: true };
  failIfAsked({ failAt: item.failAt ?? null }, 'snapshot');
  const startedAt = new Date().toISOString();
  const stats: SegmentStats = { segment: item.segment, records: 0, events: 0, eventIdentities: 0, profiles: 0, sources: {}, imports: [], startedAt, finishedAt: '' };
  const lines: string[] = [];
  const seenIdentities = new Set<string>();
  // Members by profile chunk, for Measure and Recompute (none for a run planned without chunks).
  const buckets = Number(item.buckets) || 0;
  const members: Array<{ bucket: number; line: string }> = [];
  const member = (line: MemberLine) => {
    if (buckets > 0 && line.p) members.push({ bucket: bucketOf(line.p, buckets), line: JSON.stringify(line) });
  };
  for await (const it of deps.table.scanSegment(item.segment, item.totalSegments)) {
    switch (it.kind) {
      case 'record': {
        member({ p: it.profileId, k: it.itemKey, r: { record: it.record, ...(it.storedAt ? { storedAt: it.storedAt } : {}) } });
        stats.records++;
        const s = (stats.sources[it.record.source] ??= { records: 0, missing: {} });
        s.records++;
        for (const field of MISSING_FIELDS) if (isMissing(it.record, field)) s.missing[field] = (s.missing[field] ?? 0) + 1;
        lines.push(JSON.stringify({ k: it.key, p: it.profileId, r: it.record }));
        break;
      }
      case 'event': {
        member({ p: it.profileId, e: it.member });
        stats.events++;
        countChannelEvent((stats.channels ??= {}), it.channel, it.tag);
        // An event that carries identity beyond its phone (member id, openid, e-mail, name) takes
        // part in the re-match: webhooks are not matched on arrival, so this is where a customer
        // seen by a channel under another number joins their profile. One per profile and identity.
        const identity = it.record && eventIdentity(it.record);
        if (!identity || seenIdentities.has(`${it.profileId}|${identity}`)) break;
        seenIdentities.add(`${it.profileId}|${identity}`);
        stats.eventIdentities++;
        const [channel, ...rest] = it.key.split('#');
        lines.push(JSON.stringify({ k: it.key, p: it.profileId, e: 1, r: { ...it.record, source: channel, recordId: rest.join('#') } }));
        break;
      }
      case 'profile':
        member({ p: it.profileId, profile: { phones: it.phones, ...(it.pins ? { pins: it.pins } : {}) } });
        stats.profiles++;
        if (!it.phones?.length) stats.profilesWithoutNumber = (stats.profilesWithoutNumber ?? 0) + 1;
        else {
          const where = numberLocation(it.phones[0]!);
          (stats.numberLocations ??= {})[where] = (stats.numberLocations[where] ?? 0) + 1;
        }
        lines.push(JSON.stringify({ p: it.profileId }));
        break;
      case 'import':
        stats.imports.push({ source: it.source, counts: it.counts });
        break;
    }
  }
  await deps.files.put(segmentKey(item.segment), lines.length ? lines.join('\n') + '\n' : '', 'application/x-ndjson');
  if (buckets > 0) {
    const { body, ranges } = bucketedFile(members);
    await deps.files.put(membersKey(item.segment), body, 'application/x-ndjson');
    await putJson(deps.files, membersRangesKey(item.segment), ranges);
  }
  stats.finishedAt = new Date().toISOString();
  await putJson(deps.files, segmentDoneKey(item.segment), stats);
  return stats;
}

/** Distinct unmapped native names counted per channel and segment: enough to name a mapping's gaps, bounded whatever a channel sends. */
const UNMAPPED_NAMES_KEPT = 50;

function countChannelEvent(channels: NonNullable<SegmentStats['channels']>, channel: string, tag: string): void {
  const c = (channels[channel] ??= { events: 0, unmapped: {} });
  c.events++;
  if (!tag.startsWith(UNMAPPED_PREFIX)) return;
  const name = tag.slice(UNMAPPED_PREFIX.length);
  if (c.unmapped[name] !== undefined || Object.keys(c.unmapped).length < UNMAPPED_NAMES_KEPT) c.unmapped[name] = (c.unmapped[name] ?? 0) + 1;
  else c.unmapped['(other names)'] = (c.unmapped['(other names)'] ?? 0) + 1;
}

/** The identity fields of an event besides its phones, as text; undefined when it has none. */
function eventIdentity(record: CleanRecord): string | undefined {
  const externalIds = record.externalIds && Object.keys(record.externalIds).length ? record.externalIds : undefined;
  if (!record.memberId && !record.email && !record.nameKey && !externalIds) return undefined;
  return JSON.stringify([record.phones, record.memberId ?? null, record.email ?? null, record.nameKey ?? null, externalIds ?? null]);
}

function isMissing(record: CleanRecord, field: (typeof MISSING_FIELDS)[number]): boolean {
  const value = record[field];
  return value === undefined || value === null || value === '';
}

// ---- re-match ----

export interface RematchOutput {
  /** Source records and event identities re-matched. */
  records: number;
  clusters: number;
  merges: number;
  profilesMerged: number;
  /** Profiles the rules put apart (after any split, `splitsApplied` parts left them for profiles of their own). */
  splits: number;
  splitsApplied?: number;
  reviewsQueued: number;
  mergesByRule: Record<string, number>;
  mergeScores: Record<string, number>;
  applied: boolean;
  /** Numbers this run marked generic (seen with more distinct names than the rules allow). */
  genericMarked?: number;
  apply?: ApplySummary;
  note?: string;
  stats: Omit<Resolution['stats'], 'genericValues'> & { genericValues: number };
  startedAt: string;
  finishedAt: string;
  skipped?: boolean;
}

export async function rematch(deps: NightlyDeps, p: PlanOutput): Promise<RematchOutput> {
  const done = await getJson<RematchOutput>(deps.files, 'rematch.json');
  if (done) return { ...done, skipped: true };
  failIfAsked(p, 'rematch');
  const startedAt = new Date().toISOString();

  // The one step that holds all records: resolve() compares across the whole base.
  const records: CleanRecord[] = [];
  const profileOfRecord = new Map<string, string>();
  /** Identities events carried: they do not count toward the cluster size cap. */
  const eventKeys = new Set<string>();
  for (const segment of p.segments) {
    if (!(await deps.files.exists(segmentDoneKey(segment)))) throw new Error(`snapshot segment ${segment} of run ${p.runId} is missing: run the snapshot first`);
    for await (const line of deps.files.lines(segmentKey(segment))) {
      if (!line) continue;
      const row = JSON.parse(line) as { k?: string; p: string; r?: CleanRecord; e?: 1 };
      if (!row.r || !row.k) continue;
      records.push(row.r);
      profileOfRecord.set(row.k, row.p);
      if (row.e) eventKeys.add(`${row.r.source}#${row.r.recordId}`);
    }
  }
  // Records in a stable order, so the same snapshot always resolves the same way.
  records.sort((a, b) => (a.source === b.source ? cmp(a.recordId, b.recordId) : cmp(a.source, b.source)));
  const profileOf = (key: string) => profileOfRecord.get(key);

  const decisions = await deps.identity.decisions();
  const { rules, doc: learnedDoc, note: learnedNote } = rematchRules(records, await deps.rules(), decisions);
  if (learnedDoc) await deps.identity.storeRules(learnedDoc, `nightly:${p.runId}`);
  const result = await resolveInParallel(records, rules, { ...decisions, uncounted: eventKeys });
  // Numbers the whole base shows many people use: generic from now on, on arrival too.
  // Numbers the rules list as generic are taken off whoever they key too.
  const genericPhones = new Set([...result.stats.genericValues.filter((v) => v.startsWith('phone:')).map((v) => v.slice('phone:'.length)), ...listedGenericNumbers(rules)]);
  const genericMarked = await deps.identity.markGeneric([...genericPhones]);

  // Profiles a number glued come apart first; the merges are then read against where members are now.
  // Candidates: the profiles the clusters put apart, and those a generic number keyed once.
  const proposed = profileChanges(result.clusters, profileOf).splits;
  const claimed = await deps.identity.genericNumbers();
  for (const { phone } of claimed) genericPhones.add(phone);
  const clusterOf = new Map<string, number>();
  result.clusters.forEach((c, i) => c.members.forEach((m) => clusterOf.set(m, i)));
  const candidates = [...new Set([...proposed, ...claimed.map((c) => c.profileId)])].sort();
  const approved = new Set(decisions.approved.flat());
  const split = await deps.identity.splitGlued(candidates, clusterOf, { runId: p.runId, isGeneric: (n) => genericPhones.has(n), approved });
  for (const [member, profileId] of split.moved) profileOfRecord.set(member, profileId);
  const changes = profileChanges(result.clusters, profileOf);

  const mergesByRule: Record<string, number> = {};
  const mergeScores: Record<string, number> = {};
  for (const m of changes.merges) {
    for (const r of m.reasons) {
      mergesByRule[r.rule] = (mergesByRule[r.rule] ?? 0) + 1;
      const bucket = scoreBucket(r.score);
      mergeScores[bucket] = (mergeScores[bucket] ?? 0) + 1;
    }
  }
  await deps.files.put('merges.ndjson', changes.merges.map((m) => JSON.stringify(m)).join('\n') + (changes.merges.length ? '\n' : ''), 'application/x-ndjson');
  await putJson(deps.files, 'splits.json', { proposed, applied: split.splits, notGlued: split.notGlued });

  const byKey = new Map(records.map((r) => [`${r.source}#${r.recordId}`, r]));
  const apply = await deps.identity.apply(result, { runId: p.runId, rules, assignment: profileOfRecord, records: byKey });
  const { genericValues, ...stats } = result.stats;
  const out: RematchOutput = {
    records: records.length,
    clusters: result.clusters.length,
    merges: changes.merges.length,
    profilesMerged: changes.merges.reduce((n, m) => n + m.profiles.length - 1, 0),
    splits: proposed.length,
    splitsApplied: split.applied,
    // what reached the queue (pairs already queued or decided are not queued again)
    reviewsQueued: apply.reviewsQueued ?? result.reviews.length,
    mergesByRule,
    mergeScores,
    applied: true,
    apply,
    genericMarked: genericMarked.length,
    ...(learnedNote ? { note: learnedNote } : {}),
    stats: { ...stats, genericValues: genericValues.length },
    startedAt,
    finishedAt: new Date().toISOString(),
  };
  await putJson(deps.files, 'rematch.json', out);
  return out;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The rules the re-match runs with: as stored, or, when they ask for it (`learning.nightly`, the
 * default), learned again from these records with the decided pairs as labels. `doc` is the
 * learned rules file, to be stored; absent when nothing was learned.
 */
export function rematchRules(
  records: CleanRecord[],
  rules: MatchRules,
  decisions: { noMerge: Array<[string, string]>; approved: Array<[string, string]> },
): { rules: MatchRules; doc?: MatchRulesInput; note?: string } {
  if (!rules.learning.nightly) return { rules };
  if (records.length < rules.learning.minRecords)
    return { rules, note: `match weights not re-learned: ${records.length} records, fewer than learning.minRecords (${rules.learning.minRecords})` };
  const labels = [...decisions.approved.map(([a, b]) => ({ a, b, match: true })), ...decisions.noMerge.map(([a, b]) => ({ a, b, match: false }))];
  const { rules: doc, report } = learnWeights(evenSample(records, rules.learning.sample), rules, { labels });
  if (!learnedAnything(report)) return { rules, note: `match weights not re-learned: ${report.records} records gave no comparator enough pairs` };
  const learned = report.comparators.filter((c) => c.status === 'learned').length;
  return { rules: parseMatchRules(doc), doc, note: `match weights re-learned from ${report.records} records (${learned} comparators, prior ${report.prior}) and stored as the rules in force` };
}

// ---- profiles: plan, then recompute in chunks ----

export interface ProfilePlanOutput {
  profiles: number;
  /** Chunks of every profile id (the recompute). */
  chunks: number[];
  /** Chunks of the profiles never computed yet (measured before the base quantiles). */
  measureChunks: number[];
  unmeasured: number;
  note?: string;
  startedAt: string;
  finishedAt: string;
  skipped?: boolean;
}

/**
 * Lists the profiles that exist after the re-match (merged ones are gone) in their chunks (the
 * hash the plan fixed), each with the `updatedAt` the plan saw, whether it was ever computed, and
 * whether this run's merges touched it; and where each chunk's members are in the snapshot's
 * members files. Never-computed profiles (new since the last night, or the first night) are
 * measured first, so the base quantiles can be read from stored and measured metrics.
 */
export async function profilePlan(deps: NightlyDeps, p: PlanOutput): Promise<ProfilePlanOutput> {
  const done = await getJson<ProfilePlanOutput>(deps.files, 'profiles/plan.json');
  if (done) return { ...done, skipped: true };
  failIfAsked(p, 'profile-plan');
  const startedAt = new Date().toISOString();
  const listed: Array<{ profileId: string; measured: boolean }> = [];
  for await (const { profileId, measured } of deps.table.profileIds()) listed.push({ profileId, measured });
  // A run planned before chunks were hashed has no members files: every profile is built live.
  const hashed = p.buckets > 0;
  const buckets = hashed ? p.buckets : Math.max(1, Math.ceil(listed.length / p.chunkSize));
  const before = new Map<string, string | null>();
  const ranges: Array<{ segment: number; ranges: Record<string, ByteRange> }> = [];
  const live = new Set<string>();
  if (hashed) {
    const files = await mapLimit(Array.from({ length: buckets }, (_, c) => c), 16, (c) => getJson<Record<string, string | null>>(deps.files, beforeKey(c)));
    for (const f of files) for (const [id, u] of Object.entries(f ?? {})) before.set(id, u);
    ranges.push(
      ...(await mapLimit(p.segments, 16, async (segment) => {
        const r = await getJson<Record<string, ByteRange>>(deps.files, membersRangesKey(segment));
        if (!r) throw new Error(`snapshot segment ${segment} of run ${p.runId} has no members file: run the snapshot first`);
        return { segment, ranges: r };
      })),
    );
    // Profiles this run merged or split: their members moved after the snapshot.
    for await (const line of deps.files.lines('merges.ndjson')) if (line) for (const id of (JSON.parse(line) as NightlyMerge).profiles) live.add(id);
    for (const s of (await getJson<{ applied?: Array<{ from: string; to: string }> }>(deps.files, 'splits.json'))?.applied ?? []) live.add(s.from).add(s.to);
  }
  const files = chunkFiles(listed, buckets, (id) => before.get(id), hashed ? live : new Set(listed.map((l) => l.profileId)), ranges);
  await mapLimit(files, 16, (f) => putJson(deps.files, chunkKey(f.chunk), f));
  const notMeasured = listed.filter((l) => !l.measured).length;
  const out: ProfilePlanOutput = {
    profiles: listed.length,
    chunks: files.map((f) => f.chunk),
    measureChunks: files.filter((f) => f.profiles.some((x) => x.n)).map((f) => f.chunk),
    unmeasured: notMeasured,
    startedAt,
    finishedAt: new Date().toISOString(),
  };
  await putJson(deps.files, 'profiles/plan.json', out);
  return out;
}

/** A chunk file; one written as a list of ids (before chunks were hashed) is built live. */
async function readChunk(files: RunFiles, key: string, chunk: number, what: string, runId: string): Promise<ChunkFile> {
  const f = await getJson<ChunkFile | string[]>(files, key);
  if (!f) throw new Error(`${what} chunk ${chunk} of run ${runId} is missing: run the profile plan first`);
  return Array.isArray(f) ? { chunk, profiles: f.map((id) => ({ id, n: true, live: true })), parts: [] } : f;
}

/**
 * The chunk's profiles among `targets` split in two: built from the snapshot (the plan saw them,
 * this run did not merge them, the scan saw their item) with their members, and the rest (`live`).
 */
async function chunkMembers(files: RunFiles, chunk: ChunkFile, targets: ChunkFile['profiles']): Promise<{ fromSnapshot: ProfileWithMembers[]; live: string[] }> {
  const candidates = targets.filter((t) => t.u !== undefined && !t.live);
  const want = new Set(candidates.map((t) => t.id));
  const texts = want.size ? await mapLimit(chunk.parts, 8, ([segment, start, end]) => files.getRange(membersKey(segment), start, end)) : [];
  function* lines(): Iterable<MemberLine> {
    for (const text of texts) for (const line of text.split('\n')) if (line) yield JSON.parse(line) as MemberLine;
  }
  const snapshot = groupMembers(lines(), want);
  const fromSnapshot: ProfileWithMembers[] = [];
  const live: string[] = [];
  for (const t of targets) {
    const s = want.has(t.id) ? snapshot.get(t.id) : undefined;
    if (s?.phones) fromSnapshot.push({ profileId: t.id, phones: s.phones, ...(s.pins ? { pins: s.pins } : {}), records: s.records, events: s.events, updatedAt: t.u ?? null });
    else live.push(t.id);
  }
  return { fromSnapshot, live };
}

/**
 * Measures the never-computed profiles of one chunk, before the quantiles: their metrics go to
 * `profiles/measure-<chunk>.metrics.ndjson` (nothing is saved on the table; Recompute saves them).
 */
export async function measureChunk(deps: NightlyDeps, item: { runId: string; chunk: number; failAt?: string | null }): Promise<ChunkOutput> {
  const done = await getJson<ChunkOutput>(deps.files, measureDoneKey(item.chunk));
  if (done) return { ...done, skipped: true };
  failIfAsked({ failAt: item.failAt ?? null }, 'measure');
  const startedAt = new Date().toISOString();
  const chunk = await readChunk(deps.files, chunkKey(item.chunk), item.chunk, 'measure', item.runId).catch(async (error) => {
    // A run planned before chunks were hashed listed never-computed ids apart.
    const legacy = await getJson<string[]>(deps.files, `profiles/measure-${item.chunk}.json`);
    if (!legacy) throw error;
    return { chunk: item.chunk, profiles: legacy.map((id) => ({ id, n: true as const, live: true as const })), parts: [] };
  });
  const targets = chunk.profiles.filter((x) => x.n);
  const { fromSnapshot, live } = await chunkMembers(deps.files, chunk, targets);
  const measured = await deps.profiles.measureFromMembers(
    fromSnapshot.map(({ updatedAt: _u, ...p }) => p),
    live,
  );
  await deps.files.put(measuredKey(item.chunk), measured.map((m) => JSON.stringify({ p: m.profileId, m: m.metrics })).join('\n') + (measured.length ? '\n' : ''), 'application/x-ndjson');
  const out: ChunkOutput = { chunk: item.chunk, profiles: targets.length, recomputed: measured.length, fromSnapshot: fromSnapshot.length, status: 'done', startedAt, finishedAt: new Date().toISOString() };
  await putJson(deps.files, measureDoneKey(item.chunk), out);
  return out;
}

export interface QuantilesOutput {
  computed: boolean;
  startedAt: string;
  finishedAt: string;
  skipped?: boolean;
}

/** The base quantiles of the whole base (stored metrics, and the measured ones of new profiles), for the recompute. */
export async function quantiles(deps: NightlyDeps, p: PlanOutput): Promise<QuantilesOutput> {
  const done = await getJson<{ quantiles: unknown } & QuantilesOutput>(deps.files, 'profiles/quantiles.json');
  if (done) return { computed: done.computed, startedAt: done.startedAt, finishedAt: done.finishedAt, skipped: true };
  failIfAsked(p, 'quantiles');
  const startedAt = new Date().toISOString();
  const profilesOut = await getJson<ProfilePlanOutput>(deps.files, 'profiles/plan.json');
  if (!profilesOut) throw new Error(`the profile plan of run ${p.runId} has not finished`);
  const files = deps.files;
  async function* measured(): AsyncIterable<Measured> {
    for (const n of profilesOut!.measureChunks) {
      if (!(await files.exists(measureDoneKey(n)))) throw new Error(`measure chunk ${n} of run ${p.runId} has not finished`);
      for await (const line of files.lines(measuredKey(n))) {
        if (!line) continue;
        const m = JSON.parse(line) as { p: string; m: ProfileMetrics };
        yield { profileId: m.p, metrics: m.m };
      }
    }
  }
  const q = await deps.profiles.computeBaseQuantiles(measured());
  const out = { computed: true, startedAt, finishedAt: new Date().toISOString() };
  await putJson(deps.files, 'profiles/quantiles.json', { quantiles: q, ...out });
  return out;
}

export interface ChunkOutput {
  chunk: number;
  profiles: number;
  recomputed: number;
  /** Built from the snapshot and saved as built (the rest were built from their members as they are now). */
  fromSnapshot?: number;
  status: 'done' | 'unavailable';
  note?: string;
  startedAt: string;
  finishedAt: string;
  skipped?: boolean;
}

export async function recomputeChunk(deps: NightlyDeps, item: { runId: string; chunk: number; failAt?: string | null }): Promise<ChunkOutput> {
  const done = await getJson<ChunkOutput>(deps.files, chunkDoneKey(item.chunk));
  if (done) return { ...done, skipped: true };
  failIfAsked({ failAt: item.failAt ?? null }, 'recompute');
  const startedAt = new Date().toISOString();
  const chunk = await readChunk(deps.files, chunkKey(item.chunk), item.chunk, 'profile', item.runId);
  const q = await getJson<{ quantiles: unknown }>(deps.files, 'profiles/quantiles.json');
  if (!q) throw new Error(`base quantiles of run ${item.runId} are missing: run the profile plan first`);
  const { fromSnapshot, live } = await chunkMembers(deps.files, chunk, chunk.profiles);
  const result = await deps.profiles.recomputeFromMembers(fromSnapshot, live, q.quantiles);
  const out: ChunkOutput = {
    chunk: item.chunk,
    profiles: chunk.profiles.length,
    recomputed: typeof result?.updated === 'number' ? result.updated : chunk.profiles.length,
    ...(typeof result?.fromMembers === 'number' ? { fromSnapshot: result.fromMembers } : {}),
    status: 'done',
    startedAt,
    finishedAt: new Date().toISOString(),
  };
  await putJson(deps.files, chunkDoneKey(item.chunk), out);
  return { ...out };
}

// ---- report ----

export async function report(deps: NightlyDeps, p: PlanOutput): Promise<{ reportKey: string; htmlKey: string; status: NightlyReport['status']; counts: NightlyReport['counts'] }> {
  const existing = await getJson<NightlyReport>(deps.files, 'report.json');
  if (existing && (await deps.files.exists('report.html'))) return { reportKey: 'report.json', htmlKey: 'report.html', status: existing.status, counts: existing.counts };
  failIfAsked(p, 'report');
  const startedAt = new Date().toISOString();
  const now = (deps.now ?? (() => new Date()))();
  const run = await getJson<RunFile>(deps.files, 'run.json');
  const segments = await mapLimit(p.segments, 16, async (n) => {
    const s = await getJson<SegmentStats>(deps.files, segmentDoneKey(n));
    if (!s) throw new Error(`snapshot segment ${n} of run ${p.runId} is missing`);
    return s;
  });
  const rematchOut = await getJson<RematchOutput>(deps.files, 'rematch.json');
  if (!rematchOut) throw new Error(`the re-match of run ${p.runId} has not finished`);
  const profilesOut = await getJson<ProfilePlanOutput>(deps.files, 'profiles/plan.json');
  if (!profilesOut) throw new Error(`the profile plan of run ${p.runId} has not finished`);
  const measured = await mapLimit(profilesOut.measureChunks ?? [], 16, async (n) => {
    const c = await getJson<ChunkOutput>(deps.files, measureDoneKey(n));
    if (!c) throw new Error(`measure chunk ${n} of run ${p.runId} has not finished`);
    return c;
  });
  const quantilesOut = await getJson<QuantilesOutput>(deps.files, 'profiles/quantiles.json');
  if (!quantilesOut) throw new Error(`the base quantiles of run ${p.runId} have not been computed`);
  const chunks = await mapLimit(profilesOut.chunks, 16, async (n) => {
    const c = await getJson<ChunkOutput>(deps.files, chunkDoneKey(n));
    if (!c) throw new Error(`profile chunk ${n} of run ${p.runId} has not finished`);
    return c;
  });

  const sample = new Reservoir<NightlyMerge>(SAMPLE_SIZE, p.runId);
  for await (const line of deps.files.lines('merges.ndjson')) if (line) sample.offer(JSON.parse(line) as NightlyMerge);

  const tags: Record<string, number> = {};
  let profilesAfter = 0;
  for await (const profileTags of deps.table.profileTags()) {
    profilesAfter++;
    for (const tag of profileTags) tags[tag] = (tags[tag] ?? 0) + 1;
  }

  const quality = sourceQuality(segments);
  const since = new Date(now.getTime() - 24 * 3600_000).toISOString();
  const unmerges = await deps.table.countAudit('unmerge', since);
  const reviewsPending = await deps.identity.pendingReviews();

  const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((n, x) => n + f(x), 0);
  const span = (xs: Array<{ startedAt: string; finishedAt: string }>): number | undefined =>
    xs.length ? Date.parse(xs.map((x) => x.finishedAt).sort().at(-1)!) - Date.parse(xs.map((x) => x.startedAt).sort()[0]!) : undefined;
  const unavailable = chunks.filter((c) => c.status === 'unavailable');
  const steps: Record<string, StepSummary> = {
    ...(run?.planMs !== undefined ? { plan: { status: 'done' as const, ms: run.planMs, note: `${run.profiles} profiles listed in ${run.buckets} chunks` } } : {}),
    snapshot: { status: 'done', ms: span(segments) },
    rematch: {
      status: rematchOut.applied ? 'done' : 'partial',
      ms: span([rematchOut]),
      ...(rematchOut.genericMarked ? { note: `${rematchOut.genericMarked} number(s) marked generic: seen with many people, they key nobody from now on` } : rematchOut.note ? { note: rematchOut.note } : {}),
    },
    'profile-plan': { status: 'done', ms: span([profilesOut]), note: `${profilesOut.profiles} profiles in ${profilesOut.chunks.length} chunks, ${profilesOut.unmeasured} never computed` },
    measure: { status: 'done', ms: span(measured), note: `${sum(measured, (c) => c.recomputed)} new profiles measured in ${measured.length} chunks` },
    quantiles: { status: quantilesOut.computed ? 'done' : 'unavailable', ms: span([quantilesOut]), ...(profilesOut.note ? { note: profilesOut.note } : {}) },
    recompute: {
      status: unavailable.length ? (unavailable.length === chunks.length ? 'unavailable' : 'partial') : 'done',
      ms: span(chunks),
      note: unavailable.length
        ? `${unavailable.length} of ${chunks.length} chunks not recomputed: the profiles module is not available in this build`
        : `${sum(chunks, (c) => c.recomputed)} profiles in ${chunks.length} chunks, ${sum(chunks, (c) => c.fromSnapshot ?? 0)} of them built from the snapshot (the rest changed since the plan or merged by this run: built from their members now)`,
    },
  };
  const notes = [rematchOut.note, profilesOut.note].filter((n): n is string => Boolean(n));
  const finishedAt = new Date();
  steps.report = { status: 'done', ms: finishedAt.getTime() - Date.parse(startedAt) };

  const result: NightlyReport = {
    runId: p.runId,
    status: Object.values(steps).every((s) => s.status === 'done') ? 'complete' : 'partial',
    generatedAt: finishedAt.toISOString(),
    snapshot: {
      takenAt: segments.map((s) => s.startedAt).sort()[0] ?? run?.startedAt ?? startedAt,
      segments: p.totalSegments,
      records: sum(segments, (s) => s.records),
      events: sum(segments, (s) => s.events),
      profiles: sum(segments, (s) => s.profiles),
    },
    counts: {
      records: sum(segments, (s) => s.records),
      events: sum(segments, (s) => s.events),
      profilesBefore: sum(segments, (s) => s.profiles),
      profilesWithoutNumber: sum(segments, (s) => s.profilesWithoutNumber ?? 0),
      profiles: profilesAfter,
      merges: rematchOut.merges,
      profilesMerged: rematchOut.profilesMerged,
      splits: rematchOut.splits,
      splitsApplied: rematchOut.splitsApplied ?? 0,
      unmerges,
      reviewsQueued: rematchOut.reviewsQueued,
      reviewsPending,
      profilesRecomputed: sum(chunks, (c) => c.recomputed),
    },
    mergesApplied: rematchOut.applied,
    mergesByRule: rematchOut.mergesByRule,
    mergeScores: rematchOut.mergeScores,
    mergeSample: sample.sample,
    quality,
    numberLocations: sumCounts(segments.map((s) => s.numberLocations ?? {})),
    tags,
    steps,
    notes,
  };
  await deps.files.put('report.html', renderNightlyReport(result), 'text/html; charset=utf-8');
  await putJson(deps.files, 'report.json', result);
  return { reportKey: 'report.json', htmlKey: 'report.html', status: result.status, counts: result.counts };
}

/** Per source or channel: records, events and missing fields from the snapshot, rejected rows from the imports. */
export function sourceQuality(segments: SegmentStats[]): SourceQuality[] {
  const by = new Map<string, SourceQuality>();
  const of = (source: string) => {
    let q = by.get(source);
    if (!q) by.set(source, (q = { source, records: 0, events: 0, unmappedEvents: {}, rejectedByReason: {}, invalidPhonesByReason: {}, missingFields: {} }));
    return q;
  };
  for (const s of segments) {
    for (const [channel, c] of Object.entries(s.channels ?? {})) {
      const q = of(channel);
      q.events += c.events;
      for (const [name, n] of Object.entries(c.unmapped)) q.unmappedEvents[name] = (q.unmappedEvents[name] ?? 0) + n;
    }
    for (const [source, v] of Object.entries(s.sources)) {
      const q = of(source);
      q.records += v.records;
      for (const [f, n] of Object.entries(v.missing)) q.missingFields[f] = (q.missingFields[f] ?? 0) + n;
    }
    for (const imp of s.imports) {
      const q = of(imp.source);
      for (const [reason, n] of Object.entries(imp.counts?.byReason ?? {})) {
        q.rejectedByReason[reason] = (q.rejectedByReason[reason] ?? 0) + n;
        if (reason.startsWith('phone')) q.invalidPhonesByReason[reason] = (q.invalidPhonesByReason[reason] ?? 0) + n;
      }
      // records kept without a usable number: their number's problem counts as the rejected ones' do
      for (const [reason, n] of Object.entries(imp.counts?.numberProblems ?? {})) q.invalidPhonesByReason[reason] = (q.invalidPhonesByReason[reason] ?? 0) + n;
    }
  }
  for (const q of by.values()) for (const f of MISSING_FIELDS) q.missingFields[f] ??= 0;
  return [...by.values()].sort((a, b) => cmp(a.source, b.source));
}

// ---- failure record ----

export async function recordFailure(deps: NightlyDeps, runId: string, error: { Error?: string; Cause?: string } | undefined): Promise<{ failureKey: string }> {
  let cause: unknown = error?.Cause;
  try {
    cause = typeof cause === 'string' ? JSON.parse(cause) : cause;
  } catch {
    // a plain-text cause stays as it is
  }
  const failures = (await getJson<Array<unknown>>(deps.files, 'failures.json')) ?? [];
  // `error` keeps the Step Functions shape ({Error, Cause}) that `phonekey retry` reads.
  const entry = { runId, error: { Error: error?.Error ?? 'unknown', Cause: error?.Cause ?? '' }, cause, failedAt: new Date().toISOString() };
  await putJson(deps.files, 'failures.json', [...failures, entry]);
  await putJson(deps.files, 'failure.json', entry);
  return { failureKey: 'failure.json' };
}

export type { SnapshotItem };
