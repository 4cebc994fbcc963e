import type { Command } from 'commander';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { incomingKey } from '../../../functions/core/incoming-key.ts';
import { parseSourceConfig, type SourceConfig } from '../../../functions/core/ingest/source-config.ts';
import type { ImportState } from '../../../functions/ports/profile-store.ts';
import { requireFile, UserError, withTarget, type CommandContext } from '../main.ts';
import type { Target } from '../target.ts';
import { storeFor } from '../services.ts';
import { waitForImport } from '../import-wait.ts';
import { importOfObject } from '../upload-import.ts';
import { downloadReport, reportsDirOf } from '../report-files.ts';

function summary(file: string, s: ImportState, reportHtml?: string): string {
  const c = s.counts;
  const reasons = Object.entries(c.byReason).map(([k, v]) => `    ${k}: ${v}`);
  return [
    `${file}: ${s.status}${s.error ? ` — ${s.error}` : ''}`,
    `  read ${c.read} = stored ${c.stored} + rejected ${c.rejected} + redelivered ${c.redelivered}`,
    ...(Object.keys(c.warnings ?? {}).length ? [`  fields left out of kept rows: ${Object.entries(c.warnings).map(([k, v]) => `${k} ${v}`).join(', ')}`] : []),
    ...(c.withoutNumber ? [`  stored without a usable number: ${c.withoutNumber} (${Object.entries(c.numberProblems ?? {}).map(([k, v]) => `${k} ${v}`).join(', ')})`] : []),
    `  profiles: ${c.newProfiles} new, ${c.updatedProfiles} updated`,
    ...(reasons.length ? ['  rejected by reason:', ...reasons] : []),
    ...(reportHtml ? [`  report: ${reportHtml} (report.json and rejects.csv beside it)`] : []),
  ].join('\n');
}

export function importCommand(program: Command, context: () => CommandContext): void {
  program
    .command('import')
    .argument('<files...>', 'CSV, TSV, XLSX, JSON or NDJSON files (gzip too)')
    .requiredOption('--source <name>', 'the source the files come from')
    .option('--config <config.json>', 'register this source config first')
    .option('--timeout <seconds>', 'how long to wait for each import', '1800')
    .action(async (files: string[], options: { source: string; config?: string; timeout: string }) => {
      const ctx = context();
      files.forEach(requireFile);
      const config = readSourceConfigFile(options.config, options.source);
      await withTarget(ctx, async (target) => {
        const results = await importFiles(ctx, target, files, options.source, { config, timeoutMs: Number(options.timeout) * 1000 });
        const failed = results.some((r) => r.status !== 'done');
        if (ctx.opts.json) ctx.print(results, () => '');
        if (failed) process.exitCode = 1;
      });
    });
}

/** The source config a `--config` file gives, validated, named after the source. */
export function readSourceConfigFile(file: string | undefined, source: string): SourceConfig | undefined {
  return file ? parseSourceConfig({ name: source, ...JSON.parse(readFileSync(file, 'utf8')) }) : undefined;
}

export type ImportResult = { file: string; reportFile?: string } & ImportState;

/**
 * Uploads each file to `incoming/<source>/` (registering `config` first), waits for its import,
 * copies its report to the data folder and prints its summary unless --json; in file order.
 */
export async function importFiles(ctx: CommandContext, target: Target, files: string[], source: string, opts: { config?: SourceConfig; timeoutMs: number }): Promise<ImportResult[]> {
  const store = storeFor(target);
  if (opts.config) await store.putSourceConfig(source, opts.config);
  const s3 = new S3Client({});
  const results: ImportResult[] = [];
  for (const file of files) {
    const size = statSync(file).size;
    const key = incomingKey(source, basename(file));
    const since = new Date().toISOString();
    const put = await s3.send(new PutObjectCommand({ Bucket: target.outputs.RawBucketName, Key: key, Body: createReadStream(file), ContentLength: size }));
    const { importId } = await importOfObject(s3, store, target.outputs.RawBucketName, key, put.VersionId);
    const state = await waitForImport({
      target,
      dataDir: ctx.dataDir,
      bucket: target.outputs.RawBucketName,
      key,
      importId,
      since,
      timeoutMs: opts.timeoutMs,
      progressOf: process.stderr.isTTY && !ctx.opts.json ? size : undefined,
    });
    if (typeof state === 'string') throw new UserError(`${file}: ${state}`);
    const report = state.reportKey
      ? await downloadReport(s3, target.outputs.ReportsBucketName, state.reportKey.replace(/\/report\.json$/, ''), reportsDirOf(ctx.dataDir))
      : undefined;
    results.push({ file, ...state, reportFile: report?.html });
    if (!ctx.opts.json) process.stdout.write(summary(file, state, report?.html) + '\n');
  }
  return results;
}
