/**
 * What the local S3 server refuses before s3rver sees a request. s3rver writes an object at
 * `<folder>/<bucket>/<key>` as the key says, so `../` in a key reached files outside the data
 * folder; and it answers browser form POSTs and CORS preflights, so any web page open on the
 * machine could write there (and drop a file into `incoming/`, which gets imported). Requests the
 * AWS SDK and CLI send carry an AWS signature header or a presigned query, never a form, and their
 * keys never leave their bucket.
 */
export interface S3RequestLine {
  method: string;
  /** The request path as sent (still percent-encoded). */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
}

/** A key or copy source that names a place outside its bucket, or is not valid percent-encoding. */
function escapes(encodedPath: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encodedPath);
  } catch {
    return true;
  }
  return decoded.includes('\0') || decoded.split(/[/\\]/).some((segment) => segment === '..' || segment === '.');
}

const header = (line: S3RequestLine, name: string): string => {
  const value = line.headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
};

/** Why the request is refused, or undefined when s3rver may serve it. */
export function s3Refusal(line: S3RequestLine): string | undefined {
  if (line.method === 'OPTIONS') return 'cross-origin requests are not served';
  if (header(line, 'content-type').toLowerCase().startsWith('multipart/form-data')) return 'browser form uploads are not served';
  const signed = header(line, 'authorization').startsWith('AWS4-HMAC-SHA256 ') || line.query.has('X-Amz-Signature') || line.query.has('Signature');
  if (!signed) return 'the request carries no AWS signature';
  if (escapes(line.path.split('?')[0]!)) return 'the key leaves its bucket';
  const copySource = header(line, 'x-amz-copy-source');
  if (copySource && escapes(copySource.split('?')[0]!)) return 'the copy source leaves its bucket';
  return undefined;
}

/** s3rver (Koa) middleware answering a refusal as S3 does: 403 AccessDenied. */
export async function s3Guard(
  ctx: { method: string; url: string; headers: S3RequestLine['headers']; status: number; type: string; body: unknown },
  next: () => Promise<unknown>,
): Promise<void> {
  const url = new URL(ctx.url, 'http://local');
  const refusal = s3Refusal({ method: ctx.method, path: ctx.url.split('?')[0]!, query: url.searchParams, headers: ctx.headers });
  if (!refusal) {
    await next();
    return;
  }
  ctx.status = 403;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${refusal}</Message></Error>`;
}
