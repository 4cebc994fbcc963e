/**
 * The nightly report page, rendered from a known report and opened in headless Chromium: the
 * browser shows the counts and the chart labels, runs no script (hostile text from the data stays
 * text), and needs nothing from the network. Plus the pure pieces: seeded sampling and the
 * merges/splits read from a re-match.
 */
import { describe, expect, it } from 'vitest';
import { renderNightlyReport, nightlySummary, scoreBucket, type NightlyReport } from '../../functions/core/report/nightly-report.ts';
import { Reservoir } from '../../functions/core/report/nightly-sample.ts';
import { profileChanges } from '../../functions/app/nightly/changes.ts';
import { dumpDom, textOf } from './chromium.ts';

const HOSTILE = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>';

function sampleReport(): NightlyReport {
  return {
    runId: 'night-2026-11-23',
    status: 'complete',
    generatedAt: '2026-11-23T02:10:00.000Z',
    snapshot: { takenAt: '2026-11-23T02:00:00.000Z', segments: 4, records: 1234, events: 567, profiles: 890 },
    counts: { records: 1234, events: 567, profilesBefore: 890, profiles: 861, merges: 27, profilesMerged: 29, splits: 2, unmerges: 3, reviewsQueued: 11, reviewsPending: 14, profilesRecomputed: 861 },
    mergesApplied: true,
    mergesByRule: { 'phone+name': 20, 'name+birthDate': 7, 'fuzzy:phone+name+address+city': 3 },
    mergeScores: { [scoreBucket(12)]: 7, [scoreBucket(18.5)]: 20 },
    mergeSample: [
      { profiles: ['p_aaa', 'p_bbb'], members: ['crm#1', 'pos#9'], reasons: [{ a: 'crm#1', b: 'pos#9', rule: 'name+birthDate', score: 12, fieldScores: { name: 6, birthDate: 6 } }] },
    ],
    quality: [
      { source: 'crm', records: 700, events: 0, unmappedEvents: {}, rejectedByReason: { 'phone.masked': 5, 'phone.repeated_digits': 2 }, invalidPhonesByReason: { 'phone.masked': 5, 'phone.repeated_digits': 2 }, missingFields: { name: 0, email: 300, gender: 10, birthDate: 40, address: 50, city: 60, memberId: 700 } },
      { source: 'app', records: 0, events: 320, unmappedEvents: { item_detail_view: 40, share_click: 3 }, rejectedByReason: {}, invalidPhonesByReason: {}, missingFields: {} },
      { source: HOSTILE, records: 534, events: 0, unmappedEvents: {}, rejectedByReason: {}, invalidPhonesByReason: {}, missingFields: { name: 1, email: 2, gender: 3, birthDate: 4, address: 5, city: 6, memberId: 7 } },
    ],
    tags: { high_spending_power: 120, 'prefers:beauty': 80, at_risk: 33, [HOSTILE]: 1 },
    numberLocations: { 广东省: 400, 上海市: 300, 'US · IL': 2 },
    steps: { snapshot: { status: 'done', ms: 1200 }, rematch: { status: 'done', ms: 800 }, report: { status: 'done', ms: 300 } },
    notes: [],
  };
}

