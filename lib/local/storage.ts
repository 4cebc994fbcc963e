/**
 * Embedded storage for the local cloud: dynalite (DynamoDB API) and s3rver (S3 API), both on
 * 127.0.0.1 with their data kept on disk under the data folder, and the template's tables and
 * buckets created in them. See the README for why these two (field notes: pure JS, no download).
 */
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo, Server, Socket } from 'node:net';
import { DynamoDBClient, CreateTableCommand, DescribeTableCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { S3Client, CreateBucketCommand } from '@aws-sdk/client-s3';
import { resolve, resourcesOfType, physicalName, type Template } from './template.ts';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (opts: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;
const S3rver = require('s3rver');

export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

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
  stop(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok((server.address() as AddressInfo).port));
  });
}

export async function startStorage(dataDir: string, ports: { dynamodb: number; s3: number }): Promise<LocalStorage> {
  mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
  mkdirSync(join(dataDir, 's3'), { recursive: true });
  const dynamo = dynalite({ path: join(dataDir, 'dynamodb'), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamoPort = await listen(dynamo, ports.dynamodb);
  let dynamoDown = false;
  const dynamoSockets = new Set<Socket>();
  dynamo.on('connection', (socket: Socket) => {
    if (dynamoDown) return void socket.destroy();
    dynamoSockets.add(socket);
    socket.on('close', () => dynamoSockets.delete(socket));
  });

  const s3 = new S3rver({
    address: '127.0.0.1',
    port: ports.s3,
    directory: join(dataDir, 's3'),
    silent: true,
    allowMismatchedSignatures: true,
  });
  const { port: s3Port } = (await s3.run()) as AddressInfo;

  const listeners: Array<(r: S3EventRecord) => void> = [];
  s3.on('event', (event: { Records: S3EventRecord[] }) => {
    for (const record of event.Records) for (const l of listeners) l(record);
  });

  return {
    dynamoEndpoint: `http://127.0.0.1:${dynamoPort}`,
    s3Endpoint: `http://127.0.0.1:${s3Port}`,
    onS3Event: (l) => listeners.push(l),
    setDynamoDown: (down) => {
      dynamoDown = down;
      if (down) for (const socket of dynamoSockets) socket.destroy();
    },
    stop: async () => {
      await new Promise<void>((r) => s3.close(() => r()));
      await new Promise<void>((r) => dynamo.close(() => r()));
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
    await ddb.send(new DescribeTableCommand({ TableName }));
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
