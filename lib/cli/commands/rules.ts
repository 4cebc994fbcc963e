/**
 * `phonekey rules show [--kind K]` and `phonekey rules put <rules.json> [--kind K]` (SPEC §2): the
 * rules in force, stored in the table; `put` validates first and saves nothing when invalid. The
 * kind is `--kind`, else the document's `"kind"`, else guessed from its shape (see
 * functions/app/identity/rules.ts, where new kinds such as `tags` plug in).
 */
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { putRules, RULE_KINDS, RulesError, showRules } from '../../../functions/app/identity/rules.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';
import { cliActor, identityStoreFor } from './review.ts';

export function rulesCommand(program: Command, context: () => CommandContext): void {
  const rules = program.command('rules');
  rules
    .command('show')
    .description('print the rules in force (stored, else the shipped defaults)')
    .option('--kind <kind>', `which rules: ${Object.keys(RULE_KINDS).join(', ')}`, 'match')
    .action(async (options: { kind: string }) => {
      const ctx = context();
      await withTarget(ctx, async (target) => {
        try {
          const out = await showRules(identityStoreFor(target), options.kind);
          // --json prints the wrapper; the human form is the rules document itself, ready to edit and put back
          ctx.print(out, () => `${JSON.stringify(out.rules, null, 2)}`);
          if (!ctx.opts.json) process.stderr.write(`(${out.kind} rules: ${out.source === 'stored' ? `stored ${out.updatedAt}` : 'shipped defaults'})\n`);
        } catch (error) {
          if (error instanceof RulesError) throw new UserError(error.message);
          throw error;
        }
      });
    });
  rules
    .command('put')
    .description('validate and store rules; the invalid are refused with every problem named')
    .argument('<rules.json>')
    .option('--kind <kind>', `which rules: ${Object.keys(RULE_KINDS).join(', ')} (default: from the document)`)
    .action(async (file: string, options: { kind?: string }) => {
      const ctx = context();
      if (!existsSync(file)) throw new UserError(`no such file: ${file}`);
      let doc: unknown;
      try {
        doc = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new UserError(`${file} is not JSON: ${(error as Error).message}`);
      }
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new UserError(`${file}: rules must be a JSON object`);
      await withTarget(ctx, async (target) => {
        try {
          const out = await putRules(identityStoreFor(target), doc, { kind: options.kind, actor: cliActor() });
          ctx.print({ stored: out.kind }, () => `${out.kind} rules stored`);
        } catch (error) {
          if (error instanceof RulesError) throw new UserError(`${file}: ${error.message}`);
          throw error;
        }
      });
    });
}
