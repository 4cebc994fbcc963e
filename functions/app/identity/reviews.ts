/**
 * Review decisions. Approving merges the two sides' current profiles (remembered as an approved
 * pair, so the nightly run keeps them together); rejecting records a no-merge pair (never merged
 * automatically again). Both are audited by the store.
 */
import type { IdentityStore, Review } from '../../ports/identity-store.ts';

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

export async function approveReview(store: IdentityStore, reviewId: string, actor: string): Promise<{ review: Review; mergeId?: string; profileId: string }> {
  const review = await pending(store, reviewId);
  const [ma, mb] = [await store.memberRecords([review.a.key, review.b.key])].map((m) => [m.get(review.a.key), m.get(review.b.key)])[0]!;
  const pa = ma?.profileId ?? review.a.profileId;
  const pb = mb?.profileId ?? review.b.profileId;
  await store.putPairDecision(review.a.key, review.b.key, 'approved', actor, `review ${reviewId}`);
  const merge = await store.merge(pa, pb, { a: review.a.key, b: review.b.key, rule: 'approved', score: review.score, fieldScores: review.fieldScores, reasons: review.reasons, reviewId }, actor);
  const decided = await store.decideReview(reviewId, 'approved', actor, merge?.mergeId);
  return { review: decided, mergeId: merge?.mergeId, profileId: merge?.into ?? (await store.currentProfileId(pa)) ?? pa };
}

export async function rejectReview(store: IdentityStore, reviewId: string, actor: string): Promise<{ review: Review }> {
  const review = await pending(store, reviewId);
  await store.putPairDecision(review.a.key, review.b.key, 'noMerge', actor, `review ${reviewId} rejected`);
  return { review: await store.decideReview(reviewId, 'rejected', actor) };
}
