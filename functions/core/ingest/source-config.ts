/**
 * The config of one source (files dropped at `incoming/<source>/…`) or channel (webhooks at
 * `POST /webhooks/<channel>`): one schema for both (SPEC §3). Documented with an example per case
 * in ./README.md and examples/sources/*.json.
 *
 * A "path" is a column name (exactly as in the header) or a JSON path into a JSON/NDJSON record or
 * webhook body: `buyer.mobile`, `order.items[0].category`, `items[-1].sku` (last element),
 * `["odd.key"]`; a leading `$.` is allowed. A key that exists as written wins over the path
 * reading, so a column literally called `No.` or `a.b` still works.
 */
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import { issuePath, parseRulesDoc } from '../rules-doc.ts';

/** `areaCode`: the area code the row's local numbers are dialled in (a store's 022, a US 312). */
export const CANONICAL_FIELDS = ['phone', 'phones', 'name', 'email', 'gender', 'birthDate', 'address', 'province', 'city', 'postcode', 'areaCode', 'memberId', 'observedAt'] as const;
export type CanonicalField = (typeof CANONICAL_FIELDS)[number];

const PATH_MESSAGE = 'expected a column name or JSON path';

// Any non-empty text is a valid column name, so paths are checked only for being non-empty text.
const Path = z.string({ error: PATH_MESSAGE }).trim().min(1, { error: PATH_MESSAGE });

/** Several columns read as one value: given and family name, a birth date over year, month and day. */
const Join = z.strictObject(
  {
    join: z.array(Path, { error: 'expected a list of column names or JSON paths' }).min(2, { error: 'expected at least two columns to join' }),
    /** Between the non-empty parts; default one space. */
    separator: z.string({ error: 'expected a text such as " " or "-"' }).max(8).default(' '),
  },
  { error: `${PATH_MESSAGE}, a list of them, or { "join": [columns], "separator": " " }` },
);
export type JoinSpec = z.output<typeof Join>;

const PathOrPaths = z.union([Path, z.array(Path).min(1, { error: 'expected at least one column name or JSON path' }), Join], {
  error: `${PATH_MESSAGE}, a list of them, or { "join": [columns], "separator": " " }`,
});

const SNAKE = /^[a-z][a-z0-9_]*$/;
const Tag = z.string({ error: 'expected a tag name' }).regex(SNAKE, { error: 'expected a snake_case tag such as "purchase"' });
const AttrName = z.string().regex(SNAKE, { error: 'attribute names are snake_case, such as "order_id"' });
const Attributes = z.record(AttrName, Path, { error: 'expected an object of attribute name → column name or JSON path' });

const ENCODING_ALIASES: Record<string, string> = {
  'utf-8': 'utf8',
  utf8: 'utf8',
  'utf-8-bom': 'utf8',
  gb18030: 'gb18030',
  gbk: 'gbk',
  gb2312: 'gb18030',
  cp936: 'gbk',
  'utf-16le': 'utf16le',
  utf16le: 'utf16le',
  'utf-16': 'utf16le',
  utf16: 'utf16le',
  'utf-16be': 'utf16be',
  utf16be: 'utf16be',
};
const DELIMITER_ALIASES: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|' };

const FieldsSchema = z.strictObject(
  Object.fromEntries(CANONICAL_FIELDS.map((f) => [f, PathOrPaths.optional()])) as Record<CanonicalField, z.ZodOptional<typeof PathOrPaths>>,
  { error: 'expected an object of canonical field → column name or JSON path' },
);

const EventMapping = z.strictObject(
  { tag: Tag, attributes: Attributes.optional() },
  { error: 'expected { "tag": "<standard tag>", "attributes": { … } }' },
);

