/**
 * Splits the profiles a number glued (the nightly re-match calls it with the profiles whose
 * members its clusters put apart): each profile's members are read as they are now, the pure
 * planSplit decides what leaves, and the store moves each leaving part to a profile of its own,
 * audited and undoable (`phonekey unsplit`). Idempotent per run id: a re-run of a run that
 * stopped part-way finishes its splits and reports those done before.
 */
import { planSplit, splitMember, type SplitPolicy } from '../../core/identity/index.ts';
import { mapLimit } from '../../core/map-limit.ts';
import type { IdentityStore, StoredSplit } from '../../ports/identity-store.ts';
import { splitProfile } from './merge-protocol.ts';

export interface SplitSummary {
  /** Splits stored (one per part that left a profile). */
  applied: number;
  /** Profiles the rules put apart where no number was the glue: left as they are. */
  notGlued: number;
  splits: Array<Pick<StoredSplit, 'splitId' | 'from' | 'to'>>;
  /** Member key → the profile it left for. */
  moved: Map<string, string>;
}

const CONCURRENCY = 8;

export async function splitGlued(
  store: IdentityStore,
  profileIds: readonly string[],
  clusterOf: ReadonlyMap<string, number>,
  opts: { runId: string; actor: string } & SplitPolicy,
): Promise<SplitSummary> {
  const summary: SplitSummary = { applied: 0, notGlued: 0, splits: [], moved: new Map() };
  const done = await mapLimit([...profileIds], CONCURRENCY, async (profileId) => {
    const state = await store.profileState(profileId);
    if (!state || state.mergedInto) return [];
    // what an earlier attempt of this run split off already (it left the profile, so no plan sees it again)
    const stored = (await store.splitsOf(profileId)).filter((s) => s.runId === opts.runId && s.from === profileId);
    const members = await store.profileMembers(profileId);
    const plan = planSplit(members.map(splitMember), clusterOf, state.phones ?? [], opts);
    if (!plan) return stored;
    if (!plan.parts.length) summary.notGlued++;
    for (const part of plan.parts) {
      const split = await splitProfile(store, profileId, part, opts.runId, opts.actor);
      if (split) stored.push(split);
    }
    return stored;
  });
  for (const split of done.flat()) {
    summary.applied++;
    summary.splits.push({ splitId: split.splitId, from: split.from, to: split.to });
    for (const m of split.moved.members) summary.moved.set(m, split.to);
  }
  return summary;
}
