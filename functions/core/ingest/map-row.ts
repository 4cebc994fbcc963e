/**
 * One row or webhook event → record id, raw identity and (optionally) one behaviour event, as a
 * source/channel config says. Pure and lossless: values are made into trimmed text, nothing is
 * cleaned or validated here (phones, dates, names and attributes are cleaned downstream).
 */
import type { Consent, Problem, RawIdentity } from '../model.ts';
import { parseConsentValue } from './consent.ts';
import { getPath } from './path.ts';
import type { CanonicalField, JoinSpec, SourceConfig } from './source-config.ts';

export { getPath } from './path.ts';

export interface MappedEvent {
  /** Standard tag, or `unmapped:<native name>` when the native name has no mapping. */
  tag: string;
  /** The channel's own event name, when the config reads one (`events.eventName`). */
  nativeName?: string;
  /**
   * From `events.eventId` when configured and present. When absent the caller picks the
   * idempotency key: `<file>#<row>` for file rows (NOT the record id, which may be a customer id
   * shared by several purchase rows), a hash of channel + body for webhooks.
   */
  eventId?: string;
  /** Text as found (a Date cell becomes ISO 8601, a number its digits); parsed downstream. */
  occurredAt?: string;
  /** Standard attribute → value as found: strings trimmed, numbers and booleans kept, Dates as ISO. */
  attributes: Record<string, unknown>;
}

export interface MappedRow {
  recordId: string;
  identity: RawIdentity;
  event?: MappedEvent;
  /**
   * Per contact channel, from `config.consent`: `granted` from a yes/no value (see consent.ts),
   * `at` as found (text; parsed downstream). Unrecognized or empty values give no entry.
   */
  consent?: Record<string, Consent>;
}

export interface MapContext {
  fileName: string;
  rowNumber: number;
}

/** Digits of a number without exponent or ".0": 13812345678 → "13812345678". */
function numberText(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? n.toFixed(0) : BigInt(n).toString();
  return String(n);
}

/**
 * Id-like text as Excel or a CSV writer may have left it: "13812345678.0" → "13812345678",
 * "1.3812345678E+10" → "13812345678". Only when exact: "1.38123E+10" (a display cut to six
 * digits) is left alone, so the cleaner rejects it instead of us inventing a number.
 */
export function idText(s: string): string {
  const dotZero = /^([+-]?\d+)\.0+$/.exec(s);
  if (dotZero) return dotZero[1]!;
  const sci = /^(\d)(?:\.(\d+))?[eE]\+?(\d+)$/.exec(s);
  if (sci) {
    const frac = sci[2] ?? '';
    if (frac.length === Number(sci[3])) return sci[1] + frac;
  }
  return s;
}

function isUtcMidnight(d: Date): boolean {
  return d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0 && d.getUTCMilliseconds() === 0;
}

/** Any value as trimmed text ('' for nothing). */
export function valueText(v: unknown, opts: { idLike?: boolean; dateOnly?: boolean } = {}): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') {
    const t = v.trim();
    return opts.idLike ? idText(t) : t;
  }
  if (typeof v === 'number') return numberText(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return '';
    return opts.dateOnly && isUtcMidnight(v) ? v.toISOString().slice(0, 10) : v.toISOString();
  }
  return JSON.stringify(v);
}

const ID_LIKE = new Set<CanonicalField>(['phone', 'phones', 'memberId', 'postcode', 'areaCode']);

function asList<T>(x: T | T[] | undefined): T[] {
  return x === undefined ? [] : Array.isArray(x) ? x : [x];
}

/** Non-empty texts at the given paths, in order; array values contribute each element. */
function textsAt(fields: Record<string, unknown>, paths: string[], opts: { idLike?: boolean; dateOnly?: boolean }): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const v = getPath(fields, p);
    for (const item of Array.isArray(v) ? v : [v]) {
      const t = valueText(item, opts);
      if (t) out.push(t);
    }
  }
  return out;
}

const isJoin = (x: unknown): x is JoinSpec => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The non-empty parts at `join`'s paths, as one text with the separator between them. */
function joined(fields: Record<string, unknown>, spec: JoinSpec, opts: { idLike?: boolean; dateOnly?: boolean }): string[] {
  const parts = spec.join.map((p) => textsAt(fields, [p], opts)[0]).filter((t): t is string => Boolean(t));
  return parts.length ? [parts.join(spec.separator)] : [];
}

function attributeValue(v: unknown): unknown {
  if (typeof v === 'string') return v.trim();
  if (v instanceof Date) return valueText(v);
  return v;
}

