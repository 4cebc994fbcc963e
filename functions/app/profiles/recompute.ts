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
 *   profilesPort(store)                                   → { computeBaseQuantiles(), recomputeProfiles(ids, q) }
 *       the ProfilesPort of functions/app/nightly/steps.ts
 *
 * Saving touches only `view`, `metrics`, `tags`, `summary`, `computedAt` (UpdateCommand SET).
 */
import { buildProfile, QuantileAccumulator, type BaseQuantiles, type BuiltProfile } from '../../core/profile/index.ts';
import { loadSettings, type ProfileSettings } from './settings.ts';
import { mapLimit } from '../../core/map-limit.ts';
import type { ProfileItem, ProfileMembers, ProfileViewStore } from './view-store.ts';

const CONCURRENCY = 16;

export async function computeProfile(store: ProfileViewStore, item: ProfileItem, settings: ProfileSettings, now: Date = new Date()): Promise<{ built: BuiltProfile; members: ProfileMembers }> {
  const members = await store.loadMembers(item.profileId);
  return { built: buildFromMembers(item, members, settings, now), members };
}

/** The profile item's members built into a profile (pure). */
export function buildFromMembers(item: ProfileItem, members: ProfileMembers, settings: ProfileSettings, now: Date): BuiltProfile {
  return buildProfile(members.records, members.events, {
    now,
    baseQuantiles: settings.quantiles,
    tagRules: settings.tagRules,
    config: settings.config,
    phones: item.phones,
    golden: item.golden?.fields,
  });
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

export async function computeBaseQuantiles(store: ProfileViewStore, opts: { now?: Date; save?: boolean; settings?: ProfileSettings } = {}): Promise<BaseQuantiles> {
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
  for await (const p of store.listMetrics()) {
    if (p.mergedInto) continue;
    if (p.metrics) acc.add(p.metrics);
    else if (missing.push(p.profileId) >= 256) await flush();
  }
  await flush();
  const q = acc.result(settings.config, now.toISOString());
  if (opts.save !== false) await store.putQuantiles(q);
  return q;
}

/** The nightly workflow's ProfilesPort (functions/app/nightly/steps.ts) over a store. */
export function profilesPort(store: ProfileViewStore): { computeBaseQuantiles(): Promise<BaseQuantiles>; recomputeProfiles(profileIds: string[], quantiles: unknown): Promise<{ updated: number; missing: number }> } {
  return {
    computeBaseQuantiles: () => computeBaseQuantiles(store),
    recomputeProfiles: (profileIds, quantiles) => recomputeProfiles(store, profileIds, quantiles),
  };
}
