/**
 * Reports as files a person can open: the reports bucket keeps `imports/<id>/` and
 * `nightly/<runId>/` (report.html, report.json, rejects.csv); these are copied to a local folder
 * (the local S3 store's own files have names no browser opens).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

const KINDS = ['imports', 'nightly'] as const;
const FILES = ['report.html', 'report.json', 'rejects.csv'];

export interface ReportFiles {
  /** `imports/<id>` or `nightly/<runId>`. */
  prefix: string;
  folder: string;
  html?: string;
  files: string[];
}

async function keysUnder(s3: S3Client, bucket: string, prefix: string): Promise<Array<{ key: string; modified: number }>> {
  const keys: Array<{ key: string; modified: number }> = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) keys.push({ key: o.Key!, modified: o.LastModified?.getTime() ?? 0 });
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/** The report prefix of an import id, a nightly run id, or `latest` (the newest report of either). */
export async function findReport(s3: S3Client, bucket: string, id: string): Promise<string | undefined> {
  if (id === 'latest') {
    const reports = (await Promise.all(KINDS.map((k) => keysUnder(s3, bucket, `${k}/`)))).flat().filter((o) => o.key.endsWith('/report.json'));
    const newest = reports.sort((a, b) => b.modified - a.modified)[0];
    return newest?.key.slice(0, -'/report.json'.length);
  }
  for (const kind of KINDS) {
    if ((await keysUnder(s3, bucket, `${kind}/${id}/report.json`)).length) return `${kind}/${id}`;
  }
  return undefined;
}

/** Copies a report's files to `<outDir>/<prefix>/`. */
export async function downloadReport(s3: S3Client, bucket: string, prefix: string, outDir: string): Promise<ReportFiles> {
  const folder = resolve(join(outDir, prefix));
  mkdirSync(folder, { recursive: true });
  const files: string[] = [];
  for (const name of FILES) {
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
