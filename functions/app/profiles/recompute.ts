/**
 * Recomputing materialized profiles (the nightly workflow calls these; so can anyone).
 *
 *   computeProfile(store, item, settings, now?)          → { built, members }    members loaded, nothing saved
 *   recomputeProfile(store, profileId, settings, now?)   → BuiltProfile | undefined (saved on the item)
 *   recomputeProfiles(store, profileIds, quantiles?, opts?) → { updated, missing }
 *       builds and saves each profile (16 at a time); `quantiles` are the night's base quantiles
 *       (computeBaseQuantiles' result; when absent, the stored ones)
 *   computeBaseQuantiles(store, opts?)                   → BaseQuantiles (stored as STATS#quantiles)
 *       streams every profile's stored `metrics` over the profiles index (one number per metric
 *       per profile kept in memory); a profile without stored metrics yet is computed from its
 *       members on the way (first night, or a profile created since)
 *   measureFromMembers(store, profiles, opts?)          → [{ profileId, metrics }]   nothing saved
 *   recomputeFromMembers(store, writer, profiles, quantiles?, opts?) → { updated, fromMembers, live }
 *       the nightly run's path: members already read (its snapshot files), so no Query per profile;
 *       a view is saved only while the item's `updatedAt` is what it was before the members were
 *       read, else (a webhook, an import adding a number, a merge since) the profile is rebuilt
 *       from its members as they are now (recomputeProfile)
 *   profilesPort(store, writer?)                          → the ProfilesPort of functions/app/nightly/steps.ts
 *
 * Saving touches only `view`, `metrics`, `tags`, `summary`, `computedAt` (UpdateCommand SET).
 */
import { buildProfile, QuantileAccumulator, type BaseQuantiles, type BuiltProfile, type EventMember, type ProfileMetrics, type RecordMember } from '../../core/profile/index.ts';
import type { Pin } from '../../core/identity/index.ts';
import { loadSettings, type ProfileSettings } from './settings.ts';
import { mapLimit } from '../../core/map-limit.ts';
import type { ProfileItem, ProfileMembers, ProfileViewStore } from '../../ports/profile-views.ts';

const CONCURRENCY = 16;

export async function computeProfile(store: ProfileViewStore, item: ProfileItem, settings: ProfileSettings, now: Date = new Date()): Promise<{ built: BuiltProfile; members: ProfileMembers }> {
  const members = await store.loadMembers(item.profileId);
  return { built: buildFromMembers(item, members, settings, now), members };
}

/** The profile item's members built into a profile (pure). */
export function buildFromMembers(item: ProfileItem, members: ProfileMembers, settings: ProfileSettings, now: Date): BuiltProfile {
  return buildWith({ phones: item.phones, ...(item.pins ? { pins: item.pins } : {}), records: members.records, events: members.events }, settings, now);
}

export async function recomputeProfile(store: ProfileViewStore, profileId: string, settings: ProfileSettings, now: Date = new Date()): Promise<BuiltProfile | undefined> {
  const item = await store.getProfileItem(profileId);
  if (!item || item.mergedInto) return undefined;
  const { built } = await computeProfile(store, item, settings, now);
  return (await store.saveView(profileId, built)) ? built : undefined;
}

export async function recomputeProfiles(
  store: ProfileViewStore,
  profileIds: string[],
  quantiles?: BaseQuantiles | unknown,
  opts: { now?: Date; concurrency?: number; settings?: ProfileSettings } = {},
): Promise<{ updated: number; missing: number }> {
  const settings = opts.settings ?? (await loadSettings(store));
  if (isQuantiles(quantiles)) settings.quantiles = quantiles;
  const now = opts.now ?? new Date();
  const done = await mapLimit(profileIds, opts.concurrency ?? CONCURRENCY, (id) => recomputeProfile(store, id, settings, now));
  const updated = done.filter(Boolean).length;
  return { updated, missing: profileIds.length - updated };
}

function isQuantiles(q: unknown): q is BaseQuantiles {
  return !!q && typeof q === 'object' && (q as BaseQuantiles).version === 1 && Array.isArray((q as BaseQuantiles).levels);
}

/**
 * `measured`: metrics computed elsewhere for profiles that have none stored (the nightly Measure
 * step's files); they are used for those profiles instead of building them here.
 */
export async function computeBaseQuantiles(
  store: ProfileViewStore,
  opts: { now?: Date; save?: boolean; settings?: ProfileSettings; measured?: AsyncIterable<{ profileId: string; metrics: ProfileMetrics }> } = {},
): Promise<BaseQuantiles> {
  const settings = opts.settings ?? (await loadSettings(store));
  const now = opts.now ?? new Date();
  const acc = new QuantileAccumulator();
  let missing: string[] = [];
  const flush = async () => {
    // Profiles without stored metrics: built from their members (fixed thresholds do not matter for metrics).
    const built = await mapLimit(missing, CONCURRENCY, async (profileId) => {
      const item = await store.getProfileItem(profileId);
      return item && !item.mergedInto ? (await computeProfile(store, item, settings, now)).built.metrics : undefined;
    });
    for (const m of built) if (m) acc.add(m);
    missing = [];
  };
  // With `measured`, profiles without stored metrics wait for the measured metrics; the rest are built.
  const unstored = new Set<string>();
  for await (const p of store.listMetrics()) {
    if (p.mergedInto) continue;
    if (p.metrics) acc.add(p.metrics);
    else if (opts.measured) unstored.add(p.profileId);
    else if (missing.push(p.profileId) >= 256) await flush();
  }
  if (opts.measured) for await (const m of opts.measured) if (unstored.delete(m.profileId)) acc.add(m.metrics);
  for (const profileId of unstored) if (missing.push(profileId) >= 256) await flush();
  await flush();
  const q = acc.result(settings.config, now.toISOString());
  if (opts.save !== false) await store.putQuantiles(q);
  return q;
}

