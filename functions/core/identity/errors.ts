/**
 * What can stop a merge, an unmerge, a split or its undoing, as domain errors: the adapters map a
 * failed write condition to one of these, and the routes and the CLI map them to an answer.
 */
import type { SplitUndoBlocker } from './split.ts';

/** Why an unmerge cannot be done (`code` answers the API: `profile.not_found` is a 404, the rest 409). */
export class UnmergeError extends Error {
  constructor(
    readonly code: 'profile.not_found' | 'member.not_in_profile' | 'merge.not_found' | 'merge.undone',
    message: string,
  ) {
    super(message);
    this.name = 'UnmergeError';
  }
}

/** Why a split cannot be undone (splitUndoBlocker; `split.not_found` is a 404, the rest 409). */
export class SplitUndoError extends Error {
  constructor(
    readonly code: SplitUndoBlocker['code'],
    message: string,
  ) {
    super(message);
    this.name = 'SplitUndoError';
  }
}

/** A person recorded that two members of the two profiles are not one person. */
export class MergeForbiddenError extends Error {
  constructor(readonly pair: [string, string]) {
    super(`a person forbade merging ${pair[0]} and ${pair[1]}`);
    this.name = 'MergeForbiddenError';
  }
}

/** A profile moved under a merge or an unmerge: a concurrent merge retired it, or restored it first. */
export class ProfileMovedError extends Error {
  constructor(readonly profileId: string) {
    super(`profile ${profileId} was merged or restored meanwhile`);
    this.name = 'ProfileMovedError';
  }
}
