/**
 * The stack's static answers, none of which holds data: GET /console and /console/{asset}, the
 * steward's console built from console/ by scripts/build-console.mjs (it asks for the API token and
 * calls /v1/* with it), and GET /openapi.json, the API's description.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { css, html, js } from '../../dist/console/assets.mjs';
import { OPENAPI_DOCUMENT } from './openapi.ts';

const ASSETS: Record<string, { body: string; type: string }> = {
  'app.js': { body: js, type: 'text/javascript; charset=utf-8' },
  'app.css': { body: css, type: 'text/css; charset=utf-8' },
};
const OPENAPI = JSON.stringify(OPENAPI_DOCUMENT);

/** No inline code, no other origin: the token the page holds goes only to this API. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const answer = (statusCode: number, type: string, body: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': type, 'cache-control': 'no-cache', ...SECURITY_HEADERS },
  body,
});

export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  if (event.routeKey === 'GET /openapi.json') return answer(200, 'application/json; charset=utf-8', OPENAPI);
  const name = event.pathParameters?.asset;
  if (name === undefined) return answer(200, 'text/html; charset=utf-8', html);
  const asset = ASSETS[name];
  return asset ? answer(200, asset.type, asset.body) : answer(404, 'text/plain; charset=utf-8', `no console file ${name}`);
});
