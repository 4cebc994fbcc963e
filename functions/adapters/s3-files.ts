/** Reading dropped files and writing reports in S3. */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';

export class S3Files {
  constructor(private readonly s3: S3Client = new S3Client({})) {}

  /** The object's metadata: the named version's, else the latest's. */
  async head(bucket: string, key: string, versionId?: string): Promise<{ size: number; etag: string; metadata: Record<string, string>; versionId?: string; lastModified?: string; contentType?: string }> {
    const out = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    return {
      size: out.ContentLength ?? 0,
      etag: (out.ETag ?? '').replace(/"/g, ''),
      metadata: out.Metadata ?? {},
      versionId: out.VersionId,
      lastModified: out.LastModified?.toISOString(),
      contentType: out.ContentType,
    };
  }

  async open(bucket: string, key: string, versionId?: string): Promise<AsyncIterable<Uint8Array>> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    return out.Body as Readable;
  }

  /** An object's text, or undefined when there is no such object. */
  async getText(bucket: string, key: string): Promise<string | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await out.Body!.transformToString();
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey' || (error as Error).name === 'NotFound') return undefined;
      throw error;
    }
  }

  async put(bucket: string, key: string, body: string, contentType: string): Promise<string> {
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    return key;
  }
}
