/** The authenticated query API (/v1/*): one function, routes by area in ./routes/. */
import middy from '@middy/core';
import { createLogger } from './logger.ts';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { json, type Routes } from './routes/http.ts';
import { profileRoutes } from './routes/profiles.ts';
import { privacyRoutes } from './routes/privacy.ts';
import { identityRoutes } from './routes/identity.ts';
import { segmentRoutes } from './routes/segments.ts';
import { reportRoutes } from './routes/reports.ts';
import { numberRoutes } from './routes/numbers.ts';

const logger = createLogger();

const routes: Routes = {
  ...profileRoutes,
  ...privacyRoutes,
  ...identityRoutes,
  ...segmentRoutes,
  ...reportRoutes,
  ...numberRoutes,
};

export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const route = routes[event.routeKey];
  if (!route) return json(404, { error: 'route.not_found', message: `no route ${event.routeKey}` });
  return route(event);
}).use(injectLambdaContext(logger));
