/**
 * Date-times normalized to ISO 8601 UTC with milliseconds (`Date#toISOString`, e.g.
 * "2024-05-01T04:30:00.000Z").
 *
 * Accepted inputs:
 *   - ISO-like strings: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]]`, a space instead of `T`,
 *     `/` instead of `-` in the date ("2024/05/01 12:30"), optional offset `Z`, `±HH`, `±HHMM`
 *     or `±HH:MM`. Without an offset the taxonomy's `defaultUtcOffset` applies (China: +08:00);
 *     a bare date means midnight at that offset. Calendar validity is checked (no Feb 30th).
 *     Fractions beyond milliseconds are truncated.
 *   - epoch numbers (or digit strings): seconds when in [1e9, 1e10) (2001-09-09 … 2286-11-20),
 *     milliseconds when in [1e12, 1e13). Other magnitudes are rejected rather than guessed.
 *   - a valid `Date` object.
 */

export type DateTimeResult = { ok: true; iso: string } | { ok: false; reason: string };

const ISO = /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Parse "+08:00", "-0530", "+08", "Z" into minutes east of UTC; null if malformed. */
export function parseUtcOffset(s: string): number | null {
  if (s === 'Z' || s === 'z') return 0;
  const m = /^([+-])(\d{2})(?::?(\d{2}))?$/.exec(s);
  if (!m) return null;
  const h = Number(m[2]);
  const min = Number(m[3] ?? '0');
  if (h > 23 || min > 59) return null;
  return (m[1] === '-' ? -1 : 1) * (h * 60 + min);
}

function fromMillis(ms: number): DateTimeResult {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return { ok: false, reason: 'out of range' };
  const iso = d.toISOString();
  if (!/^\d{4}-/.test(iso)) return { ok: false, reason: 'out of range' };
  return { ok: true, iso };
}

function fromEpoch(n: number): DateTimeResult {
  if (n >= 1e9 && n < 1e10) return fromMillis(Math.round(n * 1000));
  if (n >= 1e12 && n < 1e13) return fromMillis(Math.round(n));
  return { ok: false, reason: 'epoch must be seconds (10 digits) or milliseconds (13 digits)' };
}

/** Parse a date-time; `defaultOffsetMinutes` applies to strings without an offset. Never throws. */
export function parseDateTime(value: unknown, defaultOffsetMinutes: number): DateTimeResult {
  if (value instanceof Date) return fromMillis(value.getTime());
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, reason: 'not a finite number' };
    return fromEpoch(value);
  }
  if (typeof value !== 'string') return { ok: false, reason: 'expected an ISO 8601 date-time or epoch' };
  const s = value.trim();
  if (/^\d+$/.test(s)) return fromEpoch(Number(s));
  const m = ISO.exec(s);
  if (!m) return { ok: false, reason: 'not an ISO 8601 date-time' };
  const year = Number(m[1]);
  const month = Number(m[3]);
  const day = Number(m[4]);
  const hour = Number(m[5] ?? '0');
  const minute = Number(m[6] ?? '0');
  const second = Number(m[7] ?? '0');
  const millis = Number((m[8] ?? '').slice(0, 3).padEnd(3, '0'));
  if (year < 1000) return { ok: false, reason: 'year out of range' };
  if (month < 1 || month > 12) return { ok: false, reason: 'month out of range' };
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
  if (day < 1 || day > daysInMonth) return { ok: false, reason: 'day out of range' };
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, reason: 'time out of range' };
  let offset = defaultOffsetMinutes;
  if (m[9] !== undefined) {
    const o = parseUtcOffset(m[9]);
    if (o === null) return { ok: false, reason: 'bad UTC offset' };
    offset = o;
  }
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  return fromMillis(local - offset * 60_000);
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}
