/**
 * Webhook bodies: size and count limits, JSON with error positions, and event ids.
 *
 * Decisions:
 *   - A body is one JSON object (one event) or a JSON array (a batch). Limits: 1 MiB
 *     (`DEFAULT_MAX_BYTES`, UTF-8 bytes, checked before parsing) and 500 events
 *     (`DEFAULT_MAX_EVENTS`); over either → 413. A leading UTF-8 BOM is ignored.
 *   - Nesting deeper than 32 levels inside one event (`DEFAULT_MAX_DEPTH`, DynamoDB's document
 *     limit; it also keeps recursive code downstream safe) → 400 `body.too_deep`.
 *   - Malformed JSON → 400 `body.malformed`, message naming line and column; an empty body →
 *     400 `body.empty`; an empty array → 400 `body.no_events`; a top-level value that is
 *     neither an object nor an array → 400 `body.not_event`.
 *   - Inside an array, an element that is not an object (a number, null, a nested array) is
 *     returned as it is, in place: it becomes a per-event rejection when that event is mapped /
 *     validated (validateEvent answers `event.malformed`), so the good events beside it are kept.
 */
import { createHash } from 'node:crypto';
import type { Problem } from '../model.ts';
import { parseJson, type JsonPosition } from './json.ts';

export const DEFAULT_MAX_EVENTS = 500;
export const DEFAULT_MAX_BYTES = 1024 * 1024;
/** Deepest nesting allowed inside one event (the event object itself is level 1); DynamoDB's own limit is 32. */
export const DEFAULT_MAX_DEPTH = 32;

export interface WebhookBodyOptions {
  maxEvents?: number;
  maxBytes?: number;
  maxDepth?: number;
}

/** Deepest bracket nesting of valid JSON text (strings skipped). */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

export type WebhookBodyResult =
  | { ok: true; events: unknown[] }
  | { ok: false; status: 400 | 413; problem: Problem; position?: JsonPosition };

function limit(v: number | undefined, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;
}

/** Parse a webhook body into its events. Never throws. */
export function parseWebhookBody(body: string, opts: WebhookBodyOptions = {}): WebhookBodyResult {
  const maxBytes = limit(opts.maxBytes, DEFAULT_MAX_BYTES);
  const maxEvents = limit(opts.maxEvents, DEFAULT_MAX_EVENTS);
  const maxDepth = limit(opts.maxDepth, DEFAULT_MAX_DEPTH);
  if (typeof body !== 'string') {
    return { ok: false, status: 400, problem: { code: 'body.empty', message: 'request body is missing' } };
  }
  // Cheap upper bound first (≤ 3 bytes per UTF-16 unit), exact count only when it could matter.
  if (body.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > maxBytes) {
      return {
        ok: false,
        status: 413,
        problem: { code: 'body.too_large', message: `body is ${bytes} bytes; the limit is ${maxBytes}` },
      };
    }
  }
  if (body.replace(/^\uFEFF/, '').trim() === '') {
    return { ok: false, status: 400, problem: { code: 'body.empty', message: 'request body is empty' } };
  }
  const parsed = parseJson(body);
  if (!parsed.ok) {
    return { ok: false, status: 400, problem: { code: 'body.malformed', message: parsed.message }, position: parsed.position };
  }
  const value = parsed.value;
  const depth = nestingDepth(body) - (Array.isArray(value) ? 1 : 0);
  if (depth > maxDepth) {
    return {
      ok: false,
      status: 400,
      problem: { code: 'body.too_deep', message: `an event is nested ${depth} levels deep; the limit is ${maxDepth}` },
    };
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return { ok: false, status: 400, problem: { code: 'body.no_events', message: 'the array holds no events' } };
    }
    if (value.length > maxEvents) {
      return {
        ok: false,
        status: 413,
        problem: { code: 'body.too_many_events', message: `${value.length} events in one body; the limit is ${maxEvents}` },
      };
    }
    return { ok: true, events: value };
  }
  if (typeof value === 'object' && value !== null) return { ok: true, events: [value] };
  return {
    ok: false,
    status: 400,
    problem: { code: 'body.not_event', message: `body must be a JSON object (one event) or an array of events, got ${value === null ? 'null' : typeof value}` },
  };
}

/**
 * Canonical JSON: object keys sorted (by UTF-16 code units), no whitespace, arrays in order,
 * `undefined` members skipped, numbers as JSON.stringify writes them (so 1.0 and 1 agree).
 */
export function canonicalJson(value: unknown): string {
  const seen = new Set<object>();
  const walk = (v: unknown): string | undefined => {
    if (v === null) return 'null';
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return JSON.stringify(v);
      case 'number':
        return Number.isFinite(v) ? JSON.stringify(v) : 'null';
      case 'bigint':
        return v.toString();
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined;
    }
    const obj = v as object;
    if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') return walk((obj as { toJSON: () => unknown }).toJSON());
    if (seen.has(obj)) throw new TypeError('canonicalJson: circular structure');
    seen.add(obj);
    let out: string;
    if (Array.isArray(obj)) {
      out = `[${obj.map((x) => walk(x) ?? 'null').join(',')}]`;
    } else {
      const rec = obj as Record<string, unknown>;
      const parts: string[] = [];
      for (const k of Object.keys(rec).sort()) {
        const s = walk(rec[k]);
        if (s !== undefined) parts.push(`${JSON.stringify(k)}:${s}`);
      }
      out = `{${parts.join(',')}}`;
    }
    seen.delete(obj);
    return out;
  };
  return walk(value) ?? 'null';
}

/**
 * The id that makes a redelivered event a no-op: `explicitId` when it is a non-empty string
 * (trimmed), else `h_` + the first 32 hex digits (128 bits) of SHA-256 over the channel and the
 * event's canonical JSON — the same for any key order, different per channel.
 */
export function eventIdFor(channel: string, event: unknown, explicitId?: string): string {
  if (typeof explicitId === 'string' && explicitId.trim() !== '') return explicitId.trim();
  const digest = createHash('sha256')
    .update(`${channel.length}:${channel}\n`, 'utf8')
    .update(canonicalJson(event), 'utf8')
    .digest('hex');
  return `h_${digest.slice(0, 32)}`;
}
