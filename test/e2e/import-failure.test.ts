/**
 * An import the function gives up on reaches the user who started it: `phonekey import` against a
 * running cloud ends with the function's reason and exit code 1 once the import is dead-lettered,
 * instead of waiting for its timeout. The failure is real: the reports bucket is gone, so every
 * attempt of the import function fails when it writes the report.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localS3, runCli, startTestCloud } from '../support/local-cloud.ts';
import type { LocalCloud } from '../../lib/local/cloud.ts';

let cloud: LocalCloud;
let dataDir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ cloud, dataDir, cleanup } = await startTestCloud());
});
afterAll(() => cleanup());

describe('phonekey import when the import function gives up', () => {
  it('ends with the dead letter and its reason, not after the timeout', async () => {
    await localS3(cloud).send(new DeleteBucketCommand({ Bucket: cloud.info.outputs.ReportsBucketName }));
    const file = join(dataDir, 'customers.csv');
    writeFileSync(file, 'phone,name\n13812345678,张伟\n');
    // The default timeout is 30 minutes: only the dead-letter watch can end this within the test.
    const run = await runCli(['import', file, '--source', 'demo'], { dataDir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/customers\.csv: the import function gave up on import \S+ after its retries: .*bucket/i);
    expect(run.stderr).toMatch(/phonekey retry/);
  });
});
