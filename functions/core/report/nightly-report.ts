/**
 * The nightly run report as data (report.json) and as one self-contained HTML page (report.html):
 * counts, what merged and why, data quality per source, tag distribution and a seeded random
 * sample of merges. Pure: the nightly use case gathers the figures, this file only shapes them.
 */
import { barChart } from './nightly-chart.ts';
import { escapeHtml } from './safe-text.ts';
import type { MergeExplanation } from '../match/index.ts';

/** Profiles that the re-match found to be one person (ids only: no phone, name or e-mail). */
export interface NightlyMerge {
  /** The profiles joined, the survivor first when known. */
  profiles: string[];
  /** Member keys `source#recordId` of the resulting cluster. */
  members: string[];
  /** The merges across profile boundaries that joined them. */
  reasons: MergeExplanation[];
}

export interface SourceQuality {
  source: string;
  /** Records of this source in the table. */
  records: number;
  /** Events of this channel in the table (a webhook channel, or a file source of events). */
  events: number;
  /** Of them, events whose native name the channel's mapping lacks (`unmapped:<name>`), by name. */
  unmappedEvents: Record<string, number>;
  /** Rows rejected at import, by reason code (all imports of the source stored in the table). */
  rejectedByReason: Record<string, number>;
  /** The part of `rejectedByReason` about the phone number (codes starting with `phone`). */
  invalidPhonesByReason: Record<string, number>;
  /** Stored records lacking each canonical field. */
  missingFields: Record<string, number>;
}

export type StepStatus = 'done' | 'partial' | 'unavailable';

export interface StepSummary {
  status: StepStatus;
  /** Why a step did less than its whole job, in words. */
  note?: string;
  ms?: number;
}

export interface NightlyReport {
  runId: string;
  /** `complete` when every step did its whole job; `partial` when one said it could not. */
  status: 'complete' | 'partial';
  generatedAt: string;
  snapshot: { takenAt: string; segments: number; records: number; events: number; profiles: number };
  counts: {
    records: number;
    events: number;
    /** Profiles before and after the run. */
    profilesBefore: number;
    /** Profiles no number keys, at the snapshot (customers without a usable number). */
    profilesWithoutNumber?: number;
    profiles: number;
    /** Merges this run found: groups of profiles that are one person. */
    merges: number;
    /** Profiles absorbed by those merges. */
    profilesMerged: number;
    /** Profiles the rules would split (their records no longer match), applied or proposed. */
    splits: number;
    /** Parts that left a profile a number glued, each for a profile of its own (undoable: `phonekey unsplit`). */
    splitsApplied?: number;
    /** Unmerges done by people (audit log) in the 24 hours before the report. */
    unmerges: number;
    /** Uncertain pairs the re-match queued for review in this run. */
    reviewsQueued: number;
    /** Reviews waiting for a person after the run. */
    reviewsPending: number;
    profilesRecomputed: number;
  };
  /** Whether the merges were written to the table (or only found). */
  mergesApplied: boolean;
  mergesByRule: Record<string, number>;
  /** Cross-profile merge scores in buckets of 2 (`"12–14"`). */
  mergeScores: Record<string, number>;
  mergeSample: NightlyMerge[];
  quality: SourceQuality[];
  /** Profiles by where their primary number is registered, at the snapshot. */
  numberLocations?: Record<string, number>;
  tags: Record<string, number>;
  steps: Record<string, StepSummary>;
  notes: string[];
}

export const MISSING_FIELDS = ['name', 'email', 'gender', 'birthDate', 'address', 'city', 'memberId'] as const;

/** The score bucket a merge is counted in (width 2). */
export function scoreBucket(score: number): string {
  const lo = Math.floor(score / 2) * 2;
  return `${lo}–${lo + 2}`;
}

const sortedBars = (counts: Record<string, number>, limit = 30) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([label, value]) => ({ label, value }));

const table = (id: string, head: string[], rows: Array<Array<string | number>>) =>
  `<table id="${id}"><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${typeof c === 'number' ? c : escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('')}</table>`;