// ---- from members read elsewhere (the nightly snapshot) ----

/** A profile with the members someone already read, and what its item said when they were read. */
export interface ProfileWithMembers {
  profileId: string;
  phones: string[];
  /** Fields a steward pinned to a member record. */
  pins?: Record<string, Pin>;
  records: RecordMember[];
  events: EventMember[];
  /**
   * The item's `updatedAt` before the members were read (null: it had none). Writers of members
   * move it (events, new numbers, merges), so an item that still has it has no member newer than
   * these, as far as those writers go.
   */
  updatedAt: string | null;
}

/** Conditional saves of views built from members read earlier. */
export interface ConditionalViewWriter {
  /**
   * SET view, metrics, tags, summary, computedAt on each profile item whose `updatedAt` is still
   * the given one (null: still absent) and that is not merged; true where saved, false where the
   * item changed, is gone or was merged (those are rebuilt from their members as they are now).
   */
  saveViewsIfUnchanged(views: Array<{ profileId: string; built: BuiltProfile; updatedAt: string | null }>): Promise<boolean[]>;
}

function buildWith(p: Pick<ProfileWithMembers, 'phones' | 'pins' | 'records' | 'events'>, settings: ProfileSettings, now: Date): BuiltProfile {
  return buildProfile(p.records, p.events, { now, baseQuantiles: settings.quantiles, tagRules: settings.tagRules, config: settings.config, phones: p.phones, survivorship: settings.survivorship, ...(p.pins ? { pins: p.pins } : {}) });
}

/**
 * Metrics of profiles (for the base quantiles; nothing saved): from the members given, and for the
 * ids in `live` from their members as they are now (skipped when gone or merged).
 */
export async function measureFromMembers(
  store: ProfileViewStore,
  profiles: Array<Pick<ProfileWithMembers, 'profileId' | 'phones' | 'pins' | 'records' | 'events'>>,
  live: string[],
  opts: { now?: Date; settings?: ProfileSettings } = {},
): Promise<Array<{ profileId: string; metrics: ProfileMetrics }>> {
  const settings = opts.settings ?? (await loadSettings(store));
  const now = opts.now ?? new Date();
  const out = profiles.map((p) => ({ profileId: p.profileId, metrics: buildWith(p, settings, now).metrics }));
  const fresh = await mapLimit(live, CONCURRENCY, async (profileId) => {
    const item = await store.getProfileItem(profileId);
    return item && !item.mergedInto ? { profileId, metrics: (await computeProfile(store, item, settings, now)).built.metrics } : undefined;
  });
  for (const m of fresh) if (m) out.push(m);
  return out;
}

/**
 * Builds `profiles` from the members given and saves each view only if its item is unchanged since
 * (`updatedAt`); those that changed, and the ids in `live`, are rebuilt from their members as they
 * are now and saved as recomputeProfile does. Same figures as recomputeProfiles for unchanged
 * profiles: the same pure build over the same members.
 */
export async function recomputeFromMembers(
  store: ProfileViewStore,
  writer: ConditionalViewWriter,
  profiles: ProfileWithMembers[],
  live: string[],
  quantiles?: BaseQuantiles | unknown,
  opts: { now?: Date; settings?: ProfileSettings } = {},
): Promise<{ updated: number; fromMembers: number; live: number; missing: number }> {
  const settings = opts.settings ?? (await loadSettings(store));
  if (isQuantiles(quantiles)) settings.quantiles = quantiles;
  const now = opts.now ?? new Date();
  const views = profiles.map((p) => ({ profileId: p.profileId, built: buildWith(p, settings, now), updatedAt: p.updatedAt }));
  const saved = views.length ? await writer.saveViewsIfUnchanged(views) : [];
  const fromMembers = saved.filter(Boolean).length;
  const rebuild = [...live, ...views.filter((_, i) => !saved[i]).map((v) => v.profileId)];
  const done = await mapLimit(rebuild, CONCURRENCY, (id) => recomputeProfile(store, id, settings, now));
  const liveSaved = done.filter(Boolean).length;
  const total = profiles.length + live.length;
  return { updated: fromMembers + liveSaved, fromMembers, live: liveSaved, missing: total - fromMembers - liveSaved };
}

/** The nightly workflow's ProfilesPort (functions/app/nightly/steps.ts) over a store. */
export function profilesPort(store: ProfileViewStore, writer?: ConditionalViewWriter) {
  return {
    computeBaseQuantiles: (measured?: AsyncIterable<{ profileId: string; metrics: ProfileMetrics }>) => computeBaseQuantiles(store, measured ? { measured } : {}),
    recomputeProfiles: (profileIds: string[], quantiles: unknown) => recomputeProfiles(store, profileIds, quantiles),
    measureFromMembers: (profiles: Array<Pick<ProfileWithMembers, 'profileId' | 'phones' | 'pins' | 'records' | 'events'>>, live: string[]) => measureFromMembers(store, profiles, live),
    recomputeFromMembers: (profiles: ProfileWithMembers[], live: string[], quantiles: unknown) => {
      if (!writer) throw new Error('recomputeFromMembers needs a ConditionalViewWriter');
      return recomputeFromMembers(store, writer, profiles, live, quantiles);
    },
  };
}