function isAbsent(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

function readAttributes(fields: Record<string, unknown>, spec: Record<string, string> | undefined, into: Record<string, unknown>): void {
  if (!spec) return;
  for (const [attr, path] of Object.entries(spec)) {
    const v = getPath(fields, path);
    if (!isAbsent(v)) into[attr] = attributeValue(v);
  }
}

/**
 * Maps one row. Rules:
 * - record id: `config.recordId`'s value (id-like text), else `<fileName>#<rowNumber>`;
 * - `fields.phone` (one path or several): the first non-empty value is `identity.phone`, any
 *   others go to `identity.phones`; `fields.phones`: every non-empty value goes to `phones`
 *   (an array value contributes each element); `phones` never repeats `phone`;
 * - every other field: the first non-empty value among its paths;
 * - `externalIds`: id name → non-empty value;
 * - event (when `config.events` is set): the native name at `events.eventName` is looked up in
 *   `mapping` (exact, then case-insensitive) → its tag, attributes = `events.attributes` overlaid
 *   with the mapping's; a name not in the mapping → `unmapped:<name>` with `events.attributes`;
 *   no native name (or no `eventName` configured) → the fixed `events.tag`; neither → problem
 *   `event.name_missing`.
 */
export function mapRow(fields: Record<string, unknown>, config: SourceConfig, ctx: MapContext): MappedRow | { problem: Problem } {
  const configuredId = config.recordId ? valueText(getPath(fields, config.recordId), { idLike: true }) : '';
  const recordId = configuredId || `${ctx.fileName}#${ctx.rowNumber}`;

  const identity: RawIdentity = {};
  const phones: string[] = [];
  const spec = config.fields ?? {};
  for (const key of Object.keys(spec) as CanonicalField[]) {
    const at = spec[key];
    if (at === undefined) continue;
    const opts = { idLike: ID_LIKE.has(key), dateOnly: key === 'birthDate' || key === 'observedAt' };
    const values = isJoin(at) ? joined(fields, at, opts) : textsAt(fields, asList(at), opts);
    if (!values.length) continue;
    if (key === 'phone') {
      identity.phone = values[0];
      phones.push(...values.slice(1));
    } else if (key === 'phones') {
      phones.push(...values);
    } else {
      identity[key] = values[0];
    }
  }
  if (phones.length) {
    const extra = [...new Set(phones)].filter((p) => p !== identity.phone);
    if (extra.length) identity.phones = extra;
  }
  if (config.externalIds) {
    const ids: Record<string, string> = {};
    for (const [name, path] of Object.entries(config.externalIds)) {
      const t = textsAt(fields, [path], { idLike: true })[0];
      if (t) ids[name] = t;
    }
    if (Object.keys(ids).length) identity.externalIds = ids;
  }

  let consent: Record<string, Consent> | undefined;
  for (const [channel, spec] of Object.entries(config.consent ?? {})) {
    const valuePath = typeof spec === 'string' ? spec : spec.value;
    const granted = parseConsentValue(getPath(fields, valuePath));
    if (granted === undefined) continue;
    const entry: Consent = { granted };
    if (typeof spec !== 'string' && spec.at) {
      const at = valueText(getPath(fields, spec.at));
      if (at) entry.at = at;
    }
    (consent ??= {})[channel] = entry;
  }

  const ev = config.events;
  if (!ev) return consent ? { recordId, identity, consent } : { recordId, identity };

  const nativeName = ev.eventName ? valueText(getPath(fields, ev.eventName)) : '';
  const attributes: Record<string, unknown> = {};
  let tag: string;
  if (nativeName) {
    const mapping = ev.mapping ?? {};
    let m = Object.prototype.hasOwnProperty.call(mapping, nativeName) ? mapping[nativeName] : undefined;
    if (!m) {
      const lower = nativeName.toLowerCase();
      const key = Object.keys(mapping).find((k) => k.toLowerCase() === lower);
      m = key === undefined ? undefined : mapping[key];
    }
    readAttributes(fields, ev.attributes, attributes);
    if (m) {
      tag = m.tag;
      readAttributes(fields, m.attributes, attributes);
    } else {
      tag = `unmapped:${nativeName}`;
    }
  } else if (ev.tag) {
    tag = ev.tag;
    readAttributes(fields, ev.attributes, attributes);
  } else {
    return {
      problem: {
        code: 'event.name_missing',
        message: `row ${ctx.rowNumber}: no event name at ${JSON.stringify(ev.eventName)} and no fixed "events.tag" to fall back on`,
      },
    };
  }

  const event: MappedEvent = { tag, attributes };
  if (nativeName) event.nativeName = nativeName;
  if (ev.eventId) {
    const id = valueText(getPath(fields, ev.eventId), { idLike: true });
    if (id) event.eventId = id;
  }
  if (ev.timestamp) {
    const at = valueText(getPath(fields, ev.timestamp));
    if (at) event.occurredAt = at;
  }
  return consent ? { recordId, identity, event, consent } : { recordId, identity, event };
}
