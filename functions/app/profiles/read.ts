/**
 * Reading whole profiles: the stored view when it is current, else computed live from the
 * members (so an import or a webhook shows at once; nothing is written on a read).
 *
 *   readProfile(store, profileId, settings, now?) → ProfileDocument | undefined
 *   findProfile(store, idOrPhone, settings)        → { profile } | { error, message } (by profile id, or by number as below)
 *   profileByNumber(store, e164, settings)         → { profile } | { error, message } (a generic number says why it keys nobody)
 *   streamProfiles(store, settings, opts?)         → AsyncIterable<ProfileDocument>  (profile by profile, 16 in flight, in index order)
 *   isCurrent(item, members)                       → whether the stored view still describes the members
 *   profileDocument(item, members, built)          → the document of SPEC §5 (export line, API body)
 */
import { newestMemberTime, type BuiltProfile, type ProfileMetrics, type ProfileView } from '../../core/profile/index.ts';
import type { Member } from '../../ports/profile-store.ts';
import { buildFromMembers } from './recompute.ts';
import type { ProfileSettings } from './settings.ts';
import { mapLimit } from '../../core/map-limit.ts';
import type { ProfileItem, ProfileMembers, ProfileViewStore } from '../../ports/profile-views.ts';
import { explainStanding, standingPolicy } from '../../core/identity/index.ts';
import { numberFacts, parsePhone, type CountryCode, type NumberFacts } from '../../core/clean/index.ts';

export interface ProfileDocument {
  profileId: string;
  /** The primary number; none on a profile of records that joined no number's holder. */
  phone?: string;
  phones: string[];
  /** Each of `phones` with its type, where it is registered and its original carrier. */
  numbers: NumberFacts[];
  /** Every source record and event that formed the profile (lineage). */
  members: Member[];
  metrics: ProfileMetrics;
  tags: string[];
  summary: string;
  view: ProfileView;
  computedAt: string;
  /** `stored` when the materialized view was current, `live` when computed for this read. */
  viewSource: 'stored' | 'live';
  counters?: Record<string, number>;
  lastSeenAt?: string;
  createdAt?: string;
  updatedAt?: string;
}

export function isCurrent(item: ProfileItem, m: ProfileMembers): boolean {
  const v = item.view;
  if (!v || v.version !== 1 || !item.metrics || !item.computedAt) return false;
  if (v.memberCount !== m.records.length + m.events.length) return false;
  if (v.newestMemberAt !== newestMemberTime(m.records, m.events)) return false;
  // A number added to the profile (alias) since.
  if (!item.phones.every((p) => v.basic.contacts.phones.includes(p))) return false;
  // A field a steward pinned since: the view must take it from the pinned record, by that pin (a
  // view built just before the pin may have taken the same record by survivorship).
  const members = new Set(m.records.map((r) => `${r.record.source}#${r.record.recordId}`));
  return Object.entries(item.pins ?? {}).every(([field, pin]) => {
    const l = v.basic.lineage?.[field];
    return !members.has(pin.member) || (l !== undefined && `${l.source}#${l.recordId}` === pin.member && l.pinnedAt === pin.at);
  });
}

export function profileDocument(item: ProfileItem, members: Member[], built: Pick<BuiltProfile, 'view' | 'metrics' | 'tags' | 'summary' | 'computedAt'>, viewSource: 'stored' | 'live'): ProfileDocument {
  const doc: ProfileDocument = {
    profileId: item.profileId,
    phone: item.phone,
    phones: item.phones,
    numbers: item.phones.map(numberFacts),
    members,
    metrics: built.metrics,
    tags: built.tags,
    summary: built.summary,
    view: built.view,
    computedAt: built.computedAt,
    viewSource,
  };
  if (item.counters && Object.keys(item.counters).length) doc.counters = item.counters;
  if (item.lastSeenAt) doc.lastSeenAt = item.lastSeenAt;
  if (item.createdAt) doc.createdAt = item.createdAt;
  if (item.updatedAt) doc.updatedAt = item.updatedAt;
  return doc;
}

