/**
 * Profiles built from members read earlier (the nightly snapshot), functions/app/profiles/recompute.ts:
 * the same figures as the member-query path without a member query; a view is saved only while the
 * item's updatedAt is the one seen before the members were read, so a profile a webhook changed
 * meanwhile is rebuilt from its members as they are now instead of being overwritten with stale
 * figures; merged profiles are not written; measured metrics feed the base quantiles.
 */
import { describe, expect, it } from 'vitest';
import {
  computeBaseQuantiles,
  measureFromMembers,
  recomputeFromMembers,
  recomputeProfiles,
  type ConditionalViewWriter,
  type ProfileWithMembers,
} from '../../functions/app/profiles/recompute.ts';
import type { BuiltProfile, ProfileMetrics } from '../../functions/core/profile/index.ts';
import { ago, purchase, rec } from '../core/profile/fixtures.ts';
import { MemoryViews } from '../core/profile/memory-views.ts';

/** A table in memory: profile items with updatedAt, their members, and conditional view saves. */
class MemoryTable extends MemoryViews implements ConditionalViewWriter {
  /** A customer with one purchase of `spend`, last changed at `updatedAt`. */
  addBuyer(profileId: string, phone: string, spend: string, updatedAt = '2026-11-19T00:00:00.000Z') {
    const e = { ...purchase(`o-${profileId}`, spend, ago(3)), receivedAt: '2026-11-18T00:00:00.000Z' };
    this.add(profileId, phone, { records: [rec({ phones: [phone], city: '上海' })], events: [e], members: [] }, { updatedAt });
  }
  /** What a webhook does: a new event, and the item's updatedAt moved (counters). */
  webhook(profileId: string, spend: string) {
    this.members.get(profileId)!.events.push({ ...purchase(`o2-${profileId}`, spend, ago(1)), receivedAt: '2026-11-20T00:00:00.000Z' });
    this.items.get(profileId)!.updatedAt = '2026-11-20T00:00:01.000Z';
  }
  /** What the snapshot saw of a profile: its item's phones and its members, and updatedAt from the plan. */
  snapshot(profileId: string): ProfileWithMembers {
    const item = this.items.get(profileId)!;
    const m = structuredClone(this.members.get(profileId)!);
    return { profileId, phones: [...item.phones], records: m.records, events: m.events, updatedAt: item.updatedAt ?? null };
  }
  async saveViewsIfUnchanged(views: Array<{ profileId: string; built: BuiltProfile; updatedAt: string | null }>) {
    return views.map(({ profileId, built, updatedAt }) => {
      const item = this.items.get(profileId);
      if (!item || item.mergedInto || (item.updatedAt ?? null) !== updatedAt) return false;
      Object.assign(item, structuredClone({ view: built.view, metrics: built.metrics, tags: built.tags, summary: built.summary, computedAt: built.computedAt }));
      return true;
    });
  }
}

const now = new Date('2026-11-20T00:00:00.000Z');
function table() {
  const t = new MemoryTable();
  t.addBuyer('p1', '+8613800000001', '10.00');
  t.addBuyer('p2', '+8613800000002', '5000.00');
  t.addBuyer('p3', '+8613800000003', '900.10');
  return t;
}
const saved = (t: MemoryTable) => Object.fromEntries([...t.items].map(([id, i]) => [id, { view: i.view, metrics: i.metrics, tags: i.tags, summary: i.summary }]));

async function* lines<T>(xs: T[]): AsyncIterable<T> {
  yield* xs;
}

describe('profiles built from members read earlier', () => {
  it('saves the same figures as the member-query path, without a member query', async () => {
    const viaQuery = table();
    await recomputeProfiles(viaQuery, ['p1', 'p2', 'p3'], undefined, { now });
    const viaSnapshot = table();
    const snap = ['p1', 'p2', 'p3'].map((id) => viaSnapshot.snapshot(id));
    expect(await recomputeFromMembers(viaSnapshot, viaSnapshot, snap, [], undefined, { now })).toEqual({ updated: 3, fromMembers: 3, live: 0, missing: 0 });
    expect(viaSnapshot.memberLoads).toBe(0);
    expect(saved(viaSnapshot)).toEqual(saved(viaQuery));
    expect(viaSnapshot.items.get('p3')!.metrics!.totalSpendCents).toBe(90010);
    // Only the view attributes were written: counters and updatedAt are as other writers left them.
    expect(viaSnapshot.items.get('p1')).toMatchObject({ counters: { purchase: 1 }, updatedAt: '2026-11-19T00:00:00.000Z' });
  });

  it('does not overwrite a profile a webhook changed after the snapshot: it is rebuilt from its members now', async () => {
    const t = table();
    const snap = ['p1', 'p2'].map((id) => t.snapshot(id));
    t.webhook('p1', '0.05'); // after the snapshot, before the save
    const out = await recomputeFromMembers(t, t, snap, [], undefined, { now });
    expect(out).toEqual({ updated: 2, fromMembers: 1, live: 1, missing: 0 });
    expect(t.memberLoads).toBe(1);
    expect(t.items.get('p1')!.metrics).toMatchObject({ totalSpendCents: 1005, orderCount: 2 });
    expect(t.items.get('p1')!.view!.memberCount).toBe(3);
  });

  it('builds profiles touched by merges (live) from their members now, and writes no merged or missing profile', async () => {
    const t = table();
    t.items.get('p3')!.mergedInto = 'p1';
    const snap = [t.snapshot('p2'), t.snapshot('p3')];
    const out = await recomputeFromMembers(t, t, snap, ['p1', 'nope'], undefined, { now });
    expect(out).toEqual({ updated: 2, fromMembers: 1, live: 1, missing: 2 });
    expect(t.items.get('p3')!.view).toBeUndefined();
    expect(t.items.get('p1')!.metrics!.totalSpendCents).toBe(1000);
  });

  it('measured metrics (nothing saved) give the quantiles that building every new profile gives', async () => {
    const t = table();
    const measured = await measureFromMembers(t, [t.snapshot('p1'), t.snapshot('p2')], ['p3', 'nope'], { now });
    expect(measured.map((m) => m.profileId)).toEqual(['p1', 'p2', 'p3']);
    expect(measured.map((m) => m.metrics.totalSpendCents)).toEqual([1000, 500000, 90010]);
    expect([...t.items.values()].every((i) => !i.view)).toBe(true);
    t.memberLoads = 0;
    const fromMeasured = await computeBaseQuantiles(t, { now, save: false, measured: lines<{ profileId: string; metrics: ProfileMetrics }>(measured) });
    expect(t.memberLoads).toBe(0);
    const built = await computeBaseQuantiles(table(), { now, save: false });
    expect(fromMeasured).toEqual(built);
    // A profile the measure missed (made since) is still built from its members.
    const partial = await computeBaseQuantiles(t, { now, save: false, measured: lines(measured.slice(0, 2)) });
    expect(partial).toEqual(built);
    expect(t.memberLoads).toBe(1);
  });
});
