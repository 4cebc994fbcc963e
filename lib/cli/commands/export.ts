import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { loadSettings, streamProfiles } from '../../../functions/app/profiles/index.ts';
import { withTarget, type CommandContext } from '../main.ts';
import { viewsFor } from '../profile-view.ts';

export function exportCommand(program: Command, context: () => CommandContext): void {
  program
    .command('export')
    .option('--out <file>', 'write to a file instead of standard output')
    .action(async (options: { out?: string }) => {
      const ctx = context();
      await withTarget(ctx, async (target) => {
        const views = viewsFor(target);
        const out: Writable = options.out ? createWriteStream(options.out) : process.stdout;
        let count = 0;
        // Streamed profile by profile (64 at a time), so the table's size does not matter.
        for await (const doc of streamProfiles(views, await loadSettings(views))) {
          if (!out.write(JSON.stringify(doc) + '\n')) await new Promise((r) => out.once('drain', r));
          count++;
        }
        if (options.out) {
          await new Promise<void>((r) => out.end(r));
          ctx.print({ profiles: count, file: options.out }, () => `${count} profiles written to ${options.out}`);
        }
      });
    });
}
