import { describe, expect, it } from 'vitest';
import raw from '../../../functions/core/events/taxonomy.json' with { type: 'json' };
import {
  STANDARD_TAGS,
  TaxonomySchema,
  defaultTaxonomy,
  parseTaxonomy,
} from '../../../functions/core/events/taxonomy.ts';
import { validateEvent } from '../../../functions/core/events/validate.ts';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('default taxonomy', () => {
  it('is valid per its own schema', () => {
    expect(TaxonomySchema.safeParse(raw).success).toBe(true);
    expect(parseTaxonomy(JSON.stringify(raw)).ok).toBe(true);
  });

  it('holds every SPEC §3 tag with its standard attributes', () => {
    const want: Record<string, string[]> = {
      register: [],
      login: [],
      view_page: ['url', 'title'],
      product_view: ['product_id', 'category'],
      add_to_cart: ['product_id', 'quantity', 'price'],
      purchase: ['order_id', 'product_id', 'category', 'price', 'quantity', 'amount', 'currency'],
      refund: ['order_id', 'amount'],
      search: ['keyword'],
      ad_click: ['campaign'],
      sms_open: ['campaign'],
      email_open: ['campaign'],
      customer_service_call: [],
      feedback_submit: ['rating', 'text'],
      consent_update: ['channel', 'granted'],
    };
    for (const [tag, attrs] of Object.entries(want)) {
      expect(STANDARD_TAGS, tag).toContain(tag);
      for (const a of attrs) expect(Object.keys(defaultTaxonomy.tags[tag]!.attributes), `${tag}.${a}`).toContain(a);
    }
  });

  it('encodes the attribute rules the product relies on', () => {
    const t = defaultTaxonomy.tags;
    expect(t.feedback_submit!.attributes.rating).toMatchObject({ type: 'integer', required: true, min: 1, max: 5 });
    expect(t.add_to_cart!.attributes.quantity).toMatchObject({ type: 'integer', min: 1 });
    expect(t.purchase!.attributes.quantity).toMatchObject({ type: 'integer', min: 1 });
    expect(t.purchase!.attributes.amount).toMatchObject({ type: 'money', required: true, min: 0 });
    expect(t.purchase!.attributes.currency).toMatchObject({ type: 'string', pattern: '^[A-Z]{3}$', default: 'CNY' });
    expect(t.refund!.attributes.amount).toMatchObject({ type: 'money', required: true, min: 0 });
    expect(t.consent_update!.attributes.granted).toMatchObject({ type: 'boolean', required: true });
    expect(defaultTaxonomy.defaultUtcOffset).toBe('+08:00');
  });

  it('every attribute and tag carries a description', () => {
    for (const [tag, def] of Object.entries(defaultTaxonomy.tags)) {
      expect(def.description.length, tag).toBeGreaterThan(0);
      for (const [name, a] of Object.entries(def.attributes)) expect(a.description.length, `${tag}.${name}`).toBeGreaterThan(0);
    }
  });
});

