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
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  if (la > MAX_SCRATCH || lb > MAX_SCRATCH) return 1 - distance(a, b) / Math.max(la, lb);
  const window = Math.max(0, (Math.max(la, lb) >> 1) - 1);
  flagsA.fill(0, 0, la);
  flagsB.fill(0, 0, lb);
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const lo = Math.max(0, i - window);
    const hi = Math.min(lb - 1, i + window);
    const c = a.charCodeAt(i);
    for (let j = lo; j <= hi; j++) {
      if (flagsB[j] === 0 && b.charCodeAt(j) === c) {
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
    if (a.charCodeAt(i) !== b.charCodeAt(k)) t++;
    k++;
  }
  const m = matches;
  return (m / la + m / lb + (m - t / 2) / m) / 3;
}

/** Jaro-Winkler: Jaro boosted by a common prefix of up to 4 characters (scaling 0.1). */
export function jaroWinkler(a: string, b: string): number {
  const j = jaro(a, b);
  if (j <= 0.7) return j;
  const max = Math.min(4, a.length, b.length);
  let p = 0;
  while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  return j + p * 0.1 * (1 - j);
}

/** 1 - edit distance / length of the longer string. */
export function levenshteinRatio(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  const m = Math.max(a.length, b.length);
  return m === 0 ? 0 : 1 - distance(a, b) / m;
}

function tokens(s: string): string[] {
  return s.split(/[\s,.\-_/]+/).filter((t) => t.length > 0);
}

/**
 * Symmetric Monge-Elkan over whitespace tokens with Jaro-Winkler inside: each token is matched
 * with its best counterpart, averaged over both directions. Robust to swapped given/family names
 * ("smith john" vs "john smith" = 1). When one side has fewer tokens (a given name left out), the
 * score is at least 0.9 x how well the shorter side is contained in the longer ("green" vs
 * "thomas green" = 0.9).
 */
export function tokenSimilarity(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  const ta = tokens(a);
  const tb = tokens(b);
  if (ta.length === 0 || tb.length === 0) return 0;
  if (ta.length === 1 && tb.length === 1) return jaroWinkler(ta[0]!, tb[0]!);
  const sym = (mongeElkan(ta, tb) + mongeElkan(tb, ta)) / 2;
  if (ta.length === tb.length) return sym;
  // one side lacks a token (a missing given name): how well the shorter side is contained, x0.9
  const contained = 0.9 * (ta.length < tb.length ? mongeElkan(ta, tb) : mongeElkan(tb, ta));
  return contained > sym ? contained : sym;
}

function mongeElkan(ta: string[], tb: string[]): number {
  let sum = 0;
  for (const x of ta) {
    let best = 0;
    for (const y of tb) {
      const s = x === y ? 1 : jaroWinkler(x, y);
      if (s > best) best = s;
      if (best === 1) break;
    }
    sum += best;
  }
  return sum / ta.length;
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
    if (y >= 4 && a.slice(0, y) === b.slice(0, y)) return y === 7 ? 0.6 : 0.5;
    return 0;
  }
  // transposed day/month: YYYY-MM-DD vs YYYY-DD-MM
  if (a.charCodeAt(0) === b.charCodeAt(0) && a.slice(0, 4) === b.slice(0, 4) && a.slice(5, 7) === b.slice(8, 10) && a.slice(8, 10) === b.slice(5, 7)) {
    return 0.85;
  }
  let diff = 0;
  for (let i = 0; i < 10; i++) {
    if (i === 4 || i === 7) continue;
    if (a.charCodeAt(i) !== b.charCodeAt(i)) diff++;
  }
  if (diff === 1) return 0.75;
  if (a.slice(0, 7) === b.slice(0, 7)) return 0.6;
  if (diff === 2) return 0.3;
  return 0;
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
  out.subarray(0, k).sort();
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
