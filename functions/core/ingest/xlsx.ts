/**
 * XLSX rows through exceljs's streaming WorkbookReader (never the whole workbook in memory).
 *
 * Cell values as Excel stores them: numbers stay numbers, date-formatted numbers become JS Dates
 * (exceljs converts with the workbook's 1900/1904 date system; an Excel date has no time zone,
 * so the Date's UTC fields hold the wall-clock value that was typed), rich text becomes its
 * plain text, a formula becomes its cached result, a hyperlink its text, an error cell (#N/A …)
 * an empty cell, booleans stay booleans.
 *
 * Limits inherited from exceljs: shared strings are held in memory (one copy of each distinct
 * string); a worksheet stored in the zip before the shared strings is spooled to a temporary
 * file by exceljs and read back afterwards; date detection needs `xl/styles.xml` to come before
 * the sheet in the zip (it does in files written by Excel, WPS and exceljs).
 */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { CorruptFileError } from './bytes.ts';
import type { TableItem } from './table.ts';

interface CellLike {
  value: unknown;
  numFmt?: string;
}
interface RowLike {
  number: number;
  eachCell(opts: { includeEmpty: boolean }, cb: (cell: CellLike, col: number) => void): void;
}
interface SheetLike extends AsyncIterable<RowLike> {
  name?: string;
  id?: number | string;
}

function isDateFormat(fmt: string | undefined): boolean {
  if (!fmt) return false;
  const f = fmt.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, '');
  return /[ymdhsb]/i.test(f) && !/^(general|@|0.*|#.*)$/i.test(f.trim());
}

function excelSerialToDate(v: number, date1904: boolean): Date {
  return new Date(Math.round((v - 25569 + (date1904 ? 1462 : 0)) * 86_400_000));
}

/** Plain value of one cell, as described above. */
export function cellValue(v: unknown, numFmt: string | undefined, date1904: boolean): unknown {
  if (v === undefined || v === null) return '';
  if (v instanceof Date || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText)) return (o.richText as { text?: unknown }[]).map((r) => (r.text == null ? '' : String(r.text))).join('');
    if ('formula' in o || 'sharedFormula' in o) {
      const r = o.result;
      if (typeof r === 'number' && isDateFormat(numFmt)) return excelSerialToDate(r, date1904);
      return typeof r === 'number' && Number.isNaN(r) ? '' : cellValue(r, numFmt, date1904);
    }
    if ('error' in o) return '';
    if ('text' in o) return cellValue(o.text, numFmt, date1904);
  }
  return String(v);
}

function sameSheetName(a: string | undefined, b: string): boolean {
  return a !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * Reads the rows of one worksheet: the configured one (by name, case-insensitive), else the
 * first one in the file. Yields cells by column (index 0 = column A) with the sheet row number.
 */
export async function* readXlsxCells(bytes: AsyncIterable<Buffer>, sheet?: string): AsyncGenerator<TableItem> {
  // exceljs pipes our stream into unzip with .pipe(): an error on our side would never reach it
  // and it would wait forever. So a source error ends the stream and is re-thrown afterwards.
  let sourceError: unknown;
  let sourceFailed = false;
  async function* guarded(): AsyncGenerator<Buffer> {
    try {
      yield* bytes;
    } catch (err) {
      sourceFailed = true;
      sourceError = err;
    }
  }
  const input = Readable.from(guarded(), { objectMode: false });
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const seen: string[] = [];
  let found = false;
  try {
    for await (const ws of reader as unknown as AsyncIterable<SheetLike>) {
      if (sheet !== undefined && !sameSheetName(ws.name, sheet)) {
        seen.push(ws.name ?? `sheet ${ws.id}`);
        continue;
      }
      found = true;
      const date1904 = Boolean((reader as unknown as { properties?: { model?: { date1904?: boolean } } }).properties?.model?.date1904);
      for await (const row of ws) {
        const cells: unknown[] = [];
        row.eachCell({ includeEmpty: false }, (cell, col) => {
          cells[col - 1] = cellValue(cell.value, cell.numFmt, date1904);
        });
        for (let i = 0; i < cells.length; i++) if (cells[i] === undefined) cells[i] = '';
        yield { kind: 'cells', cells, line: row.number };
      }
      break;
    }
  } catch (err) {
    if (sourceFailed) throw sourceError;
    throw new CorruptFileError(`the XLSX file cannot be read (${(err as Error).message})`, { cause: err });
  } finally {
    input.destroy();
  }
  if (sourceFailed) throw sourceError;
  if (!found) {
    if (sheet !== undefined) {
      yield {
        kind: 'file-error',
        code: 'file.sheet_not_found',
        message: `the workbook has no sheet named ${JSON.stringify(sheet)}${seen.length ? ` (it has: ${seen.map((s) => JSON.stringify(s)).join(', ')})` : ''}`,
      };
    } else {
      yield { kind: 'file-error', code: 'file.empty', message: 'the workbook has no worksheet' };
    }
  }
}
