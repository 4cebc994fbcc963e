/**
 * The webhook use case (SPEC §1.2, §3; issue 5): one signed request from a channel → events
 * stored on their phones' profiles, with a verdict per event.
 *
 * Order of checks, each answering before anything is stored:
 *   1. the channel must be known: a registered config with `kind: "channel"`, or a key of its
 *      own in the webhook secrets (then a default config is used, see DEFAULT_CHANNEL_CONFIG) → 404;
 *   2. the signature (`x-phonekey-timestamp`, `x-phonekey-signature`) under the channel's secret —
 *      its own key, else `default`, in the current and the previous secret version → 401;
 *   3. the body: one event or an array (≤ 1 MiB, ≤ 500 events) → 400 with the position / 413.
 * Then per event: map (config paths) → clean the phone → validate against the taxonomy → id
 * (the channel's event id, else a hash of channel + event) → store. Verdicts: `accepted`,
 * `redelivered` (that id is already stored: nothing changes), `rejected` with `{code, message}`.
 * Status 202 when at least one event was accepted or redelivered, 400 when all were rejected.
 */
import { idTooLong } from '../core/id-limits.ts';
import { cleanIdentity, describesSomeone } from '../core/clean/index.ts';
import { eventIdFor, parseWebhookBody, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../core/events/index.ts';
import { eventWrite, validateMapped } from './event-write.ts';
import { mapRow } from '../core/ingest/map-row.ts';
import { parseSourceConfig, type SourceConfig } from '../core/ingest/source-config.ts';
import type { Problem } from '../core/model.ts';
import { suppressedProblem } from '../core/privacy/suppression.ts';
import type { EventWrite, ProfileStore } from '../ports/profile-store.ts';
import { storeEvents } from './identity/arrive.ts';
import type { StandingPolicy } from '../core/identity/index.ts';

/** The key of the webhook secrets used by channels that have no key of their own. */
export const DEFAULT_SECRET_KEY = 'default';

/**
 * A DynamoDB item is at most 400 KB; an event whose mapped attributes and identity are bigger
 * than this is rejected (`event.too_large`) instead of failing the whole request.
 */
export const MAX_EVENT_BYTES = 300 * 1024;

/**
 * The config of a channel that has a secret of its own but no registered config: phone at
 * `phone`, native event name at `event` (kept as `unmapped:<event>`), id at `event_id`, time at
 * `timestamp`, and whatever is under `properties` kept as one attribute.
 */
export function defaultChannelConfig(channel: string): SourceConfig {
  return parseSourceConfig({
    name: channel,
    kind: 'channel',
    fields: { phone: 'phone' },
    events: { eventId: 'event_id', eventName: 'event', timestamp: 'timestamp', attributes: { properties: 'properties' } },
  });
}

export interface ReceiveDeps {
  store: ProfileStore;
  /**
   * The webhook secrets' values (JSON text), current first, then the previous one if any; cached
   * by the caller. `refresh`: the cached values matched no signature (the secret may have been
   * rotated since they were read) — read them again if the cache allows.
   */
  secretValues(refresh?: boolean): Promise<string[]>;
  /** The registered config of a source/channel (default: `store.getSourceConfig`). */
  channelConfig?(channel: string): Promise<unknown | undefined>;
  /** The standing policy of the match rules in force (default: the shipped rules'). */
  standing?(): Promise<StandingPolicy>;
  /** Milliseconds since the epoch (default: Date.now). */
  now?(): number;
  /** `debug` lines are per-request detail (a log line per delivery at INFO costs more than it tells). */
  log?(message: string, detail?: Record<string, unknown>, level?: 'info' | 'debug'): void;
}

export type EventVerdict =
  | { index: number; status: 'accepted' | 'redelivered'; eventId: string; tag: string }
  | { index: number; status: 'rejected'; eventId?: string; code: string; message: string };

export interface ReceiveSummary {
  channel: string;
  accepted: number;
  redelivered: number;
  rejected: number;
  /** Accepted events whose native name has no mapping (kept as `unmapped:<name>`). */
  unmapped: number;
  results: EventVerdict[];
}

export type ReceiveResult =
  | { status: 202 | 400; body: ReceiveSummary }
  | { status: 400 | 401 | 404 | 413; body: { error: string; message: string; position?: { line: number; column: number; offset: number } } };

const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  if (headers[name] !== undefined) return headers[name];
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Each secret version's value → that channel's secret (its own key, else `default`). */
function channelSecrets(values: string[], channel: string): { secrets: string[]; own: boolean } {
  const secrets: string[] = [];
  let own = false;
  values.forEach((value, i) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    // A plain (non-JSON) value is the secret of every channel, as `default` would be.
    const map: Record<string, unknown> = isRecord(parsed) ? parsed : { [DEFAULT_SECRET_KEY]: value };
    const mine = Object.hasOwn(map, channel) && channel !== DEFAULT_SECRET_KEY ? map[channel] : undefined;
    if (typeof mine === 'string' && mine) {
      secrets.push(mine);
      if (i === 0) own = true;
    } else if (!own && typeof map[DEFAULT_SECRET_KEY] === 'string' && map[DEFAULT_SECRET_KEY]) {
      // `default` signs only for a channel without a key of its own: once the current version
      // gives it one, the previous version's default no longer signs for it (issue 8).
      secrets.push(map[DEFAULT_SECRET_KEY] as string);
    }
  });
  return { secrets: [...new Set(secrets)], own };
}

