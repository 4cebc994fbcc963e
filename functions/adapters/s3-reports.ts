/** Reports in the reports bucket: `imports/<id>/` and `nightly/<runId>/` (report.html, report.json, rejects.csv). */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { ReportFile, ReportKind, ReportStore } from '../ports/report-store.ts';

export class S3Reports implements ReportStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async list(kind: ReportKind): Promise<Array<{ id: string; at: string }>> {
    const found: Array<{ id: string; at: string }> = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${kind}/`, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        if (!o.Key!.endsWith('/report.json')) continue;
        found.push({ id: o.Key!.slice(kind.length + 1, -'/report.json'.length), at: (o.LastModified ?? new Date(0)).toISOString() });
      }
      token = page.NextContinuationToken;
    } while (token);
    return found.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.id < b.id ? 1 : -1));
  }

  async read(kind: ReportKind, id: string, file: ReportFile): Promise<string | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: `${kind}/${id}/${file}` }));
      return await out.Body!.transformToString();
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey' || (error as Error).name === 'NotFound') return undefined;
      throw error;
    }
  }
}
