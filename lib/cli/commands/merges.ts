/** `phonekey merges <profile>`: the merges that formed a profile, with rule, scores and reasons (issue 6). */
import type { Command } from 'commander';
import { withTarget, type CommandContext } from '../main.ts';
import { identityStoreFor } from './review.ts';
import { profileIdOf } from './unmerge.ts';

export function mergesCommand(program: Command, context: () => CommandContext): void {
  program
    .command('merges')
    .argument('<profile>', 'a phone number of the profile, or its profile id')
    .option('--country <code>', 'country for a number written without one', 'CN')
    .action(async (profile: string, options: { country: string }) => {
      const ctx = context();
      await withTarget(ctx, async (target) => {
        const store = identityStoreFor(target);
        const profileId = await profileIdOf(store, profile, options.country);
        const merges = await store.mergesInto(profileId);
        ctx.print({ profileId, merges }, () =>
          merges.length
            ? merges
                .map((m) =>
                  [
                    `merge ${m.mergeId}  ${m.at}  by ${m.actor}${m.undoneAt ? `  (undone ${m.undoneAt} by ${m.undoneBy})` : ''}`,
                    `  ${m.from} → ${m.into}  rule ${m.rule}  score ${m.score}  (${m.a} ~ ${m.b})`,
                    ...m.reasons.map((r) => `    ${r}`),
                    `  moved: ${m.moved.members.join(', ')}${m.moved.phones.length ? `; numbers ${m.moved.phones.join(', ')}` : ''}`,
                  ].join('\n'),
                )
                .join('\n\n')
            : `profile ${profileId} was formed without merges`,
        );
      });
    });
}
