/**
 * The one parser of rules-as-data documents: source and channel configs, match rules, tag rules,
 * profile thresholds. JSON text or a parsed value in, the validated document (defaults applied)
 * out, or a RulesDocError listing every problem on its own line as `path: what is expected`,
 * array elements named by their `id` (`fuzzy[1] (name).levels[0].min: …`).
 */
import type { z } from 'zod';

export class RulesDocError extends Error {
  constructor(
    /** What the document is: `match rules`, `source config`, … */
    readonly what: string,
    readonly issues: string[],
    /** The document's own name, when it has one. */
    readonly docName?: string,
  ) {
    super(`invalid ${what}${docName ? ` "${docName}"` : ''}:\n${issues.map((l) => `  - ${l}`).join('\n')}`);
    this.name = 'RulesDocError';
  }
}

/** `a.b[2] (id).c` (keys that are not identifiers quoted: `fields["手机"]`), or `(root)`. */
export function issuePath(root: unknown, path: readonly PropertyKey[]): string {
  let out = '';
  let node: unknown = root;
  for (const p of path) {
    if (typeof p === 'number') {
      out += `[${p}]`;
      node = Array.isArray(node) ? node[p] : undefined;
      const id = node && typeof node === 'object' ? (node as { id?: unknown }).id : undefined;
      if (typeof id === 'string') out += ` (${id})`;
    } else {
      const s = String(p);
      out += /^[A-Za-z_$][\w$]*$/.test(s) ? (out ? `.${s}` : s) : `[${JSON.stringify(s)}]`;
      node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[p] : undefined;
    }
  }
  return out || '(root)';
}

export interface RulesDocKind {
  /** What the document is, for messages. */
  what: string;
  /** The error to throw (a subclass, so callers can tell kinds apart). */
  error?: (issues: string[], docName?: string) => RulesDocError;
  /** A kind's own wording of an issue (e.g. listing the keys it expected); default `path: message`. */
  describe?: (issue: z.core.$ZodIssue, root: unknown) => string | undefined;
}

export function parseRulesDoc<S extends z.ZodType>(schema: S, json: unknown, kind: RulesDocKind): z.output<S> {
  const fail = (issues: string[], docName?: string) => (kind.error ? kind.error(issues, docName) : new RulesDocError(kind.what, issues, docName));
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw fail([`(root): not valid JSON: ${(e as Error).message}`]);
    }
  }
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const docName = value && typeof value === 'object' && typeof (value as { name?: unknown }).name === 'string' ? (value as { name: string }).name : undefined;
  throw fail(
    r.error.issues.map((i) => kind.describe?.(i, value) ?? `${issuePath(value, i.path)}: ${i.message}`),
    docName,
  );
}
