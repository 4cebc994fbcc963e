/**
 * Where a CLI command's calls go: the local cloud of a data folder (the running one, or one started
 * in-process for the command) or a deployed stack. Either way the command gets the stack's outputs
 * and SDK client settings, and talks to the same services through the same adapters.
 */
import { resolve } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { runningCloud, clientEnvFor } from '../local/cloud-info.ts';
import type { LocalCloud } from '../local/cloud.ts';

export interface TargetOptions {
  target: 'local' | 'aws';
  stack: string;
  dataDir: string;
  quiet?: boolean;
}

export interface Target {
  kind: 'local' | 'aws';
  outputs: Record<string, string>;
  /** Local cloud started for this command only, if any. */
  inProcess?: LocalCloud;
  close(): Promise<void>;
}

export function dataDirOf(option?: string): string {
  return resolve(option ?? process.env.PHONEKEY_DATA_DIR ?? '.phonekey');
}

/** Points the SDK at the local services through its standard endpoint variables. */
function useEnv(env: Record<string, string>): void {
  Object.assign(process.env, env);
}

export async function openTarget(opts: TargetOptions): Promise<Target> {
  if (opts.target === 'aws') {
    const cfn = new CloudFormationClient({});
    const out = await cfn.send(new DescribeStacksCommand({ StackName: opts.stack }));
    const stack = out.Stacks?.[0];
    if (!stack) throw new Error(`no stack named ${opts.stack} in this account and region`);
    const outputs = Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
    return { kind: 'aws', outputs, close: async () => {} };
  }

  const running = runningCloud(opts.dataDir);
  if (running) {
    useEnv(clientEnvFor(running.endpoints));
    return { kind: 'local', outputs: running.outputs, close: async () => {} };
  }
  if (!opts.quiet) process.stderr.write(`no local cloud running on ${opts.dataDir}: starting one for this command…\n`);
  const { startLocalCloud } = await import('../local/cloud.ts');
  const cloud = await startLocalCloud({
    dataDir: opts.dataDir,
    ports: { api: 0, s3: 0, dynamodb: 0, control: 0 },
    schedules: false,
  });
  useEnv(cloud.clientEnv);
  return { kind: 'local', outputs: cloud.info.outputs, inProcess: cloud, close: () => cloud.stop() };
}
