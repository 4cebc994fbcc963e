/**
 * Byte-level plumbing for the file readers: normalize any input into Buffers, peek at the first
 * bytes without losing them, and gunzip transparently. Everything here streams: nothing holds
 * more than the bytes it was asked to peek at.
 */
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';

export type ByteInput = AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

/**
 * An error that says the file itself is broken (bad gzip, bad zip, not an XLSX …), as opposed to
 * an error of the source stream (network, S3), which must propagate so the caller can retry.
 */
export class CorruptFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CorruptFileError';
  }
}

/**
 * Wraps the caller's input. Remembers the first error the input itself throws, so that
 * `readRows` can tell "the file is corrupt" (a problem in the output) from "the source failed"
 * (re-thrown), even when the error travelled through zlib or exceljs.
 */
export class SourceGuard {
  error: unknown = undefined;
  failed = false;
  constructor(private readonly input: ByteInput) {}

  async *bytes(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of this.input as AsyncIterable<Uint8Array | string>) {
        if (typeof chunk === 'string') {
          if (chunk.length) yield Buffer.from(chunk, 'utf8');
        } else if (chunk.byteLength) {
          yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        }
      }
    } catch (err) {
      this.failed = true;
      this.error = err;
      throw err;
    }
  }
}

/**
 * Reads chunks until at least `n` units (bytes or characters) are seen, then hands back what was
 * seen and a stream that replays it before the rest; `complete` says the source ended within it.
 */
export async function peekChunks<T extends { length: number }>(
  source: AsyncIterable<T>,
  n: number,
): Promise<{ seen: T[]; complete: boolean; stream: AsyncIterable<T> }> {
  const it = source[Symbol.asyncIterator]();
  const seen: T[] = [];
  let total = 0;
  let complete = false;
  while (total < n) {
    const r = await it.next();
    if (r.done) {
      complete = true;
      break;
    }
    seen.push(r.value);
    total += r.value.length;
  }
  const replayed = [...seen];
  async function* replay(): AsyncGenerator<T> {
    try {
      for (const chunk of replayed.splice(0)) yield chunk;
      if (complete) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await it.return?.();
    }
  }
  return { seen, complete, stream: replay() };
}

/** At least `n` bytes from the start (fewer only if the stream is shorter), and the whole stream again. */
export async function peekBytes(source: AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; stream: AsyncIterable<Buffer> }> {
  const { seen, stream } = await peekChunks(source, n);
  return { head: seen.length === 1 ? seen[0]! : Buffer.concat(seen), stream };
}

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** ZIP local file header: an XLSX is a zip archive. */
export function isZip(head: Buffer): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/** OLE2 compound document: a legacy .xls (or .doc) file. */
export function isOle2(head: Buffer): boolean {
  const sig = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
  return head.length >= 8 && sig.every((b, i) => head[i] === b);
}

/** Gunzips a byte stream (multi-member gzip included). A corrupt gzip becomes a CorruptFileError. */
export async function* gunzip(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const gz = createGunzip();
  const src = Readable.from(source, { objectMode: false });
  pipeline(src, gz, () => {
    /* errors surface through the iteration below */
  });
  try {
    for await (const chunk of gz) yield chunk as Buffer;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new CorruptFileError(`the gzip data is corrupt or truncated (${(err as Error).message})`, { cause: err });
    }
    throw err;
  } finally {
    gz.destroy();
    src.destroy();
  }
}
