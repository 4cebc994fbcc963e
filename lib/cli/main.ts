/** `phonekey`: the command line of SPEC §2. */
import { existsSync, statSync } from 'node:fs';
import { Command, Option } from 'commander';
import { dataDirOf, openTarget, type Target } from './target.ts';
export interface GlobalOptions {
  json?: boolean;
  dataDir?: string;
  target: 'local' | 'aws';
  stack: string;
}

/** A failure the user can act on: printed without a stack trace, exit code 1. */
export class UserError extends Error {}

/** A file argument that must name a file, said before anything starts. */
export function requireFile(file: string): void {
  if (!existsSync(file) || !statSync(file).isFile()) throw new UserError(`no such file: ${file}`);
}

export interface CommandContext {
  opts: GlobalOptions;
  dataDir: string;
  /** Prints a result: JSON with --json, else the human text. */
  print(result: unknown, human: () => string): void;
}

/** Runs an action with its target open, closing it (and an in-process cloud) afterwards. */
export function withTarget(ctx: CommandContext, action: (target: Target) => Promise<void>): Promise<void> {
  return (async () => {
    const target = await openTarget({ target: ctx.opts.target, stack: ctx.opts.stack, dataDir: ctx.dataDir, quiet: ctx.opts.json });
    try {
      await action(target);
    } finally {
      await target.close();
    }
  })();
}

type Register = (program: Command, context: () => CommandContext) => void;

/**
 * The commands, each loaded only when it runs: a command's module brings the SDK clients and the
 * cleaning engine it needs, and loading all of them would cost every call (and `--help`) half a
 * second. The one-line descriptions live here so that the command list needs no module.
 */
const COMMANDS: Array<{ name: string; description: string; load: () => Promise<Register> }> = [
  { name: 'up', description: 'run the local cloud (what `npm start` runs) until interrupted', load: async () => (await import('./commands/up.ts')).upCommand },
  { name: 'import', description: 'upload files to incoming/<source>/ and wait for their import reports', load: async () => (await import('./commands/import.ts')).importCommand },
  { name: 'export', description: 'every unified profile as NDJSON, one a line (SPEC §5), or the deduplicated customer list as CSV/XLSX (--format)', load: async () => (await import('./commands/export.ts')).exportCommand },
  { name: 'dedupe', description: 'remove duplicates from one file in one command: import it into a throw-away local cloud, resolve, and write the deduplicated customer list (CSV/XLSX) and the reports beside it', load: async () => (await import('./commands/dedupe.ts')).dedupeCommand },
  { name: 'profile', description: 'one whole profile (basic, consumption, behaviour, demand, tags, summary), found by any of its numbers in any written form', load: async () => (await import('./commands/profile.ts')).profileCommand },
  { name: 'search', description: 'find profiles by a phone number in any written form, a name (characters, traditional or simplified, or pinyin), an e-mail, a member id or a profile id', load: async () => (await import('./commands/search.ts')).searchCommand },
  { name: 'numbers', description: 'the numbers that are not one person’s own: generic ones (a store’s own number) key nobody, shared ones (a household’s) link nobody by themselves; with their evidence', load: async () => (await import('./commands/numbers.ts')).numbersCommand },
  { name: 'segment', description: 'phones of the profiles matching a query, with marketing consent for the channel (e.g. "tag:high_spending_power city:上海 spend>=1000 consent:sms")', load: async () => (await import('./commands/segment.ts')).segmentCommand },
  { name: 'source', description: 'source and channel configs (SPEC §3)', load: async () => (await import('./commands/source.ts')).sourcePutCommand },
  { name: 'send', description: 'post NDJSON events to /webhooks/<channel>, signed with the channel secret, in batches', load: async () => (await import('./commands/send.ts')).sendCommand },
  { name: 'retry', description: 'list failed imports (dead letters), stalled imports and failed nightly runs, and re-drive them', load: async () => (await import('./commands/retry.ts')).retryCommand },
  { name: 'erase', description: 'erase a person: profile, numbers, records, events, review items; keeps a suppression hash so re-imports and webhooks cannot bring them back; audited', load: async () => (await import('./commands/erase.ts')).eraseCommand },
  { name: 'audit', description: 'the audit log of one day (UTC): merges, unmerges, splits, review decisions, erasures — ids only, never a phone, e-mail or name', load: async () => (await import('./commands/audit.ts')).auditCommand },
  { name: 'review', description: 'the manual-review queue: pairs that may be one person', load: async () => (await import('./commands/review.ts')).reviewCommand },
  { name: 'unmerge', description: 'take a member (and the numbers only it brought) back out of a merged profile, exactly as before; the pair is never merged again automatically', load: async () => (await import('./commands/unmerge.ts')).unmergeCommand },
  { name: 'splits', description: 'what the nightly split off a profile that a number glued (a store’s number, a household’s): members, numbers and counts that left, and why', load: async () => (await import('./commands/splits.ts')).splitsCommand },
  { name: 'unsplit', description: 'undo a split: the split-off profile is merged back, and the pair is recorded as one person so no re-match splits it again', load: async () => (await import('./commands/splits.ts')).unsplitCommand },
  { name: 'rules', description: 'the rules in force (match, tags, profile)', load: async () => (await import('./commands/rules.ts')).rulesCommand },
  { name: 'match', description: 'which stored profiles a person may be (check on entry), with scores and reasons', load: async () => (await import('./commands/match.ts')).matchCommand },
  { name: 'merges', description: 'why a profile is what it is: every merge into it (rule, per-field scores, reasons, what moved)', load: async () => (await import('./commands/merges.ts')).mergesCommand },
  { name: 'reconcile', description: 'run the nightly reconciliation now (re-match, merge, queue reviews, recompute profiles and tags, reports), wait, and print the run report', load: async () => (await import('./commands/reconcile.ts')).reconcileCommand },
  { name: 'report', description: 'write an import or nightly report (HTML, JSON, rejects.csv) to a local folder and print its path', load: async () => (await import('./commands/report.ts')).reportCommand },
];

