/** Starts a local cloud for a test file on free ports in a fresh data folder, and runs the CLI against it. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { startLocalCloud, type LocalCloud } from '../../lib/local/cloud.ts';
import { LOCAL_CREDENTIALS } from '../../lib/local/cloud-info.ts';
import { documentClient } from '../../functions/adapters/dynamo-document-client.ts';
import { installSalt } from '../../functions/adapters/install-salt.ts';
import { profileIdFor } from '../../functions/core/identity-keys.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO_ROOT, 'bin', 'phonekey.mjs');

/**
 * `synthesize: true` builds the app afresh for this cloud (for a test that changes synth-time
 * settings such as PHONEKEY_IMPORT_FANOUT_BYTES); otherwise the run's shared assembly is used.
 */
export async function startTestCloud(opts: { synthesize?: boolean } = {}): Promise<{ cloud: LocalCloud; dataDir: string; cleanup: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'phonekey-test-'));
  const cloud = await startLocalCloud({
    dataDir,
    ports: { api: 0, s3: 0, dynamodb: 0, control: 0 },
    schedules: false,
    retryDelaySeconds: 0.1,
    // Synthesized once per run by test/support/global-setup.ts.
    assemblyDir: opts.synthesize ? undefined : inject('assemblyDir'),
  });
  return {
    cloud,
    dataDir,
    cleanup: async () => {
      await cloud.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `phonekey …` as a user would, in its own process. */
export function runCli(args: string[], opts: { dataDir: string; input?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, '--data-dir', opts.dataDir], { cwd: REPO_ROOT, env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

type LocalSecretsFile = Record<string, { name: string; versions: Array<{ value: string; stages: string[] }> }>;

/** The current value of the local cloud's secret whose name contains `name` (`apitoken`, `webhooksecrets`). */
export function currentSecret(cloud: LocalCloud, name: string): string {
  const secrets = JSON.parse(readFileSync(cloud.info.secretsFile, 'utf8')) as LocalSecretsFile;
  return Object.values(secrets)
    .find((s) => s.name.includes(name))!
    .versions.find((v) => v.stages.includes('AWSCURRENT'))!.value;
}

/** An S3 client for a local cloud (path style, its credentials). */
export function localS3(cloud: LocalCloud): S3Client {
  return new S3Client({ region: 'us-east-1', endpoint: cloud.info.endpoints.s3, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
}

/** A DynamoDB document client for a local cloud, as the adapters use it. */
export function localDb(cloud: LocalCloud): DynamoDBDocumentClient {
  return documentClient(new DynamoDBClient({ region: 'us-east-1', endpoint: cloud.info.endpoints.dynamodb, credentials: LOCAL_CREDENTIALS }));
}

/** The profile id a number founds in this cloud (under its installation salt), for expectations. */
export async function profileIds(cloud: LocalCloud): Promise<(e164: string) => string> {
  const salt = await installSalt(localDb(cloud), cloud.info.outputs.TableName);
  return (e164) => profileIdFor(salt, e164);
}

/**
 * Every record item (`REC#<source>#…`) of a source, or with `kind: 'EVT'` every event item of a
 * channel, by a Scan: checks read the table, never an import's own counts.
 */
export async function sourceRecords(db: DynamoDBDocumentClient, table: string, source: string, kind: 'REC' | 'EVT' = 'REC'): Promise<Array<Record<string, any>>> {
  const items: Array<Record<string, any>> = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new ScanCommand({ TableName: table, FilterExpression: 'begins_with(pk, :p) AND sk = :k', ExpressionAttributeValues: { ':p': `${kind}#${source}#`, ':k': kind }, ExclusiveStartKey }),
    );
    items.push(...(out.Items ?? []));
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}
