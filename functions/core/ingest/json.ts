/**
 * Streaming JSON readers.
 *
 * - NDJSON / JSON Lines: one JSON object per line. A line that is not JSON (or not an object)
 *   is a problem for that row only; blank lines are not rows.
 * - JSON files: an array of objects `[{…},{…}]` is read element by element by a small scanner
 *   that tracks only strings and bracket depth, so the array is never held in memory (only one
 *   element at a time, at most `maxElementChars`). A file that is not an array is read as a
 *   sequence of top-level values (`{…}{…}` or pretty-printed objects one after another).
 *   A malformed element (bad JSON inside balanced brackets, or mismatched brackets) is a problem
 *   for that element and reading resumes after it; a file cut off in the middle of the array
 *   ends with one file problem.
 */

export type JsonItem =
  | { kind: 'value'; value: unknown; line: number }
  | { kind: 'error'; message: string; line: number; raw: string }
  | { kind: 'file-error'; message: string };

const RAW_LIMIT = 10_000;

/**
 * NDJSON, chunk by chunk: complete lines are parsed as they arrive; only the unfinished last line
 * of a chunk is kept (as pieces, never re-joined until its end is seen).
 */
export class NdjsonScanner {
  private pieces: string[] = [];
  private pendingLength = 0;
  private line = 0;
  private discarding = false;

  constructor(private readonly maxLineChars = 16 << 20) {}

  feed(chunk: string): JsonItem[] {
    const out: JsonItem[] = [];
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', from);
      if (nl === -1) break;
      this.line++;
      if (this.discarding) this.discarding = false;
      else this.parseLine(this.pieces.length ? this.pieces.join('') + chunk.slice(from, nl) : chunk.slice(from, nl), out);
      this.pieces = [];
      this.pendingLength = 0;
      from = nl + 1;
    }
    if (from < chunk.length && !this.discarding) {
      this.pieces.push(chunk.slice(from));
      this.pendingLength += chunk.length - from;
      if (this.pendingLength > this.maxLineChars) {
        out.push({ kind: 'error', line: this.line + 1, raw: this.pieces.join('').slice(0, 200), message: `the line is longer than ${this.maxLineChars} characters` });
        this.discarding = true;
        this.pieces = [];
        this.pendingLength = 0;
      }
    }
    return out;
  }

  end(): JsonItem[] {
    const out: JsonItem[] = [];
    if (this.pieces.length && !this.discarding) {
      this.line++;
      this.parseLine(this.pieces.join(''), out);
    }
    this.pieces = [];
    return out;
  }

  private parseLine(text: string, out: JsonItem[]): void {
    const t = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (t.trim() === '') return;
    if (t.length > this.maxLineChars) {
      out.push({ kind: 'error', line: this.line, raw: t.slice(0, 200), message: `the line is longer than ${this.maxLineChars} characters` });
      return;
    }
    try {
      out.push({ kind: 'value', value: JSON.parse(t), line: this.line });
    } catch (err) {
      out.push({ kind: 'error', line: this.line, raw: t.slice(0, RAW_LIMIT), message: `not valid JSON (${(err as Error).message})` });
    }
  }
}

/** Reads NDJSON. Each yielded value is the parsed line; errors name the line. */
export async function* readNdjsonValues(text: AsyncIterable<string>, maxLineChars?: number): AsyncGenerator<JsonItem> {
  const scanner = new NdjsonScanner(maxLineChars);
  for await (const chunk of text) {
    for (const item of scanner.feed(chunk)) yield item;
  }
  for (const item of scanner.end()) yield item;
}

const C = {
  LF: 0x0a,
  CR: 0x0d,
  SPACE: 0x20,
  TAB: 0x09,
  QUOTE: 0x22,
  BACKSLASH: 0x5c,
  COMMA: 0x2c,
  OPEN_BRACKET: 0x5b,
  CLOSE_BRACKET: 0x5d,
  OPEN_BRACE: 0x7b,
  CLOSE_BRACE: 0x7d,
} as const;

function isWs(c: number): boolean {
  return c === C.SPACE || c === C.LF || c === C.CR || c === C.TAB || c === 0xfeff;
}

/**
 * Incremental splitter of a JSON document into records (array elements, or top-level values).
 * Feed it text chunks; it returns the completed items of each chunk.
 */
export class JsonRecordScanner {
  private mode: 'start' | 'array' | 'values' | 'after' | 'done' = 'start';
  private inElement = false;
  private depth = 0;
  private stack: number[] = [];
  private inString = false;
  private escape = false;
  private pieces: string[] = [];
  private pieceStart = 0;
  private elementChars = 0;
  private oversized = false;
  private elementLine = 1;
  private line = 1;
  private count = 0;
  /** True once a top-level `[` was seen: elements are numbered within the array. */
  isArray = false;

  constructor(private readonly maxElementChars = 16 << 20) {}

