/**
 * The import use case: stream a file's rows through mapping and cleaning into the profile store,
 * so that every row ends stored, rejected (with its reason) or redelivered, and a retry after a
 * crash resumes after the last checkpoint without counting anything twice.
 */
import { idTooLong } from '../core/id-limits.ts';
import { readRows, type RowResult } from '../core/ingest/read-rows.ts';
import { withDetectedMapping } from '../core/ingest/headers.ts';
import { mapRow } from '../core/ingest/map-row.ts';
import { parseSourceConfig, type SourceConfig } from '../core/ingest/source-config.ts';
import { cleanIdentity, describesSomeone } from '../core/clean/index.ts';
import { contentHash } from '../core/identity-keys.ts';
import { defaultTaxonomy, eventIdFor, parseDateTime, taxonomyOffset } from '../core/events/index.ts';
import { eventWrite, validateMapped } from './event-write.ts';
import type { CleanRecord, Consent, Problem } from '../core/model.ts';
import type { MappedEvent } from '../core/ingest/map-row.ts';
import { emptyCounts } from '../core/report/import-counts.ts';
import type { EventWrite, ImportCounts, ImportState, ProfileStore, RecordWrite, StoredOutcome } from '../ports/profile-store.ts';
import { storeEvents, storeRecords } from './identity/arrive.ts';
import type { StandingPolicy } from '../core/identity/index.ts';
import { renderImportReport, rejectsCsv, type Reject, type Warning } from '../core/report/import-report.ts';
import { suppressedProblem } from '../core/privacy/suppression.ts';

/** What the rejects file shows instead of an erased person's row. */
const WITHHELD = '(withheld: the number belongs to an erased person)';

export interface ImportJob {
  importId: string;
  bucket: string;
  key: string;
  source: string;
  fileName: string;
  size?: number;
  /** The object version the S3 event named; every read of the file (and of its chunks' source) uses it. */
  versionId?: string;
  /** The object's ETag, kept on the import: a retry resumes it only for the same content. */
  etag?: string;
  /** Imported in chunks by the fan-out state machine, which re-runs a failed chunk itself. */
  fanout?: boolean;
}

/** What an import's state records of its job when it begins. */
export const importBeginning = (job: ImportJob) => ({ importId: job.importId, bucket: job.bucket, key: job.key, source: job.source, size: job.size, etag: job.etag, versionId: job.versionId, fanout: job.fanout });

export interface ImportDeps {
  store: ProfileStore;
  /** Called after each batch of records is stored (identity resolution's match on arrival, functions/app/identity/match-on-arrival.ts). */
  onRecordsStored?(records: CleanRecord[], outcomes: StoredOutcome[]): Promise<unknown>;
  /** The file's bytes, streamed. */
  open?(): Promise<AsyncIterable<Uint8Array>>;
  /** Rows already read (a chunk of a fanned-out import, see ./import-fanout.ts): used instead of `open`. */
  rows?: AsyncIterable<RowResult>;
  /** Writes one report file next to the others of this import. */
  putReport(name: string, body: string, contentType: string): Promise<string>;
  sourceConfig?: unknown;
  /** The standing policy of the match rules in force (default: the shipped rules'). */
  standing?: StandingPolicy;
  batchSize?: number;
  log?: (message: string, detail?: Record<string, unknown>) => void;
}

/** Rejected rows kept for the report and the rejects file; the counts cover all of them. */
const MAX_REJECTS_KEPT = 10_000;
/** Warnings shown in the report by example; the counts cover all of them. */
const MAX_WARNINGS_KEPT = 20;

/** A file-level problem: the import fails as a whole and nothing is written. */
export class FileProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
  }
}

function countingStream(source: AsyncIterable<Uint8Array>, onBytes: (n: number) => void): AsyncIterable<Uint8Array> {
  return (async function* () {
    for await (const chunk of source) {
      onBytes(chunk.length);
      yield chunk;
    }
  })();
}

