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
 *
 * Two exceljs 4.4 defects are worked around here:
 * - its SAX feed decodes every inflated chunk on its own (`TextDecoder.decode(chunk)` without
 *   `stream: true`), so a Chinese character split across two chunks becomes U+FFFD. The reader
 *   subclass below re-cuts every XML part's chunks on UTF-8 character boundaries.
 * - on some truncated or damaged zips it waits forever. We check the zip's end record while the
 *   bytes pass, and once the input has ended a wait for the next row longer than a few seconds
 *   (truncated file) or 30 s (complete file) is reported as a corrupt file instead of hanging.
 */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { CorruptFileError } from './bytes.ts';
import { completeUtf8Length } from './decode.ts';
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

/** Re-cuts byte chunks so that none ends inside a UTF-8 character. */
export async function* utf8Chunks(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<Buffer> {
  let carry: Buffer | undefined;
  for await (const c of source) {
    const chunk = typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    const cut = completeUtf8Length(buf);
    carry = cut < buf.length ? Buffer.from(buf.subarray(cut)) : undefined;
    if (cut > 0) yield buf.subarray(0, cut);
  }
  if (carry) yield carry;
}

type Source = AsyncIterable<Uint8Array | string>;
type Parser = (this: unknown, ...args: unknown[]) => unknown;
const Base = ExcelJS.stream.xlsx.WorkbookReader as unknown as new (input: Readable, options: object) => object;
const proto = Base.prototype as unknown as Record<string, Parser>;

/** exceljs's WorkbookReader, fed UTF-8-whole chunks for every XML part it parses. */
class Utf8SafeWorkbookReader extends Base {
  _parseRels(entry: Source) {
    return proto._parseRels!.call(this, Readable.from(utf8Chunks(entry)));
  }
  _parseWorkbook(entry: Source) {
    return proto._parseWorkbook!.call(this, Readable.from(utf8Chunks(entry)));
  }
  _parseSharedStrings(entry: Source) {
    return proto._parseSharedStrings!.call(this, Readable.from(utf8Chunks(entry)));
  }
  _parseStyles(entry: Source) {
    return proto._parseStyles!.call(this, Readable.from(utf8Chunks(entry)));
  }
  _parseWorksheet(iterator: Source, sheetNo: unknown) {
    return proto._parseWorksheet!.call(this, utf8Chunks(iterator), sheetNo);
  }
}
for (const m of ['_parseRels', '_parseWorkbook', '_parseSharedStrings', '_parseStyles', '_parseWorksheet']) {
  if (typeof proto[m] !== 'function') throw new Error(`exceljs WorkbookReader has no ${m}: the UTF-8 fix in xlsx.ts needs updating`);
}

const EOCD = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const TAIL = 65_535 + 22;

interface Watch {
  ended: boolean;
  truncated: boolean;
  onEnd?: () => void;
}

/** Iterates `it`, failing with a CorruptFileError when a step stalls after the input has ended. */
async function* watched<T>(it: AsyncIterable<T>, watch: Watch, stallMs: { truncated: number; complete: number }): AsyncGenerator<T> {
  const iter = it[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const step = iter.next();
      const r = await new Promise<IteratorResult<T>>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const arm = () => {
          timer = setTimeout(
            () => reject(new CorruptFileError(watch.truncated ? 'the XLSX file is truncated (its zip end record is missing)' : 'the XLSX file is damaged (reading it stalled)')),
            watch.truncated ? stallMs.truncated : stallMs.complete,
          );
        };
        if (watch.ended) arm();
        else watch.onEnd = arm;
        step.then(
          (v) => {
            clearTimeout(timer);
            watch.onEnd = undefined;
            resolve(v);
          },
          (e: unknown) => {
            clearTimeout(timer);
            watch.onEnd = undefined;
            reject(e);
          },
        );
      });
      if (r.done) {
        finished = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!finished) void Promise.resolve(iter.return?.()).catch(() => undefined);
  }
}

export interface XlsxOptions {
  sheet?: string;
  /** How long a stalled read may wait after the input ended (ms). */
  stallMs?: { truncated: number; complete: number };
}

/**
 * Reads the rows of one worksheet: the configured one (by name, case-insensitive), else the
 * first one in the file. Yields cells by column (index 0 = column A) with the sheet row number.
 */
export async function* readXlsxCells(bytes: AsyncIterable<Buffer>, opts: XlsxOptions = {}): AsyncGenerator<TableItem> {
  const { sheet } = opts;
  const stallMs = opts.stallMs ?? { truncated: 3000, complete: 30_000 };
  // exceljs pipes our stream into unzip with .pipe(): an error on our side would never reach it
  // and it would wait forever. So a source error ends the stream and is re-thrown afterwards.
  let sourceError: unknown;
  let sourceFailed = false;
  const watch: Watch = { ended: false, truncated: false };
  async function* guarded(): AsyncGenerator<Buffer> {
    let tail = Buffer.alloc(0);
    try {
      for await (const chunk of bytes) {
        tail = tail.length + chunk.length <= TAIL ? Buffer.concat([tail, chunk]) : Buffer.concat([tail, chunk]).subarray(-TAIL);
        yield chunk;
      }
      watch.truncated = tail.lastIndexOf(EOCD) === -1;
    } catch (err) {
      sourceFailed = true;
      sourceError = err;
    } finally {
      watch.ended = true;
      watch.onEnd?.();
    }
  }
  const input = Readable.from(guarded(), { objectMode: false });
  const reader = new Utf8SafeWorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const seen: string[] = [];
  let found = false;
  try {
    for await (const ws of watched(reader as unknown as AsyncIterable<SheetLike>, watch, stallMs)) {
      if (sheet !== undefined && !sameSheetName(ws.name, sheet)) {
        seen.push(ws.name ?? `sheet ${ws.id}`);
        // Read a skipped sheet to its end: exceljs deletes a spooled sheet's temporary file as
        // soon as we move on, and a read stream it opened but we never consumed then fails
        // with ENOENT outside any await (an uncaught exception).
        for await (const _row of watched(ws, watch, stallMs)) void _row;
        continue;
      }
      found = true;
      const date1904 = Boolean((reader as unknown as { properties?: { model?: { date1904?: boolean } } }).properties?.model?.date1904);
      for await (const row of watched(ws, watch, stallMs)) {
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
    if (err instanceof CorruptFileError) throw err;
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
