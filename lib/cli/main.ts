/** `phonekey`: the command line of SPEC §2. */
import { Command, Option } from 'commander';
import { dataDirOf, openTarget, type Target } from './target.ts';
import { upCommand } from './commands/up.ts';
import { importCommand } from './commands/import.ts';
import { exportCommand } from './commands/export.ts';
import { profileCommand } from './commands/profile.ts';
import { segmentCommand } from './commands/segment.ts';
import { sourcePutCommand } from './commands/source.ts';
import { sendCommand } from './commands/send.ts';
import { retryCommand } from './commands/retry.ts';
import { eraseCommand } from './commands/erase.ts';
import { auditCommand } from './commands/audit.ts';
import { reviewCommand } from './commands/review.ts';
import { unmergeCommand } from './commands/unmerge.ts';
import { rulesCommand } from './commands/rules.ts';
import { matchCommand } from './commands/match.ts';
import { mergesCommand } from './commands/merges.ts';
import { reconcileCommand } from './commands/reconcile.ts';

export interface GlobalOptions {
  json?: boolean;
  dataDir?: string;
  target: 'local' | 'aws';
  stack: string;
}

/** A failure the user can act on: printed without a stack trace, exit code 1. */
export class UserError extends Error {}

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

export function buildProgram(): Command {
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

  upCommand(program, context);
  importCommand(program, context);
  exportCommand(program, context);
  profileCommand(program, context);
  segmentCommand(program, context);
  sourcePutCommand(program, context);
  sendCommand(program, context);
  retryCommand(program, context);
  eraseCommand(program, context);
  auditCommand(program, context);
  reviewCommand(program, context);
  unmergeCommand(program, context);
  rulesCommand(program, context);
  matchCommand(program, context);
  mergesCommand(program, context);
  reconcileCommand(program, context);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
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
