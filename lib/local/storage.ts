/**
 * Embedded storage for the local cloud: dynalite (DynamoDB API) and s3rver (S3 API), both on
 * 127.0.0.1 with their data kept on disk under the data folder, and the template's tables and
 * buckets created in them. See the README for why these two (field notes: pure JS, no download).
 */
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, CreateTableCommand, ResourceInUseException, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { S3Client, CreateBucketCommand } from '@aws-sdk/client-s3';
import { resolve, resourcesOfType, physicalName, type Template } from './template.ts';
import { LOCAL_CREDENTIALS } from './cloud-info.ts';
import { s3Guard } from './s3-guard.ts';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');
const DYNAMO_WORKER = fileURLToPath(new URL('./dynamo-worker.mjs', import.meta.url));

export interface S3EventRecord {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; versionId?: string } };
}

export interface LocalStorage {
  dynamoEndpoint: string;
  s3Endpoint: string;
  onS3Event(listener: (record: S3EventRecord) => void): void;
  /** Fault hook (tests): the DynamoDB server drops every connection, in flight too, until set back. */
  setDynamoDown(down: boolean): void;
  /** CPU time of the DynamoDB server's thread so far (µs, user + system). */
  dynamoCpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * dynalite on its own thread (dynamo-worker.mjs): every function container reaches it over HTTP as
 * they would reach DynamoDB, and its CPU work runs beside the main event loop, not on it.
 */
async function startDynalite(path: string, port: number): Promise<{ port: number; setDown(down: boolean): void; cpuMicros(): Promise<number>; stop(): Promise<void> }> {
  const down = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(DYNAMO_WORKER, { workerData: { path, port, down } });
  const listening = await new Promise<number>((ok, fail) => {
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`the local DynamoDB thread exited (${code}) before listening`)));
    worker.once('message', (msg: { type: string; port?: number; message?: string }) =>
      msg.type === 'listening' ? ok(msg.port!) : fail(new Error(`the local DynamoDB could not listen on ${port}: ${msg.message}`)),
    );
  });
  worker.removeAllListeners('exit');
  worker.removeAllListeners('error');
  worker.on('error', (error) => console.error(`local DynamoDB thread failed: ${error.message}`));
  return {
    port: listening,
    setDown: (isDown) => {
      // Seen by the thread at once (new connections and requests); open sockets go by message.
      Atomics.store(down, 0, isDown ? 1 : 0);
      if (isDown) worker.postMessage('drop');
    },
    cpuMicros: async () => {
      const used = await worker.cpuUsage();
      return used.user + used.system;
    },
    stop: async () => {
      await new Promise<void>((ok) => {
        const timer = setTimeout(ok, 5000);
        worker.once('message', () => (clearTimeout(timer), ok()));
        worker.postMessage('stop');
      });
      await worker.terminate();
    },
  };
}

export async function startStorage(dataDir: string, ports: { dynamodb: number; s3: number }): Promise<LocalStorage> {
  mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
  mkdirSync(join(dataDir, 's3'), { recursive: true });
  const dynamo = await startDynalite(join(dataDir, 'dynamodb'), ports.dynamodb);

  const s3 = new S3rver({
    address: '127.0.0.1',
    port: ports.s3,
    directory: join(dataDir, 's3'),
    silent: true,
    allowMismatchedSignatures: true,
  });
  // First in s3rver's (Koa) chain, composed when run() starts the server.
  s3.middleware.unshift(s3Guard);
  const { port: s3Port } = (await s3.run()) as AddressInfo;

  const listeners: Array<(r: S3EventRecord) => void> = [];
  s3.on('event', (event: { Records: S3EventRecord[] }) => {
    for (const record of event.Records) for (const l of listeners) l(record);
  });

  return {
    dynamoEndpoint: `http://127.0.0.1:${dynamo.port}`,
    s3Endpoint: `http://127.0.0.1:${s3Port}`,
    onS3Event: (l) => listeners.push(l),
    setDynamoDown: (down) => dynamo.setDown(down),
    dynamoCpuMicros: () => dynamo.cpuMicros(),
    stop: async () => {
      await new Promise<void>((r) => s3.close(() => r()));
      await dynamo.stop();
    },
  };
}

/** Creates the template's tables (with their indexes) and buckets; existing ones are kept. */
export async function createResources(template: Template, storage: LocalStorage): Promise<void> {
  const clientConfig = { region: 'us-east-1', credentials: LOCAL_CREDENTIALS };
  const ddb = new DynamoDBClient({ ...clientConfig, endpoint: storage.dynamoEndpoint });
  for (const [logicalId, table] of resourcesOfType(template, 'AWS::DynamoDB::Table')) {
    const p = resolve(template, table.Properties ?? {});
    const TableName = physicalName(logicalId);
    try {
      await ddb.send(
        new CreateTableCommand({
          TableName,
          AttributeDefinitions: p.AttributeDefinitions,
          KeySchema: p.KeySchema,
          BillingMode: 'PAY_PER_REQUEST',
          GlobalSecondaryIndexes: p.GlobalSecondaryIndexes?.map((g: any) => ({
            IndexName: g.IndexName,
            KeySchema: g.KeySchema,
            Projection: g.Projection,
          })),
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    // A new table is CREATING for a moment: wait for ACTIVE, however loaded the machine is.
    await waitUntilTableExists({ client: ddb, maxWaitTime: 120, minDelay: 0.1, maxDelay: 1 }, { TableName });
  }
  ddb.destroy();

  const s3 = new S3Client({ ...clientConfig, endpoint: storage.s3Endpoint, forcePathStyle: true });
  for (const [logicalId] of resourcesOfType(template, 'AWS::S3::Bucket')) {
    try {
      await s3.send(new CreateBucketCommand({ Bucket: physicalName(logicalId) }));
    } catch (error: any) {
      if (error?.name !== 'BucketAlreadyOwnedByYou' && error?.name !== 'BucketAlreadyExists') throw error;
    }
  }
  s3.destroy();
}
