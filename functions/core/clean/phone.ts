/**
 * Phone numbers: any written form → E.164, with validity reasons, type, region, location and
 * carrier. Validation uses libphonenumber-js with its `max` metadata (the `min` metadata accepts
 * invalid Chinese ranges). Location and carrier come from Google libphonenumber's geocoding and
 * carrier tables (see phone-data.ts), loaded once per process.
 *
 * Speed: results are memoized in two bounded LRU caches, one keyed by (context, exact input) and
 * one by (context, compact form after normalization), so a stream where the same numbers recur in
 * different spellings parses each number once. Cached results are frozen: treat them as read-only.
 */
import { parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import * as libCore from 'libphonenumber-js/core';
import maxMetadata from 'libphonenumber-js/metadata.max.json';
import type { Problem } from '../model.ts';
import { splitCnLocation } from './address.ts';
import { carrierOf, geocode } from './phone-data.ts';
import { isPlaceholder, toHalfWidth } from './text.ts';

export type { CountryCode };

export type PhoneType =
  | 'mobile'
  | 'fixed_line'
  | 'fixed_line_or_mobile'
  | 'toll_free'
  | 'premium_rate'
  | 'shared_cost'
  | 'voip'
  | 'personal_number'
  | 'pager'
  | 'uan'
  | 'voicemail'
  | 'unknown';

export interface PhoneLocation {
  province?: string;
  city?: string;
  provinceEn?: string;
  cityEn?: string;
}

export interface PhoneResult {
  /** The input exactly as given. */
  input: string;
  /** True only for a complete, assigned number that passed every check: the only kind that may key a profile. */
  valid: boolean;
  /** The number in E.164 whenever one could be read, valid or not (check `valid` before keying). */
  e164?: string;
  extension?: string;
  type?: PhoneType;
  /** ISO 3166 region of the number (CN, HK, MO, TW, US…). */
  region?: string;
  location?: PhoneLocation;
  /** Original carrier of the range, in Chinese where Google's data has it, else English. */
  carrier?: string;
  carrierEn?: string;
  /** A bare 7–8 digit landline with no area code in the input or the context: kept, never guessed, never valid. */
  unresolvedAreaCode?: boolean;
  problem?: Problem;
}

export interface PhoneContext {
  /** Country for numbers written without a country code. Default 'CN'. */
  defaultCountry?: CountryCode;
  /** Area code for local numbers written without one: '010' or '0755' in China, '312' in the US. */
  defaultAreaCode?: string;
}

/** Every reason a phone can be rejected, with the sentence an import report shows. */
export const PHONE_PROBLEMS = {
  'phone.empty': 'No phone number was given.',
  'phone.placeholder': 'The phone field holds a placeholder (such as N/A, 无 or -), not a number.',
  'phone.masked': 'The number is masked (e.g. 138****5678): some digits are hidden.',
  'phone.letters': 'The phone field contains letters or words besides the number.',
  'phone.multiple': 'The field holds more than one phone number.',
  'phone.too_short': 'The number has too few digits.',
  'phone.too_long': 'The number has too many digits.',
  'phone.invalid_length': 'The number has a digit count that no number of its kind has.',
  'phone.invalid_country': 'The country calling code does not exist.',
  'phone.repeated_digits': 'The number is one digit repeated (e.g. 11111111111), a stand-in rather than a real number.',
  'phone.sequential_digits': 'The number is a run of consecutive digits (e.g. 12345678901) outside any assigned range, a stand-in rather than a real number.',
  'phone.placeholder_digits': 'The number is a short prefix followed by one digit repeated (e.g. 13800000000, 15555555555): a stand-in typed to fill the field.',
  'phone.test_number': 'The number is a well-known example or test number (e.g. 13800138000, the US 555-0100…0199): never a customer\'s own.',
  'phone.unassigned_range': 'The number has a plausible length but falls in a range that is not assigned.',
  'phone.no_area_code': 'A local landline number without an area code, and the source gives no default area code.',
  'phone.missing_trunk_prefix': 'A Chinese landline written without its leading 0 and without +86: as likely a mobile number with a digit lost, so it is not used as a key.',
  'phone.invalid': 'The text cannot be read as a phone number.',
} as const;
export type PhoneProblemCode = keyof typeof PHONE_PROBLEMS;

function problem(code: PhoneProblemCode): Problem {
  return { code, message: PHONE_PROBLEMS[code] };
}

// ---------------------------------------------------------------------------------------------
// Bounded LRU, approximated with two generations (as quick-lru does): reads hit the young Map
// first; an entry found in the old generation is promoted; when the young generation is full it
// becomes the old one and the previous old generation is dropped. At most `max` entries, no
// per-hit delete/re-insert, so a hit costs one or two Map lookups.

class Lru<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  private readonly half: number;
  constructor(max: number) {
    this.half = Math.max(1, Math.floor(max / 2));
  }
  get(k: string): V | undefined {
    const v = this.young.get(k);
    if (v !== undefined) return v;
    const o = this.old.get(k);
    if (o !== undefined) this.set(k, o);
    return o;
  }
  set(k: string, v: V): void {
    this.young.set(k, v);
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
  }
  clear(): void {
    this.young.clear();
    this.old.clear();
  }
  get size(): number {
    return this.young.size + this.old.size;
  }
}

