/**
 * `phonekey retry [--list] [ID…]`: what failed and was set aside — imports the import function gave
 * up on (locally the cloud's dead-letter file, on AWS the import dead-letter queue) and nightly runs
 * that ended FAILED / TIMED_OUT / ABORTED — with the reason, and re-drives them:
 *
 * - an import is re-driven by copying the dropped object onto itself with its import id in the
 *   metadata, so the real S3 notification starts the real function again, which resumes the import
 *   after its last checkpoint (nothing counted twice);
 * - a nightly run is started again (same input, name `<run>-retry-<t>`).
 *
 * An entry leaves the list only when its retry succeeded (import `done`, run `SUCCEEDED`); a retry
 * that fails again keeps it there with the new reason, and the command exits 1.
 */
import type { Command } from 'commander';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand, type ExecutionStatus } from '@aws-sdk/client-sfn';
import { SignatureV4 } from '@smithy/signature-v4';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { IMPORT_ID_METADATA, importIdFor } from '../../../functions/core/incoming-key.ts';
import type { ImportState } from '../../../functions/ports/profile-store.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';
import { storeFor } from '../services.ts';
import type { Target } from '../target.ts';

const POLL_MS = 200;

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

export interface FailedRun {
  kind: 'nightly';
  id: string;
  executionArn: string;
  input: string;
  status: string;
  failedAt: string;
  reason: string;
}

export type DeadLetter = DeadImport | FailedRun;

export interface RetryResult {
  id: string;
  kind: DeadLetter['kind'];
  ok: boolean;
  /** Import: final status and counts; nightly: the new execution. */
  detail: string;
  import?: ImportState;
  executionArn?: string;
}

// ---- dead-lettered imports ----

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

interface DeadLetterSource {
  list(): Promise<DeadImport[]>;
  /** Forgets the entries behind these handles (after a successful retry). */
  remove(handles: string[]): Promise<void>;
}

/** The local cloud's `dead-letters.ndjson`: one line per invocation that used up its retries. */
function localDeadLetters(dataDir: string): DeadLetterSource {
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

function deadLetterSource(target: Target, dataDir: string): DeadLetterSource {
  if (target.kind === 'local') return localDeadLetters(dataDir);
  const queueUrl = target.outputs.ImportDeadLetterQueueUrl;
  if (!queueUrl) throw new UserError('the stack has no ImportDeadLetterQueueUrl output: deploy the current stack first');
  return sqsDeadLetters(queueUrl);
}

async function retryImport(target: Target, dataDir: string, entry: DeadImport, timeoutMs: number): Promise<RetryResult> {
  const s3 = new S3Client({});
  const store = storeFor(target);
  const fail = (detail: string): RetryResult => ({ id: entry.id, kind: 'import', ok: false, detail });
  let head;
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: entry.bucket, Key: entry.key, VersionId: entry.versionId }));
  } catch (error) {
    return fail(`the object s3://${entry.bucket}/${entry.key} cannot be read any more: ${(error as Error).name}`);
  }
  const metadata = head.Metadata ?? {};
  const importId = importIdFor(entry.bucket, entry.key, { etag: (head.ETag ?? '').replace(/"/g, ''), versionId: head.VersionId, lastModified: head.LastModified?.toISOString(), metadata });
  const before = await store.getImport(importId);
  if (before?.status !== 'done') {
    const started = new Date().toISOString();
    const source = encodeURIComponent(entry.key).replace(/%2F/g, '/');
    // Copying the object onto itself is a new ObjectCreated event for the same content; the
    // import id in the metadata makes the function resume that import instead of starting over.
    await s3.send(
      new CopyObjectCommand({
        Bucket: entry.bucket,
        Key: entry.key,
        CopySource: `${entry.bucket}/${source}${head.VersionId ? `?versionId=${encodeURIComponent(head.VersionId)}` : ''}`,
        MetadataDirective: 'REPLACE',
        Metadata: { ...metadata, [IMPORT_ID_METADATA]: importId },
        ContentType: head.ContentType,
      }),
    );
    const state = await waitForImport(target, dataDir, entry, importId, started, timeoutMs);
    if (typeof state === 'string') return fail(state);
    if (state.status !== 'done') return { ...fail(`import ${importId} ${state.status}: ${state.error ?? 'no reason given'}`), import: state };
  }
  const state = (await store.getImport(importId))!;
  const c = state.counts;
  return { id: entry.id, kind: 'import', ok: true, detail: `import ${importId} done: read ${c.read} = stored ${c.stored} + rejected ${c.rejected} + redelivered ${c.redelivered}`, import: state };
}

/** The import's end state, or why the retry did not end it (failed again, or too slow). */
async function waitForImport(target: Target, dataDir: string, entry: DeadImport, importId: string, since: string, timeoutMs: number): Promise<ImportState | string> {
  const store = storeFor(target);
  const deadline = Date.now() + timeoutMs;
  const failedAgain = async () => {
    if (target.kind !== 'local') return undefined;
    const again = (await localDeadLetters(dataDir).list()).find((d) => d.bucket === entry.bucket && d.key === entry.key && d.failedAt > since);
    return again && `failed again: ${again.reason}`;
  };
  for (;;) {
    if (target.inProcess) await target.inProcess.idle();
    const state = await store.getImport(importId);
    if (state && state.status !== 'running' && state.updatedAt >= since) return state;
    const again = await failedAgain();
    if (again) return again;
    if (target.inProcess) return `the import function did not finish import ${importId}`;
    if (Date.now() > deadline) return `import ${importId} did not finish within ${timeoutMs / 1000} s`;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

// ---- failed nightly runs ----

const FAILED: ExecutionStatus[] = ['FAILED', 'TIMED_OUT', 'ABORTED'];
const RETRY_MARK = '-retry-';

async function readJson(s3: S3Client, bucket: string, key: string): Promise<any | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await out.Body!.transformToString());
  } catch {
    return undefined;
  }
}

/** Failed runs not yet retried successfully (a retry's own failure keeps its original listed). */
async function failedRuns(target: Target): Promise<FailedRun[]> {
  const arn = target.outputs.StateMachineArn;
  if (!arn) return [];
  const sfn = new SFNClient({});
  const s3 = new S3Client({});
  const reports = target.outputs.ReportsBucketName;
  const runs: FailedRun[] = [];
  for (const statusFilter of FAILED) {
    let nextToken: string | undefined;
    do {
      const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter, nextToken, maxResults: 100 }));
      for (const e of out.executions ?? []) {
        if (e.name!.includes(RETRY_MARK)) continue;
        if (await readJson(s3, reports, `nightly/${e.name}/retried.json`)) continue;
        const described = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
        const failure = await readJson(s3, reports, `nightly/${e.name}/failure.json`);
        const reason = failure?.error
          ? `${failure.error.Error ?? 'Error'}: ${failure.error.Cause ?? ''}`.trim()
          : `${described.error ?? e.status}: ${described.cause ?? ''}`.trim();
        runs.push({
          kind: 'nightly',
          id: `nightly-${e.name}`,
          executionArn: e.executionArn!,
          input: described.input ?? '{}',
          status: e.status!,
          failedAt: (e.stopDate ?? e.startDate ?? new Date()).toISOString(),
          reason,
        });
      }
      nextToken = out.nextToken;
    } while (nextToken);
  }
  return runs.sort((a, b) => a.failedAt.localeCompare(b.failedAt));
}

