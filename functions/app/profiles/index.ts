/** Profile use cases: read (stored or live), recompute (nightly), base quantiles, segments. */
export * from '../../ports/profile-views.ts';
export { loadSettings, type ProfileSettings } from './settings.ts';
export { computeProfile, buildFromMembers, recomputeProfile, recomputeProfiles, computeBaseQuantiles, profilesPort } from './recompute.ts';
export { readProfile, findProfile, profileByNumber, streamProfiles, isCurrent, profileDocument, type ProfileDocument } from './read.ts';
export { segmentRows, segmentOutput, type SegmentRow, type SegmentFormat } from './segment.ts';
export { searchProfiles, SEARCH_CAP, MAX_PAGE, type SearchHit, type SearchPage } from './search.ts';
