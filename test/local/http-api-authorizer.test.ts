/**
 * The local HTTP API reuses a Lambda authorizer's verdict for the same identity-source values for
 * the authorizer's AuthorizerResultTtlInSeconds, as API Gateway does (lib/stack/api.ts sets 5 min),
 * and asks every time when the TTL is 0.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpApi } from '../../lib/local/http-api.ts';
import type { LocalFunctions } from '../../lib/local/functions.ts';
import type { Template } from '../../lib/local/template.ts';

const uri = (fn: string) => ({ 'Fn::Join': ['', ['arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': [fn, 'Arn'] }, '/invocations']] });

function template(ttlSeconds: number | undefined): Template {
  return {
    Resources: {
      Api: { Type: 'AWS::ApiGatewayV2::Api' },
      AuthFn: { Type: 'AWS::Lambda::Function' },
      RouteFn: { Type: 'AWS::Lambda::Function' },
      Authorizer: {
        Type: 'AWS::ApiGatewayV2::Authorizer',
        Properties: { ApiId: { Ref: 'Api' }, AuthorizerType: 'REQUEST', AuthorizerUri: uri('AuthFn'), IdentitySource: ['$request.header.Authorization'], ...(ttlSeconds === undefined ? {} : { AuthorizerResultTtlInSeconds: ttlSeconds }) },
      },
      Integration: { Type: 'AWS::ApiGatewayV2::Integration', Properties: { ApiId: { Ref: 'Api' }, IntegrationUri: { 'Fn::GetAtt': ['RouteFn', 'Arn'] } } },
      Route: {
        Type: 'AWS::ApiGatewayV2::Route',
        Properties: { ApiId: { Ref: 'Api' }, RouteKey: 'GET /v1/things', Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'Integration' }]] }, AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: 'Authorizer' } },
      },
    },
  } as unknown as Template;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(t: Template): Promise<{ get: (token: string) => Promise<number>; calls: string[] }> {
  const calls: string[] = [];
  const functions = {
    invoke: async (id: string, event: { headers: Record<string, string> }) => {
      calls.push(id);
      if (id === 'AuthFn') return { isAuthorized: event.headers.authorization === 'Bearer good' };
      return { statusCode: 200, body: 'ok' };
    },
  } as unknown as LocalFunctions;
  server = createServer(httpApi(t, functions));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const get = async (token: string) => (await fetch(`http://127.0.0.1:${port}/v1/things`, { headers: { authorization: `Bearer ${token}` } })).status;
  return { get, calls };
}

describe('authorizer results in the local HTTP API', () => {
  it('are reused per identity source for the TTL: allow and deny alike', async () => {
    const { get, calls } = await serve(template(300));
    expect([await get('good'), await get('good'), await get('good')]).toEqual([200, 200, 200]);
    expect([await get('bad'), await get('bad')]).toEqual([403, 403]);
    expect(calls.filter((c) => c === 'AuthFn')).toHaveLength(2); // once per distinct token
    expect(calls.filter((c) => c === 'RouteFn')).toHaveLength(3);
  });

  it('are not kept when the TTL is 0 or unset', async () => {
    for (const ttl of [0, undefined]) {
      const { get, calls } = await serve(template(ttl));
      expect([await get('good'), await get('good'), await get('bad')]).toEqual([200, 200, 403]);
      expect(calls.filter((c) => c === 'AuthFn')).toHaveLength(3);
      await new Promise<void>((r) => server!.close(() => r()));
      server = undefined;
    }
  });
});

describe('errors in the local HTTP API', () => {
  it('a function that throws is a bare 500 to the caller; what went wrong goes to the operator log', async () => {
    const logged: string[] = [];
    const functions = {
      invoke: async (id: string) => {
        if (id === 'AuthFn') return { isAuthorized: true };
        throw new Error('ENOENT: /var/task/internal/secret-path.js');
      },
    } as unknown as LocalFunctions;
    server = createServer(httpApi(template(0), functions, (m) => logged.push(m)));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/v1/things`, { headers: { authorization: 'Bearer good' } });
    expect(response.status).toBe(500);
    expect(await response.text()).toBe(JSON.stringify({ message: 'Internal Server Error' }));
    expect(logged.join('\n')).toContain('secret-path');
  });
});
