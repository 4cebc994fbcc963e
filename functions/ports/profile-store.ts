/**
 * What handlers and the CLI need from storage, in domain words. The DynamoDB adapter implements it;
 * the layout behind it is in docs/architecture.md.
 */
import type { CleanRecord } from '../core/model.ts';
import type { ArrivalPlan, NumberEvidence, Standing } from '../core/identity/index.ts';

/** A number as stored: the profile it was claimed by, and what has been seen with it (its standing). */
export interface NumberState {
  owner: string;
  evidence: NumberEvidence;
  /** How many times its evidence was stored: a write of evidence is conditional on it. */
  version: number;
  generic: boolean;
}

/** New evidence for a number stored before, read at `version`. */
export interface EvidenceUpdate {
  phone: string;
  evidence: NumberEvidence;
  /** The standing the evidence gives the number (stored with it: the numbers a steward lists). */
  standing: Standing;
  version: number;
  /** The number became generic with it: it comes off the profile it keyed (`owner`). */
  becameGeneric: boolean;
  owner: string;
}

/**
 * Where a batch's records go, as the identity policy decided it (planArrivals, one home per write
 * in order) from the numbers' state read for it (`numbers`). Built by functions/app/identity/arrive.ts.
 */
export interface Arrival {
  plan: ArrivalPlan;
  numbers: ReadonlyMap<string, NumberState>;
  /** For events, read with the numbers (numbersForEvents); writeEvents reads it itself when absent. */
  events?: EventsRead;
}

/** What storing events must know before writing them. */
export interface EventsRead {
  /** Events stored already: `<channel>#<eventId>` → the profile they are on. */
  stored: ReadonlyMap<string, string>;
  /** The events' numbers that belong to erased people (read only when they are to be left out). */
  suppressed: ReadonlySet<string>;
}

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
  /** Behaviour counters: tag (or `unmapped:<name>`) → events received, moved by writeEvents. */
  counters?: Record<string, number>;
  /** When the customer was last seen in an event (ISO 8601 UTC, never later than its arrival). */
  lastSeenAt?: string;
}

export interface Member {
  source: string;
  recordId: string;
}

export interface ImportCounts {
  read: number;
  stored: number;
  /** Of `stored`: records kept as people although no number of theirs was usable. */
  withoutNumber: number;
  rejected: number;
  redelivered: number;
  byReason: Record<string, number>;
  /** Why the numbers of the records stored without one were unusable, by problem code. */
  numberProblems: Record<string, number>;
  /** Fields of kept rows that could not be read and were left out (`birthDate: date.ambiguous`), by field and code. */
  warnings: Record<string, number>;
  newProfiles: number;
  updatedProfiles: number;
}

export interface ImportState {
  importId: string;
  bucket: string;
  key: string;
  source: string;
  /** The uploaded object's ETag: what a retry must match to resume this import. */
  etag?: string;
  /** The object version imported, where the bucket keeps versions. */
  versionId?: string;
  /** Run by the fan-out state machine (the file or one of its chunks): its progress is the execution's. */
  fanout?: boolean;
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

/** `apart`: the record joined no number's holder (its own profile; see core/identity/arrival.ts). */
export type WriteOutcome =
  | { kind: 'stored'; profileId: string; newProfile: boolean; apart?: { reason: string; why: string; number?: string } }
  | { kind: 'redelivered'; profileId: string }
  /** Another writer founded the number after `arrival` read it: nothing written; plan it again (arrive.ts does). */
  | { kind: 'replan' };

/** What a record or event came to once planned on what the store holds (never `replan`). */
export type StoredOutcome = Exclude<WriteOutcome, { kind: 'replan' }>;

// ---- events (webhooks) ----

/** One validated behaviour event, bound to the cleaned identity it carried. */
export interface EventWrite {
  channel: string;
  /** Idempotency key within the channel (the channel's id, or a hash of the event). */
  eventId: string;
  /** The event's cleaned identity: `phones[0]` is the profile key (at least one valid phone). */
  record: CleanRecord;
  /** Standard tag, or `unmapped:<native name>`. */
  tag: string;
  nativeName?: string;
  attributes: Record<string, unknown>;
  /** ISO 8601 UTC, when the channel said when it happened. */
  occurredAt?: string;
  /** The UTC offset the source's clock was at ("+08:00"), to show the time as the source saw it. */
  utcOffset?: string;
  unmapped?: boolean;
}

export type EventOutcome = WriteOutcome;

export interface ProfileStore {
  getImport(importId: string): Promise<ImportState | undefined>;
  /** Imports begun and not finished: in progress, or left behind by a worker that died. */
  runningImports(): Promise<ImportState[]>;
  /** Starts or resumes an import; returns the state to resume from. */
  beginImport(state: Omit<ImportState, 'status' | 'rowsDone' | 'bytesRead' | 'counts' | 'startedAt' | 'updatedAt'>): Promise<ImportState>;
  checkpointImport(importId: string, progress: Pick<ImportState, 'rowsDone' | 'bytesRead' | 'counts'>): Promise<void>;
  finishImport(importId: string, outcome: Pick<ImportState, 'status' | 'counts' | 'reportKey' | 'error' | 'rowsDone' | 'bytesRead'>): Promise<void>;

