/**
 * The deduplicated customers as a file a spreadsheet opens: CSV (UTF-8 with a BOM for Excel, or
 * GBK for the tools that only read that) or XLSX, one row per profile (export-table.ts), or NDJSON
 * documents; written to a stream as the profiles stream in (`phonekey export` to a file, the
 * console's download through GET /v1/export to a bounded buffer).
 */
import { Writable } from 'node:stream';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import { EXPORT_COLUMNS, exportRow } from './export-table.ts';
import type { ProfileDocument } from './read.ts';
import { csvCell } from '../../core/report/safe-text.ts';

export const EXPORT_FORMATS = ['ndjson', 'csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export type ExportEncoding = 'utf8' | 'gbk';

export const EXPORT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** `utf8`, `UTF-8`, `gbk` … → the encoding; undefined for anything else. */
export function exportEncoding(text: string): ExportEncoding | undefined {
  const encoding = text.toLowerCase().replace(/[-_]/g, '');
  return encoding === 'utf8' || encoding === 'gbk' ? encoding : undefined;
}

/** Writes every profile to `sink` (ended when done, unless `end: false`); answers how many. */
export async function writeProfiles(profiles: AsyncIterable<ProfileDocument>, format: ExportFormat, sink: Writable, opts: { encoding?: ExportEncoding; end?: boolean } = {}): Promise<number> {
  if (format === 'xlsx') return writeXlsx(profiles, sink);
  const gbk = opts.encoding === 'gbk';
  const write = async (text: string) => {
    if (!sink.write(gbk ? iconv.encode(text, 'gbk') : text)) await new Promise((r) => sink.once('drain', r));
  };
  let count = 0;
  if (format === 'csv') await write((gbk ? '' : '\uFEFF') + EXPORT_COLUMNS.join(',') + '\r\n');
  for await (const doc of profiles) {
    if (format === 'csv') {
      const row = exportRow(doc);
      await write(EXPORT_COLUMNS.map((c) => csvCell(row[c])).join(',') + '\r\n');
    } else await write(JSON.stringify(doc) + '\n');
    count++;
  }
  if (opts.end !== false) await new Promise<void>((resolve, reject) => sink.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return count;
}

async function writeXlsx(profiles: AsyncIterable<ProfileDocument>, sink: Writable): Promise<number> {
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useSharedStrings: false });
  const sheet = book.addWorksheet('customers');
  sheet.addRow([...EXPORT_COLUMNS]).commit();
  let count = 0;
  for await (const doc of profiles) {
    const row = exportRow(doc);
    sheet.addRow(EXPORT_COLUMNS.map((c) => row[c])).commit();
    count++;
  }
  sheet.commit();
  await book.commit();
  return count;
}

export class ExportTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the customer list is larger than ${Math.round(limit / 1_000_000)} MB, more than one API answer carries: write it with \`phonekey export --format csv|xlsx --out FILE\``);
    this.name = 'ExportTooLarge';
  }
}

/**
 * The file in memory, for an answer of at most `limit` bytes: once the bytes written pass it, no
 * more profiles are read and ExportTooLarge is thrown.
 */
export async function exportToBuffer(profiles: AsyncIterable<ProfileDocument>, format: ExportFormat, limit: number, opts: { encoding?: ExportEncoding } = {}): Promise<{ body: Buffer; profiles: number }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      size += bytes.length;
      if (size <= limit) chunks.push(bytes);
      done();
    },
  });
  async function* bounded(): AsyncIterable<ProfileDocument> {
    for await (const doc of profiles) {
      if (size > limit) throw new ExportTooLarge(limit);
      yield doc;
    }
  }
  const count = await writeProfiles(bounded(), format, sink, opts);
  if (size > limit) throw new ExportTooLarge(limit);
  return { body: Buffer.concat(chunks), profiles: count };
}
