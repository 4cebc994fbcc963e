/**
 * What erasure and the suppression check need from storage (issue 8). The DynamoDB adapter
 * (functions/adapters/dynamo-privacy-store.ts) implements it on the one table.
 */
export interface StoredKey {
  pk: string;
  sk: string;
}

/** Everything stored about one person, found from one of their numbers. */
export interface Footprint {
  /** The profile the number resolves to, if any. */
  profileId?: string;
  /** Every number of the person: the profile's numbers and the one asked for (E.164). */
  phones: string[];
  /** Items to delete, by kind: `profile`, `alias`, `record`, `event`, `review`, `blocking`, `other`. */
  items: Array<StoredKey & { kind: FootprintKind }>;
}

export type FootprintKind = 'profile' | 'alias' | 'record' | 'event' | 'review' | 'blocking' | 'other';

export interface AuditRecord {
  at: string;
  action: string;
  actor: string;
  subjects: string[];
  detail?: Record<string, unknown>;
}

export interface PrivacyStore {
  /** The numbers (E.164) among `phones` that belong to erased people: one batched read. */
  isSuppressed(phones: string[]): Promise<Set<string>>;
  /** Adds the numbers to the suppression list (idempotent); returns their suppression hashes. */
  suppress(phones: string[], reason: { at: string; actor: string }): Promise<string[]>;
  footprint(e164: string): Promise<Footprint>;
  /** Deletes the items (missing ones are fine: erasure can be retried). */
  deleteItems(keys: StoredKey[]): Promise<void>;
  audit(entry: Omit<AuditRecord, 'at'>): Promise<void>;
  auditDay(day: string): Promise<AuditRecord[]>;
}
