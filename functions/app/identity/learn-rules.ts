/**
 * `rules learn`: the match rules in force with their weights re-estimated from the stored
 * records (core/match/learn.ts) and the pairs stewards decided. Nothing is stored: the result is
 * a document to read, diff and `rules put`.
 */
import { evenSample, learnWeights, type LearnReport } from '../../core/match/learn.ts';
import type { MatchRulesInput } from '../../core/match/index.ts';
import type { CleanRecord } from '../../core/model.ts';
import type { IdentityStore } from '../../ports/identity-store.ts';
import type { NightlyTable } from '../../ports/nightly.ts';

export interface LearnRulesOptions {
  /** Learn from at most this many records, an even sample of the table (default: all). */
  sample?: number;
  /** Parallel scan segments (default 4). */
  segments?: number;
}

export interface LearnedRules {
  rules: MatchRulesInput;
  report: LearnReport;
  /** Stored records the table holds (report.records were learned from). */
  stored: number;
}

export async function learnRules(table: NightlyTable, store: IdentityStore, opts: LearnRulesOptions = {}): Promise<LearnedRules> {
  const segments = opts.segments ?? 4;
  const parts = await Promise.all(
    Array.from({ length: segments }, async (_, s) => {
      const out: Array<{ key: string; record: CleanRecord }> = [];
      for await (const item of table.scanSegment(s, segments)) if (item.kind === 'record') out.push({ key: item.key, record: item.record });
      return out;
    }),
  );
  // scan order depends on the segments: sort so the same table gives the same sample and rules
  const all = parts.flat().sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const records = evenSample(
    all.map((x) => x.record),
    opts.sample,
  );
  const [rules, decisions] = await Promise.all([store.matchRules(), store.listPairDecisions()]);
  const labels = decisions.map((d) => ({ a: d.a, b: d.b, match: d.decision === 'approved' }));
  const learned = learnWeights(records, rules, { labels });
  return { ...learned, stored: all.length };
}
