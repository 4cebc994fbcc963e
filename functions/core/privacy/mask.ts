/**
 * PII masking for logs and anything else a person may read outside the data store (issue 8):
 * phones `+86138****5678`, e-mails `z***@example.com`, names `张*` / `J*** S***`. Pure: no I/O.
 *
 * `redact(value)` walks any value: a field whose key names a phone, e-mail, name or other
 * personal attribute is masked whatever its shape, and every other string is searched for
 * phone numbers, e-mail addresses and `姓名:…` / `name=…` pairs, which are masked in place.
 */

const STAR = '*';

/** ITU country calling codes of one and two digits; every other code has three. */
const ONE_DIGIT_CC = new Set(['1', '7']);
const TWO_DIGIT_CC = new Set([
  '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84',
  '86', '90', '91', '92', '93', '94', '95', '98',
]);

function callingCode(digits: string): string {
  if (ONE_DIGIT_CC.has(digits[0]!)) return digits[0]!;
  if (TWO_DIGIT_CC.has(digits.slice(0, 2))) return digits.slice(0, 2);
  return digits.slice(0, 3);
}

/** A national number: the first 3 and last 4 digits stay, one `*` per hidden digit (at least 2 hidden). */
function maskNational(national: string): string {
  if (national.length <= 4) return STAR.repeat(national.length);
  const keepHead = national.length >= 9 ? 3 : Math.max(0, national.length - 6);
  const keepTail = Math.min(4, national.length - keepHead - 2);
  return national.slice(0, keepHead) + STAR.repeat(national.length - keepHead - keepTail) + national.slice(national.length - keepTail);
}

/**
 * `+8613812345678` → `+86138****5678`; `138 1234 5678` → `138****5678`. Separators are dropped;
 * a `+` number keeps its country calling code. Anything with fewer than 5 digits is all stars.
 */
export function maskPhone(phone: string): string {
  const text = String(phone);
  const digits = text.replace(/\D/g, '');
  if (!digits) return text ? STAR.repeat(Math.min(text.length, 4)) : text;
  if (text.trim().startsWith('+') && digits.length > 6) {
    const cc = callingCode(digits);
    return `+${cc}${maskNational(digits.slice(cc.length))}`;
  }
  return maskNational(digits);
}

/** `zhang.san@example.com` → `z***@example.com` (the domain stays: it says which provider, not who). */
export function maskEmail(email: string): string {
  const text = String(email);
  const at = text.lastIndexOf('@');
  if (at <= 0) return text ? `${[...text][0]}***` : text;
  return `${[...text.slice(0, at)][0]}***${text.slice(at)}`;
}

const CJK = /[\u3400-\u9fff\uf900-\ufaff\u{20000}-\u{2ffff}]/u;

/**
 * `张三` → `张*`, `欧阳娜娜` → `欧***`, `John Smith` → `J*** S***`: the first character of each
 * word stays; a CJK name keeps its length (one `*` per character), a Latin word hides its length.
 */
export function maskName(name: string): string {
  const text = String(name).trim();
  if (!text) return String(name);
  const chars = [...text];
  if (CJK.test(chars[0]!) && !/\s/.test(text)) return chars[0] + STAR.repeat(Math.max(1, chars.length - 1));
  return text
    .split(/\s+/)
    .map((word) => `${[...word][0]}***`)
    .join(' ');
}

/** Everything else that is personal (address, birth date, id card…): only its presence shows. */
export function maskOther(value: string): string {
  return String(value) ? '***' : String(value);
}

export type PiiKind = 'phone' | 'email' | 'name' | 'other';

/** Key names (compared without case, `_`, `-` or spaces) → what they hold. */
const KEY_KINDS: Array<[RegExp, PiiKind]> = [
  [/^(phone|phones|mobile|mobiles|mobilephone|cellphone|cell|tel|telephone|phonenumber|msisdn|e164|primaryphone|手机|手机号|手机号码|电话|联系电话|联系方式)$/u, 'phone'],
  [/^(email|emails|mail|emailaddress|邮箱|电子邮箱|电子邮件)$/u, 'email'],
  [/^(name|names|fullname|firstname|lastname|givenname|familyname|surname|customername|nickname|contactname|username|姓名|顾客姓名|客户姓名|名字|联系人)$/u, 'name'],
  [/^(address|addr|street|birthdate|birthday|dob|dateofbirth|idcard|idnumber|passport|地址|详细地址|收货地址|生日|出生日期|身份证|身份证号)$/u, 'other'],
];

