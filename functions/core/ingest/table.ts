/**
 * Turns a stream of table rows (cells by position, from CSV or XLSX) into keyed rows: finds the
 * header, names the columns, skips empty rows and numbers the data rows.
 */
import { fileProblem, rowProblem, type RowResult } from './row-result.ts';

export type TableItem =
  | { kind: 'cells'; cells: unknown[]; line: number }
  | { kind: 'error'; message: string; line: number; raw: string }
  | { kind: 'file-error'; code: string; message: string };

export interface TableHooks {
  /** Called once with the column names, before the first row. */
  onHeader?: (headers: string[]) => void;
  /** Extra cells beyond the header are kept as `column_<n>` (XLSX); CSV enforces the count itself. */
  describe: string;
}

export function isEmptyCell(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/** Header cell text: trimmed, BOM-free. */
export function headerText(v: unknown): string {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (v === undefined || v === null) return '';
  return String(v).replace(/^\uFEFF/, '').trim();
}

/**
 * If a would-be header row looks like data, the offending cell: a phone-like or long number, an
 * email address or a date. Such a file has no header row.
 */
export function dataLikeHeaderCell(cells: unknown[]): string | undefined {
  for (const c of cells) {
    if (c instanceof Date) return c.toISOString();
    if (typeof c === 'number' && Math.abs(c) >= 1e5) return String(c);
    if (typeof c !== 'string') continue;
    const t = c.trim();
    if (/^\+?[\d\s\-()]{7,}$/.test(t) && (t.match(/\d/g)?.length ?? 0) >= 7) return t;
    if (/^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i.test(t)) return t;
    if (/^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}/.test(t)) return t;
  }
  return undefined;
}

/** Unique, non-empty column names: blanks become `column_<n>`, repeats get `_2`, `_3`, … */
export function nameColumns(cells: unknown[]): string[] {
  const used = new Set<string>();
  return cells.map((cell, i) => {
    let name = headerText(cell) || `column_${i + 1}`;
    if (name === '__proto__') name = '_proto_';
    let candidate = name;
    for (let k = 2; used.has(candidate); k++) candidate = `${name}_${k}`;
    used.add(candidate);
    return candidate;
  });
}

export async function* tableRows(items: AsyncIterable<TableItem>, hooks: TableHooks): AsyncGenerator<RowResult> {
  let headers: string[] | undefined;
  let rowNumber = 0;
  for await (const item of items) {
    if (item.kind === 'file-error') {
      yield fileProblem(item.code, item.message);
      return;
    }
    if (!headers) {
      if (item.kind === 'error') {
        yield fileProblem('file.no_header', `the header row (line ${item.line}) of the ${hooks.describe} is malformed: ${item.message}`);
        return;
      }
      if (item.cells.every(isEmptyCell)) continue;
      const dataLike = dataLikeHeaderCell(item.cells);
      if (dataLike !== undefined) {
        yield fileProblem(
          'file.no_header',
          `the first row (line ${item.line}) of the ${hooks.describe} looks like data, not column names (it holds ${JSON.stringify(dataLike)}); add a header row`,
        );
        return;
      }
      headers = nameColumns(item.cells);
      hooks.onHeader?.(headers);
      continue;
    }
    if (item.kind === 'error') {
      rowNumber++;
      yield rowProblem(rowNumber, item.line, 'row.malformed', item.message, item.raw);
      continue;
    }
    const { cells } = item;
    if (cells.every(isEmptyCell)) continue;
    rowNumber++;
    // Object.fromEntries defines own properties, so a header named `__proto__` is a column like any other.
    const entries: Array<[string, unknown]> = headers.map((h, i) => [h, cells[i] ?? '']);
    for (let i = headers.length; i < cells.length; i++) {
      if (!isEmptyCell(cells[i])) entries.push([`column_${i + 1}`, cells[i]]);
    }
    const fields: Record<string, unknown> = Object.fromEntries(entries);
    yield { rowNumber, fields, line: item.line };
  }
  if (!headers) yield fileProblem('file.empty', `the ${hooks.describe} has no rows`);
}
