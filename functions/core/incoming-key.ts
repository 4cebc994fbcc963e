/** Where dropped files live in the raw bucket, and the identity of one import of one upload. */
import { createHash } from 'node:crypto';

export const INCOMING_PREFIX = 'incoming/';
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

/** Metadata the CLI sets on an upload so it can wait for exactly that import. */
export const IMPORT_ID_METADATA = 'import-id';

/**
 * One id per upload: the CLI's own when it set one, else the object's version, else its ETag with
 * its Last-Modified time (a new upload of the same bytes to an unversioned bucket gets a new one).
 * Every notification of one upload — S3 may deliver it more than once, and a retried run reads the
 * same object — gets the same id, so the import runs once; uploading the same file again is a new
 * import, whose rows are all reported as redelivered.
 */
export function importIdFor(
  bucket: string,
  key: string,
  head: { etag: string; versionId?: string; lastModified?: string; metadata: Record<string, string> },
): string {
  const given = head.metadata[IMPORT_ID_METADATA];
  if (given && /^[A-Za-z0-9-]{1,64}$/.test(given)) return given;
  const upload = head.versionId ?? (head.lastModified ? `${head.etag}@${head.lastModified}` : head.etag);
  return `i-${createHash('sha256').update(`${bucket}/${key}@${upload}`).digest('hex').slice(0, 24)}`;
}
