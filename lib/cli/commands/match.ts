/** `phonekey match --name … --phone …`: check on entry from the command line (what POST /v1/match answers). */
import type { Command } from 'commander';
import { checkOnEntry, entryInput } from '../../../functions/app/identity/check-on-entry.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';
import { identityStoreFor } from './review.ts';

export function matchCommand(program: Command, context: () => CommandContext): void {
  program
    .command('match')
    .option('--phone <phone>')
    .option('--name <name>')
    .option('--email <email>')
    .option('--gender <gender>')
    .option('--birth-date <date>')
    .option('--address <address>')
    .option('--province <province>')
    .option('--city <city>')
    .option('--member-id <id>')
    .option('--limit <n>', 'at most this many profiles', '10')
    .action(async (options: Record<string, string>) => {
      const ctx = context();
      const { limit, birthDate, memberId, ...rest } = options;
      const input = entryInput({ ...rest, birthDate, memberId });
      if ('error' in input) throw new UserError(input.error);
      await withTarget(ctx, async (target) => {
        const out = await checkOnEntry(identityStoreFor(target), input, { limit: Number(limit) || 10 });
        ctx.print(out, () =>
          out.candidates.length
            ? out.candidates
                .map((c) => [`${c.decision === 'merge' ? 'likely  ' : 'possible'} ${c.phone ?? ''} (profile ${c.profileId})  score ${c.score}  via ${c.member}`, ...c.reasons.map((r) => `    ${r}`)].join('\n'))
                .join('\n')
            : 'no candidate profiles',
        );
      });
    });
}
