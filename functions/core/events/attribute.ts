/**
 * One attribute value checked and coerced against its taxonomy rule. Pure; never throws.
 *
 * Coercions (documented in README-events.md beside this file):
 *   string   — strings are trimmed; finite numbers become their decimal string (ids sent as
 *              numbers); `case` upper/lower applied before enum/pattern checks; lengths count
 *              code points.
 *   number   — finite numbers; numeric strings ("12.5", "-3", "1e3", "1,299.5").
 *   integer  — as number, and the value must be a safe integer ("2", "2.0", 2).
 *   boolean  — true/false; 1/0; strings true/false, 1/0, yes/no, y/n, on/off, 是/否 (any case).
 *   datetime — see datetime.ts; normalized to ISO 8601 UTC.
 *   money    — see money.ts; normalized to a 2-place decimal string plus integer cents.
 * Absent = undefined, null, or a string that is empty after trimming.
 */
import { parseDateTime, type TimeZone } from './datetime.ts';
import { parseMoney } from './money.ts';

export const ATTRIBUTE_TYPES = ['string', 'number', 'integer', 'boolean', 'datetime', 'money'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

export interface AttributeRule {
  type: AttributeType;
  required: boolean;
  description: string;
  /** Inclusive bounds for number / integer / money. */
  min?: number | undefined;
  max?: number | undefined;
  /** Length bounds for string, in code points. */
  minLength?: number | undefined;
  maxLength?: number | undefined;
  /** Regular expression (Unicode mode) a string must match in full or in part, as written. */
  pattern?: string | undefined;
  /** Allowed values for a string (after `case`). */
  enum?: string[] | undefined;
  /** Case folding for a string before checks. */
  case?: 'upper' | 'lower' | undefined;
  /** Used when the attribute is absent (only for optional attributes). */
  default?: string | number | boolean | undefined;
}

export type Coerced =
  | { ok: true; value: string | number | boolean; cents?: number }
  | { ok: false; reason: string };

export interface CoerceContext {
  /** Where date-times written without an offset were written (minutes east of UTC, or an IANA zone). */
  zone: TimeZone;
}

export function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

const patternCache = new Map<string, RegExp>();
export function compilePattern(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'u');
    if (patternCache.size > 1000) patternCache.clear();
    patternCache.set(pattern, re);
  }
  return re;
}

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const GROUPED_NUMERIC = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;

function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  let s = value.trim();
  if (GROUPED_NUMERIC.test(s)) s = s.replace(/,/g, '');
  else if (!NUMERIC.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 'on', '是']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'off', '否']);

function inRange(rule: AttributeRule, n: number): string | null {
  if (rule.min !== undefined && n < rule.min) return `below the minimum ${rule.min}`;
  if (rule.max !== undefined && n > rule.max) return `above the maximum ${rule.max}`;
  return null;
}

/** Check and coerce a present (not absent) value. */
export function coerceAttribute(rule: AttributeRule, value: unknown, ctx: CoerceContext): Coerced {
  switch (rule.type) {
    case 'string': {
      let s: string;
      if (typeof value === 'string') s = value.trim();
      else if (typeof value === 'number' && Number.isFinite(value)) s = String(value);
      else return { ok: false, reason: 'expected a string' };
      if (rule.case === 'upper') s = s.toUpperCase();
      else if (rule.case === 'lower') s = s.toLowerCase();
      const len = [...s].length;
      if (rule.minLength !== undefined && len < rule.minLength) return { ok: false, reason: `shorter than ${rule.minLength} characters` };
      if (rule.maxLength !== undefined && len > rule.maxLength) return { ok: false, reason: `longer than ${rule.maxLength} characters` };
      if (rule.enum !== undefined && !rule.enum.includes(s)) return { ok: false, reason: `not one of ${rule.enum.join(', ')}` };
      if (rule.pattern !== undefined && !compilePattern(rule.pattern).test(s)) return { ok: false, reason: `does not match ${rule.pattern}` };
      return { ok: true, value: s };
    }
    case 'number':
    case 'integer': {
      const n = toNumber(value);
      if (n === null) return { ok: false, reason: `expected ${rule.type === 'integer' ? 'an integer' : 'a number'}` };
      if (rule.type === 'integer' && !Number.isSafeInteger(n)) return { ok: false, reason: 'expected an integer' };
      const range = inRange(rule, n);
      if (range) return { ok: false, reason: range };
      return { ok: true, value: n === 0 ? 0 : n };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 1 || value === 0) return { ok: true, value: value === 1 };
      if (typeof value === 'string') {
        const w = value.trim().toLowerCase();
        if (TRUE_WORDS.has(w)) return { ok: true, value: true };
        if (FALSE_WORDS.has(w)) return { ok: true, value: false };
      }
      return { ok: false, reason: 'expected a boolean' };
    }
    case 'datetime': {
      const d = parseDateTime(value, ctx.zone);
      return d.ok ? { ok: true, value: d.iso } : { ok: false, reason: d.reason };
    }
    case 'money': {
      const m = parseMoney(value);
      if (!m.ok) return { ok: false, reason: m.reason };
      if (rule.min !== undefined) {
        const min = parseMoney(rule.min);
        if (min.ok && m.cents < min.cents) return { ok: false, reason: `below the minimum ${min.text}` };
      }
      if (rule.max !== undefined) {
        const max = parseMoney(rule.max);
        if (max.ok && m.cents > max.cents) return { ok: false, reason: `above the maximum ${max.text}` };
      }
      return { ok: true, value: m.text, cents: m.cents };
    }
  }
}
