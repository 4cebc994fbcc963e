/**
 * Strict JSON parsing that says *where* malformed input goes wrong.
 *
 * `JSON.parse` does the work on the happy path (it is fast and iterative). V8's error
 * messages do not reliably carry a position ("Unexpected token '}', "..." is not valid JSON"), so
 * on failure a small iterative scanner re-reads the text to find the first offending character
 * and reports it as a 1-based line and column. Columns count Unicode code points; lines are
 * separated by `\n`.
 */

export interface JsonPosition {
  /** 0-based offset in UTF-16 code units into the text that was parsed (after a stripped BOM). */
  offset: number;
  /** 1-based line. */
  line: number;
  /** 1-based column, in code points. */
  column: number;
}

export type JsonParseResult =
  | { ok: true; value: unknown }
  | { ok: false; position: JsonPosition; reason: string; message: string };

const BOM = '\uFEFF';

/** Parse JSON text (a leading UTF-8 BOM is ignored). Never throws. */
export function parseJson(text: string): JsonParseResult {
  const src = text.startsWith(BOM) ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(src) as unknown };
  } catch (err) {
    const found = locateJsonError(src);
    if (found) {
      const position = positionOf(src, found.offset);
      return {
        ok: false,
        position,
        reason: found.reason,
        message: `malformed JSON at line ${position.line}, column ${position.column}: ${found.reason}`,
      };
    }
    // The scanner accepts everything JSON.parse rejected: should not happen; keep the engine's words.
    const position = positionOf(src, src.length);
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, position, reason, message: `malformed JSON: ${reason}` };
  }
}

/** 1-based line and column (code points) of a 0-based UTF-16 offset. */
export function positionOf(text: string, offset: number): JsonPosition {
  const at = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  let column = 1;
  for (let i = lineStart; i < at; i++) {
    const c = text.charCodeAt(i);
    // A surrogate pair is one code point; count it at its high half only.
    if (c >= 0xdc00 && c <= 0xdfff && i > lineStart) {
      const prev = text.charCodeAt(i - 1);
      if (prev >= 0xd800 && prev <= 0xdbff) continue;
    }
    column++;
  }
  return { offset: at, line, column };
}

type State = 'value' | 'valueOrEnd' | 'key' | 'keyOrEnd' | 'colon' | 'after';

function describe(ch: string): string {
  return JSON.stringify(ch);
}

/**
 * Find the first syntax error in `text` per RFC 8259. Returns null when the text is valid JSON.
 * Iterative (explicit stack), so deep nesting cannot overflow the call stack.
 */
