/**
 * A mapped event (a file row's or a webhook's) on its way to the store: validated against the
 * taxonomy with its time read in the source's zone, then the item the store writes. File imports
 * (import-file.ts) and webhooks (receive-events.ts) both go through here.
 */
import { defaultTaxonomy, validateEvent, type ValidateResult, type ValidEvent } from '../core/events/index.ts';
import type { MappedEvent } from '../core/ingest/map-row.ts';
import type { CleanRecord } from '../core/model.ts';
import type { EventWrite } from '../ports/profile-store.ts';

/** `timeZone`: the source config's IANA zone, for times written without an offset. */
export function validateMapped(mapped: MappedEvent, timeZone: string | undefined): ValidateResult {
  return validateEvent({ tag: mapped.tag, attributes: mapped.attributes, ...(mapped.occurredAt ? { occurredAt: mapped.occurredAt } : {}) }, defaultTaxonomy, { timeZone });
}

export function eventWrite(channel: string, eventId: string, record: CleanRecord, event: ValidEvent, nativeName?: string): EventWrite {
  // the event's identity was seen when the event happened (a number that changed hands is told apart by it)
  const seen = event.occurredAt && !record.observedAt ? { ...record, observedAt: event.occurredAt.slice(0, 10) } : record;
  const write: EventWrite = { channel, eventId, record: seen, tag: event.tag, attributes: event.attributes };
  if (nativeName) write.nativeName = nativeName;
  if (event.occurredAt) Object.assign(write, { occurredAt: event.occurredAt, utcOffset: event.utcOffset });
  if (event.unmapped) write.unmapped = true;
  return write;
}
