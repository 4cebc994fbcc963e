/**
 * S3 notification → import of the dropped file (`incoming/<source>/<name>`). A file larger than
 * IMPORT_FANOUT_BYTES (when the fan-out state machine is configured) is not imported here: its
 * import is begun and the Step Functions fan-out (functions/handlers/import-fanout.ts) is
 * started, named after the import, so a redelivered notification starts nothing twice.
 */
import { identityStore, profileStore, rawFiles } from '../adapters/wiring.ts';
import middy from '@middy/core';
import { createLogger } from './logger.ts';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { S3Event } from 'aws-lambda';
import { importBeginning, importFile, type ImportJob } from '../app/import-file.ts';
import { matchOnArrival } from '../app/identity/match-on-arrival.ts';
import { parseIncomingKey } from '../core/incoming-key.ts';
import { importIdOf } from '../app/import-identity.ts';
import { configurePhoneCache } from '../core/clean/phone.ts';
import { standingPolicy } from '../core/identity/index.ts';

const logger = createLogger();
// A file of distinct customers seldom repeats a number, so the cleaner's phone memo (100,000
// entries by default, ~45 MB when full) would mostly hold memory: an import keeps 20,000.
configurePhoneCache({ maxEntries: 20_000 });
const store = profileStore(process.env.TABLE_NAME!);
const files = rawFiles();
const identity = identityStore(process.env.TABLE_NAME!);
let sfn: SFNClient | undefined;

/** Files above this many bytes go to the fan-out (when IMPORT_FANOUT_ARN is set). */
export function fanoutThreshold(env: Record<string, string | undefined> = process.env): number | undefined {
  if (!env.IMPORT_FANOUT_ARN) return undefined;
  const n = Number(env.IMPORT_FANOUT_BYTES);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

async function startFanout(job: ImportJob): Promise<void> {
  const state = await store.beginImport(importBeginning(job));
  if (state.status !== 'running') return;
  sfn ??= new SFNClient({});
  try {
    await sfn.send(new StartExecutionCommand({ stateMachineArn: process.env.IMPORT_FANOUT_ARN!, name: job.importId, input: JSON.stringify({ job }) }));
    logger.info('import fanned out', { importId: job.importId, size: job.size });
  } catch (error) {
    if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
  }
}

async function handleRecord(bucket: string, encodedKey: string, versionId?: string): Promise<void> {
  // S3 URL-encodes keys in notifications, with '+' for spaces.
  const key = decodeURIComponent(encodedKey.replace(/\+/g, ' '));
  const incoming = parseIncomingKey(key);
  if (!incoming) {
    logger.warn('not an incoming/<source>/<file> key; ignored', { key });
    return;
  }
  // The version the event names: a later upload of the same key is its own event and import.
  const head = await files.head(bucket, key, versionId);
  const importId = await importIdOf(store, bucket, key, head);
  const job: ImportJob = { importId, bucket, key, source: incoming.source, fileName: incoming.fileName, size: head.size, versionId: head.versionId, etag: head.etag };
  const threshold = fanoutThreshold();
  if (threshold !== undefined && head.size > threshold) return startFanout({ ...job, fanout: true });
  const [sourceConfig, rules] = await Promise.all([store.getSourceConfig(incoming.source), identity.matchRules()]);
  const state = await importFile(job, {
    store,
    onRecordsStored: (records, outcomes) => matchOnArrival(identity, records, outcomes, { actor: 'import', rules }), // identity: match on arrival
    sourceConfig,
    standing: standingPolicy(rules),
    open: () => files.open(bucket, key, job.versionId),
    putReport: (name, body, type) => files.put(process.env.REPORTS_BUCKET!, `imports/${importId}/${name}`, body, type),
    log: (message, detail) => logger.info(message, detail ?? {}),
  });
  logger.info('import finished', { importId, status: state.status, counts: state.counts });
}

export const handler = middy(async (event: S3Event) => {
  for (const record of event.Records) await handleRecord(record.s3.bucket.name, record.s3.object.key, record.s3.object.versionId);
}).use(injectLambdaContext(logger));