type Core = Omit<PhoneResult, 'input' | 'extension'>;

/** One pair of caches per context, so cache keys are the plain input / compact strings. */
interface Caches {
  inputs: Lru<PhoneResult>;
  compact: Lru<Core>;
}
let maxEntries = 100_000;
const MAX_CONTEXTS = 256;
const newCaches = (n: number): Caches => ({ inputs: new Lru<PhoneResult>(n), compact: new Lru<Core>(n) });
let defaultCaches = newCaches(maxEntries);
const contextCaches = new Map<string, Caches>();

function cachesFor(ctx: PhoneContext | undefined): Caches {
  if (!ctx || ((ctx.defaultCountry === undefined || ctx.defaultCountry === 'CN') && !ctx.defaultAreaCode)) return defaultCaches;
  const k = `${ctx.defaultCountry ?? 'CN'}|${ctx.defaultAreaCode ?? ''}`;
  let c = contextCaches.get(k);
  if (!c) {
    if (contextCaches.size >= MAX_CONTEXTS) contextCaches.clear();
    c = newCaches(Math.max(1, Math.floor(maxEntries / 10)));
    contextCaches.set(k, c);
  }
  return c;
}

/** Resize (and empty) the memo caches. Default 100,000 entries for the default context (CN, no area code), a tenth for each other context. */
export function configurePhoneCache(opts: { maxEntries: number }): void {
  maxEntries = Math.max(1, opts.maxEntries);
  defaultCaches = newCaches(maxEntries);
  contextCaches.clear();
}
export function clearPhoneCache(): void {
  defaultCaches = newCaches(maxEntries);
  contextCaches.clear();
}
export function phoneCacheSize(): { inputs: number; compact: number } {
  let inputs = defaultCaches.inputs.size;
  let compact = defaultCaches.compact.size;
  for (const c of contextCaches.values()) {
    inputs += c.inputs.size;
    compact += c.compact.size;
  }
  return { inputs, compact };
}

// ---------------------------------------------------------------------------------------------

