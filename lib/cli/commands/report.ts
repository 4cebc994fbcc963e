/** `phonekey report [id|latest]`: an import or nightly report as local files, opened on request. */
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { S3Client } from '@aws-sdk/client-s3';
import { downloadReport, findReport, reportsDirOf } from '../report-files.ts';
import { UserError, withTarget, type CommandContext } from '../main.ts';

/** Opens a file with the desktop's handler, where there is one. */
function openFile(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.platform === 'darwin' ? 'open' : 'xdg-open', [path], { stdio: 'ignore', detached: true });
    child.once('error', () => resolve(false));
    child.once('spawn', () => (child.unref(), resolve(true)));
  });
}

export function reportCommand(program: Command, context: () => CommandContext): void {
  program
    .command('report')
    .argument('[id]', 'an import id, a nightly run id, or latest', 'latest')
    .option('--out <dir>', 'where to write (default: <data folder>/reports)')
    .option('--open', 'open the HTML report in the browser')
    .action(async (id: string, options: { out?: string; open?: boolean }) => {
      const ctx = context();
      await withTarget(ctx, async (target) => {
        const s3 = new S3Client({});
        const bucket = target.outputs.ReportsBucketName;
        const prefix = await findReport(s3, bucket, id);
        if (!prefix) throw new UserError(id === 'latest' ? 'no import or nightly report yet' : `no import or nightly run ${id} has a report`);
        const report = await downloadReport(s3, bucket, prefix, options.out ?? reportsDirOf(ctx.dataDir));
        ctx.print(report, () => [report.html ?? report.folder, ...report.files.filter((f) => f !== report.html).map((f) => `  ${f}`)].join('\n'));
        if (options.open && report.html && !(await openFile(report.html))) process.stderr.write('phonekey: no browser opener (xdg-open) here; open the path above\n');
      });
    });
}
