/**
 * Hostile input through the real entry points of one local cloud: keys that are names of
 * JavaScript's own properties (`constructor`, `__proto__`), ids longer than any store key,
 * malformed URLs. Each bad item is rejected alone with a code, or stored safely; the good items
 * around it are stored exactly once; read = stored + rejected + redelivered; the cloud stays up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { signedHeaders } from '../../functions/core/events/index.ts';
import { parseSourceConfig } from '../../functions/core/ingest/source-config.ts';
import { DynamoProfileStore } from '../../functions/adapters/dynamo-profile-store.ts';
import type { LocalCloud } from '../../lib/local/cloud.ts';
import { phoneOf } from '../support/files.ts';
import { currentSecret, localDb, localS3, REPO_ROOT, runCli, sourceRecords, startTestCloud } from '../support/local-cloud.ts';
import { importOfObject } from '../../lib/cli/upload-import.ts';

let cloud: LocalCloud;
let dataDir: string;
let cleanup: () => Promise<void>;
let db: DynamoDBDocumentClient;
let secret: string;
let apiToken: string;
const work = mkdtempSync(join(tmpdir(), 'phonekey-hostile-'));

beforeAll(async () => {
  ({ cloud, dataDir, cleanup } = await startTestCloud());
  db = localDb(cloud);
  secret = JSON.parse(currentSecret(cloud, 'webhooksecrets')).default;
  apiToken = currentSecret(cloud, 'apitoken');
  const store = new DynamoProfileStore(db, cloud.info.outputs.TableName);
  await store.putSourceConfig('app', parseSourceConfig(readFileSync(join(REPO_ROOT, 'examples/sources/app-channel.json'), 'utf8')));
  // Like a channel's default config: the event's free-form `properties` kept whole.
  await store.putSourceConfig('web', parseSourceConfig({ name: 'web', kind: 'channel', fields: { phone: 'phone' }, events: { eventId: 'event_id', eventName: 'event', timestamp: 'timestamp', attributes: { properties: 'properties' } } }));
}, 180_000);

afterAll(async () => {
  await cleanup?.();
});

const recordIds = async (source: string) => (await sourceRecords(db, cloud.info.outputs.TableName, source)).map((item) => item.recordId as string).sort();

/** `phonekey import` as a user runs it; the import state it ends with. */
async function importFile(source: string, name: string, body: string, exitCode = 0) {
  const file = join(work, name);
  writeFileSync(file, body);
  const result = await runCli(['import', file, '--source', source, '--json', '--timeout', '120'], { dataDir });
  expect(result.stderr).not.toMatch(/dead-letter/i);
  expect(result.code, result.stderr).toBe(exitCode);
  const state = JSON.parse(result.stdout)[0] as { status: string; error?: string; counts: { read: number; stored: number; rejected: number; redelivered: number; byReason: Record<string, number> } };
  expect(state.counts.read, 'read = stored + rejected + redelivered').toBe(state.counts.stored + state.counts.rejected + state.counts.redelivered);
  return state;
}

async function postEvents(body: string, channel = 'app') {
  const response = await fetch(`${cloud.info.endpoints.api}/webhooks/${channel}`, { method: 'POST', headers: { 'content-type': 'application/json', ...signedHeaders(secret, body) }, body });
  return { status: response.status, body: (await response.json()) as any };
}

const view = (id: string, i: number, extra: Record<string, unknown> = {}) => ({
  event: 'item_detail_view',
  event_id: id,
  ts: '2026-11-20 10:00:00',
  user: { phone: phoneOf(91_000 + i) },
  device: { os: 'ios', id: 'd' },
  props: { item_id: 'sku-1', category: 'tea', ...extra },
});

