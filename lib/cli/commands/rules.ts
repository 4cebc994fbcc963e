/**
 * `phonekey rules show [--kind K]` and `phonekey rules put <rules.json> [--kind K]` (SPEC §2): the
 * rules in force, stored in the table; `put` validates first and saves nothing when invalid.
 * `phonekey rules learn [--sample N] [--out F]` re-estimates the match weights from the stored
 * records and writes the rules (stores nothing). The
 * kind is `--kind`, else the document's `"kind"`, else guessed from its shape (see
 * functions/app/identity/rules.ts, where new kinds such as `tags` plug in).
 */
import type { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { putRules, RULE_KINDS, RulesError, showRules } from '../../../functions/app/identity/rules.ts';
import { learnRules, type LearnedRules } from '../../../functions/app/identity/learn-rules.ts';
import { scoreForProbability } from '../../../functions/core/match/rules.ts';
import { learnedAnything, MIN_COMPARED } from '../../../functions/core/match/learn.ts';
import { nightlyTable } from '../../../functions/adapters/wiring.ts';
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
  rules
    .command('learn')
    .description('estimate the match weights from the stored records (m by EM, u from random pairs, term frequencies, the prior) and write the rules to put; stores nothing')
    .option('--sample <n>', 'learn from an even sample of at most n records (default: all)')
    .option('--out <file>', 'write the rules there (default: print them)')
    .action(async (options: { sample?: string; out?: string }) => {
      const ctx = context();
      const sample = options.sample === undefined ? undefined : Number(options.sample);
      if (sample !== undefined && !(Number.isInteger(sample) && sample >= 2)) throw new UserError(`--sample must be a whole number of at least 2, not ${JSON.stringify(options.sample)}`);
      await withTarget(ctx, async (target) => {
        const learned = await learnRules(nightlyTable(target.outputs.TableName), identityStoreFor(target), sample === undefined ? {} : { sample });
        if (!learnedAnything(learned.report)) {
          throw new UserError(`too few records to learn from: ${learned.report.records} of ${learned.stored} stored, and no comparator had ${MIN_COMPARED} pairs to compare (import more first)`);
        }
        const doc = `${JSON.stringify(learned.rules, null, 2)}\n`;
        if (options.out) writeFileSync(options.out, doc);
        if (ctx.opts.json) ctx.print(learned, () => '');
        else if (options.out) ctx.print(learned, () => `${learnSummary(learned)}\n\nrules written to ${options.out}: read them, then \`phonekey rules put ${options.out}\``);
        else {
          process.stdout.write(doc);
          process.stderr.write(`${learnSummary(learned)}\n`);
        }
      });
    });
}

const sig = (x: number) => (x >= 0.01 ? x.toFixed(3) : x.toExponential(1));

/** What was learned, one comparator per line: each outcome's weight with its m and u. */
export function learnSummary({ report, stored }: LearnedRules): string {
  const p = report.matchProbability;
  const lines = [
    `learned from ${report.records} of ${stored} stored records: ${report.randomPairs} random pairs for u, ${report.sessions.length} blocking sessions for m, ${report.labelledPairs} pair${report.labelledPairs === 1 ? '' : 's'} a steward decided`,
    `prior ${report.prior} (1 pair in ${Math.round(2 ** -report.prior)} is the same person); merge at match probability ≥ ${p.autoMerge} (score ${scoreForProbability(p.autoMerge, report.prior).toFixed(1)}), review at ≥ ${p.review} (score ${scoreForProbability(p.review, report.prior).toFixed(1)})`,
  ];
  for (const c of report.comparators) {
    if (c.status !== 'learned') {
      lines.push(`  ${c.id}: kept as given (${c.status})`);
      continue;
    }
    const outcomes = c.outcomes.map((o) => `${o.label} ${o.weight >= 0 ? '+' : ''}${o.weight} (m ${sig(o.m)}, u ${sig(o.u)})`).join(' · ');
    lines.push(`  ${c.id}: ${outcomes}${c.commonValues ? ` · ${c.commonValues} common values weighed by frequency` : ''}`);
  }
  return lines.join('\n');
}