const MOBILE_START = /^1[3-9]/;
const SIMPLE = /^\+?\d[\d \-]*$/;
const NON_DIGITS = /\D/g;
const LABEL = /^(?:(?:tel|phone|mobile|mob|cell|telephone|fax)\s*[:：]|(?:手机号码|手机号|手机|电话号码|联系电话|联系方式|电话|座机|固话)\s*[:：]?)\s*/i;
const MASK_STAR = /[*●•?]/;
const MASK_X = /\d\s*[xX×]{2,}|[xX×]{2,}\s*\d/;
const EXT = /\s*[(（]?\s*(?:转|分机号?|ext\.?|extension|;ext=|#|(?<=[\d\s])x)\s*[:：.]?\s*(\d{1,7})\s*[)）]?\s*$/i;
const TRAILING_EXT = /^(.*\d)\s*[-~]\s*(\d{1,6})\s*$/;
const LETTERS = /\p{L}/u;
const ALLOWED = /^[\d\s+\-.()/~]*$/;
const MULTI_SPLIT = /[,，;；/、|]/;
const CN_MOBILE_FORMS = /^(?:\+86|0086|86)?(1[3-9]\d{9})$/;
const ZERO_AFTER_CC = /^([\s(]*\+\s*\d{1,3}\s*\)?)\s*\(\s*0\s*\)/;

const TYPE_MAP: Record<string, PhoneType> = {
  MOBILE: 'mobile',
  FIXED_LINE: 'fixed_line',
  FIXED_LINE_OR_MOBILE: 'fixed_line_or_mobile',
  TOLL_FREE: 'toll_free',
  PREMIUM_RATE: 'premium_rate',
  SHARED_COST: 'shared_cost',
  VOIP: 'voip',
  PERSONAL_NUMBER: 'personal_number',
  PAGER: 'pager',
  UAN: 'uan',
  VOICEMAIL: 'voicemail',
};

function countDigits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

/** One digit repeated (≥ 7 digits). */
function isRepeated(d: string): boolean {
  if (d.length < 7) return false;
  for (let i = 1; i < d.length; i++) if (d[i] !== d[0]) return false;
  return true;
}

/** A run of consecutive digits, ascending or descending, wrapping 9→0 (≥ 7 digits): 12345678901. */
function isSequential(d: string): boolean {
  if (d.length < 7) return false;
  let up = true;
  let down = true;
  for (let i = 1; i < d.length && (up || down); i++) {
    const a = d.charCodeAt(i - 1) - 48;
    const b = d.charCodeAt(i) - 48;
    if (b !== (a + 1) % 10) up = false;
    if (b !== (a + 9) % 10) down = false;
  }
  return up || down;
}

/** Well-known example and test numbers (E.164): printed in manuals and typed to fill a required field. */
const TEST_NUMBERS = [/^\+8613800138000$/, /^\+1\d{3}55501\d\d$/];

/**
 * A valid number that is still a stand-in: a well-known test number, or a mobile number of 11
 * digits or more whose digits after its first three are one digit repeated (13800000000,
 * 15555555555); shorter numbers such as Korea's 010-2000-0000 are left alone. A
 * landline is left alone: 010-88888888 is a real business's number.
 */
function standIn(e164: string, national: string, type: PhoneType): PhoneProblemCode | undefined {
  if (TEST_NUMBERS.some((re) => re.test(e164))) return 'phone.test_number';
  if (type !== 'mobile' && type !== 'fixed_line_or_mobile') return undefined;
  return national.length >= 11 && isRepeated(national.slice(3)) ? 'phone.placeholder_digits' : undefined;
}

// Fast path for '+86' + an 11-digit mobile-range number: the same decision libphonenumber's
// getNumberType() makes (general pattern, then FIXED_LINE, then the other types in its order, each
// gated by its possible lengths), with the max metadata's CN patterns compiled once instead of on
// every call. Tests compare it with libphonenumber over every 4-digit prefix.
interface MetadataLike {
  selectNumberingPlan(country: string): void;
  nationalNumberPattern(): string;
  type(t: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}
const NON_FIXED_LINE_TYPES = ['MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'];
type TypeTest = { t: string; re: RegExp; lens?: number[] } | null;
let cnPlan: { general: RegExp; fixed: TypeTest; mobile: TypeTest; mobileEmpty: boolean; others: TypeTest[] } | undefined;
function plan() {
  if (cnPlan) return cnPlan;
  const Ctor = (libCore as unknown as { Metadata: new (m: unknown) => MetadataLike }).Metadata;
  const md = new Ctor(maxMetadata);
  md.selectNumberingPlan('CN');
  const test = (t: string): TypeTest => {
    const d = md.type(t);
    if (!d || !d.pattern()) return null;
    return { t, re: new RegExp('^(?:' + d.pattern() + ')$'), lens: d.possibleLengths() };
  };
  const mob = md.type('MOBILE');
  cnPlan = {
    general: new RegExp('^(?:' + md.nationalNumberPattern() + ')$'),
    fixed: test('FIXED_LINE'),
    mobile: test('MOBILE'),
    mobileEmpty: !mob || mob.pattern() === '',
    others: NON_FIXED_LINE_TYPES.map(test),
  };
  return cnPlan;
}
const is = (x: TypeTest, n: string) => !!x && (!x.lens || x.lens.includes(n.length)) && x.re.test(n);
/** libphonenumber's getNumberType() for a CN national number, with precompiled patterns. */
export function cnNumberType(n: string): string | undefined {
  const pl = plan();
  if (!pl.general.test(n)) return undefined;
  if (is(pl.fixed, n)) return pl.mobileEmpty || is(pl.mobile, n) ? 'FIXED_LINE_OR_MOBILE' : 'FIXED_LINE';
  for (const x of pl.others) if (is(x, n)) return x!.t;
  return undefined;
}

const FAST_MOBILE = /^1[3-9]\d{9}$/;
function fastCnMobile(national: string): Core | undefined {
  if (!FAST_MOBILE.test(national) || national.startsWith('179')) return undefined;
  const e164 = '+86' + national;
  if (isRepeated(national)) return fail('phone.repeated_digits', { e164, region: 'CN' });
  const libType = cnNumberType(national);
  if (libType === undefined) return fail(isSequential(national) ? 'phone.sequential_digits' : 'phone.unassigned_range', { e164, region: 'CN' });
  const type: PhoneType = TYPE_MAP[libType] ?? 'unknown';
  const fake = standIn(e164, national, type);
  if (fake) return fail(fake, { e164, region: 'CN' });
  return { valid: true, e164, type, region: 'CN', ...locate('86', national, type) };
}

function parsesValid(text: string, country: CountryCode): boolean {
  try {
    return parsePhoneNumberFromString(text, country)?.isValid() ?? false;
  } catch {
    return false;
  }
}

function fail(code: PhoneProblemCode, extra?: Partial<Core>): Core {
  return { valid: false, ...extra, problem: problem(code) };
}

function lengthReason(compact: string, country: CountryCode): PhoneProblemCode | undefined {
  let v: string | undefined;
  try {
    v = validatePhoneNumberLength(compact, country);
  } catch {
    v = undefined;
  }
  switch (v) {
    case 'TOO_SHORT':
      return 'phone.too_short';
    case 'TOO_LONG':
      return 'phone.too_long';
    case 'INVALID_LENGTH':
      return 'phone.invalid_length';
    case 'INVALID_COUNTRY':
      return 'phone.invalid_country';
    case 'NOT_A_NUMBER':
      return 'phone.invalid';
    default:
      return undefined;
  }
}

function locate(cc: string, nn: string, type: PhoneType): Pick<Core, 'location' | 'carrier' | 'carrierEn'> {
  const out: Pick<Core, 'location' | 'carrier' | 'carrierEn'> = {};
  if (type === 'mobile' || type === 'fixed_line' || type === 'fixed_line_or_mobile') {
    const zh = geocode(cc, nn, 'zh');
    const en = geocode(cc, nn, 'en');
    const loc: PhoneLocation = {};
    if (cc === '86') {
      if (zh) Object.assign(loc, splitCnLocation(zh));
      if (en && !loc.cityEn) {
        // "Shenzhen, Guangdong"; several cities sharing a code are written "A/B/C, Province".
        const comma = en.lastIndexOf(', ');
        if (comma > 0) loc.cityEn = en.slice(0, comma).split('/')[0];
        loc.provinceEn ??= comma > 0 ? en.slice(comma + 2) : en;
      }
    } else {
      if (zh) loc.city = zh;
      if (en) {
        const comma = en.lastIndexOf(', ');
        if (comma > 0) {
          loc.cityEn = en.slice(0, comma);
          loc.provinceEn = en.slice(comma + 2);
        } else if (cc === '1') loc.provinceEn = en;
        else loc.cityEn = en;
      }
    }
    if (Object.keys(loc).length) out.location = Object.freeze(loc);
  }
  if (type === 'mobile' || type === 'fixed_line_or_mobile' || type === 'pager') {
    const en = carrierOf(cc, nn, 'en');
    const zh = carrierOf(cc, nn, 'zh');
    if (zh ?? en) out.carrier = zh ?? en;
    if (en) out.carrierEn = en;
  }
  return out;
}

/** Parses a compact form ('+8613800138000' or '013800138000' or '12345678') in a context. Memoized. */
function coreFor(compact: string, ctx: PhoneContext | undefined, caches: Caches): Core {
  // Fast path: 13800138000, +8613800138000, 8613800138000 and 008613800138000 are one number in a
  // CN context, so they share one cache entry ('+86…'). 179xx is excluded: 179xx00 is a carrier
  // international prefix there, so libphonenumber reads those forms differently.
  if (compact.length >= 11 && (ctx?.defaultCountry ?? 'CN') === 'CN') {
    const m = CN_MOBILE_FORMS.exec(compact);
    if (m && !m[1]!.startsWith('179')) compact = '+86' + m[1];
  }
  const hit = caches.compact.get(compact);
  if (hit) return hit;
  const core = Object.freeze(computeCore(compact, ctx));
  caches.compact.set(compact, core);
  return core;
}

function computeCore(compact: string, ctx: PhoneContext | undefined): Core {
  const country: CountryCode = ctx?.defaultCountry ?? 'CN';
  const plus = compact.charCodeAt(0) === 43;
  const digits = plus ? compact.slice(1) : compact;
  if (!digits) return fail('phone.invalid');

  if (plus && country === 'CN' && compact.length === 14 && compact.startsWith('+861')) {
    const fast = fastCnMobile(compact.slice(3));
    if (fast) return fast;
  }

  let text = compact;
  if (
    !plus &&
    country === 'CN' &&
    (digits.length === 7 || digits.length === 8) &&
    digits.charCodeAt(0) !== 48 &&
    !MOBILE_START.test(digits) &&
    !parsesValid(compact, country)
  ) {
    // A local landline number: needs an area code from the context, never a guess. (One that
    // starts like a mobile, 138…, is a truncated mobile number, not a local landline.)
    const area = (ctx?.defaultAreaCode ?? '').replace(/\D/g, '').replace(/^0+/, '');
    if (!area) {
      if (isRepeated(digits)) return fail('phone.repeated_digits');
      return fail('phone.no_area_code', { unresolvedAreaCode: true });
    }
    text = '0' + area + digits;
  } else if (!plus && country !== 'CN' && ctx?.defaultAreaCode && !parsesValid(compact, country)) {
    // Written without its area code (Chicago's 386-5286): the area code completes it when that
    // makes a valid number, dialled with or without the country's trunk 0.
    const area = ctx.defaultAreaCode.replace(/\D/g, '').replace(/^0+/, '');
    text = [area + digits, '0' + area + digits].find((t) => parsesValid(t, country)) ?? text;
  }

  let p: PhoneNumber | undefined;
  try {
    p = parsePhoneNumberFromString(text, country);
  } catch {
    p = undefined;
  }
  if (!p) {
    if (isRepeated(digits)) return fail('phone.repeated_digits');
    if (isSequential(digits)) return fail('phone.sequential_digits');
    return fail(lengthReason(text, country) ?? (digits.length < 5 ? 'phone.too_short' : 'phone.invalid'));
  }
  const e164 = p.number as string;
  const national = p.nationalNumber as string;
  const region = p.country;
  const base: Partial<Core> = { e164 };
  if (region) base.region = region;
  // Checked on the national number only: 12345678 behind a default area code is a real landline.
  // One digit repeated is never a real customer's number, whatever the ranges say.
  if (isRepeated(national)) return fail('phone.repeated_digits', base);
  // With max metadata libphonenumber's isValid() is exactly getType() !== undefined: call it once.
  const libType = p.getType();
  if (libType === undefined) {
    // A run such as 12345678901 is named as the reason; it never overrides a valid range
    // (090-1234-5678 is a real Japanese mobile number).
    if (isSequential(national)) return fail('phone.sequential_digits', base);
    let code: PhoneProblemCode | undefined;
    if (p.countryCallingCode === '86' && /^1[3-9]/.test(national)) {
      code = national.length < 11 ? 'phone.too_short' : national.length > 11 ? 'phone.too_long' : 'phone.unassigned_range';
    } else {
      code = lengthReason(e164, country);
      if (code === 'phone.invalid' || code === undefined) code = 'phone.unassigned_range';
    }
    return fail(code, base);
  }
  // Written in China, a landline starts with its trunk 0 (021…); ten digits without it and without
  // +86 read as one only by chance, and are as often a mobile number missing a digit.
  if (!plus && text === compact && country === 'CN' && p.countryCallingCode === '86' && libType === 'FIXED_LINE' && digits.charCodeAt(0) !== 48 && !digits.startsWith('86'))
    return fail('phone.missing_trunk_prefix', base);
  const type: PhoneType = TYPE_MAP[libType] ?? 'unknown';
  const fake = standIn(e164, national, type);
  if (fake) return fail(fake, base);
  return { valid: true, e164, type, ...(region ? { region } : {}), ...locate(p.countryCallingCode as string, national, type) };
}

/** Text → compact form (optional '+' and digits), or a problem found on the way. */
function normalize(input: string): { s: string; compact?: string; ext?: string; problem?: PhoneProblemCode } {
  let s = toHalfWidth(input).trim();
  // Fast path for the plain spellings most rows use: digits, spaces, dashes, a leading '+'.
  if (SIMPLE.test(s)) {
    const plus = s.charCodeAt(0) === 43;
    return { s, compact: (plus ? '+' : '') + s.replace(NON_DIGITS, '') };
  }
  if (!s) return { s, problem: 'phone.empty' };
  if (isPlaceholder(s)) return { s, problem: 'phone.placeholder' };
  if (!/^[\d+(]/.test(s)) s = s.replace(LABEL, '');
  if ((MASK_STAR.test(s) || MASK_X.test(s)) && /\d/.test(s)) return { s, problem: 'phone.masked' };
  let ext: string | undefined;
  const m = EXT.exec(s);
  if (m && countDigits(s.slice(0, m.index)) >= 3) {
    ext = m[1];
    s = s.slice(0, m.index).trim();
  }
  if (MULTI_SPLIT.test(s)) {
    const parts = s.split(MULTI_SPLIT).filter((x) => countDigits(x) >= 7);
    if (parts.length >= 2) return { s, problem: 'phone.multiple' };
  }
  if (LETTERS.test(s)) return { s, problem: 'phone.letters' };
  if (!ALLOWED.test(s)) return { s, problem: 'phone.invalid' };
  s = s.replace(ZERO_AFTER_CC, '$1');
  const plus = /^[\s(]*\+/.test(s);
  const digits = s.replace(/\D/g, '');
  if (!digits) return { s, problem: 'phone.invalid' };
  return { s, compact: (plus ? '+' : '') + digits, ext };
}

function compute(input: string, ctx: PhoneContext | undefined, caches: Caches): PhoneResult {
  const n = normalize(input);
  if (n.problem) return { input, valid: false, problem: problem(n.problem) };
  let core = coreFor(n.compact!, ctx, caches);
  let ext = n.ext;
  if (!core.valid && ext === undefined && !core.unresolvedAreaCode) {
    // 010-12345678-123: a trailing group after a complete landline is an extension.
    const m = TRAILING_EXT.exec(n.s);
    if (m) {
      const head = m[1]!;
      const plus = /^[\s(]*\+/.test(head);
      const hd = head.replace(/\D/g, '');
      if (hd.length >= 7) {
        const hc = coreFor((plus ? '+' : '') + hd, ctx, caches);
        if ((hc.valid && hc.type !== 'mobile') || hc.unresolvedAreaCode) {
          core = hc;
          ext = m[2];
        }
      }
    }
  }
  const out: PhoneResult = { input, ...core };
  if (ext !== undefined) out.extension = ext;
  return out;
}

/**
 * Parses one phone number as written anywhere (CRM exports, POS sheets, forms, webhooks).
 * Never throws. Memoized: the same input in the same context returns the same frozen object.
 */
export function parsePhone(input: string, ctx?: PhoneContext): PhoneResult {
  const str = typeof input === 'string' ? input : input == null ? '' : String(input);
  const caches = cachesFor(ctx);
  const hit = caches.inputs.get(str);
  if (hit) return hit;
  const res = Object.freeze(compute(str, caches === defaultCaches ? undefined : ctx, caches));
  caches.inputs.set(str, res);
  return res;
}

/**
 * Splits a field that may hold several numbers ("138…/139…", "138…，139…", "138… 139…") into
 * the individual numbers; a field with one number comes back as one element.
 */
export function splitPhones(raw: string): string[] {
  const s = toHalfWidth(String(raw ?? '')).trim();
  if (!s) return [];
  const parts = s.split(MULTI_SPLIT).map((x) => x.trim()).filter(Boolean);
  if (parts.length >= 2 && parts.filter((x) => countDigits(x) >= 7).length >= 2) {
    return parts.filter((x) => countDigits(x) >= 3);
  }
  // Two whole mobile numbers separated by spaces: "13800138000 13900139000".
  const mm = s.split(/\s+/);
  if (mm.length >= 2 && mm.every((x) => /^(?:\+?86)?1[3-9]\d{9}$/.test(x))) return mm;
  return [String(raw)];
}
