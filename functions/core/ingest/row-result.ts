import type { Problem } from '../model.ts';

/**
 * One item out of `readRows`.
 *
 * - `rowNumber` ≥ 1: a data row. For tables (CSV/TSV/XLSX) it counts data rows only: the header
 *   row, rows skipped with `skipRows`, blank lines and rows whose cells are all empty are NOT
 *   counted, and a malformed row IS counted (it is a row that was read and must be rejected).
 *   For JSON it is the element's index + 1; for NDJSON the index + 1 among non-blank lines.
 * - `rowNumber` 0: a problem about the whole file (code `file.*`); nothing more comes after it,
 *   except that a file problem can follow rows already read (e.g. a gzip truncated half-way).
 * - `line`: where the row starts in the file, for people: the physical line (1-based, header
 *   included) for CSV/TSV/JSON/NDJSON, the sheet's own row number for XLSX.
 */
export type RowResult =
  | { rowNumber: number; fields: Record<string, unknown>; line?: number }
  | { rowNumber: number; problem: Problem; raw?: string; line?: number };

export function fileProblem(code: string, message: string): RowResult {
  return { rowNumber: 0, problem: { code, message } };
}

export function rowProblem(rowNumber: number, line: number | undefined, code: string, what: string, raw?: string): RowResult {
  const where = line !== undefined ? `row ${rowNumber} (line ${line})` : `row ${rowNumber}`;
  const r: RowResult = { rowNumber, problem: { code, message: `${where}: ${what}` } };
  if (line !== undefined) r.line = line;
  if (raw !== undefined) r.raw = raw;
  return r;
}
