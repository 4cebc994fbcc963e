/**
 * GET /v1/profiles?q=&cursor=&limit=: search (functions/app/profiles/search.ts), a page at a time.
 * GET /v1/profiles/{phone}: one whole profile (four dimensions, metrics, tags, summary, lineage),
 * found by any written form of any of its numbers, or by its profile id (`p_…`, the only way to a
 * customer no number keys); the stored view when current, else computed live from the members.
 */
import { profileSearch, profileViews } from '../../adapters/wiring.ts';
import { findProfile, loadSettings, searchProfiles } from '../../app/profiles/index.ts';
import { SearchQueryError } from '../../core/profile/index.ts';
import { json, type Routes } from './http.ts';
import { matchRules } from './match-rules.ts';

const views = profileViews(process.env.TABLE_NAME!);
const search = profileSearch(process.env.TABLE_NAME!);

export const profileRoutes: Routes = {
  'GET /v1/profiles': async (event) => {
    const params = event.queryStringParameters ?? {};
    const limit = params.limit === undefined ? undefined : Number(params.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) return json(400, { error: 'search.bad_limit', message: `limit must be a whole number from 1 to 100, not "${params.limit}"` });
    try {
      return json(200, await searchProfiles(search, params.q ?? '', { rules: await matchRules(), limit, cursor: params.cursor }));
    } catch (error) {
      if (error instanceof SearchQueryError) return json(400, { error: 'search.bad_query', message: error.message });
      throw error;
    }
  },
  'GET /v1/profiles/{phone}': async (event) => {
    const found = await findProfile(views, event.pathParameters?.phone ?? '', await loadSettings(views));
    if ('profile' in found) return json(200, found.profile);
    return 'invalid' in found ? json(400, { error: found.error, message: found.message }) : json(404, found);
  },
};
