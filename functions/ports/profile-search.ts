/** What profile search needs from storage (the DynamoDB side is functions/adapters/dynamo-profile-search.ts). */
import type { CleanRecord } from '../core/model.ts';
import type { MemberRecord } from './identity-store.ts';
import type { ProfileItem } from './profile-views.ts';

/** An index entry: its member (`source#recordId`), and the record's profile and comparison fields as indexed (absent on entries written before they carried them). */
export interface LookupEntry {
  member: string;
  profileId?: string;
  record?: CleanRecord;
}

export interface ProfileSearchStore {
  profileIdForPhone(e164: string): Promise<string | undefined>;
  /** A profile's id after following `mergedInto` (undefined when there is no such profile). */
  currentProfileId(profileId: string): Promise<string | undefined>;
  /** The first `limit` entries indexed under a lookup key (core `lookupKeys`), with what they carry. */
  lookupEntries(key: string, limit: number): Promise<LookupEntry[]>;
  /** The stored records of members, with the profile each points at now (missing ones left out). */
  memberRecords(keys: string[]): Promise<Map<string, MemberRecord>>;
  /** One source record of a profile (the first by key): what describes a profile no view describes yet. */
  firstRecord(profileId: string): Promise<CleanRecord | undefined>;
  /** Profile items by id (missing ones left out). */
  profileItems(profileIds: string[]): Promise<Map<string, ProfileItem>>;
}
