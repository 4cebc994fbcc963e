/** The authenticated query API (/v1/*). */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { parsePhone } from '../core/clean/index.ts';
import { DynamoProfileStore, documentClient } from '../adapters/dynamo-profile-store.ts';

const logger = new Logger();
const store = new DynamoProfileStore(documentClient(), process.env.TABLE_NAME!);

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

async function getProfile(phone: string): Promise<APIGatewayProxyStructuredResultV2> {
  const parsed = parsePhone(phone);
  if (!parsed.valid || !parsed.e164) return json(400, { error: parsed.problem?.code ?? 'phone.invalid', message: parsed.problem?.message ?? `${phone} is not a valid phone number` });
  const profileId = await store.profileIdForPhone(parsed.e164);
  const profile = profileId && (await store.getProfile(profileId));
  if (!profile) return json(404, { error: 'profile.not_found', message: `no profile has the number ${parsed.e164}` });
  return json(200, { ...profile, members: await store.members(profile.profileId) });
}

export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  switch (event.routeKey) {
    case 'GET /v1/profiles/{phone}':
      return getProfile(event.pathParameters?.phone ?? '');
    default:
      return json(404, { error: 'route.not_found', message: `no route ${event.routeKey}` });
  }
}).use(injectLambdaContext(logger));
