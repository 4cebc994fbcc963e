/**
 * Rules documents stored in the table (`RULES#<kind>`): `match` (identity resolution) today,
 * `tags` to come. Each kind has a parser that validates before anything is saved.
 *
 * Extension point: to add a kind, add its parser to RULE_KINDS and (optionally) a shape test to
 * detectRulesKind, e.g. `tags: (json) => parseTagRules(json)`. `phonekey rules show/put` and the
 * store need nothing else.
 */
import { parseMatchRules, defaultMatchRules } from '../../core/match/index.ts';
import type { IdentityStore } from '../../ports/identity-store.ts';
import { DEFAULT_PROFILE_CONFIG, DEFAULT_TAG_RULES, parseProfileConfig, parseTagRules } from '../../core/profile/index.ts';

export interface RulesKind {
  /** Validates a document; throws an Error whose message names each wrong field. */
  parse(json: unknown): unknown;
  /** What is in force when nothing is stored. */
  defaults?: unknown;
}

export const RULE_KINDS: Record<string, RulesKind> = {
  match: { parse: parseMatchRules, defaults: defaultMatchRules },
  tags: { parse: parseTagRules, defaults: DEFAULT_TAG_RULES },
  profile: { parse: parseProfileConfig, defaults: DEFAULT_PROFILE_CONFIG },
};

/** The kind a document declares (`"kind": "tags"`) or looks like (`blocking` + `thresholds` → match). */
export function detectRulesKind(doc: unknown): string | undefined {
  if (!doc || typeof doc !== 'object') return undefined;
  const d = doc as Record<string, unknown>;
  if (typeof d.kind === 'string') return d.kind;
  if ('blocking' in d && 'thresholds' in d) return 'match';
  if ('tags' in d) return 'tags';
  return undefined;
}

export class RulesError extends Error {}

export async function putRules(store: IdentityStore, doc: unknown, opts: { kind?: string; actor: string }): Promise<{ kind: string }> {
  const kind = opts.kind ?? detectRulesKind(doc);
  if (!kind) throw new RulesError(`cannot tell which rules these are: give --kind (${Object.keys(RULE_KINDS).join(', ')})`);
  const k = RULE_KINDS[kind];
  if (!k) throw new RulesError(`unknown rules kind "${kind}" (known: ${Object.keys(RULE_KINDS).join(', ')})`);
  let parsed: unknown;
  try {
    const { kind: _k, ...rest } = doc as Record<string, unknown>;
    parsed = k.parse(rest);
  } catch (error) {
    throw new RulesError((error as Error).message);
  }
  // the document as written (defaults are applied again when read)
  const { kind: _k, ...stored } = doc as Record<string, unknown>;
  void parsed;
  await store.putRulesDoc(kind, stored, opts.actor);
  return { kind };
}

export async function showRules(store: IdentityStore, kind = 'match'): Promise<{ kind: string; source: 'stored' | 'default'; rules: unknown; updatedAt?: string }> {
  const k = RULE_KINDS[kind];
  if (!k) throw new RulesError(`unknown rules kind "${kind}" (known: ${Object.keys(RULE_KINDS).join(', ')})`);
  const stored = await store.getRulesDoc(kind);
  if (stored) return { kind, source: 'stored', rules: k.parse(stored.doc), updatedAt: stored.updatedAt };
  return { kind, source: 'default', rules: k.defaults ?? null };
}
