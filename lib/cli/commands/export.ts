import type { Command } from 'commander';
import { loadSettings, streamProfiles } from '../../../functions/app/profiles/index.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';
import { viewsFor } from '../profile-view.ts';
import { parseEncoding, writeProfilesTo } from '../export-file.ts';
import { EXPORT_FORMATS, type ExportFormat } from '../../../functions/app/profiles/export-file.ts';

const FORMATS: readonly ExportFormat[] = EXPORT_FORMATS;

export function exportCommand(program: Command, context: () => CommandContext): void {
  program
    .command('export')
    .description('every profile: NDJSON documents, or one row per customer as CSV or XLSX (the deduplicated list)')
    .option('--format <format>', `${FORMATS.join(', ')}`, 'ndjson')
    .option('--encoding <encoding>', 'CSV text encoding: utf8 (with a BOM, for Excel) or gbk', 'utf8')
    .option('--out <file>', 'write to a file instead of standard output (required for xlsx)')
    .action(async (options: { format: string; encoding: string; out?: string }) => {
      const ctx = context();
      const format = options.format.toLowerCase() as ExportFormat;
      if (!FORMATS.includes(format)) throw new UserError(`--format ${options.format}: expected one of ${FORMATS.join(', ')}`);
      const encoding = parseEncoding(options.encoding);
      if (format === 'xlsx' && !options.out) throw new UserError('--format xlsx writes a file: name it with --out <file.xlsx>');
      await withTarget(ctx, async (target) => {
        const views = viewsFor(target);
        // Streamed profile by profile (64 at a time), so the table's size does not matter.
        const count = await writeProfilesTo(streamProfiles(views, await loadSettings(views)), format, { out: options.out, encoding });
        if (options.out) ctx.print({ profiles: count, file: options.out, format }, () => `${count} profiles written to ${options.out}`);
      });
    });
}
