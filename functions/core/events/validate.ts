/**
 * Validate and normalize one mapped event against the taxonomy (SPEC §3: an event that violates
 * its tag's schema is rejected with the reason, never silently dropped).
 *
 * Input is what the channel mapping (functions/core/ingest/) produces. Output attributes:
 *   - declared attributes first, in taxonomy order, coerced (see attribute.ts): numeric strings →
 *     numbers, booleans from common words, date-times → ISO 8601 UTC, money → 2-place decimal
 *     string `x` plus integer cents `x_cents` right after it (see money.ts);
 *   - absent optional attributes are omitted, or set to their `default` (e.g. currency "CNY");
 *   - attributes the tag does not declare are passed through unchanged, after the declared ones
 *     (channels send extra context; it is kept, not dropped).
 *   - `x_cents` for a money attribute `x` is derived; if the input carries it, it must agree with
 *     `x` (so validating an already-validated event returns it unchanged).
 * `unmapped:<native name>` tags are accepted as they are, attributes passed through, and flagged
 * `unmapped: true` so callers can count them.
 *
 * Problem codes: `event.malformed` (not an object, tag not a string, attributes not an object),
 * `event.unknown_tag`, `event.missing_attribute`, `event.bad_attribute`, `event.bad_occurred_at`.
 * When several attributes are wrong, `problem` carries the first one's code and a message listing
 * them all; `problems` lists each.
 */
import type { Problem } from '../model.ts';
import { coerceAttribute, isAbsent } from './attribute.ts';
import { offsetText, parseDateTime, parseUtcOffset } from './datetime.ts';
import { centsKey } from './money.ts';
import { defaultTaxonomy, type Taxonomy } from './taxonomy.ts';

export const UNMAPPED_PREFIX = 'unmapped:';

export interface EventInput {
  tag: string;
  attributes: Record<string, unknown>;
  occurredAt?: string;
}

export interface ValidEvent {
  tag: string;
  attributes: Record<string, unknown>;
  /** ISO 8601 UTC, when the input had one. */
  occurredAt?: string;
  /** The UTC offset it was written at (or its source's zone was at then), "+08:00": how the source's clock read it. */
  utcOffset?: string;
  /** True for `unmapped:<name>` tags. */
  unmapped: boolean;
}

export type ValidateResult =
  | { ok: true; event: ValidEvent }
  | { ok: false; problem: Problem; problems: Problem[] };

/** True for `unmapped:<name>` with a non-empty name. */
export function isUnmappedTag(tag: string): boolean {
  return tag.startsWith(UNMAPPED_PREFIX) && tag.trim().length > UNMAPPED_PREFIX.length;
}

/** The tag under which an unmapped native event name is kept. */
export function unmappedTag(nativeName: string): string {
  return `${UNMAPPED_PREFIX}${nativeName}`;
}

