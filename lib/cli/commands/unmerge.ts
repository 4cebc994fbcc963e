/** `phonekey unmerge <profile> <member>`: undo the merge that brought a member into a profile. */
import type { Command } from 'commander';
import { parsePhone } from '../../../functions/core/clean/index.ts';
import type { DynamoIdentityStore } from '../../../functions/adapters/dynamo-identity-store.ts';
import { UnmergeError } from '../../../functions/core/identity/index.ts';
import { unmergeMember } from '../../../functions/app/identity/merge-protocol.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';
import { cliActor, identityStoreFor } from './review.ts';

/** A profile named by id (`p_…`) or by any of its numbers, in any written form; followed through merges. */
export async function profileIdOf(store: DynamoIdentityStore, profile: string, country = 'CN'): Promise<string> {
  if (/^p_[0-9a-f]{16}$/.test(profile)) {
    const current = await store.currentProfileId(profile);
    if (!current) throw new UserError(`no profile ${profile}`);
    return current;
  }
  const parsed = parsePhone(profile, { defaultCountry: country as never });
  if (!parsed.valid || !parsed.e164) throw new UserError(`${profile} is neither a profile id nor a valid phone number: ${parsed.problem?.message ?? 'invalid'}`);
  const id = await store.profileIdForPhone(parsed.e164);
  const current = id && (await store.currentProfileId(id));
  if (!current) throw new UserError(`no profile has the number ${parsed.e164}`);
  return current;
}

/**
 * A command that prints the history of one profile, named by any of its numbers or its id:
 * `{ profileId, [key]: items }` in JSON, `render` otherwise.
 */
export function profileHistoryCommand<T>(
  program: Command,
  context: () => CommandContext,
  name: string,
  key: string,
  list: (store: DynamoIdentityStore, profileId: string) => Promise<T[]>,
  render: (profileId: string, items: T[]) => string,
): void {
  program
    .command(name)
    .argument('<profile>', 'a phone number of the profile, or its profile id')
    .option('--country <code>', 'country for a number written without one', 'CN')
    .action(async (profile: string, options: { country: string }) => {
      const ctx = context();
      await withTarget(ctx, async (target) => {
        const store = identityStoreFor(target);
        const profileId = await profileIdOf(store, profile, options.country);
        const items = await list(store, profileId);
        ctx.print({ profileId, [key]: items }, () => render(profileId, items));
      });
    });
}

export function unmergeCommand(program: Command, context: () => CommandContext): void {
  program
    .command('unmerge')
    .argument('<profile>', 'a phone number of the profile, or its profile id')
    .argument('<member>', 'source#recordId, as in exports')
    .option('--country <code>', 'country for a number written without one', 'CN')
    .action(async (profile: string, member: string, options: { country: string }) => {
      const ctx = context();
      if (!member.includes('#')) throw new UserError(`member must be <source>#<recordId> (as in exports), not ${member}`);
      await withTarget(ctx, async (target) => {
        const store = identityStoreFor(target);
        const profileId = await profileIdOf(store, profile, options.country);
        try {
          const out = await unmergeMember(store, profileId, member, cliActor());
          ctx.print(out, () =>
            [
              `undid merge ${out.mergeId}: profile ${out.restored} restored beside ${out.profileId}`,
              `  members back: ${out.members.join(', ') || '(none)'}`,
              `  numbers back: ${out.phones.join(', ') || '(none)'}`,
            ].join('\n'),
          );
        } catch (error) {
          if (error instanceof UnmergeError) throw new UserError(error.message);
          throw error;
        }
      });
    });
}
