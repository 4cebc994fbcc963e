/**
 * Segments: a small query language over computed profiles, for campaign exports.
 *
 *   parseSegmentQuery('tag:high_spending_power city:上海 spend>=1000 consent:sms') → SegmentQuery
 *   matchesSegment(query, profile) → boolean   (pure; leaves out profiles without consent)
 *
 * Terms are separated by spaces and all must hold. A term is
 * - `key:value` (values may be "quoted"; `a,b` means a or b; `-key:value` negates):
 *   tag, city, province, gender (F/M), stage (new/active/at_risk/lapsed), spending and activity
 *   (high/medium/low), prefers (a category preference tag `prefers:<category>`), channel (has
 *   interacted through that channel), consent (the marketing channel: sms, email, phone, wechat, …);
 * - `field<op>number` with op one of >= <= > < = : spend (yuan, to the cent), orders, aov (yuan),
 *   age, recency (days since last activity), interactions (last 90 days).
 * At least one `consent:<channel>` is required: a campaign export only includes profiles whose
 * latest consent for that channel (or for `all`) is granted.
 */
import { parseMoney } from '../events/money.ts';
import { parsePhone } from '../clean/phone.ts';
import { hasConsent } from './build.ts';
import type { ConsentState, ProfileMetrics, ProfileView } from './types.ts';

export const MATCH_KEYS = ['tag', 'city', 'province', 'gender', 'stage', 'spending', 'activity', 'prefers', 'channel', 'consent'] as const;
export const NUMERIC_FIELDS = ['spend', 'orders', 'aov', 'age', 'recency', 'interactions'] as const;
type MatchKey = (typeof MATCH_KEYS)[number];
type NumericField = (typeof NUMERIC_FIELDS)[number];
type Op = '>=' | '<=' | '>' | '<' | '=';

export type SegmentTerm =
  | { kind: 'match'; key: MatchKey; values: string[]; negate: boolean; text: string }
  | { kind: 'compare'; field: NumericField; op: Op; value: number; text: string };

export interface SegmentQuery {
  text: string;
  terms: SegmentTerm[];
  /** Marketing channels the export is for (from `consent:` terms). */
  channels: string[];
}

export class SegmentQueryError extends Error {
  constructor(
    message: string,
    readonly position: number,
    readonly term: string,
  ) {
    super(term ? `segment query, at ${position + 1} ("${term}"): ${message}` : `segment query: ${message}`);
    this.name = 'SegmentQueryError';
  }
}

const LEVELS = ['high', 'medium', 'low'];
const STAGES = ['new', 'active', 'at_risk', 'lapsed'];

function tokenize(text: string): Array<{ raw: string; at: number }> {
  const out: Array<{ raw: string; at: number }> = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    const at = i;
    let raw = '';
    while (i < text.length && !/\s/.test(text[i]!)) {
      if (text[i] === '"') {
        const end = text.indexOf('"', i + 1);
        if (end < 0) throw new SegmentQueryError('unclosed quote', i, text.slice(at));
        raw += text.slice(i, end + 1);
        i = end + 1;
      } else raw += text[i++];
    }
    out.push({ raw, at });
  }
  return out;
}

const unquote = (v: string) => v.replace(/"([^"]*)"/g, '$1');

