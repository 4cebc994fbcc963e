/**
 * A streaming CSV/TSV tokenizer that recovers from malformed rows.
 *
 * Why not csv-parse: with `skip_records_with_error` csv-parse skips the *whole* span an unclosed
 * quote swallowed. On `1,Ann\n2,"Bob\n3,Cat\n4,"Dan"\n5,Eve` it reports the error at line 5 and
 * rows 3 and 4 are gone; with no later quote in the file, every row after the bad one is gone
 * ("Quote Not Closed" at the end). `relax_column_count` / `on_skip` do not change where it resumes.
 * Losing good rows silently is what SPEC §4 forbids, so this tokenizer keeps the start of every
 * record until the record is complete and, when a record that ran over several physical lines
 * turns out malformed (an unclosed quote, a stray character after a closing quote, the wrong
 * number of columns, or more than `maxRecordChars`), it reports only the record's *first line*
 * as malformed and resumes parsing on the next line. Memory is bounded by `maxRecordChars`.
 *
 * Dialect: RFC 4180 — fields may be quoted with `"`, a quote inside a quoted field is doubled,
 * quoted fields may contain delimiters and line breaks (LF, CRLF or CR). Lenient where it costs
 * nothing: spaces before an opening quote are ignored; a quote inside an unquoted field is kept
 * as a literal; a quoted field followed by other text on the same line (`"Big" Bob`) is read as
 * a literal, unquoted field.
 */

export type CsvItem =
  | { kind: 'record'; fields: string[]; line: number }
  | { kind: 'error'; message: string; line: number; raw: string };

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

type Step =
  | { t: 'need'; firstBreak: number; openField: number }
  | { t: 'record'; fields: string[]; next: number; breaks: number; firstBreak: number; openField: number; endsWithBreak: boolean }
  | { t: 'error'; message: string; at: number; firstBreak: number; openField: number };

export interface CsvTokenizerOptions {
  delimiter: string;
  /** Physical line number of the first character fed (1-based). */
  firstLine?: number;
  /** Longest record kept in memory while looking for its end (characters). Default 1 MiB. */
  maxRecordChars?: number;
}

export class CsvTokenizer {
  /**
   * Number of columns every record must have. Unless set beforehand, it is taken from the first
   * record with a non-empty field (the header), ignoring the header's trailing empty cells.
   */
  expectedColumns: number | undefined;
  private buf = '';
  private pos = 0;
  private line: number;
  private readonly delim: number;
  private readonly max: number;
  private discarding = false;

  constructor(opts: CsvTokenizerOptions) {
    if (opts.delimiter.length !== 1) throw new Error('CSV delimiter must be one character');
    this.delim = opts.delimiter.charCodeAt(0);
    this.line = opts.firstLine ?? 1;
    this.max = opts.maxRecordChars ?? 1 << 20;
  }

  feed(text: string): CsvItem[] {
    this.buf = this.pos < this.buf.length ? this.buf.slice(this.pos) + text : text;
    this.pos = 0;
    return this.drain(false);
  }

  end(): CsvItem[] {
    const out = this.drain(true);
    this.buf = '';
    this.pos = 0;
    return out;
  }

