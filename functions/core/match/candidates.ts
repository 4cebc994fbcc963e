/** Check on entry: rank the records storage fetched by blocking key against a query. */
import type { CleanRecord } from '../model.ts';
import { distinctNamesExceed, listedGenericNumbers } from './generic.ts';
import { recordKey } from './keys.ts';
import type { MatchRules } from './rules.ts';
import { compileRules, decide, type Decision, emptyGeneric, type GenericField, fieldScores, type GenericValues, reasons, round, scoreBuffers, scoreInto } from './score.ts';

export interface Candidate {
  /** `${source}#${recordId}` of the candidate record. */
  key: string;
  score: number;
  decision: Decision;
  fieldScores: Record<string, number>;
  reasons: string[];
}

export interface MatchCandidatesOptions {
  /** Identifier values already known to be generic (e.g. from the last batch run). */
  generic?: Partial<GenericValues>;
  /** Keep at most this many candidates (default: all). */
  limit?: number;
}

/**
 * Scores `query` (any of phone/name/e-mail/birth date/address) against `candidates` and returns
 * them best first. Besides `opts.generic`, a phone, e-mail or member id of the query shared by
 * candidates with more than `guards.genericValue.maxDistinctNames` distinct names (typo variants
 * counting once, as in the batch) is treated as generic here too, so a store's number typed into the form finds nobody by number alone.
 */
export function matchCandidates(query: Partial<CleanRecord>, candidates: CleanRecord[], rules: MatchRules, opts: MatchCandidatesOptions = {}): Candidate[] {
  const c = compileRules(rules);
  const generic = queryGenericValues(query, candidates, rules, opts.generic);
  const buf = scoreBuffers(c);
  const f = new Uint8Array(1);
  const out: Candidate[] = candidates.map((r) => {
    const s = scoreInto(c, query, r, generic, buf, f);
    return { key: recordKey(r), score: round(s), decision: decide(c, s, f[0]!), fieldScores: fieldScores(c, buf), reasons: reasons(c, buf, f[0]!) };
  });
  out.sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return opts.limit !== undefined ? out.slice(0, opts.limit) : out;
}

/**
 * The identifier values matchCandidates treats as generic for this query: `known` ones, plus the
 * query's phone, e-mail or member id when the candidates sharing it carry more than
 * `guards.genericValue.maxDistinctNames` distinct names. (Check on entry computes it over every
 * candidate once and passes it on when it re-scores a few of them.)
 */
export function queryGenericValues(query: Partial<CleanRecord>, candidates: CleanRecord[], rules: MatchRules, known?: Partial<GenericValues>): GenericValues {
  const base = emptyGeneric();
  const generic: GenericValues = {
    phones: new Set(known?.phones ?? base.phones),
    email: new Set(known?.email ?? base.email),
    memberId: new Set(known?.memberId ?? base.memberId),
    externalIds: new Set(known?.externalIds ?? base.externalIds),
  };
  const max = rules.guards.genericValue.maxDistinctNames;
  for (const p of query.phones ?? []) if (listedGenericNumbers(rules).has(p)) generic.phones.add(p);
  const check = (field: GenericField, value: string, has: (r: CleanRecord) => boolean): void => {
    const sharing: number[] = [];
    candidates.forEach((r, i) => has(r) && sharing.push(i));
    if (distinctNamesExceed(candidates, sharing, max)) generic[field].add(value);
  };
  for (const p of query.phones ?? []) check('phones', p, (r) => r.phones.includes(p));
  if (query.email) {
    const e = query.email.toLowerCase();
    check('email', e, (r) => r.email?.toLowerCase() === e);
  }
  if (query.memberId) check('memberId', query.memberId, (r) => r.memberId === query.memberId);
  return generic;
}
