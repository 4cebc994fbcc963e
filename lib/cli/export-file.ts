/**
 * The deduplicated customers as a file a spreadsheet opens: CSV (UTF-8 with a BOM for Excel, or
 * GBK for the tools that only read that) or XLSX, one row per profile (export-table.ts), written
 * as the profiles stream in.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import { EXPORT_COLUMNS, exportRow } from '../../functions/app/profiles/export-table.ts';
import type { ProfileDocument } from '../../functions/app/profiles/index.ts';
import { csvCell } from '../../functions/core/report/safe-text.ts';
import { UserError } from './main.ts';

export type ExportFormat = 'ndjson' | 'csv' | 'xlsx';
export type ExportEncoding = 'utf8' | 'gbk';

/** `--encoding` as written (`UTF-8`, `gbk`, …) → the encoding, or a UserError naming what is accepted. */
export function parseEncoding(text: string): ExportEncoding {
  const encoding = text.toLowerCase().replace(/[-_]/g, '');
  if (encoding !== 'utf8' && encoding !== 'gbk') throw new UserError(`--encoding ${text}: expected utf8 or gbk`);
  return encoding;
}

/** Writes every profile to `out` (a file; standard output for ndjson and csv); answers how many. */
export async function writeProfiles(profiles: AsyncIterable<ProfileDocument>, format: ExportFormat, opts: { out?: string; encoding?: ExportEncoding }): Promise<number> {
  if (format === 'xlsx') return writeXlsx(profiles, opts.out!);
  const stream: Writable = opts.out ? createWriteStream(opts.out) : process.stdout;
  const gbk = opts.encoding === 'gbk';
  const write = async (text: string) => {
    if (!stream.write(gbk ? iconv.encode(text, 'gbk') : text)) await new Promise((r) => stream.once('drain', r));
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
  if (opts.out) await new Promise<void>((r) => stream.end(r));
  return count;
}

async function writeXlsx(profiles: AsyncIterable<ProfileDocument>, file: string): Promise<number> {
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: false });
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