async function documentOf(store: ProfileViewStore, item: ProfileItem, settings: ProfileSettings, now: Date): Promise<ProfileDocument> {
  const members = await store.loadMembers(item.profileId);
  if (isCurrent(item, members))
    return profileDocument(item, members.members, { view: item.view!, metrics: item.metrics!, tags: item.tags ?? item.view!.tags.map((t) => t.tag), summary: item.summary ?? item.view!.summary, computedAt: item.computedAt! }, 'stored');
  return profileDocument(item, members.members, buildFromMembers(item, members, settings, now), 'live');
}

export async function readProfile(store: ProfileViewStore, profileId: string, settings: ProfileSettings, now: Date = new Date()): Promise<ProfileDocument | undefined> {
  const item = await store.getProfileItem(profileId);
  if (!item || item.mergedInto) return undefined;
  return documentOf(store, item, settings, now);
}

/** Every profile as a document, streamed: at most `batch` items are held at a time. */
export async function* streamProfiles(store: ProfileViewStore, settings: ProfileSettings, opts: { now?: Date; concurrency?: number; batch?: number } = {}): AsyncIterable<ProfileDocument> {
  const now = opts.now ?? new Date();
  const batchSize = opts.batch ?? 64;
  let batch: ProfileItem[] = [];
  const run = () => mapLimit(batch, opts.concurrency ?? 16, (item) => documentOf(store, item, settings, now));
  for await (const item of store.listProfileItems()) {
    if (item.mergedInto) continue;
    batch.push(item);
    if (batch.length >= batchSize) {
      yield* await run();
      batch = [];
    }
  }
  if (batch.length) yield* await run();
}

export type ProfileLookup = { profile: ProfileDocument } | { error: 'number.generic' | 'profile.not_found'; message: string } | { error: string; message: string; invalid: true };

/** A profile id as reports and exports print it. */
const PROFILE_ID = /^p_[0-9a-f]{16}$/;

/**
 * A profile by its id or by any written form of one of its numbers: the only way to a customer no
 * number keys. An id of a profile merged since is answered with the profile it went into.
 */
export async function findProfile(store: ProfileViewStore, ref: string, settings: ProfileSettings, country: CountryCode = 'CN'): Promise<ProfileLookup> {
  const id = ref.trim();
  if (PROFILE_ID.test(id)) {
    let item = await store.getProfileItem(id);
    for (let hops = 0; item?.mergedInto && hops < 20; hops++) item = await store.getProfileItem(item.mergedInto);
    if (item && !item.mergedInto) return { profile: await documentOf(store, item, settings, new Date()) };
    return { error: 'profile.not_found', message: `no profile ${id}` };
  }
  const parsed = parsePhone(ref, { defaultCountry: country });
  if (!parsed.valid || !parsed.e164) return { error: parsed.problem?.code ?? 'phone.invalid', message: `${ref} is neither a profile id nor a valid phone number: ${parsed.problem?.message ?? 'invalid'}`, invalid: true };
  return profileByNumber(store, parsed.e164, settings);
}

/**
 * The profile a number keys, or why there is none: a generic number keys nobody, and says so with
 * the evidence (how many distinct names since when).
 */
export async function profileByNumber(
  store: ProfileViewStore,
  e164: string,
  settings: ProfileSettings,
): Promise<{ profile: ProfileDocument } | { error: 'number.generic' | 'profile.not_found'; message: string }> {
  const profileId = await store.profileIdForPhone(e164);
  const profile = profileId && (await readProfile(store, profileId, settings));
  if (profile) return { profile };
  const n = await store.number(e164);
  if (n?.generic) return { error: 'number.generic', message: `${e164} is ${explainStanding(n.evidence, standingPolicy(settings.survivorship), e164)}` };
  return { error: 'profile.not_found', message: `no profile has the number ${e164}` };
}