async function retryRun(target: Target, run: FailedRun, timeoutMs: number): Promise<RetryResult> {
  const sfn = new SFNClient({});
  const originalName = run.id.slice('nightly-'.length);
  const name = `${originalName.slice(0, 60)}${RETRY_MARK}${Date.now().toString(36)}`;
  const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: target.outputs.StateMachineArn, name, input: run.input }));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (target.inProcess) await target.inProcess.idle();
    const e = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    if (e.status === 'SUCCEEDED') {
      await new S3Client({}).send(
        new PutObjectCommand({
          Bucket: target.outputs.ReportsBucketName,
          Key: `nightly/${originalName}/retried.json`,
          Body: JSON.stringify({ runId: originalName, retriedBy: name, executionArn: started.executionArn, at: new Date().toISOString() }, null, 2),
          ContentType: 'application/json',
        }),
      );
      return { id: run.id, kind: 'nightly', ok: true, detail: `run ${name} succeeded`, executionArn: started.executionArn };
    }
    if (e.status !== 'RUNNING') return { id: run.id, kind: 'nightly', ok: false, detail: `run ${name} ${e.status}: ${e.error ?? ''} ${e.cause ?? ''}`.trim(), executionArn: started.executionArn };
    if (Date.now() > deadline) return { id: run.id, kind: 'nightly', ok: false, detail: `run ${name} still running after ${timeoutMs / 1000} s`, executionArn: started.executionArn };
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// ---- the command ----

function describe(d: DeadLetter): string {
  return d.kind === 'import'
    ? `  ${d.id}  s3://${d.bucket}/${d.key}${d.versionId ? ` (version ${d.versionId})` : ''}\n      failed ${d.failedAt}, ${d.attempts} dead letter(s): ${d.reason}`
    : `  ${d.id}  ${d.status} ${d.failedAt}\n      ${d.reason}`;
}

export function retryCommand(program: Command, context: () => CommandContext): void {
  program
    .command('retry')
    .description('list failed imports (dead letters) and failed nightly runs, and re-drive them')
    .argument('[ids...]', 'only these entries (ids from --list); default all')
    .option('--list', 'only list them, with the reason')
    .option('--timeout <seconds>', 'how long to wait for each retry', '900')
    .action(async (ids: string[], options: { list?: boolean; timeout: string }) => {
      const ctx = context();
      await withTarget(ctx, async (target) => {
        const deadLetters = deadLetterSource(target, ctx.dataDir);
        const imports = await deadLetters.list();
        const runs = await failedRuns(target);
        const all: DeadLetter[] = [...imports, ...runs];
        const unknown = ids.filter((id) => !all.some((d) => d.id === id));
        if (unknown.length) throw new UserError(`nothing to retry with id ${unknown.join(', ')} (see phonekey retry --list)`);
        const chosen = ids.length ? all.filter((d) => ids.includes(d.id)) : all;

        if (options.list) {
          ctx.print({ imports, nightlyRuns: runs }, () =>
            [`dead-lettered imports: ${imports.length}`, ...imports.map(describe), `failed nightly runs: ${runs.length}`, ...runs.map(describe)].join('\n'),
          );
          return;
        }

        const timeoutMs = Number(options.timeout) * 1000;
        const results: RetryResult[] = [];
        for (const entry of chosen) {
          const result = entry.kind === 'import' ? await retryImport(target, ctx.dataDir, entry, timeoutMs) : await retryRun(target, entry, timeoutMs);
          if (result.ok && entry.kind === 'import') await deadLetters.remove(entry.handles);
          results.push(result);
          if (!ctx.opts.json) process.stdout.write(`${result.ok ? 'retried' : 'STILL FAILING'} ${entry.id}: ${result.detail}\n`);
        }
        const failed = results.filter((r) => !r.ok).length;
        if (ctx.opts.json) ctx.print({ retried: results.length - failed, failed, results }, () => '');
        else process.stdout.write(chosen.length ? `${results.length - failed} retried, ${failed} still failing\n` : 'nothing to retry\n');
        if (failed) process.exitCode = 1;
      });
    });
}