export async function importFile(job: ImportJob, deps: ImportDeps): Promise<ImportState> {
  const { store } = deps;
  const state = await store.beginImport(importBeginning(job));
  if (state.status !== 'running') return state; // a redelivered notification for a finished import

  // `counts` moves as rows are read (read, rejected, byReason); `written` as batches reach the table
  // (stored, redelivered, new/updated profiles). A checkpoint joins the two as of its last row.
  const counts: ImportCounts = { ...emptyCounts(), ...structuredClone(state.counts) };
  const written = { stored: counts.stored, withoutNumber: counts.withoutNumber, redelivered: counts.redelivered, newProfiles: counts.newProfiles, updatedProfiles: counts.updatedProfiles };
  const resumeAfter = state.rowsDone;
  const rejects: Reject[] = [];
  const warnings: Warning[] = [];
  let bytesRead = 0;
  let rowsDone = resumeAfter;
  let batch: Array<{ rowNumber: number; write: RecordWrite }> = [];
  /** Rows that are behaviour events (`events` in the source config), stored as EVT# items. */
  let eventBatch: EventWrite[] = [];
  const batchSize = deps.batchSize ?? 500;

  // Rows up to `resumeAfter` were handled and counted by an attempt that crashed; they are replayed
  // through mapping and cleaning only to recover their rejects for the report, never counted or stored again.
  let replaying = false;
  const reject = (rowNumber: number, problem: Problem & { field?: string }, raw: unknown) => {
    if (!replaying) {
      counts.rejected++;
      counts.byReason[problem.code] = (counts.byReason[problem.code] ?? 0) + 1;
    }
    if (rejects.length < MAX_REJECTS_KEPT) rejects.push({ rowNumber, code: problem.code, message: problem.message, field: problem.field, raw });
  };

  // One batch is written while the next is read, mapped and cleaned (the table and the parser
  // work at the same time); writes and checkpoints stay in row order, one batch in flight at most.
  let inFlight: Promise<void> | undefined;
  const writeBatch = async (batch: Array<{ rowNumber: number; write: RecordWrite }>, events: EventWrite[], progress: { rowsDone: number; bytesRead: number; counts: ImportCounts }) => {
    const outcomes = batch.length ? await storeRecords(store, batch.map((b) => b.write), deps.standing) : [];
    if (batch.length && deps.onRecordsStored) await deps.onRecordsStored(batch.map((b) => b.write.record), outcomes.slice()); // identity: match on arrival
    if (events.length) outcomes.push(...((await storeEvents(store, events, { policy: deps.standing })) as StoredOutcome[]));
    const touched = new Set<string>();
    for (const outcome of outcomes) {
      if (outcome.kind === 'redelivered') written.redelivered++;
      else {
        written.stored++;
        if (outcome.apart?.reason === 'no-number') written.withoutNumber++;
        if (outcome.newProfile) written.newProfiles += touched.has(outcome.profileId) ? 0 : 1;
        else if (!touched.has(outcome.profileId)) written.updatedProfiles++;
        touched.add(outcome.profileId);
      }
    }
    await store.checkpointImport(job.importId, { rowsDone: progress.rowsDone, bytesRead: progress.bytesRead, counts: { ...progress.counts, ...written } });
  };
  // Erased people stay erased (docs/security.md): one batched suppression check per batch; their
  // rows end rejected as phone.suppressed, and the rejects file withholds the original row.
  const eventRows = new WeakMap<EventWrite, number>();
  const dropSuppressed = async () => {
    const blocked = await store.isSuppressed([...batch, ...eventBatch].flatMap((b) => ('write' in b ? b.write.record : b.record).phones));
    if (!blocked.size) return;
    const hit = (phones: string[]) => phones.some((p) => blocked.has(p));
    batch = batch.filter((b) => !hit(b.write.record.phones) || (reject(b.rowNumber, suppressedProblem(), WITHHELD), false));
    eventBatch = eventBatch.filter((e) => !hit(e.record.phones) || (reject(eventRows.get(e) ?? 0, suppressedProblem(), WITHHELD), false));
  };
  const flush = async (opts: { wait?: boolean } = {}) => {
    if (batch.length || eventBatch.length) {
      await dropSuppressed();
      const progress = { rowsDone, bytesRead, counts: { ...counts, byReason: { ...counts.byReason }, numberProblems: { ...counts.numberProblems }, warnings: { ...counts.warnings } } };
      const records = batch;
      const events = eventBatch;
      batch = [];
      eventBatch = [];
      await inFlight;
      inFlight = writeBatch(records, events, progress);
      inFlight.catch(() => {}); // awaited (and thrown) at the next flush; this only marks it handled
    }
    if (opts.wait) await inFlight;
  };

  try {
    let config: SourceConfig = parseSourceConfig(deps.sourceConfig ?? { name: job.source });
    let mappingChecked = false;
    const rows =
      deps.rows ??
      readRows(countingStream(await deps.open!(), (n) => (bytesRead += n)), {
        fileName: job.fileName,
        format: config.format,
        encoding: config.encoding,
        sheet: config.sheet,
        delimiter: config.delimiter,
        skipRows: config.skipRows,
      });
    for await (const row of rows) {
      if ('problem' in row && row.problem.code.startsWith('file.')) throw new FileProblem(row.problem);
      if (!mappingChecked && 'fields' in row) {
        config = requireIdentityColumn(withDetectedMapping(config, columnsOf(row.fields)), Object.keys(row.fields));
        mappingChecked = true;
      }
      replaying = row.rowNumber <= resumeAfter;
      if (!replaying) {
        counts.read++;
        rowsDone = row.rowNumber;
      }
      if ('problem' in row) {
        reject(row.rowNumber, row.problem, row.raw);
        continue;
      }
      const unstorable = unstorableRow(row.rowNumber, row.fields);
      if (unstorable) {
        reject(row.rowNumber, unstorable, { [unstorable.field ?? 'row']: '(too large or too deep to keep)' });
        continue;
      }
      const mapped = mapRow(row.fields, config, { fileName: job.fileName, rowNumber: row.rowNumber });
      if ('problem' in mapped) {
        reject(row.rowNumber, mapped.problem, row.fields);
        continue;
      }
      const longId = mapped.event ? undefined : idTooLong(mapped.recordId, 'row');
      if (longId) {
        reject(row.rowNumber, longId, row.fields);
        continue;
      }
      const cleaned = cleanIdentity(mapped.identity, {
        source: job.source,
        recordId: mapped.recordId,
        defaultCountry: config.defaultCountry as never,
        defaultAreaCode: config.defaultAreaCode,
        dateOrder: config.dateOrder,
      });
      // A record or event without a usable number is still a customer's when something else says who.
      const numberless = !cleaned.record.phones.length;
      if (numberless && !describesSomeone(cleaned.record)) {
        reject(row.rowNumber, NO_IDENTITY, row.fields);
        continue;
      }
      if (!replaying) {
        if (numberless) {
          const code = cleaned.problems.find(isPhone)?.code ?? 'phone.missing';
          counts.numberProblems[code] = (counts.numberProblems[code] ?? 0) + 1;
        }
        // a field that could not be read is left out of a kept row: said, never silently
        for (const p of cleaned.problems) {
          if (isPhone(p)) continue;
          const key = `${p.field}: ${p.code}`;
          counts.warnings[key] = (counts.warnings[key] ?? 0) + 1;
          if (warnings.length < MAX_WARNINGS_KEPT) warnings.push({ rowNumber: row.rowNumber, field: p.field, code: p.code, message: p.message });
        }
      }
      if (mapped.consent) cleaned.record.consent = consentOf(mapped.consent, job.source, config.timezone);
      if (mapped.event) {
        const event = eventOf(job.source, mapped.event, cleaned.record, config.timezone);
        if ('problem' in event) {
          reject(row.rowNumber, event.problem, row.fields);
          continue;
        }
        if (replaying) continue;
        eventBatch.push(event);
        eventRows.set(event, row.rowNumber);
      } else {
        if (replaying) continue; // stored (or redelivered) and counted by the attempt that crashed
        const raw = storableRow(row.fields);
        batch.push({ rowNumber: row.rowNumber, write: { record: cleaned.record, raw, hash: contentHash({ record: cleaned.record, raw }) } });
      }
      if (batch.length + eventBatch.length >= batchSize) await flush();
    }
    if (!mappingChecked && !counts.read) throw new FileProblem({ code: 'file.empty', message: `${job.fileName} has no rows` });
    await flush({ wait: true });
    Object.assign(counts, written);
  } catch (error) {
    if (!(error instanceof FileProblem)) {
      await inFlight?.catch(() => {}); // never leave a write running behind a failed import
      throw error; // storage trouble: let the platform retry and resume
    }
    // Rows read whole before the file went wrong (cut short, unclosed) are good rows: they are
    // written, so read = stored + rejected + redelivered holds for a failed import too. Storage
    // trouble here is thrown like any other, and the retry resumes after the last checkpoint.
    await flush({ wait: true });
    Object.assign(counts, written);
    deps.log?.('import failed', { importId: job.importId, code: error.problem.code });
    const reportKey = await writeReports(job, deps, { ...state, counts, rowsDone, bytesRead, status: 'failed', error: error.message }, rejects, warnings);
    await store.finishImport(job.importId, { status: 'failed', counts, rowsDone, bytesRead, reportKey, error: error.message });
    return { ...state, status: 'failed', counts, rowsDone, bytesRead, reportKey, error: error.message };
  }

  const finished: ImportState = { ...state, status: 'done', counts, rowsDone, bytesRead };
  finished.reportKey = await writeReports(job, deps, finished, rejects, warnings);
  await store.finishImport(job.importId, { status: 'done', counts, rowsDone, bytesRead, reportKey: finished.reportKey });
  return finished;
}

