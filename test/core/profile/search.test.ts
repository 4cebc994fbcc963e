import { describe, expect, it } from 'vitest';
import { defaultMatchRules, lookupKeys } from '../../../functions/core/match/index.ts';
import { cleanIdentity } from '../../../functions/core/clean/index.ts';
import { matchedBy, pageOf, parseSearchQuery, SearchQueryError, type SearchQuery } from '../../../functions/core/profile/search.ts';

const parse = (q: string) => parseSearchQuery(q, defaultMatchRules);
const record = (raw: Record<string, string>) => cleanIdentity(raw, { source: 's', recordId: '1', defaultCountry: 'CN' as never }).record;

describe('parseSearchQuery', () => {
  it('tells a profile id, a phone number, an e-mail, an external id, a name and a member id apart', () => {
    expect(parse('p_0123456789abcdef')).toEqual({ by: 'profileId', profileId: 'p_0123456789abcdef' });
    expect(parse('+86 (138) 0013-8001')).toEqual({ by: 'phone', e164: '+8613800138001' });
    expect(parse('８６１３８００１３８００１')).toEqual({ by: 'phone', e164: '+8613800138001' });
    expect(parse('Zhang.Wei@Example.COM')).toMatchObject({ by: 'lookup', field: 'email' });
    expect(parse('openid=o-123')).toMatchObject({ by: 'lookup', field: 'externalIds.*' });
    expect(parse('張偉')).toMatchObject({ by: 'lookup', field: 'namePinyin', query: { nameKey: '张伟', namePinyin: 'zhangwei' } });
    expect(parse('Zhang Wei')).toMatchObject({ by: 'lookup', field: 'namePinyin', query: { namePinyin: 'zhangwei' } });
    // digits that are no valid number are an id, not a phone
    expect(parse('10086')).toMatchObject({ by: 'lookup', field: 'memberId' });
    expect(parse('VIP-001')).toMatchObject({ by: 'lookup', field: 'memberId' });
  });

  it('asks for the keys a stored record of the same person was indexed under', () => {
    const stored = record({ name: '张伟', email: 'zhang.wei@example.com', memberId: 'VIP-001' });
    const indexed = new Set(lookupKeys(stored, defaultMatchRules));
    for (const q of ['張偉', 'zhangwei', 'ZHANG.WEI@example.com', 'VIP-001']) {
      const query = parse(q) as Extract<SearchQuery, { by: 'lookup' }>;
      expect(query.keys.every((k) => indexed.has(k)), q).toBe(true);
      expect(matchedBy(stored, query, defaultMatchRules), q).toBeDefined();
    }
  });

  it('says what is wrong with a query it cannot use', () => {
    expect(() => parse('  ')).toThrow(SearchQueryError);
    expect(() => parse('x'.repeat(201))).toThrow(/longer than 200/);
    expect(() => parse('先生')).toThrow(/no usable name/);
  });
});

describe('matchedBy', () => {
  it('ranks the same characters as a name match and a same-sounding name as pinyin; a changed record no longer matches', () => {
    const query = parse('张伟') as Extract<SearchQuery, { by: 'lookup' }>;
    expect(matchedBy(record({ name: '張偉' }), query, defaultMatchRules)).toBe('name');
    expect(matchedBy(record({ name: '章伟' }), query, defaultMatchRules)).toBe('pinyin');
    expect(matchedBy(record({ name: '李雷' }), query, defaultMatchRules)).toBeUndefined();
    // the pinyin compared as the index compares it: a record written "zhang wei" still matches
    expect(matchedBy({ name: '张伟', nameKey: '张伟', namePinyin: 'zhang wei' }, query, defaultMatchRules)).toBe('name');
  });
});

describe('pageOf', () => {
  const found = ['p_000000000000000c', 'p_000000000000000a', 'p_000000000000000b'].map((profileId) => ({ profileId, matched: 'name' as const }));
  found.push({ profileId: 'p_0000000000000001', matched: 'pinyin' as never });

  it('orders exact matches first, then by id, and walks every hit once with the cursor', () => {
    const first = pageOf(found, 2);
    expect(first.page.map((f) => f.profileId)).toEqual(['p_000000000000000a', 'p_000000000000000b']);
    const second = pageOf(found, 2, first.next);
    expect(second.page.map((f) => f.profileId)).toEqual(['p_000000000000000c', 'p_0000000000000001']);
    expect(second.next).toBeUndefined();
  });

  it('refuses a cursor it did not give', () => {
    expect(() => pageOf(found, 2, 'bm9wZQ')).toThrow(SearchQueryError);
  });
});
