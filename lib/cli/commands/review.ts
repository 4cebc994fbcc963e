/** `phonekey review list / approve ID / reject ID`: the manual-review queue (issue 6). */
import { identityStore } from '../../../functions/adapters/wiring.ts';
import type { Command } from 'commander';
import { approveReview, rejectReview, ReviewError } from '../../../functions/app/identity/reviews.ts';
import type { Review, ReviewSide } from '../../../functions/ports/identity-store.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';
import type { Target } from '../target.ts';

export function identityStoreFor(target: Target): ReturnType<typeof identityStore> {
  return identityStore(target.outputs.TableName);
}

/** Who a CLI decision is recorded as. */
export const cliActor = () => `cli:${process.env.USER ?? process.env.USERNAME ?? 'user'}`;

function side(s: ReviewSide): string {
  const r = s.record;
  const fields = r ? [r.name, r.phones?.join('/'), r.email, r.gender, r.birthDate, r.city, r.address].filter(Boolean).join(' · ') : '';
  return `${s.key} (profile ${s.profileId})${fields ? `: ${fields}` : ''}`;
}

export function reviewText(r: Review): string {
  return [`review ${r.reviewId}  score ${r.score}  ${r.status}  — ${r.reason}`, `  a: ${side(r.a)}`, `  b: ${side(r.b)}`, ...r.reasons.map((x) => `    ${x}`)].join('\n');
}

async function decide(ctx: CommandContext, id: string, action: 'approve' | 'reject'): Promise<void> {
  await withTarget(ctx, async (target) => {
    const store = identityStoreFor(target);
    try {
      const out = action === 'approve' ? await approveReview(store, id, cliActor()) : await rejectReview(store, id, cliActor());
      ctx.print(out, () =>
        action === 'approve'
          ? `review ${id} approved: ${out.review.a.key} and ${out.review.b.key} are one profile (${(out as unknown as { profileId: string }).profileId})`
          : `review ${id} rejected: ${out.review.a.key} and ${out.review.b.key} will not be merged automatically`,
      );
    } catch (error) {
      if (error instanceof ReviewError) throw new UserError(error.message);
      throw error;
    }
  });
}

export function reviewCommand(program: Command, context: () => CommandContext): void {
  const review = program.command('review');
  review
    .command('list')
    .description('pending reviews, oldest first, with both sides and the scores')
    .option('--limit <n>', 'at most this many', '100')
    .action(async (options: { limit: string }) => {
      const ctx = context();
      await withTarget(ctx, async (target) => {
        const reviews = await identityStoreFor(target).pendingReviews(Number(options.limit) || 100);
        ctx.print({ reviews, count: reviews.length }, () => (reviews.length ? reviews.map(reviewText).join('\n\n') : 'no pending reviews'));
      });
    });
  review
    .command('approve')
    .description('the two are one person: merge their profiles (remembered)')
    .argument('<id>')
    .action((id: string) => decide(context(), id, 'approve'));
  review
    .command('reject')
    .description('the two are different people: never merge them automatically (remembered)')
    .argument('<id>')
    .action((id: string) => decide(context(), id, 'reject'));
}
