/** Identity resolution: rules as data, blocking, pair scoring, batch resolve, check on entry. */
import defaultRulesJson from './default-rules.json' with { type: 'json' };
import { parseMatchRules, type MatchRules } from './rules.ts';

export { MatchRulesSchema, MatchRulesError, parseMatchRules } from './rules.ts';
export type { MatchRules, MatchRulesInput, Comparator, BlockingKey } from './rules.ts';
export { blockingKeys, lookupKeys, recordKey, LOOKUP_FIELDS, type LookupField } from './keys.ts';
export { scorePair, type PairScore, type Decision, type GenericValues } from './score.ts';
export { resolve, resolveClusters } from './resolve.ts';
export { listedGenericNumbers } from './generic.ts';
export type { Cluster, MergeExplanation, Resolution, ResolvedCluster, ReviewItem, ResolveStats, ResolveResult, ResolveOptions } from './resolve.ts';
export { matchCandidates, queryGenericValues, type Candidate, type MatchCandidatesOptions } from './candidates.ts';
export { goldenRecord, type GoldenResult } from './golden.ts';
export { planResolution, pairId, orderedPair, pairKey, type ResolutionPlan, type PlannedMerge, type PlannedReview } from './plan.ts';
export { jaro, jaroWinkler, levenshteinRatio, tokenSimilarity, nameSimilarity, dateSimilarity, addressSimilarity } from './similarity.ts';

/** The shipped default rules for Chinese customer data (`default-rules.json`), validated. */
export const defaultMatchRules: MatchRules = parseMatchRules(defaultRulesJson);