  private drain(eof: boolean): CsvItem[] {
    const out: CsvItem[] = [];
    const s = this.buf;
    for (;;) {
      if (this.discarding) {
        // Skipping the rest of an oversized line: drop text up to the next line break.
        const nl = nextBreak(s, this.pos);
        if (nl === -1) {
          this.pos = s.length;
          if (eof) this.discarding = false;
          return out;
        }
        this.pos = afterBreak(s, nl);
        this.line++;
        this.discarding = false;
      }
      if (this.pos >= s.length) return out;
      const start = this.pos;
      const step = this.parseOne(s, start, eof);
      if (step.t === 'need') {
        if (s.length - start <= this.max) return out;
        // The record is too long to be real: a runaway quote or a wrong delimiter.
        if (step.firstBreak !== -1) {
          out.push(this.firstLineError(s, start, step.firstBreak, `unclosed quote in field ${step.openField} (still open after ${this.max} characters)`));
          continue;
        }
        out.push({ kind: 'error', line: this.line, raw: s.slice(start, start + 2000), message: `the line is longer than ${this.max} characters` });
        this.discarding = true;
        this.pos = s.length;
        return out;
      }
      if (step.t === 'error') {
        if (step.firstBreak !== -1) {
          // Read as a field spanning lines, the record does not parse: the quote was not closed.
          out.push(this.firstLineError(s, start, step.firstBreak, `unclosed quote in field ${step.openField}`));
          continue;
        }
        const nl = nextBreak(s, start);
        if (nl === -1 && !eof) return out; // need the end of the line to skip it
        const end = nl === -1 ? s.length : nl;
        out.push({ kind: 'error', line: this.line, raw: s.slice(start, end), message: step.message });
        this.pos = nl === -1 ? s.length : afterBreak(s, nl);
        this.line++;
        continue;
      }
      // A record.
      const { fields } = step;
      if (step.next - start > this.max) {
        // Complete but too long to be real (same rule as while waiting for its end).
        if (step.firstBreak !== -1) {
          out.push(this.firstLineError(s, start, step.firstBreak, `unclosed quote in field ${step.openField} (still open after ${this.max} characters)`));
          continue;
        }
        const end = step.endsWithBreak ? breakStart(s, step.next) : step.next;
        out.push({ kind: 'error', line: this.line, raw: s.slice(start, Math.min(end, start + 2000)), message: `the line is longer than ${this.max} characters` });
        this.pos = step.next;
        this.line++;
        continue;
      }
      if (fields.length === 1 && fields[0]!.trim() === '') {
        // blank line: not a row
      } else if (this.expectedColumns === undefined) {
        let width = fields.length;
        while (width > 0 && fields[width - 1]!.trim() === '') width--;
        if (width > 0) this.expectedColumns = width;
        out.push({ kind: 'record', fields, line: this.line });
      } else if (this.expectedColumns !== undefined && fields.length !== this.expectedColumns) {
        let n = fields.length;
        while (n > this.expectedColumns && fields[n - 1] === '') n--; // trailing delimiters are harmless
        if (n !== this.expectedColumns) {
          const message = `it has ${fields.length} fields but the header has ${this.expectedColumns}`;
          if (step.firstBreak !== -1) {
            out.push(this.firstLineError(s, start, step.firstBreak, `unclosed quote in field ${step.openField}`));
            continue;
          }
          const raw = s.slice(start, step.endsWithBreak ? breakStart(s, step.next) : step.next);
          out.push({ kind: 'error', line: this.line, raw, message });
          this.pos = step.next;
          this.line += 1 + step.breaks;
          continue;
        }
        fields.length = n;
        out.push({ kind: 'record', fields, line: this.line });
      } else {
        out.push({ kind: 'record', fields, line: this.line });
      }
      this.pos = step.next;
      this.line += 1 + step.breaks;
    }
  }

  /** Reports the first physical line of a multi-line record as malformed and resumes after it. */
  private firstLineError(s: string, start: number, firstBreak: number, message: string): CsvItem {
    const item: CsvItem = { kind: 'error', line: this.line, raw: s.slice(start, breakStart(s, firstBreak)), message };
    this.pos = firstBreak;
    this.line++;
    return item;
  }