  /**
   * Marks numbers generic that the evidence across the whole table shows many people use (the
   * nightly re-match finds them): each keys nobody from then on and comes off the profile that
   * had it. Returns those newly marked.
   */
  markGeneric(phones: string[]): Promise<string[]>;

  /** The stored state of the numbers that have one (one batched read). */
  numbers(phones: string[]): Promise<Map<string, NumberState>>;

  /**
   * numbers(), and in the same batched read what writing these events needs to know: which are
   * stored already and, with `unlessSuppressed`, which of their numbers are erased people's. A
   * single event costs one read instead of two.
   */
  numbersForEvents(phones: string[], writes: EventWrite[], unlessSuppressed: boolean): Promise<{ numbers: Map<string, NumberState>; events: EventsRead }>;

  /**
   * Stores each number's new evidence on the condition that it is still at the version read, and
   * takes a number that became generic off the profile it keyed. Answers the numbers whose
   * evidence another writer stored meanwhile: read them again, merge, and store again.
   */
  storeEvidence(updates: EvidenceUpdate[]): Promise<string[]>;

  /**
   * Stores records where `arrival` puts them: on the profile their number keys (founding it and
   * claiming the record's other free numbers when nobody has the number yet), or on a profile of
   * their own; new numbers are claimed with their evidence (numbers stored before learn theirs
   * through storeEvidence). A record whose content hash is already stored is a redelivery and
   * changes nothing.
   */
  writeRecords(writes: RecordWrite[], arrival: Arrival): Promise<WriteOutcome[]>;

  /**
   * Stores events (`EVT#<channel>#<eventId>`) where `arrival` puts them, as writeRecords does. An
   * event id already stored (or repeated earlier in the same call) is a redelivery and changes
   * nothing; a newly stored event moves its profile's `counters.<tag>` by one and `lastSeenAt`
   * forward.
   */
  writeEvents(writes: EventWrite[], arrival: Arrival): Promise<EventOutcome[]>;

  /** A source's or channel's config as registered (validated by the caller). */
  getSourceConfig(name: string): Promise<unknown | undefined>;
  putSourceConfig(name: string, config: unknown): Promise<void>;

  profileIdForPhone(e164: string): Promise<string | undefined>;
  getProfile(profileId: string): Promise<Profile | undefined>;
  members(profileId: string): Promise<Member[]>;
  listProfiles(): AsyncIterable<Profile>;

  /** The numbers among `phones` that belong to erased people (ports/privacy-store.ts); one batched read. */
  isSuppressed(phones: string[]): Promise<Set<string>>;

  /**
   * writeEvents that first leaves out events with a suppressed number (outcome `suppressed`,
   * nothing stored), checked in the same batched read as the stored events (numbersForEvents
   * makes that the numbers' read too).
   */
  writeEventsUnlessSuppressed(writes: EventWrite[], arrival: Arrival): Promise<Array<EventOutcome | { kind: 'suppressed' }>>;
}
