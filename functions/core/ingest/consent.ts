/**
 * Marketing consent from a row or event: `consent: { "<channel>": "<path>" }` or
 * `{ "<channel>": { "value": "<path>", "at": "<path>" } }` in a source config → `record.consent`.
 * Values read as granted: yes, y, true, 1, 是, 同意, 已同意, 订阅, 已订阅, opt-in, granted;
 * withdrawn: no, n, false, 0, 否, 拒绝, 不同意, 退订, 已退订, 未订阅, opt-out, denied.
 * Anything else (or an empty cell) says nothing: no consent entry for that channel.
 */
import type { Consent } from '../model.ts';

const GRANTED = new Set(['yes', 'y', 'true', '1', '是', '同意', '已同意', '订阅', '已订阅', 'opt-in', 'optin', 'granted', 'on']);
const DENIED = new Set(['no', 'n', 'false', '0', '否', '拒绝', '不同意', '退订', '已退订', '未订阅', 'opt-out', 'optout', 'denied', 'off']);

/** true / false for a recognized yes/no value, undefined for anything else. */
export function parseConsentValue(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value !== 'string') return undefined;
  const t = value.trim().toLowerCase();
  if (GRANTED.has(t)) return true;
  if (DENIED.has(t)) return false;
  return undefined;
}

export type { Consent };