/**
 * A row that is a behaviour event → the event as webhooks store it (`EVT#<source>#<eventId>`),
 * validated against the taxonomy. Its id, so that the same order never counts twice: the
 * configured `events.eventId`, else for a purchase-like event its `order_id` (with `#<product_id>`
 * when the row is one line of the order), else a hash of source + tag + attributes + time + phone
 * (the same row uploaded again, in any file, hashes the same).
 */
function eventOf(source: string, mapped: MappedEvent, record: CleanRecord, timeZone: string | undefined): EventWrite | { problem: Problem } {
  const valid = validateMapped(mapped, timeZone);
  if (!valid.ok) return { problem: valid.problem };
  const { attributes } = valid.event;
  const orderId = typeof attributes.order_id === 'string' || typeof attributes.order_id === 'number' ? String(attributes.order_id) : '';
  const productId = typeof attributes.product_id === 'string' || typeof attributes.product_id === 'number' ? String(attributes.product_id) : '';
  const derived = orderId ? (productId ? `${orderId}#${productId}` : orderId) : undefined;
  const eventId = mapped.eventId
    ? mapped.eventId
    : (derived ?? eventIdFor(source, { tag: valid.event.tag, attributes, occurredAt: valid.event.occurredAt ?? null, phone: record.phones[0] }));
  const longId = idTooLong(eventId, 'event');
  if (longId) return { problem: longId };
  return eventWrite(source, eventId, { ...record, recordId: eventId }, valid.event, mapped.nativeName);
}

