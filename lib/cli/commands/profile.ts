import type { Command } from 'commander';
import { parsePhone } from '../../../functions/core/clean/index.ts';
import { loadSettings, readProfile } from '../../../functions/app/profiles/index.ts';
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
        const profileId = await views.profileIdForPhone(parsed.e164!);
        const doc = profileId && (await readProfile(views, profileId, await loadSettings(views)));
        if (!doc) throw new UserError(`no profile has the number ${parsed.e164}`);
        ctx.print(doc, () => renderProfile(doc));
      });
    });
}
