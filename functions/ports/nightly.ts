/**
 * What the nightly steps need from storage, in their own words. The DynamoDB/S3 adapter
 * (functions/adapters/nightly-storage.ts) implements both against the table and the reports bucket.
 */
import type { CleanRecord } from '../core/model.ts';
import type { Pin } from '../core/identity/index.ts';
import type { EventMember } from '../core/profile/index.ts';
import type { ImportCounts } from './profile-store.ts';

/** One table item as the snapshot keeps it (only what the later steps read). */
export type SnapshotItem =
  | { kind: 'record'; key: string; itemKey: string; profileId: string; record: CleanRecord; storedAt?: string }
  | { kind: 'event'; key: string; profileId: string; channel: string; tag: string; record?: CleanRecord; member: EventMember }
  | { kind: 'profile'; profileId: string; phones: string[]; pins?: Record<string, Pin> }
  | { kind: 'import'; source: string; status: string; counts: ImportCounts };

export interface NightlyTable {
  /** The table's item count as DynamoDB last measured it (approximate; sizes the scan). */
  approximateItemCount(): Promise<number>;
  /** One segment of a parallel scan, page by page, as snapshot items (other items skipped). */
  scanSegment(segment: number, totalSegments: number): AsyncIterable<SnapshotItem>;
  /**
   * Every profile id, from the profiles index, whether it was ever computed (has metrics), and its
   * `updatedAt` (null when it has none).
   */
  profileIds(): AsyncIterable<{ profileId: string; measured: boolean; updatedAt: string | null }>;
  /** Every profile's tag names, for the tag distribution (streamed, one profile at a time). */
  profileTags(): AsyncIterable<string[]>;
  /** Unmerge entries in the audit log at or after `sinceIso`. */
  countAudit(action: string, sinceIso: string): Promise<number>;
}

/** Files of one run under `nightly/<runId>/` in the reports bucket; keys are relative to it. */
export interface RunFiles {
  get(key: string): Promise<string | undefined>;
  put(key: string, body: string, contentType?: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Bytes `[start, end)` of a file, as text. */
  getRange(key: string, start: number, end: number): Promise<string>;
  /** The lines of a (possibly large) text file, streamed. */
  lines(key: string): AsyncIterable<string>;
}
