/**
 * Reports as files a person can open: the reports bucket keeps `imports/<id>/` and
 * `nightly/<runId>/` (report.html, report.json, rejects.csv); these are copied to a local folder
 * (the local S3 store's own files have names no browser opens).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { reportStore } from '../../functions/adapters/wiring.ts';
import { REPORT_FILES, REPORT_KINDS } from '../../functions/ports/report-store.ts';

export interface ReportFiles {
  /** `imports/<id>` or `nightly/<runId>`. */
  prefix: string;
  folder: string;
  html?: string;
  files: string[];
}

/** The report prefix of an import id, a nightly run id, or `latest` (the newest report of either). */
export async function findReport(s3: S3Client, bucket: string, id: string): Promise<string | undefined> {
  const reports = reportStore(bucket, s3);
  if (id === 'latest') {
    const newest = (await Promise.all(REPORT_KINDS.map(async (kind) => ({ kind, report: (await reports.list(kind))[0] }))))
      .filter((x) => x.report)
      .sort((a, b) => (a.report!.at < b.report!.at ? 1 : -1))[0];
    return newest && `${newest.kind}/${newest.report!.id}`;
  }
  for (const kind of REPORT_KINDS) if ((await reports.read(kind, id, 'report.json')) !== undefined) return `${kind}/${id}`;
  return undefined;
}

/** Copies a report's files to `<outDir>/<prefix>/`. */
export async function downloadReport(s3: S3Client, bucket: string, prefix: string, outDir: string): Promise<ReportFiles> {
  const folder = resolve(join(outDir, prefix));
  mkdirSync(folder, { recursive: true });
  const files: string[] = [];
  for (const name of REPORT_FILES) {
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/${name}` }));
      writeFileSync(join(folder, name), await out.Body!.transformToByteArray());
      files.push(join(folder, name));
    } catch (error) {
      if ((error as Error).name !== 'NoSuchKey') throw error;
    }
  }
  return { prefix, folder, html: files.find((f) => f.endsWith('report.html')), files };
}

/** Where reports are written unless told otherwise: beside the data, in `<data folder>/reports`. */
export const reportsDirOf = (dataDir: string) => join(dataDir, 'reports');
