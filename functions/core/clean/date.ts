/**
 * Dates → YYYY-MM-DD: 1990/3/5, 1990-03-05, 1990.3.5, 19900305, 1990年3月5日, ISO timestamps
 * (the written calendar date is kept, never shifted by a time zone), Excel serial numbers (1900
 * date system), Unix epoch seconds/milliseconds, English month names (5 March 1990, Mar 5, 1990),
 * and D/M/Y or M/D/Y, which is resolved by the source's order or by a part above 12, else flagged.
 */
import type { Problem } from '../model.ts';
import { isPlaceholder } from './text.ts';

export type DateOrder = 'YMD' | 'DMY' | 'MDY';

export const DATE_PROBLEMS = {
  'date.empty': 'No date was given.',
  'date.placeholder': 'The date field holds a placeholder, not a date.',
  'date.unrecognized': 'The text is not a date in any known format.',
  'date.ambiguous': 'Day and month cannot be told apart (e.g. 03/05/1990) and the source sets no date order.',
  'date.impossible': 'The date does not exist (e.g. 1990-02-30, month 13, or a year outside 1000–9999).',
  'date.incomplete': 'The date lacks a day or month (e.g. 1990 or 1990-03).',
} as const;
export type DateProblemCode = keyof typeof DATE_PROBLEMS;

type DateResult = { value: string } | { problem: Problem };
const fail = (code: DateProblemCode): DateResult => ({ problem: { code, message: DATE_PROBLEMS[code] } });

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function ymd(y: number, m: number, d: number): DateResult {
  if (!Number.isInteger(y) || y < 1000 || y > 9999) return fail('date.impossible');
  if (m < 1 || m > 12) return fail('date.impossible');
  const dim = m === 2 && isLeap(y) ? 29 : DAYS[m - 1]!;
  if (d < 1 || d > dim) return fail('date.impossible');
  return { value: `${pad(y, 4)}-${pad(m)}-${pad(d)}` };
}

function fromUtcDate(dt: Date): DateResult {
  return ymd(dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate());
}

/** Excel 1900 date system: serial 1 = 1900-01-01; serial 60 is Excel's non-existent 1900-02-29. */
function fromExcelSerial(n: number): DateResult {
  const days = Math.floor(n);
  if (days < 1) return fail('date.impossible');
  if (days === 60) return fail('date.impossible');
  const base = Date.UTC(1899, 11, days < 60 ? 31 : 30);
  return fromUtcDate(new Date(base + days * 86_400_000));
}

function fromNumber(n: number): DateResult {
  if (!Number.isFinite(n)) return fail('date.unrecognized');
  if (Number.isInteger(n) && n >= 10_000_000 && n <= 99_991_231) {
    return ymd(Math.floor(n / 10_000), Math.floor(n / 100) % 100, n % 100);
  }
  if (n >= 1e11) return fromUtcDate(new Date(n)); // epoch milliseconds
  if (n >= 1e9) return fromUtcDate(new Date(n * 1000)); // epoch seconds
  if (n > 0 && n < 2_958_466) return fromExcelSerial(n);
  return fail('date.unrecognized');
}

const MONTHS: Record<string, number> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, nov: 11,
  november: 11, dec: 12, december: 12,
};

const TIME_TAIL = String.raw`(?:[T\s].*)?`;
const RE_YMD = new RegExp(String.raw`^(\d{4,})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?${TIME_TAIL}$`);
const RE_COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const RE_AB_Y = new RegExp(String.raw`^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})${TIME_TAIL}$`);
const RE_D_MON_Y = /^(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]*([a-z]{3,9})\.?[\s\-/.,]*(\d{4})$/i;
const RE_MON_D_Y = /^([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/i;
const RE_YM = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$/;

export function parseDate(raw: string | number | Date, opts?: { order?: DateOrder }): DateResult {
  if (raw == null) return fail('date.empty');
  if (raw instanceof Date) {
    if (Number.isNaN(raw.getTime())) return fail('date.unrecognized');
    // A date-only value (midnight) in local time is meant as that local calendar day.
    const localMidnight = raw.getHours() === 0 && raw.getMinutes() === 0 && raw.getSeconds() === 0 && raw.getMilliseconds() === 0;
    const utcMidnight = raw.getUTCHours() === 0 && raw.getUTCMinutes() === 0 && raw.getUTCSeconds() === 0;
    if (localMidnight && !utcMidnight) return ymd(raw.getFullYear(), raw.getMonth() + 1, raw.getDate());
    return fromUtcDate(raw);
  }
  if (typeof raw === 'number') return fromNumber(raw);
  const s = String(raw).normalize('NFKC').trim();
  if (!s) return fail('date.empty');
  if (isPlaceholder(s)) return fail('date.placeholder');

  let m = RE_YMD.exec(s);
  if (m) return ymd(Number(m[1]), Number(m[2]), Number(m[3]));
  m = RE_COMPACT.exec(s);
  if (m) return ymd(Number(m[1]), Number(m[2]), Number(m[3]));
  m = RE_AB_Y.exec(s);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    const y = Number(m[3]);
    if (a > 12 && b > 12) return fail('date.impossible');
    if (a > 12) return ymd(y, b, a);
    if (b > 12) return ymd(y, a, b);
    if (a === b) return ymd(y, a, b);
    if (opts?.order === 'DMY') return ymd(y, b, a);
    if (opts?.order === 'MDY') return ymd(y, a, b);
    return fail('date.ambiguous');
  }
  m = RE_D_MON_Y.exec(s);
  if (m && MONTHS[m[2]!.toLowerCase()]) return ymd(Number(m[3]), MONTHS[m[2]!.toLowerCase()]!, Number(m[1]));
  m = RE_MON_D_Y.exec(s);
  if (m && MONTHS[m[1]!.toLowerCase()]) return ymd(Number(m[3]), MONTHS[m[1]!.toLowerCase()]!, Number(m[2]));
  if (/^\d{5}(?:\.\d+)?$/.test(s)) return fromExcelSerial(Number(s));
  if (/^\d{9,13}$/.test(s)) return fromNumber(Number(s));
  if (RE_YM.test(s) || /^\d{4}年?$/.test(s)) return fail('date.incomplete');
  return fail('date.unrecognized');
}
