import { describe, expect, it } from 'vitest';
import { applyTagRules, buildProfile, DEFAULT_TAG_RULES, parseTagRules, TagRulesError } from '../../../functions/core/profile/index.ts';
import { NOW, ago, evt, purchase, rec } from './fixtures.ts';

const errorsOf = (json: unknown) => {
  try {
    parseTagRules(json);
  } catch (e) {
    expect(e).toBeInstanceOf(TagRulesError);
    return (e as TagRulesError).issues;
  }
  throw new Error('expected TagRulesError');
};

describe('parseTagRules', () => {
  it('accepts the default rules', () => {
    expect(DEFAULT_TAG_RULES.tags.map((r) => r.tag)).toEqual(expect.arrayContaining(['high_spending_power', 'high_activity', 'at_risk', 'prefers:{category}']));
  });

  it('names the path of each problem, with the rule id', () => {
    const issues = errorsOf({
      version: 1,
      tags: [
        { id: 'ok', tag: 'a', when: { field: 'x', eq: 1 } },
        { id: 'two-ops', tag: 'b', when: { field: 'x', gte: 1, lte: 2 } },
        { id: 'no-op', tag: 'c', when: { all: [{ field: 'x' }] } },
        { id: 'tmpl', tag: 'prefers:{category}' },
        { id: 'space', tag: 'has space' },
      ],
    });
    expect(issues.join('\n')).toMatch(/tags\[1\] \(two-ops\)\.when.*exactly one operator.*gte, lte/);
    expect(issues.join('\n')).toMatch(/tags\[2\] \(no-op\)\.when/);
    expect(issues.join('\n')).toMatch(/tags\[3\] \(tmpl\)\.tag: placeholders \{category\} need forEach/);
    expect(issues.join('\n')).toMatch(/tags\[4\] \(space\)\.tag: no spaces/);
    expect(errorsOf({ version: 1, tags: [{ id: 'ok', tag: 'a' }, { id: 'ok', tag: 'd' }] })).toEqual(['tags[1] (ok).id: duplicate id "ok" (also at tags[0])']);
  });

  it('reports bad JSON and a wrong version clearly', () => {
    expect(errorsOf('{oops')[0]).toMatch(/^\(root\): not valid JSON/);
    expect(errorsOf({ version: 2, tags: [] })[0]).toMatch(/^version:/);
  });
});

describe('applyTagRules', () => {
  const rules = parseTagRules({
    version: 1,
    tags: [
      { id: 'big', tag: 'big', when: { any: [{ field: 'metrics.totalSpendCents', gte: 100000 }, { field: 'vip', eq: true }] } },
      { id: 'not-sh', tag: 'outside_shanghai', when: { not: { field: 'city', in: ['上海', '上海市'] } } },
      { id: 'pref', tag: 'likes:{category}', forEach: 'prefs', when: { field: 'score', gt: 0.4 } },
      { id: 'big-again', tag: 'big' },
      { id: 'has-email', tag: 'reachable_by_email', when: { field: 'emails', contains: 'a@b.cn' } },
    ],
  });

  it('keeps the rule that set each tag (the first rule wins a tag)', () => {
    const tags = applyTagRules(rules, { metrics: { totalSpendCents: 5 }, city: '上海', prefs: [{ category: 'beauty', score: 1 }, { category: 'shoes', score: 0.4 }, { category: 'home care', score: 0.5 }], emails: ['a@b.cn'] });
    expect(tags).toEqual([
      { tag: 'big', rule: 'big-again' },
      { tag: 'likes:beauty', rule: 'pref' },
      { tag: 'likes:home_care', rule: 'pref' },
      { tag: 'reachable_by_email', rule: 'has-email' },
    ]);
    expect(applyTagRules(rules, { vip: true, city: '北京' }).map((t) => `${t.tag}<-${t.rule}`)).toEqual(['big<-big', 'outside_shanghai<-not-sh']);
  });

  it('the defaults give high_spending_power, prefers:beauty, high_activity and at_risk on a built profile', () => {
    const events = [
      purchase('o1', '6000.00', ago(120), { category: 'beauty' }),
      ...Array.from({ length: 25 }, (_, i) => evt('product_view', { product_id: 'p', category: 'beauty' }, ago(95 - (i % 3)))),
      evt('login', {}, ago(400)),
    ];
    const p = buildProfile([rec()], events, { now: NOW });
    expect(p.view.tags).toEqual(
      expect.arrayContaining([
        { tag: 'high_spending_power', rule: 'spending-high' },
        { tag: 'prefers:beauty', rule: 'category-preference' },
        { tag: 'at_risk', rule: 'lifecycle-at-risk' },
      ]),
    );
    expect(p.tags).not.toContain('high_activity'); // nothing in the last 90 days
    const active = buildProfile([rec()], Array.from({ length: 25 }, (_, i) => evt('login', {}, ago(i))), { now: NOW });
    expect(active.view.tags).toContainEqual({ tag: 'high_activity', rule: 'activity-high' });
  });
});
