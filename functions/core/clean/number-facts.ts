/** What a number says of itself, whoever holds it: its type, where it is registered, its original carrier. */
import { parsePhone, type PhoneType } from './phone.ts';

export interface NumberFacts {
  phone: string;
  type?: PhoneType;
  /** ISO 3166 region (CN, HK, US…). */
  region?: string;
  /** Where it is registered, as a person reads it: 广东省深圳市, or `Chicago, IL` abroad. */
  location?: string;
  /** The range's original carrier (a number may have been ported since). */
  carrier?: string;
}

export function numberFacts(e164: string): NumberFacts {
  const p = parsePhone(e164);
  const l = p.location;
  // a municipality is its own province: 北京市, not 北京市北京市
  const location = l ? [...new Set([l.province, l.city].filter(Boolean))].join('') || [...new Set([l.cityEn, l.provinceEn].filter(Boolean))].join(', ') : '';
  return {
    phone: e164,
    ...(p.type ? { type: p.type } : {}),
    ...(p.region ? { region: p.region } : {}),
    ...(location ? { location } : {}),
    ...(p.carrier ? { carrier: p.carrier } : {}),
  };
}
