/** The reports that imports and nightly runs leave (the S3 side is functions/adapters/s3-reports.ts). */
export type ReportKind = 'imports' | 'nightly';
export const REPORT_KINDS: readonly ReportKind[] = ['imports', 'nightly'];
/** The files a report may have. */
export const REPORT_FILES = ['report.html', 'report.json', 'rejects.csv'] as const;
export type ReportFile = (typeof REPORT_FILES)[number];

export interface ReportStore {
  /** Every report of a kind (its id and when its report.json was written), newest first. */
  list(kind: ReportKind): Promise<Array<{ id: string; at: string }>>;
  /** A report's file as text, or undefined when it has none. */
  read(kind: ReportKind, id: string, file: ReportFile): Promise<string | undefined>;
}
