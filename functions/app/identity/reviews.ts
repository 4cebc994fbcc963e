/**
 * Review decisions. Approving merges the two sides' current profiles (remembered as an approved
 * pair, so the nightly run keeps them together), optionally with the steward's choice of side for
 * some fields (`{"name": "b"}`: pinned on the merged profile); rejecting records a no-merge pair
 * (never merged automatically again). All are audited by the store.
 */
import { pinsFromChoices } from '../../core/identity/index.ts';
import type { IdentityStore, Review } from '../../ports/identity-store.ts';
import { mergeProfiles } from './merge-protocol.ts';

export class ReviewError extends Error {
  constructor(
    readonly code: 'review.not_found' | 'review.decided',
    message: string,
  ) {
    super(message);
    this.name = 'ReviewError';
  }
}

async function pending(store: IdentityStore, reviewId: string): Promise<Review> {
  const review = await store.getReview(reviewId);
  if (!review) throw new ReviewError('review.not_found', `no review ${reviewId}`);
  if (review.status !== 'pending') throw new ReviewError('review.decided', `review ${reviewId} was already ${review.status}${review.decidedBy ? ` by ${review.decidedBy}` : ''}`);
  return review;
}

/** `fields`: the side each chosen field's value comes from (`{"name": "b"}`), checked before anything is written (PinError). */
export async function approveReview(store: IdentityStore, reviewId: string, actor: string, fields?: unknown): Promise<{ review: Review; mergeId?: string; profileId: string; pinned?: string[] }> {
  const review = await pending(store, reviewId);
  const [ma, mb] = [await store.memberRecords([review.a.key, review.b.key])].map((m) => [m.get(review.a.key), m.get(review.b.key)])[0]!;
  const sides = { a: { key: review.a.key, record: ma?.record ?? review.a.record }, b: { key: review.b.key, record: mb?.record ?? review.b.record } };
  const pins = pinsFromChoices(fields, sides, actor, new Date().toISOString());
  const pa = ma?.profileId ?? review.a.profileId;
  const pb = mb?.profileId ?? review.b.profileId;
  await store.putPairDecision(review.a.key, review.b.key, 'approved', actor, `review ${reviewId}`);
  const merge = await mergeProfiles(store, pa, pb, { a: review.a.key, b: review.b.key, rule: 'approved', score: review.score, fieldScores: review.fieldScores, reasons: review.reasons, reviewId }, actor);
  const profileId = merge?.into ?? (await store.currentProfileId(pa)) ?? pa;
  await store.pinFields(profileId, pins, actor);
  const decided = await store.decideReview(reviewId, 'approved', actor, merge?.mergeId);
  return { review: decided, mergeId: merge?.mergeId, profileId, ...(Object.keys(pins).length ? { pinned: Object.keys(pins) } : {}) };
}

export async function rejectReview(store: IdentityStore, reviewId: string, actor: string): Promise<{ review: Review }> {
  const review = await pending(store, reviewId);
  await store.putPairDecision(review.a.key, review.b.key, 'noMerge', actor, `review ${reviewId} rejected`);
  return { review: await store.decideReview(reviewId, 'rejected', actor) };
}
