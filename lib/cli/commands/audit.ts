import type { Command } from 'commander';
import { privacyStore } from '../../../functions/adapters/wiring.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';

export function auditCommand(program: Command, context: () => CommandContext): void {
  program
    .command('audit')
    .option('--day <YYYY-MM-DD>', 'the day (UTC)', new Date().toISOString().slice(0, 10))
    .action(async (options: { day: string }) => {
      const ctx = context();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(options.day) || Number.isNaN(Date.parse(`${options.day}T00:00:00Z`))) {
        throw new UserError(`--day must be a date as YYYY-MM-DD, got ${JSON.stringify(options.day)}`);
      }
      await withTarget(ctx, async (target) => {
        const entries = await privacyStore(target.outputs.TableName).auditDay(options.day);
        ctx.print({ day: options.day, entries }, () =>
          entries.length
            ? entries.map((e) => `${e.at}  ${e.action.padEnd(14)} ${e.actor.padEnd(8)} ${e.subjects.join(' ')}${e.detail ? `  ${JSON.stringify(e.detail)}` : ''}`).join('\n')
            : `no audit entries on ${options.day}`,
        );
      });
    });
}
