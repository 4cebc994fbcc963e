/**
 * A file too large for one function run, imported by Step Functions (lib/stack/import-fanout.ts):
 *
 *   Split  — reads the file once with the same readers (`readRows`), resolves the mapping from its
 *            headers, and writes its rows as NDJSON chunk objects of `chunkRows` rows each
 *            (functions/core/ingest/chunks.ts) under `fanout/<importId>/` in the raw bucket;
 *   Map    — each chunk is imported by `importFile` itself (same mapping, cleaning, store writes,
 *            checkpoints and resume), as its own import `<importId>-c<n>`, with the original row
 *            numbers;
 *   Finish — adds the chunks' counts up into the file's import and writes its report, rejects.csv
 *            merged from the chunks'.
 * Every step can run again (Step Functions retries): chunks are rewritten with the same content,
 * a chunk import resumes after its checkpoint, and the finish step only reads.
 */
import { readRows } from '../core/ingest/read-rows.ts';
import { withDetectedMapping } from '../core/ingest/headers.ts';
import { decodeChunk, encodeChunkHeader, encodeChunkRow } from '../core/ingest/chunks.ts';
import { parseSourceConfig, type SourceConfig } from '../core/ingest/source-config.ts';
import { renderImportReport, type Reject } from '../core/report/import-report.ts';
import { addCounts, emptyCounts } from '../core/report/import-counts.ts';
import type { ImportCounts, ImportState, ProfileStore } from '../ports/profile-store.ts';
import { columnsOf, FileProblem, importBeginning, importFile, requireIdentityColumn, writeReports, type ImportDeps, type ImportJob } from './import-file.ts';

export interface ChunkRef {
  chunk: number;
  key: string;
  firstRow: number;
  rows: number;
}

export const chunkImportId = (importId: string, chunk: number) => `${importId}-c${chunk}`;

export interface SplitDeps {
  store: ProfileStore;
  open(): Promise<AsyncIterable<Uint8Array>>;
  sourceConfig?: unknown;
  chunkRows: number;
  /** Writes one chunk object; returns its key. */
  putChunk(chunk: number, body: string): Promise<string>;
  putReport(name: string, body: string, contentType: string): Promise<string>;
}

/** Split step. A file-level problem fails the import here, before any row is stored. */
export async function splitImport(job: ImportJob, deps: SplitDeps): Promise<{ status: ImportState['status']; chunks: ChunkRef[] }> {
  const state = await deps.store.beginImport(importBeginning(job));
  if (state.status !== 'running') return { status: state.status, chunks: [] };
  const chunks: ChunkRef[] = [];
  let config: SourceConfig | undefined;
  let lines: string[] = [];
  let firstRow = 0;
  let read = 0;
  const put = async () => {
    if (!lines.length) return;
    const chunk = chunks.length + 1;
    const body = encodeChunkHeader({ chunk, firstRow, config }) + '\n' + lines.join('\n') + '\n';
    chunks.push({ chunk, key: await deps.putChunk(chunk, body), firstRow, rows: lines.length });
    lines = [];
  };
  try {
    let base = parseSourceConfig(deps.sourceConfig ?? { name: job.source });
    const rows = readRows(await deps.open(), { fileName: job.fileName, format: base.format, encoding: base.encoding, sheet: base.sheet, delimiter: base.delimiter, skipRows: base.skipRows });
    for await (const row of rows) {
      if ('problem' in row && row.problem.code.startsWith('file.')) throw new FileProblem(row.problem);
      if (!config && 'fields' in row) config = base = requireIdentityColumn(withDetectedMapping(base, columnsOf(row.fields)), Object.keys(row.fields));
      if (!lines.length) firstRow = row.rowNumber;
      lines.push(encodeChunkRow(row));
      read++;
      if (lines.length >= deps.chunkRows) await put();
    }
    config ??= base;
    if (!read) throw new FileProblem({ code: 'file.empty', message: `${job.fileName} has no rows` });
    await put();
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error;
    const counts = state.counts;
    const reportKey = await writeReports(job, deps, { status: 'failed', error: error.message, counts }, []);
    await deps.store.finishImport(job.importId, { status: 'failed', counts, rowsDone: 0, bytesRead: 0, reportKey, error: error.message });
    return { status: 'failed', chunks: [] };
  }
  return { status: 'running', chunks };
}

