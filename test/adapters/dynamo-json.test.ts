/**
 * The lean DynamoDB JSON-protocol client the adapters' DocumentClient sends through: it sends what
 * the SDK's signer signed (path, headers, body); it retries throttling, 5xx and dropped connections
 * and throws other errors at once with DynamoDB's error name; it takes region, credentials and
 * endpoint from the SDK client it is built from.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SignatureV4 } from '@smithy/signature-v4';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoJsonClient, DynamoJsonError, leanClient, NodeSha256 } from '../../functions/adapters/dynamo-json.ts';

const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

/** The authorization the SDK's signer gives the request a server received: equal only if what was sent is what was signed. */
async function expectedAuthorization(req: IncomingMessage, body: string): Promise<string> {
  const date = String(req.headers['x-amz-date']);
  const when = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
  const signer = new SignatureV4({ service: 'dynamodb', region: 'us-east-1', credentials: creds, sha256: NodeSha256, applyChecksum: false });
  const host = String(req.headers.host);
  const signed = await signer.sign(
    {
      method: req.method!,
      protocol: 'http:',
      hostname: host.split(':')[0]!,
      port: Number(host.split(':')[1]),
      path: req.url!,
      query: {},
      headers: { host, 'content-type': String(req.headers['content-type']), 'x-amz-target': String(req.headers['x-amz-target']) },
      body,
    },
    { signingDate: when },
  );
  return signed.headers.authorization!;
}

describe('DynamoJsonClient against a scripted server', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function serve(answer: (n: number, req: IncomingMessage, body: string, res: ServerResponse) => void, path = ''): Promise<DynamoJsonClient> {
    let n = 0;
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => answer(++n, req, body, res));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    return new DynamoJsonClient({ region: 'us-east-1', endpoint: new URL(`http://127.0.0.1:${port}${path}`), credentials: async () => creds });
  }
  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(body));
  };

  for (const path of ['', '/dynamodb']) {
    it(`sends the operation as x-amz-target, signed as sent${path ? ' (an endpoint behind a path)' : ''}, and answers the parsed body`, async () => {
      let seen: { req: IncomingMessage; body: string } | undefined;
      const client = await serve((_n, req, body, res) => {
        seen = { req, body };
        reply(res, 200, { Items: [{ sk: { S: 'crm#1' } }], echo: JSON.parse(body) });
      }, path);
      const out = await client.call('Query', { TableName: 't', ExpressionAttributeValues: { ':p': { S: 'BKEY#电话' } } });
      expect(out).toEqual({ Items: [{ sk: { S: 'crm#1' } }], echo: { TableName: 't', ExpressionAttributeValues: { ':p': { S: 'BKEY#电话' } } } });
      expect(seen!.req.url).toBe(path || '/');
      expect(seen!.req.headers['x-amz-target']).toBe('DynamoDB_20120810.Query');
      expect(seen!.req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/dynamodb\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/);
      expect(seen!.req.headers.authorization).toBe(await expectedAuthorization(seen!.req, seen!.body));
      client.destroy();
    });
  }

  it('retries throttling and 5xx answers, then succeeds', async () => {
    const client = await serve((n, _req, _body, res) => {
      if (n === 1) return reply(res, 400, { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' });
      if (n === 2) return reply(res, 500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'oops' });
      reply(res, 200, { ok: n });
    });
    expect(await client.call('GetItem', {})).toEqual({ ok: 3 });
    client.destroy();
  });

  it('retries a dropped connection', async () => {
    const client = await serve((n, req, _body, res) => {
      if (n === 1) return req.socket.destroy();
      reply(res, 200, { ok: n });
    });
    expect(await client.call('GetItem', {})).toEqual({ ok: 2 });
    client.destroy();
  });

  it('throws a client error at once, named as DynamoDB names it', async () => {
    let calls = 0;
    const client = await serve((_n, _req, _body, res) => {
      calls++;
      reply(res, 400, { __type: 'com.amazon.coral.validate#ValidationException', message: 'One or more parameter values were invalid' });
    });
    const error = await client.call('Query', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoJsonError);
    expect((error as Error).name).toBe('ValidationException');
    expect((error as Error).message).toBe('One or more parameter values were invalid');
    expect(calls).toBe(1);
    client.destroy();
  });

  it('gives up after four attempts of a lasting throttle', async () => {
    let calls = 0;
    const client = await serve((_n, _req, _body, res) => {
      calls++;
      reply(res, 400, { __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'no' });
    });
    await expect(client.call('Query', {})).rejects.toThrow('no');
    expect(calls).toBe(4);
    client.destroy();
  });
});

describe('set-up', () => {
  it("takes the SDK client's endpoint, region and credentials, once per client", async () => {
    const sdk = new DynamoDBClient({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:1', credentials: creds });
    const a = await leanClient(sdk);
    expect(a).toBeInstanceOf(DynamoJsonClient);
    expect(await leanClient(sdk)).toBe(a);
    const failing = await a!.call('Query', {}).catch((e: unknown) => e);
    expect((failing as { code?: string }).code).toBe('ECONNREFUSED'); // it went to the configured endpoint
    a!.destroy();
    sdk.destroy();
  });

  it('is off with PHONEKEY_SDK_READS=1 (every read through the SDK)', async () => {
    process.env.PHONEKEY_SDK_READS = '1';
    try {
      const sdk = new DynamoDBClient({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:1', credentials: creds });
      expect(await leanClient(sdk)).toBeUndefined();
      sdk.destroy();
    } finally {
      delete process.env.PHONEKEY_SDK_READS;
    }
  });
});
