/** The match rules in force for the API's routes, re-read at most every 10 s (a form check must be fast). */
import { identityStore } from '../../adapters/wiring.ts';
import type { MatchRules } from '../../core/match/index.ts';

const store = identityStore(process.env.TABLE_NAME!);
let cache: { rules: MatchRules; at: number } | undefined;

export async function matchRules(): Promise<MatchRules> {
  if (!cache || Date.now() - cache.at > 10_000) cache = { rules: await store.matchRules(), at: Date.now() };
  return cache.rules;
}
