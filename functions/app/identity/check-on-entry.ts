/**
 * Check on entry (`POST /v1/match`): given what a CRM form holds (any of phone, name, e-mail,
 * birth date, address, city, member id, external ids), the stored profiles it may be, best first,
 * with score, decision (`merge`: almost surely this person; `review`: possibly) and the reasons.
 *
 * Cost: one bounded Query per blocking key of the query (in parallel, ≤ 8 with the default
 * rules), one BatchGet of the candidate records, one BatchGet of the returned profiles' numbers.
 */
import { cleanIdentity } from '../../core/clean/index.ts';
import { blockingKeys, matchCandidates, type MatchRules } from '../../core/match/index.ts';
import type { CleanRecord, Problem, RawIdentity } from '../../core/model.ts';
import type { IdentityStore } from '../../ports/identity-store.ts';
import { BLOCK_LIMIT } from './match-on-arrival.ts';

export interface EntryCandidate {
  profileId: string;
  /** The profile's primary phone and numbers. */
  phone?: string;
  phones?: string[];
  score: number;
  decision: 'merge' | 'review';
  /** The stored record that matched best (`source#recordId`). */
  member: string;
  fieldScores: Record<string, number>;
  reasons: string[];
}

export interface EntryResult {
  query: Partial<CleanRecord>;
  /** Problems found cleaning the input (an invalid number is left out of the query). */
  problems: Problem[];
  candidates: EntryCandidate[];
  stats: { keys: number; oversizedBlocks: number; recordsCompared: number };
}

const FIELDS = ['phone', 'phones', 'name', 'email', 'gender', 'birthDate', 'address', 'province', 'city', 'memberId', 'externalIds'] as const;

/** The identity fields of a request body (unknown fields ignored, everything as text). */
export function entryInput(body: unknown): RawIdentity | { error: string } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { error: 'the body must be a JSON object with any of ' + FIELDS.join(', ') };
  const b = body as Record<string, unknown>;
  const out: RawIdentity = {};
  for (const f of FIELDS) {
    const v = b[f];
    if (v === undefined || v === null || v === '') continue;
    if (f === 'phones') {
      if (!Array.isArray(v)) return { error: 'phones must be an array of numbers' };
      out.phones = v.map(String);
    } else if (f === 'externalIds') {
      if (typeof v !== 'object' || Array.isArray(v)) return { error: 'externalIds must be an object of name → id' };
      out.externalIds = Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, String(x)]));
    } else (out as Record<string, string>)[f] = String(v);
  }
  if (!Object.keys(out).length) return { error: `give at least one of ${FIELDS.join(', ')}` };
  return out;
}

export async function checkOnEntry(store: IdentityStore, input: RawIdentity, opts: { rules?: MatchRules; limit?: number; defaultCountry?: string } = {}): Promise<EntryResult> {
  const rules = opts.rules ?? (await store.matchRules());
  const cleaned = cleanIdentity(input, { source: 'query', recordId: 'query', defaultCountry: (opts.defaultCountry ?? 'CN') as never });
  const query = cleaned.record;
  const problems = cleaned.problems.filter((p) => p.code !== 'phone.missing');
  const keys = blockingKeys(query, rules);
  const blocks = await Promise.all(keys.map((k) => store.blockMembers(k, BLOCK_LIMIT)));
  const memberKeys = new Set<string>();
  let oversized = 0;
  for (const b of blocks) {
    if (b === 'oversized') oversized++;
    else for (const m of b) memberKeys.add(m);
  }
  const stored = await store.memberRecords([...memberKeys]);
  const records = [...stored.values()].map((m) => m.record);
  const profileOf = new Map([...stored.values()].map((m) => [m.key, m.profileId]));
  const ranked = matchCandidates(query, records, rules);
  const best = new Map<string, EntryCandidate>();
  for (const c of ranked) {
    if (c.decision === 'none') continue;
    const profileId = profileOf.get(c.key)!;
    if (best.has(profileId)) continue;
    best.set(profileId, { profileId, score: c.score, decision: c.decision, member: c.key, fieldScores: c.fieldScores, reasons: c.reasons });
    if (best.size >= (opts.limit ?? 10)) break;
  }
  const candidates = [...best.values()];
  const states = candidates.length ? await store.profileStates(candidates.map((c) => c.profileId)) : new Map();
  for (const c of candidates) {
    const state = states.get(c.profileId);
    if (state) {
      c.phone = state.phone;
      c.phones = state.phones;
    }
  }
  return { query: withoutKeys(query), problems, candidates, stats: { keys: keys.length, oversizedBlocks: oversized, recordsCompared: records.length } };
}

function withoutKeys(r: CleanRecord): Partial<CleanRecord> {
  const { source: _s, recordId: _r, ...rest } = r;
  return rest;
}
