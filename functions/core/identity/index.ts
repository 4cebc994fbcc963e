/** Identity policy, pure: what a number may decide, and which profile an arriving record joins. */
export { planArrivals, numberlessKey, contradiction, type ArrivalPlan, type Home } from './arrival.ts';
export {
  emptyEvidence,
  explainStanding,
  mergeEvidence,
  nameOf,
  sameName,
  standing,
  standingPolicy,
  withRecord,
  type Holder,
  type NameSeen,
  type NumberEvidence,
  type Standing,
  type StandingPolicy,
} from './number-evidence.ts';
export { planUnmerge, type MergeMoved, type SurvivorMember, type UnmergePlan } from './unmerge.ts';
export { pinsFromChoices, pinnedMembers, PINNABLE_FIELDS, PinError, type Pin, type PinnableField } from './pins.ts';
export { planSplit, splitMember, splitUndoBlocker, type SplitMember, type SplitPart, type SplitPlan, type SplitPolicy, type SplitUndoBlocker } from './split.ts';
export { forbiddenAcross, mergeToUndo, pairsForbiddenByUnmerge, profileIdentity, type MergeDone, type PairDecision, type ProfileIdentity } from './merge-policy.ts';
export { MergeForbiddenError, ProfileMovedError, SplitUndoError, UnmergeError } from './errors.ts';
