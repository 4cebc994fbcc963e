/**
 * The standard tag taxonomy as data (SPEC §3), and the zod schema any company's own taxonomy
 * file must satisfy. `taxonomy.json` beside this file is the default.
 */
import { z } from 'zod';
import type { Problem } from '../model.ts';
import { ATTRIBUTE_TYPES, coerceAttribute, compilePattern, type AttributeRule } from './attribute.ts';
import { parseUtcOffset } from './datetime.ts';
import { parseJson } from './json.ts';
import { centsKey, parseMoney } from './money.ts';
import defaultTaxonomyJson from './taxonomy.json' with { type: 'json' };

/** snake_case: lower-case letters and digits in words joined by single underscores. */
const SNAKE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const snakeName = (what: string) =>
  z.string().regex(SNAKE, { message: `${what} must be snake_case (a-z, 0-9, single underscores, starting with a letter)` });

const NUMERIC_TYPES = new Set(['number', 'integer', 'money']);

export const AttributeRuleSchema = z
  .strictObject({
    type: z.enum(ATTRIBUTE_TYPES),
    required: z.boolean().default(false),
    description: z.string().min(1, { message: 'description must not be empty' }),
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
    minLength: z.number().int().nonnegative().optional(),
    maxLength: z.number().int().positive().optional(),
    pattern: z.string().min(1).optional(),
    enum: z.array(z.string().min(1)).min(1).optional(),
    case: z.enum(['upper', 'lower']).optional(),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  })
  .superRefine((a, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const numeric = NUMERIC_TYPES.has(a.type);
    if (!numeric) {
      if (a.min !== undefined) issue('min', `min applies only to number, integer and money, not ${a.type}`);
      if (a.max !== undefined) issue('max', `max applies only to number, integer and money, not ${a.type}`);
    }
    if (a.min !== undefined && a.max !== undefined && a.min > a.max) issue('max', `max (${a.max}) is below min (${a.min})`);
    if (a.type === 'money') {
      for (const k of ['min', 'max'] as const) {
        const v = a[k];
        if (v !== undefined && !parseMoney(v).ok) issue(k, `${k} of a money attribute must have at most 2 decimals`);
      }
    }
    if (a.type !== 'string') {
      for (const k of ['minLength', 'maxLength', 'pattern', 'enum', 'case'] as const) {
        if (a[k] !== undefined) issue(k, `${k} applies only to string, not ${a.type}`);
      }
    }
    if (a.minLength !== undefined && a.maxLength !== undefined && a.minLength > a.maxLength) {
      issue('maxLength', `maxLength (${a.maxLength}) is below minLength (${a.minLength})`);
    }
    let patternOk = true;
    if (a.pattern !== undefined) {
      try {
        compilePattern(a.pattern);
      } catch (err) {
        patternOk = false;
        issue('pattern', `not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (a.enum !== undefined && patternOk) {
      // Every allowed value must itself pass the other string rules, or it could never be accepted.
      const rule = { ...a, enum: undefined } as AttributeRule;
      a.enum.forEach((v, idx) => {
        const folded = a.case === 'upper' ? v.toUpperCase() : a.case === 'lower' ? v.toLowerCase() : v;
        const r = coerceAttribute(rule, v, { zone: 0 });
        if (folded !== v.trim() || !r.ok) {
          ctx.addIssue({ code: 'custom', path: ['enum', idx], message: `enum value ${JSON.stringify(v)} can never be accepted (${r.ok ? `case is ${a.case}` : r.reason})` });
        }
      });
    }
    if (a.default !== undefined) {
      if (a.required) issue('default', 'a required attribute cannot have a default');
      else if (patternOk) {
        const r = coerceAttribute(a as AttributeRule, a.default, { zone: 0 });
        if (!r.ok) issue('default', `default ${JSON.stringify(a.default)} violates the attribute's own rule: ${r.reason}`);
      }
    }
  });

export const TagSchema = z
  .strictObject({
    description: z.string().min(1, { message: 'description must not be empty' }),
    attributes: z.record(snakeName('attribute name'), AttributeRuleSchema).default({}),
  })
  .superRefine((t, ctx) => {
    for (const [name, rule] of Object.entries(t.attributes)) {
      if (rule.type === 'money' && Object.hasOwn(t.attributes, centsKey(name))) {
        ctx.addIssue({
          code: 'custom',
          path: ['attributes', centsKey(name)],
          message: `${centsKey(name)} is reserved for the integer cents of money attribute ${name}`,
        });
      }
    }
  });

export const TaxonomySchema = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(1, { message: 'version must be 1' }),
  description: z.string().optional(),
  /** Offset for date-times sent without one ("+08:00" for China). Default "+08:00". */
  defaultUtcOffset: z
    .string()
    .refine((s) => parseUtcOffset(s) !== null, { message: 'defaultUtcOffset must be Z or ±HH:MM' })
    .default('+08:00'),
  tags: z
    .record(snakeName('tag name'), TagSchema)
    .refine((tags) => Object.keys(tags).length > 0, { message: 'a taxonomy needs at least one tag' }),
});

export type Taxonomy = z.output<typeof TaxonomySchema>;
export type TagDefinition = z.output<typeof TagSchema>;
// The parsed rule must be usable wherever an AttributeRule is expected.
export type ParsedAttributeRule = z.output<typeof AttributeRuleSchema>;
const _ruleCheck: (r: ParsedAttributeRule) => AttributeRule = (r) => r;
void _ruleCheck;

export interface TaxonomyIssue {
  /** Dotted path into the file, e.g. `tags.purchase.attributes.amount.min`. */
  path: string;
  message: string;
}

export type ParseTaxonomyResult =
  | { ok: true; taxonomy: Taxonomy }
  | { ok: false; problem: Problem; issues: TaxonomyIssue[] };

function dotted(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

/**
 * Validate a taxonomy: JSON text or an already-parsed value. Every issue is named by its path.
 * Problem codes: `taxonomy.invalid_json` (with line and column), `taxonomy.invalid`.
 */
export function parseTaxonomy(json: unknown): ParseTaxonomyResult {
  let value = json;
  if (typeof json === 'string') {
    const parsed = parseJson(json);
    if (!parsed.ok) {
      const issue = { path: '(root)', message: parsed.message };
      return { ok: false, problem: { code: 'taxonomy.invalid_json', message: `taxonomy: ${parsed.message}` }, issues: [issue] };
    }
    value = parsed.value;
  }
  const r = TaxonomySchema.safeParse(value);
  if (r.success) return { ok: true, taxonomy: r.data };
  const issues = r.error.issues.map((i) => {
    let message = i.message;
    if (i.code === 'invalid_key' && i.issues.length > 0) message = i.issues.map((k) => k.message).join('; ');
    return { path: dotted(i.path), message };
  });
  return {
    ok: false,
    problem: { code: 'taxonomy.invalid', message: `taxonomy: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}` },
    issues,
  };
}

function loadDefault(): Taxonomy {
  const r = parseTaxonomy(defaultTaxonomyJson);
  if (!r.ok) throw new Error(`the built-in taxonomy.json is invalid: ${r.problem.message}`);
  return r.taxonomy;
}

/** The standard taxonomy shipped with PhoneKey (taxonomy.json), validated at load. */
export const defaultTaxonomy: Taxonomy = loadDefault();

/** Names of the standard tags, in file order. */
export const STANDARD_TAGS: readonly string[] = Object.freeze(Object.keys(defaultTaxonomy.tags));
