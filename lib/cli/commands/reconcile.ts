/**
 * `phonekey reconcile`: runs the nightly workflow now (locally through the local cloud's Step
 * Functions endpoint, on AWS with StartExecution), waits for it, and prints the run report.
 * `--resume <runId>` continues a run that failed half-way: its steps skip the work they find done.
 */
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { nightlySummary, type NightlyReport } from '../../../functions/core/report/nightly-report.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';
import { downloadReport, reportsDirOf } from '../report-files.ts';
import type { Target } from '../target.ts';

const POLL_MS = 500;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

interface ReconcileOptions {
  resume?: string;
  runId?: string;
  segments?: string;
  chunkSize?: string;
  timeout: string;
}

/** A run id that sorts by time and says who started it: `manual-20261123T021500-3f9a`. */
export function newRunId(now = new Date()): string {
  return `manual-${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(2).toString('hex')}`;
}

const positive = (name: string, value?: string) => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--${name} must be a positive whole number, not ${JSON.stringify(value)}`);
  return n;
};

export function reconcileCommand(program: Command, context: () => CommandContext): void {
  program
    .command('reconcile')
    .option('--resume <runId>', 'continue a run that failed or stopped half-way (work already done is skipped)')
    .option('--run-id <runId>', 'name the run (default manual-<time>-<random>); running an existing run id again changes nothing')
    .option('--segments <n>', 'parallel scan segments of the snapshot (default: from the table size, at least 4)')
    .option('--chunk-size <n>', 'profiles per recompute chunk (default 1000)')
    .option('--timeout <seconds>', 'how long to wait for the run', '21600')
    .action(async (options: ReconcileOptions) => {
      const ctx = context();
      const runId = options.resume ?? options.runId ?? newRunId();
      if (!RUN_ID.test(runId)) throw new UserError(`invalid run id ${JSON.stringify(runId)}: letters, digits, '.', '_' and '-', at most 80`);
      const input = options.resume
        ? { runId, trigger: 'cli-resume' }
        : { trigger: 'cli', runId, segments: positive('segments', options.segments), chunkSize: positive('chunk-size', options.chunkSize) };
      const name = options.resume ? `${runId.slice(0, 60)}-resume-${Date.now().toString(36)}` : runId;
      await withTarget(ctx, async (target) => {
        const { report, files } = await runNightly(ctx, target, { runId, name, input, timeoutMs: Number(options.timeout) * 1000 });
        ctx.print(report, () => `${nightlySummary(report)}\n  report: ${files.html ?? files.folder} (report.json beside it)`);
      });
    });
}

/** Starts the nightly workflow, waits for it, copies its report to the data folder; the report and its files. */
export async function runNightly(
  ctx: CommandContext,
  target: Target,
  run: { runId: string; name: string; input: Record<string, unknown>; timeoutMs: number },
): Promise<{ report: NightlyReport; files: Awaited<ReturnType<typeof downloadReport>> }> {
  const { runId } = run;
  const arn = target.outputs.StateMachineArn;
  if (!arn) throw new UserError('the stack has no StateMachineArn output: is it deployed?');
  const sfn = new SFNClient({});
  let executionArn: string;
  try {
    executionArn = (await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: run.name, input: JSON.stringify(run.input) }))).executionArn!;
  } catch (error) {
    if ((error as Error).name === 'ExecutionAlreadyExists') {
      throw new UserError(`run ${runId} was started before: use --resume ${runId} to continue it, or another --run-id`);
    }
    throw error;
  }
  if (!ctx.opts.json) process.stderr.write(`started nightly run ${runId} (${executionArn})\n`);
  const execution = await waitFor(sfn, executionArn, run.timeoutMs, target.inProcess ? () => target.inProcess!.idle() : undefined);
  if (execution.status !== 'SUCCEEDED') {
    const failure = await readJson(target.outputs.ReportsBucketName, `nightly/${runId}/failure.json`);
    const reason = failure?.error ? `${failure.error.Error}: ${typeof failure.cause === 'string' ? failure.cause : JSON.stringify(failure.cause?.errorMessage ?? failure.cause ?? '')}` : `${execution.error ?? ''} ${execution.cause ?? ''}`;
    throw new UserError(`nightly run ${runId} ${execution.status}: ${reason.trim()}\n  resume it with: phonekey reconcile --resume ${runId}`);
  }
  const report = (await readJson(target.outputs.ReportsBucketName, `nightly/${runId}/report.json`)) as NightlyReport | undefined;
  if (!report) throw new UserError(`nightly run ${runId} succeeded but nightly/${runId}/report.json is missing`);
  const files = await downloadReport(new S3Client({}), target.outputs.ReportsBucketName, `nightly/${runId}`, reportsDirOf(ctx.dataDir));
  return { report, files };
}

async function waitFor(sfn: SFNClient, executionArn: string, timeoutMs: number, settled?: () => Promise<void>): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // With an in-process local cloud, wait for it to go quiet instead of polling.
    if (settled) await settled();
    const e = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (e.status !== 'RUNNING') return e;
    if (Date.now() > deadline) throw new UserError(`the nightly run is still running after ${timeoutMs / 1000} s: ${executionArn}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function readJson(bucket: string, key: string): Promise<any | undefined> {
  try {
    const out = await new S3Client({}).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await out.Body!.transformToString('utf8'));
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}
