/**
 * Kill test: the local cloud, in a process of its own, is killed with SIGKILL while the import
 * function is in the middle of a file (after a checkpoint drawn at random), so no retry ever comes.
 * Started again on the same data folder, `phonekey retry --list` shows the import as stalled and
 * `phonekey retry` resumes it from its checkpoint: 0 lost, 0 counted twice, nothing left running.
 */
import { afterAll, describe, expect, it, inject } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoProfileStore } from '../../functions/adapters/dynamo-profile-store.ts';
import { documentClient } from '../../functions/adapters/dynamo-document-client.ts';
import { runningCloud, LOCAL_CREDENTIALS, type CloudInfo } from '../../lib/local/cloud-info.ts';
import { importOfObject } from '../../lib/cli/upload-import.ts';
import { delimited, distinctCustomer } from '../support/files.ts';
import { REPO_ROOT, runCli, sourceRecords } from '../support/local-cloud.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'phonekey-kill-'));
const ROWS = 3_000;
const BATCH = 500;
let child: ChildProcess | undefined;

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts the cloud process and resolves with its info once it serves. */
function startCloud(): Promise<CloudInfo> {
  child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/support/cloud-process.ts'), dataDir, inject('assemblyDir')], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    child!.stdout!.on('data', (d) => {
      output += d;
      if (output.includes('ready\n')) resolve(runningCloud(dataDir)!);
    });
    child!.stderr!.on('data', (d) => (output += d));
    child!.once('exit', (code) => reject(new Error(`the cloud process exited (${code}) before serving: ${output}`)));
  });
}

const clients = (info: CloudInfo) => {
  const db = documentClient(new DynamoDBClient({ region: 'us-east-1', endpoint: info.endpoints.dynamodb, credentials: LOCAL_CREDENTIALS }));
  return {
    db,
    store: new DynamoProfileStore(db, info.outputs.TableName),
    s3: new S3Client({ region: 'us-east-1', endpoint: info.endpoints.s3, credentials: LOCAL_CREDENTIALS, forcePathStyle: true }),
  };
};

describe('the cloud killed in the middle of an import', () => {
  it('leaves the import listed as stalled; phonekey retry resumes it: 0 lost, 0 twice, nothing stuck', async () => {
    const first = await startCloud();
    const { store, s3 } = clients(first);
    const rows = Array.from({ length: ROWS }, (_, i) => distinctCustomer(400_000 + i, 'kill'));
    const key = 'incoming/killed/customers.csv';
    const put = await s3.send(new PutObjectCommand({ Bucket: first.outputs.RawBucketName, Key: key, Body: delimited(rows) }));
    const { importId } = await importOfObject(s3, store, first.outputs.RawBucketName, key, put.VersionId);
    const killAfter = BATCH * (1 + Math.floor(Math.random() * 3)); // a checkpoint between rows 500 and 1,500
    for (let state = await store.getImport(importId); !state || state.rowsDone < killAfter; state = await store.getImport(importId)) {
      expect(state?.status ?? 'running', 'the import ended before the kill').toBe('running');
      await new Promise((r) => setTimeout(r, 20));
    }
    const exited = new Promise((r) => child!.once('exit', r));
    child!.kill('SIGKILL');
    await exited;

    const second = await startCloud();
    const after = clients(second);
    const left = (await after.store.getImport(importId))!;
    expect(left.status).toBe('running');
    expect(left.rowsDone).toBeLessThan(ROWS);

    const list = await runCli(['retry', '--list', '--stalled-after', '0', '--json'], { dataDir });
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).imports.map((i: { id: string }) => i.id)).toEqual([`stalled-${importId}`]);
    const retry = await runCli(['retry', '--stalled-after', '0', '--json'], { dataDir });
    expect(retry.code, retry.stdout + retry.stderr).toBe(0);

    const done = (await after.store.getImport(importId))!;
    const c = done.counts;
    const items = await sourceRecords(after.db, second.outputs.TableName, 'killed');
    const records = new Set(items.map((item) => item.recordId as string));
    const stored = items.length;
    const lost = rows.filter((r) => !records.has(r.id)).length;
    console.log(`import kill test: killed after row ${killAfter} (checkpoint at ${left.rowsDone}); read ${c.read} = stored ${c.stored} + rejected ${c.rejected} + redelivered ${c.redelivered}; records ${stored}, lost ${lost}, counted twice ${Math.max(0, c.stored - ROWS)}`);
    expect(done.status).toBe('done');
    expect(c.read).toBe(ROWS);
    expect(c.read).toBe(c.stored + c.rejected + c.redelivered);
    expect(c.stored).toBeLessThanOrEqual(ROWS);
    expect(lost).toBe(0);
    expect(stored).toBe(ROWS);
    expect(await after.store.runningImports()).toEqual([]);
    expect(JSON.parse((await runCli(['retry', '--list', '--stalled-after', '0', '--json'], { dataDir })).stdout).imports).toEqual([]);
  }, 300_000);
});
