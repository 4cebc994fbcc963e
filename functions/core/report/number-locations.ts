/** Where customers' numbers are registered, for the nightly report: counts by province (region abroad). */
import { parsePhone } from '../clean/phone.ts';

/** 广东省 for a Chinese number, `US · IL` abroad, `unknown` where the tables say nothing. */
export function numberLocation(e164: string): string {
  const p = parsePhone(e164);
  if (p.location?.province) return p.location.province;
  if (p.region && p.region !== 'CN') return [p.region, p.location?.provinceEn].filter(Boolean).join(' · ');
  return 'unknown';
}

/** The sum of several counts by key. */
export function sumCounts(counts: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of counts) for (const [k, n] of Object.entries(c)) out[k] = (out[k] ?? 0) + n;
  return out;
}
