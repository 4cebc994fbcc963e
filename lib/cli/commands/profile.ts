import type { Command } from 'commander';
import { parsePhone } from '../../../functions/core/clean/index.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';
import { storeFor } from '../services.ts';
import { exportLine } from '../profile-view.ts';

export function profileCommand(program: Command, context: () => CommandContext): void {
  program
    .command('profile')
    .description('one unified profile, found by any of its numbers in any written form')
    .argument('<phone>')
    .option('--country <code>', 'country for a number written without one', 'CN')
    .action(async (phone: string, options: { country: string }) => {
      const ctx = context();
      const parsed = parsePhone(phone, { defaultCountry: options.country as never });
      if (!parsed.valid || !parsed.e164) throw new UserError(`${phone} is not a valid phone number: ${parsed.problem?.message ?? 'invalid'}`);
      await withTarget(ctx, async (target) => {
        const store = storeFor(target);
        const profileId = await store.profileIdForPhone(parsed.e164!);
        const profile = profileId && (await store.getProfile(profileId));
        if (!profile) throw new UserError(`no profile has the number ${parsed.e164}`);
        const view = exportLine(profile, await store.members(profile.profileId));
        ctx.print(view, () =>
          [
            `profile ${view.profileId}  ${view.phone}`,
            `  phones:  ${view.phones.join(', ')}`,
            `  members: ${view.members.map((m) => `${m.source}/${m.recordId}`).join(', ')}`,
          ].join('\n'),
        );
      });
    });
}
