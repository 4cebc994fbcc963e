import type { Command } from 'commander';
import { findProfile, loadSettings } from '../../../functions/app/profiles/index.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';
import { renderProfile, viewsFor } from '../profile-view.ts';

export function profileCommand(program: Command, context: () => CommandContext): void {
  program
    .command('profile')
    .argument('<phone-or-id>', 'any written form of one of its numbers, or its profile id (p_…)')
    .option('--country <code>', 'country for a number written without one', 'CN')
    .action(async (ref: string, options: { country: string }) => {
      const ctx = context();
      await withTarget(ctx, async (target) => {
        const views = viewsFor(target);
        const found = await findProfile(views, ref, await loadSettings(views), options.country as never);
        if (!('profile' in found)) throw new UserError(found.message);
        ctx.print(found.profile, () => renderProfile(found.profile));
      });
    });
}