export interface ChunkDeps {
  store: ProfileStore;
  /** The chunk object's bytes. */
  open(): Promise<AsyncIterable<Uint8Array>>;
  /** Writes one report file of this chunk (`imports/<importId>/chunks/<n>/<name>`). */
  putReport(name: string, body: string, contentType: string): Promise<string>;
  batchSize?: number;
  /** As for a direct import: identity resolution's match on arrival, after each stored batch. */
  onRecordsStored?: ImportDeps['onRecordsStored'];
  standing?: ImportDeps['standing'];
}

/** Map step: one chunk, imported like a file of its own. Returns its counts (small: the Map collects them). */
export async function importChunk(job: ImportJob, ref: ChunkRef, deps: ChunkDeps): Promise<{ chunk: number; status: string; counts: ImportCounts }> {
  const { header, rows } = await decodeChunk(await deps.open());
  const state = await importFile(
    { ...job, importId: chunkImportId(job.importId, ref.chunk) },
    { store: deps.store, rows, sourceConfig: header.config, putReport: deps.putReport, batchSize: deps.batchSize, onRecordsStored: deps.onRecordsStored, standing: deps.standing },
  );
  return { chunk: ref.chunk, status: state.status, counts: state.counts };
}

export interface FinishDeps {
  store: ProfileStore;
  /** A report file of one chunk, as text (undefined when it is missing). */
  chunkReport(chunk: number, name: string): Promise<string | undefined>;
  putReport(name: string, body: string, contentType: string): Promise<string>;
}

/**
 * Finish step: the file's import from its chunks'. `failure` is the error of a failed Map (its
 * retries exhausted): the import is then failed, with the counts of what the chunks did.
 * New/updated profiles are summed over chunks, so a person touched by two chunks counts in both.
 */
export async function finishFanout(job: ImportJob, chunks: ChunkRef[], deps: FinishDeps, failure?: { Error?: string; Cause?: string }): Promise<ImportState> {
  const state = await deps.store.getImport(job.importId);
  if (!state) throw new Error(`no import ${job.importId}`);
  if (state.status !== 'running') return state; // failed at the split, or a finish that ran before
  const counts = emptyCounts();
  const sample: Reject[] = [];
  const rejectBodies: string[] = [];
  let rowsDone = 0;
  const unfinished: number[] = [];
  for (const ref of chunks) {
    const chunkState = await deps.store.getImport(chunkImportId(job.importId, ref.chunk));
    if (chunkState?.status !== 'done') unfinished.push(ref.chunk);
    if (!chunkState) continue;
    addCounts(counts, chunkState.counts);
    rowsDone = Math.max(rowsDone, chunkState.rowsDone);
    const report = await deps.chunkReport(ref.chunk, 'report.json');
    if (report) sample.push(...((JSON.parse(report) as { rejectsSample?: Reject[] }).rejectsSample ?? []));
    const csv = await deps.chunkReport(ref.chunk, 'rejects.csv');
    if (csv) {
      const body = csv.replace(/^\uFEFF/, '');
      const nl = body.indexOf('\r\n');
      if (nl >= 0 && nl + 2 < body.length) rejectBodies.push(body.slice(nl + 2));
    }
  }
  const status: ImportState['status'] = failure || unfinished.length ? 'failed' : 'done';
  const error = failure
    ? `the fan-out failed: ${failure.Error ?? 'error'}${failure.Cause ? `: ${failure.Cause}` : ''}`
    : unfinished.length
      ? `chunks ${unfinished.join(', ')} did not finish`
      : undefined;
  const report = { importId: job.importId, source: job.source, file: job.key, status, error, counts, rejectsSample: sample.slice(0, 20), chunks: chunks.length };
  await deps.putReport('rejects.csv', '\uFEFF' + ['row', 'reason', 'field', 'message', 'original'].join(',') + '\r\n' + rejectBodies.join(''), 'text/csv; charset=utf-8');
  await deps.putReport('report.html', renderImportReport(report), 'text/html; charset=utf-8');
  const reportKey = await deps.putReport('report.json', JSON.stringify(report, null, 2), 'application/json');
  await deps.store.finishImport(job.importId, { status, counts, rowsDone, bytesRead: job.size ?? 0, reportKey, ...(error ? { error } : {}) });
  return { ...state, status, counts, rowsDone, reportKey, ...(error ? { error } : {}) };
}
