/**
 * The import use case: stream a file's rows through mapping and cleaning into the profile store,
 * so that every row ends stored, rejected (with its reason) or redelivered, and a retry after a
 * crash resumes after the last checkpoint without counting anything twice.
 */
import { readRows } from '../core/ingest/read-rows.ts';
import { withDetectedMapping } from '../core/ingest/headers.ts';
import { mapRow } from '../core/ingest/map-row.ts';
import { parseSourceConfig, type SourceConfig } from '../core/ingest/source-config.ts';
import { cleanIdentity } from '../core/clean/index.ts';
import { contentHash } from '../core/identity-keys.ts';
import type { CleanRecord, Problem } from '../core/model.ts';
import type { ImportCounts, ImportState, ProfileStore, RecordWrite } from '../ports/profile-store.ts';
import { renderImportReport, rejectsCsv, type Reject } from '../core/report/import-report.ts';

export interface ImportJob {
  importId: string;
  bucket: string;
  key: string;
  source: string;
  fileName: string;
  size?: number;
}

export interface ImportDeps {
  store: ProfileStore;
  /** Called after each batch of records is stored (identity resolution's match on arrival, functions/app/identity/match-on-arrival.ts). */
  onRecordsStored?(records: CleanRecord[], outcomes: Awaited<ReturnType<ProfileStore['writeRecords']>>): Promise<unknown>;
  /** The file's bytes, streamed. */
  open(): Promise<AsyncIterable<Uint8Array>>;
  /** Writes one report file next to the others of this import. */
  putReport(name: string, body: string, contentType: string): Promise<string>;
  sourceConfig?: unknown;
  batchSize?: number;
  log?: (message: string, detail?: Record<string, unknown>) => void;
}

/** Rejected rows kept for the report and the rejects file; the counts cover all of them. */
const MAX_REJECTS_KEPT = 10_000;

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
  const state = await store.beginImport({ importId: job.importId, bucket: job.bucket, key: job.key, source: job.source, size: job.size });
  if (state.status !== 'running') return state; // a redelivered notification for a finished import

  const counts: ImportCounts = structuredClone(state.counts);
  const resumeAfter = state.rowsDone;
  const rejects: Reject[] = [];
  let bytesRead = 0;
  let rowsDone = resumeAfter;
  let batch: Array<{ rowNumber: number; write: RecordWrite }> = [];
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

  const flush = async () => {
    if (!batch.length) return;
    const outcomes = await store.writeRecords(batch.map((b) => b.write));
    if (batch.length && deps.onRecordsStored) await deps.onRecordsStored(batch.map((b) => b.write.record), outcomes.slice()); // identity: match on arrival
    const touched = new Set<string>();
    for (const outcome of outcomes) {
      if (outcome.kind === 'redelivered') counts.redelivered++;
      else {
        counts.stored++;
        if (outcome.newProfile) counts.newProfiles += touched.has(outcome.profileId) ? 0 : 1;
        else if (!touched.has(outcome.profileId)) counts.updatedProfiles++;
        touched.add(outcome.profileId);
      }
    }
    batch = [];
    await store.checkpointImport(job.importId, { rowsDone, bytesRead, counts });
  };

  try {
    let config: SourceConfig = parseSourceConfig(deps.sourceConfig ?? { name: job.source });
    let mappingChecked = false;
    const body = countingStream(await deps.open(), (n) => (bytesRead += n));
    for await (const row of readRows(body, { fileName: job.fileName, format: config.format, encoding: config.encoding, sheet: config.sheet, delimiter: config.delimiter })) {
      if ('problem' in row && row.problem.code.startsWith('file.')) throw new FileProblem(row.problem);
      if (!mappingChecked && 'fields' in row) {
        config = requirePhoneColumn(withDetectedMapping(config, Object.keys(row.fields)), Object.keys(row.fields));
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
      const mapped = mapRow(row.fields, config, { fileName: job.fileName, rowNumber: row.rowNumber });
      if ('problem' in mapped) {
        reject(row.rowNumber, mapped.problem, row.fields);
        continue;
      }
      const cleaned = cleanIdentity(mapped.identity, {
        source: job.source,
        recordId: mapped.recordId,
        defaultCountry: config.defaultCountry as never,
        defaultAreaCode: config.defaultAreaCode,
        dateOrder: config.dateOrder,
      });
      if (!cleaned.record.phones.length) {
        const phoneProblem = cleaned.problems.find((p) => p.field === 'phone' || p.field === 'phones');
        reject(row.rowNumber, phoneProblem ?? { code: 'phone.missing', message: 'the row has no phone number', field: 'phone' }, row.fields);
        continue;
      }
      if (replaying) continue; // stored (or redelivered) and counted by the attempt that crashed
      const raw = storableRow(row.fields);
      batch.push({ rowNumber: row.rowNumber, write: { record: cleaned.record, raw, hash: contentHash({ record: cleaned.record, raw }) } });
      if (batch.length >= batchSize) await flush();
    }
    if (!mappingChecked && !counts.read) throw new FileProblem({ code: 'file.empty', message: `${job.fileName} has no rows` });
    await flush();
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error; // storage trouble: let the platform retry and resume
    deps.log?.('import failed', { importId: job.importId, code: error.problem.code });
    const reportKey = await writeReports(job, deps, { ...state, counts, rowsDone, bytesRead, status: 'failed', error: error.message }, rejects);
    await store.finishImport(job.importId, { status: 'failed', counts, rowsDone, bytesRead, reportKey, error: error.message });
    return { ...state, status: 'failed', counts, rowsDone, bytesRead, reportKey, error: error.message };
  }

  const finished: ImportState = { ...state, status: 'done', counts, rowsDone, bytesRead };
  finished.reportKey = await writeReports(job, deps, finished, rejects);
  await store.finishImport(job.importId, { status: 'done', counts, rowsDone, bytesRead, reportKey: finished.reportKey });
  return finished;
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

/** Profiles are keyed by phone: a file with no phone column is refused before anything is written. */
function requirePhoneColumn(config: SourceConfig, headers: string[]): SourceConfig {
  if (config.fields?.phone || config.fields?.phones) return config;
  throw new FileProblem({
    code: 'file.no_phone_column',
    message: `no phone column among the headers (${headers.join(', ')}): name one with "fields.phone" in the source config`,
  });
}

async function writeReports(job: ImportJob, deps: ImportDeps, state: ImportState, rejects: Reject[]): Promise<string> {
  const report = { importId: job.importId, source: job.source, file: job.key, status: state.status, error: state.error, counts: state.counts, rejectsSample: rejects.slice(0, 20) };
  await deps.putReport('rejects.csv', rejectsCsv(rejects), 'text/csv; charset=utf-8');
  await deps.putReport('report.html', renderImportReport(report), 'text/html; charset=utf-8');
  return deps.putReport('report.json', JSON.stringify(report, null, 2), 'application/json');
}