describe('the nightly report page in headless Chromium', () => {
  it('shows the counts, the chart labels and the sample, and runs no script from the data', async () => {
    const html = renderNightlyReport(sampleReport());
    expect(html).not.toMatch(/<script|src="http|href="http/i);
    const dom = await dumpDom(html);
    // Counts, as the browser laid them out.
    expect(textOf(dom, 'run-id')).toBe('night-2026-11-23');
    expect(textOf(dom, 'status')).toBe('complete');
    const counts = textOf(dom, 'counts')!;
    for (const [label, n] of [['records', 1234], ['profiles', 861], ['merges', 27], ['unmerges', 3], ['reviews pending', 14]] as const) {
      expect(counts).toMatch(new RegExp(`(^| )${label} ${n}( |$)`));
    }
    // Charts: inline SVG with their labels and values.
    // Long rule names are shown whole (a cut one reads as another rule).
    expect(textOf(dom, 'chart-merge-rules')).toBe('Merges by rule phone+name 20 name+birthDate 7 fuzzy:phone+name+address+city 3');
    expect(textOf(dom, 'chart-tags')).toContain('high_spending_power 120 prefers:beauty 80 at_risk 33');
    expect(textOf(dom, 'chart-invalid-phones')).toContain('crm · phone.masked 5 crm · phone.repeated_digits 2');
    expect(textOf(dom, 'chart-missing-crm')).toContain('email 300');
    expect(textOf(dom, 'chart-locations')).toContain('广东省 400 上海市 300 US · IL 2');
    expect(textOf(dom, 'merge-sample')).toContain('p_aaa + p_bbb');
    expect(textOf(dom, 'merge-sample')).toContain('name+birthDate (12): name 6, birthDate 6');
    // Hostile text is shown as text: no script ran (the title is unchanged), no element came from it.
    expect(dom).toContain('<title>PhoneKey nightly report: night-2026-11-23</title>');
    expect(dom).not.toMatch(/<script|<img/i);
    expect(textOf(dom, 'quality')).toContain('<script>document.title="pwned"</script>');
    // a webhook channel has a row of its own: its events and the names its mapping lacks, most frequent first
    expect(textOf(dom, 'quality')).toContain('app 0 320 item_detail_view: 40, share_click: 3');
    expect(dom).not.toContain('chart-missing-app');
    expect(nightlySummary(sampleReport())).toContain('  app: 320 events (43 with names the mapping lacks)');
  }, 90_000);

  it('says so when a step could not do its whole job', async () => {
    const report = { ...sampleReport(), status: 'partial' as const, mergesApplied: false, notes: ['profiles and tags were not recomputed'] };
    const dom = await dumpDom(renderNightlyReport(report));
    expect(textOf(dom, 'status')).toBe('partial');
    expect(textOf(dom, 'notes')).toBe('profiles and tags were not recomputed');
    expect(dom).toContain('found but not applied');
    expect(nightlySummary(report)).toContain('NOT applied');
  }, 90_000);
});

describe('seeded sample of merges', () => {
  it('draws the same items for the same run id and different ones for another', () => {
    const draw = (seed: string) => {
      const r = new Reservoir<number>(5, seed);
      for (let i = 0; i < 1000; i++) r.offer(i);
      return r.sample;
    };
    expect(draw('night-1')).toEqual(draw('night-1'));
    expect(draw('night-1')).not.toEqual(draw('night-2'));
    expect(draw('night-1')).toHaveLength(5);
    expect(new Set(draw('night-1')).size).toBe(5);
  });

  it('keeps every item when the stream is shorter than the sample', () => {
    const r = new Reservoir<string>(10, 'x');
    ['a', 'b', 'c'].forEach((s) => r.offer(s));
    expect(r.sample).toEqual(['a', 'b', 'c']);
    expect(r.count).toBe(3);
  });
});

describe('profileChanges', () => {
  const m = (a: string, b: string, rule: string, score = 12) => ({ a, b, rule, score, fieldScores: {} });
  it('reads merges across profiles (survivor first, with the cross-profile reasons) and splits', () => {
    const profileOf = new Map([
      ['crm#1', 'P1'],
      ['pos#1', 'P1'],
      ['web#7', 'P2'],
      ['crm#2', 'P3'],
      ['crm#3', 'P3'],
      ['pos#4', 'P4'],
    ]);
    const changes = profileChanges(
      [
        { members: ['crm#1', 'pos#1', 'web#7'], merges: [m('crm#1', 'pos#1', 'phone'), m('pos#1', 'web#7', 'name+birth', 14)] },
        { members: ['crm#2'], merges: [] },
        { members: ['crm#3'], merges: [] },
        { members: ['pos#4'], merges: [] },
      ],
      (k) => profileOf.get(k),
    );
    expect(changes.merges).toEqual([{ profiles: ['P1', 'P2'], members: ['crm#1', 'pos#1', 'web#7'], reasons: [m('pos#1', 'web#7', 'name+birth', 14)] }]);
    expect(changes.splits).toEqual(['P3']);
  });
});