export function locateJsonError(text: string): { offset: number; reason: string } | null {
  const n = text.length;
  const stack: ('obj' | 'arr')[] = [];
  let state: State = 'value';
  let i = 0;
  let done = false;

  const isWs = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;
  const isDigit = (c: number) => c >= 48 && c <= 57;

  const scanString = (): { offset: number; reason: string } | null => {
    // text[i] === '"'
    const start = i;
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return null;
      }
      if (c === 92) {
        const e = text[i + 1];
        if (e === undefined) return { offset: n, reason: 'unterminated string' };
        if ('"\\/bfnrt'.includes(e)) {
          i += 2;
          continue;
        }
        if (e === 'u') {
          for (let k = 2; k < 6; k++) {
            const h = text[i + k];
            if (h === undefined) return { offset: n, reason: 'unterminated string' };
            if (!/[0-9a-fA-F]/.test(h)) return { offset: i + k, reason: `bad \\u escape: ${describe(h)} is not a hex digit` };
          }
          i += 6;
          continue;
        }
        return { offset: i + 1, reason: `bad escape \\${e}` };
      }
      if (c < 0x20) return { offset: i, reason: 'unescaped control character in string' };
      i++;
    }
    return { offset: n, reason: `unterminated string (opened at offset ${start})` };
  };

  const scanNumber = (): { offset: number; reason: string } | null => {
    if (text[i] === '-') i++;
    if (i >= n) return { offset: n, reason: 'unexpected end of input in a number' };
    if (text[i] === '0') {
      i++;
    } else if (isDigit(text.charCodeAt(i))) {
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    } else {
      return { offset: i, reason: `expected a digit, found ${describe(text[i]!)}` };
    }
    if (text[i] === '.') {
      i++;
      if (i >= n) return { offset: n, reason: 'unexpected end of input in a number' };
      if (!isDigit(text.charCodeAt(i))) return { offset: i, reason: `expected a digit after '.', found ${describe(text[i]!)}` };
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (i >= n) return { offset: n, reason: 'unexpected end of input in a number' };
      if (!isDigit(text.charCodeAt(i))) return { offset: i, reason: `expected a digit in the exponent, found ${describe(text[i]!)}` };
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    }
    return null;
  };

  const closeValue = (): State => {
    if (stack.length === 0) done = true;
    return 'after';
  };

  while (true) {
    while (i < n && isWs(text.charCodeAt(i))) i++;
    if (i >= n) {
      if (done) return null;
      return { offset: n, reason: stack.length ? `unexpected end of input (unclosed ${stack[stack.length - 1] === 'obj' ? 'object' : 'array'})` : 'unexpected end of input' };
    }
    if (done) return { offset: i, reason: `unexpected ${describe(text[i]!)} after the end of the JSON value` };
    const ch = text[i]!;
    switch (state) {
      case 'valueOrEnd':
      case 'value': {
        if (state === 'valueOrEnd' && ch === ']') {
          stack.pop();
          i++;
          state = closeValue();
          break;
        }
        if (ch === '{') {
          stack.push('obj');
          i++;
          state = 'keyOrEnd';
        } else if (ch === '[') {
          stack.push('arr');
          i++;
          state = 'valueOrEnd';
        } else if (ch === '"') {
          const e = scanString();
          if (e) return e;
          state = closeValue();
        } else if (ch === '-' || isDigit(ch.charCodeAt(0))) {
          const e = scanNumber();
          if (e) return e;
          state = closeValue();
        } else if (ch === 't' || ch === 'f' || ch === 'n') {
          const word = ch === 't' ? 'true' : ch === 'f' ? 'false' : 'null';
          for (let k = 0; k < word.length; k++) {
            if (text[i + k] !== word[k]) {
              if (i + k >= n) return { offset: n, reason: `unexpected end of input in ${word}` };
              return { offset: i + k, reason: `unexpected ${describe(text[i + k]!)} (expected ${word})` };
            }
          }
          i += word.length;
          state = closeValue();
        } else {
          return { offset: i, reason: `unexpected ${describe(ch)} where a value was expected` };
        }
        break;
      }
      case 'keyOrEnd':
      case 'key': {
        if (state === 'keyOrEnd' && ch === '}') {
          stack.pop();
          i++;
          state = closeValue();
          break;
        }
        if (ch !== '"') return { offset: i, reason: `unexpected ${describe(ch)} where a "quoted" property name was expected` };
        const e = scanString();
        if (e) return e;
        state = 'colon';
        break;
      }
      case 'colon': {
        if (ch !== ':') return { offset: i, reason: `expected ':' after the property name, found ${describe(ch)}` };
        i++;
        state = 'value';
        break;
      }
      case 'after': {
        const top = stack[stack.length - 1];
        if (top === 'obj') {
          if (ch === ',') state = 'key';
          else if (ch === '}') stack.pop();
          else return { offset: i, reason: `expected ',' or '}' after a property value, found ${describe(ch)}` };
        } else {
          if (ch === ',') state = 'value';
          else if (ch === ']') stack.pop();
          else return { offset: i, reason: `expected ',' or ']' after an array element, found ${describe(ch)}` };
        }
        i++;
        if (state === 'after' && stack.length === 0) done = true;
        break;
      }
    }
  }
}
