/**
 * The template's HTTP API (API Gateway v2) served on 127.0.0.1: routes, Lambda proxy integrations
 * with payload format 2.0, and Lambda request authorizers with simple responses.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { resolve, resourcesOfType, logicalIdFor, type Template } from './template.ts';
import type { LocalFunctions } from './functions.ts';

/** API Gateway's own payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

interface Route {
  method: string;
  pattern: RegExp;
  paramNames: string[];
  routeKey: string;
  functionLogicalId: string;
  authorizer?: {
    logicalId: string;
    functionLogicalId: string;
    identitySources: string[];
    /** AuthorizerResultTtlInSeconds in ms: how long a verdict is reused (0: asked every time). */
    ttlMs: number;
  };
}

function compilePath(path: string): { pattern: RegExp; paramNames: string[] } {
  const paramNames: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      const m = /^\{(.+?)(\+)?\}$/.exec(segment);
      if (!m) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      paramNames.push(m[1]);
      return m[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), paramNames };
}

/** `arn:…:apigateway:…:lambda:path/2015-03-31/functions/<function arn>/invocations` → function. */
function functionOfUri(template: Template, uri: string): string {
  const arn = /functions\/(.+)\/invocations$/.exec(uri)?.[1] ?? uri;
  const id = logicalIdFor(template, arn);
  if (!id) throw new Error(`integration targets an unknown function: ${uri}`);
  return id;
}

export function httpRoutes(template: Template): Route[] {
  return resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([logicalId, resource]) => {
    const p = resolve(template, resource.Properties ?? {});
    const integrationId = logicalIdFor(template, String(p.Target).replace(/^integrations\//, ''));
    const integration = integrationId && resolve(template, template.Resources[integrationId].Properties);
    if (!integration) throw new Error(`route ${logicalId} has no integration`);
    const [method, path] = String(p.RouteKey).split(' ');
    let authorizer: Route['authorizer'];
    if (p.AuthorizationType === 'CUSTOM') {
      const authId = logicalIdFor(template, p.AuthorizerId);
      const a = authId && resolve(template, template.Resources[authId].Properties);
      if (!a) throw new Error(`route ${logicalId} names an unknown authorizer`);
      authorizer = {
        logicalId: authId,
        functionLogicalId: functionOfUri(template, a.AuthorizerUri),
        identitySources: a.IdentitySource ?? [],
        ttlMs: 1000 * Number(a.AuthorizerResultTtlInSeconds ?? 0),
      };
    }
    return {
      method,
      ...compilePath(path),
      routeKey: p.RouteKey,
      functionLogicalId: functionOfUri(template, integration.IntegrationUri),
      authorizer,
    };
  });
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too_large'> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => ok(size > MAX_BODY_BYTES ? 'too_large' : Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

type Verdict = { isAuthorized?: boolean; context?: Record<string, unknown> } | null;

/** Like API Gateway's: a path that is not valid percent-encoding names no resource. */
function decodePathParameter(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/**
 * `log` hears what went wrong inside (the operator's console); the caller, like API Gateway's, is
 * told only that it did.
 */
export function httpApi(template: Template, functions: LocalFunctions, log: (message: string) => void = () => {}): RequestListener {
  const routes = httpRoutes(template);
  /** Authorizer verdicts by authorizer and identity-source values, until their TTL ends. */
  const verdicts = new Map<string, { until: number; verdict: Verdict }>();

  return async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      const method = req.method ?? 'GET';
      let route: Route | undefined;
      let match: RegExpExecArray | null = null;
      for (const r of routes) {
        if (r.method !== method && r.method !== 'ANY') continue;
        match = r.pattern.exec(url.pathname);
        if (match) {
          route = r;
          break;
        }
      }
      if (!route || !match) return send(res, 404, { message: 'Not Found' });
      const body = await readBody(req);
      if (body === 'too_large') return send(res, 413, { message: 'Request Entity Too Large' });

      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : String(v)]),
      );
      const decoded = route.paramNames.map((_, i) => decodePathParameter(match![i + 1]!));
      if (decoded.some((v) => v === undefined)) return send(res, 400, { message: 'Bad Request', code: 'request.bad_path' });
      const pathParameters = Object.fromEntries(route.paramNames.map((n, i) => [n, decoded[i]!]));
      const query = Object.fromEntries(url.searchParams.entries());
      const now = Date.now();
      const event: Record<string, any> = {
        version: '2.0',
        routeKey: route.routeKey,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        queryStringParameters: Object.keys(query).length ? query : undefined,
        pathParameters: route.paramNames.length ? pathParameters : undefined,
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          domainName: headers.host ?? '127.0.0.1',
          http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
          requestId: randomUUID(),
          routeKey: route.routeKey,
          stage: '$default',
          time: new Date(now).toUTCString(),
          timeEpoch: now,
        },
        body: body.length ? body.toString('utf8') : undefined,
        isBase64Encoded: false,
      };

      if (route.authorizer) {
        const identity = route.authorizer.identitySources.map((s) => headers[s.replace('$request.header.', '').toLowerCase()]);
        // API Gateway rejects a request missing an identity source without calling the authorizer.
        if (identity.some((v) => !v)) return send(res, 401, { message: 'Unauthorized' });
        // Like API Gateway, a verdict is reused for the same identity-source values for the
        // authorizer's AuthorizerResultTtlInSeconds (0 or unset: the authorizer runs every time).
        const auth = route.authorizer;
        // Per authorizer, as API Gateway caches it: routes sharing one share its verdicts.
        const cacheKey = `${auth.logicalId}\n${JSON.stringify(identity)}`;
        const cached = auth.ttlMs > 0 ? verdicts.get(cacheKey) : undefined;
        const verdict: Verdict =
          cached && cached.until > now
            ? cached.verdict
            : ((await functions.invoke(auth.functionLogicalId, {
                ...event,
                type: 'REQUEST',
                identitySource: identity,
                routeArn: `arn:aws:execute-api:us-east-1:000000000000:local/$default/${method}${url.pathname}`,
              })) as Verdict);
        if (auth.ttlMs > 0 && !(cached && cached.until > now)) verdicts.set(cacheKey, { until: now + auth.ttlMs, verdict });
        if (!verdict?.isAuthorized) return send(res, 403, { message: 'Forbidden' });
        event.requestContext.authorizer = { lambda: verdict.context ?? {} };
      }

      const result = (await functions.invoke(route.functionLogicalId, event)) as any;
      if (result && typeof result === 'object' && 'statusCode' in result) {
        const text = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? '');
        res.writeHead(result.statusCode, result.headers ?? {});
        return res.end(text);
      }
      send(res, 200, result ?? '');
    } catch (error) {
      log(`http ${req.method} ${req.url?.split('?')[0]}: ${(error as Error).message}`);
      send(res, 500, { message: 'Internal Server Error' });
    }
  };
}