export function renderNightlyReport(report: NightlyReport): string {
  const c = report.counts;
  const countRows: Array<[string, number]> = [
    ['records', c.records],
    ['events', c.events],
    ['profiles before', c.profilesBefore],
    ['of them without a usable number', c.profilesWithoutNumber ?? 0],
    ['profiles', c.profiles],
    ['merges', c.merges],
    ['profiles merged', c.profilesMerged],
    ['splits', c.splits],
    ['parts split off', c.splitsApplied ?? 0],
    ['unmerges', c.unmerges],
    ['reviews queued', c.reviewsQueued],
    ['reviews pending', c.reviewsPending],
    ['profiles recomputed', c.profilesRecomputed],
  ];
  const steps = Object.entries(report.steps).map(([name, s]) => [name, s.status, s.ms === undefined ? '' : `${(s.ms / 1000).toFixed(1)} s`, s.note ?? '']);
  const quality = report.quality.map((q) => [
    q.source,
    q.records,
    q.events,
    Object.entries(q.unmappedEvents)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k}: ${v}`)
      .join(', '),
    Object.values(q.invalidPhonesByReason).reduce((a, b) => a + b, 0),
    Object.entries(q.invalidPhonesByReason)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', '),
    Object.entries(q.missingFields)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', '),
  ]);
  const invalidBars = report.quality.flatMap((q) => Object.entries(q.invalidPhonesByReason).map(([reason, value]) => ({ label: `${q.source} · ${reason}`, value })));
  const sample = report.mergeSample.map((m) => [
    m.profiles.join(' + '),
    m.members.join(', '),
    m.reasons.map((r) => `${r.rule} (${round(r.score)}): ${Object.entries(r.fieldScores).map(([f, s]) => `${f} ${round(s)}`).join(', ')}`).join('; '),
  ]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>PhoneKey nightly report: ${escapeHtml(report.runId)}</title>
<meta name="viewport" content="width=device-width">
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:70em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f5f5f5}.partial{color:#b9770e}.note{color:#b9770e}svg{display:block;margin:1em 0}</style></head>
<body><h1>Nightly reconciliation</h1>
<p>Run <code id="run-id">${escapeHtml(report.runId)}</code>: <b id="status" class="${report.status}">${escapeHtml(report.status)}</b>, generated ${escapeHtml(report.generatedAt)}, snapshot taken ${escapeHtml(report.snapshot.takenAt)} in ${report.snapshot.segments} segments.</p>
${report.notes.length ? `<ul id="notes">${report.notes.map((n) => `<li class="note">${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
<h2>Counts</h2>
<table id="counts">${countRows.map(([k, v]) => `<tr><th>${k}</th><td data-count="${k}">${v}</td></tr>`).join('')}</table>
<h2>Steps</h2>
${table('steps', ['step', 'status', 'time', 'note'], steps)}
<h2>What merged and why</h2>
<p>Merges ${report.mergesApplied ? 'applied to the table' : '<b>found but not applied</b>'}: ${c.merges} groups joining ${c.merges + c.profilesMerged} profiles.</p>
${barChart('chart-merge-rules', 'Merges by rule', sortedBars(report.mergesByRule), { color: '#27ae60' })}
${barChart('chart-merge-scores', 'Merge scores', Object.entries(report.mergeScores).sort((a, b) => parseFloat(a[0]) - parseFloat(b[0])).map(([label, value]) => ({ label, value })), { color: '#16a085' })}
<h2>Random sample of merges</h2>
<p>Drawn with the run id as the seed: the same run shows the same sample. Look a profile up with <code>phonekey profile</code>.</p>
${table('merge-sample', ['profiles', 'members', 'rule (score): field scores'], sample)}
<h2>Data quality per source and channel</h2>
${table('quality', ['source or channel', 'records', 'events', 'unmapped event names', 'invalid phones', 'invalid phones by reason', 'missing fields'], quality)}
${barChart('chart-invalid-phones', 'Invalid phones by source and reason', sortedBars(Object.fromEntries(invalidBars.map((b) => [b.label, b.value]))), { color: '#c0392b' })}
${report.quality.filter((q) => q.records > 0).map((q) => barChart(`chart-missing-${cssId(q.source)}`, `Missing fields: ${q.source}`, MISSING_FIELDS.map((f) => ({ label: f, value: q.missingFields[f] ?? 0 })), { color: '#8e44ad' })).join('\n')}
<h2>Where customers' numbers are registered</h2>
${barChart('chart-locations', 'Profiles by the province (region abroad) of their primary number', sortedBars(report.numberLocations ?? {}, 34), { color: '#16a085' })}
<h2>Tag distribution</h2>
${barChart('chart-tags', 'Profiles per tag', sortedBars(report.tags, 40), { color: '#d35400' })}
</body></html>
`;
}

/** A few lines for the terminal (`phonekey reconcile`). */
export function nightlySummary(report: NightlyReport): string {
  const c = report.counts;
  const lines = [
    `nightly run ${report.runId}: ${report.status}`,
    `  records ${c.records}, events ${c.events}, profiles ${c.profilesBefore} → ${c.profiles}`,
    `  merges ${c.merges} (${c.profilesMerged} profiles absorbed${report.mergesApplied ? '' : ', NOT applied'}), splits ${c.splits} (${c.splitsApplied ?? 0} parts split off), unmerges ${c.unmerges}`,
    `  reviews queued ${c.reviewsQueued}, pending ${c.reviewsPending}; profiles recomputed ${c.profilesRecomputed}`,
  ];
  const rules = Object.entries(report.mergesByRule).map(([k, v]) => `${k} ${v}`);
  if (rules.length) lines.push(`  merges by rule: ${rules.join(', ')}`);
  const tags = sortedBars(report.tags, 8).map((b) => `${b.label} ${b.value}`);
  if (tags.length) lines.push(`  top tags: ${tags.join(', ')}`);
  for (const q of report.quality) {
    const invalid = Object.values(q.invalidPhonesByReason).reduce((a, b) => a + b, 0);
    const unmapped = Object.values(q.unmappedEvents).reduce((a, b) => a + b, 0);
    const parts = [q.records || !q.events ? `${q.records} records, ${invalid} invalid phones` : '', q.events ? `${q.events} events${unmapped ? ` (${unmapped} with names the mapping lacks)` : ''}` : ''];
    lines.push(`  ${q.source}: ${parts.filter(Boolean).join('; ')}`);
  }
  for (const note of report.notes) lines.push(`  note: ${note}`);
  return lines.join('\n');
}

const round = (n: number) => Math.round(n * 10) / 10;
const cssId = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');
