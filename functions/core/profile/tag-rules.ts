/**
 * Tag rules as data: conditions over profile fields → tag. Each applied tag keeps the id of the
 * rule that set it.
 *
 *   parseTagRules(json) → TagRules         (throws TagRulesError; issues name the path, e.g. `tags[2] (vip).when.gte`)
 *
 * The document: `{ "version": 1, "tags": [rule, …] }` (stored as rules kind `tags`:
 * `phonekey rules put my-tags.json`).
 *   applyTagRules(rules, fields) → AppliedTag[]
 *
 * A rule: `{ id, tag, when?, forEach?, description? }`; the first rule to set a tag keeps it.
 * - `when` is a condition: `{ field, eq | ne | gt | gte | lt | lte | in | contains | exists }`,
 *   or `{ all: [...] }`, `{ any: [...] }`, `{ not: {...} }`. `field` is a dotted path into the
 *   profile (`derived.spendingPower`, `consumption.orderCount`, `basic.location.city`, …).
 * - `forEach` names an array of objects (e.g. `derived.categoryPreferences`); `when` is then
 *   evaluated on each element (paths relative to it) and the tag may use `{field}` placeholders
 *   from the element: `"tag": "prefers:{category}"`.
 */
import { z } from 'zod';
import { parseRulesDoc, RulesDocError } from '../rules-doc.ts';
import defaultRulesJson from './default-tag-rules.json' with { type: 'json' };
import type { AppliedTag } from './types.ts';

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | {
      field: string;
      eq?: string | number | boolean;
      ne?: string | number | boolean;
      gt?: number;
      gte?: number;
      lt?: number;
      lte?: number;
      in?: Array<string | number>;
      contains?: string | number;
      exists?: boolean;
    };

const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists'] as const;
const scalar = z.union([z.string(), z.number(), z.boolean()]);
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

const fieldCondition = z
  .strictObject({
    field: z.string().regex(FIELD, 'must be a dotted path like derived.spendingPower'),
    eq: scalar.optional(),
    ne: scalar.optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    in: z.array(z.union([z.string(), z.number()])).min(1).optional(),
    contains: z.union([z.string(), z.number()]).optional(),
    exists: z.boolean().optional(),
  })
  .superRefine((c, ctx) => {
    const ops = OPERATORS.filter((o) => c[o] !== undefined);
    if (ops.length !== 1) ctx.addIssue({ code: 'custom', path: [], message: `needs exactly one operator of ${OPERATORS.join(', ')} (found ${ops.length ? ops.join(', ') : 'none'})` });
  });

export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([z.strictObject({ all: z.array(ConditionSchema).min(1) }), z.strictObject({ any: z.array(ConditionSchema).min(1) }), z.strictObject({ not: ConditionSchema }), fieldCondition]),
);

const TAG = /^[a-z0-9_]+(:[^\s]+)?$/;

export const TagRuleSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
    tag: z.string().min(1).regex(/^\S+$/, 'no spaces'),
    description: z.string().optional(),
    forEach: z.string().regex(FIELD, 'must be a dotted path to an array').optional(),
    when: ConditionSchema.optional(),
  })
  .superRefine((r, ctx) => {
    const placeholders = [...r.tag.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!);
    if (placeholders.length && !r.forEach) ctx.addIssue({ code: 'custom', path: ['tag'], message: `placeholders {${placeholders.join('}, {')}} need forEach` });
    for (const p of placeholders) if (!FIELD.test(p)) ctx.addIssue({ code: 'custom', path: ['tag'], message: `placeholder {${p}} is not a field path` });
    if (!TAG.test(r.tag.replace(/\{[^}]*\}/g, 'x'))) ctx.addIssue({ code: 'custom', path: ['tag'], message: 'must be snake_case, optionally with a :value part (e.g. prefers:{category})' });
  });

export const TagRulesSchema = z
  .strictObject({
    version: z.literal(1),
    description: z.string().optional(),
    tags: z.array(TagRuleSchema),
  })
  .superRefine((rs, ctx) => {
    const seen = new Map<string, number>();
    rs.tags.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['tags', i, 'id'], message: `duplicate id "${r.id}" (also at tags[${seen.get(r.id)}])` });
      else seen.set(r.id, i);
    });
  });

export type TagRule = z.output<typeof TagRuleSchema>;
export type TagRules = z.output<typeof TagRulesSchema>;

export class TagRulesError extends RulesDocError {
  constructor(issues: string[]) {
    super('tag rules', issues);
    this.name = 'TagRulesError';
  }
}

/** Validates tag rules given as JSON text or a parsed value; throws TagRulesError. */
export function parseTagRules(json: unknown): TagRules {
  return parseRulesDoc(TagRulesSchema, json, { what: 'tag rules', error: (issues) => new TagRulesError(issues) });
}

export const DEFAULT_TAG_RULES: TagRules = parseTagRules(defaultRulesJson);

export function getPath(root: unknown, path: string): unknown {
  let node = root;
  for (const part of path.split('.')) {
    if (node == null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

const eqv = (a: unknown, b: unknown) => a === b || (typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase());

export function evaluate(cond: Condition, root: unknown): boolean {
  if ('all' in cond) return cond.all.every((c) => evaluate(c, root));
  if ('any' in cond) return cond.any.some((c) => evaluate(c, root));
  if ('not' in cond) return !evaluate(cond.not, root);
  const v = getPath(root, cond.field);
  if (cond.exists !== undefined) return (v !== undefined && v !== null) === cond.exists;
  if (cond.eq !== undefined) return eqv(v, cond.eq);
  if (cond.ne !== undefined) return !eqv(v, cond.ne);
  if (cond.in !== undefined) return cond.in.some((x) => eqv(v, x));
  if (cond.contains !== undefined) return Array.isArray(v) ? v.some((x) => eqv(x, cond.contains)) : typeof v === 'string' && v.includes(String(cond.contains));
  if (typeof v !== 'number' || Number.isNaN(v)) return false;
  if (cond.gt !== undefined) return v > cond.gt;
  if (cond.gte !== undefined) return v >= cond.gte;
  if (cond.lt !== undefined) return v < cond.lt;
  if (cond.lte !== undefined) return v <= cond.lte;
  return false;
}

/** The tags the rules set on a profile (first rule to set a tag keeps it), sorted by tag. */
export function applyTagRules(rules: TagRules, profile: unknown): AppliedTag[] {
  const out = new Map<string, string>();
  for (const rule of rules.tags) {
    if (rule.forEach) {
      const items = getPath(profile, rule.forEach);
      if (!Array.isArray(items)) continue;
      for (const item of items) {
        if (rule.when && !evaluate(rule.when, item)) continue;
        let ok = true;
        const tag = rule.tag.replace(/\{([^}]*)\}/g, (_, p: string) => {
          const v = getPath(item, p);
          if (v === undefined || v === null || v === '') ok = false;
          return String(v ?? '').trim().replace(/\s+/g, '_');
        });
        if (ok && !out.has(tag)) out.set(tag, rule.id);
      }
    } else if (!rule.when || evaluate(rule.when, profile)) {
      if (!out.has(rule.tag)) out.set(rule.tag, rule.id);
    }
  }
  return [...out].map(([tag, rule]) => ({ tag, rule })).sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
}
