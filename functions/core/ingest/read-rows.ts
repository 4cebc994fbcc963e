/**
 * `readRows`: any customer file (CSV, TSV, XLSX, JSON array, NDJSON; gzipped or not; UTF-8,
 * GB18030/GBK or UTF-16) as a stream of rows, with bounded memory.
 *
 * Row numbering, `line` and file-level problems: see RowResult in ./row-result.ts.
 *
 * Problem codes:
 * - `row.malformed`   one row could not be parsed (unclosed quote, wrong number of fields, a line
 *                     that is not JSON, …); the message names the row, the line and what is wrong;
 *                     reading goes on with the next row.
 * - `row.not_object`  a JSON/NDJSON record that is valid JSON but not an object.
 * - `file.empty`      no bytes, only blank lines, or a workbook without rows.
 * - `file.no_header`  the first row is malformed or looks like data (a phone number, a date …).
 * - `file.corrupt`    the bytes are not what the format says (bad gzip, bad zip/XLSX).
 * - `file.malformed`  JSON structure broken outside any single record (array never closed,
 *                     text after the array, file cut inside a record).
 * - `file.unsupported_format`  a legacy binary .xls (or other OLE2) file.
 * - `file.sheet_not_found`     the configured sheet does not exist (the message lists the sheets).
 *
 * Errors thrown by the input stream itself (network, S3) are re-thrown, not turned into problems,
 * so that the caller can retry.
 */
import { CorruptFileError, SourceGuard, gunzip, isGzip, isOle2, isZip, peekBytes, peekChunks, type ByteInput } from './bytes.ts';
import { CsvTokenizer, sniffDelimiter } from './csv.ts';
import { decodeText, type DecodeInfo, type TextEncoding } from './decode.ts';
import { readJsonValues, readNdjsonValues, type JsonItem } from './json.ts';
import { fileProblem, rowProblem, type RowResult } from './row-result.ts';
import { tableRows, type TableItem } from './table.ts';
import { readXlsxCells } from './xlsx.ts';

export type { RowResult } from './row-result.ts';
export type { TextEncoding } from './decode.ts';

export type FileFormat = 'csv' | 'tsv' | 'xlsx' | 'json' | 'ndjson';

/** What the reader found out about the file; handed to `onInfo` before the first row. */
export interface ReadInfo {
  format: FileFormat;
  gzip: boolean;
  /** Text formats: the encoding in use (for auto-detection, as far as known when the header was read). */
  encoding?: TextEncoding;
  bom?: boolean;
  /** CSV/TSV: the delimiter in use. */
  delimiter?: string;
  /** Tables: the column names, in order (blank names become `column_<n>`, repeats get `_2`). */
  headers?: string[];
}

export interface ReadRowsOptions {
  /** The object's name or key; its extension picks the format (`.gz` is looked through). */
  fileName: string;
  /** Overrides the extension. Content still wins for zip (→ xlsx) and gzip (unwrapped). */
  format?: FileFormat;
  /** Forces the text encoding; a byte order mark still wins. */
  encoding?: TextEncoding;
  /** XLSX: the sheet to read (case-insensitive); default the first one. */
  sheet?: string;
  /** CSV/TSV: one-character delimiter; default sniffed among `, ; \t |` (TSV: tab). */
  delimiter?: string;
  /** Tables: physical lines (CSV/TSV) or sheet rows (XLSX) to skip before the header, e.g. a title. */
  skipRows?: number;
  /** Called once, before the first row, with what was detected (and the header for tables). */
  onInfo?: (info: ReadInfo) => void;
  /** Safety limits; defaults: 1 MiB per CSV record, 16 MiB per JSON record or NDJSON line. */
  limits?: { maxRecordChars?: number; maxJsonRecordChars?: number };
}

const EXTENSIONS: Record<string, FileFormat> = {
  csv: 'csv',
  txt: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  xlsx: 'xlsx',
  xlsm: 'xlsx',
  json: 'json',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
};

/** Format from a file name (`orders.ndjson.gz` → ndjson); undefined when the extension says nothing. */
export function formatFromFileName(fileName: string): FileFormat | undefined {
  const base = fileName.split(/[\\/]/).pop()!.toLowerCase().replace(/\.(gz|gzip)$/, '');
  const dot = base.lastIndexOf('.');
  return dot === -1 ? undefined : EXTENSIONS[base.slice(dot + 1)];
}

