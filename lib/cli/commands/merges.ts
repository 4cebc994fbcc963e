/** `phonekey merges <profile>`: the merges that formed a profile, with rule, scores and reasons (issue 6). */
import type { Command } from 'commander';
import type { CommandContext } from '../main.ts';
import { profileHistoryCommand } from './unmerge.ts';

export function mergesCommand(program: Command, context: () => CommandContext): void {
  profileHistoryCommand(program, context, 'merges', 'merges', (store, profileId) => store.mergesInto(profileId), (profileId, merges) =>
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
}
