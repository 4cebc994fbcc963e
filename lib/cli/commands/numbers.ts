/** `phonekey numbers [--standing generic|shared]`: the numbers that are not one person's own, with their evidence (what GET /v1/numbers answers). */
import type { Command } from 'commander';
import { numberDirectory } from '../../../functions/adapters/wiring.ts';
import { listNumbers, NumberRequestError, type NumberPage } from '../../../functions/app/numbers.ts';
import { standingPolicy } from '../../../functions/core/identity/index.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';
import { identityStoreFor } from './review.ts';

export function numbersCommand(program: Command, context: () => CommandContext): void {
  program
    .command('numbers')
    .option('--standing <standing>', 'generic (keys nobody) or shared (links nobody by itself)', 'generic')
    .option('--limit <n>', 'numbers per page (1–100)', '20')
    .option('--cursor <cursor>', 'the page after the one that printed this cursor')
    .action(async (options: { standing: string; limit: string; cursor?: string }) => {
      const ctx = context();
      await withTarget(ctx, async (target) => {
        let page: NumberPage;
        try {
          const policy = standingPolicy(await identityStoreFor(target).matchRules());
          page = await listNumbers(numberDirectory(target.outputs.TableName), { standing: options.standing, limit: Number(options.limit), cursor: options.cursor, policy });
        } catch (error) {
          if (error instanceof NumberRequestError) throw new UserError(error.message);
          throw error;
        }
        ctx.print(page, () => renderPage(page));
      });
    });
}

function renderPage(page: NumberPage): string {
  if (!page.numbers.length) return `no ${page.standing} numbers`;
  const lines = page.numbers.flatMap((n) => [
    [n.phone, [n.type, n.location].filter(Boolean).join(', '), n.names.length ? `names: ${n.names.join(', ')}` : ''].filter(Boolean).join('  '),
    `  ${n.explanation}`,
  ]);
  if (page.next) lines.push(`next page: phonekey numbers --standing ${page.standing} --cursor ${page.next}`);
  return lines.join('\n');
}
