import type { Command } from 'commander';
import { runningCloud, startLocalCloud } from '../../local/cloud.ts';
import { UserError, type CommandContext } from '../main.ts';

export function upCommand(program: Command, context: () => CommandContext): void {
  program
    .command('up')
    .description('run the local cloud (what `npm start` runs) until interrupted')
    .action(async () => {
      const ctx = context();
      const running = runningCloud(ctx.dataDir);
      if (running) throw new UserError(`a local cloud (pid ${running.pid}) already runs on ${ctx.dataDir}: ${running.endpoints.api}`);
      const cloud = await startLocalCloud({ dataDir: ctx.dataDir, log: (m) => process.stderr.write(`${m}\n`) });
      const { info } = cloud;
      ctx.print(info, () =>
        [
          `PhoneKey local cloud is up (data in ${info.dataDir})`,
          `  HTTP API        ${info.endpoints.api}`,
          `  S3 API          ${info.endpoints.s3}   raw bucket: ${info.outputs.RawBucketName}, reports: ${info.outputs.ReportsBucketName}`,
          `  DynamoDB API    ${info.endpoints.dynamodb}   table: ${info.outputs.TableName}`,
          `  Step Functions  ${info.endpoints.control}   nightly: ${info.outputs.StateMachineArn}`,
          `  API token and webhook secrets: ${info.secretsFile}`,
          `Drop files at s3://${info.outputs.RawBucketName}/incoming/<source>/<file>, or run: npx phonekey import <file> --source <name>`,
          'Ctrl-C stops it.',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      process.stderr.write('stopping…\n');
      await cloud.stop();
    });
}
