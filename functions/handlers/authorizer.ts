/** HTTP API Lambda authorizer for /v1/*: `Authorization: Bearer <API token>` (simple responses). */
import middy from '@middy/core';
import { createLogger } from './logger.ts';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { timingSafeEqual } from 'node:crypto';
import { SecretReader } from '../adapters/secrets.ts';

const logger = createLogger();
const secrets = new SecretReader();

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const handler = middy(async (event: APIGatewayRequestAuthorizerEventV2) => {
  const header = event.headers?.authorization ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  const valid = token ? (await secrets.values(process.env.API_TOKEN_SECRET_ARN!)).some((t) => sameText(t, token)) : false;
  if (!valid) logger.warn('rejected API request', { route: event.routeKey });
  return { isAuthorized: valid, context: { principal: valid ? 'api-token' : 'none' } };
}).use(injectLambdaContext(logger));