const SNIFF_CHARS = 64 * 1024;

/** Reads text chunks until `minChars` are buffered (or the end); returns them and a replaying stream. */
async function peekText(text: AsyncIterable<string>, minChars: number): Promise<{ head: string; complete: boolean; stream: AsyncIterable<string> }> {
  const { seen, complete, stream } = await peekChunks(text, minChars);
  return { head: seen.join(''), complete, stream };
}

/** Drops the first `n` physical lines of a text stream. */
async function* dropLines(text: AsyncIterable<string>, n: number): AsyncGenerator<string> {
  let left = n;
  for await (let chunk of text) {
    while (left > 0 && chunk.length) {
      const nl = chunk.indexOf('\n');
      if (nl === -1) {
        chunk = '';
        break;
      }
      chunk = chunk.slice(nl + 1);
      left--;
    }
    if (chunk.length) yield chunk;
  }
}

/** Drops blank lines at the start of a text stream, counting them in `dropped.lines`. */
async function* dropLeadingBlankLines(text: AsyncIterable<string>, dropped: { lines: number }): AsyncGenerator<string> {
  let leading = true;
  for await (const chunk of text) {
    if (!leading) {
      yield chunk;
      continue;
    }
    const at = chunk.search(/[^\s\uFEFF]/);
    const blank = at === -1 ? chunk : chunk.slice(0, at);
    const lastNl = blank.lastIndexOf('\n');
    for (let i = blank.indexOf('\n'); i !== -1 && i <= lastNl; i = blank.indexOf('\n', i + 1)) dropped.lines++;
    if (at === -1) {
      // keep a trailing partial blank line's text out too; it carries no content
      continue;
    }
    leading = false;
    yield chunk.slice(lastNl + 1);
  }
}

function sniffTextFormat(head: string): FileFormat {
  const t = head.replace(/^[\s\uFEFF]+/, '');
  if (t.startsWith('[')) return 'json';
  if (t.startsWith('{')) {
    // One object per line → NDJSON (line-wise recovery); otherwise a JSON document.
    const nl = t.indexOf('\n');
    const first = (nl === -1 ? t : t.slice(0, nl)).trim();
    try {
      JSON.parse(first);
      return 'ndjson';
    } catch {
      return 'json';
    }
  }
  return 'csv';
}

async function* csvItems(text: AsyncIterable<string>, tokenizer: CsvTokenizer): AsyncGenerator<TableItem> {
  for await (const chunk of text) {
    for (const it of tokenizer.feed(chunk)) yield toTableItem(it);
  }
  for (const it of tokenizer.end()) yield toTableItem(it);
}

function toTableItem(it: ReturnType<CsvTokenizer['feed']>[number]): TableItem {
  return it.kind === 'record' ? { kind: 'cells', cells: it.fields, line: it.line } : it;
}

async function* jsonRows(items: AsyncIterable<JsonItem>): AsyncGenerator<RowResult> {
  let rowNumber = 0;
  for await (const item of items) {
    if (item.kind === 'file-error') {
      yield fileProblem('file.malformed', item.message);
      return;
    }
    rowNumber++;
    if (item.kind === 'error') {
      yield rowProblem(rowNumber, item.line, 'row.malformed', item.message, item.raw);
    } else if (item.value === null || typeof item.value !== 'object' || Array.isArray(item.value)) {
      let shown: string;
      try {
        shown = JSON.stringify(item.value);
      } catch {
        shown = '[…]'; // nested too deep to print (RangeError): still this row's problem, not the file's
      }
      yield rowProblem(
        rowNumber,
        item.line,
        'row.not_object',
        `expected a JSON object, got ${Array.isArray(item.value) ? 'an array' : item.value === null ? 'null' : `a ${typeof item.value}`}`,
        shown.length > 10_000 ? shown.slice(0, 10_000) : shown,
      );
    } else {
      yield { rowNumber, fields: item.value as Record<string, unknown>, line: item.line };
    }
  }
}

