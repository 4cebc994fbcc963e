import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { parseSourceConfig } from '../../../functions/core/ingest/source-config.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';
import { storeFor } from '../services.ts';

export function sourcePutCommand(program: Command, context: () => CommandContext): void {
  const source = program.command('source');
  source
    .command('put')
    .description('validate and register a source or channel config')
    .argument('<config.json>')
    .action(async (file: string) => {
      const ctx = context();
      if (!existsSync(file)) throw new UserError(`no such file: ${file}`);
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new UserError(`${file} is not JSON: ${(error as Error).message}`);
      }
      let config;
      try {
        config = parseSourceConfig(json);
      } catch (error) {
        throw new UserError(`${file}: ${(error as Error).message}`);
      }
      await withTarget(ctx, async (target) => {
        await storeFor(target).putSourceConfig(config.name, config);
        ctx.print({ registered: config.name }, () => `source ${config.name} registered`);
      });
    });
}