const parsedConfigs = new WeakMap<object, SourceConfig>();

/** The registered config as a channel config, or why it is not one. */
function asChannelConfig(stored: unknown): SourceConfig | undefined {
  if (!isRecord(stored)) return undefined;
  let config = parsedConfigs.get(stored);
  if (!config) {
    try {
      config = parseSourceConfig(stored);
    } catch {
      return undefined;
    }
    parsedConfigs.set(stored, config);
  }
  return config.kind === 'channel' ? config : undefined;
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

export async function receiveEvents(
  channel: string,
  headers: Record<string, string | undefined>,
  body: string,
  deps: ReceiveDeps,
): Promise<ReceiveResult> {
  const now = deps.now?.() ?? Date.now();
  const unknown = (message: string): ReceiveResult => ({ status: 404, body: { error: 'channel.unknown', message } });
  if (!CHANNEL_NAME.test(channel)) return unknown(`${JSON.stringify(channel)} is not a channel name`);

  const [stored, cachedValues] = await Promise.all([
    deps.channelConfig ? deps.channelConfig(channel) : deps.store.getSourceConfig(channel),
    deps.secretValues(),
  ]);
  let values = cachedValues;
  let { secrets, own } = channelSecrets(values, channel);
  let config = asChannelConfig(stored);
  if (!config && !own) {
    // A key given to the channel since the values were cached makes it known at once.
    values = await deps.secretValues(true);
    ({ secrets, own } = channelSecrets(values, channel));
  }
  if (!config) {
    if (!own) {
      return unknown(
        stored === undefined
          ? `no channel named ${channel}: register its config (kind "channel") with \`phonekey source put\``
          : `${channel} is not registered as a channel (its config needs "kind": "channel")`,
      );
    }
    config = defaultChannelConfig(channel);
  }

  const signed = { timestamp: header(headers, TIMESTAMP_HEADER), signature: header(headers, SIGNATURE_HEADER), body, now };
  let verdict = verifySignature({ secrets, ...signed });
  if (!verdict.ok && verdict.problem.code === 'signature.invalid') {
    // Cached secrets may predate a rotation: a channel already signing with the new secret must
    // not be refused until the cache expires. Verify once more against freshly read values.
    const fresh = await deps.secretValues(true);
    if (fresh.length !== values.length || fresh.some((v, i) => v !== values[i])) verdict = verifySignature({ secrets: channelSecrets(fresh, channel).secrets, ...signed });
  }
  if (!verdict.ok) {
    deps.log?.('webhook signature refused', { channel, code: verdict.problem.code });
    return { status: 401, body: { error: verdict.problem.code, message: verdict.problem.message } };
  }

  const parsed = parseWebhookBody(body);
  if (!parsed.ok) {
    return { status: parsed.status, body: { error: parsed.problem.code, message: parsed.problem.message, ...(parsed.position ? { position: parsed.position } : {}) } };
  }

  const results: EventVerdict[] = new Array(parsed.events.length);
  const writes: EventWrite[] = [];
  const writeIndex: number[] = [];
  const reject = (index: number, problem: Problem, eventId?: string) => {
    results[index] = { index, status: 'rejected', ...(eventId ? { eventId } : {}), code: problem.code, message: problem.message };
  };

  parsed.events.forEach((raw, index) => {
    if (!isRecord(raw)) {
      reject(index, { code: 'event.malformed', message: `event ${index} must be a JSON object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}` });
      return;
    }
    const mapped = mapRow(raw, config, { fileName: channel, rowNumber: index + 1 });
    if ('problem' in mapped) return reject(index, mapped.problem);
    if (!mapped.event) {
      return reject(index, { code: 'event.not_configured', message: `the config of ${channel} has no "events" section: nothing says what this event is` });
    }
    const eventId = eventIdFor(channel, raw, mapped.event.eventId);
    const longId = idTooLong(eventId, 'event');
    if (longId) return reject(index, longId);
    const cleaned = cleanIdentity(mapped.identity, {
      source: channel,
      recordId: eventId,
      defaultCountry: config.defaultCountry as never,
      defaultAreaCode: config.defaultAreaCode,
      dateOrder: config.dateOrder,
    });
    // Without a usable number an event still finds its person by a member id, an openid, an e-mail…
    if (!cleaned.record.phones.length && !describesSomeone(cleaned.record)) {
      const problem = cleaned.problems.find((p) => p.field === 'phone' || p.field === 'phones');
      return reject(index, problem ? { code: problem.code, message: problem.message } : { code: 'phone.missing', message: 'the event has no phone number' }, eventId);
    }
    const valid = validateMapped(mapped.event, config.timezone);
    if (!valid.ok) return reject(index, valid.problem, eventId);
    const write = eventWrite(channel, eventId, cleaned.record, valid.event, mapped.event.nativeName);
    const size = jsonBytes(write);
    if (size > MAX_EVENT_BYTES) {
      return reject(index, { code: 'event.too_large', message: `the mapped event is ${size} bytes; the limit per event is ${MAX_EVENT_BYTES}` }, eventId);
    }
    writes.push(write);
    writeIndex.push(index);
  });

  // Erased people stay erased (docs/security.md): checked inside the store's own read of the
  // request's events (writeEventsUnlessSuppressed), not in a read of its own.
  const summary: ReceiveSummary = { channel, accepted: 0, redelivered: 0, rejected: 0, unmapped: 0, results };
  const outcomes = !writes.length ? [] : await storeEvents(deps.store, writes, { unlessSuppressed: true, policy: await deps.standing?.() });
  outcomes.forEach((outcome, k) => {
    const index = writeIndex[k]!;
    const w = writes[k]!;
    if (outcome.kind === 'suppressed') return reject(index, suppressedProblem(), w.eventId);
    results[index] = { index, status: outcome.kind === 'stored' ? 'accepted' : 'redelivered', eventId: w.eventId, tag: w.tag };
    if (outcome.kind === 'stored' && w.unmapped) summary.unmapped++;
  });
  for (const r of results) summary[r.status]++;
  deps.log?.('webhook received', { channel, accepted: summary.accepted, redelivered: summary.redelivered, rejected: summary.rejected }, 'debug');
  return { status: summary.accepted + summary.redelivered > 0 ? 202 : 400, body: summary };
}
