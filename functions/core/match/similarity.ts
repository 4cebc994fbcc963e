/**
 * String, date and address similarity functions used by the match comparators.
 * All return a number in [0, 1] (1 = identical) and allocate as little as possible: they run
 * millions of times in a batch resolve.
 */
import { distance } from 'fastest-levenshtein';

const MAX_SCRATCH = 256;
const flagsA = new Uint8Array(MAX_SCRATCH);
const flagsB = new Uint8Array(MAX_SCRATCH);

/** Jaro similarity over UTF-16 code units (Chinese names are BMP characters, one unit each). */
export function jaro(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  return jaroIn(a, 0, a.length, b, 0, b.length);
}

/** Jaro of a[as, ae) and b[bs, be), different strings or ranges (tokens are compared in place, never cut out). */
function jaroIn(a: string, as: number, ae: number, b: string, bs: number, be: number): number {
  const la = ae - as;
  const lb = be - bs;
  if (la === 0 || lb === 0) return 0;
  if (la > MAX_SCRATCH || lb > MAX_SCRATCH) return 1 - distance(a.slice(as, ae), b.slice(bs, be)) / Math.max(la, lb);
  const window = Math.max(0, (Math.max(la, lb) >> 1) - 1);
  flagsA.fill(0, 0, la);
  flagsB.fill(0, 0, lb);
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const lo = Math.max(0, i - window);
    const hi = Math.min(lb - 1, i + window);
    const c = a.charCodeAt(as + i);
    for (let j = lo; j <= hi; j++) {
      if (flagsB[j] === 0 && b.charCodeAt(bs + j) === c) {
        flagsA[i] = 1;
        flagsB[j] = 1;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let t = 0;
  let k = 0;
  for (let i = 0; i < la; i++) {
    if (flagsA[i] === 0) continue;
    while (flagsB[k] === 0) k++;
    if (a.charCodeAt(as + i) !== b.charCodeAt(bs + k)) t++;
    k++;
  }
  const m = matches;
  return (m / la + m / lb + (m - t / 2) / m) / 3;
}

/** Jaro-Winkler: Jaro boosted by a common prefix of up to 4 characters (scaling 0.1). */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  return jaroWinklerIn(a, 0, a.length, b, 0, b.length);
}

function jaroWinklerIn(a: string, as: number, ae: number, b: string, bs: number, be: number): number {
  const j = jaroIn(a, as, ae, b, bs, be);
  if (j <= 0.7) return j;
  const max = Math.min(4, ae - as, be - bs);
  let p = 0;
  while (p < max && a.charCodeAt(as + p) === b.charCodeAt(bs + p)) p++;
  return j + p * 0.1 * (1 - j);
}

/** 1 - edit distance / length of the longer string. */
export function levenshteinRatio(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  const m = Math.max(a.length, b.length);
  return m === 0 ? 0 : 1 - distance(a, b) / m;
}

/** What splits a name into tokens: white space (as the regular expression class \s), and , . - _ / */
function isTokenSeparator(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 128) return c === 44 || c === 46 || c === 45 || c === 95 || c === 47;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** A string's tokens as [start, end) offsets, in scratch buffers reused across calls. */
class Tokens {
  bounds = new Int32Array(32);
  count = 0;
  constructor(public s = '') {}
  of(s: string): this {
    this.s = s;
    this.count = 0;
    let start = -1;
    for (let i = 0; i <= s.length; i++) {
      const sep = i === s.length || isTokenSeparator(s.charCodeAt(i));
      if (!sep) {
        if (start < 0) start = i;
        continue;
      }
      if (start < 0) continue;
      if (2 * this.count + 2 > this.bounds.length) {
        const grown = new Int32Array(this.bounds.length * 2);
        grown.set(this.bounds);
        this.bounds = grown;
      }
      this.bounds[2 * this.count] = start;
      this.bounds[2 * this.count + 1] = i;
      this.count++;
      start = -1;
    }
    return this;
  }
  /** Token x of this against token y of `o`: 1 when equal, else Jaro-Winkler. */
  similarity(x: number, o: Tokens, y: number): number {
    const xs = this.bounds[2 * x]!;
    const xe = this.bounds[2 * x + 1]!;
    const ys = o.bounds[2 * y]!;
    const ye = o.bounds[2 * y + 1]!;
    if (xe - xs === ye - ys && sameChars(this.s, xs, o.s, ys, xe - xs)) return 1;
    return jaroWinklerIn(this.s, xs, xe, o.s, ys, ye);
  }
}
const tokensA = new Tokens();
const tokensB = new Tokens();

/**
 * Symmetric Monge-Elkan over whitespace tokens with Jaro-Winkler inside: each token is matched
 * with its best counterpart, averaged over both directions. Robust to swapped given/family names
 * ("smith john" vs "john smith" = 1). When one side has fewer tokens (a given name left out), the
 * score is at least 0.9 x how well the shorter side is contained in the longer ("green" vs
 * "thomas green" = 0.9).
 */
export function tokenSimilarity(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  const ta = tokensA.of(a);
  const tb = tokensB.of(b);
  if (ta.count === 0 || tb.count === 0) return 0;
  if (ta.count === 1 && tb.count === 1) return ta.similarity(0, tb, 0);
  const sym = (mongeElkan(ta, tb) + mongeElkan(tb, ta)) / 2;
  if (ta.count === tb.count) return sym;
  // one side lacks a token (a missing given name): how well the shorter side is contained, x0.9
  const contained = 0.9 * (ta.count < tb.count ? mongeElkan(ta, tb) : mongeElkan(tb, ta));
  return contained > sym ? contained : sym;
}

function mongeElkan(ta: Tokens, tb: Tokens): number {
  let sum = 0;
  for (let x = 0; x < ta.count; x++) {
    let best = 0;
    for (let y = 0; y < tb.count; y++) {
      const s = ta.similarity(x, tb, y);
      if (s > best) best = s;
      if (best === 1) break;
    }
    sum += best;
  }
  return sum / ta.count;
}

/**
 * Name similarity: 1 for the same comparison key; otherwise the better of Jaro-Winkler on the
 * keys and 0.95 x token similarity on the pinyin (or on the keys when there is no pinyin), so a
 * homophone typed by a pinyin IME (王伟/王玮 → "wang wei") or a swapped Western name scores 0.95,
 * just under an exact key.
 */
export function nameSimilarity(keyA: string | undefined, keyB: string | undefined, pyA: string | undefined, pyB: string | undefined): number | undefined {
  if (!keyA || !keyB) {
    if (pyA && pyB) return pyA === pyB ? 0.95 : 0.95 * tokenSimilarity(pyA, pyB);
    return undefined;
  }
  if (keyA === keyB) return 1;
  const s1 = jaroWinkler(keyA, keyB);
  const ta = pyA && pyB ? pyA : keyA;
  const tb = pyA && pyB ? pyB : keyB;
  const s2 = 0.95 * (ta === tb ? 1 : tokenSimilarity(ta, tb));
  return s1 > s2 ? s1 : s2;
}

/**
 * Birth-date similarity on `YYYY-MM-DD` (or `YYYY-MM`, `YYYY`):
 * 1 same date · 0.85 day and month transposed · 0.75 one digit different (a typo, or year ±1
 * with one digit) · 0.6 same year and month · 0.5 same year when one side only has a year ·
 * 0.3 two digits different · 0 otherwise.
 */
export function dateSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length < 10 || b.length < 10) {
    const y = Math.min(a.length, b.length, 7);
    if (y >= 4 && sameChars(a, 0, b, 0, y)) return y === 7 ? 0.6 : 0.5;
    return 0;
  }
  // transposed day/month: YYYY-MM-DD vs YYYY-DD-MM
  if (sameChars(a, 0, b, 0, 4) && sameChars(a, 5, b, 8, 2) && sameChars(a, 8, b, 5, 2)) return 0.85;
  let diff = 0;
  for (let i = 0; i < 10; i++) {
    if (i === 4 || i === 7) continue;
    if (a.charCodeAt(i) !== b.charCodeAt(i)) diff++;
  }
  if (diff === 1) return 0.75;
  if (sameChars(a, 0, b, 0, 7)) return 0.6;
  if (diff === 2) return 0.3;
  return 0;
}

