/** Blocking keys: which records are compared at all. Storage indexes the same strings. */
import type { CleanRecord } from '../model.ts';
import type { BlockingKey, KeyPart, MatchRules } from './rules.ts';

type PartValue = string | string[] | undefined;

/** The record key used throughout matching: `${source}#${recordId}`. */
export function recordKey(r: Pick<CleanRecord, 'source' | 'recordId'>): string {
  return `${r.source}#${r.recordId}`;
}

function nameBase(r: Partial<CleanRecord>): string | undefined {
  return r.namePinyin || r.nameKey || undefined;
}

function nameTokens(r: Partial<CleanRecord>): string[] {
  const base = nameBase(r);
  return base ? base.toLowerCase().split(/\s+/).filter((t) => t.length > 0) : [];
}

function part(r: Partial<CleanRecord>, p: KeyPart): PartValue {
  switch (p) {
    case 'phone':
      return r.phones && r.phones.length > 0 ? r.phones : undefined;
    case 'email':
      return r.email || undefined;
    case 'memberId':
      return r.memberId || undefined;
    case 'externalIds.*': {
      if (!r.externalIds) return undefined;
      const out: string[] = [];
      for (const k in r.externalIds) if (r.externalIds[k]) out.push(`${k}=${r.externalIds[k]}`);
      return out.length > 0 ? out : undefined;
    }
    case 'nameKey':
      return r.nameKey || undefined;
    case 'namePinyin':
      return r.namePinyin || undefined;
    case 'nameTokens': {
      const t = nameTokens(r);
      return t.length > 0 ? t.sort().join(' ') : undefined;
    }
    case 'nameFirstToken':
      return nameTokens(r)[0];
    case 'nameLastToken': {
      const t = nameTokens(r);
      return t.length > 1 ? t[t.length - 1] : undefined;
    }
    case 'nameInitials': {
      const t = nameTokens(r);
      return t.length > 0 ? t.map((x) => x[0]).join('') : undefined;
    }
    case 'birthDate':
      return r.birthDate && r.birthDate.length === 10 ? r.birthDate : undefined;
    case 'birthYear':
      return r.birthDate && r.birthDate.length >= 4 ? r.birthDate.slice(0, 4) : undefined;
    case 'birthMonthDay':
      return r.birthDate && r.birthDate.length === 10 ? r.birthDate.slice(5) : undefined;
    case 'gender':
      return r.gender;
    case 'city':
      return r.city || undefined;
    case 'province':
      return r.province || undefined;
    default: {
      const v = r.externalIds?.[p.slice('externalIds.'.length)];
      return v || undefined;
    }
  }
}

const scratch: Array<string | string[]> = [];
/** Most key combinations one record yields for one definition (several phones × several ids). */
export const MAX_KEYS_PER_RECORD = 64;

/** Collects the part values into `scratch`; returns how many key combinations there are (0 if a part is missing). */
function gather(r: Partial<CleanRecord>, def: BlockingKey): number {
  let total = 1;
  for (let i = 0; i < def.parts.length; i++) {
    const v = part(r, def.parts[i] as KeyPart);
    if (v === undefined) return 0;
    scratch[i] = v;
    if (typeof v !== 'string') total *= v.length;
  }
  return Math.min(total, MAX_KEYS_PER_RECORD);
}

/** Key text is compared without whitespace and with ASCII letters in lower case (as keyHashes hashes it). */
function normalizeKeyText(s: string): string {
  return s.replace(/[\s\u3000]+/g, '').replace(/[A-Z]+/g, (x) => x.toLowerCase());
}

let rest = 0;
/** Part i's value for key combination `combo`; leaves the remaining combination index in `rest`. */
function pick(i: number, combo: number): string {
  const v = scratch[i]!;
  if (typeof v === 'string') {
    rest = combo;
    return v;
  }
  rest = Math.floor(combo / v.length);
  return v[combo % v.length]!;
}

/**
 * Writes one 53-bit hash per key value of the record into `out` (two 32-bit FNV/Murmur-style
 * hashes over the parts, whitespace skipped and ASCII lower-cased, no string built) and returns
 * how many. The batch resolver blocks on
 * these numbers, so a million records cost no million-entry string map.
 */
export function keyHashes(r: Partial<CleanRecord>, def: BlockingKey, out: Float64Array): number {
  const total = gather(r, def);
  for (let c = 0; c < total; c++) {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    let rem = c;
    for (let i = 0; i < def.parts.length; i++) {
      const s = pick(i, rem);
      rem = rest;
      for (let k = 0; k < s.length; k++) {
        let ch = s.charCodeAt(k);
        if (ch === 32 || ch === 9 || ch === 10 || ch === 13 || ch === 0x3000) continue;
        if (ch >= 65 && ch <= 90) ch += 32;
        h1 = Math.imul(h1 ^ ch, 16777619);
        h2 = Math.imul(h2 ^ ch, 0x5bd1e995);
        h2 ^= h2 >>> 15;
      }
      h1 = Math.imul(h1 ^ 0x1f, 16777619);
      h2 = Math.imul(h2 ^ 0x1f, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    out[c] = (h1 >>> 0) * 2097152 + ((h2 >>> 0) >>> 11);
  }
  return total;
}

/** The key values (parts joined by `|`) of a record for one definition, in the order of keyHashes. */
export function keyValues(r: Partial<CleanRecord>, def: BlockingKey): string[] {
  const total = gather(r, def);
  const out: string[] = [];
  for (let c = 0; c < total; c++) {
    let rem = c;
    let key = '';
    for (let i = 0; i < def.parts.length; i++) {
      const s = pick(i, rem);
      rem = rest;
      const v = normalizeKeyText(s);
      key = i === 0 ? v : `${key}|${v}`;
    }
    out.push(key);
  }
  return out;
}

/** A record's blocking keys, as `<blockingId>:<value>`: what storage indexes for arrival and the check on entry (blocks marked `onArrival: false` are the batch re-match's alone). */
export function blockingKeys(record: Partial<CleanRecord>, rules: MatchRules): string[] {
  const out: string[] = [];
  for (const def of rules.blocking) if (def.onArrival !== false) for (const v of keyValues(record, def)) out.push(`${def.id}:${v}`);
  return [...new Set(out)];
}

/** The fields a person is looked up by (search), in the order a query is tried. */
export const LOOKUP_FIELDS = ['namePinyin', 'email', 'memberId', 'externalIds.*'] as const;
export type LookupField = (typeof LOOKUP_FIELDS)[number];

/**
 * The index keys a record is found by, per lookup field: the blocking key when the rules block on
 * that field alone (the entry is written anyway), else `find-<field>:<value>`. Name search goes by
 * the toneless pinyin, so 张伟, 張偉 and "zhang wei" reach the same entries.
 */
export function lookupKeys(record: Partial<CleanRecord>, rules: MatchRules, fields: readonly LookupField[] = LOOKUP_FIELDS): string[] {
  const out: string[] = [];
  for (const field of fields) {
    const def = rules.blocking.find((d) => d.parts.length === 1 && d.parts[0] === field) ?? { id: `find-${field}`, parts: [field] };
    for (const v of keyValues(record, def as BlockingKey)) out.push(`${def.id}:${v}`);
  }
  return [...new Set(out)];
}
