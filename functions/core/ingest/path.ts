/**
 * Paths into rows and JSON records: `a.b`, `items[0].sku`, `items[-1]` (last), `items.0.sku`,
 * `a["key.with.dots"]`, optional leading `$` / `$.`. A key that exists exactly as written is
 * preferred over the path reading (so a column named `No.` or `order.id` works as is).
 */

export type PathSegment = string | number;

export interface ParsedPath {
  segments: PathSegment[];
  error?: string;
}

const cache = new Map<string, ParsedPath>();

export function parsePath(path: string): ParsedPath {
  const hit = cache.get(path);
  if (hit) return hit;
  const parsed = parse(path);
  if (cache.size > 1000) cache.clear();
  cache.set(path, parsed);
  return parsed;
}

function parse(path: string): ParsedPath {
  const segments: PathSegment[] = [];
  let i = 0;
  const n = path.length;
  if (path.startsWith('$.')) i = 2;
  else if (path.startsWith('$[')) i = 1;
  if (i >= n) return { segments, error: 'empty path' };
  let expectName = path[i] !== '[';
  while (i < n) {
    if (expectName) {
      let j = i;
      while (j < n && path[j] !== '.' && path[j] !== '[') j++;
      if (j === i) return { segments, error: `empty name at position ${i}` };
      segments.push(path.slice(i, j));
      i = j;
    } else if (path[i] === '[') {
      const q = path[i + 1];
      if (q === '"' || q === "'") {
        let j = i + 2;
        let key = '';
        while (j < n && path[j] !== q) {
          if (path[j] === '\\' && j + 1 < n) j++;
          key += path[j];
          j++;
        }
        if (j >= n || path[j + 1] !== ']') return { segments, error: `unclosed [${q} at position ${i}` };
        segments.push(key);
        i = j + 2;
      } else {
        const close = path.indexOf(']', i);
        if (close === -1) return { segments, error: `unclosed [ at position ${i}` };
        const inner = path.slice(i + 1, close).trim();
        if (!/^-?\d+$/.test(inner)) return { segments, error: `expected an index like [0] at position ${i}` };
        segments.push(Number(inner));
        i = close + 1;
      }
    } else {
      return { segments, error: `unexpected ${JSON.stringify(path[i])} at position ${i}` };
    }
    if (i >= n) break;
    if (path[i] === '.') {
      i++;
      if (i >= n) return { segments, error: 'path ends with "."' };
      expectName = true;
    } else if (path[i] === '[') {
      expectName = false;
    } else {
      return { segments, error: `unexpected ${JSON.stringify(path[i])} at position ${i}` };
    }
  }
  return { segments };
}

function own(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** The value at `path` in `obj`, or undefined when any step is missing. Never reads inherited properties. */
export function getPath(obj: unknown, path: string): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  if (!Array.isArray(obj) && own(obj, path)) return (obj as Record<string, unknown>)[path];
  const { segments, error } = parsePath(path);
  if (error) return undefined;
  let cur: unknown = obj;
  for (const seg of segments) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (Array.isArray(cur)) {
      const idx = typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : NaN;
      if (!Number.isInteger(idx)) return undefined;
      cur = cur[idx < 0 ? cur.length + idx : idx];
    } else {
      const key = String(seg);
      if (!own(cur, key)) return undefined;
      cur = (cur as Record<string, unknown>)[key];
    }
  }
  return cur;
}
