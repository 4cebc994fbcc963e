/** `phonekey splits <profile>` and `phonekey unsplit <splitId>`: what the nightly split off a profile a number glued, and its undoing. */
import type { Command } from 'commander';
import { undoSplit } from '../../../functions/app/identity/undo-split.ts';
import { SplitUndoError } from '../../../functions/core/identity/index.ts';
import type { StoredSplit } from '../../../functions/ports/identity-store.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';
import { cliActor, identityStoreFor } from './review.ts';
import { profileHistoryCommand } from './unmerge.ts';

const describeSplit = (s: StoredSplit) =>
  [
    `split ${s.splitId}  ${s.at}  by ${s.actor}${s.undoneAt ? `  (undone ${s.undoneAt} by ${s.undoneBy})` : ''}`,
    `  ${s.from} → ${s.to}  glued by ${s.glue.join(', ')}`,
    `  moved: ${s.moved.members.join(', ')}${s.moved.phones.length ? `; numbers ${s.moved.phones.join(', ')}` : ''}${Object.keys(s.counts).length ? `; counts ${Object.entries(s.counts).map(([t, n]) => `${t} ${n}`).join(', ')}` : ''}`,
  ].join('\n');

export function splitsCommand(program: Command, context: () => CommandContext): void {
  profileHistoryCommand(program, context, 'splits', 'splits', (store, profileId) => store.splitsOf(profileId), (profileId, splits) =>
    splits.length ? splits.map(describeSplit).join('\n\n') : `nothing was split off profile ${profileId}`,
  );
}

export function unsplitCommand(program: Command, context: () => CommandContext): void {
  program
    .command('unsplit')
    .argument('<splitId>', 'the split, as `phonekey splits` and the nightly report name it (s_…)')
    .action(async (splitId: string) => {
      const ctx = context();
      await withTarget(ctx, async (target) => {
        const store = identityStoreFor(target);
        try {
          const out = await undoSplit(store, splitId, cliActor());
          ctx.print(out, () =>
            [
              `undid split ${splitId}: ${out.split.to} merged back into ${out.split.from}${out.merge ? ` (merge ${out.merge.mergeId})` : ''}`,
              `  ${out.split.pair[0]} and ${out.split.pair[1]} are recorded as one person: no re-match splits them again`,
            ].join('\n'),
          );
        } catch (error) {
          if (error instanceof SplitUndoError) throw new UserError(error.message);
          throw error;
        }
      });
    });
}