export function parseSegmentQuery(text: string): SegmentQuery {
  const terms: SegmentTerm[] = [];
  const tokens = tokenize(text);
  if (!tokens.length) throw new SegmentQueryError('empty query: give at least consent:<channel>, e.g. "tag:high_spending_power consent:sms"', 0, '');
  for (const { raw, at } of tokens) {
    const cmp = /^([a-z_]+)(>=|<=|>|<|=)(.+)$/i.exec(raw);
    if (cmp && !raw.includes(':')) {
      const field = cmp[1]!.toLowerCase() as NumericField;
      if (!NUMERIC_FIELDS.includes(field)) throw new SegmentQueryError(`unknown field "${cmp[1]}" (comparable: ${NUMERIC_FIELDS.join(', ')})`, at, raw);
      const valueText = unquote(cmp[3]!);
      let value: number;
      if (field === 'spend' || field === 'aov') {
        const m = parseMoney(valueText);
        if (!m.ok) throw new SegmentQueryError(`"${valueText}" is not an amount (${m.reason})`, at, raw);
        value = m.cents;
      } else {
        value = Number(valueText);
        if (!/^-?\d+(\.\d+)?$/.test(valueText) || !Number.isFinite(value)) throw new SegmentQueryError(`"${valueText}" is not a number`, at, raw);
      }
      terms.push({ kind: 'compare', field, op: cmp[2] as Op, value, text: raw });
      continue;
    }
    const colon = raw.indexOf(':');
    if (colon < 0) throw new SegmentQueryError(`expected key:value or field>=number (keys: ${MATCH_KEYS.join(', ')}; fields: ${NUMERIC_FIELDS.join(', ')})`, at, raw);
    const negate = raw.startsWith('-');
    const key = raw.slice(negate ? 1 : 0, colon).toLowerCase() as MatchKey;
    if (!MATCH_KEYS.includes(key)) throw new SegmentQueryError(`unknown key "${key}" (keys: ${MATCH_KEYS.join(', ')})`, at, raw);
    const values = unquote(raw.slice(colon + 1))
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
    if (!values.length) throw new SegmentQueryError(`${key}: needs a value`, at, raw);
    const bad = (allowed: string[]) => values.find((v) => !allowed.includes(v.toLowerCase()));
    if ((key === 'spending' || key === 'activity') && bad(LEVELS)) throw new SegmentQueryError(`${key}: "${bad(LEVELS)}" is not one of ${LEVELS.join(', ')}`, at, raw);
    if (key === 'stage' && bad(STAGES)) throw new SegmentQueryError(`stage: "${bad(STAGES)}" is not one of ${STAGES.join(', ')}`, at, raw);
    if (key === 'gender' && bad(['f', 'm'])) throw new SegmentQueryError(`gender: "${bad(['f', 'm'])}" is not F or M`, at, raw);
    if (key === 'consent' && negate) throw new SegmentQueryError('consent cannot be negated: a campaign export only goes to people who agreed', at, raw);
    if (key === 'consent' && values.length > 1) throw new SegmentQueryError('consent: one channel per term (add another consent: term to require both)', at, raw);
    terms.push({ kind: 'match', key, values, negate, text: raw });
  }
  const channels = terms.flatMap((t) => (t.kind === 'match' && t.key === 'consent' ? t.values.map((v) => v.toLowerCase()) : []));
  if (!channels.length) throw new SegmentQueryError('name the marketing channel with consent:<channel> (sms, email, phone, wechat, …): profiles without consent for it are left out', 0, '');
  return { text, terms, channels };
}

/** What a segment is evaluated on: a computed profile. */
export interface SegmentProfile {
  profileId: string;
  phone: string;
  tags: string[];
  metrics: ProfileMetrics;
  view: Pick<ProfileView, 'basic' | 'consent' | 'derived' | 'behaviour'>;
}

const same = (a: string | undefined, b: string) => !!a && a.toLowerCase() === b.toLowerCase();
/** 上海 matches 上海市, Shanghai matches shanghai. */
const place = (a: string | undefined, b: string) => !!a && (same(a, b) || a.replace(/[市省]$/, '') === b.replace(/[市省]$/, ''));

function matchOne(key: MatchKey, value: string, p: SegmentProfile): boolean {
  const v = p.view;
  switch (key) {
    case 'tag':
      return p.tags.some((t) => same(t, value));
    case 'prefers':
      return p.tags.some((t) => same(t, `prefers:${value}`));
    case 'city':
      return place(v.basic.location.city, value);
    case 'province':
      return place(v.basic.location.province, value);
    case 'gender':
      return same(v.basic.gender, value);
    case 'stage':
      return same(v.derived.lifecycle, value);
    case 'spending':
      return same(v.derived.spendingPower, value);
    case 'activity':
      return same(v.derived.activityLevel, value);
    case 'channel':
      return (v.behaviour.byChannel[value] ?? 0) > 0;
    case 'consent':
      return hasConsent(v.consent as Record<string, ConsentState>, value);
  }
}

function numberOf(field: NumericField, p: SegmentProfile): number | undefined {
  switch (field) {
    case 'spend':
      return p.metrics.totalSpendCents;
    case 'orders':
      return p.metrics.orderCount;
    case 'aov':
      return Math.round(p.metrics.averageOrderValue * 100);
    case 'age':
      return p.view.basic.age;
    case 'recency':
      return p.metrics.recencyDays ?? undefined;
    case 'interactions':
      return p.metrics.interactions90d;
  }
}

export function matchesSegment(query: SegmentQuery, p: SegmentProfile): boolean {
  return query.terms.every((t) => {
    if (t.kind === 'match') {
      const hit = t.values.some((value) => matchOne(t.key, value, p));
      return t.negate ? !hit : hit;
    }
    const n = numberOf(t.field, p);
    if (n === undefined) return false;
    switch (t.op) {
      case '>=':
        return n >= t.value;
      case '<=':
        return n <= t.value;
      case '>':
        return n > t.value;
      case '<':
        return n < t.value;
      case '=':
        return n === t.value;
    }
  });
}

/**
 * The number a segment row gives for the channels the query named: the primary number, but for
 * SMS the first number that can receive a text message (a mobile; a North American number may be
 * either), so a landline never reaches an SMS campaign. None: the profile leaves the segment.
 */
export function segmentNumber(phones: readonly string[], primary: string | undefined, channels: readonly string[]): string | undefined {
  if (!channels.includes('sms')) return primary;
  const ordered = primary ? [primary, ...phones.filter((p) => p !== primary)] : phones;
  return ordered.find((p) => {
    const type = parsePhone(p).type;
    return type === 'mobile' || type === 'fixed_line_or_mobile';
  });
}
