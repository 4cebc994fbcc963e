import type { Command } from 'commander';
import { privacyStore } from '../../../functions/adapters/wiring.ts';
import { erasePerson, EraseInputError } from '../../../functions/app/erase.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';

export function eraseCommand(program: Command, context: () => CommandContext): void {
  program
    .command('erase')
    .argument('<phone>', 'any of the person\'s numbers, in any written form')
    .option('--country <code>', 'country for a number written without one', 'CN')
    .action(async (phone: string, options: { country: string }) => {
      const ctx = context();
      await withTarget(ctx, async (target) => {
        const privacy = privacyStore(target.outputs.TableName);
        let result;
        try {
          result = await erasePerson(phone, { privacy, actor: 'cli', defaultCountry: options.country as never });
        } catch (error) {
          if (error instanceof EraseInputError) throw new UserError(`${phone} is not a valid phone number: ${error.message}`);
          throw error;
        }
        const d = result.deleted;
        ctx.print(result, () =>
          result.erased
            ? [
                `erased profile ${result.profileId}`,
                `  deleted: ${d.profile} profile item(s), ${d.alias} number(s), ${d.record} record(s), ${d.event} event(s), ${d.review} review item(s), ${d.blocking} blocking-key item(s), ${d.other} other`,
                `  suppressed: ${result.suppressed} number(s) (kept as hashes: re-imports and webhooks of them are rejected as phone.suppressed)`,
                `  raw files in the raw bucket are not rewritten (docs/security.md)`,
              ].join('\n')
            : `no profile has this number; it is suppressed anyway (${result.suppressed} hash kept), so it will not be stored from now on`,
        );
      });
    });
}
