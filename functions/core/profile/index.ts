/** The profile room: build a profile from its members, base quantiles, tag rules, summary, segments. */
export * from './types.ts';
export { buildProfile, hasConsent, eventTime, centsText, newestMemberTime, type BuildOptions } from './build.ts';
export { baseQuantiles, QuantileAccumulator, type BaseQuantiles } from './quantiles.ts';
export { parseTagRules, applyTagRules, DEFAULT_TAG_RULES, TagRulesError, type TagRules, type TagRule, type Condition } from './tag-rules.ts';
export { parseProfileConfig, DEFAULT_PROFILE_CONFIG, ProfileConfigError, type ProfileConfig } from './config.ts';
export { summarize, detectLanguage } from './summary.ts';
export { parseSearchQuery, SearchQueryError, type SearchQuery, type MatchedBy } from './search.ts';
export { parseSegmentQuery, matchesSegment, segmentNumber, SegmentQueryError, type SegmentQuery, type SegmentProfile } from './segment.ts';