/** Consent as the row gave it, stamped with its source; `at` as ISO 8601 when it reads as a time. */
function consentOf(given: Record<string, Consent>, source: string, timeZone: string | undefined): Record<string, Consent> {
  const out: Record<string, Consent> = {};
  for (const [channel, c] of Object.entries(given)) {
    const entry: Consent = { granted: c.granted, source };
    if (c.at) {
      const at = parseDateTime(c.at, timeZone ?? taxonomyOffset(defaultTaxonomy));
      if (at.ok) entry.at = at.iso;
    }
    out[channel] = entry;
  }
  return out;
}

/** A stored record holds the raw row and its cleaned copy in one DynamoDB item (at most 400 KB, 32 levels deep). */
const MAX_ROW_BYTES = 180 * 1024;
const MAX_ROW_DEPTH = 24;

/**
 * A row DynamoDB cannot hold (a huge cell, deeply nested JSON) is rejected alone: written with its
 * batch it would fail the batch, then every retry of the file, and the file would dead-letter.
 */
function unstorableRow(rowNumber: number, fields: Record<string, unknown>): (Problem & { field?: string }) | undefined {
  const depth = (v: unknown, d: number): number => {
    if (d > MAX_ROW_DEPTH || v === null || typeof v !== 'object') return d;
    let max = d;
    for (const x of Object.values(v as object)) max = Math.max(max, depth(x, d + 1));
    return max;
  };
  if (depth(fields, 0) > MAX_ROW_DEPTH) return { code: 'row.too_deep', message: `row ${rowNumber}: nested more than ${MAX_ROW_DEPTH} levels deep, more than a stored record can hold` };
  const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? '');
  const total = size(fields);
  if (total <= MAX_ROW_BYTES) return undefined;
  const [field] = Object.entries(fields).reduce((a, b) => (size(b[1]) > size(a[1]) ? b : a));
  return { code: 'row.too_large', message: `row ${rowNumber}: ${Math.ceil(total / 1024)} KB, more than a stored record can hold (${MAX_ROW_BYTES / 1024} KB); the largest field is "${field}"`, field };
}

