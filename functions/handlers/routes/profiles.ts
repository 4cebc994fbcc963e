/** GET /v1/profiles/{phone}: one unified profile, found by any written form of any of its numbers. */
import { parsePhone } from '../../core/clean/index.ts';
import { DynamoProfileStore, documentClient } from '../../adapters/dynamo-profile-store.ts';
import { json, type Routes } from './http.ts';

const store = new DynamoProfileStore(documentClient(), process.env.TABLE_NAME!);

export const profileRoutes: Routes = {
  'GET /v1/profiles/{phone}': async (event) => {
    const phone = event.pathParameters?.phone ?? '';
    const parsed = parsePhone(phone);
    if (!parsed.valid || !parsed.e164) return json(400, { error: parsed.problem?.code ?? 'phone.invalid', message: parsed.problem?.message ?? `${phone} is not a valid phone number` });
    const profileId = await store.profileIdForPhone(parsed.e164);
    const profile = profileId && (await store.getProfile(profileId));
    if (!profile) return json(404, { error: 'profile.not_found', message: `no profile has the number ${parsed.e164}` });
    return json(200, { ...profile, members: await store.members(profile.profileId) });
  },
};
