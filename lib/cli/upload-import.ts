/** Which import an object in the raw bucket is, named exactly as the import function names it. */
import type { S3Client } from '@aws-sdk/client-s3';
import { rawFiles } from '../../functions/adapters/wiring.ts';
import { importIdOf } from '../../functions/app/import-identity.ts';
import type { ProfileStore } from '../../functions/ports/profile-store.ts';

/**
 * The import of the object at `key` (its `versionId`, else the current one): from the object's own
 * version or ETag and time, or the import a retry asked it to resume when the store confirms that
 * import is of this very file. The function heads the same version, so both name the same import.
 */
export async function importOfObject(s3: S3Client, store: Pick<ProfileStore, 'getImport'>, bucket: string, key: string, versionId?: string) {
  // The very head the import function reads (S3Files.head), so both derive the same id.
  const head = await rawFiles(s3).head(bucket, key, versionId);
  return { importId: await importIdOf(store, bucket, key, head), head };
}
