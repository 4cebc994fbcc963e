/** Where dropped files live in the raw bucket, and the identity of one import of one upload. */
import { createHash } from 'node:crypto';

export const INCOMING_PREFIX = 'incoming/';

/** The import function's timeout (lib/stack/functions.ts): no worker of an import outlives it. */
export const IMPORT_TIMEOUT_SECONDS = 15 * 60;
const SOURCE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export function isSourceName(name: string): boolean {
  return SOURCE_NAME.test(name);
}

export function incomingKey(source: string, fileName: string): string {
  if (!isSourceName(source)) throw new Error(`source name "${source}" must be lower-case letters, digits, - or _ (at most 63)`);
  return `${INCOMING_PREFIX}${source}/${fileName}`;
}

/** `incoming/<source>/<name>` → its parts; anything else is not an import. */
export function parseIncomingKey(key: string): { source: string; fileName: string } | undefined {
  const m = /^incoming\/([^/]+)\/(.+)$/.exec(key);
  if (!m || !isSourceName(m[1])) return undefined;
  return { source: m[1], fileName: m[2].split('/').pop()! };
}

/**
 * Metadata `phonekey retry` sets when it copies a dead-lettered upload onto itself, asking for that
 * import to be resumed after its checkpoint rather than started again. It is a request, not an
 * identity: see `resumedImport`.
 */
export const RESUME_IMPORT_METADATA = 'resume-import';

export interface UploadHead {
  etag: string;
  versionId?: string;
  lastModified?: string;
  metadata?: Record<string, string>;
}

/**
 * One id per upload, from the object itself and nothing an uploader can set: its version, else
 * its ETag with its Last-Modified time (a new upload of the same bytes to an unversioned bucket
 * gets a new one). Every notification of one upload (S3 may deliver it more than once, and a
 * retried run reads the same object) gets the same id, so the import runs once; uploading the
 * same file again is a new import, whose rows are all reported as redelivered.
 */
export function importIdFor(bucket: string, key: string, head: UploadHead): string {
  const upload = head.versionId ?? (head.lastModified ? `${head.etag}@${head.lastModified}` : head.etag);
  return `i-${createHash('sha256').update(`${bucket}/${key}@${upload}`).digest('hex').slice(0, 24)}`;
}

/**
 * The import an upload resumes: the one its `resume-import` metadata names, only if that import is
 * of the same bucket, key and content (ETag) and has not finished; else (a finished import, another
 * file, a copy made elsewhere) the upload is an import of its own.
 */
export function resumedImport(
  bucket: string,
  key: string,
  head: UploadHead,
  asked: { importId: string; bucket: string; key: string; etag?: string; status: string } | undefined,
): string {
  const resumes = asked && asked.importId === head.metadata?.[RESUME_IMPORT_METADATA] && asked.status !== 'done' && asked.bucket === bucket && asked.key === key && asked.etag === head.etag;
  return resumes ? asked.importId : importIdFor(bucket, key, head);
}
