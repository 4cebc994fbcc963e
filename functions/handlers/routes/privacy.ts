/** DELETE /v1/profiles/{phone}: erase a person (functions/app/erase.ts), behind the API authorizer. */
import { privacyStore } from '../../adapters/wiring.ts';
import { erasePerson, EraseInputError } from '../../app/erase.ts';
import { json, type Routes } from './http.ts';

const privacy = privacyStore(process.env.TABLE_NAME!);

export const privacyRoutes: Routes = {
  'DELETE /v1/profiles/{phone}': async (event) => {
    const principal = (event.requestContext as { authorizer?: { lambda?: { principal?: string }; jwt?: { claims?: { sub?: string } } } }).authorizer;
    const actor = principal?.jwt?.claims?.sub ? `api:${principal.jwt.claims.sub}` : 'api';
    try {
      const result = await erasePerson(event.pathParameters?.phone ?? '', { privacy, actor });
      if (!result.erased) {
        return json(404, { error: 'profile.not_found', message: 'no profile has this number; it is suppressed anyway, so it will not be stored from now on', ...result });
      }
      return json(200, result);
    } catch (error) {
      if (error instanceof EraseInputError) return json(400, { error: error.problem.code, message: error.problem.message });
      throw error;
    }
  },
};
