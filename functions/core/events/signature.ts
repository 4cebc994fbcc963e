/**
 * Webhook signatures (SPEC §1.2, issue 5).
 *
 * A channel signs each request with its secret:
 *   x-phonekey-timestamp: <unix seconds, decimal>
 *   x-phonekey-signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>
 * The body is the exact request body as UTF-8 text (decode API Gateway base64 bodies first).
 * During a secret rotation the receiver passes both the current and the previous secret; the
 * sender may send several comma-separated `v1=` values (one per secret it holds); one match of
 * any value against any secret is enough. Entries of other schemes (e.g. `v0=`) are ignored.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Problem } from '../model.ts';

export const TIMESTAMP_HEADER = 'x-phonekey-timestamp';
export const SIGNATURE_HEADER = 'x-phonekey-signature';
export const SIGNATURE_SCHEME = 'v1';
export const DEFAULT_TOLERANCE_SECONDS = 300;
/** At most this many `v1=` values are looked at; more are ignored (bounds the work per request). */
export const MAX_SIGNATURES = 8;

/** Hex HMAC-SHA256 of `timestamp + "." + body` under `secret`. */
export function signPayload(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The full signature header value for one or more secrets: `v1=<hex>[,v1=<hex>…]`. */
export function signatureHeader(secrets: string | string[], timestamp: string, body: string): string {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  return list.map((s) => `${SIGNATURE_SCHEME}=${signPayload(s, timestamp, body)}`).join(',');
}

/** Headers a sender attaches; `nowMs` defaults to the clock. */
export function signedHeaders(secret: string, body: string, nowMs: number = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signatureHeader(secret, timestamp, body) };
}

export interface VerifyInput {
  /** Current secret first, then the previous one while a rotation's grace period lasts. */
  secrets: string[];
  /** Value of x-phonekey-timestamp (unix seconds). */
  timestamp?: string | undefined;
  /** Value of x-phonekey-signature. */
  signature?: string | undefined;
  /** Raw request body. */
  body: string;
  /** Current time in milliseconds since the epoch (Date.now()). */
  now: number;
  /** Allowed clock difference in seconds, either way. Default 300. */
  toleranceSeconds?: number | undefined;
}

export type VerifyResult = { ok: true } | { ok: false; problem: Problem };

const HEX64 = /^[0-9a-fA-F]{64}$/;

/**
 * Check a request's signature. Codes: `signature.missing` (no timestamp or signature header),
 * `signature.stale` (timestamp not a whole number of seconds, or further than the tolerance from
 * now, in the past or the future), `signature.invalid` (no value matches any secret). Never throws.
 */
export function verifySignature(input: VerifyInput): VerifyResult {
  const { timestamp, signature, body, now } = input;
  if (timestamp === undefined || timestamp === null || String(timestamp).trim() === '') {
    return { ok: false, problem: { code: 'signature.missing', message: `missing ${TIMESTAMP_HEADER} header` } };
  }
  if (signature === undefined || signature === null || String(signature).trim() === '') {
    return { ok: false, problem: { code: 'signature.missing', message: `missing ${SIGNATURE_HEADER} header` } };
  }
  const ts = String(timestamp).trim();
  if (!/^\d{1,15}$/.test(ts)) {
    return { ok: false, problem: { code: 'signature.stale', message: `${TIMESTAMP_HEADER} is not a unix time in seconds` } };
  }
  const tolerance =
    typeof input.toleranceSeconds === 'number' && Number.isFinite(input.toleranceSeconds) && input.toleranceSeconds >= 0
      ? input.toleranceSeconds
      : DEFAULT_TOLERANCE_SECONDS;
  const skew = Math.abs(now / 1000 - Number(ts));
  if (!(skew <= tolerance)) {
    return {
      ok: false,
      problem: { code: 'signature.stale', message: `timestamp is ${Math.round(skew)} s away from now (tolerance ${tolerance} s)` },
    };
  }

  const candidates: Buffer[] = [];
  for (const part of String(signature).split(',')) {
    const p = part.trim();
    const eq = p.indexOf('=');
    if (eq < 0 || p.slice(0, eq).trim() !== SIGNATURE_SCHEME) continue;
    const hex = p.slice(eq + 1).trim();
    if (!HEX64.test(hex)) continue;
    candidates.push(Buffer.from(hex, 'hex'));
    if (candidates.length >= MAX_SIGNATURES) break;
  }
  if (candidates.length === 0) {
    return { ok: false, problem: { code: 'signature.invalid', message: `${SIGNATURE_HEADER} holds no ${SIGNATURE_SCHEME}=<64 hex> value` } };
  }
  const usable = (input.secrets ?? []).filter((s) => typeof s === 'string' && s.length > 0);
  let matched = false;
  for (const secret of usable) {
    const expected = Buffer.from(signPayload(secret, ts, body), 'hex');
    for (const c of candidates) {
      // Both are 32 bytes (HEX64 above), so timingSafeEqual cannot throw on length.
      if (c.length === expected.length && timingSafeEqual(c, expected)) matched = true;
    }
  }
  if (!matched) {
    return {
      ok: false,
      problem: {
        code: 'signature.invalid',
        message: usable.length === 0 ? 'no signing secret is configured for this channel' : 'signature does not match',
      },
    };
  }
  return { ok: true };
}