  /** Parses one record starting at `start`. Never mutates state. */
  private parseOne(s: string, start: number, eof: boolean): Step {
    const n = s.length;
    const d = this.delim;
    const fields: string[] = [];
    let i = start;
    let firstBreak = -1; // index just after the first line break inside a quoted field
    let openField = 0; // the field whose quote ran past that line break
    let breaks = 0;
    for (;;) {
      const fieldStart = i;
      let k = i;
      if (d !== SPACE) while (k < n && s.charCodeAt(k) === SPACE) k++;
      if (k < n && s.charCodeAt(k) === QUOTE) {
        // Quoted field.
        let value = '';
        let seg = k + 1;
        let j = seg;
        let fieldBreaks = 0;
        let closed = false;
        while (!closed) {
          const q = s.indexOf('"', j);
          const stop = q === -1 ? n : q;
          // Count line breaks inside the quoted text [j, stop).
          for (let x = j; x < stop; x++) {
            const c = s.charCodeAt(x);
            if (c === LF || (c === CR && s.charCodeAt(x + 1) !== LF)) {
              if (c === CR && x + 1 >= n && !eof) break; // CR at the end: maybe CRLF
              fieldBreaks++;
              if (firstBreak === -1) {
                firstBreak = x + 1;
                openField = fields.length + 1;
              }
            }
          }
          if (q === -1) {
            if (!eof) return { t: 'need', firstBreak, openField };
            return { t: 'error', message: `unclosed quote in field ${fields.length + 1}`, at: n, firstBreak, openField };
          }
          if (q + 1 >= n && !eof) return { t: 'need', firstBreak, openField };
          if (s.charCodeAt(q + 1) === QUOTE) {
            value += s.slice(seg, q + 1);
            j = q + 2;
            seg = j;
            continue;
          }
          value += s.slice(seg, q);
          i = q + 1;
          closed = true;
        }
        // After the closing quote: spaces, then a delimiter, a line break or the end.
        let a = i;
        if (d !== SPACE) while (a < n && s.charCodeAt(a) === SPACE) a++;
        if (a >= n && !eof) return { t: 'need', firstBreak, openField };
        const c = a < n ? s.charCodeAt(a) : -1;
        if (c === d || c === LF || c === CR || c === -1) {
          fields.push(value);
          breaks += fieldBreaks;
          i = a;
        } else if (fieldBreaks === 0) {
          // `"Big" Bob`: not a quoted field after all; read the field as literal text.
          let e = fieldStart;
          while (e < n) {
            const ch = s.charCodeAt(e);
            if (ch === d || ch === LF || ch === CR) break;
            e++;
          }
          if (e >= n && !eof) return { t: 'need', firstBreak, openField };
          fields.push(s.slice(fieldStart, e));
          i = e;
        } else {
          const shown = s.slice(a, a + 10);
          return {
            t: 'error',
            message: `unexpected text ${JSON.stringify(shown)} after the closing quote of field ${fields.length + 1}`,
            at: a,
            firstBreak,
            openField,
          };
        }
      } else {
        // Unquoted field.
        let e = i;
        while (e < n) {
          const ch = s.charCodeAt(e);
          if (ch === d || ch === LF || ch === CR) break;
          e++;
        }
        if (e >= n && !eof) return { t: 'need', firstBreak, openField };
        fields.push(s.slice(i, e));
        i = e;
      }
      // Between fields.
      if (i >= n) return { t: 'record', fields, next: n, breaks, firstBreak, openField, endsWithBreak: false };
      const c = s.charCodeAt(i);
      if (c === d) {
        i++;
        continue;
      }
      if (c === CR) {
        if (i + 1 >= n && !eof) return { t: 'need', firstBreak, openField };
        const next = s.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
        return { t: 'record', fields, next, breaks, firstBreak, openField, endsWithBreak: true };
      }
      // LF
      return { t: 'record', fields, next: i + 1, breaks, firstBreak, openField, endsWithBreak: true };
    }
  }
}

function nextBreak(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === LF || c === CR) return i;
  }
  return -1;
}

function afterBreak(s: string, at: number): number {
  return s.charCodeAt(at) === CR && s.charCodeAt(at + 1) === LF ? at + 2 : at + 1;
}

/** Given the index just after a line break, the index where that break starts. */
function breakStart(s: string, after: number): number {
  let b = after;
  if (b > 0 && s.charCodeAt(b - 1) === LF) b--;
  if (b > 0 && s.charCodeAt(b - 1) === CR) b--;
  return b;
}

export const DELIMITER_CANDIDATES = [',', '\t', ';', '|'] as const;

/**
 * Picks the delimiter among `, \t ; |` from the first lines of a sample: the candidate that
 * appears in the first (header) line and occurs the same number of times on the most lines;
 * ties go to the higher count, then to the order above. Quote-aware. Falls back to `,`.
 */
export function sniffDelimiter(sample: string, complete = false): string {
  const cands = DELIMITER_CANDIDATES.map((c) => c.charCodeAt(0));
  const lines: number[][] = [];
  let cur = cands.map(() => 0);
  let inQuotes = false;
  let nonEmpty = false;
  let i = 0;
  for (; i < sample.length && lines.length < 50; i++) {
    const c = sample.charCodeAt(i);
    if (c === QUOTE) {
      inQuotes = !inQuotes;
      nonEmpty = true;
    } else if (!inQuotes && (c === LF || c === CR)) {
      if (nonEmpty) lines.push(cur);
      cur = cands.map(() => 0);
      nonEmpty = false;
    } else {
      if (!inQuotes) {
        const k = cands.indexOf(c);
        if (k !== -1) cur[k]!++;
      }
      if (c !== SPACE) nonEmpty = true;
    }
  }
  // The last line counts only if it is known to be whole (or it is the only one).
  if (nonEmpty && (complete || lines.length === 0) && lines.length < 50) lines.push(cur);
  if (!lines.length) return ',';
  let best = ',';
  let bestScore = -1;
  cands.forEach((_, k) => {
    const header = lines[0]![k]!;
    if (header === 0) return;
    const consistent = lines.filter((l) => l[k] === header).length / lines.length;
    const score = Math.round(consistent * 1000) * 1000 + Math.min(header, 999);
    if (score > bestScore) {
      bestScore = score;
      best = DELIMITER_CANDIDATES[k]!;
    }
  });
  return best;
}
