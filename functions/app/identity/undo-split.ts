/**
 * Undoing a split the nightly run made: the pair it parted is recorded as one person (so no
 * re-match parts them again), the split-off profile is merged back with whatever reached it
 * since, and the split is marked undone. Each step is a store primitive; whether the split may
 * be undone is core policy (splitUndoBlocker).
 */
import { splitUndoBlocker, SplitUndoError } from '../../core/identity/index.ts';
import type { IdentityStore, StoredMerge, StoredSplit } from '../../ports/identity-store.ts';
import { mergeProfiles } from './merge-protocol.ts';

export async function undoSplit(store: IdentityStore, splitId: string, actor: string): Promise<{ split: StoredSplit; merge: StoredMerge | undefined }> {
  const split = await store.getSplit(splitId);
  const blocker = splitUndoBlocker(splitId, split);
  if (blocker) throw new SplitUndoError(blocker.code, blocker.message);
  // no blocker: the split exists
  const { pair: [left, stayed], from, to } = split!;
  const reason = `undo of split ${splitId}`;
  await store.putPairDecision(left, stayed, 'approved', actor, reason);
  const merge = await mergeProfiles(store, from, to, { a: stayed, b: left, rule: 'approved', score: 0, fieldScores: {}, reasons: [reason] }, actor);
  const undone = await store.markSplitUndone(splitId, actor, merge?.mergeId);
  // another steward's undo got there first: the merge above found the two already one
  if (!undone) throw new SplitUndoError('split.undone', `split ${splitId} was undone meanwhile`);
  return { split: undone, merge };
}
