/**
 * GET /v1/profiles/{phone}: one whole profile (four dimensions, metrics, tags, summary, lineage),
 * found by any written form of any of its numbers, or by its profile id (`p_…`, the only way to a
 * customer no number keys); the stored view when current, else computed live from the members.
 */
import { profileViews } from '../../adapters/wiring.ts';
import { findProfile, loadSettings } from '../../app/profiles/index.ts';
import { json, type Routes } from './http.ts';

const views = profileViews(process.env.TABLE_NAME!);

export const profileRoutes: Routes = {
  'GET /v1/profiles/{phone}': async (event) => {
    const found = await findProfile(views, event.pathParameters?.phone ?? '', await loadSettings(views));
    if ('profile' in found) return json(200, found.profile);
    return 'invalid' in found ? json(400, { error: found.error, message: found.message }) : json(404, found);
  },
};