/** The kind of personal data a field of that name holds, if any. */
export function piiKindOfKey(key: string): PiiKind | undefined {
  const k = key.toLowerCase().replace(/[\s_\-.]/g, '');
  return KEY_KINDS.find(([re]) => re.test(k))?.[1];
}

const MASKERS: Record<PiiKind, (v: string) => string> = { phone: maskPhone, email: maskEmail, name: maskName, other: maskOther };

const EMAIL_IN_TEXT = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
/** `+` numbers (8–15 digits, with optional spaces, dashes, dots or brackets between groups). */
const INTL_IN_TEXT = /\+\d{1,3}(?:[\s.\-()]{0,2}\d{1,5}){2,6}(?!\d)/g;
/** Chinese mobiles (`13812345678`, `138 1234 5678`, `138-1234-5678`), landlines (`021-12345678`), `(415) 555-0100`. */
const NATIONAL_IN_TEXT = /(?<![\w*])(?:1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}-\d{7,8}|\(\d{3}\)\s?\d{3}-\d{4})(?![A-Za-z0-9])/g;
/** `姓名:张三`, `name=John Smith`, `"customerName": "张三"` inside free text. */
const NAME_PAIR_IN_TEXT = /((?:姓名|顾客姓名|客户姓名|联系人|[Nn]ame|NAME|[Ff]ull[ _]?[Nn]ame|[Cc]ustomer[ _]?[Nn]ame)["']?\s*[:=：]\s*["']?)([^\s,;，；"'}{]+(?: [A-Z][a-z]+)?)/gu;

/** Masks phone numbers, e-mail addresses and name pairs found inside free text. */
export function redactText(text: string): string {
  return text
    .replace(EMAIL_IN_TEXT, (m) => maskEmail(m))
    .replace(INTL_IN_TEXT, (m) => (m.replace(/\D/g, '').length >= 8 ? maskPhone(m) : m))
    .replace(NATIONAL_IN_TEXT, (m) => maskPhone(m))
    .replace(NAME_PAIR_IN_TEXT, (_m, label: string, name: string) => label + maskName(name));
}

function maskAs(kind: PiiKind, value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === null || value === undefined || typeof value === 'boolean') return value;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') return MASKERS[kind](String(value));
  if (Array.isArray(value)) return value.map((v) => maskAs(kind, v, depth + 1, seen));
  // An object under a personal key (`phone: {e164, raw}`): every leaf is masked the same way.
  return redactValue(value, depth + 1, seen, kind);
}

const MAX_DEPTH = 20;

function redactValue(value: unknown, depth: number, seen: WeakSet<object>, forced?: PiiKind): unknown {
  if (typeof value === 'string') return forced ? MASKERS[forced](value) : redactText(value);
  if (value === null || typeof value !== 'object') return forced && value !== undefined && typeof value !== 'boolean' ? MASKERS[forced](String(value)) : value;
  if (depth > MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    if (value instanceof Error) {
      const out: Record<string, unknown> = { name: value.name, message: redactText(value.message) };
      if (value.stack) out.stack = redactText(value.stack);
      for (const [k, v] of Object.entries(value)) out[k] = redactEntry(k, v, depth, seen, forced);
      return out;
    }
    if (value instanceof Date) return value;
    if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, seen, forced));
    if (value instanceof Map) return redactValue(Object.fromEntries(value), depth, seen, forced);
    if (value instanceof Set) return redactValue([...value], depth, seen, forced);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactEntry(k, v, depth, seen, forced);
    return out;
  } finally {
    seen.delete(value);
  }
}

function redactEntry(key: string, value: unknown, depth: number, seen: WeakSet<object>, forced?: PiiKind): unknown {
  const kind = forced ?? piiKindOfKey(key);
  return kind ? maskAs(kind, value, depth, seen) : redactValue(value, depth + 1, seen);
}

/**
 * A copy of `value` with personal data masked: by key name (phone, email, name, address, …, in
 * English and Chinese, at any depth) and by pattern in every other string. The input is not changed.
 */
export function redact<T>(value: T): T {
  return redactValue(value, 0, new WeakSet()) as T;
}
