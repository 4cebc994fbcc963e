/**
 * Blocking: which records are compared at all. Each `rules.blocking` definition groups records by
 * a key (phone, e-mail, nameKey+birthDate, …), by a 53-bit hash of the key with the record index
 * in the low bits of one float, sorted in a typed array: no million-entry string map (a rare hash
 * collision only adds comparisons). An identifier block (phone, e-mail, member id, external id)
 * whose records carry more than `guards.genericValue.maxDistinctNames` distinct names (or more
 * than `maxRecords` records) is a generic value: it yields no pairs and is reported. A block
 * larger than `maxBlockSize` is compared by a sorted-neighbourhood window instead of all pairs.
 */
import type { CleanRecord } from '../model.ts';
import { distinctNamesExceed, listedGenericNumbers, nameSignature } from './generic.ts';
import { keyHashes, keyValues, MAX_KEYS_PER_RECORD } from './keys.ts';
import type { BlockingKey, MatchRules } from './rules.ts';
import { emptyGeneric, type GenericField, type GenericValues } from './score.ts';

export interface BlockingResult {
  /** Identifier values found generic (and numbers found shared by a household). */
  generic: GenericValues;
  /** Generic values as `<blockingId>:<value>`. */
  genericList: string[];
  /** Blocks with two or more records. */
  blocks: number;
  /** Blocks compared by window because they exceeded maxBlockSize. */
  oversized: number;
}

function genericField(def: BlockingKey): GenericField | undefined {
  if (def.parts.length !== 1) return undefined;
  const p = def.parts[0]!;
  if (p === 'phone') return 'phones';
  if (p === 'email') return 'email';
  if (p === 'memberId') return 'memberId';
  if (p === 'externalIds.*') return 'externalIds';
  return undefined;
}

/** The key value (as in blockingKeys) of a block, found back from one member and the block's hash. */
function blockValue(r: CleanRecord, def: BlockingKey, h: number, hashScale: number, buf: Float64Array): string {
  const k = keyHashes(r, def, buf);
  const values = keyValues(r, def);
  for (let c = 0; c < k; c++) if (Math.floor((buf[c]! / 2 ** 53) * hashScale) === h) return values[c]!;
  return values[0]!;
}

/** `${a}|${b}` against `${c}|${d}` in string order (UTF-16 code units), without building either. */
function compareJoined(a: string, b: string, c: string, d: string): number {
  const left = a.length + 1 + b.length;
  const right = c.length + 1 + d.length;
  const unitOf = (x: string, y: string, i: number): number => (i < x.length ? x.charCodeAt(i) : i === x.length ? 124 : y.charCodeAt(i - x.length - 1));
  for (let i = 0; i < left && i < right; i++) {
    const u = unitOf(a, b, i);
    const v = unitOf(c, d, i);
    if (u !== v) return u - v;
  }
  return left - right;
}

/**
 * Calls `visit(i·n + j, d)` (i < j) for every pair that blocking definition `d` puts together; a
 * pair two definitions share is visited twice.
 */
export function forEachBlockedPair(records: CleanRecord[], rules: MatchRules, visit: (code: number, definition: number) => void): BlockingResult {
  const n = records.length;
  const guards = rules.guards;
  const listedNumbers = listedGenericNumbers(rules);
  const generic = emptyGeneric();
  const genericList: string[] = [];
  let blocks = 0;
  let oversized = 0;
  // per definition, one float per (key, record): hash in the high bits, record index in the low
  // bits; sorted, equal high bits are one block
  const recBits = Math.max(1, Math.ceil(Math.log2(n + 1)));
  const recScale = 2 ** recBits;
  const hashScale = 2 ** (53 - recBits);
  const hashBuf = new Float64Array(MAX_KEYS_PER_RECORD);
  let occ = new Float64Array(Math.max(16, n));
  const members: number[] = [];
  rules.blocking.forEach((def, d) => {
    let len = 0;
    for (let i = 0; i < n; i++) {
      const k = keyHashes(records[i]!, def, hashBuf);
      for (let c = 0; c < k; c++) {
        if (len === occ.length) {
          const o2 = new Float64Array(len * 2);
          o2.set(occ);
          occ = o2;
        }
        occ[len++] = Math.floor((hashBuf[c]! / 2 ** 53) * hashScale) * recScale + i;
      }
    }
    const sortedOcc = occ.subarray(0, len).sort();
    const gField = def.identifier ? genericField(def) : undefined;
    const maxBlock = def.maxBlockSize ?? guards.maxBlockSize;
    const window = def.windowSize ?? guards.windowSize;
    for (let start = 0; start < len; ) {
      const h = Math.floor(sortedOcc[start]! / recScale);
      let end = start + 1;
      while (end < len && Math.floor(sortedOcc[end]! / recScale) === h) end++;
      if (end - start < 2) {
        start = end;
        continue;
      }
      members.length = 0;
      for (let o = start; o < end; o++) {
        const r = sortedOcc[o]! - h * recScale;
        if (members[members.length - 1] !== r) members.push(r);
      }
      start = end;
      if (members.length < 2) continue;
      blocks++;
      if (def.identifier) {
        const isGeneric =
          members.length > guards.genericValue.maxRecords ||
          distinctNamesExceed(records, members, guards.genericValue.maxDistinctNames) ||
          (gField === 'phones' && listedNumbers.size > 0 && listedNumbers.has(blockValue(records[members[0]!]!, def, h, hashScale, hashBuf)));
        if (isGeneric) {
          const value = blockValue(records[members[0]!]!, def, h, hashScale, hashBuf);
          genericList.push(`${def.id}:${value}`);
          if (gField) generic[gField].add(value);
          continue;
        }
        // shared: names that are not one name written two ways (the arrival policy's test, core/identity)
        if (gField === 'phones' && new Set(members.map((i) => nameSignature(records[i]!)).filter(Boolean)).size > 1)
          (generic.sharedPhones ??= new Set()).add(blockValue(records[members[0]!]!, def, h, hashScale, hashBuf));
      }
      if (members.length <= maxBlock) {
        for (let x = 0; x < members.length; x++) {
          const i = members[x]!;
          for (let y = x + 1; y < members.length; y++) visit(i * n + members[y]!, d);
        }
      } else {
        oversized++;
        // by name, then birth date: "<name>|<birth date>" in string order, without building the strings
        const names = members.map((r) => nameSignature(records[r]!) ?? '');
        const births = members.map((r) => records[r]!.birthDate ?? '');
        const order = members.map((_, k) => k).sort((a, b) => compareJoined(names[a]!, births[a]!, names[b]!, births[b]!) || a - b);
        for (let x = 0; x < order.length; x++) {
          const i = members[order[x]!]!;
          const end2 = Math.min(order.length, x + 1 + window);
          for (let y = x + 1; y < end2; y++) {
            const j = members[order[y]!]!;
            visit(i < j ? i * n + j : j * n + i, d);
          }
        }
      }
    }
  });
  return { generic, genericList, blocks, oversized };
}
