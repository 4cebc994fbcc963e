/**
 * GET /console and /console/{asset}: the steward's console, a static page built from console/ by
 * scripts/build-console.mjs. The page holds no data; it asks for the API token and calls /v1/*
 * with it, so the route itself needs none.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { css, html, js } from '../../dist/console/assets.mjs';

const ASSETS: Record<string, { body: string; type: string }> = {
  'app.js': { body: js, type: 'text/javascript; charset=utf-8' },
  'app.css': { body: css, type: 'text/css; charset=utf-8' },
};

/** No inline code, no other origin: the token the page holds goes only to this API. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const name = event.pathParameters?.asset;
  const asset = name === undefined ? { body: html, type: 'text/html; charset=utf-8' } : ASSETS[name];
  if (!asset) return { statusCode: 404, headers: { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }, body: `no console file ${name}` };
  return { statusCode: 200, headers: { 'content-type': asset.type, 'cache-control': 'no-cache', ...SECURITY_HEADERS }, body: asset.body };
});
