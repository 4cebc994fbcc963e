/**
 * Fault suite, nightly runs (issue 8): a nightly run that fails (DynamoDB unavailable) leaves a
 * failure record with the reason; `phonekey retry --list` shows it, `phonekey retry` restarts it
 * once storage is back and takes it off the list only because the new run succeeded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../lib/local/cloud.ts';
import { runCli, startTestCloud } from '../support/local-cloud.ts';

let cloud: LocalCloud;
let dataDir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ cloud, dataDir, cleanup } = await startTestCloud());
}, 300_000);

afterAll(async () => {
  cloud?.faults.setDynamoDown(false);
  await cleanup?.();
});

describe('a failed nightly run', () => {
  it('is listed with its reason and re-run by `phonekey retry`, then leaves the list', async () => {
    cloud.faults.setDynamoDown(true);
    cloud.startExecution(cloud.info.outputs.StateMachineArn, { trigger: 'fault-test' }, 'fault-night-1');
    await cloud.idle(); // the state machine retries each step (10 s, 20 s) before it records the failure
    cloud.faults.setDynamoDown(false);

    const listed = await runCli(['retry', '--list', '--json'], { dataDir });
    expect(listed.code, listed.stderr).toBe(0);
    const run = JSON.parse(listed.stdout).nightlyRuns.find((r: any) => r.id === 'nightly-fault-night-1');
    expect(run).toMatchObject({ kind: 'nightly', status: 'FAILED' });
    expect(run.reason.length).toBeGreaterThan(0);
    console.log(`failed nightly run reason: ${run.reason}`);

    const retried = await runCli(['retry', 'nightly-fault-night-1', '--json'], { dataDir });
    expect(retried.code, retried.stdout + retried.stderr).toBe(0);
    expect(JSON.parse(retried.stdout)).toMatchObject({ retried: 1, failed: 0 });

    const after = JSON.parse((await runCli(['retry', '--list', '--json'], { dataDir })).stdout);
    expect(after.nightlyRuns.find((r: any) => r.id === 'nightly-fault-night-1')).toBeUndefined();
  }, 300_000);
});
