import type { Command } from 'commander';
import { parsePhone } from '../../../functions/core/clean/index.ts';
import { loadSettings, profileByNumber } from '../../../functions/app/profiles/index.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';
import { renderProfile, viewsFor } from '../profile-view.ts';

export function profileCommand(program: Command, context: () => CommandContext): void {
  program
    .command('profile')
    .argument('<phone>')
    .option('--country <code>', 'country for a number written without one', 'CN')
    .action(async (phone: string, options: { country: string }) => {
      const ctx = context();
      const parsed = parsePhone(phone, { defaultCountry: options.country as never });
      if (!parsed.valid || !parsed.e164) throw new UserError(`${phone} is not a valid phone number: ${parsed.problem?.message ?? 'invalid'}`);
      await withTarget(ctx, async (target) => {
        const views = viewsFor(target);
        const found = await profileByNumber(views, parsed.e164!, await loadSettings(views));
        if (!('profile' in found)) throw new UserError(found.message);
        ctx.print(found.profile, () => renderProfile(found.profile));
      });
    });
}
