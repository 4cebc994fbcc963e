/** HTTP API Lambda authorizer for /v1/*: `Authorization: Bearer <API token>` (simple responses). */
import { secretReader } from '../adapters/wiring.ts';
import middy from '@middy/core';
import { createLogger } from './logger.ts';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { timingSafeEqual } from 'node:crypto';

const logger = createLogger();
/**
 * A token is revoked by writing a new one: only the current value is valid, read again every
 * 20 s, and API Gateway keeps a verdict 30 s (lib/stack/api.ts), so a revoked token stops working
 * within 50 s.
 */
const TOKEN_TTL_MS = 20_000;
const secrets = secretReader(undefined, { ttlMs: TOKEN_TTL_MS, previous: false });

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const handler = middy(async (event: APIGatewayRequestAuthorizerEventV2) => {
  const header = event.headers?.authorization ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  const matches = async (refresh: boolean) => (await secrets.values(process.env.API_TOKEN_SECRET_ARN!, { refresh })).some((t) => sameText(t, token!));
  // A token written since the values were read works at once (re-read at most once per 5 s).
  const valid = token ? (await matches(false)) || (await matches(true)) : false;
  if (!valid) logger.warn('rejected API request', { route: event.routeKey });
  return { isAuthorized: valid, context: { principal: valid ? 'api-token' : 'none' } };
}).use(injectLambdaContext(logger));
