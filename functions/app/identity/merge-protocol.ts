/**
 * Merge, unmerge and split: the one place that sequences the store's conditional-write primitives
 * into moves of members, numbers and counts between profiles. What moves is decided in the core
 * (forbiddenAcross, planUnmerge, planSplit, profileIdentity); the adapter only executes writes
 * and turns a failed condition into a domain error (core/identity/errors.ts).
 *
 * The protocol, against writers storing records and events at the same time:
 * - A writer reads a number's owner, then writes there; a merge of that owner can fall in between.
 *   So a merge records itself first (the MERGE item, `applying`: a crash leaves what was being
 *   moved), then marks the retired profile (`mergedInto`, conditional on no earlier mark: two
 *   merges of one profile cannot both retire it), and only then moves the members and numbers it
 *   read, reading the retired profile once more at the end for what arrived meanwhile.
 * - A writer that wrote to an existing profile reads the mark afterwards (a consistent read) and
 *   moves what it wrote itself, adding it to the merge's lists (adapters/dynamo-merged.ts), so an
 *   unmerge still puts back exactly what the retired profile had.
 * - Counters: the mark returns the retired profile's counters at that instant, which is what the
 *   merge adds to the survivor; a writer's count is conditional on no mark, and one that finds the
 *   mark carries its count along the chain itself. Each count lands on the survivor once.
 * - An unmerge claims the merge first (conditional: a second unmerge of it gets `merge.undone`),
 *   moves back what planUnmerge names and restores the retired profile only if that merge still
 *   retires it. A split records itself under ids derived from the run, so a re-run finishes it,
 *   and moves its counts once (a conditional mark on the SPLIT item).
 */
import { randomUUID } from 'node:crypto';
import { splitIds } from '../../core/identity-keys.ts';
import {
  forbiddenAcross,
  MergeForbiddenError,
  mergeToUndo,
  pairsForbiddenByUnmerge,
  planUnmerge,
  ProfileMovedError,
  profileIdentity,
  UnmergeError,
  type SplitPart,
} from '../../core/identity/index.ts';
import { blockingKeys, type MatchRules } from '../../core/match/index.ts';
import type { IdentityStore, MemberRecord, MergeReason, StoredMerge, StoredSplit, UnmergeResult } from '../../ports/identity-store.ts';

/** How often a merge starts over when a concurrent merge retired one of its profiles first. */
const MERGE_ATTEMPTS = 3;

/**
 * Merges profile `from` into `into` (both followed through earlier merges): re-points `from`'s
 * numbers and members, recomputes `into`'s numbers and golden record, retires `from`. Undefined
 * when the two are one profile already; MergeForbiddenError when a person forbade a pair across
 * them (an approval by a person overrides).
 */
export async function mergeProfiles(store: IdentityStore, intoId: string, fromId: string, reason: MergeReason, actor: string): Promise<StoredMerge | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await mergeOnce(store, intoId, fromId, reason, actor);
    } catch (error) {
      if (!(error instanceof ProfileMovedError) || attempt >= MERGE_ATTEMPTS) throw error;
    }
  }
}

