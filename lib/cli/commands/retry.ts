/**
 * `phonekey retry [--list] [ID…]`: what failed and was set aside — imports the import function gave
 * up on (locally the cloud's dead-letter file, on AWS the import dead-letter queue), imports left
 * running by a worker that died with its machine (no progress for longer than the function's
 * timeout, `--stalled-after`), and nightly runs that ended FAILED / TIMED_OUT / ABORTED — with the
 * reason, and re-drives them:
 *
 * - an import is re-driven by copying the dropped object onto itself, asking in its metadata for
 *   that import to be resumed, so the real S3 notification starts the real function again, which
 *   resumes the import after its last checkpoint when the copy has the same content (ETag), and
 *   else imports it afresh: rows already stored are redelivered, never counted twice;
 * - a nightly run is started again (same input, name `<run>-retry-<t>`).
 *
 * An entry leaves the list only when its retry succeeded (import `done`, run `SUCCEEDED`); a retry
 * that fails again keeps it there with the new reason, and the command exits 1.
 */
import type { Command } from 'commander';
import { CopyObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand, type ExecutionStatus } from '@aws-sdk/client-sfn';
import { IMPORT_TIMEOUT_SECONDS, RESUME_IMPORT_METADATA } from '../../../functions/core/incoming-key.ts';
import type { ImportState } from '../../../functions/ports/profile-store.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';
import { storeFor } from '../services.ts';
import type { Target } from '../target.ts';
import { deadLetterSource, type DeadImport } from '../dead-letters.ts';
import { waitForImport } from '../import-wait.ts';
import { importOfObject } from '../upload-import.ts';


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

async function retryImport(target: Target, dataDir: string, entry: DeadImport, timeoutMs: number): Promise<RetryResult> {
  const s3 = new S3Client({});
  const store = storeFor(target);
  const fail = (detail: string): RetryResult => ({ id: entry.id, kind: 'import', ok: false, detail });
  let object;
  try {
    object = await importOfObject(s3, store, entry.bucket, entry.key, entry.versionId);
  } catch (error) {
    return fail(`the object s3://${entry.bucket}/${entry.key} cannot be read any more: ${(error as Error).name}`);
  }
  const { head } = object;
  let { importId } = object;
  const before = await store.getImport(importId);
  if (before?.status !== 'done') {
    const started = new Date().toISOString();
    const source = encodeURIComponent(entry.key).replace(/%2F/g, '/');
    // Copying the object onto itself is a new ObjectCreated event for the same content; the
    // metadata asks the function to resume that import instead of starting over.
    const copy = await s3.send(
      new CopyObjectCommand({
        Bucket: entry.bucket,
        Key: entry.key,
        CopySource: `${entry.bucket}/${source}${head.versionId ? `?versionId=${encodeURIComponent(head.versionId)}` : ''}`,
        MetadataDirective: 'REPLACE',
        Metadata: { ...head.metadata, [RESUME_IMPORT_METADATA]: importId },
        ContentType: head.contentType,
      }),
    );
    // The copy's own import: the resumed one, or a fresh one where the copy's ETag differs.
    ({ importId } = await importOfObject(s3, store, entry.bucket, entry.key, copy.VersionId));
    const state = await waitForImport({ target, dataDir, bucket: entry.bucket, key: entry.key, importId, since: started, timeoutMs });
    if (typeof state === 'string') return fail(state);
    if (state.status !== 'done') return { ...fail(`import ${importId} ${state.status}: ${state.error ?? 'no reason given'}`), import: state };
  }
  const state = (await store.getImport(importId))!;
  const c = state.counts;
  return { id: entry.id, kind: 'import', ok: true, detail: `import ${importId} done: read ${c.read} = stored ${c.stored} + rejected ${c.rejected} + redelivered ${c.redelivered}`, import: state };
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

/**
 * Imports begun and never finished whose last progress is older than a worker can live (the
 * import function's timeout): the machine or container died with them, and no retry is coming.
 * One already in the dead-letter list is left to that entry.
 */
async function stalledImports(target: Target, deadLetters: DeadImport[], stalledAfterMs: number): Promise<DeadImport[]> {
  const cutoff = Date.now() - stalledAfterMs;
  const dead = new Set(deadLetters.map((d) => `${d.bucket}/${d.key}`));
  return (await storeFor(target).runningImports())
    // A fanned-out file's progress is its state machine's, which re-runs failed chunks itself.
    .filter((s) => !s.fanout && Date.parse(s.updatedAt) <= cutoff && !dead.has(`${s.bucket}/${s.key}`))
    .map((s) => ({
      kind: 'import',
      id: `stalled-${s.importId}`,
      bucket: s.bucket,
      key: s.key,
      versionId: s.versionId,
      failedAt: s.updatedAt,
      attempts: 0,
      reason: `running with no progress since ${s.updatedAt} (${s.rowsDone} rows done): its worker is gone`,
      handles: [],
    }));
}

// ---- the command ----

function describe(d: DeadLetter): string {
  return d.kind === 'import'
    ? `  ${d.id}  s3://${d.bucket}/${d.key}${d.versionId ? ` (version ${d.versionId})` : ''}\n      ${d.attempts ? `failed ${d.failedAt}, ${d.attempts} dead letter(s): ` : 'stalled: '}${d.reason}`
    : `  ${d.id}  ${d.status} ${d.failedAt}\n      ${d.reason}`;
}

export function retryCommand(program: Command, context: () => CommandContext): void {
  program
    .command('retry')
    .argument('[ids...]', 'only these entries (ids from --list); default all')
    .option('--list', 'only list them, with the reason')
    .option('--timeout <seconds>', 'how long to wait for each retry', '900')
    .option('--stalled-after <seconds>', 'list a running import with no progress for this long as stalled (default: the import function timeout and a minute)', String(IMPORT_TIMEOUT_SECONDS + 60))
    .action(async (ids: string[], options: { list?: boolean; timeout: string; stalledAfter: string }) => {
      const ctx = context();
      await withTarget(ctx, async (target) => {
        const deadLetters = deadLetterSource(target, ctx.dataDir);
        const dead = await deadLetters.list();
        const imports = [...dead, ...(await stalledImports(target, dead, Number(options.stalledAfter) * 1000))];
        const runs = await failedRuns(target);
        const all: DeadLetter[] = [...imports, ...runs];
        const unknown = ids.filter((id) => !all.some((d) => d.id === id));
        if (unknown.length) throw new UserError(`nothing to retry with id ${unknown.join(', ')} (see phonekey retry --list)`);
        const chosen = ids.length ? all.filter((d) => ids.includes(d.id)) : all;

        if (options.list) {
          ctx.print({ imports, nightlyRuns: runs }, () =>
            [`dead-lettered or stalled imports: ${imports.length}`, ...imports.map(describe), `failed nightly runs: ${runs.length}`, ...runs.map(describe)].join('\n'),
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
