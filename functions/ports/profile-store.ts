/**
 * What handlers and the CLI need from storage, in domain words. The DynamoDB adapter implements it;
 * the layout behind it is in docs/architecture.md.
 */
import type { CleanRecord } from '../core/model.ts';

export interface StoredRecord {
  profileId: string;
  record: CleanRecord;
  /** The row as it arrived (column → text), kept for lineage and for erasure. */
  raw: Record<string, unknown>;
  hash: string;
  storedAt: string;
}

export interface Profile {
  profileId: string;
  phone: string;
  phones: string[];
  createdAt: string;
  updatedAt: string;
}

export interface Member {
  source: string;
  recordId: string;
}

export interface ImportCounts {
  read: number;
  stored: number;
  rejected: number;
  redelivered: number;
  byReason: Record<string, number>;
  newProfiles: number;
  updatedProfiles: number;
}

export interface ImportState {
  importId: string;
  bucket: string;
  key: string;
  source: string;
  status: 'running' | 'done' | 'failed';
  /** Rows already handled and counted: a retry resumes after them. */
  rowsDone: number;
  bytesRead: number;
  size?: number;
  counts: ImportCounts;
  reportKey?: string;
  error?: string;
  startedAt: string;
  updatedAt: string;
}

export interface RecordWrite {
  record: CleanRecord;
  raw: Record<string, unknown>;
  hash: string;
}

export type WriteOutcome = { kind: 'stored'; profileId: string; newProfile: boolean } | { kind: 'redelivered'; profileId: string };

export interface ProfileStore {
  getImport(importId: string): Promise<ImportState | undefined>;
  /** Starts or resumes an import; returns the state to resume from. */
  beginImport(state: Omit<ImportState, 'status' | 'rowsDone' | 'bytesRead' | 'counts' | 'startedAt' | 'updatedAt'>): Promise<ImportState>;
  checkpointImport(importId: string, progress: Pick<ImportState, 'rowsDone' | 'bytesRead' | 'counts'>): Promise<void>;
  finishImport(importId: string, outcome: Pick<ImportState, 'status' | 'counts' | 'reportKey' | 'error' | 'rowsDone' | 'bytesRead'>): Promise<void>;

  /**
   * Stores records under the profile of their primary phone, creating profiles and phone aliases
   * as needed. A record whose content hash is already stored is a redelivery and changes nothing.
   */
  writeRecords(writes: RecordWrite[]): Promise<WriteOutcome[]>;

  /** A source's or channel's config as registered (validated by the caller). */
  getSourceConfig(name: string): Promise<unknown | undefined>;
  putSourceConfig(name: string, config: unknown): Promise<void>;

  profileIdForPhone(e164: string): Promise<string | undefined>;
  getProfile(profileId: string): Promise<Profile | undefined>;
  members(profileId: string): Promise<Member[]>;
  listProfiles(): AsyncIterable<Profile>;
}
