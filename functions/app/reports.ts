/**
 * The reports imports and nightly runs leave, listed newest first with the figures a steward
 * scans (GET /v1/reports, the console's Reports page), and each report's files.
 */
import { mapLimit } from '../core/map-limit.ts';
import { REPORT_FILES, REPORT_KINDS, type ReportFile, type ReportKind, type ReportStore } from '../ports/report-store.ts';

export interface ReportSummary {
  kind: ReportKind;
  id: string;
  /** When its report.json was written. */
  at: string;
  status?: string;
  /** An import's source and file. */
  source?: string;
  file?: string;
  /** The report's counts (an import's read/stored/…; a run's records/profiles/merges/…), numbers only. */
  counts: Record<string, number>;
}

export class ReportRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportRequestError';
  }
}

export function reportKind(text: string | undefined): ReportKind {
  if (!REPORT_KINDS.includes(text as ReportKind)) throw new ReportRequestError(`kind must be one of ${REPORT_KINDS.join(', ')}, not "${text ?? ''}"`);
  return text as ReportKind;
}

export function reportFile(text: string | undefined): ReportFile {
  if (!REPORT_FILES.includes(text as ReportFile)) throw new ReportRequestError(`file must be one of ${REPORT_FILES.join(', ')}, not "${text ?? ''}"`);
  return text as ReportFile;
}

/** The newest `limit` reports of a kind, each summarized from its report.json. */
export async function listReports(store: ReportStore, kind: ReportKind, limit: number): Promise<ReportSummary[]> {
  const newest = (await store.list(kind)).slice(0, limit);
  return mapLimit(newest, 8, async ({ id, at }) => summarize(kind, id, at, await store.read(kind, id, 'report.json')));
}

function summarize(kind: ReportKind, id: string, at: string, text: string | undefined): ReportSummary {
  let report: Record<string, unknown> = {};
  try {
    report = text ? JSON.parse(text) : {};
  } catch {
    // a report that cannot be read is still listed, without figures
  }
  const counts = Object.fromEntries(Object.entries((report.counts as Record<string, unknown>) ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number'));
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    kind,
    id,
    at,
    counts,
    ...(str(report.status) ? { status: str(report.status) } : {}),
    ...(str(report.source) ? { source: str(report.source) } : {}),
    ...(str(report.file) ? { file: str(report.file) } : {}),
  };
}
