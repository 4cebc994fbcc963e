/**
 * Imports the import function gave up on: locally the cloud's dead-letter file, on AWS the import
 * dead-letter queue. Read by `phonekey retry` and watched by `phonekey import`.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { UserError } from './main.ts';
import type { Target } from './target.ts';

export interface DeadImport {
  kind: 'import';
  id: string;
  bucket: string;
  key: string;
  versionId?: string;
  failedAt: string;
  attempts: number;
  reason: string;
  /** Where the entry lives: dead-letter file lines, or SQS receipt handles. */
  handles: string[];
}



interface DeadLetterEvent {
  Records?: Array<{ s3?: { bucket?: { name?: string }; object?: { key?: string; versionId?: string; eTag?: string } } }>;
}

/** One entry per dropped object (its redeliveries and repeated failures folded together). */
function foldImports(entries: Array<{ handle: string; time: string; reason: string; event: DeadLetterEvent }>): DeadImport[] {
  const byObject = new Map<string, DeadImport>();
  for (const entry of entries) {
    for (const record of entry.event.Records ?? []) {
      const bucket = record.s3?.bucket?.name;
      const encoded = record.s3?.object?.key;
      if (!bucket || !encoded) continue;
      const key = decodeURIComponent(encoded.replace(/\+/g, ' '));
      const versionId = record.s3?.object?.versionId;
      const object = `${bucket}/${key}@${versionId ?? record.s3?.object?.eTag ?? ''}`;
      const id = `import-${createHash('sha256').update(object).digest('hex').slice(0, 10)}`;
      const seen = byObject.get(id);
      if (seen) {
        seen.attempts++;
        if (!seen.handles.includes(entry.handle)) seen.handles.push(entry.handle);
        if (entry.time >= seen.failedAt) Object.assign(seen, { failedAt: entry.time, reason: entry.reason });
      } else {
        byObject.set(id, { kind: 'import', id, bucket, key, versionId, failedAt: entry.time, attempts: 1, reason: entry.reason, handles: [entry.handle] });
      }
    }
  }
  return [...byObject.values()].sort((a, b) => a.failedAt.localeCompare(b.failedAt));
}

export interface DeadLetterSource {
  list(): Promise<DeadImport[]>;
  /** Forgets the entries behind these handles (after a successful retry). */
  remove(handles: string[]): Promise<void>;
}

/** The local cloud's `dead-letters.ndjson`: one line per invocation that used up its retries. */
export function localDeadLetters(dataDir: string): DeadLetterSource {
  const file = join(dataDir, 'dead-letters.ndjson');
  const lines = () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()) : []);
  const handleOf = (line: string) => createHash('sha256').update(line).digest('hex');
  return {
    list: async () =>
      foldImports(
        lines().flatMap((line) => {
          try {
            const entry = JSON.parse(line) as { time: string; error: string; event: DeadLetterEvent };
            return [{ handle: handleOf(line), time: entry.time, reason: entry.error, event: entry.event }];
          } catch {
            return []; // a torn last line of a crashed cloud
          }
        }),
      ),
    remove: async (handles) => {
      const drop = new Set(handles);
      // Re-read right before writing: the cloud may have appended a new failure meanwhile.
      const keep = lines().filter((line) => !drop.has(handleOf(line)));
      writeFileSync(file, keep.map((l) => l + '\n').join(''));
    },
  };
}

/** SHA-256 (keyed: HMAC) in the shape SignatureV4 wants, from node:crypto. */
class Sha256 {
  private h: Hash | Hmac;
  constructor(private readonly secret?: string | Uint8Array) {
    this.h = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(data: string | Uint8Array): void {
    this.h.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    this.h = this.fresh();
  }
}

/**
 * The import function's SQS dead-letter queue, spoken to in SQS's JSON protocol (the CLI has no
 * SQS client package). Lambda puts the original S3 event in the body and the error in the
 * `ErrorMessage` attribute. Messages stay in the queue until a retry succeeds.
 */
function sqsDeadLetters(queueUrl: string): DeadLetterSource {
  const url = new URL(queueUrl);
  const region = url.hostname.split('.')[1] ?? process.env.AWS_REGION ?? 'us-east-1';
  const signer = new SignatureV4({ service: 'sqs', region, credentials: defaultProvider(), sha256: Sha256 as never });
  const call = async (action: string, body: Record<string, unknown>): Promise<any> => {
    const payload = JSON.stringify({ QueueUrl: queueUrl, ...body });
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      path: '/',
      headers: { host: url.hostname, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` },
      body: payload,
    });
    const res = await fetch(`${url.protocol}//${url.hostname}/`, { method: 'POST', headers: signed.headers as Record<string, string>, body: payload });
    const text = await res.text();
    if (!res.ok) throw new Error(`SQS ${action} failed (${res.status}): ${text}`);
    return text ? JSON.parse(text) : {};
  };
  return {
    list: async () => {
      const seen = new Map<string, { handle: string; time: string; reason: string; event: DeadLetterEvent }>();
      // Short visibility: listing hides nothing for long, and a few rounds see the whole queue.
      for (let round = 0; round < 20; round++) {
        const out = await call('ReceiveMessage', { MaxNumberOfMessages: 10, VisibilityTimeout: 30, WaitTimeSeconds: 1, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['SentTimestamp'] });
        const messages: any[] = out.Messages ?? [];
        if (!messages.length) break;
        for (const m of messages) {
          if (seen.has(m.MessageId)) continue;
          let event: DeadLetterEvent = {};
          try {
            event = JSON.parse(m.Body);
          } catch {}
          const sent = Number(m.Attributes?.SentTimestamp ?? Date.now());
          seen.set(m.MessageId, { handle: m.ReceiptHandle, time: new Date(sent).toISOString(), reason: m.MessageAttributes?.ErrorMessage?.StringValue ?? 'unknown error', event });
        }
      }
      return foldImports([...seen.values()]);
    },
    remove: async (handles) => {
      for (const ReceiptHandle of handles) await call('DeleteMessage', { ReceiptHandle });
    },
  };
}

export function deadLetterSource(target: Target, dataDir: string): DeadLetterSource {
  if (target.kind === 'local') return localDeadLetters(dataDir);
  const queueUrl = target.outputs.ImportDeadLetterQueueUrl;
  if (!queueUrl) throw new UserError('the stack has no ImportDeadLetterQueueUrl output: deploy the current stack first');
  return sqsDeadLetters(queueUrl);
}
