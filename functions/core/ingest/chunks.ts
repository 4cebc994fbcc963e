/**
 * Chunk files of a fanned-out import (Step Functions): the split step reads a big file once with
 * `readRows` and writes its rows, already parsed, as NDJSON chunks; each chunk is then imported by
 * the same use case as a whole file, from `decodeChunk` instead of `readRows`. Row numbers are the
 * original file's, so reports and rejects name the same rows either way.
 *
 * Line 1 of a chunk is a header `{"chunk": n, "firstRow": r, "config": {…}}` carrying the source
 * config as resolved from the file's headers (so every chunk maps rows the same way); every other
 * line is one RowResult. XLSX Date cells are kept as `{"$date": "<ISO>"}` and revived.
 */
import type { RowResult } from './row-result.ts';

export interface ChunkHeader {
  chunk: number;
  firstRow: number;
  config: unknown;
}

function withDates(value: unknown): unknown {
  if (value instanceof Date) return { $date: Number.isNaN(value.getTime()) ? null : value.toISOString() };
  if (Array.isArray(value)) return value.map(withDates);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withDates(v)]));
  }
  return value;
}

function reviveDates(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$date') {
      const iso = (value as { $date: string | null }).$date;
      return iso === null ? new Date(NaN) : new Date(iso);
    }
  }
  return value;
}

/** One row as a chunk line (no newline). */
export function encodeChunkRow(row: RowResult): string {
  return JSON.stringify('fields' in row ? { ...row, fields: withDates(row.fields) } : row);
}

export function encodeChunkHeader(header: ChunkHeader): string {
  return JSON.stringify(header);
}

/** Lines of text from chunks of bytes (UTF-8), without their newline. */
async function* lines(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  for await (const chunk of bytes) {
    rest += decoder.decode(chunk, { stream: true });
    let start = 0;
    let nl: number;
    while ((nl = rest.indexOf('\n', start)) >= 0) {
      if (nl > start) yield rest.slice(start, nl);
      start = nl + 1;
    }
    rest = rest.slice(start);
  }
  rest += decoder.decode();
  if (rest) yield rest;
}

/**
 * A chunk's bytes → its header (awaited first) and its rows. Throws on a chunk that is not one
 * (the split step wrote it, so that is a bug or a tampered object, not a row problem).
 */
export async function decodeChunk(bytes: AsyncIterable<Uint8Array>): Promise<{ header: ChunkHeader; rows: AsyncIterable<RowResult> }> {
  const it = lines(bytes)[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) throw new Error('empty chunk: no header line');
  const header = JSON.parse(first.value) as ChunkHeader;
  if (typeof header.chunk !== 'number' || typeof header.firstRow !== 'number') throw new Error('not a chunk: bad header line');
  const rows = (async function* () {
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield JSON.parse(next.value, reviveDates) as RowResult;
    }
  })();
  return { header, rows };
}
