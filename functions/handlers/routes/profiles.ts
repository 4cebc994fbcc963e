/**
 * GET /v1/profiles/{phone}: one whole profile (four dimensions, metrics, tags, summary, lineage),
 * found by any written form of any of its numbers; the stored view when current, else computed
 * live from the members.
 */
import { profileViews } from '../../adapters/wiring.ts';
import { parsePhone } from '../../core/clean/index.ts';
import { loadSettings, profileByNumber } from '../../app/profiles/index.ts';
import { json, type Routes } from './http.ts';

const views = profileViews(process.env.TABLE_NAME!);

export const profileRoutes: Routes = {
  'GET /v1/profiles/{phone}': async (event) => {
    const phone = event.pathParameters?.phone ?? '';
    const parsed = parsePhone(phone);
    if (!parsed.valid || !parsed.e164) return json(400, { error: parsed.problem?.code ?? 'phone.invalid', message: parsed.problem?.message ?? `${phone} is not a valid phone number` });
    const found = await profileByNumber(views, parsed.e164, await loadSettings(views));
    return 'profile' in found ? json(200, found.profile) : json(404, found);
  },
};
