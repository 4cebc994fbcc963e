/** The import report as a person reads it: an HTML page, and the rejected rows as CSV. */
import type { ImportCounts } from '../../ports/profile-store.ts';
import { escapeHtml, csvCell } from './safe-text.ts';

export interface Reject {
  rowNumber: number;
  code: string;
  message: string;
  field?: string;
  raw: unknown;
}

/** A field of a kept row that could not be read (left out of the record). */
export interface Warning {
  rowNumber: number;
  field: string;
  code: string;
  message: string;
}

export interface ImportReport {
  importId: string;
  source: string;
  file: string;
  status: string;
  error?: string;
  counts: ImportCounts;
  rejectsSample: Reject[];
  warningsSample?: Warning[];
}

export function rejectsCsv(rejects: Reject[]): string {
  const lines = [['row', 'reason', 'field', 'message', 'original'].join(',')];
  for (const r of rejects) {
    lines.push([String(r.rowNumber), r.code, r.field ?? '', r.message, typeof r.raw === 'string' ? r.raw : JSON.stringify(r.raw ?? '')].map(csvCell).join(','));
  }
  // A BOM so that Excel opens the Chinese text as UTF-8.
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}

/** Table rows of counts by code, the most frequent first ('' when there are none). */
function countRows(counts: Record<string, number> = {}): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `<tr><td>${escapeHtml(code)}</td><td>${n}</td></tr>`)
    .join('');
}

export function renderImportReport(report: ImportReport): string {
  const c = report.counts;
  const rows: Array<[string, number]> = [
    ['rows read', c.read],
    ['stored', c.stored],
    ['of them without a usable number', c.withoutNumber ?? 0],
    ['rejected', c.rejected],
    ['redelivered (unchanged)', c.redelivered],
    ['new profiles', c.newProfiles],
    ['updated profiles', c.updatedProfiles],
  ];
  const max = Math.max(1, ...Object.values(c.byReason));
  const reasons = Object.entries(c.byReason)
    .sort((a, b) => b[1] - a[1])
    .map(
      ([code, n]) =>
        `<tr><td>${escapeHtml(code)}</td><td>${n}</td><td><svg width="200" height="12" role="img" aria-label="${n}"><rect width="${Math.round((200 * n) / max)}" height="12" fill="#c0392b"/></svg></td></tr>`,
    )
    .join('');
  const numberless = countRows(c.numberProblems);
  const warnings = countRows(c.warnings);
  const warningSample = (report.warningsSample ?? [])
    .map((w) => `<tr><td>${w.rowNumber}</td><td>${escapeHtml(w.field)}</td><td>${escapeHtml(w.code)}</td><td>${escapeHtml(w.message)}</td></tr>`)
    .join('');
  const sample = report.rejectsSample
    .map((r) => `<tr><td>${r.rowNumber}</td><td>${escapeHtml(r.code)}</td><td>${escapeHtml(r.message)}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>PhoneKey import report: ${escapeHtml(report.file)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}</style></head>
<body><h1>Import report</h1>
<p>Source <b>${escapeHtml(report.source)}</b>, file <code>${escapeHtml(report.file)}</code>: <b id="status">${escapeHtml(report.status)}</b>${report.error ? ` — ${escapeHtml(report.error)}` : ''}</p>
<table id="counts">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>
${numberless ? `<h2>Stored without a usable number</h2><p>Kept as customers, matched on their other fields; the number keys nobody.</p><table id="numberless"><tr><th>the number's problem</th><th>rows</th></tr>${numberless}</table>` : ''}
${warnings ? `<h2>Fields left out of kept rows</h2><p>The row is stored; the field could not be read (an ambiguous date needs the source's <code>dateOrder</code>).</p><table id="warnings"><tr><th>field: problem</th><th>rows</th></tr>${warnings}</table><table id="warnings-sample"><tr><th>row</th><th>field</th><th>problem</th><th>message</th></tr>${warningSample}</table>` : ''}
<h2>Rejected rows by reason</h2><table id="reasons"><tr><th>reason</th><th>rows</th><th></th></tr>${reasons}</table>
<h2>Sample of rejected rows</h2><table id="rejects"><tr><th>row</th><th>reason</th><th>message</th></tr>${sample}</table>
</body></html>
`;
}