async function mergeOnce(store: IdentityStore, intoId: string, fromId: string, reason: MergeReason, actor: string): Promise<StoredMerge | undefined> {
  const [into, from] = await Promise.all([store.currentProfileId(intoId), store.currentProfileId(fromId)]);
  if (!into) throw new Error(`no profile ${intoId}`);
  if (!from) throw new Error(`no profile ${fromId}`);
  if (into === from) return undefined;
  const [a, b, membersA, membersB] = await Promise.all([store.profileState(into), store.profileState(from), store.profileMembers(into), store.profileMembers(from)]);
  if (!a || !b) throw new ProfileMovedError(a ? from : into);
  if (reason.rule !== 'approved') {
    const sideA = membersA.map((m) => m.key);
    const sideB = membersB.map((m) => m.key);
    const forbidden = forbiddenAcross(sideA, sideB, await store.decisionsAmong([...sideA, ...sideB]));
    if (forbidden) throw new MergeForbiddenError(forbidden);
  }
  const rules = await store.matchRules();
  const now = new Date();
  const at = now.toISOString();
  const movedPhones = await store.numbersOwnedBy(b.phones, from);
  const merge: StoredMerge = {
    ...reason,
    mergeId: `m_${randomUUID().replace(/-/g, '').slice(0, 20)}`,
    into,
    from,
    at,
    actor,
    moved: { phones: movedPhones, members: membersB.map((m) => m.key) },
    fromBefore: { phone: b.phone, phones: b.phones },
  };
  const intoBefore = { phone: a.phone, phones: a.phones };
  await store.beginMerge(merge, intoBefore);
  let movedCounters: Record<string, number>;
  try {
    movedCounters = await store.markMerged(from, into, merge.mergeId, at);
  } catch (error) {
    if (error instanceof ProfileMovedError) await store.abandonMerge(merge.mergeId);
    throw error;
  }
  await store.repointNumbers(movedPhones, from, into);
  await store.repointMembers(membersB, from, into);
  // what reached `from` while this merge was reading it
  const moved = new Set(merge.moved.members);
  const lateMembers = (await store.profileMembers(from)).filter((m) => !moved.has(m.key));
  const latePhones = await store.numbersOwnedBy(((await store.profileState(from))?.phones ?? []).filter((p) => !movedPhones.includes(p)), from);
  await store.repointNumbers(latePhones, from, into);
  await store.repointMembers(lateMembers, from, into);
  await store.addToMerge(merge.mergeId, lateMembers.map((m) => m.key), latePhones);
  merge.moved = { phones: [...movedPhones, ...latePhones], members: [...merge.moved.members, ...lateMembers.map((m) => m.key)] };

  await writeIdentity(store, into, [...membersA, ...membersB, ...lateMembers], [...new Set([...intoBefore.phones, ...merge.moved.phones])], rules, at, intoBefore.phone);
  await store.addMovedCounts(merge.mergeId, movedCounters, at);
  await store.addProfileCounts(into, movedCounters, 1, at);
  await store.finishMerge(merge.mergeId);
  await store.audit({ action: 'merge', actor, subjects: [into, from, merge.mergeId, reason.a, reason.b], detail: { rule: reason.rule, score: reason.score, fieldScores: reason.fieldScores, reviewId: reason.reviewId } }, now);
  return merge;
}

/**
 * Undoes the merge that brought `member` into `profileId`: its whole side goes back, with what
 * arrived since through the numbers it moved (core planUnmerge), and the pair is forbidden from
 * then on.
 */
export async function unmergeMember(store: IdentityStore, profileId: string, member: string, actor: string): Promise<UnmergeResult> {
  const current = await store.currentProfileId(profileId);
  if (!current) throw new UnmergeError('profile.not_found', `no profile ${profileId}`);
  const members = await store.profileMembers(current);
  if (!members.some((m) => m.key === member)) throw new UnmergeError('member.not_in_profile', `${member} is not a member of profile ${current}`);
  const merge = mergeToUndo(await store.mergesInto(current), member);
  if (!merge) throw new UnmergeError('merge.not_found', `profile ${current} was not formed by any merge: nothing to undo`);
  const now = new Date();
  const at = now.toISOString();
  const { into, from } = merge;
  const ledger = await store.beginUnmerge(merge.mergeId, actor, at);

  const plan = planUnmerge(merge, members);
  const goingBack = new Set(plan.back);
  const back = members.filter((m) => goingBack.has(m.key));
  const rules = await store.matchRules();
  // `from` lives again: blocks of what was on it, or goes to it, may no longer be one profile's
  const fromSide = new Set(merge.moved.members);
  await store.shareBlocks(blockKeysOf(members.filter((m) => goingBack.has(m.key) || fromSide.has(m.key)), rules));
  await store.restoreProfile(from, merge.fromBefore, merge.mergeId, at);
  await store.repointNumbers(merge.moved.phones, into, from);
  await store.repointMembers(back, into, from);
  const movedPhones = new Set(merge.moved.phones);
  const intoPhones = ((await store.profileState(into))?.phones ?? []).filter((p) => !movedPhones.has(p));
  await writeIdentity(store, into, members.filter((m) => !goingBack.has(m.key)), intoPhones, rules, at, ledger.intoBefore?.phone);
  await store.addProfileCounts(into, { ...ledger.movedCounters }, -1, at);
  await store.addProfileCounts(into, plan.countsSince, -1, at);
  await store.addProfileCounts(from, plan.countsSince, 1, at);
  await writeIdentity(store, from, back, merge.fromBefore.phones, rules, at, merge.fromBefore.phone);
  await store.finishUnmerge(merge.mergeId, actor, at);

  for (const [x, y] of pairsForbiddenByUnmerge(merge, member)) await store.putPairDecision(x, y, 'noMerge', actor, `unmerge of ${merge.mergeId}`);
  await store.audit({ action: 'unmerge', actor, subjects: [into, from, merge.mergeId, member], detail: { members: back.length, arrivedSince: plan.arrivedSince.length, phones: merge.moved.phones.length } }, now);
  return { profileId: into, restored: from, mergeId: merge.mergeId, phones: merge.moved.phones, members: back.map((m) => m.key) };
}

