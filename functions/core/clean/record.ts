/**
 * The one entry point imports, webhooks and the match API call: cleans every identity field of a
 * raw row or event, keeps the valid phones (primary first, de-duplicated) and reports per-field
 * problems. A record whose phones are all invalid still comes back: the caller decides (kept as a
 * customer without a number when it describesSomeone, else rejected).
 */
import type { CleanRecord, Problem, RawIdentity } from '../model.ts';
import { localPlace, normalizeCity, normalizeProvince, parseAddress, provinceOfCity } from './address.ts';
import { parseDate, type DateOrder } from './date.ts';
import { cleanEmail } from './email.ts';
import { parseGender } from './gender.ts';
import { cleanName } from './name.ts';
import { PHONE_PROBLEMS, parsePhone, splitPhones, type CountryCode, type PhoneResult } from './phone.ts';
import { isPlaceholder } from './text.ts';
import { areaCodesOf } from './phone-data.ts';

export interface CleanContext {
  source: string;
  recordId: string;
  defaultCountry?: CountryCode;
  defaultAreaCode?: string;
  dateOrder?: DateOrder;
  /** When the source observed the record (ISO 8601); also the reference for "birth date in the future". */
  observedAt?: string;
}

export type FieldProblem = Problem & { field: string };

export interface CleanIdentityResult {
  record: CleanRecord;
  problems: FieldProblem[];
  /** Every phone read from the record, valid or not, in input order. */
  phoneResults: PhoneResult[];
}

export const RECORD_PROBLEMS = {
  'phone.missing': 'The record has no phone number.',
  'name.unusable': 'The name is empty, a placeholder, or only a title (e.g. 先生).',
  'gender.unrecognized': 'The gender value is not one of the recognized forms (男/女, M/F, male/female, 先生/女士…).',
  'birthDate.future': 'The birth date is after the date the record was observed.',
  'birthDate.implausible': 'The birth date is before 1900.',
  'address.province_unknown': 'The province is neither a Chinese provincial-level division nor a place name in Latin letters.',
  'address.city_unknown': 'The city is neither a known Chinese prefecture-level city nor a place name in Latin letters.',
} as const;

const fp = (field: string, p: Problem): FieldProblem => ({ field, code: p.code, message: p.message });
const rp = (field: string, code: keyof typeof RECORD_PROBLEMS): FieldProblem => ({ field, code, message: RECORD_PROBLEMS[code] });

function present(v: unknown): v is string {
  return typeof v === 'string' ? v.trim() !== '' : v != null && String(v).trim() !== '';
}

/**
 * The area code a record's local numbers are dialled in: its own `areaCode`, else (in China) the
 * one its city field names, when the city has exactly one. None leaves the source's default.
 */
function areaCodeOf(raw: RawIdentity, city: string | undefined, country: CountryCode): string | undefined {
  if (present(raw.areaCode)) return String(raw.areaCode).replace(/\D/g, '') || undefined;
  return (country === 'CN' && city && areaCodesOf('86', 'zh').get(city)) || undefined;
}

/**
 * Whether a record without a usable number still describes someone: anything a match can use. A
 * birth date and a town are a person's too; only a record with none of it is empty.
 */
export function describesSomeone(r: CleanRecord): boolean {
  return Boolean(r.name || r.email || r.memberId || (r.externalIds && Object.keys(r.externalIds).length) || r.birthDate || r.address || r.city || r.postcode);
}

