import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { Option } from 'commander';
import { loadSettings, segmentOutput, segmentRows, type SegmentFormat } from '../../../functions/app/profiles/index.ts';
import { parseSegmentQuery, SegmentQueryError } from '../../../functions/core/profile/index.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';
import { viewsFor } from '../profile-view.ts';

export function segmentCommand(program: Command, context: () => CommandContext): void {
  program
    .command('segment')
    .argument('<query...>', 'terms: tag:, city:, province:, gender:, stage:, spending:, activity:, prefers:, channel:, consent: (required), spend>=, orders>=, aov>=, age>=, recency<=, interactions>=')
    .option('--out <file>', 'write to a file instead of standard output')
    .addOption(new Option('--format <format>', 'csv or ndjson').choices(['csv', 'ndjson']).default('csv'))
    .action(async (terms: string[], options: { out?: string; format: SegmentFormat }) => {
      const ctx = context();
      let query;
      try {
        query = parseSegmentQuery(terms.join(' '));
      } catch (error) {
        if (error instanceof SegmentQueryError) throw new UserError(error.message);
        throw error;
      }
      await withTarget(ctx, async (target) => {
        const views = viewsFor(target);
        const format = segmentOutput(options.format);
        const out: Writable = options.out ? createWriteStream(options.out) : process.stdout;
        const write = async (text: string) => {
          if (text && !out.write(text)) await new Promise((r) => out.once('drain', r));
        };
        await write(format.header);
        let count = 0;
        for await (const row of segmentRows(views, query, await loadSettings(views))) {
          await write(format.line(row));
          count++;
        }
        if (options.out) {
          await new Promise<void>((r) => out.end(r));
          ctx.print({ profiles: count, file: options.out, channels: query.channels }, () => `${count} consenting profiles written to ${options.out}`);
        }
      });
    });
}
