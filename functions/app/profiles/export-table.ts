/**
 * "Remove duplicates", the result as a table: one row per customer with the golden fields, every
 * number (primary first, with its type and location), e-mails, member ids, sources, how many
 * records and events formed it, spend and tags — what a CRM or a spreadsheet takes back.
 *
 *   EXPORT_COLUMNS                 → the header
 *   exportRow(doc)                 → the row's cells, as text
 */
import { numberFacts } from '../../core/clean/index.ts';
import type { ProfileDocument } from './read.ts';

export const EXPORT_COLUMNS = [
  'profile_id',
  'name',
  'gender',
  'birth_date',
  'phone',
  'phone_type',
  'phone_location',
  'other_phones',
  'emails',
  'member_ids',
  'country',
  'province',
  'city',
  'district',
  'address_detail',
  'address',
  'sources',
  'records',
  'orders',
  'total_spend',
  'currency',
  'last_purchase',
  'tags',
  'summary',
] as const;
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];

/** Several values in one cell. */
const LIST = '; ';

/** A number as a person reads it in a list: `+8613812345678 (mobile, 广东省深圳市)`. */
function described(e164: string): { type: string; location: string } {
  const f = numberFacts(e164);
  return { type: f.type ?? '', location: f.location ?? '' };
}

export function exportRow(doc: ProfileDocument): Record<ExportColumn, string> {
  const basic = doc.view.basic;
  const primary = doc.phone;
  const others = doc.phones.filter((p) => p !== primary);
  const first = primary ? described(primary) : { type: '', location: '' };
  return {
    profile_id: doc.profileId,
    name: basic.name ?? '',
    gender: basic.gender ?? '',
    birth_date: basic.birthDate ?? '',
    phone: primary ?? '',
    phone_type: first.type,
    phone_location: first.location,
    other_phones: others
      .map((p) => {
        const d = described(p);
        const about = [d.type, d.location].filter(Boolean).join(', ');
        return about ? `${p} (${about})` : p;
      })
      .join(LIST),
    emails: basic.contacts.emails.join(LIST),
    member_ids: basic.memberIds.join(LIST),
    country: basic.location.country ?? '',
    province: basic.location.province ?? '',
    city: basic.location.city ?? '',
    district: basic.location.district ?? '',
    address_detail: basic.location.detail ?? '',
    address: basic.location.address ?? '',
    sources: [...new Set(doc.members.map((m) => m.source))].sort().join(LIST),
    records: String(doc.members.length),
    orders: String(doc.view.consumption.orderCount),
    total_spend: doc.view.consumption.totalSpend,
    currency: doc.view.consumption.currency,
    last_purchase: doc.view.consumption.lastPurchaseAt ?? '',
    tags: doc.tags.join(LIST),
    summary: doc.summary,
  };
}
