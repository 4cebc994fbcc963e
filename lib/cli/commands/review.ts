/** `phonekey review list / approve ID [--take field=a|b…] / reject ID`: the manual-review queue. */
import { identityStore } from '../../../functions/adapters/wiring.ts';
import type { Command } from 'commander';
import { approveReview, rejectReview, ReviewError } from '../../../functions/app/identity/reviews.ts';
import { PinError } from '../../../functions/core/identity/index.ts';
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

async function decide(ctx: CommandContext, id: string, action: 'approve' | 'reject', take: string[] = []): Promise<void> {
  await withTarget(ctx, async (target) => {
    const store = identityStoreFor(target);
    try {
      if (action === 'reject') {
        const out = await rejectReview(store, id, cliActor());
        ctx.print(out, () => `review ${id} rejected: ${out.review.a.key} and ${out.review.b.key} will not be merged automatically`);
        return;
      }
      const out = await approveReview(store, id, cliActor(), take.length ? choices(take) : undefined);
      ctx.print(out, () => `review ${id} approved: ${out.review.a.key} and ${out.review.b.key} are one profile (${out.profileId})${out.pinned ? `; ${out.pinned.join(', ')} pinned as chosen` : ''}`);
    } catch (error) {
      if (error instanceof ReviewError || error instanceof PinError) throw new UserError(error.message);
      throw error;
    }
  });
}

/** `--take name=b --take birthDate=a` → { name: 'b', birthDate: 'a' } (the values are checked by the use case). */
function choices(take: string[]): Record<string, string> {
  return Object.fromEntries(
    take.map((t) => {
      const [field, side = ''] = t.split('=');
      if (!field) throw new UserError(`--take ${t}: expected <field>=a or <field>=b`);
      return [field, side];
    }),
  );
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
    .option('--take <field=side...>', 'take a field from side a or b, pinned on the merged profile (name, gender, birthDate, email, address, province, city, memberId)')
    .action((id: string, options: { take?: string[] }) => decide(context(), id, 'approve', options.take));
  review
    .command('reject')
    .description('the two are different people: never merge them automatically (remembered)')
    .argument('<id>')
    .action((id: string) => decide(context(), id, 'reject'));
}
