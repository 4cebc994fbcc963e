/**
 * Money, exact to the cent.
 *
 * Representation (decided for the whole product): a money attribute `x` is stored twice —
 *   - `x`        : a decimal string normalized to exactly two places, e.g. "19.90", "-0.50", "1299.00";
 *   - `x_cents`  : the same value as an integer number of cents (minor units), e.g. 1990.
 * Sums and comparisons use the integer cents, never the floats. The string keeps the value
 * readable in exports and survives JSON round-trips unchanged.
 *
 * Accepted inputs:
 *   - strings: "19.9", "19.90", "19.900" (trailing zeros beyond 2 places are fine), "+5", ".5",
 *     "1,299.00" (comma thousands grouping in groups of exactly three digits). Surrounding
 *     whitespace is trimmed.
 *   - numbers: taken at their shortest round-trip decimal form (`String(n)`): 19.9 → "19.9".
 *     A float that is not a 2-decimal value — 0.1 + 0.2 = 0.30000000000000004, 3 * 19.9 =
 *     59.699999999999996 — is rejected, never rounded: the sender must say what it means.
 * Rejected: more than two non-zero decimals, currency symbols (¥ $), decimal commas ("19,90"),
 * spaces inside, exponents, and magnitudes whose cents exceed Number.MAX_SAFE_INTEGER.
 */

export interface Money {
  /** Normalized decimal string with exactly two places. */
  text: string;
  /** Integer cents (a safe integer). */
  cents: number;
}

export type MoneyResult = ({ ok: true } & Money) | { ok: false; reason: string };

const GROUPED = /^([+-])?(\d{1,3}(?:,\d{3})+)(?:\.(\d+))?$/;
const PLAIN = /^([+-])?(\d*)(?:\.(\d*))?$/;
const MAX_CENTS = BigInt(Number.MAX_SAFE_INTEGER);

/** The attribute name that carries integer cents for money attribute `name`. */
export function centsKey(name: string): string {
  return `${name}_cents`;
}

/** Parse a money value exactly. Never throws. */
export function parseMoney(value: unknown): MoneyResult {
  let s: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, reason: 'not a finite number' };
    s = String(value);
    if (/e/i.test(s)) return { ok: false, reason: 'not representable exactly in cents' };
  } else if (typeof value === 'string') {
    s = value.trim();
  } else {
    return { ok: false, reason: 'expected a decimal amount' };
  }

  let sign = '';
  let intPart: string;
  let fracPart: string;
  const g = GROUPED.exec(s);
  if (g) {
    sign = g[1] ?? '';
    intPart = g[2]!.replace(/,/g, '');
    fracPart = g[3] ?? '';
  } else {
    const p = PLAIN.exec(s);
    if (!p) return { ok: false, reason: 'not a decimal amount' };
    sign = p[1] ?? '';
    intPart = p[2] ?? '';
    fracPart = p[3] ?? '';
    if (intPart === '' && fracPart === '') return { ok: false, reason: 'not a decimal amount' };
  }

  const frac = fracPart.replace(/0+$/, '');
  if (frac.length > 2) return { ok: false, reason: 'more than 2 decimal places' };
  const int = intPart.replace(/^0+/, '') || '0';
  if (int.length > 16) return { ok: false, reason: 'too large' };

  let cents = BigInt(int) * 100n + BigInt(frac.padEnd(2, '0'));
  if (cents > MAX_CENTS) return { ok: false, reason: 'too large' };
  const negative = sign === '-' && cents !== 0n;
  if (negative) cents = -cents;
  const abs = negative ? -cents : cents;
  const text = `${negative ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
  return { ok: true, text, cents: Number(cents) };
}

/** Format integer cents as a two-place decimal string (inverse of parseMoney's `cents`). */
export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`not a safe integer number of cents: ${cents}`);
  const negative = cents < 0;
  const abs = Math.abs(cents);
  return `${negative ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