export function cleanIdentity(raw: RawIdentity, ctx: CleanContext): CleanIdentityResult {
  const problems: FieldProblem[] = [];
  const phoneResults: PhoneResult[] = [];
  const record: CleanRecord = { source: ctx.source, recordId: ctx.recordId, phones: [] };
  const country = ctx.defaultCountry ?? 'CN';
  // The record's own province and city fields, read once: the city also gives local numbers their area code.
  // A place outside China (no Chinese characters) is kept as written, in one case (localPlace).
  const givenProvince = present(raw.province) ? (normalizeProvince(String(raw.province)) ?? localPlace(String(raw.province))) : undefined;
  const givenCity = present(raw.city) ? (normalizeCity(String(raw.city), givenProvince) ?? localPlace(String(raw.city))) : undefined;
  const phoneCtx = { defaultCountry: country, defaultAreaCode: areaCodeOf(raw, givenCity, country) ?? (ctx.defaultAreaCode || undefined) };

  // Phones: the primary field first, then the others; one field may hold several numbers.
  const seen = new Set<string>();
  const readPhones = (value: unknown, field: string) => {
    if (!present(value)) return;
    for (const one of splitPhones(String(value))) {
      const r = parsePhone(one, phoneCtx);
      phoneResults.push(r);
      if (r.valid && r.e164) {
        if (!seen.has(r.e164)) {
          seen.add(r.e164);
          record.phones.push(r.e164);
        }
      } else {
        problems.push(fp(field, r.problem ?? { code: 'phone.invalid', message: PHONE_PROBLEMS['phone.invalid'] }));
      }
    }
  };
  readPhones(raw.phone, 'phone');
  for (const p of raw.phones ?? []) readPhones(p, 'phones');
  if (!present(raw.phone) && !(raw.phones ?? []).some(present)) problems.push(rp('phone', 'phone.missing'));

  if (present(raw.name)) {
    const n = cleanName(String(raw.name));
    if (n) {
      record.name = n.value;
      record.nameKey = n.key;
      record.namePinyin = n.pinyin;
    } else problems.push(rp('name', 'name.unusable'));
  }

  if (present(raw.email)) {
    const e = cleanEmail(String(raw.email));
    if ('value' in e) record.email = e.value;
    else problems.push(fp('email', e.problem));
  }

  if (present(raw.gender)) {
    const g = parseGender(raw.gender);
    if (g) record.gender = g;
    else if (!isPlaceholder(String(raw.gender).trim())) problems.push(rp('gender', 'gender.unrecognized'));
  }

  if (present(raw.birthDate) || typeof (raw.birthDate as unknown) === 'number' || (raw.birthDate as unknown) instanceof Date) {
    const d = parseDate(raw.birthDate as string, { order: ctx.dateOrder });
    if ('value' in d) {
      const today = (ctx.observedAt && /^\d{4}-\d{2}-\d{2}/.test(ctx.observedAt) ? ctx.observedAt : new Date().toISOString()).slice(0, 10);
      if (d.value > today) problems.push(rp('birthDate', 'birthDate.future'));
      else if (d.value < '1900-01-01') problems.push(rp('birthDate', 'birthDate.implausible'));
      else record.birthDate = d.value;
    } else if (d.problem.code !== 'date.placeholder') problems.push(fp('birthDate', d.problem));
  }

  // Location: explicit province/city fields win; the address fills what they leave out.
  let province = givenProvince;
  let city = givenCity;
  if (present(raw.province) && !province) problems.push(rp('province', 'address.province_unknown'));
  if (present(raw.city) && !city) problems.push(rp('city', 'address.city_unknown'));
  if (present(raw.postcode)) record.postcode = String(raw.postcode).replace(/\s+/g, ' ').trim().toUpperCase();
  if (present(raw.address)) {
    const a = parseAddress(String(raw.address));
    record.address = String(raw.address).trim().replace(/\s+/g, ' ');
    if (!province && a.province && (!city || !a.city || a.city === city)) province = a.province;
    if (!city && a.city && (!province || a.province === province)) city = a.city;
    if (!record.postcode && a.postcode) record.postcode = a.postcode;
  }
  if (city && !province) province = provinceOfCity(city) ?? (normalizeProvince(city) === city ? city : undefined);
  if (province) record.province = province;
  if (city) record.city = city;

  if (present(raw.memberId)) record.memberId = String(raw.memberId).trim();
  if (raw.externalIds) {
    const ids: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw.externalIds)) if (present(v)) ids[k] = String(v).trim();
    if (Object.keys(ids).length) record.externalIds = ids;
  }
  if (present(raw.observedAt)) {
    const d = parseDate(raw.observedAt as string, { order: ctx.dateOrder });
    if ('value' in d) record.observedAt = d.value;
    else if (d.problem.code !== 'date.placeholder') problems.push(fp('observedAt', d.problem));
  }
  if (!record.observedAt && ctx.observedAt) record.observedAt = ctx.observedAt;
  return { record, problems, phoneResults };
}
