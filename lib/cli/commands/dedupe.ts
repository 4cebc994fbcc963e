/**
 * `phonekey dedupe <file>`: "remove duplicates" for a spreadsheet user, in one command. The file
 * goes through the whole product — import, match on arrival, the nightly re-match — in a
 * throw-away local cloud of its own (never the user's data folder), and what comes out is the
 * deduplicated list (`export --format`), with the import and nightly reports beside it.
 */
import type { Command } from 'commander';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { loadSettings, streamProfiles } from '../../../functions/app/profiles/index.ts';
import { requireFile, UserError, withTarget, type CommandContext } from '../main.ts';
import { viewsFor } from '../profile-view.ts';
import { parseEncoding, writeProfilesTo } from '../export-file.ts';
import { importFiles, readSourceConfigFile } from './import.ts';
import { newRunId, runNightly } from './reconcile.ts';
import { reportsDirOf } from '../report-files.ts';

interface DedupeOptions {
  source: string;
  config?: string;
  out?: string;
  format: string;
  encoding: string;
  keep?: boolean;
  timeout: string;
}

export function dedupeCommand(program: Command, context: () => CommandContext): void {
  program
    .command('dedupe')
    .argument('<file>', 'a CSV, TSV, XLSX, JSON or NDJSON file of customers')
    .option('--source <name>', 'the source name its rows are labelled with', 'file')
    .option('--config <config.json>', 'a source config for columns the headers do not say')
    .option('--out <file>', 'the deduplicated file (default: <file>.dedup.csv or .xlsx beside it)')
    .option('--format <format>', 'csv or xlsx', 'csv')
    .option('--encoding <encoding>', 'CSV text encoding: utf8 (with a BOM) or gbk', 'utf8')
    .option('--keep', 'keep the throw-away data folder (its path is printed)')
    .option('--timeout <seconds>', 'how long to wait for the import and the re-match', '3600')
    .action(async (file: string, options: DedupeOptions) => {
      const outer = context();
      requireFile(file);
      const format = options.format.toLowerCase();
      if (format !== 'csv' && format !== 'xlsx') throw new UserError(`--format ${options.format}: expected csv or xlsx`);
      const encoding = parseEncoding(options.encoding);
      const config = readSourceConfigFile(options.config, options.source);
      const out = resolve(options.out ?? join(file.slice(0, file.length - extname(file).length) + `.dedup.${format}`));
      const reports = `${out}.reports`;
      const timeoutMs = Number(options.timeout) * 1000;

      const scratch = mkdtempSync(join(tmpdir(), 'phonekey-dedupe-'));
      const ctx: CommandContext = { ...outer, dataDir: scratch, opts: { ...outer.opts, target: 'local' } };
      try {
        await withTarget(ctx, async (target) => {
          const [imported] = await importFiles(ctx, target, [file], options.source, { config, timeoutMs });
          if (imported!.status !== 'done') throw new UserError(`${basename(file)}: the import ${imported!.status}${imported!.error ? `: ${imported!.error}` : ''}`);
          const runId = newRunId();
          const { report } = await runNightly(ctx, target, { runId, name: runId, input: { trigger: 'cli', runId }, timeoutMs });
          const views = viewsFor(target);
          const customers = await writeProfilesTo(streamProfiles(views, await loadSettings(views)), format, { out, encoding });
          cpSync(reportsDirOf(scratch), reports, { recursive: true });
          const c = imported!.counts;
          outer.print({ file, rows: c.read, stored: c.stored, withoutNumber: c.withoutNumber, rejected: c.rejected, customers, merges: report.counts.merges, reviews: report.counts.reviewsPending, out, reports, ...(options.keep ? { dataDir: scratch } : {}) }, () =>
            [
              `${basename(file)}: ${c.read} rows → ${customers} customers (${c.stored} stored, ${c.withoutNumber} of them without a usable number; ${c.rejected} rejected)`,
              `  ${report.counts.reviewsPending} pairs may be one person but were left apart for a person to decide (see the nightly report)`,
              `  deduplicated: ${out}`,
              `  reports: ${reports} (import report with rejects.csv, nightly report)`,
              ...(options.keep ? [`  data folder kept: ${scratch} (phonekey --data-dir ${scratch} review list)`] : []),
            ].join('\n'),
          );
        });
      } finally {
        if (!options.keep) rmSync(scratch, { recursive: true, force: true });
      }
    });
}
