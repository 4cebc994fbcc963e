import type { Command } from 'commander';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SingleBar, Presets } from 'cli-progress';
import { incomingKey, IMPORT_ID_METADATA } from '../../../functions/core/incoming-key.ts';
import { parseSourceConfig } from '../../../functions/core/ingest/source-config.ts';
import type { ImportState, ProfileStore } from '../../../functions/ports/profile-store.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';
import { storeFor } from '../services.ts';

const POLL_MS = 200;

async function waitForImport(store: ProfileStore, importId: string, size: number, opts: { progress: boolean; timeoutMs: number; settled?: () => Promise<void> }): Promise<ImportState> {
  const bar = opts.progress ? new SingleBar({ format: '{bar} {percentage}% | {value}/{total} bytes | {rows} rows' }, Presets.shades_classic) : undefined;
  bar?.start(size, 0, { rows: 0 });
  const deadline = Date.now() + opts.timeoutMs;
  try {
    for (;;) {
      const state = await store.getImport(importId);
      if (state) bar?.update(state.bytesRead, { rows: state.counts.read });
      if (state && state.status !== 'running') return state;
      // With an in-process cloud, once nothing runs any more the import is as done as it gets.
      if (opts.settled) {
        await opts.settled();
        const last = await store.getImport(importId);
        if (last && last.status !== 'running') return last;
        throw new UserError(`the import function gave up on ${importId}: see the dead-letter file in the data folder`);
      }
      if (Date.now() > deadline) throw new UserError(`import ${importId} did not finish within ${opts.timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    bar?.stop();
  }
}

function summary(file: string, s: ImportState): string {
  const c = s.counts;
  const reasons = Object.entries(c.byReason).map(([k, v]) => `    ${k}: ${v}`);
  return [
    `${file}: ${s.status}${s.error ? ` — ${s.error}` : ''}`,
    `  read ${c.read} = stored ${c.stored} + rejected ${c.rejected} + redelivered ${c.redelivered}`,
    `  profiles: ${c.newProfiles} new, ${c.updatedProfiles} updated`,
    ...(reasons.length ? ['  rejected by reason:', ...reasons] : []),
    ...(s.reportKey ? [`  report: ${s.reportKey} (rejects.csv and report.html beside it)`] : []),
  ].join('\n');
}

export function importCommand(program: Command, context: () => CommandContext): void {
  program
    .command('import')
    .description('upload files to incoming/<source>/ and wait for their import reports')
    .argument('<files...>', 'CSV, TSV, XLSX, JSON or NDJSON files (gzip too)')
    .requiredOption('--source <name>', 'the source the files come from')
    .option('--config <config.json>', 'register this source config first')
    .option('--timeout <seconds>', 'how long to wait for each import', '1800')
    .action(async (files: string[], options: { source: string; config?: string; timeout: string }) => {
      const ctx = context();
      for (const file of files) {
        if (!existsSync(file) || !statSync(file).isFile()) throw new UserError(`no such file: ${file}`);
      }
      const config = options.config ? parseSourceConfig({ name: options.source, ...JSON.parse(readFileSync(options.config, 'utf8')) }) : undefined;
      await withTarget(ctx, async (target) => {
        const store = storeFor(target);
        if (config) await store.putSourceConfig(options.source, config);
        const s3 = new S3Client({});
        const results: Array<{ file: string } & ImportState> = [];
        let failed = false;
        for (const file of files) {
          const importId = randomUUID();
          const size = statSync(file).size;
          await s3.send(
            new PutObjectCommand({
              Bucket: target.outputs.RawBucketName,
              Key: incomingKey(options.source, basename(file)),
              Body: createReadStream(file),
              ContentLength: size,
              Metadata: { [IMPORT_ID_METADATA]: importId },
            }),
          );
          const state = await waitForImport(store, importId, size, {
            progress: Boolean(process.stderr.isTTY) && !ctx.opts.json,
            timeoutMs: Number(options.timeout) * 1000,
            settled: target.inProcess ? () => target.inProcess!.idle() : undefined,
          });
          failed ||= state.status !== 'done';
          results.push({ file, ...state });
          if (!ctx.opts.json) process.stdout.write(summary(file, state) + '\n');
        }
        if (ctx.opts.json) ctx.print(results, () => '');
        if (failed) process.exitCode = 1;
      });
    });
}
