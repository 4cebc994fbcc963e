/**
 * Check on entry (`POST /v1/match`): given what a CRM form holds (any of phone, name, e-mail,
 * birth date, address, city, member id, external ids), the stored profiles it may be, best first,
 * with score, decision (`merge`: almost surely this person; `review`: possibly) and the reasons.
 *
 * Cost: one bounded Query per blocking key of the query (in parallel, ≤ 8 with the default
 * rules), then one BatchGet. The index entries carry each record's profile and comparison fields
 * (written by match on arrival), so candidates are scored straight from the Query answers; the
 * BatchGet reads the stored records of those that score (merge or review) with their profiles'
 * numbers, and a candidate whose record changed or moved since it was indexed is scored again from
 * the stored record and shown under its current profile: answers are those of the stored records.
 * Entries indexed before they carried fields cost one more BatchGet (their records first).
 */
import { cleanIdentity } from '../../core/clean/index.ts';
import { blockingKeys, matchCandidates, queryGenericValues, type Candidate, type MatchRules } from '../../core/match/index.ts';
import type { CleanRecord, Problem, RawIdentity } from '../../core/model.ts';
import type { IdentityStore, ProfileState } from '../../ports/identity-store.ts';
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

/** Most scoring candidates whose stored records one check reads (one BatchGet holds 100 keys). */
const MAX_CHECKED = 100;

export async function checkOnEntry(store: IdentityStore, input: RawIdentity, opts: { rules?: MatchRules; limit?: number; defaultCountry?: string } = {}): Promise<EntryResult> {
  const rules = opts.rules ?? (await store.matchRules());
  const cleaned = cleanIdentity(input, { source: 'query', recordId: 'query', defaultCountry: (opts.defaultCountry ?? 'CN') as never });
  const query = cleaned.record;
  const problems = cleaned.problems.filter((p) => p.code !== 'phone.missing');
  const keys = blockingKeys(query, rules);
  const blocks = await Promise.all(keys.map((k) => store.blockEntries(k, BLOCK_LIMIT)));

  // candidates: from the entries' fields, or (entries indexed without them) from the stored records
  const pool = new Map<string, { record: CleanRecord; profileId?: string; stored: boolean }>();
  const bare = new Set<string>();
  let oversized = 0;
  for (const b of blocks) {
    if (b === 'oversized') oversized++;
    else for (const e of b) if (e.record && e.profileId) pool.set(e.member, { record: e.record, profileId: e.profileId, stored: false });
  }
  for (const b of blocks) if (b !== 'oversized') for (const e of b) if (!pool.has(e.member)) bare.add(e.member);
  if (bare.size) for (const [key, m] of await store.memberRecords([...bare])) pool.set(key, { record: m.record, profileId: m.profileId, stored: true });

  const members = [...pool.keys()];
  const records = members.map((m) => pool.get(m)!.record);
  const generic = queryGenericValues(query, records, rules);
  let ranked = matchCandidates(query, records, rules, { generic }).filter((c) => c.decision !== 'none').slice(0, MAX_CHECKED);

  // the stored records of those that score, and their profiles' numbers, in one read
  const states = new Map<string, ProfileState>();
  const profileOf = new Map<string, string>();
  if (ranked.length) {
    const fromIndex = ranked.filter((c) => !pool.get(c.key)!.stored).map((c) => c.key);
    const read = await store.recordsAndProfiles(fromIndex, ranked.map((c) => pool.get(c.key)!.profileId!));
    for (const [id, s] of read.profiles) states.set(id, s);
    const changed: CleanRecord[] = [];
    const kept: Candidate[] = [];
    for (const c of ranked) {
      const entry = pool.get(c.key)!;
      if (entry.stored) {
        profileOf.set(c.key, entry.profileId!);
        kept.push(c);
        continue;
      }
      const current = read.records.get(c.key);
      if (!current) continue; // gone since it was indexed (erased)
      profileOf.set(c.key, current.profileId);
      if (sameFields(current.record, entry.record)) kept.push(c);
      else changed.push(current.record);
    }
    // a record changed since it was indexed: scored from what is stored now
    if (changed.length) kept.push(...matchCandidates(query, changed, rules, { generic }).filter((c) => c.decision !== 'none'));
    ranked = kept.sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  const best = new Map<string, EntryCandidate>();
  for (const c of ranked) {
    const profileId = profileOf.get(c.key)!;
    if (best.has(profileId)) continue;
    best.set(profileId, { profileId, score: c.score, decision: c.decision as 'merge' | 'review', member: c.key, fieldScores: c.fieldScores, reasons: c.reasons });
    if (best.size >= (opts.limit ?? 10)) break;
  }
  const candidates = [...best.values()];
  // a record that moved to another profile since it was indexed: that profile's numbers too
  const missing = candidates.map((c) => c.profileId).filter((id) => !states.has(id));
  if (missing.length) for (const [id, s] of await store.profileStates(missing)) states.set(id, s);
  for (const c of candidates) {
    const state = states.get(c.profileId);
    if (state) {
      c.phone = state.phone;
      c.phones = state.phones;
    }
  }
  return { query: withoutKeys(query), problems, candidates, stats: { keys: keys.length, oversizedBlocks: oversized, recordsCompared: records.length } };
}

/** Whether a stored record still has the fields its index entry was scored with. */
function sameFields(stored: CleanRecord, indexed: CleanRecord): boolean {
  const fields = ['phones', 'name', 'nameKey', 'namePinyin', 'email', 'gender', 'birthDate', 'address', 'province', 'city', 'memberId', 'externalIds'] as const;
  for (const f of fields) {
    const a = stored[f];
    const b = indexed[f];
    if ((a === undefined || a === '' || a === null) && (b === undefined || b === null)) continue;
    if (f === 'phones') {
      const pa = (a as string[] | undefined) ?? [];
      const pb = (b as string[] | undefined) ?? [];
      if (pa.length !== pb.length || pa.some((p, i) => p !== pb[i])) return false;
    } else if (f === 'externalIds') {
      const ea = (a ?? {}) as Record<string, string>;
      const eb = (b ?? {}) as Record<string, string>;
      const ka = Object.keys(ea).filter((k) => ea[k]);
      if (ka.length !== Object.keys(eb).filter((k) => eb[k]).length || ka.some((k) => ea[k] !== eb[k])) return false;
    } else if (a !== b) return false;
  }
  return true;
}

function withoutKeys(r: CleanRecord): Partial<CleanRecord> {
  const { source: _s, recordId: _r, ...rest } = r;
  return rest;
}
