import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clearPhoneCache, parsePhone, PHONE_PROBLEMS } from '../../../functions/core/clean/index.ts';
import type { PhoneCase } from './build-phone-corpus.ts';

const corpus: PhoneCase[] = JSON.parse(readFileSync(new URL('../../fixtures/phones.json', import.meta.url), 'utf8'));

function actual(c: PhoneCase) {
  const r = parsePhone(c.input, c.ctx);
  const got: Record<string, unknown> = { e164: r.e164 ?? null, valid: r.valid };
  if (c.type !== undefined || r.valid) got.type = r.type;
  if (c.region !== undefined) got.region = r.region;
  if (c.extension !== undefined || r.extension !== undefined) got.extension = r.extension;
  if (c.unresolvedAreaCode !== undefined || r.unresolvedAreaCode) got.unresolvedAreaCode = r.unresolvedAreaCode;
  if (!r.valid) got.reason = r.problem?.code;
  if (c.location) got.location = { province: r.location?.province, city: r.location?.city };
  if (c.carrier) got.carrier = r.carrier;
  return got;
}

function expected(c: PhoneCase) {
  const want: Record<string, unknown> = { e164: c.e164, valid: c.valid };
  if (c.type !== undefined || c.valid) want.type = c.type;
  if (c.region !== undefined) want.region = c.region;
  if (c.extension !== undefined) want.extension = c.extension;
  if (c.unresolvedAreaCode !== undefined) want.unresolvedAreaCode = c.unresolvedAreaCode;
  if (!c.valid) want.reason = c.reason;
  if (c.location) want.location = c.location;
  if (c.carrier) want.carrier = c.carrier;
  return want;
}

describe('phone corpus (test/fixtures/phones.json)', () => {
  it('has at least 300 labelled cases from every source, and labels are well-formed', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    const sources = new Set(corpus.map((c) => c.source));
    for (const s of ['google-example-mobile', 'google-example-typed', 'cn-ranges', 'messy', 'invalid']) expect(sources).toContain(s);
    for (const c of corpus) {
      if (c.valid) expect(c.type, c.input).toBeTruthy();
      else expect(Object.keys(PHONE_PROBLEMS), c.input).toContain(c.reason);
    }
    // Every rejection reason is exercised.
    const reasons = new Set(corpus.filter((c) => !c.valid).map((c) => c.reason));
    for (const code of Object.keys(PHONE_PROBLEMS)) if (code !== 'phone.invalid_length') expect(reasons, code).toContain(code);
  });

  it('matches every expected E.164, validity, type and reason (cold cache)', () => {
    clearPhoneCache();
    const failures = corpus.filter((c) => JSON.stringify(actual(c)) !== JSON.stringify(expected(c)));
    expect(failures.map((c) => ({ input: c.input, ctx: c.ctx, source: c.source, want: expected(c), got: actual(c) }))).toEqual([]);
  });

  it('gives the same answers from the warm cache, in another order', () => {
    const reversed = [...corpus].reverse();
    for (const c of reversed) expect(actual(c), c.input).toEqual(expected(c));
  });

  it('never lets an invalid number look like a key', () => {
    for (const c of corpus) {
      const r = parsePhone(c.input, c.ctx);
      if (!r.valid) {
        expect(r.problem?.code, c.input).toBeTruthy();
        expect(r.problem?.message, c.input).toBeTruthy();
        expect(r.type, c.input).toBeUndefined();
      }
    }
  });
});
