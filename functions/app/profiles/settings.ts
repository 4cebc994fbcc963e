/**
 * What a profile is built with besides its members: tag rules and thresholds (stored rules kinds
 * `tags` and `profile`, else the shipped defaults), the match rules whose survivorship picks the
 * golden fields (`match`), and the stored base quantiles.
 *
 *   loadSettings(store) → ProfileSettings
 */
import { DEFAULT_PROFILE_CONFIG, DEFAULT_TAG_RULES, parseProfileConfig, parseTagRules, type BaseQuantiles, type ProfileConfig, type TagRules } from '../../core/profile/index.ts';
import { defaultMatchRules, parseMatchRules, type MatchRules } from '../../core/match/index.ts';
import type { ProfileViewStore } from '../../ports/profile-views.ts';

export interface ProfileSettings {
  tagRules: TagRules;
  config: ProfileConfig;
  survivorship: MatchRules;
  quantiles?: BaseQuantiles;
}

export async function loadSettings(store: ProfileViewStore): Promise<ProfileSettings> {
  const [tags, profile, match, quantiles] = await Promise.all([store.getRulesDoc('tags'), store.getRulesDoc('profile'), store.getRulesDoc('match'), store.getQuantiles()]);
  return {
    tagRules: tags ? parseTagRules(tags) : DEFAULT_TAG_RULES,
    config: profile ? parseProfileConfig(profile) : DEFAULT_PROFILE_CONFIG,
    survivorship: match ? parseMatchRules(match) : defaultMatchRules,
    ...(quantiles ? { quantiles } : {}),
  };
}