describe('parseTaxonomy', () => {
  const bad = (mutate: (t: any) => void) => {
    const t = clone(raw) as any;
    mutate(t);
    const r = parseTaxonomy(t);
    if (r.ok) throw new Error('expected the taxonomy to be rejected');
    expect(r.problem.code).toBe('taxonomy.invalid');
    return r;
  };

  it('names the path of a wrong attribute type', () => {
    const r = bad((t) => (t.tags.purchase.attributes.amount.type = 'float'));
    expect(r.issues.map((i) => i.path)).toContain('tags.purchase.attributes.amount.type');
    expect(r.problem.message).toContain('tags.purchase.attributes.amount.type');
  });

  it('rejects min above max, naming max', () => {
    const r = bad((t) => Object.assign(t.tags.feedback_submit.attributes.rating, { min: 6, max: 5 }));
    expect(r.issues.map((i) => i.path)).toContain('tags.feedback_submit.attributes.rating.max');
  });

  it('rejects min/max on strings and length rules on numbers', () => {
    const r = bad((t) => {
      t.tags.search.attributes.keyword.min = 1;
      t.tags.search.attributes.results.maxLength = 3;
    });
    const paths = r.issues.map((i) => i.path);
    expect(paths).toContain('tags.search.attributes.keyword.min');
    expect(paths).toContain('tags.search.attributes.results.maxLength');
  });

  it('rejects money bounds with more than 2 decimals', () => {
    const r = bad((t) => (t.tags.purchase.attributes.amount.min = 0.001));
    expect(r.issues.map((i) => i.path)).toContain('tags.purchase.attributes.amount.min');
  });

  it('rejects tag and attribute names that are not snake_case', () => {
    const r = bad((t) => {
      t.tags.PayNow = { description: 'x', attributes: {} };
      t.tags.login.attributes['Method'] = { type: 'string', description: 'x' };
    });
    const paths = r.issues.map((i) => i.path);
    expect(paths).toContain('tags.PayNow');
    expect(paths).toContain('tags.login.attributes.Method');
    expect(r.problem.message).toMatch(/snake_case/);
  });

  it('rejects unknown keys (typos) with their path', () => {
    const r = bad((t) => (t.tags.search.attributes.keyword.requird = true));
    expect(r.issues.map((i) => i.path)).toContain('tags.search.attributes.keyword');
    expect(r.problem.message).toMatch(/requird/);
  });

  it('rejects an attribute that collides with a money cents key', () => {
    const r = bad((t) => (t.tags.purchase.attributes.amount_cents = { type: 'integer', description: 'x' }));
    expect(r.issues.map((i) => i.path)).toContain('tags.purchase.attributes.amount_cents');
  });

  it('rejects a default that breaks its own rule, and a default on a required attribute', () => {
    const r = bad((t) => {
      t.tags.purchase.attributes.currency.default = 'yuan';
      t.tags.feedback_submit.attributes.rating.default = 3;
    });
    const paths = r.issues.map((i) => i.path);
    expect(paths).toContain('tags.purchase.attributes.currency.default');
    expect(paths).toContain('tags.feedback_submit.attributes.rating.default');
  });

  it('rejects a bad regular expression and unreachable enum values', () => {
    const r = bad((t) => {
      t.tags.purchase.attributes.currency.pattern = '([A-Z';
      t.tags.consent_update.attributes.channel.enum = ['sms', 'Email'];
    });
    const paths = r.issues.map((i) => i.path);
    expect(paths).toContain('tags.purchase.attributes.currency.pattern');
    expect(paths).toContain('tags.consent_update.attributes.channel.enum[1]');
  });

  it('rejects a wrong version, a bad offset and an empty tag set', () => {
    const r = bad((t) => {
      t.version = 2;
      t.defaultUtcOffset = '8';
      t.tags = {};
    });
    const paths = r.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['version', 'defaultUtcOffset', 'tags']));
  });

  it('reports malformed JSON text with line and column', () => {
    const r = parseTaxonomy('{\n  "version": 1,\n  "tags": { ,}\n}');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem.code).toBe('taxonomy.invalid_json');
    expect(r.problem.message).toContain('line 3, column 13');
  });

  it('a company taxonomy of its own drives validation', () => {
    const r = parseTaxonomy({
      version: 1,
      defaultUtcOffset: 'Z',
      tags: {
        test_drive: {
          description: 'A car test drive was booked.',
          attributes: {
            model: { type: 'string', required: true, description: 'Car model', enum: ['a4', 'q5'], case: 'lower' },
            deposit: { type: 'money', description: 'Deposit', min: 0, max: 1000 },
            at: { type: 'datetime', description: 'Slot' },
          },
        },
      },
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.taxonomy.tags.test_drive!.attributes.deposit!.required).toBe(false);
    const ok = validateEvent({ tag: 'test_drive', attributes: { model: 'Q5', deposit: '500', at: '2024-05-01 10:00' } }, r.taxonomy);
    expect(ok).toEqual({
      ok: true,
      event: {
        tag: 'test_drive',
        unmapped: false,
        attributes: { model: 'q5', deposit: '500.00', deposit_cents: 50000, at: '2024-05-01T10:00:00.000Z' },
      },
    });
    const over = validateEvent({ tag: 'test_drive', attributes: { model: 'a4', deposit: '1000.01' } }, r.taxonomy);
    expect(over.ok).toBe(false);
    expect(validateEvent({ tag: 'purchase', attributes: { order_id: '1', amount: 1 } }, r.taxonomy)).toMatchObject({
      ok: false,
      problem: { code: 'event.unknown_tag' },
    });
  });
});
