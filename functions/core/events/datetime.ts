/**
 * Date-times normalized to ISO 8601 UTC with milliseconds (`Date#toISOString`, e.g.
 * "2024-05-01T04:30:00.000Z"), with the UTC offset the time was written in (or the source's zone
 * was at), so it can be shown as the source saw it: 12:30 in Shanghai reads 12:30 +08:00.
 *
 * Accepted inputs:
 *   - ISO-like strings: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]]`, a space instead of `T`,
 *     `/` instead of `-` in the date ("2024/05/01 12:30"), optional offset `Z`, `±HH`, `±HHMM`
 *     or `±HH:MM`. Without an offset the default applies: a fixed offset (the taxonomy's
 *     `defaultUtcOffset`, China: +08:00) or an IANA zone (a source's `timezone`, daylight saving
 *     time included); a bare date means midnight there. Calendar validity is checked (no Feb 30th).
 *     Fractions beyond milliseconds are truncated.
 *   - epoch numbers (or digit strings): seconds when in [1e9, 1e10) (2001-09-09 … 2286-11-20),
 *     milliseconds when in [1e12, 1e13). Other magnitudes are rejected rather than guessed.
 *   - a valid `Date` object.
 */

export type DateTimeResult = { ok: true; iso: string; offsetMinutes: number } | { ok: false; reason: string };

/** Where a time written without an offset was written: minutes east of UTC, or an IANA zone ("Asia/Shanghai"). */
export type TimeZone = number | string;

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

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** Minutes east of UTC that a zone is at an instant. */
export function offsetAt(zone: TimeZone, utcMs: number): number {
  if (typeof zone === 'number') return zone;
  let format = zoneFormats.get(zone);
  if (!format) zoneFormats.set(zone, (format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })));
  const name = format.formatToParts(new Date(utcMs)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  return name === 'GMT' ? 0 : (parseUtcOffset(name.slice(3)) ?? 0);
}

/** The instant a wall-clock time in a zone names (in a daylight-saving gap, the offset before the change). */
function wallClockInstant(localMs: number, zone: TimeZone): { ms: number; offset: number } {
  const first = offsetAt(zone, localMs);
  const second = offsetAt(zone, localMs - first * 60_000);
  const offset = first === second ? first : offsetAt(zone, localMs - second * 60_000) === second ? second : first;
  return { ms: localMs - offset * 60_000, offset };
}

/** "+08:00", "-05:00", "+00:00". */
export function offsetText(minutes: number): string {
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** An instant as the clock at `offset` read it: ("2024-05-01T04:30:00.000Z", "+08:00") → "2024-05-01T12:30:00+08:00". */
export function localTime(iso: string, offset: string | undefined): string {
  const minutes = offset === undefined ? null : parseUtcOffset(offset);
  const ms = Date.parse(iso);
  if (minutes === null || Number.isNaN(ms)) return iso;
  const wall = new Date(ms + minutes * 60_000).toISOString();
  const millis = wall.slice(19, 23) === '.000' ? '' : wall.slice(19, 23);
  return `${wall.slice(0, 19)}${millis}${offsetText(minutes)}`;
}

function fromMillis(ms: number, offsetMinutes: number): DateTimeResult {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return { ok: false, reason: 'out of range' };
  const iso = d.toISOString();
  if (!/^\d{4}-/.test(iso)) return { ok: false, reason: 'out of range' };
  return { ok: true, iso, offsetMinutes };
}

function fromInstant(ms: number, zone: TimeZone): DateTimeResult {
  return Number.isFinite(ms) ? fromMillis(ms, offsetAt(zone, ms)) : { ok: false, reason: 'out of range' };
}

function fromEpoch(n: number, zone: TimeZone): DateTimeResult {
  if (n >= 1e9 && n < 1e10) return fromInstant(Math.round(n * 1000), zone);
  if (n >= 1e12 && n < 1e13) return fromInstant(Math.round(n), zone);
  return { ok: false, reason: 'epoch must be seconds (10 digits) or milliseconds (13 digits)' };
}

/** Parse a date-time; `zone` applies to strings without an offset (and says what offset an epoch is shown at). Never throws. */
export function parseDateTime(value: unknown, zone: TimeZone): DateTimeResult {
  if (value instanceof Date) return fromInstant(value.getTime(), zone);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, reason: 'not a finite number' };
    return fromEpoch(value, zone);
  }
  if (typeof value !== 'string') return { ok: false, reason: 'expected an ISO 8601 date-time or epoch' };
  const s = value.trim();
  if (/^\d+$/.test(s)) return fromEpoch(Number(s), zone);
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
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (m[9] === undefined) {
    const { ms, offset } = wallClockInstant(local, zone);
    return fromMillis(ms, offset);
  }
  const written = parseUtcOffset(m[9]);
  if (written === null) return { ok: false, reason: 'bad UTC offset' };
  return fromMillis(local - written * 60_000, written);
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}
