/**
 * The local S3 server keeps every write inside its folder and serves no browser: keys with `../`
 * (encoded or not, in the path or a copy source), form POSTs, CORS preflights and unsigned requests
 * are refused with 403 and write nothing; the SDK's own requests work as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CopyObjectCommand, CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startStorage, type LocalStorage } from '../../lib/local/storage.ts';
import { LOCAL_CREDENTIALS } from '../../lib/local/cloud-info.ts';

const root = mkdtempSync(join(tmpdir(), 'phonekey-s3guard-'));
const dataDir = join(root, 'data');
let storage: LocalStorage;
let s3: S3Client;
const SIGNED = { authorization: 'AWS4-HMAC-SHA256 Credential=S3RVER/20261204/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00' };

beforeAll(async () => {
  storage = await startStorage(dataDir, { dynamodb: 0, s3: 0 });
  s3 = new S3Client({ region: 'us-east-1', endpoint: storage.s3Endpoint, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'raw' }));
});

afterAll(async () => {
  await storage?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** One request exactly as written (no URL normalization of `..`). */
function send(method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; text: string }> {
  const { port, hostname } = new URL(storage.s3Endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const escaped = () => readdirSync(root).filter((f) => f !== 'data');

describe('the local S3 server', () => {
  it('refuses keys that climb out of their bucket, however they are written', async () => {
    for (const path of ['/raw/../../escape-a.txt', '/raw/..%2F..%2Fescape-b.txt', '/raw/%2e%2e/%2e%2e/escape-c.txt', '/raw/incoming/%2E%2E%2F%2E%2E%2F%2E%2E%2Fescape-d.txt', '/raw/bad%zz']) {
      const res = await send('PUT', path, SIGNED, 'x');
      expect(res.status, path).toBe(403);
      expect(res.text).toContain('AccessDenied');
    }
    const copy = await send('PUT', '/raw/copy.txt', { ...SIGNED, 'x-amz-copy-source': 'raw/..%2F..%2Fdata%2Fsecrets.json' });
    expect(copy.status).toBe(403);
    expect(escaped()).toEqual([]);
  });

  it('refuses a browser form POST, a CORS preflight and an unsigned write', async () => {
    const boundary = 'XyZ';
    const form = [`--${boundary}`, 'Content-Disposition: form-data; name="key"', '', 'incoming/web/dropped.csv', `--${boundary}`, 'Content-Disposition: form-data; name="file"; filename="a.csv"', 'Content-Type: text/csv', '', 'phone\n13800138001', `--${boundary}--`, ''].join('\r\n');
    expect((await send('POST', '/raw', { 'content-type': `multipart/form-data; boundary=${boundary}`, origin: 'http://evil.example' }, form)).status).toBe(403);
    expect((await send('POST', '/raw', { ...SIGNED, 'content-type': `multipart/form-data; boundary=${boundary}` }, form)).status).toBe(403);
    expect((await send('OPTIONS', '/raw/incoming/web/x.csv', { origin: 'http://evil.example', 'access-control-request-method': 'PUT' })).status).toBe(403);
    expect((await send('PUT', '/raw/incoming/web/plain.csv', { 'content-type': 'text/plain' }, 'phone\n13800138001')).status).toBe(403);
    expect(existsSync(join(dataDir, 's3', 'raw', 'incoming'))).toBe(false);
  });

  it('serves the SDK as before: put, get, copy', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'raw', Key: 'incoming/crm/客户 a.csv', Body: 'phone\n13800138001\n' }));
    await s3.send(new CopyObjectCommand({ Bucket: 'raw', Key: 'incoming/crm/copy.csv', CopySource: `raw/${encodeURIComponent('incoming/crm/客户 a.csv').replace(/%2F/g, '/')}` }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'raw', Key: 'incoming/crm/copy.csv' }));
    expect(await got.Body!.transformToString()).toBe('phone\n13800138001\n');
  });
});
