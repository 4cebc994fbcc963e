/**
 * Inline SVG charts for the reports: plain markup, no scripts, every label escaped. A chart is
 * readable without colour (each bar carries its value as text) and without a server.
 */
import { escapeHtml } from './safe-text.ts';

export interface Bar {
  label: string;
  value: number;
}

/**
 * A horizontal bar chart: one row per bar, its label on the left, its value after the bar.
 * `id` becomes the `<svg>` id (tests and people find the chart by it).
 */
export function barChart(id: string, title: string, bars: Bar[], opts: { color?: string; width?: number } = {}): string {
  // The label column fits the longest label: a cut rule name (`fuzzy:phone+name+addr…`) reads as another rule.
  const labelWidth = Math.max(190, ...bars.map((b) => textWidth(b.label) + 12));
  const width = Math.max(opts.width ?? 560, labelWidth + 370);
  const valueWidth = 70;
  const rowHeight = 22;
  const top = 26;
  const barArea = width - labelWidth - valueWidth;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = top + Math.max(1, bars.length) * rowHeight + 6;
  const rows = bars.map((b, i) => {
    const y = top + i * rowHeight;
    const w = b.value > 0 ? Math.max(1, Math.round((barArea * b.value) / max)) : 0;
    return (
      `<g class="bar"><text x="${labelWidth - 6}" y="${y + 15}" text-anchor="end">${escapeHtml(b.label)}</text>` +
      `<rect x="${labelWidth}" y="${y + 3}" width="${w}" height="${rowHeight - 6}" fill="${opts.color ?? '#2e86de'}"><title>${escapeHtml(b.label)}: ${b.value}</title></rect>` +
      `<text x="${labelWidth + w + 6}" y="${y + 15}" class="value">${b.value}</text></g>`
    );
  });
  const empty = bars.length ? '' : `<text x="${labelWidth}" y="${top + 15}">none</text>`;
  return (
    `<svg id="${escapeHtml(id)}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}" font-family="system-ui,sans-serif" font-size="12">` +
    `<text x="0" y="16" font-weight="bold">${escapeHtml(title)}</text>${rows.join('')}${empty}</svg>`
  );
}

/** Rough width in px at 12 px: wide (CJK) characters take a full em, others about 7 px. */
function textWidth(text: string): number {
  let px = 0;
  for (const ch of text) px += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 12 : 7;
  return px;
}
