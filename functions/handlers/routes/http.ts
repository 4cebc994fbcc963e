/** What every /v1 route module shares: the route signature and JSON responses. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type RouteHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
/** Route key as API Gateway sends it (`GET /v1/profiles/{phone}`) → handler. */
export type Routes = Record<string, RouteHandler>;

export const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

/** The request body parsed as JSON, or a 400 response naming the problem. */
export function jsonBody(event: APIGatewayProxyEventV2): { ok: true; value: unknown } | { ok: false; response: APIGatewayProxyStructuredResultV2 } {
  const text = event.body == null ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return { ok: true, value: text === '' ? {} : JSON.parse(text) };
  } catch (error) {
    return { ok: false, response: json(400, { error: 'body.malformed_json', message: `the body is not JSON: ${(error as Error).message}` }) };
  }
}