describe('keys named after JavaScript’s own properties', () => {
  it('a CSV with a `constructor` and a `__proto__` column imports every row', async () => {
    const lines = ['id,name,phone,constructor,__proto__'];
    for (let i = 0; i < 40; i++) lines.push(`k${i},客户${i},${phoneOf(90_000 + i)},x${i},{"polluted":true}`);
    const state = await importFile('protokeys', 'proto-keys.csv', lines.join('\n') + '\n');
    expect(state.status).toBe('done');
    expect(state.counts).toMatchObject({ read: 40, stored: 40, rejected: 0 });
    expect(await recordIds('protokeys')).toHaveLength(40);
    expect(({} as any).polluted).toBeUndefined();
  });

  it('NDJSON rows with `constructor` and `__proto__` inside nested objects import every row', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 30; i++) {
      const meta = i % 3 === 0 ? '{"constructor":"x"}' : i % 3 === 1 ? '{"__proto__":{"polluted":true}}' : '{"prototype":1,"hasOwnProperty":2}';
      lines.push(`{"id":"n${i}","name":"客户${i}","phone":"${phoneOf(92_000 + i)}","meta":${meta}}`);
    }
    const state = await importFile('protonest', 'proto-nested.ndjson', lines.join('\n') + '\n');
    expect(state.counts).toMatchObject({ read: 30, stored: 30, rejected: 0 });
    expect(await recordIds('protonest')).toHaveLength(30);
  });

  it('a webhook batch whose events carry such keys stores every event', async () => {
    const events = [
      view('proto-1', 1, { constructor: 'x' }),
      view('proto-2', 2),
      { ...view('proto-3', 3), constructor: { name: 'y' } },
      JSON.parse(`{"event":"item_detail_view","event_id":"proto-4","ts":"2026-11-20 10:00:00","user":{"phone":"${phoneOf(91_004)}","__proto__":{"x":1}},"props":{"item_id":"sku-1","category":"tea","__proto__":{"polluted":true}}}`),
    ];
    const { status, body } = await postEvents(JSON.stringify(events));
    expect(status).toBe(202);
    expect(body.results.map((r: any) => r.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    expect(({} as any).polluted).toBeUndefined();
  });
  it('free-form event properties with such keys are stored with every key kept', async () => {
    const properties = ['{"constructor":"x","screen":"home"}', '{"__proto__":{"polluted":true},"screen":"cart"}', '{"constructor":{"prototype":{}}}'];
    const body = `[${properties.map((p, i) => `{"event":"tap","event_id":"web-${i}","timestamp":"2026-11-20 10:00:00","phone":"${phoneOf(91_100 + i)}","properties":${p}}`).join(',')}]`;
    const { status, body: answer } = await postEvents(body, 'web');
    expect(status).toBe(202);
    expect(answer.results.map((r: any) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    const out = await db.send(new ScanCommand({ TableName: cloud.info.outputs.TableName, FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': 'EVT#web#' } }));
    const stored = Object.fromEntries((out.Items ?? []).map((i) => [i.eventId, JSON.parse(i.attributes.properties)]));
    expect(Object.keys(stored['web-1'])).toEqual(['__proto__', 'screen']);
    expect(stored['web-0']).toEqual(JSON.parse(properties[0]!));
    expect(({} as any).polluted).toBeUndefined();
  });
});

describe('ids longer than a store key', () => {
  it('an event_id of 2,100 characters is rejected alone with event.id_too_long; the rest of the batch is stored', async () => {
    const long = 'e'.repeat(2_100);
    const { status, body } = await postEvents(JSON.stringify([view('long-before', 10), view(long, 11), view('long-after', 12)]));
    expect(status).toBe(202);
    expect(body.results.map((r: any) => r.status)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(body.results[1].code).toBe('event.id_too_long');
  });

  it('a CSV id of 3,000 characters at row 50 is rejected alone with row.id_too_long', async () => {
    const lines = ['id,name,phone'];
    for (let i = 1; i <= 99; i++) lines.push(`${i === 50 ? 'x'.repeat(3_000) : `l${i}`},客户${i},${phoneOf(93_000 + i)}`);
    const state = await importFile('longids', 'long-ids.csv', lines.join('\n') + '\n');
    expect(state.status).toBe('done');
    expect(state.counts).toMatchObject({ read: 99, stored: 98, rejected: 1 });
    expect(state.counts.byReason).toEqual({ 'row.id_too_long': 1 });
    const ids = await recordIds('longids');
    expect(ids).toHaveLength(98);
    expect(ids.every((id) => id.length < 100)).toBe(true);
  });
});

describe('a file that goes wrong half-way', () => {
  it('an unclosed JSON array of 1,200 rows: the import fails with the reason, and every row read is stored', async () => {
    const rows = Array.from({ length: 1_200 }, (_, i) => JSON.stringify({ id: `t${i}`, name: `客户${i}`, phone: phoneOf(94_000 + i) }));
    const state = await importFile('truncated', 'unclosed.json', `[\n${rows.join(',\n')}\n`, 1);
    expect(state.status).toBe('failed');
    expect(state.error).toMatch(/\S/);
    expect(state.counts).toMatchObject({ read: 1_200, stored: 1_200, rejected: 0 });
    expect(await recordIds('truncated')).toHaveLength(1_200);
  });
});

describe('the same rows uploaded twice at once', () => {
  it('are stored once: the two imports’ stored counts add up to the rows, the rest redelivered', async () => {
    const rows = ['id,name,phone', ...Array.from({ length: 600 }, (_, i) => `d${i},客户${i},${phoneOf(96_000 + i)}`)].join('\n') + '\n';
    const [a, b] = await Promise.all([importFile('twice', 'twice-a.csv', rows), importFile('twice', 'twice-b.csv', rows)]);
    for (const state of [a, b]) expect(state.counts).toMatchObject({ read: 600, rejected: 0 });
    expect(a.counts.stored + b.counts.stored).toBe(600);
    expect(a.counts.redelivered + b.counts.redelivered).toBe(600);
    expect(await recordIds('twice')).toHaveLength(600);
  });
});

describe('metadata an uploader sets', () => {
  it('a new file that carries a finished import’s id in its metadata is imported on its own, with its own report', async () => {
    const first = await importFile('meta', 'first.csv', `id,name,phone\nm1,周一,${phoneOf(95_001)}\n`);
    expect(first.status).toBe('done');
    const firstId = (first as unknown as { importId: string }).importId;
    const s3 = localS3(cloud);
    const bucket = cloud.info.outputs.RawBucketName;
    const key = 'incoming/meta/second.csv';
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `id,name,phone\nm2,周二,${phoneOf(95_002)}\nm3,周三,${phoneOf(95_003)}\n`, Metadata: { 'import-id': firstId, 'resume-import': firstId } }));
    const store = new DynamoProfileStore(db, cloud.info.outputs.TableName);
    const { importId } = await importOfObject(s3, store, bucket, key, put.VersionId);
    expect(importId).not.toBe(firstId);
    await cloud.idle();
    expect((await store.getImport(importId))?.counts).toMatchObject({ read: 2, stored: 2 });
    expect((await store.getImport(firstId))?.counts).toMatchObject({ read: 1, stored: 1 });
    expect(await recordIds('meta')).toEqual(['m1', 'm2', 'm3']);
  });
});

describe('malformed requests to the HTTP API', () => {
  it('a malformed percent-escape is a 400 with a code', async () => {
    const response = await fetch(`${cloud.info.endpoints.api}/v1/profiles/139%`, { headers: { authorization: `Bearer ${apiToken}` } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(body.code).toBe('request.bad_path');
  });
});

/** Key names that are JavaScript's own properties, next to ordinary ones. */
const trickyKey = fc.constantFrom('constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'note', '备注');
const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('=SUM(A1)', '<script>x</script>', '\u0000\u202e', '八块'));
/** One row or event: good (stored once), an id too long for a key, or a value that is no phone. */
const item = fc.record({ kind: fc.constantFrom('good', 'good', 'good', 'longId', 'noPhone', 'nobody'), key: trickyKey, value: text, idLength: fc.integer({ min: 520, max: 3_000 }) });
let fuzzRun = 0;
const fuzzFigures = { runs: 0, items: 0, stored: 0, rejected: 0, lost: 0, doubled: 0 };
afterAll(() => console.log(`hostile property runs (imports): ${JSON.stringify(fuzzFigures)}`));

describe('property: hostile items mixed into good files and batches', () => {
  it('imports: read = stored + rejected + redelivered; every good row stored once, every bad one rejected with its code; the cloud stays up', async () => {
    const s3 = localS3(cloud);
    const store = new DynamoProfileStore(db, cloud.info.outputs.TableName);
    const bucket = cloud.info.outputs.RawBucketName;
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 10, maxLength: 60 }), async (items) => {
        const run = fuzzRun++;
        const source = `fz${run}`;
        const lines = items.map((x, i) => {
          const id = x.kind === 'longId' ? 'L'.repeat(x.idLength) : `r${i}`;
          // noPhone: a named customer without a usable number, kept; nobody: nothing says who, rejected
          const phone = x.kind === 'noPhone' || x.kind === 'nobody' ? 'n/a' : phoneOf(97_000 + run * 50 + i);
          const name = x.kind === 'nobody' ? '' : x.kind === 'noPhone' ? `无号客户${i}` : x.value;
          return `{"id":${JSON.stringify(id)},"phone":"${phone}","name":${JSON.stringify(name)},"meta":{${JSON.stringify(x.key)}:${JSON.stringify(x.value)}}}`;
        });
        const key = `incoming/${source}/rows.ndjson`;
        const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: lines.join('\n') + '\n' }));
        const { importId } = await importOfObject(s3, store, bucket, key, put.VersionId);
        let state = await store.getImport(importId);
        for (const deadline = Date.now() + 90_000; state?.status !== 'done' && state?.status !== 'failed'; state = await store.getImport(importId)) {
          expect(Date.now(), `import ${importId} still ${state?.status}`).toBeLessThan(deadline);
          await new Promise((r) => setTimeout(r, 100));
        }
        const good = items.flatMap((x, i) => (x.kind === 'good' || x.kind === 'noPhone' ? [`r${i}`] : []));
        const ids = await recordIds(source);
        const c = state.counts;
        fuzzFigures.runs++;
        fuzzFigures.items += items.length;
        fuzzFigures.stored += c.stored;
        fuzzFigures.rejected += c.rejected;
        fuzzFigures.lost += good.filter((id) => !ids.includes(id)).length;
        fuzzFigures.doubled += Math.max(0, c.stored - good.length);
        expect(state.status).toBe('done');
        expect(c.read).toBe(items.length);
        expect(c.stored + c.rejected + c.redelivered).toBe(c.read);
        expect(c.stored).toBe(good.length);
        expect(ids).toEqual([...good].sort());
        expect(c.byReason['row.id_too_long'] ?? 0).toBe(items.filter((x) => x.kind === 'longId').length);
        expect(c.byReason['row.no_identity'] ?? 0).toBe(items.filter((x) => x.kind === 'nobody').length);
        expect(c.withoutNumber).toBe(items.filter((x) => x.kind === 'noPhone').length);
        for (const code of Object.keys(c.byReason)) expect(code).toMatch(/^row\.(id_too_long|no_identity)$/);
      }),
      { numRuns: 6 },
    );
    expect((await postEvents('[]')).status).toBe(400); // still serving
  });

  it('webhooks: every good event accepted once, every bad one rejected with its code, whatever keys it carries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 5, maxLength: 40 }), async (items) => {
        const run = fuzzRun++;
        const body = `[${items
          .map((x, i) => {
            const id = x.kind === 'longId' ? 'L'.repeat(x.idLength) : `w${run}-${i}`;
            const phone = x.kind === 'noPhone' || x.kind === 'nobody' ? 'n/a' : phoneOf(98_000 + run * 40 + i); // an event needs its number
            return `{"event":"tap","event_id":${JSON.stringify(id)},"timestamp":"2026-11-20 10:00:00","phone":"${phone}","properties":{${JSON.stringify(x.key)}:${JSON.stringify(x.value)}}}`;
          })
          .join(',')}]`;
        const { status, body: answer } = await postEvents(body, 'web');
        const goods = items.filter((x) => x.kind === 'good').length;
        expect(status).toBe(goods ? 202 : 400);
        items.forEach((x, i) => {
          const r = answer.results[i];
          if (x.kind === 'good') expect(r.status).toBe('accepted');
          else expect(r).toMatchObject({ status: 'rejected', code: x.kind === 'longId' ? 'event.id_too_long' : expect.stringMatching(/^phone\./) });
        });
        expect(answer.accepted).toBe(goods);
      }),
      { numRuns: 15 },
    );
  });
});

describe('a revoked API token', () => {
  it('stops working within a minute of a new token being written; the new one works at once', async () => {
    const status = async (token: string) => (await fetch(`${cloud.info.endpoints.api}/v1/reviews`, { headers: { authorization: `Bearer ${token}` } })).status;
    expect(await status(apiToken)).toBe(200); // the verdict and the token are now cached
    const { SecretsManagerClient, PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const sm = new SecretsManagerClient({ region: 'us-east-1', endpoint: cloud.info.endpoints.control, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const name = (Object.values(JSON.parse(readFileSync(cloud.info.secretsFile, 'utf8'))) as Array<{ name: string }>).find((x) => x.name.includes('apitoken'))!.name;
    const fresh = 'a-new-token-for-the-test-0123456789';
    await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: fresh }));
    const revokedAt = Date.now();
    while ((await status(apiToken)) === 200) {
      expect(Date.now() - revokedAt, 'the revoked token still works').toBeLessThan(60_000);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await status(apiToken)).toBe(403);
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(60_000);
    expect(await status(fresh)).toBe(200);
  }, 120_000);
});
