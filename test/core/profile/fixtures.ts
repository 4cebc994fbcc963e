/** Small builders for profile tests: records and events as the store keeps them. */
import type { CleanRecord } from '../../../functions/core/model.ts';
import type { EventMember, RecordMember } from '../../../functions/core/profile/index.ts';

export const NOW = '2026-11-20T00:00:00.000Z';

export function rec(fields: Partial<CleanRecord> = {}, storedAt = '2026-11-01T00:00:00.000Z'): RecordMember {
  return { record: { source: 'crm', recordId: 'r1', phones: ['+8613800138001'], ...fields }, storedAt };
}

let seq = 0;
export function evt(tag: string, attributes: Record<string, unknown>, occurredAt: string, channel = 'app', eventId = `e${++seq}`): EventMember {
  return { channel, eventId, tag, attributes, occurredAt, receivedAt: occurredAt };
}

export const purchase = (order: string, amount: string, at: string, extra: Record<string, unknown> = {}, channel = 'app') => {
  const [y, c = '0'] = amount.split('.');
  return evt('purchase', { order_id: order, amount, amount_cents: Number(y) * 100 + Number(c.padEnd(2, '0')), currency: 'CNY', ...extra }, at, channel);
};

/** ISO time `days` before NOW. */
export const ago = (days: number) => new Date(Date.parse(NOW) - days * 86_400_000).toISOString();
