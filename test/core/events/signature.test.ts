import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signPayload,
  signatureHeader,
  signedHeaders,
  verifySignature,
} from '../../../functions/core/events/signature.ts';

const NOW = 1_714_521_600_000; // ms
const TS = String(NOW / 1000);
const BODY = '{"event":"pay_success","phone":"13800138001","amount":"19.90"}';
const SECRET = 'whsec_current';
const OLD = 'whsec_previous';

const verify = (over: Partial<Parameters<typeof verifySignature>[0]> = {}) =>
  verifySignature({ secrets: [SECRET], timestamp: TS, signature: signatureHeader(SECRET, TS, BODY), body: BODY, now: NOW, ...over });

describe('signPayload', () => {
  it('is hex HMAC-SHA256 over timestamp + "." + body', () => {
    const want = createHmac('sha256', SECRET).update(`${TS}.${BODY}`).digest('hex');
    expect(signPayload(SECRET, TS, BODY)).toBe(want);
    expect(signPayload(SECRET, TS, BODY)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs UTF-8 bytes of the body', () => {
    const body = '{"name":"张三"}';
    const want = createHmac('sha256', SECRET).update(Buffer.from(`${TS}.${body}`, 'utf8')).digest('hex');
    expect(signPayload(SECRET, TS, body)).toBe(want);
  });

  it('header names and format', () => {
    expect(TIMESTAMP_HEADER).toBe('x-phonekey-timestamp');
    expect(SIGNATURE_HEADER).toBe('x-phonekey-signature');
    expect(signatureHeader(SECRET, TS, BODY)).toBe(`v1=${signPayload(SECRET, TS, BODY)}`);
    const h = signedHeaders(SECRET, BODY, NOW + 999);
    expect(h[TIMESTAMP_HEADER]).toBe(TS);
    expect(verify({ signature: h[SIGNATURE_HEADER] })).toEqual({ ok: true });
  });
});

describe('verifySignature', () => {
  it('accepts a good signature', () => {
    expect(verify()).toEqual({ ok: true });
  });

  it('rejects a wrong secret', () => {
    expect(verify({ signature: signatureHeader('whsec_other', TS, BODY) })).toMatchObject({ ok: false, problem: { code: 'signature.invalid' } });
  });

  it('rejects a tampered body', () => {
    expect(verify({ body: BODY.replace('19.90', '99.90') })).toMatchObject({ ok: false, problem: { code: 'signature.invalid' } });
  });

  it('rejects a tampered timestamp (still within tolerance)', () => {
    expect(verify({ timestamp: String(Number(TS) + 1) })).toMatchObject({ ok: false, problem: { code: 'signature.invalid' } });
  });

  it('stale: too old and too far in the future; the tolerance edge itself passes', () => {
    const at = (offsetSeconds: number, toleranceSeconds?: number) => {
      const ts = String(Number(TS) + offsetSeconds);
      return verify({ timestamp: ts, signature: signatureHeader(SECRET, ts, BODY), toleranceSeconds });
    };
    expect(at(-301)).toMatchObject({ ok: false, problem: { code: 'signature.stale' } });
    expect(at(301)).toMatchObject({ ok: false, problem: { code: 'signature.stale' } });
    expect(at(-300)).toEqual({ ok: true });
    expect(at(300)).toEqual({ ok: true });
    expect(at(-61, 60)).toMatchObject({ ok: false, problem: { code: 'signature.stale' } });
    expect(at(-3600, 7200)).toEqual({ ok: true });
  });

  it('stale: a timestamp that is not whole seconds', () => {
    for (const ts of ['abc', '1714521600.5', '-1714521600', '1e9', String(NOW)]) {
      expect(verify({ timestamp: ts, signature: signatureHeader(SECRET, ts, BODY) }), ts).toMatchObject({ ok: false, problem: { code: 'signature.stale' } });
    }
  });

  it('missing timestamp or signature', () => {
    for (const over of [{ timestamp: undefined }, { timestamp: '' }, { signature: undefined }, { signature: '  ' }]) {
      expect(verify(over), JSON.stringify(over)).toMatchObject({ ok: false, problem: { code: 'signature.missing' } });
    }
  });

  it('rotation: the previous secret stays valid while listed, and not after', () => {
    const signedWithOld = signatureHeader(OLD, TS, BODY);
    expect(verify({ secrets: [SECRET, OLD], signature: signedWithOld })).toEqual({ ok: true });
    expect(verify({ secrets: [SECRET, OLD] })).toEqual({ ok: true });
    expect(verify({ secrets: [SECRET], signature: signedWithOld })).toMatchObject({ ok: false, problem: { code: 'signature.invalid' } });
  });

  it('several comma-separated v1 values: any one matching is enough; other schemes ignored', () => {
    const good = signPayload(SECRET, TS, BODY);
    const bad = signPayload('nope', TS, BODY);
    expect(verify({ signature: `v1=${bad}, v1=${good}` })).toEqual({ ok: true });
    expect(verify({ signature: signatureHeader(['nope', SECRET], TS, BODY) })).toEqual({ ok: true });
    expect(verify({ signature: `v0=${good}` })).toMatchObject({ ok: false, problem: { code: 'signature.invalid' } });
    expect(verify({ signature: `v1=${bad}` })).toMatchObject({ ok: false, problem: { code: 'signature.invalid' } });
  });

  it('length-safe: short, long, non-hex and bare signatures are invalid, not thrown', () => {
    const good = signPayload(SECRET, TS, BODY);
    for (const sig of [`v1=${good.slice(0, 10)}`, `v1=${good}00`, `v1=${'z'.repeat(64)}`, good, 'v1=', '=,=,,', `V1=${good}`]) {
      expect(verify({ signature: sig }), sig).toMatchObject({ ok: false, problem: { code: 'signature.invalid' } });
    }
    expect(verify({ signature: `v1=${good.toUpperCase()}` })).toEqual({ ok: true });
  });

  it('no usable secret never verifies (an empty secret is not a secret)', () => {
    expect(verify({ secrets: [] })).toMatchObject({ ok: false, problem: { code: 'signature.invalid' } });
    const emptySigned = signatureHeader('', TS, BODY);
    expect(verify({ secrets: [''], signature: emptySigned })).toMatchObject({ ok: false, problem: { code: 'signature.invalid' } });
  });

  it('checks staleness before the signature (a replayed old body is stale, not merely invalid)', () => {
    const old = String(Number(TS) - 3600);
    expect(verify({ timestamp: old, signature: signatureHeader(SECRET, old, BODY) })).toMatchObject({ ok: false, problem: { code: 'signature.stale' } });
  });
});

describe('properties', () => {
  const secretArb = fc.string({ minLength: 1, maxLength: 64 });
  const bodyArb = fc.string({ maxLength: 2000, unit: 'grapheme' });

  it('sign → verify round-trips for any secret and body', () => {
    fc.assert(
      fc.property(secretArb, bodyArb, fc.integer({ min: -300, max: 300 }), (secret, body, skew) => {
        const ts = String(Number(TS) + skew);
        expect(verifySignature({ secrets: [secret], timestamp: ts, signature: signatureHeader(secret, ts, body), body, now: NOW })).toEqual({ ok: true });
      }),
    );
  });

  it('flipping any bit of the body breaks the signature', () => {
    fc.assert(
      fc.property(secretArb, fc.string({ minLength: 1, maxLength: 500, unit: 'binary-ascii' }), fc.nat(), fc.integer({ min: 0, max: 6 }), (secret, body, at, bit) => {
        const i = at % body.length;
        const flipped = body.slice(0, i) + String.fromCharCode(body.charCodeAt(i) ^ (1 << bit)) + body.slice(i + 1);
        const r = verifySignature({ secrets: [secret], timestamp: TS, signature: signatureHeader(secret, TS, body), body: flipped, now: NOW });
        expect(r).toMatchObject({ ok: false, problem: { code: 'signature.invalid' } });
      }),
    );
  });

  it('never throws on arbitrary header values', () => {
    fc.assert(
      fc.property(fc.option(fc.string()), fc.option(fc.string()), fc.array(fc.string()), (timestamp, signature, secrets) => {
        const r = verifySignature({ secrets, timestamp: timestamp ?? undefined, signature: signature ?? undefined, body: BODY, now: NOW });
        expect(r.ok === true || /^signature\.(missing|stale|invalid)$/.test(r.problem.code)).toBe(true);
      }),
    );
  });
});