/**
 * Moves a part of a profile (core planSplit) to a new profile: its members, the numbers only it
 * carries and its events' counts. The ids come from `runId`, so a re-run finishes the same split.
 * Undefined when the profile is merged away.
 */
export async function splitProfile(store: IdentityStore, profileId: string, part: SplitPart, runId: string, actor: string): Promise<StoredSplit | undefined> {
  const { splitId, profileId: to } = splitIds(runId, profileId, part.pair[0]);
  const existing = await store.getSplit(splitId);
  if (existing?.applied) return existing;
  const state = await store.profileState(profileId);
  if (!state || state.mergedInto) return undefined;
  const now = new Date();
  const at = existing?.at ?? now.toISOString();
  const split: StoredSplit = { splitId, from: profileId, to, at, actor, moved: { members: part.members, phones: part.phones }, counts: part.counts, glue: part.glue, pair: part.pair, runId, applied: false };
  if (!existing) await store.beginSplit(split);
  await store.foundSplitProfile(split);
  const leaving = new Set(part.members);
  const members = await store.profileMembers(profileId);
  const going = members.filter((m) => leaving.has(m.key));
  const rules = await store.matchRules();
  await store.shareBlocks(blockKeysOf(going, rules));
  await store.repointNumbers(part.phones, profileId, to);
  await store.repointMembers(going, profileId, to);
  if (Object.keys(part.counts).length && (await store.markSplitCounted(splitId))) {
    await store.addProfileCounts(to, part.counts, 1, at);
    await store.addProfileCounts(profileId, part.counts, -1, at);
  }
  const moving = new Set(part.phones);
  await writeIdentity(store, profileId, members.filter((m) => !leaving.has(m.key)), state.phones.filter((p) => !moving.has(p)), rules, now.toISOString(), state.phone);
  await writeIdentity(store, to, going, part.phones, rules, now.toISOString());
  await store.finishSplit(splitId);
  await store.audit({ action: 'split', actor, subjects: [profileId, to, splitId, ...part.pair], detail: { members: part.members.length, phones: part.phones.length, glue: part.glue, runId } }, now);
  return { ...split, applied: true };
}

/**
 * The blocking keys of members' records. Before members move to another live profile, the markers
 * of their blocks are made to name no profile (BlockMarker): match on arrival would otherwise skip
 * those blocks for a record of the profile they leave. (A merge needs none: the profile its
 * members leave is retired.)
 */
function blockKeysOf(members: MemberRecord[], rules: MatchRules): string[] {
  return [...new Set(members.flatMap((m) => (m.kind === 'record' && m.record ? blockingKeys(m.record, rules) : [])))];
}

/** A profile's numbers and golden record as core profileIdentity derives them from its members' records. */
function writeIdentity(store: IdentityStore, profileId: string, members: MemberRecord[], phones: string[], rules: MatchRules, at: string, fallbackPrimary?: string): Promise<void> {
  const records = members.filter((m) => m.kind === 'record' && m.record).map((m) => m.record);
  return store.setIdentity(profileId, profileIdentity(records, phones, rules, fallbackPrimary), at);
}
