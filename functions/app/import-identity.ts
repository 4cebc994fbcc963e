/** Which import an uploaded object is: the one rule the import function and the CLI both follow. */
import { RESUME_IMPORT_METADATA, resumedImport, type UploadHead } from '../core/incoming-key.ts';
import type { ProfileStore } from '../ports/profile-store.ts';

/** The object's own import, or the unfinished import of this very file that its `resume-import` asks for (resumedImport). */
export async function importIdOf(store: Pick<ProfileStore, 'getImport'>, bucket: string, key: string, head: UploadHead): Promise<string> {
  const asked = head.metadata?.[RESUME_IMPORT_METADATA];
  return resumedImport(bucket, key, head, asked ? await store.getImport(asked) : undefined);
}