/**
 * Streams the rows of one file. See the module comment for problem codes and RowResult for row
 * numbering. The returned iterable can be consumed once.
 */
export async function* readRows(input: ByteInput, opts: ReadRowsOptions): AsyncGenerator<RowResult> {
  const guard = new SourceGuard(input);
  try {
    let { head, stream } = await peekBytes(guard.bytes(), 8);
    let gzip = false;
    if (isGzip(head)) {
      gzip = true;
      ({ head, stream } = await peekBytes(gunzip(stream), 8));
    }
    if (head.length === 0) {
      yield fileProblem('file.empty', `${opts.fileName} is empty`);
      return;
    }
    if (isOle2(head)) {
      yield fileProblem('file.unsupported_format', `${opts.fileName} is a legacy binary Excel (.xls) file; save it as .xlsx or CSV`);
      return;
    }
    let format = isZip(head) ? 'xlsx' : (opts.format ?? formatFromFileName(opts.fileName));
    const info: ReadInfo = { format: format ?? 'csv', gzip };

    if (format === 'xlsx') {
      if (!isZip(head)) {
        yield fileProblem('file.corrupt', `${opts.fileName} is not an XLSX file (it is not a zip archive)`);
        return;
      }
      const skip = opts.skipRows ?? 0;
      async function* afterSkip(): AsyncGenerator<TableItem> {
        for await (const it of readXlsxCells(stream, { sheet: opts.sheet })) {
          if (it.kind === 'cells' && it.line <= skip) continue;
          yield it;
        }
      }
      yield* tableRows(afterSkip(), {
        describe: opts.sheet ? `sheet ${JSON.stringify(opts.sheet)}` : 'first sheet',
        onHeader: (headers) => opts.onInfo?.({ ...info, headers }),
      });
      return;
    }

    const decoded = await decodeText(stream, opts.encoding);
    const peeked = await peekText(decoded.text, SNIFF_CHARS);
    const textInfo = (d: DecodeInfo): Partial<ReadInfo> => ({ encoding: d.encoding, bom: d.bom });
    if (peeked.complete && !/\S/.test(peeked.head.replace(/\uFEFF/g, ''))) {
      yield fileProblem('file.empty', `${opts.fileName} has no content (only blank text)`);
      return;
    }
    format ??= sniffTextFormat(peeked.head);
    // A ".json" file that holds one object per line is NDJSON: read it line by line, so that a
    // bad line costs only that line.
    if (format === 'json' && sniffTextFormat(peeked.head) === 'ndjson') format = 'ndjson';
    info.format = format;

    if (format === 'json' || format === 'ndjson') {
      opts.onInfo?.({ ...info, ...textInfo(decoded.info) });
      const maxJson = opts.limits?.maxJsonRecordChars;
      const items = format === 'ndjson' ? readNdjsonValues(peeked.stream, maxJson) : readJsonValues(peeked.stream, maxJson);
      yield* jsonRows(items);
      return;
    }

    // CSV / TSV: skip title lines and leading blank lines, then sniff the delimiter on real lines.
    const skip = opts.skipRows ?? 0;
    const blank = { lines: 0 };
    const body = dropLeadingBlankLines(skip > 0 ? dropLines(peeked.stream, skip) : peeked.stream, blank);
    const sampled = await peekText(body, SNIFF_CHARS);
    const delimiter = opts.delimiter ?? (format === 'tsv' ? '\t' : sniffDelimiter(sampled.head, sampled.complete));
    info.delimiter = delimiter;
    const text = sampled.stream;
    const tokenizer = new CsvTokenizer({ delimiter, firstLine: skip + blank.lines + 1, maxRecordChars: opts.limits?.maxRecordChars });
    yield* tableRows(csvItems(text, tokenizer), {
      describe: format === 'tsv' ? 'TSV file' : 'CSV file',
      onHeader: (headers) => opts.onInfo?.({ ...info, ...textInfo(decoded.info), headers }),
    });
  } catch (err) {
    if (guard.failed) throw guard.error;
    if (err instanceof CorruptFileError) {
      yield fileProblem('file.corrupt', `${opts.fileName}: ${err.message}`);
      return;
    }
    throw err;
  }
}
