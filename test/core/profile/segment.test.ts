import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildProfile, matchesSegment, segmentNumber, parseSegmentQuery, SegmentQueryError, type SegmentProfile } from '../../../functions/core/profile/index.ts';
import { NOW, ago, purchase, rec } from './fixtures.ts';

function profile(opts: { city?: string; spend?: string; sms?: boolean; gender?: 'F' | 'M'; birthDate?: string }): SegmentProfile {
  const built = buildProfile(
    [rec({ city: opts.city, gender: opts.gender, birthDate: opts.birthDate, consent: opts.sms === undefined ? undefined : { sms: { granted: opts.sms, at: '2026-01-01T00:00:00Z' } } })],
    opts.spend ? [purchase('o', opts.spend, ago(3), { category: 'beauty' })] : [],
    { now: NOW },
  );
  return { profileId: 'p', phone: '+8613800138001', tags: built.tags, metrics: built.metrics, view: built.view };
}

const errorOf = (q: string) => {
  try {
    parseSegmentQuery(q);
  } catch (e) {
    expect(e).toBeInstanceOf(SegmentQueryError);
    return e as SegmentQueryError;
  }
  throw new Error('expected SegmentQueryError');
};

describe('parseSegmentQuery', () => {
  it('parses tags, fields and comparisons', () => {
    const q = parseSegmentQuery('tag:high_spending_power city:上海 spend>=1000 consent:sms -stage:lapsed gender:F,M');
    expect(q.channels).toEqual(['sms']);
    expect(q.terms).toHaveLength(6);
    expect(q.terms[2]).toMatchObject({ kind: 'compare', field: 'spend', op: '>=', value: 100000 });
    expect(parseSegmentQuery('city:"New York" consent:email').terms[0]).toMatchObject({ values: ['New York'] });
  });

  it('says what is wrong, where', () => {
    expect(errorOf('tag:x').message).toMatch(/consent:<channel>/);
    expect(errorOf('').message).toMatch(/empty query/);
    expect(errorOf('consent:sms colour:red')).toMatchObject({ position: 12, term: 'colour:red' });
    expect(errorOf('consent:sms colour:red').message).toMatch(/at 13 \("colour:red"\): unknown key "colour"/);
    expect(errorOf('consent:sms spend>=12.345').message).toMatch(/not an amount \(more than 2 decimal places\)/);
    expect(errorOf('consent:sms height>3').message).toMatch(/unknown field "height"/);
    expect(errorOf('consent:sms stage:dormant').message).toMatch(/not one of new, active, at_risk, lapsed/);
    expect(errorOf('-consent:sms').message).toMatch(/cannot be negated/);
    expect(errorOf('consent:sms city:"上海').message).toMatch(/unclosed quote/);
    expect(errorOf('consent:sms lonely').message).toMatch(/expected key:value/);
  });
});

describe('matchesSegment', () => {
  it('leaves out profiles without consent for the channel', () => {
    const q = parseSegmentQuery('city:上海 consent:sms');
    expect(matchesSegment(q, profile({ city: '上海', sms: true }))).toBe(true);
    expect(matchesSegment(q, profile({ city: '上海', sms: false }))).toBe(false);
    expect(matchesSegment(q, profile({ city: '上海' }))).toBe(false);
    expect(matchesSegment(parseSegmentQuery('consent:email'), profile({ sms: true }))).toBe(false);
  });

  it('spend compares exact cents; tags, cities (上海 = 上海市), negation, age', () => {
    const p = profile({ city: '上海市', spend: '1000.00', sms: true, gender: 'F', birthDate: '1990-01-01' });
    const m = (q: string) => matchesSegment(parseSegmentQuery(`${q} consent:sms`), p);
    expect(m('spend>=1000')).toBe(true);
    expect(m('spend>1000')).toBe(false);
    expect(m('spend>999.99')).toBe(true);
    expect(m('city:上海')).toBe(true);
    expect(m('city:北京,上海')).toBe(true);
    expect(m('-city:上海')).toBe(false);
    expect(m('tag:medium_spending_power prefers:beauty')).toBe(true);
    expect(m('tag:high_spending_power')).toBe(false);
    expect(m('age>=36 age<37 gender:f orders=1')).toBe(true);
  });

  it('property: a consent-less profile never matches any query', () => {
    const p = profile({ city: '上海', spend: '50.00' });
    fc.assert(
      fc.property(fc.subarray(['city:上海', 'spend>=1', 'orders>=1', 'tag:repeat_buyer', 'stage:new', 'spending:low']), fc.constantFrom('sms', 'email', 'wechat'), (terms, ch) =>
        !matchesSegment(parseSegmentQuery([...terms, `consent:${ch}`].join(' ')), p),
      ),
    );
  });
});

describe('segmentNumber', () => {
  const LANDLINE = '+862154372798';
  const MOBILE = '+8613812345678';
  it('gives an SMS campaign a number that takes text messages, never a landline', () => {
    expect(segmentNumber([LANDLINE, MOBILE], LANDLINE, ['sms'])).toBe(MOBILE);
    expect(segmentNumber([LANDLINE], LANDLINE, ['sms'])).toBeUndefined();
    expect(segmentNumber(['+12125550100', '+12015551234'], '+12125550100', ['sms'])).toBe('+12015551234'); // 555-0100 is fiction; 201-555-1234 may be a mobile
    expect(segmentNumber([MOBILE, '+8613912345678'], MOBILE, ['sms', 'email'])).toBe(MOBILE);
  });
  it('gives other channels the primary number', () => {
    expect(segmentNumber([LANDLINE, MOBILE], LANDLINE, ['phone'])).toBe(LANDLINE);
    expect(segmentNumber([], undefined, ['email'])).toBeUndefined();
  });
});
