/** S3 notification → import of the dropped file (`incoming/<source>/<name>`). */
import middy from '@middy/core';
import { createLogger } from './logger.ts';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { S3Event } from 'aws-lambda';
import { importFile } from '../app/import-file.ts';
import { DynamoProfileStore, documentClient } from '../adapters/dynamo-profile-store.ts';
import { S3Files } from '../adapters/s3-files.ts';
import { DynamoIdentityStore } from '../adapters/dynamo-identity-store.ts';
import { matchOnArrival } from '../app/identity/match-on-arrival.ts';
import { importIdFor, parseIncomingKey } from '../core/incoming-key.ts';

const logger = createLogger();
const store = new DynamoProfileStore(documentClient(), process.env.TABLE_NAME!);
const files = new S3Files();
const identity = new DynamoIdentityStore(documentClient(), process.env.TABLE_NAME!);

async function handleRecord(bucket: string, encodedKey: string): Promise<void> {
  // S3 URL-encodes keys in notifications, with '+' for spaces.
  const key = decodeURIComponent(encodedKey.replace(/\+/g, ' '));
  const incoming = parseIncomingKey(key);
  if (!incoming) {
    logger.warn('not an incoming/<source>/<file> key; ignored', { key });
    return;
  }
  const head = await files.head(bucket, key);
  const importId = importIdFor(bucket, key, head);
  const sourceConfig = await store.getSourceConfig(incoming.source);
  const state = await importFile(
    { importId, bucket, key, source: incoming.source, fileName: incoming.fileName, size: head.size },
    {
      store,
      onRecordsStored: (records, outcomes) => matchOnArrival(identity, records, outcomes, { actor: 'import' }), // identity: match on arrival
      sourceConfig,
      open: () => files.open(bucket, key, head.versionId),
      putReport: (name, body, type) => files.put(process.env.REPORTS_BUCKET!, `imports/${importId}/${name}`, body, type),
      log: (message, detail) => logger.info(message, detail ?? {}),
    },
  );
  logger.info('import finished', { importId, status: state.status, counts: state.counts });
}

export const handler = middy(async (event: S3Event) => {
  for (const record of event.Records) await handleRecord(record.s3.bucket.name, record.s3.object.key);
}).use(injectLambdaContext(logger));
