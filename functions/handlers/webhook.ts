/** POST /webhooks/{channel}: signed behaviour events from a channel (the use case: app/receive-events.ts). */
import { profileStore, secretReader } from '../adapters/wiring.ts';
import middy from '@middy/core';
import { createLogger } from './logger.ts';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { receiveEvents } from '../app/receive-events.ts';

const logger = createLogger();
const store = profileStore(process.env.TABLE_NAME!);
const secrets = secretReader();

/** Registered channel configs are cached per container this long (a `source put` applies within it). */
const CONFIG_TTL_MS = 10_000;
const configs = new Map<string, { config: unknown; until: number }>();

async function channelConfig(channel: string): Promise<unknown | undefined> {
  const hit = configs.get(channel);
  if (hit && hit.until > Date.now()) return hit.config;
  const config = await store.getSourceConfig(channel);
  // Only found configs are cached: a channel registered a moment ago is known at once.
  if (config !== undefined) configs.set(channel, { config, until: Date.now() + CONFIG_TTL_MS });
  return config;
}

export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const body = event.body === undefined || event.body === null ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const result = await receiveEvents(event.pathParameters?.channel ?? '', event.headers ?? {}, body, {
    store,
    secretValues: (refresh) => secrets.values(process.env.WEBHOOK_SECRETS_ARN!, { refresh }),
    channelConfig,
    log: (message, detail, level) => (level === 'debug' ? logger.debug(message, detail ?? {}) : logger.info(message, detail ?? {})),
  });
  return {
    statusCode: result.status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(result.body),
  };
}).use(injectLambdaContext(logger));
