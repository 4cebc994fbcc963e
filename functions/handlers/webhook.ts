/** POST /webhooks/{channel}: signed behaviour events from a channel (the use case: app/receive-events.ts). */
import { identityStore, profileStore, secretReader } from '../adapters/wiring.ts';
import { standingPolicy, type StandingPolicy } from '../core/identity/index.ts';
import middy from '@middy/core';
import { createLogger } from './logger.ts';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { receiveEvents } from '../app/receive-events.ts';

const logger = createLogger();
const store = profileStore(process.env.TABLE_NAME!);
const identity = identityStore(process.env.TABLE_NAME!);
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

/** The match rules' standing policy, cached like the configs (a `rules put` applies within the TTL). */
let standing: { policy: Promise<StandingPolicy>; until: number } | undefined;
function currentStanding(): Promise<StandingPolicy> {
  if (!standing || standing.until <= Date.now()) {
    const policy = identity.matchRules().then(standingPolicy);
    policy.catch(() => (standing = undefined)); // a failed read is not kept
    standing = { policy, until: Date.now() + CONFIG_TTL_MS };
  }
  return standing.policy;
}

export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const body = event.body === undefined || event.body === null ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const result = await receiveEvents(event.pathParameters?.channel ?? '', event.headers ?? {}, body, {
    store,
    secretValues: (refresh) => secrets.values(process.env.WEBHOOK_SECRETS_ARN!, { refresh }),
    channelConfig,
    standing: currentStanding,
    log: (message, detail, level) => (level === 'debug' ? logger.debug(message, detail ?? {}) : logger.info(message, detail ?? {})),
  });
  return {
    statusCode: result.status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(result.body),
  };
}).use(injectLambdaContext(logger));