  feed(chunk: string): JsonItem[] {
    const out: JsonItem[] = [];
    if (this.mode === 'done') return out;
    this.pieceStart = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk.charCodeAt(i);
      if (c === C.LF) this.line++;
      if (this.inElement) {
        if (this.inString) {
          if (this.escape) this.escape = false;
          else if (c === C.BACKSLASH) this.escape = true;
          else if (c === C.QUOTE) {
            this.inString = false;
            if (this.depth === 0 && this.mode === 'values') this.finish(chunk, i + 1, out);
          }
          continue;
        }
        if (c === C.QUOTE) {
          this.inString = true;
        } else if (c === C.OPEN_BRACE || c === C.OPEN_BRACKET) {
          this.stack.push(c);
          this.depth++;
        } else if (c === C.CLOSE_BRACE || c === C.CLOSE_BRACKET) {
          if (this.depth === 0) {
            // At element level, `]` ends the array; any other stray close stays in the element's
            // text, which then fails to parse: one problem for that element.
            if (this.mode === 'array' && c === C.CLOSE_BRACKET) {
              this.finish(chunk, i, out);
              this.mode = 'after';
            }
          } else {
            // Close up to the matching opener: `{"a":[1,2}` closes both, so a missing bracket
            // spoils one element (which then fails to parse) instead of the rest of the file.
            const opener = c === C.CLOSE_BRACE ? C.OPEN_BRACE : C.OPEN_BRACKET;
            const at = this.stack.lastIndexOf(opener);
            if (at !== -1) {
              this.stack.length = at;
              this.depth = at;
              if (this.depth === 0 && this.mode === 'values') this.finish(chunk, i + 1, out);
            }
          }
        } else if (this.depth === 0) {
          if (this.mode === 'array' && c === C.COMMA) this.finish(chunk, i, out);
          else if (this.mode === 'values' && isWs(c)) this.finish(chunk, i, out);
        }
        continue;
      }
      if (isWs(c)) continue;
      switch (this.mode) {
        case 'start':
          if (c === C.OPEN_BRACKET) {
            this.mode = 'array';
            this.isArray = true;
            continue;
          }
          this.mode = 'values';
          break;
        case 'array':
          if (c === C.CLOSE_BRACKET) {
            this.mode = 'after'; // `[]` or a trailing comma
            continue;
          }
          if (c === C.COMMA) {
            this.count++;
            out.push({ kind: 'error', line: this.line, raw: '', message: 'empty element (two commas in a row)' });
            continue;
          }
          break;
        case 'after':
          out.push({ kind: 'file-error', message: `unexpected text after the end of the JSON array at line ${this.line}` });
          this.mode = 'done';
          return out;
        default:
          break;
      }
      // Start of an element at i.
      this.inElement = true;
      this.depth = 0;
      this.inString = false;
      this.escape = false;
      this.pieces = [];
      this.elementChars = 0;
      this.oversized = false;
      this.pieceStart = i;
      this.elementLine = this.line;
      this.stack = [];
      if (c === C.QUOTE) this.inString = true;
      else if (c === C.OPEN_BRACE || c === C.OPEN_BRACKET) {
        this.stack.push(c);
        this.depth = 1;
      }
    }
    if (this.inElement) this.keep(chunk.slice(this.pieceStart));
    return out;
  }

  end(): JsonItem[] {
    const out: JsonItem[] = [];
    if (this.inElement) {
      // An element whose brackets all closed is whole even when the array's `]` never came.
      if (this.depth === 0 && !this.inString) {
        this.finish('', 0, out);
      } else {
        out.push({
          kind: 'file-error',
          message: `the file ends inside ${this.isArray ? `element ${this.count + 1} of the JSON array` : `the JSON value that starts at line ${this.elementLine}`} (truncated file?)`,
        });
        this.inElement = false;
        return out;
      }
    }
    if (this.mode === 'array') out.push({ kind: 'file-error', message: 'the JSON array is never closed (truncated file?)' });
    return out;
  }

  /** How many records (elements) have been completed or failed so far. */
  get records(): number {
    return this.count;
  }

  private keep(piece: string): void {
    if (this.oversized) return;
    this.elementChars += piece.length;
    if (this.elementChars > this.maxElementChars) {
      this.oversized = true;
      this.pieces = [this.pieces.join('').slice(0, 200)];
      return;
    }
    if (piece.length) this.pieces.push(piece);
  }

  private finish(chunk: string, end: number, out: JsonItem[]): void {
    this.keep(chunk.slice(this.pieceStart, end));
    this.inElement = false;
    this.count++;
    const text = this.pieces.join('');
    this.pieces = [];
    this.pieceStart = end;
    if (this.oversized) {
      out.push({ kind: 'error', line: this.elementLine, raw: text, message: `the record is longer than ${this.maxElementChars} characters` });
      return;
    }
    try {
      out.push({ kind: 'value', value: JSON.parse(text), line: this.elementLine });
    } catch (err) {
      out.push({ kind: 'error', line: this.elementLine, raw: text.slice(0, RAW_LIMIT), message: `not valid JSON (${(err as Error).message})` });
    }
  }
}

/** Reads a JSON document (array of objects, or top-level values) as a stream of records. */
export async function* readJsonValues(text: AsyncIterable<string>, maxElementChars?: number): AsyncGenerator<JsonItem> {
  const scanner = new JsonRecordScanner(maxElementChars);
  for await (const chunk of text) {
    for (const item of scanner.feed(chunk)) yield item;
  }
  for (const item of scanner.end()) yield item;
}