/** Whether a[as, as + length) equals b[bs, bs + length) (no substring is cut out). */
function sameChars(a: string, as: number, b: string, bs: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (a.charCodeAt(as + k) !== b.charCodeAt(bs + k)) return false;
  return true;
}

const ADDRESS_PUNCT = /[\s,，.。、;；:：#\-—_/\\()（）]+/g;
const CJK = /[\u3400-\u9fff]/;

/**
 * Address similarity. Space-separated addresses (Latin script) compare token sets with fuzzy
 * token matching (a token counts as shared when Jaro-Winkler ≥ 0.9), giving a soft Jaccard.
 * Addresses in Chinese have no spaces: they compare by character-bigram Dice coefficient,
 * which tolerates a missing 市/区 or a typo without needing a segmenter.
 */
export function addressSimilarity(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  if (CJK.test(a) || CJK.test(b)) return bigramDice(a, b);
  const ta = a.toLowerCase().split(ADDRESS_PUNCT).filter((t) => t.length > 0);
  const tb = b.toLowerCase().split(ADDRESS_PUNCT).filter((t) => t.length > 0);
  if (ta.length === 0 || tb.length === 0) return 0;
  const used = new Uint8Array(tb.length);
  let shared = 0;
  for (const x of ta) {
    let best = -1;
    let bestS = 0;
    for (let j = 0; j < tb.length; j++) {
      if (used[j]) continue;
      const y = tb[j]!;
      const s = x === y ? 1 : x.length < 3 || y.length < 3 ? 0 : jaroWinkler(x, y);
      if (s > bestS) {
        bestS = s;
        best = j;
        if (s === 1) break;
      }
    }
    if (best >= 0 && bestS >= 0.9) {
      used[best] = 1;
      shared += bestS;
    }
  }
  return shared / (ta.length + tb.length - shared);
}

function isSeparator(c: number): boolean {
  // ASCII space and punctuation, and the CJK punctuation people type in addresses
  return c <= 47 || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 127) || c === 0x3000 || c === 0x3001 || c === 0x3002 || c === 0xff0c || c === 0xff08 || c === 0xff09 || c === 0xff1a || c === 0xff1b || c === 0x2014;
}