/**
 * The raw row as it can be stored: XLSX cells that Excel stores as dates arrive as Date objects,
 * which DynamoDB cannot hold (the marshaller throws, failing the whole file); they are kept as ISO text.
 */
function storableRow(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(fields)) {
    if (!(value instanceof Date)) continue;
    out ??= { ...fields };
    out[name] = Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  }
  return out ?? fields;
}

/**
 * The keys of a first row that header detection may read as columns: a JSON record's nested
 * objects (`order`, `customer`) are never one, so `order` is not taken for an order-id column.
 */
export function columnsOf(fields: Record<string, unknown>): string[] {
  return Object.keys(fields).filter((k) => {
    const v = fields[k];
    return v === null || typeof v !== 'object' || v instanceof Date;
  });
}

/** The fields that say who a record is, when its number cannot. */
const IDENTIFYING = ['phone', 'phones', 'name', 'email', 'memberId'] as const;

/** A file with no column that says who its rows are is refused before anything is written. */
export function requireIdentityColumn(config: SourceConfig, headers: string[]): SourceConfig {
  if (IDENTIFYING.some((f) => config.fields?.[f]) || Object.keys(config.externalIds ?? {}).length) return config;
  throw new FileProblem({
    code: 'file.no_identity_column',
    message: `no phone, name, e-mail, member id or external id column among the headers (${headers.join(', ')}): name one with "fields.phone" (or "fields.name", …) in the source config`,
  });
}

/** A problem of the record's numbers (the other fields' problems are warnings). */
const isPhone = (p: { field: string }) => p.field === 'phone' || p.field === 'phones';

const NO_IDENTITY = { code: 'row.no_identity', message: 'the row has no usable phone, name, e-mail, member id, external id, birth date or address: nothing says who it is', field: 'phone' };

export async function writeReports(job: ImportJob, deps: Pick<ImportDeps, 'putReport'>, state: Pick<ImportState, 'status' | 'error' | 'counts'> & Partial<ImportState>, rejects: Reject[], warnings: Warning[] = []): Promise<string> {
  const report = { importId: job.importId, source: job.source, file: job.key, status: state.status, error: state.error, counts: state.counts, rejectsSample: rejects.slice(0, 20), warningsSample: warnings };
  await deps.putReport('rejects.csv', rejectsCsv(rejects), 'text/csv; charset=utf-8');
  await deps.putReport('report.html', renderImportReport(report), 'text/html; charset=utf-8');
  return deps.putReport('report.json', JSON.stringify(report, null, 2), 'application/json');
}
