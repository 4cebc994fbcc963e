/**
 * The profile use cases (functions/app/profiles) over an in-memory ProfileViewStore: recompute
 * saves only the view attributes, base quantiles come from stored metrics (or members when none
 * are stored), reads use the stored view only while it describes the members.
 */
import { describe, expect, it } from 'vitest';
import { computeBaseQuantiles, loadSettings, readProfile, recomputeProfiles, segmentOutput, segmentRows, streamProfiles, type ProfileMembers } from '../../../functions/app/profiles/index.ts';
import { parseSegmentQuery } from '../../../functions/core/profile/index.ts';
import { ago, purchase, rec } from './fixtures.ts';
import { MemoryViews } from './memory-views.ts';


const member = (phone: string, spend: string, sms: boolean): ProfileMembers => {
  const r = rec({ phones: [phone], city: '上海', consent: { sms: { granted: sms, at: '2026-01-01T00:00:00Z' } } });
  const e = { ...purchase(`o-${phone}`, spend, ago(3)), receivedAt: '2026-11-18T00:00:00.000Z' };
  return { records: [r], events: [e], members: [{ source: 'crm', recordId: 'r1' }, { source: e.channel, recordId: e.eventId }] };
};

function base() {
  const s = new MemoryViews();
  s.add('p1', '+8613800000001', member('+8613800000001', '10.00', true));
  s.add('p2', '+8613800000002', member('+8613800000002', '5000.00', true));
  s.add('p3', '+8613800000003', member('+8613800000003', '900.00', false));
  s.add('gone', '+8613800000009', member('+8613800000009', '1.00', true), { mergedInto: 'p1' });
  return s;
}
const now = new Date('2026-11-20T00:00:00.000Z');

describe('profile use cases', () => {
  it('first night: quantiles from members (nothing stored yet), then recompute saves the view attributes only', async () => {
    const s = base();
    const q = await computeBaseQuantiles(s, { now });
    expect(q).toMatchObject({ profiles: 3, buyers: 3 });
    expect(s.quantiles).toEqual(q);
    expect(await recomputeProfiles(s, ['p1', 'p2', 'p3', 'gone', 'nope'], q, { now })).toEqual({ updated: 3, missing: 2 });
    const p2 = s.items.get('p2')!;
    expect(Object.keys(p2).sort()).toEqual(['computedAt', 'counters', 'metrics', 'phone', 'phones', 'profileId', 'summary', 'tags', 'view']);
    expect(p2.counters).toEqual({ purchase: 1 });
    expect(p2.tags).toContain('high_spending_power');
    expect(s.items.get('gone')!.view).toBeUndefined();
    // The next night reads stored metrics: no member loads.
    s.memberLoads = 0;
    await computeBaseQuantiles(s, { now });
    expect(s.memberLoads).toBe(0);
  });

  it('reads use the stored view while current, and compute live once a member arrives', async () => {
    const s = base();
    await recomputeProfiles(s, ['p1'], undefined, { now });
    const settings = await loadSettings(s);
    expect((await readProfile(s, 'p1', settings, now))!.viewSource).toBe('stored');
    const m = s.members.get('p1')!;
    m.events.push({ ...purchase('o-new', '0.05', ago(1)), receivedAt: '2026-11-19T00:00:00.000Z' });
    const live = (await readProfile(s, 'p1', settings, now))!;
    expect(live).toMatchObject({ viewSource: 'live', metrics: { totalSpendCents: 1005, orderCount: 2 } });
    expect(await readProfile(s, 'gone', settings, now)).toBeUndefined();
  });

  it('a view stored before a steward pinned a field is not current, even when survivorship took the pinned record', async () => {
    const s = base();
    await recomputeProfiles(s, ['p1'], undefined, { now });
    const settings = await loadSettings(s);
    expect(s.items.get('p1')!.view!.basic.lineage!.city).toMatchObject({ source: 'crm', recordId: 'r1' });
    s.items.get('p1')!.pins = { city: { member: 'crm#r1', by: 'ana', at: '2026-11-19T12:00:00.000Z' } };
    const read = (await readProfile(s, 'p1', settings, now))!;
    expect(read.viewSource).toBe('live');
    expect(read.view.basic.lineage!.city).toMatchObject({ source: 'crm', recordId: 'r1', pinnedBy: 'ana' });
  });

  it('streams every profile but merged ones; a segment keeps consenting matches only', async () => {
    const s = base();
    const settings = await loadSettings(s);
    const docs = [];
    for await (const d of streamProfiles(s, settings, { now, batch: 2 })) docs.push(d.profileId);
    expect(docs).toEqual(['p1', 'p2', 'p3']);
    const rows = [];
    for await (const r of segmentRows(s, parseSegmentQuery('city:上海 spend>=100 consent:sms'), settings, { now })) rows.push(r);
    expect(rows).toEqual([{ phone: '+8613800000002', profileId: 'p2', channels: ['sms'] }]); // p3 spends but refused SMS
    const csv = segmentOutput('csv');
    expect(csv.header + csv.line(rows[0]!)).toBe("phone,profileId,channels\n'+8613800000002,p2,sms\n");
  });

  it('stored tag rules and thresholds are used', async () => {
    const s = base();
    s.rules.set('tags', { version: 1, tags: [{ id: 'any', tag: 'customer' }] });
    s.rules.set('profile', { fixed: { spendHighCents: 500, spendMediumCents: 100, activityHigh: 20, activityMedium: 5, recencyDays: [30, 60, 90, 180], orderCount: [1, 2, 4, 8], spendCents: [1, 2, 3, 4] } });
    const doc = (await readProfile(s, 'p1', await loadSettings(s), now))!;
    expect(doc.tags).toEqual(['customer']);
    expect(doc.view.derived.spendingPower).toBe('high');
    s.rules.set('tags', { version: 1, tags: [{ id: 'bad', tag: 'x', when: {} }] });
    await expect(loadSettings(s)).rejects.toThrow(/invalid tag rules/);
  });
});
