import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STANDARD_TAGS, defaultTaxonomy } from '../../../functions/core/events/taxonomy.ts';
import { validateEvent, type EventInput } from '../../../functions/core/events/validate.ts';

type Case = { attributes: Record<string, unknown>; code: string; names: string };

/** For every standard tag: one valid event, and invalid ones with the code and the attribute named. */
const examples: Record<string, { valid: Record<string, unknown>; invalid: Case[] }> = {
  register: { valid: { method: 'wechat' }, invalid: [{ attributes: { method: {} }, code: 'event.bad_attribute', names: 'method' }] },
  login: { valid: {}, invalid: [{ attributes: { method: true }, code: 'event.bad_attribute', names: 'method' }] },
  view_page: {
    valid: { url: 'https://shop.example.cn/p/1', title: '首页' },
    invalid: [
      { attributes: { title: 'x' }, code: 'event.missing_attribute', names: 'url' },
      { attributes: { url: 'x'.repeat(2049) }, code: 'event.bad_attribute', names: 'url' },
    ],
  },
  product_view: {
    valid: { product_id: 'SKU-1', category: '护肤' },
    invalid: [{ attributes: { category: 'x' }, code: 'event.missing_attribute', names: 'product_id' }],
  },
  add_to_cart: {
    valid: { product_id: 'SKU-1', quantity: 2, price: '19.90' },
    invalid: [
      { attributes: { product_id: 'SKU-1', quantity: 0 }, code: 'event.bad_attribute', names: 'quantity' },
      { attributes: { product_id: 'SKU-1', quantity: 1.5 }, code: 'event.bad_attribute', names: 'quantity' },
      { attributes: { product_id: 'SKU-1', price: -1 }, code: 'event.bad_attribute', names: 'price' },
      { attributes: { quantity: 1 }, code: 'event.missing_attribute', names: 'product_id' },
    ],
  },
  remove_from_cart: {
    valid: { product_id: 'SKU-1', quantity: '1' },
    invalid: [{ attributes: { product_id: 'SKU-1', quantity: 'one' }, code: 'event.bad_attribute', names: 'quantity' }],
  },
  begin_checkout: {
    valid: { amount: '99.00' },
    invalid: [{ attributes: { amount: '9.999' }, code: 'event.bad_attribute', names: 'amount' }],
  },
  purchase: {
    valid: { order_id: 'O-1', product_id: 'SKU-1', category: '护肤', price: '19.90', quantity: 2, amount: '39.80', currency: 'CNY' },
    invalid: [
      { attributes: { amount: '1.00' }, code: 'event.missing_attribute', names: 'order_id' },
      { attributes: { order_id: 'O-1' }, code: 'event.missing_attribute', names: 'amount' },
      { attributes: { order_id: 'O-1', amount: -5 }, code: 'event.bad_attribute', names: 'amount' },
      { attributes: { order_id: 'O-1', amount: '1.00', currency: 'RMB¥' }, code: 'event.bad_attribute', names: 'currency' },
      { attributes: { order_id: 'O-1', amount: '1.00', currency: 'yuan' }, code: 'event.bad_attribute', names: 'currency' },
      { attributes: { order_id: 'O-1', amount: '1.00', quantity: 0 }, code: 'event.bad_attribute', names: 'quantity' },
    ],
  },
  refund: {
    valid: { order_id: 'O-1', amount: 10, reason: '尺码不合适' },
    invalid: [
      { attributes: { order_id: 'O-1' }, code: 'event.missing_attribute', names: 'amount' },
      { attributes: { order_id: 'O-1', amount: '-10' }, code: 'event.bad_attribute', names: 'amount' },
    ],
  },
  search: {
    valid: { keyword: '防晒霜', results: 12 },
    invalid: [
      { attributes: { keyword: '   ' }, code: 'event.missing_attribute', names: 'keyword' },
      { attributes: { keyword: 'x', results: -1 }, code: 'event.bad_attribute', names: 'results' },
    ],
  },
  ad_click: {
    valid: { campaign: '618-sale', platform: 'douyin' },
    invalid: [{ attributes: { platform: 'douyin' }, code: 'event.missing_attribute', names: 'campaign' }],
  },
  sms_open: { valid: { campaign: '618-sale' }, invalid: [{ attributes: { campaign: ['a'] }, code: 'event.bad_attribute', names: 'campaign' }] },
  email_open: { valid: {}, invalid: [{ attributes: { campaign: { id: 1 } }, code: 'event.bad_attribute', names: 'campaign' }] },
  coupon_redeem: {
    valid: { coupon_id: 'C-1', order_id: 'O-1', discount: '5' },
    invalid: [{ attributes: { discount: '5' }, code: 'event.missing_attribute', names: 'coupon_id' }],
  },
  store_visit: {
    valid: { store_id: 'SH-001' },
    invalid: [{ attributes: { store_name: '徐汇店' }, code: 'event.missing_attribute', names: 'store_id' }],
  },
  customer_service_call: {
    valid: { direction: 'Inbound', duration_seconds: '125', started_at: '2024-05-01 09:30:00', resolved: '是' },
    invalid: [
      { attributes: { direction: 'sideways' }, code: 'event.bad_attribute', names: 'direction' },
      { attributes: { started_at: '2024-13-01' }, code: 'event.bad_attribute', names: 'started_at' },
      { attributes: { resolved: 'maybe' }, code: 'event.bad_attribute', names: 'resolved' },
    ],
  },
  feedback_submit: {
    valid: { rating: 5, text: '很好' },
    invalid: [
      { attributes: { text: 'meh' }, code: 'event.missing_attribute', names: 'rating' },
      { attributes: { rating: 0 }, code: 'event.bad_attribute', names: 'rating' },
      { attributes: { rating: 6 }, code: 'event.bad_attribute', names: 'rating' },
      { attributes: { rating: 4.5 }, code: 'event.bad_attribute', names: 'rating' },
    ],
  },
  consent_update: {
    valid: { channel: 'SMS', granted: false, source: 'unsubscribe_link' },
    invalid: [
      { attributes: { channel: 'sms' }, code: 'event.missing_attribute', names: 'granted' },
      { attributes: { granted: true }, code: 'event.missing_attribute', names: 'channel' },
      { attributes: { channel: 'fax', granted: true }, code: 'event.bad_attribute', names: 'channel' },
      { attributes: { channel: 'sms', granted: 'perhaps' }, code: 'event.bad_attribute', names: 'granted' },
    ],
  },
};

