import type { Command } from 'commander';
import { join } from 'node:path';
import { runningCloud } from '../../local/cloud-info.ts';
import { UserError, type CommandContext } from '../main.ts';

/** One console line, with the time, for each thing the running cloud did or failed to do. */
const line = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)}  ${message}\n`);

export function upCommand(program: Command, context: () => CommandContext): void {
  program
    .command('up')
    .option('--port <n>', 'first of four consecutive ports: HTTP API, S3, DynamoDB, Step Functions', '4510')
    .option('--verbose', "also print the functions' JSON logs (always kept in <data folder>/functions.log)")
    .action(async (options: { port: string; verbose?: boolean }) => {
      const ctx = context();
      const running = runningCloud(ctx.dataDir);
      if (running) throw new UserError(`a local cloud (pid ${running.pid}) already runs on ${ctx.dataDir}: ${running.endpoints.api}`);
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 1 || port > 65532) throw new UserError(`--port must be a port number, not ${JSON.stringify(options.port)}`);
      const { startLocalCloud } = await import('../../local/cloud.ts');
      const ports = { api: port, s3: port + 1, dynamodb: port + 2, control: port + 3 };
      const cloud = await startLocalCloud({ dataDir: ctx.dataDir, ports, log: line, verbose: options.verbose });
      const { info } = cloud;
      ctx.print({ ...info, apiToken: cloud.apiToken }, () =>
        [
          `PhoneKey local cloud is up (data in ${info.dataDir})`,
          `  Console         ${info.endpoints.api}/console   (sign in with the token below)`,
          `  HTTP API        ${info.endpoints.api}   token: ${cloud.apiToken}`,
          `  S3 API          ${info.endpoints.s3}   raw bucket: ${info.outputs.RawBucketName}, reports: ${info.outputs.ReportsBucketName}`,
          `  DynamoDB API    ${info.endpoints.dynamodb}   table: ${info.outputs.TableName}`,
          `  Step Functions  ${info.endpoints.control}   nightly: ${info.outputs.StateMachineArn}`,
          `  Secrets         ${info.secretsFile} (API token, webhook secrets)`,
          `  Function logs   ${join(info.dataDir, 'functions.log')}${options.verbose ? ' (and below)' : ' (--verbose shows them here)'}`,
          `Drop files at s3://${info.outputs.RawBucketName}/incoming/<source>/<file>, or run: npx phonekey import <file> --source <name>`,
          'Ctrl-C stops it.',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      line('stopping…');
      await cloud.stop();
    });
}