const EventsSchema = z
  .strictObject(
    {
      /** Path of the event's own id (idempotency key); see README for the fallback. */
      eventId: Path.optional(),
      /** Path of the native event name, looked up in `mapping`. */
      eventName: Path.optional(),
      /** Path of when the event happened. */
      timestamp: Path.optional(),
      /** Fixed tag: every row/event is this (e.g. "purchase" for a POS sheet). */
      tag: Tag.optional(),
      /** Native event name → standard tag and its attribute paths. */
      mapping: z.record(z.string().trim().min(1, { error: 'native event names cannot be empty' }), EventMapping).optional(),
      /** Attribute paths for the fixed tag; for mapped events, defaults under the mapping's own. */
      attributes: Attributes.optional(),
    },
    { error: 'expected an object with tag, eventName, mapping, attributes, eventId or timestamp' },
  )
  .superRefine(
    (e, ctx) => {
      if (!e || typeof e !== 'object') return;
      if (!e.tag && !e.eventName) {
        ctx.addIssue({
          code: 'custom',
          message: 'set "tag" (every row is that event) or "eventName" (where the native event name is), or both',
        });
      }
      if (e.mapping && !e.eventName) {
        ctx.addIssue({ code: 'custom', path: ['mapping'], message: 'a mapping needs "eventName": the path of the native event name' });
      }
    },
    // Run even when a field inside has its own problem, so that every problem is listed at once.
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

const ConsentChannel = z.string().regex(/^[a-z][a-z0-9_]*$/, { error: 'consent channels are snake_case, such as "sms", "email", "wechat"' });
const ConsentSpec = z.union(
  [Path, z.strictObject({ value: Path, at: Path.optional() }, { error: 'expected { "value": "<path>", "at": "<path>" }' })],
  { error: 'expected a column name or JSON path, or { "value": "<path>", "at": "<path>" }' },
);

export const SourceConfigSchema = z.strictObject(
  {
    /** The source or channel name, as in `incoming/<name>/` and `/webhooks/<name>`. */
    name: z
      .string({ error: 'expected a name' })
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, {
        error: 'expected a slug: letters, digits, "-" and "_", starting with a letter or digit, at most 64 characters',
      }),
    kind: z.enum(['file', 'channel'], { error: 'expected "file" or "channel"' }).optional(),
    description: z.string().optional(),
    /** Country for numbers written without a country code (ISO 3166-1 alpha-2). */
    defaultCountry: z
      .string({ error: 'expected a two-letter country code such as "CN"' })
      .trim()
      .toUpperCase()
      .refine((c) => /^[A-Z]{2}$/.test(c) && isSupportedCountry(c), { error: 'expected a two-letter country code such as "CN"' })
      .default('CN'),
    /** Area code for landline numbers written without one, e.g. "021" or "21". */
    defaultAreaCode: z.string({ error: 'expected an area code such as "021"' }).trim().regex(/^0?\d{1,4}$/, { error: 'expected an area code such as "021"' }).optional(),
    /** How to read ambiguous dates like 03/04/2021. */
    dateOrder: z.enum(['YMD', 'DMY', 'MDY'], { error: 'expected "YMD", "DMY" or "MDY"' }).optional(),
    /** IANA time zone for times written without an offset (e.g. "Asia/Shanghai"). */
    timezone: z
      .string()
      .refine(
        (tz) => {
          try {
            new Intl.DateTimeFormat('en', { timeZone: tz });
            return true;
          } catch {
            return false;
          }
        },
        { error: 'expected an IANA time zone such as "Asia/Shanghai"' },
      )
      .optional(),
    encoding: z
      .preprocess(
        (v) => (typeof v === 'string' ? (ENCODING_ALIASES[v.trim().toLowerCase()] ?? v) : v),
        z.enum(['utf8', 'gb18030', 'gbk', 'utf16le', 'utf16be'], { error: 'expected one of utf8, gb18030, gbk, utf16le, utf16be' }),
      )
      .optional(),
    format: z
      .preprocess(
        (v) => (typeof v === 'string' ? ({ jsonl: 'ndjson' } as Record<string, string>)[v.trim().toLowerCase()] ?? v.trim().toLowerCase() : v),
        z.enum(['csv', 'tsv', 'xlsx', 'json', 'ndjson'], { error: 'expected one of csv, tsv, xlsx, json, ndjson' }),
      )
      .optional(),
    /** XLSX: the sheet to read (default: the first). */
    sheet: z.string().trim().min(1, { error: 'expected a sheet name' }).optional(),
    /** CSV: one character, or "tab", "comma", "semicolon", "pipe" (default: sniffed). */
    delimiter: z
      .preprocess(
        (v) => (typeof v === 'string' ? (DELIMITER_ALIASES[v.toLowerCase()] ?? v) : v),
        z.string().refine((d) => d.length === 1 && d !== '"' && d !== '\n' && d !== '\r', {
          error: 'expected one character (or "tab", "comma", "semicolon", "pipe")',
        }),
      )
      .optional(),
    /** Lines (CSV) or sheet rows (XLSX) above the header, e.g. a report title. */
    skipRows: z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(0).max(1000).optional(),
    /** Path of the record id; default `<file>#<row>`. */
    recordId: Path.optional(),
    fields: FieldsSchema.optional(),
    /** Extra identifiers: id name (openid, device_id, …) → path. */
    externalIds: z
      .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, { error: 'id names are letters, digits and "_", such as "openid"' }), Path, {
        error: 'expected an object of id name → column name or JSON path',
      })
      .optional(),
    /** Marketing consent per contact channel: channel → path of a yes/no value (or { value, at }). */
    consent: z.record(ConsentChannel, ConsentSpec, { error: 'expected an object of consent channel → column name or JSON path' }).optional(),
    events: EventsSchema.optional(),
  },
  { error: 'expected a JSON object' },
);

export type SourceConfig = z.output<typeof SourceConfigSchema>;
/** The config as written by people (defaults not yet applied). */
export type SourceConfigInput = z.input<typeof SourceConfigSchema>;
export type FieldsConfig = NonNullable<SourceConfig['fields']>;
export type EventsConfig = NonNullable<SourceConfig['events']>;

const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': Object.keys(SourceConfigSchema.shape),
  fields: CANONICAL_FIELDS,
  events: ['eventId', 'eventName', 'timestamp', 'tag', 'mapping', 'attributes'],
};

/** Unknown keys name the keys expected there; the rest say `path: message` (core/rules-doc.ts). */
function issueText(issue: z.core.$ZodIssue, root: unknown): string | undefined {
  const where = issuePath(root, issue.path);
  if (issue.code === 'unrecognized_keys') {
    const parent = issue.path.filter((p) => typeof p !== 'number').join('.');
    const known = KNOWN_KEYS[parent] ?? (issue.path[0] === 'events' && issue.path[1] === 'mapping' ? ['tag', 'attributes'] : undefined);
    const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
    return `${where}: unknown ${issue.keys.length > 1 ? 'keys' : 'key'} ${keys}${known ? ` (expected one of ${known.join(', ')})` : ''}`;
  }
  if (issue.code === 'invalid_key') return `${where}: invalid key: ${issue.issues[0]?.message ?? issue.message}`;
  return undefined;
}

/**
 * Validates a config (an object, or JSON text) and applies defaults. Throws a RulesDocError whose
 * message lists every problem on its own line as `path: what is expected`.
 */
export function parseSourceConfig(json: unknown): SourceConfig {
  return parseRulesDoc(SourceConfigSchema, json, { what: 'source config', describe: issueText });
}
