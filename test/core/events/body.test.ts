import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_EVENTS,
  canonicalJson,
  eventIdFor,
  parseWebhookBody,
} from '../../../functions/core/events/body.ts';
import { locateJsonError, parseJson } from '../../../functions/core/events/json.ts';
import { validateEvent, type EventInput } from '../../../functions/core/events/validate.ts';

describe('parseWebhookBody', () => {
  it('one object is one event; an array is a batch', () => {
    expect(parseWebhookBody('{"event":"login","phone":"13800138001"}')).toEqual({ ok: true, events: [{ event: 'login', phone: '13800138001' }] });
    expect(parseWebhookBody(' [ {"a":1}, {"b":2} ]\n')).toEqual({ ok: true, events: [{ a: 1 }, { b: 2 }] });
  });

  it('ignores a UTF-8 BOM', () => {
    expect(parseWebhookBody('\uFEFF{"a":1}')).toEqual({ ok: true, events: [{ a: 1 }] });
  });

  it('non-object elements stay in place for per-event rejection; the good ones are kept', () => {
    const r = parseWebhookBody('[{"tag":"login","attributes":{}}, 42, null, [1], "x"]');
    expect(r).toEqual({ ok: true, events: [{ tag: 'login', attributes: {} }, 42, null, [1], 'x'] });
    if (!r.ok) return;
    const verdicts = r.events.map((e) => validateEvent(e as EventInput));
    expect(verdicts.map((v) => (v.ok ? 'ok' : v.problem.code))).toEqual(['ok', 'event.malformed', 'event.malformed', 'event.malformed', 'event.malformed']);
  });

  it.each([
    ['{"a":}', 1, 6, /where a value was expected/],
    ['{"a":1,}', 1, 8, /property name/],
    ['[1,2', 1, 5, /end of input/],
    ['[1 2]', 1, 4, /expected ',' or ']'/],
    ['{\n  "phone": "138",\n  "amount": 19.90.1\n}', 3, 18, /expected ',' or '}'/],
    ['[\n {"a": "x\ny"}\n]', 2, 10, /control character/],
    ['{"a": tru}', 1, 10, /expected true/],
    ["{'a': 1}", 1, 2, /property name/],
    ['{"a":1} {"b":2}', 1, 9, /after the end/],
    ['{"名字":"张三",}', 1, 12, /property name/],
    ['{"a":"\\x"}', 1, 8, /bad escape/],
    ['{"a":01}', 1, 7, /expected ',' or '}'/],
    ['{"a":-}', 1, 7, /digit/],
    ['{"a":"abc', 1, 10, /unterminated string/],
  ])('malformed %j → 400 at line %i, column %i', (body, line, column, reason) => {
    const r = parseWebhookBody(body);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.status).toBe(400);
    expect(r.problem.code).toBe('body.malformed');
    expect(r.problem.message).toContain(`line ${line}, column ${column}`);
    expect(r.problem.message).toMatch(reason);
    expect(r.position).toMatchObject({ line, column });
  });

  it('empty body, empty array, and a bare scalar are 400 with their own codes', () => {
    expect(parseWebhookBody('')).toMatchObject({ ok: false, status: 400, problem: { code: 'body.empty' } });
    expect(parseWebhookBody(' \n ')).toMatchObject({ ok: false, status: 400, problem: { code: 'body.empty' } });
    expect(parseWebhookBody('[]')).toMatchObject({ ok: false, status: 400, problem: { code: 'body.no_events' } });
    for (const b of ['42', '"x"', 'null', 'true']) {
      expect(parseWebhookBody(b), b).toMatchObject({ ok: false, status: 400, problem: { code: 'body.not_event' } });
    }
  });

  it('too large → 413, counted in UTF-8 bytes, checked at the documented default', () => {
    expect(DEFAULT_MAX_BYTES).toBe(1024 * 1024);
    const pad = (n: number) => `{"p":"${'x'.repeat(n - 8)}"}`;
    expect(pad(100)).toHaveLength(100);
    expect(parseWebhookBody(pad(100), { maxBytes: 100 }).ok).toBe(true);
    expect(parseWebhookBody(pad(101), { maxBytes: 100 })).toMatchObject({ ok: false, status: 413, problem: { code: 'body.too_large' } });
    const cjk = `{"p":"${'张'.repeat(40)}"}`; // 48 chars, 128 bytes
    expect(parseWebhookBody(cjk, { maxBytes: 127 })).toMatchObject({ ok: false, status: 413 });
    expect(parseWebhookBody(cjk, { maxBytes: 128 }).ok).toBe(true);
    expect(parseWebhookBody(pad(DEFAULT_MAX_BYTES + 1))).toMatchObject({ ok: false, status: 413 });
    expect(parseWebhookBody(pad(DEFAULT_MAX_BYTES)).ok).toBe(true);
  });

  it('size is checked before parsing (an oversize malformed body is 413, not 400)', () => {
    expect(parseWebhookBody(`{${'x'.repeat(200)}`, { maxBytes: 100 })).toMatchObject({ ok: false, status: 413 });
  });

  it('too many events → 413; the limit itself passes; default 500', () => {
    expect(DEFAULT_MAX_EVENTS).toBe(500);
    const batch = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ i })));
    expect(parseWebhookBody(batch(3), { maxEvents: 3 })).toMatchObject({ ok: true });
    expect(parseWebhookBody(batch(4), { maxEvents: 3 })).toMatchObject({ ok: false, status: 413, problem: { code: 'body.too_many_events' } });
    expect(parseWebhookBody(batch(500))).toMatchObject({ ok: true });
    expect(parseWebhookBody(batch(501))).toMatchObject({ ok: false, status: 413 });
  });

  it('nesting deeper than 32 levels inside an event is 400 body.too_deep; 32 passes, in an array too', () => {
    const nest = (levels: number) => '{"a":'.repeat(levels - 1) + '{"b":"[[[{{{"}' + '}'.repeat(levels - 1);
    expect(parseWebhookBody(nest(32))).toMatchObject({ ok: true });
    expect(parseWebhookBody(`[${nest(32)},{"x":1}]`)).toMatchObject({ ok: true });
    expect(parseWebhookBody(nest(33))).toMatchObject({ ok: false, status: 400, problem: { code: 'body.too_deep' } });
    expect(parseWebhookBody(`[${nest(33)}]`)).toMatchObject({ ok: false, status: 400, problem: { code: 'body.too_deep' } });
    expect(parseWebhookBody(`[${nest(3)}]`, { maxDepth: 2 })).toMatchObject({ ok: false, problem: { code: 'body.too_deep' } });
    const valid = '['.repeat(300_000) + ']'.repeat(300_000);
    expect(parseWebhookBody(valid)).toMatchObject({ ok: false, status: 400, problem: { code: 'body.too_deep' } });
  });

  it('deep nesting does not overflow the error locator', () => {
    const deep = '['.repeat(200_000) + '}';
    const r = parseWebhookBody(deep);
    expect(r).toMatchObject({ ok: false, status: 400, problem: { code: 'body.malformed' } });
    if (!r.ok) expect(r.problem.message).toContain('column 200001');
  });

  it('never throws on arbitrary strings, and every failure is a coded 400 or 413', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v))), fc.option(fc.nat({ max: 50 })), (body, maxEvents) => {
        const r = parseWebhookBody(body, { maxEvents: maxEvents ?? undefined, maxBytes: 4096 });
        if (!r.ok) {
          expect([400, 413]).toContain(r.status);
          expect(r.problem.code).toMatch(/^body\.[a-z_]+$/);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('the locator agrees with JSON.parse on what is valid', () => {
    const mutated = fc.tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', 'x', '\\', ' ', '0', '\n')).map(([j, at, ins]) => {
      const i = at % (j.length + 1);
      return j.slice(0, i) + ins + j.slice(i);
    });
    fc.assert(
      fc.property(fc.oneof(fc.json(), mutated, fc.string()), (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        expect(locateJsonError(text) === null).toBe(valid);
        const p = parseJson(text);
        expect(p.ok).toBe(valid);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('eventIdFor', () => {
  const ev = { event: 'pay_success', phone: '13800138001', order: { id: 'O-1', items: [{ sku: 'A', qty: 1 }, { sku: 'B', qty: 2 }] } };
  const reordered = { order: { items: [{ qty: 1, sku: 'A' }, { sku: 'B', qty: 2 }], id: 'O-1' }, phone: '13800138001', event: 'pay_success' };

  it('uses the explicit id when there is one', () => {
    expect(eventIdFor('app', ev, 'evt_123')).toBe('evt_123');
    expect(eventIdFor('app', ev, '  evt_123 ')).toBe('evt_123');
  });

  it('otherwise a stable hash of channel + canonical JSON (key order does not matter)', () => {
    const id = eventIdFor('app', ev);
    expect(id).toMatch(/^h_[0-9a-f]{32}$/);
    expect(eventIdFor('app', reordered)).toBe(id);
    expect(eventIdFor('app', ev, '')).toBe(id);
    expect(eventIdFor('app', ev, '   ')).toBe(id);
    expect(eventIdFor('app', JSON.parse(JSON.stringify(ev)))).toBe(id);
  });

  it('differs by channel, by any value, and by array order', () => {
    const id = eventIdFor('app', ev);
    expect(eventIdFor('web', ev)).not.toBe(id);
    expect(eventIdFor('app', { ...ev, phone: '13800138002' })).not.toBe(id);
    expect(eventIdFor('app', { ...ev, order: { ...ev.order, items: [...ev.order.items].reverse() } })).not.toBe(id);
    expect(eventIdFor('app', { ...ev, extra: null })).not.toBe(id);
    // channel/body boundary cannot be shifted
    expect(eventIdFor('a', '"b"')).not.toBe(eventIdFor('a"', 'b'));
  });

  it('is pinned (a change would make every stored hashed id look new)', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: undefined }], a: 'x' })).toBe('{"a":"x","b":[2,{"d":1}]}');
    expect(eventIdFor('app', { b: 1, a: 2 })).toBe(eventIdFor('app', { a: 2, b: 1 }));
    const want = createHash('sha256').update('3:app\n{"a":2,"b":1}').digest('hex').slice(0, 32);
    expect(eventIdFor('app', { a: 2, b: 1 })).toBe(`h_${want}`);
    expect(eventIdFor('app', { a: 2, b: 1 })).toBe('h_836c471db47c90b03e64a5d11f9b61e7');
  });

  it('property: any key permutation of any JSON object gives the same id', () => {
    const shuffleKeys = (v: unknown, seed: number): unknown => {
      if (Array.isArray(v)) return v.map((x, i) => shuffleKeys(x, seed + i));
      if (v && typeof v === 'object') {
        const entries = Object.entries(v as Record<string, unknown>);
        const rotated = entries.length ? [...entries.slice(seed % entries.length), ...entries.slice(0, seed % entries.length)].reverse() : entries;
        return Object.fromEntries(rotated.map(([k, x]) => [k, shuffleKeys(x, seed + 1)]));
      }
      return v;
    };
    fc.assert(
      fc.property(fc.string(), fc.jsonValue(), fc.nat(), (channel, v, seed) => {
        expect(eventIdFor(channel, shuffleKeys(v, seed))).toBe(eventIdFor(channel, v));
      }),
    );
  });

  it('canonicalJson parses back to an equal value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(canonicalJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });
});