/** Global options that take a value, so the command's name is not mistaken for one. */
const VALUED_OPTIONS = new Set(['--data-dir', '--target', '--stack']);

/** The command a command line names, if any: its first word that is not a global option. */
function invokedCommand(argv: string[]): string | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (VALUED_OPTIONS.has(args[i])) i++;
    else if (!args[i].startsWith('-')) return args[i];
  }
  return undefined;
}

export async function buildProgram(argv: string[]): Promise<Command> {
  const program = new Command('phonekey')
    .description('One trustworthy customer profile per real customer, keyed by phone number')
    .option('--json', 'machine-readable output')
    .option('--data-dir <dir>', 'local data folder (default: $PHONEKEY_DATA_DIR or .phonekey)')
    .addOption(new Option('--target <target>', 'where commands run').choices(['local', 'aws']).default('local'))
    .option('--stack <name>', 'the deployed stack, with --target aws', 'PhoneKey')
    .showHelpAfterError();

  const context = (): CommandContext => {
    const opts = program.opts<GlobalOptions>();
    return {
      opts,
      dataDir: dataDirOf(opts.dataDir),
      print: (result, human) => process.stdout.write((opts.json ? JSON.stringify(result, null, 2) : human()) + '\n'),
    };
  };

  const invoked = COMMANDS.find((c) => c.name === invokedCommand(argv));
  if (invoked) {
    (await invoked.load())(program, context);
    program.commands.find((c) => c.name() === invoked.name)!.description(invoked.description);
  } else {
    // The list (help, or an unknown command): names and descriptions only.
    for (const c of COMMANDS) program.command(c.name).description(c.description);
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (error) {
    const json = argv.includes('--json');
    const message = (error as Error).message;
    if (json) process.stdout.write(JSON.stringify({ error: message }) + '\n');
    process.stderr.write(`phonekey: ${message}\n`);
    if (!(error instanceof UserError) && process.env.PHONEKEY_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    return 1;
  }
}
