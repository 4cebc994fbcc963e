import { readRows, type ReadInfo, type ReadRowsOptions, type RowResult } from '../../../functions/core/ingest/read-rows.ts';

/** Bytes as a stream of chunks of `size` bytes (default: 7, to cut through multi-byte characters). */
export async function* chunked(data: string | Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, Math.min(bytes.length, i + size));
}

export interface Read {
  rows: RowResult[];
  info?: ReadInfo;
  fields: Record<string, unknown>[];
  problems: Array<{ rowNumber: number; code: string; message: string; raw?: string; line?: number }>;
}

export async function read(data: string | Uint8Array, opts: Omit<ReadRowsOptions, 'onInfo'>, chunkSize?: number): Promise<Read> {
  const out: Read = { rows: [], fields: [], problems: [] };
  for await (const r of readRows(chunked(data, chunkSize), { ...opts, onInfo: (i) => (out.info = i) })) {
    out.rows.push(r);
    if ('fields' in r) out.fields.push(r.fields);
    else out.problems.push({ rowNumber: r.rowNumber, code: r.problem.code, message: r.problem.message, raw: r.raw, line: r.line });
  }
  return out;
}
