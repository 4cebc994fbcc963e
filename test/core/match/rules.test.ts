import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultMatchRules, MatchRulesError, parseMatchRules } from '../../../functions/core/match/index.ts';

const raw = JSON.parse(readFileSync(new URL('../../../functions/core/match/default-rules.json', import.meta.url), 'utf8'));
const clone = () => structuredClone(raw);

function issues(value: unknown): string[] {
  try {
    parseMatchRules(value);
  } catch (e) {
    expect(e).toBeInstanceOf(MatchRulesError);
    return (e as MatchRulesError).issues;
  }
  throw new Error('expected the rules to be rejected');
}

describe('match rules schema', () => {
  it('accepts the shipped default rules and fills defaults', () => {
    expect(defaultMatchRules.blocking.map((b) => b.id)).toEqual(['phone', 'email', 'member', 'external', 'name-birth', 'name-city', 'pinyin-year', 'birth']);
    expect(defaultMatchRules.exact.map((c) => c.id)).toEqual(['phone', 'email', 'memberId', 'externalId']);
    expect(defaultMatchRules.thresholds.autoMerge).toBeGreaterThan(defaultMatchRules.thresholds.review);
    expect(defaultMatchRules.guards.genericValue.maxDistinctNames).toBe(4);
    expect(parseMatchRules(JSON.stringify(raw))).toEqual(defaultMatchRules);
  });

  it('names the path of every problem, with the id of the item it is in', () => {
    const r = clone();
    r.fuzzy[0].similarity = 'soundex';
    r.fuzzy[1].levels[1].min = 1.5;
    r.blocking[4].parts = ['nameKey', 'shoeSize'];
    const got = issues(r);
    expect(got.some((l) => l.startsWith('fuzzy[0] (name).similarity:'))).toBe(true);
    expect(got.some((l) => l.startsWith('fuzzy[1] (birthDate).levels[1].min:'))).toBe(true);
    expect(got.some((l) => l.startsWith('blocking[4] (name-birth).parts[1]:') && l.includes('externalIds.<name>'))).toBe(true);
  });

  it('checks the meaning, not only the shape (once the shape is right)', () => {
    const r = clone();
    r.fuzzy[0].levels = [{ min: 0.8, weight: 1 }, { min: 0.9, weight: 2 }];
    r.guards.conflicts[0].differ = ['name', 'shoe'];
    r.exact.push({ ...r.exact[0] });
    r.guards.chaining.strongScore = 1;
    r.thresholds.review = 99;
    const got = issues(r);
    expect(got).toContain('thresholds.review: must not exceed thresholds.autoMerge');
    expect(got).toContain('fuzzy[0] (name).levels[1].min: levels must be listed by strictly decreasing min');
    expect(got.some((l) => l.startsWith('guards.conflicts[0] (recycled-number).differ[1]: unknown comparator "shoe"'))).toBe(true);
    expect(got.some((l) => l.startsWith('exact[4] (phone).id: duplicate id "phone" (also at exact[0])'))).toBe(true);
    expect(got).toContain('guards.chaining.strongScore: must be at least thresholds.autoMerge');
  });

  it('rejects unknown keys, bad JSON and a missing section', () => {
    const r = clone();
    r.thresholds.merge = 3;
    expect(issues(r).some((l) => l.startsWith('thresholds:') && l.includes('merge'))).toBe(true);
    expect(issues('{ not json')[0]).toMatch(/^\(root\): not valid JSON/);
    const { fuzzy: _, ...noFuzzy } = clone();
    expect(issues(noFuzzy).some((l) => l.startsWith('fuzzy:'))).toBe(true);
    expect(() => parseMatchRules({ ...clone(), version: 2 })).toThrow(/version/);
  });
});
