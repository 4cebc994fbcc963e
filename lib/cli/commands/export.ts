import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { withTarget, type CommandContext } from '../main.ts';
import { storeFor } from '../services.ts';
import { exportLine } from '../profile-view.ts';

export function exportCommand(program: Command, context: () => CommandContext): void {
  program
    .command('export')
    .description('every unified profile as NDJSON, one a line (SPEC §5)')
    .option('--out <file>', 'write to a file instead of standard output')
    .action(async (options: { out?: string }) => {
      const ctx = context();
      await withTarget(ctx, async (target) => {
        const store = storeFor(target);
        const out: Writable = options.out ? createWriteStream(options.out) : process.stdout;
        let count = 0;
        for await (const profile of store.listProfiles()) {
          const line = JSON.stringify(exportLine(profile, await store.members(profile.profileId))) + '\n';
          if (!out.write(line)) await new Promise((r) => out.once('drain', r));
          count++;
        }
        if (options.out) {
          await new Promise<void>((r) => out.end(r));
          ctx.print({ profiles: count, file: options.out }, () => `${count} profiles written to ${options.out}`);
        }
      });
    });
}
