/** GET /v1/numbers?standing=generic|shared&limit=&cursor=: the numbers that are not one person's own, with their evidence. */
import { numberDirectory } from '../../adapters/wiring.ts';
import { listNumbers, NumberRequestError } from '../../app/numbers.ts';
import { standingPolicy } from '../../core/identity/index.ts';
import { json, type Routes } from './http.ts';
import { matchRules } from './match-rules.ts';

const directory = numberDirectory(process.env.TABLE_NAME!);

export const numberRoutes: Routes = {
  'GET /v1/numbers': async (event) => {
    const params = event.queryStringParameters ?? {};
    try {
      const limit = params.limit === undefined ? undefined : Number(params.limit);
      return json(200, await listNumbers(directory, { standing: params.standing, limit, cursor: params.cursor, policy: standingPolicy(await matchRules()) }));
    } catch (error) {
      if (error instanceof NumberRequestError) return json(400, { error: 'numbers.bad_request', message: error.message });
      throw error;
    }
  },
};
