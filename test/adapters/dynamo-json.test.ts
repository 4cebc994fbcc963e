/**
 * The lean DynamoDB JSON-protocol client used for check on entry's reads: its SigV4 signature is
 * the SDK signer's, byte for byte; it retries throttling, 5xx and dropped connections and throws
 * other errors at once with DynamoDB's error name; attribute values come back as plain JS; it
 * takes region, credentials and endpoint from the SDK client it is built from.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoJsonClient, DynamoJsonError, fromItem, leanReads, SigV4 } from '../../functions/adapters/dynamo-json.ts';

/** The checksum constructor SignatureV4 wants (SHA-256, or HMAC-SHA-256 given a secret), on node:crypto. */
class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | Uint8Array) {
    this.h = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data: string | Uint8Array) {
    this.h.update(data);
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
}

const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

async function sdkAuthorization(host: string, body: string, when: Date, sessionToken?: string, path = '/'): Promise<Record<string, string>> {
  const signer = new SignatureV4({ service: 'dynamodb', region: 'cn-north-1', credentials: { ...creds, sessionToken }, sha256: Sha256 as never, applyChecksum: false });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: host.split(':')[0]!,
      port: host.includes(':') ? Number(host.split(':')[1]) : undefined,
      path,
      headers: { host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Query' },
      body,
    },
    { signingDate: when },
  );
  return signed.headers as Record<string, string>;
}

describe('SigV4', () => {
  const body = JSON.stringify({ TableName: 't', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'BKEY#电话' } } });
  const when = new Date('2026-11-23T16:45:12.345Z');

  for (const [what, host, token] of [
    ['without a session token', 'dynamodb.cn-north-1.amazonaws.com.cn', undefined],
    ['with a session token (Lambda credentials) and a port', '127.0.0.1:4512', 'IQoJb3JpZ2luX2VjEA//token=='],
  ] as const) {
    it(`signs a DynamoDB POST exactly as the SDK's signer does, ${what}`, async () => {
      const ours = new SigV4('cn-north-1').sign(host, { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Query' }, body, { ...creds, sessionToken: token }, when);
      const sdk = await sdkAuthorization(host, body, when, token);
      expect(ours.authorization).toBe(sdk.authorization);
      expect(ours['x-amz-date']).toBe('20261123T164512Z');
      expect(ours['x-amz-security-token']).toBe(token);
    });
  }

  it('signs the endpoint path when it has one (a custom endpoint behind a prefix)', async () => {
    const ours = new SigV4('cn-north-1').sign('localhost:4566', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Query' }, body, creds, when, '/dynamodb');
    expect(ours.authorization).toBe((await sdkAuthorization('localhost:4566', body, when, undefined, '/dynamodb')).authorization);
  });

  it('changes the signature when the body changes', () => {
    const s = new SigV4('us-east-1');
    const a = s.sign('h', {}, '{"a":1}', creds, when).authorization;
    const b = s.sign('h', {}, '{"a":2}', creds, when).authorization;
    expect(a).not.toBe(b);
  });
});

describe('DynamoJsonClient against a scripted server', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function serve(answer: (n: number, req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<DynamoJsonClient> {
    let n = 0;
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => answer(++n, req, body, res));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    return new DynamoJsonClient({ region: 'us-east-1', endpoint: new URL(`http://127.0.0.1:${port}`), credentials: async () => creds });
  }
  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(body));
  };

  it('sends the operation as x-amz-target with a signed request, and answers the parsed body', async () => {
    let seen: IncomingMessage | undefined;
    const client = await serve((_n, req, body, res) => {
      seen = req;
      reply(res, 200, { Items: [{ sk: { S: 'crm#1' } }], echo: JSON.parse(body) });
    });
    const out = await client.call('Query', { TableName: 't' });
    expect(out).toEqual({ Items: [{ sk: { S: 'crm#1' } }], echo: { TableName: 't' } });
    expect(seen!.headers['x-amz-target']).toBe('DynamoDB_20120810.Query');
    expect(seen!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/dynamodb\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/);
    client.destroy();
  });

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

describe('plain values and set-up', () => {
  it('turns DynamoDB attribute values into plain JS', () => {
    expect(
      fromItem({
        s: { S: '张伟' },
        n: { N: '12.5' },
        m: { M: { phones: { L: [{ S: '+8613812345678' }] }, ok: { BOOL: true }, none: { NULL: true } } },
        ss: { SS: ['a', 'b'] },
        ns: { NS: ['1', '2'] },
      }),
    ).toEqual({ s: '张伟', n: 12.5, m: { phones: ['+8613812345678'], ok: true, none: null }, ss: ['a', 'b'], ns: [1, 2] });
  });

  it("takes the SDK client's endpoint, region and credentials, once per client", async () => {
    const sdk = new DynamoDBClient({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:1', credentials: creds });
    const a = await leanReads(sdk);
    expect(a).toBeInstanceOf(DynamoJsonClient);
    expect(await leanReads(sdk)).toBe(a);
    const failing = await a!.call('Query', {}).catch((e: unknown) => e);
    expect((failing as { code?: string }).code).toBe('ECONNREFUSED'); // it went to the configured endpoint
    a!.destroy();
    sdk.destroy();
  });

  it('is off with PHONEKEY_SDK_READS=1 (every read through the SDK)', async () => {
    process.env.PHONEKEY_SDK_READS = '1';
    try {
      const sdk = new DynamoDBClient({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:1', credentials: creds });
      expect(await leanReads(sdk)).toBeUndefined();
      sdk.destroy();
    } finally {
      delete process.env.PHONEKEY_SDK_READS;
    }
  });
});