describe('every standard tag', () => {
  it('has examples here (a new tag needs tests)', () => {
    expect(Object.keys(examples).sort()).toEqual([...STANDARD_TAGS].sort());
  });

  for (const [tag, ex] of Object.entries(examples)) {
    it(`${tag}: a valid event is accepted`, () => {
      const r = validateEvent({ tag, attributes: ex.valid });
      if (!r.ok) throw new Error(r.problem.message);
      expect(r.event.tag).toBe(tag);
      expect(r.event.unmapped).toBe(false);
      for (const k of Object.keys(ex.valid)) expect(r.event.attributes, k).toHaveProperty(k);
    });
    for (const c of ex.invalid) {
      it(`${tag}: ${JSON.stringify(c.attributes).slice(0, 60)} → ${c.code} naming ${c.names}`, () => {
        const r = validateEvent({ tag, attributes: c.attributes });
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.problem.code).toBe(c.code);
        expect(r.problem.message).toContain(`"${c.names}"`);
      });
    }
  }
});

describe('normalization', () => {
  it('purchase: numeric strings, money as string + cents, currency default and case', () => {
    const r = validateEvent({
      tag: 'purchase',
      attributes: { order_id: 20240501001, quantity: '3', price: 19.9, amount: '59.70', currency: 'usd', channel_extra: { a: 1 } },
      occurredAt: '2024-05-01T12:00:00+08:00',
    });
    expect(r).toEqual({
      ok: true,
      event: {
        tag: 'purchase',
        unmapped: false,
        occurredAt: '2024-05-01T04:00:00.000Z',
        utcOffset: '+08:00',
        attributes: {
          order_id: '20240501001',
          price: '19.90',
          price_cents: 1990,
          quantity: 3,
          amount: '59.70',
          amount_cents: 5970,
          currency: 'USD',
          channel_extra: { a: 1 },
        },
      },
    });
  });

  it('applies defaults only to absent optional attributes (null and blank count as absent)', () => {
    const a = validateEvent({ tag: 'purchase', attributes: { order_id: 'O', amount: '1', currency: null } });
    expect(a.ok && a.event.attributes.currency).toBe('CNY');
    const b = validateEvent({ tag: 'add_to_cart', attributes: { product_id: 'P', quantity: ' ' } });
    expect(b.ok && b.event.attributes.quantity).toBe(1);
    const c = validateEvent({ tag: 'add_to_cart', attributes: { product_id: 'P', quantity: 4 } });
    expect(c.ok && c.event.attributes.quantity).toBe(4);
  });

  it('omits absent optional attributes that have no default', () => {
    const r = validateEvent({ tag: 'product_view', attributes: { product_id: 'P', category: null, product_name: '' } });
    expect(r.ok && r.event.attributes).toEqual({ product_id: 'P' });
  });

  it('trims strings and turns numeric ids into strings', () => {
    const r = validateEvent({ tag: 'search', attributes: { keyword: '  面霜 ', results: '1,024' } });
    expect(r.ok && r.event.attributes).toEqual({ keyword: '面霜', results: 1024 });
  });

  it('integers accept "2.0" and reject 2.5 and non-numbers', () => {
    const q = (quantity: unknown) => validateEvent({ tag: 'add_to_cart', attributes: { product_id: 'P', quantity } });
    expect(q('2.0')).toMatchObject({ ok: true, event: { attributes: { quantity: 2 } } });
    expect(q(2.5)).toMatchObject({ ok: false, problem: { code: 'event.bad_attribute' } });
    expect(q('2 pcs')).toMatchObject({ ok: false, problem: { code: 'event.bad_attribute' } });
    expect(q(true)).toMatchObject({ ok: false, problem: { code: 'event.bad_attribute' } });
    expect(q(Number.NaN)).toMatchObject({ ok: false, problem: { code: 'event.bad_attribute' } });
  });

  it('booleans from words', () => {
    const g = (granted: unknown) => validateEvent({ tag: 'consent_update', attributes: { channel: 'all', granted } });
    for (const t of [true, 1, '1', 'TRUE', 'yes', 'Y', 'on', '是']) expect(g(t), String(t)).toMatchObject({ ok: true, event: { attributes: { granted: true } } });
    for (const f of [false, 0, '0', 'false', 'No', 'off', '否']) expect(g(f), String(f)).toMatchObject({ ok: true, event: { attributes: { granted: false } } });
    expect(g(2)).toMatchObject({ ok: false, problem: { code: 'event.bad_attribute' } });
  });

  it('names attribute and value in bad_attribute, and lists every problem', () => {
    const r = validateEvent({ tag: 'feedback_submit', attributes: { rating: 9, text: 'x'.repeat(5001) } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem.code).toBe('event.bad_attribute');
    expect(r.problem.message).toContain('"rating" = 9');
    expect(r.problem.message).toContain('"text"');
    expect(r.problems).toHaveLength(2);
  });

  it('first problem decides the code when missing and bad mix', () => {
    const r = validateEvent({ tag: 'purchase', attributes: { amount: 'abc' } });
    expect(r).toMatchObject({ ok: false, problem: { code: 'event.missing_attribute' } });
    if (!r.ok) expect(r.problems.map((p) => p.code)).toEqual(['event.missing_attribute', 'event.bad_attribute']);
  });

  it('occurredAt: normalized to ISO UTC, default offset +08:00, epochs, bad values rejected', () => {
    const at = (occurredAt: unknown) => validateEvent({ tag: 'login', attributes: {}, occurredAt } as EventInput);
    expect(at('2024-05-01 08:00:00')).toMatchObject({ ok: true, event: { occurredAt: '2024-05-01T00:00:00.000Z' } });
    expect(at('2024/05/01')).toMatchObject({ ok: true, event: { occurredAt: '2024-04-30T16:00:00.000Z' } });
    expect(at('2024-05-01T08:00:00Z')).toMatchObject({ ok: true, event: { occurredAt: '2024-05-01T08:00:00.000Z' } });
    expect(at(1714521600)).toMatchObject({ ok: true, event: { occurredAt: '2024-05-01T00:00:00.000Z' } });
    expect(at('1714521600123')).toMatchObject({ ok: true, event: { occurredAt: '2024-05-01T00:00:00.123Z' } });
    // the offset the time was written at is kept, and a source's IANA zone replaces the taxonomy's default
    expect(at('2024-05-01 08:00:00')).toMatchObject({ event: { utcOffset: '+08:00' } });
    expect(validateEvent({ tag: 'login', attributes: {}, occurredAt: '2024-07-01 08:00' }, undefined, { timeZone: 'Europe/Berlin' })).toMatchObject({ ok: true, event: { occurredAt: '2024-07-01T06:00:00.000Z', utcOffset: '+02:00' } });
    expect(at('yesterday')).toMatchObject({ ok: false, problem: { code: 'event.bad_occurred_at' } });
    expect(at('2023-02-29')).toMatchObject({ ok: false, problem: { code: 'event.bad_occurred_at' } });
    expect(at(20240501)).toMatchObject({ ok: false, problem: { code: 'event.bad_occurred_at' } });
    expect(at(undefined)).toMatchObject({ ok: true, event: { tag: 'login' } });
    const r = at(undefined);
    expect(r.ok && 'occurredAt' in r.event).toBe(false);
  });

  it('a sent *_cents must agree with the money value, and needs the money value', () => {
    const p = (attrs: Record<string, unknown>) => validateEvent({ tag: 'purchase', attributes: { order_id: 'O', ...attrs } });
    expect(p({ amount: '1.00', amount_cents: 100 })).toMatchObject({ ok: true });
    expect(p({ amount: '1.00', amount_cents: 99 })).toMatchObject({ ok: false, problem: { code: 'event.bad_attribute' } });
    expect(p({ amount: '1.00', price_cents: 100 })).toMatchObject({ ok: false, problem: { code: 'event.bad_attribute' } });
  });

  it('keeps a __proto__ attribute as data, never as a prototype', () => {
    const attrs = JSON.parse('{"product_id":"P","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const r = validateEvent({ tag: 'product_view', attributes: attrs });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(Object.getPrototypeOf(r.event.attributes)).toBe(Object.prototype);
    expect(Object.hasOwn(r.event.attributes, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('unknown, unmapped and malformed events', () => {
  it('unknown tag', () => {
    for (const tag of ['pay_success', 'Purchase', ' purchase', 'constructor', '__proto__', 'unmapped:']) {
      expect(validateEvent({ tag, attributes: {} }), tag).toMatchObject({ ok: false, problem: { code: 'event.unknown_tag' } });
    }
  });

  it('unmapped:<name> is accepted as-is with attributes passed through, and flagged', () => {
    const attributes = { sku: 12, weird: [1, { x: null }], amount: '0.1' };
    const r = validateEvent({ tag: 'unmapped:live_stream_like', attributes, occurredAt: '2024-05-01T00:00:00Z' });
    expect(r).toEqual({
      ok: true,
      event: { tag: 'unmapped:live_stream_like', attributes, unmapped: true, occurredAt: '2024-05-01T00:00:00.000Z', utcOffset: '+00:00' },
    });
  });

  it('malformed input is a rejection, not a throw', () => {
    const cases: unknown[] = [null, 42, 'purchase', [], { attributes: {} }, { tag: 7, attributes: {} }, { tag: 'login', attributes: [1] }, { tag: 'login', attributes: 'x' }];
    for (const c of cases) {
      expect(validateEvent(c as EventInput), JSON.stringify(c)).toMatchObject({ ok: false, problem: { code: 'event.malformed' } });
    }
    expect(validateEvent({ tag: 'login' } as EventInput)).toMatchObject({ ok: true });
  });
});

describe('properties', () => {
  const tagArb = fc.oneof(fc.constantFrom(...STANDARD_TAGS), fc.string(), fc.string().map((s) => `unmapped:${s}`));

  it('never throws on arbitrary JSON, and always answers ok or a coded problem', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = validateEvent(v as unknown as EventInput);
        expect(r.ok || /^event\.[a-z_]+$/.test(r.problem.code)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on events shaped right with arbitrary attribute values', () => {
    const attrs = fc.dictionary(
      fc.oneof(fc.constantFrom('order_id', 'amount', 'price', 'quantity', 'rating', 'granted', 'channel', 'started_at', 'currency', 'amount_cents', '__proto__'), fc.string()),
      fc.oneof(fc.jsonValue(), fc.double(), fc.constantFrom(undefined, Number.NaN, Infinity, -0)),
    );
    fc.assert(
      fc.property(tagArb, attrs, fc.option(fc.oneof(fc.string(), fc.integer())), (tag, attributes, occurredAt) => {
        validateEvent({ tag, attributes, occurredAt: occurredAt ?? undefined } as EventInput);
      }),
      { numRuns: 1000 },
    );
  });

  it('validation is idempotent: a validated event re-validates to itself', () => {
    const cents = fc.integer({ min: 0, max: 10_000_000 });
    const purchase = fc.record({
      order_id: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.nat()),
      amount: cents.chain((c) => fc.constantFrom(c / 100, String(c / 100), (c / 100).toFixed(2))),
      quantity: fc.option(fc.integer({ min: 1, max: 1000 }).map(String), { nil: undefined }),
      currency: fc.option(fc.constantFrom('cny', 'USD', ' eur '), { nil: undefined }),
    });
    let accepted = 0;
    fc.assert(
      fc.property(purchase, fc.option(fc.date({ min: new Date('2001-10-01'), max: new Date('2200-01-01'), noInvalidDate: true })), (attributes, when) => {
        const first = validateEvent({ tag: 'purchase', attributes, occurredAt: when?.toISOString() });
        if (!first.ok) return; // e.g. a blank order_id
        accepted++;
        const again = validateEvent(first.event);
        expect(again).toEqual(first);
      }),
      { numRuns: 500 },
    );
    expect(accepted).toBeGreaterThan(250);
  });

  it('money cents always equal the decimal string', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (c) => {
        const text = `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
        const r = validateEvent({ tag: 'refund', attributes: { order_id: 'O', amount: text } });
        expect(r).toMatchObject({ ok: true, event: { attributes: { amount: text, amount_cents: c } } });
      }),
    );
  });
});

it('the default taxonomy is what validateEvent uses when none is given', () => {
  const custom = { ...defaultTaxonomy, tags: {} };
  expect(validateEvent({ tag: 'login', attributes: {} }).ok).toBe(true);
  expect(validateEvent({ tag: 'login', attributes: {} }, custom).ok).toBe(false);
});
