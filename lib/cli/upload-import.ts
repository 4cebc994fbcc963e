/** Which import an object in the raw bucket is, named exactly as the import function names it. */
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { RESUME_IMPORT_METADATA, resumedImport } from '../../functions/core/incoming-key.ts';
import type { ProfileStore } from '../../functions/ports/profile-store.ts';

/**
 * The import of the object at `key` (its `versionId`, else the current one): from the object's own
 * version or ETag and time, or the import a retry asked it to resume when the store confirms that
 * import is of this very file. The function heads the same version, so both name the same import.
 */
export async function importOfObject(s3: S3Client, store: Pick<ProfileStore, 'getImport'>, bucket: string, key: string, versionId?: string) {
  const out = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  const head = { etag: (out.ETag ?? '').replace(/"/g, ''), versionId: out.VersionId, lastModified: out.LastModified?.toISOString(), metadata: out.Metadata ?? {} };
  const asked = head.metadata[RESUME_IMPORT_METADATA];
  return { importId: resumedImport(bucket, key, head, asked ? await store.getImport(asked) : undefined), head, contentType: out.ContentType };
}
