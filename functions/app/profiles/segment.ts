/**
 * Campaign segments: the phones of consenting profiles matching a query (core/profile/segment.ts).
 *
 *   segmentRows(store, query, settings, opts?) → AsyncIterable<SegmentRow>   (streamed over every profile)
 *   segmentOutput(format)                      → { contentType, header, line(row) }  CSV (cells neutralized) or NDJSON
 */
import { matchesSegment, segmentNumber, type SegmentQuery } from '../../core/profile/index.ts';
import { csvCell } from '../../core/report/safe-text.ts';
import { streamProfiles } from './read.ts';
import type { ProfileSettings } from './settings.ts';
import type { ProfileViewStore } from '../../ports/profile-views.ts';

export interface SegmentRow {
  phone: string;
  profileId: string;
  /** The marketing channels it consented to, of those the query named. */
  channels: string[];
}

export async function* segmentRows(store: ProfileViewStore, query: SegmentQuery, settings: ProfileSettings, opts: { now?: Date } = {}): AsyncIterable<SegmentRow> {
  for await (const doc of streamProfiles(store, settings, opts)) {
    // a segment of phones leaves out the people no number keys, and an SMS segment those with no mobile
    const phone = doc.phone && segmentNumber(doc.phones, doc.phone, query.channels);
    if (phone && matchesSegment(query, { profileId: doc.profileId, phone: doc.phone!, tags: doc.tags, metrics: doc.metrics, view: doc.view }))
      yield { phone, profileId: doc.profileId, channels: query.channels };
  }
}

export type SegmentFormat = 'csv' | 'ndjson';

export function segmentOutput(format: SegmentFormat): { contentType: string; header: string; line(row: SegmentRow): string } {
  if (format === 'csv')
    return {
      contentType: 'text/csv; charset=utf-8',
      header: 'phone,profileId,channels\n',
      line: (r) => `${csvCell(r.phone)},${csvCell(r.profileId)},${csvCell(r.channels.join(' '))}\n`,
    };
  return { contentType: 'application/x-ndjson; charset=utf-8', header: '', line: (r) => JSON.stringify(r) + '\n' };
}
