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
      return r.email ? r.email.toLowerCase() : undefined;
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
      return r.namePinyin ? r.namePinyin.replace(/\s+/g, '').toLowerCase() : undefined;
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

/**
 * Calls `emit(value)` for each key value this blocking definition yields for the record (none
 * when a part is missing; the cartesian product when a part has several values, e.g. phones).
 * `value` excludes the definition id; `blockingKeys` prefixes it.
 */
export function forEachKeyValue(r: Partial<CleanRecord>, def: BlockingKey, emit: (value: string) => void): void {
  const parts = def.parts;
  if (parts.length === 1) {
    const v = part(r, parts[0] as KeyPart);
    if (v === undefined) return;
    if (typeof v === 'string') emit(v);
    else for (const x of v) emit(x);
    return;
  }
  let acc: string[] = [''];
  for (let i = 0; i < parts.length; i++) {
    const v = part(r, parts[i] as KeyPart);
    if (v === undefined) return;
    const vs = typeof v === 'string' ? [v] : v;
    const next: string[] = [];
    for (const a of acc) for (const x of vs) next.push(i === 0 ? x : `${a}|${x}`);
    acc = next;
  }
  for (const a of acc) emit(a);
}

/** Every blocking key of a record, as `<blockingId>:<value>`: what storage indexes for check-on-entry. */
export function blockingKeys(record: Partial<CleanRecord>, rules: MatchRules): string[] {
  const out: string[] = [];
  for (const def of rules.blocking) forEachKeyValue(record, def, (v) => out.push(`${def.id}:${v}`));
  return [...new Set(out)];
}