let gramsA = new Int32Array(256);
let gramsB = new Int32Array(256);

/** Character bigrams of `s` (separators skipped) as sorted ints in `out`; returns the count (-1: a single character, in out[0]). */
function bigrams(s: string, which: 0 | 1): number {
  let out = which === 0 ? gramsA : gramsB;
  if (out.length < s.length) {
    out = new Int32Array(s.length * 2);
    if (which === 0) gramsA = out;
    else gramsB = out;
  }
  let prev = -1;
  let k = 0;
  let chars = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isSeparator(c)) continue;
    chars++;
    if (prev >= 0) out[k++] = (prev << 16) | c;
    prev = c;
  }
  if (chars === 1) {
    out[0] = prev;
    return -1;
  }
  // a short address's few bigrams sort faster in place than through a subarray view
  if (k > 64) out.subarray(0, k).sort();
  else
    for (let i = 1; i < k; i++) {
      const x = out[i]!;
      let j = i - 1;
      while (j >= 0 && out[j]! > x) {
        out[j + 1] = out[j]!;
        j--;
      }
      out[j + 1] = x;
    }
  return k;
}

/**
 * Dice coefficient over character bigrams, separators and punctuation skipped: 2·shared /
 * (bigrams of a + bigrams of b). Works on sorted integer codes in scratch buffers: no allocation.
 */
export function bigramDice(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  const na = bigrams(a, 0);
  const nb = bigrams(b, 1);
  if (na === -1 || nb === -1) {
    if (na === -1 && nb === -1) return gramsA[0] === gramsB[0] ? 1 : 0;
    return 0;
  }
  if (na === 0 || nb === 0) return 0;
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < na && j < nb) {
    const x = gramsA[i]!;
    const y = gramsB[j]!;
    if (x === y) {
      shared++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return (2 * shared) / (na + nb);
}
