import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCents, parseMoney } from '../../../functions/core/events/money.ts';
import { validateEvent } from '../../../functions/core/events/validate.ts';

const ok = (text: string, cents: number) => ({ ok: true, text, cents });

describe('parseMoney: exact to the cent', () => {
  it.each([
    ['19.90', '19.90', 1990],
    ['19.9', '19.90', 1990],
    [19.9, '19.90', 1990],
    [19.99, '19.99', 1999],
    [0.1, '0.10', 10],
    [0.3, '0.30', 30],
    ['1,299.00', '1299.00', 129900],
    ['12,345,678.5', '12345678.50', 1234567850],
    ['19.900', '19.90', 1990],
    ['  7 ', '7.00', 700],
    ['.5', '0.50', 50],
    ['5.', '5.00', 500],
    ['+3', '3.00', 300],
    ['-0.50', '-0.50', -50],
    ['-0', '0.00', 0],
    [-0, '0.00', 0],
    ['007.10', '7.10', 710],
    [1e20, null, null],
    ['90071992547409.91', '90071992547409.91', Number.MAX_SAFE_INTEGER],
  ] as const)('%j → %s', (input, text, cents) => {
    if (text === null) expect(parseMoney(input).ok).toBe(false);
    else expect(parseMoney(input)).toEqual(ok(text, cents!));
  });

  it.each([
    [0.1 + 0.2, 'float noise is rejected, never rounded'],
    [3 * 19.9, 'float noise from a product'],
    ['19.999', 'three decimals'],
    ['0.001', 'below a cent'],
    [1e-7, 'exponent form of a tiny number'],
    ['1e3', 'exponent strings'],
    ['19,90', 'decimal comma'],
    ['1,29.00', 'bad grouping'],
    ['¥19.90', 'currency symbol'],
    ['19.90 CNY', 'unit suffix'],
    ['1 299', 'space inside'],
    ['', 'empty'],
    ['.', 'lone point'],
    ['-', 'lone sign'],
    [Number.NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [true, 'boolean'],
    [null, 'null'],
    [{ amount: 1 }, 'object'],
    ['90071992547409.92', 'cents beyond MAX_SAFE_INTEGER'],
  ] as [unknown, string][])('%j is rejected (%s)', (input) => {
    expect(parseMoney(input).ok).toBe(false);
  });

  it('summing cents of many small amounts is exact where floats drift', () => {
    const items = Array.from({ length: 10 }, () => '0.10');
    const cents = items.reduce((s, a) => {
      const m = parseMoney(a);
      if (!m.ok) throw new Error(m.reason);
      return s + m.cents;
    }, 0);
    expect(cents).toBe(100);
    expect(formatCents(cents)).toBe('1.00');
    expect(items.reduce((s, a) => s + Number(a), 0)).not.toBe(1); // why cents exist
  });

  it('purchase rejects 0.1 + 0.2 and names the value', () => {
    const r = validateEvent({ tag: 'purchase', attributes: { order_id: 'O', amount: 0.1 + 0.2 } });
    expect(r).toMatchObject({ ok: false, problem: { code: 'event.bad_attribute' } });
    if (!r.ok) expect(r.problem.message).toContain('0.30000000000000004');
  });

  it('string → cents → string round-trips for any cent amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (c) => {
        const text = formatCents(c);
        expect(parseMoney(text)).toEqual(ok(text, c));
      }),
    );
  });

  it('any JS number with at most two decimals parses to the matching cents', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 13 }), (c) => {
        expect(parseMoney(c / 100)).toMatchObject({ ok: true, cents: c });
      }),
    );
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.double(), fc.jsonValue()), (v) => void parseMoney(v)));
  });

  it('formatCents refuses non-integers', () => {
    expect(() => formatCents(1.5)).toThrow(RangeError);
  });
});
