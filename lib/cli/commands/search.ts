/** `phonekey search <q>`: the profiles a number, name, e-mail, member id or profile id finds (what GET /v1/profiles?q= answers). */
import type { Command } from 'commander';
import { profileSearch } from '../../../functions/adapters/wiring.ts';
import { searchProfiles, type SearchPage } from '../../../functions/app/profiles/index.ts';
import { SearchQueryError } from '../../../functions/core/profile/index.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';
import { identityStoreFor } from './review.ts';

export function searchCommand(program: Command, context: () => CommandContext): void {
  program
    .command('search')
    .argument('<q>', 'a phone number in any written form, a name (characters or pinyin), an e-mail, a member id, name=value of an external id, or a profile id')
    .option('--limit <n>', 'profiles per page (1–100)', '20')
    .option('--cursor <cursor>', 'the page after the one that printed this cursor')
    .action(async (q: string, options: { limit: string; cursor?: string }) => {
      const ctx = context();
      await withTarget(ctx, async (target) => {
        let page: SearchPage;
        try {
          const rules = await identityStoreFor(target).matchRules();
          page = await searchProfiles(profileSearch(target.outputs.TableName), q, { rules, limit: Number(options.limit) || 20, cursor: options.cursor });
        } catch (error) {
          if (error instanceof SearchQueryError) throw new UserError(error.message);
          throw error;
        }
        ctx.print(page, () => renderPage(page));
      });
    });
}

function renderPage(page: SearchPage): string {
  if (!page.profiles.length) return `no profile found by ${page.by} "${page.q}"`;
  const lines = page.profiles.map((p) =>
    [p.profileId, p.phone ?? '(no number)', p.name ?? '—', p.email ?? '', p.city ?? '', p.matched === 'pinyin' ? '(sounds alike)' : '', p.tags.length ? `[${p.tags.join(', ')}]` : '']
      .filter(Boolean)
      .join('  '),
  );
  if (page.truncated) lines.push(`(more records carry this ${page.by} than one search reads: narrow it with a number or e-mail)`);
  if (page.next) lines.push(`next page: phonekey search ${JSON.stringify(page.q)} --cursor ${page.next}`);
  return lines.join('\n');
}
