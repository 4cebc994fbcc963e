/**
 * What the profile use cases need from storage (the DynamoDB side is
 * functions/adapters/dynamo-profile-view.ts). The materialized view lives on the profile item in
 * the profile room's own attributes only: `view`, `metrics`, `tags`, `summary`, `computedAt`.
 */
import type { CleanRecord } from '../core/model.ts';
import type { Pin } from '../core/identity/index.ts';
import type { BaseQuantiles, BuiltProfile, EventMember, ProfileMetrics, ProfileView, RecordMember } from '../core/profile/index.ts';
import type { Member, NumberState } from './profile-store.ts';

/** A profile item as stored, with the attributes other rooms write (read-only here). */
export interface ProfileItem {
  profileId: string;
  phone: string;
  phones: string[];
  createdAt?: string;
  updatedAt?: string;
  counters?: Record<string, number>;
  lastSeenAt?: string;
  /** The identity room's golden record (`fields`), when a profile has several records. */
  golden?: { fields?: Partial<CleanRecord>; sources?: Record<string, unknown> };
  /** Fields a steward pinned to a member record (approving a review with chosen values). */
  pins?: Record<string, Pin>;
  /** Set on a profile merged into another (it is no longer a customer of its own). */
  mergedInto?: string;
  view?: ProfileView;
  metrics?: ProfileMetrics;
  tags?: string[];
  summary?: string;
  computedAt?: string;
}

export interface ProfileMembers {
  records: RecordMember[];
  events: EventMember[];
  /** Lineage as SPEC §5 lists it: `{source, recordId}` of every record and event. */
  members: Member[];
}

export interface ProfileViewStore {
  profileIdForPhone(e164: string): Promise<string | undefined>;
  /** A number's stored state (for saying why it keys no profile). */
  number(e164: string): Promise<NumberState | undefined>;
  getProfileItem(profileId: string): Promise<ProfileItem | undefined>;
  /** Every record and event pointing at the profile (byProfile index), without raw rows. */
  loadMembers(profileId: string): Promise<ProfileMembers>;
  /** SET view, metrics, tags, summary, computedAt; false when the profile item does not exist. */
  saveView(profileId: string, built: BuiltProfile): Promise<boolean>;
  /** Every profile item (profiles index), page by page. */
  listProfileItems(): AsyncIterable<ProfileItem>;
  /** Every profile's id and stored metrics (profiles index, projected). */
  listMetrics(): AsyncIterable<{ profileId: string; metrics?: ProfileMetrics; mergedInto?: string }>;
  getQuantiles(): Promise<BaseQuantiles | undefined>;
  putQuantiles(q: BaseQuantiles): Promise<void>;
  /** A stored rules document (`tags`, `profile`), as written by `phonekey rules put`. */
  getRulesDoc(kind: string): Promise<unknown | undefined>;
}
