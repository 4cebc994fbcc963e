/** Reading what an import wrote to the reports bucket, for end-to-end tests. */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

export interface ImportReportBase {
  importId: string;
  file: string;
  status: string;
}

export async function s3Text(s3: S3Client, bucket: string, key: string): Promise<string> {
  return (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
}

/** Every import report written for the raw-bucket key `file`, oldest first, with where it lies. */
export async function importReports<R extends ImportReportBase>(s3: S3Client, bucket: string, file: string): Promise<Array<R & { reportKey: string }>> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'imports/' }));
  const found: Array<R & { reportKey: string; modified: number }> = [];
  for (const object of out.Contents ?? []) {
    if (!object.Key!.endsWith('/report.json')) continue;
    const report = JSON.parse(await s3Text(s3, bucket, object.Key!)) as R;
    if (report.file === file) found.push({ ...report, reportKey: object.Key!, modified: object.LastModified!.getTime() });
  }
  return found.sort((a, b) => a.modified - b.modified);
}