function show(value: unknown): string {
  let s: string;
  try {
    s = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    s = String(value);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(problems: Problem[]): ValidateResult {
  const first = problems[0]!;
  const problem =
    problems.length === 1 ? first : { code: first.code, message: problems.map((p) => p.message).join('; ') };
  return { ok: false, problem, problems };
}

const offsetCache = new WeakMap<Taxonomy, number>();
/** Minutes east of UTC of times written without an offset, where no source says otherwise. */
export function taxonomyOffset(taxonomy: Taxonomy): number {
  let o = offsetCache.get(taxonomy);
  if (o === undefined) {
    o = parseUtcOffset(taxonomy.defaultUtcOffset) ?? 480;
    offsetCache.set(taxonomy, o);
  }
  return o;
}

/** Validate one mapped event (`timeZone`: the source's IANA zone, else the taxonomy's offset). Never throws, whatever `ev` is. */
export function validateEvent(ev: EventInput, taxonomy: Taxonomy = defaultTaxonomy, opts: { timeZone?: string } = {}): ValidateResult {
  const input: unknown = ev;
  if (!isRecord(input)) return fail([{ code: 'event.malformed', message: `event must be an object, got ${show(input)}` }]);
  const tag = input['tag'];
  if (typeof tag !== 'string' || tag.trim() === '') {
    return fail([{ code: 'event.malformed', message: `event tag must be a non-empty string, got ${show(tag)}` }]);
  }
  const rawAttrs = input['attributes'];
  if (rawAttrs !== undefined && rawAttrs !== null && !isRecord(rawAttrs)) {
    return fail([{ code: 'event.malformed', message: `${tag}: attributes must be an object, got ${show(rawAttrs)}` }]);
  }
  const attrs: Record<string, unknown> = rawAttrs ?? {};
  const zone = opts.timeZone ?? taxonomyOffset(taxonomy);

  const problems: Problem[] = [];
  let occurredAt: string | undefined;
  let utcOffset: string | undefined;
  const rawTime = input['occurredAt'];
  if (!isAbsent(rawTime)) {
    const t = parseDateTime(rawTime, zone);
    if (t.ok) (occurredAt = t.iso), (utcOffset = offsetText(t.offsetMinutes));
    else problems.push({ code: 'event.bad_occurred_at', message: `${tag}: occurredAt ${show(rawTime)}: ${t.reason}` });
  }

  if (tag.startsWith(UNMAPPED_PREFIX)) {
    if (!isUnmappedTag(tag)) problems.push({ code: 'event.unknown_tag', message: `"${tag}" has no native event name after ${UNMAPPED_PREFIX}` });
    if (problems.length) return fail(problems);
    const event: ValidEvent = { tag, attributes: Object.fromEntries(Object.entries(attrs)), unmapped: true };
    if (occurredAt !== undefined) Object.assign(event, { occurredAt, utcOffset });
    return { ok: true, event };
  }

  if (!Object.hasOwn(taxonomy.tags, tag)) {
    return fail([{ code: 'event.unknown_tag', message: `unknown tag ${show(tag)}: not in the taxonomy and not ${UNMAPPED_PREFIX}<name>` }, ...problems]);
  }
  const def = taxonomy.tags[tag]!;

  const out: [string, unknown][] = [];
  const derived = new Set<string>();
  for (const [name, rule] of Object.entries(def.attributes)) {
    const has = Object.hasOwn(attrs, name);
    let value = has ? attrs[name] : undefined;
    if (isAbsent(value)) {
      if (rule.required) {
        problems.push({ code: 'event.missing_attribute', message: `${tag}: missing required attribute "${name}"` });
        continue;
      }
      if (rule.default === undefined) {
        if (rule.type === 'money' && Object.hasOwn(attrs, centsKey(name)) && !isAbsent(attrs[centsKey(name)])) {
          problems.push({ code: 'event.bad_attribute', message: `${tag}: attribute "${centsKey(name)}" = ${show(attrs[centsKey(name)])}: derived from "${name}", which is absent; send "${name}"` });
        }
        if (rule.type === 'money') derived.add(centsKey(name));
        continue;
      }
      value = rule.default;
    }
    const r = coerceAttribute(rule, value, { zone });
    if (!r.ok) {
      problems.push({ code: 'event.bad_attribute', message: `${tag}: attribute "${name}" = ${show(value)}: ${r.reason}` });
      continue;
    }
    out.push([name, r.value]);
    if (rule.type === 'money' && r.cents !== undefined) {
      const key = centsKey(name);
      derived.add(key);
      const sent = attrs[key];
      if (Object.hasOwn(attrs, key) && !isAbsent(sent) && sent !== r.cents) {
        problems.push({ code: 'event.bad_attribute', message: `${tag}: attribute "${key}" = ${show(sent)}: disagrees with "${name}" (${r.value} = ${r.cents} cents)` });
        continue;
      }
      out.push([key, r.cents]);
    }
  }
  if (problems.length) return fail(problems);

  for (const [name, value] of Object.entries(attrs)) {
    if (Object.hasOwn(def.attributes, name) || derived.has(name)) continue;
    out.push([name, value]);
  }
  const event: ValidEvent = { tag, attributes: Object.fromEntries(out), unmapped: false };
  if (occurredAt !== undefined) Object.assign(event, { occurredAt, utcOffset });
  return { ok: true, event };
}
