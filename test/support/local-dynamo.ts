/** The local DynamoDB alone (no cloud, no template): for tests of the store's own behaviour. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startStorage } from '../../lib/local/storage.ts';

export interface LocalDynamo {
  client: DynamoDBClient;
  db: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

/** Starts the local DynamoDB in a temporary folder with one on-demand table keyed by `pk`. */
export async function startLocalDynamo(TableName: string, extra: Partial<CreateTableCommandInput> = {}): Promise<LocalDynamo> {
  const dir = mkdtempSync(join(tmpdir(), `phonekey-${TableName}-`));
  const storage = await startStorage(dir, { dynamodb: 0, s3: 0 });
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: storage.dynamoEndpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  await client.send(
    new CreateTableCommand({
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      ...extra,
    }),
  );
  // dynalite creates a table asynchronously (CREATING, then ACTIVE): a write before that fails,
  // and on a loaded machine the gap is long. Wait for the state, not for a time.
  await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 0.1, maxDelay: 1 }, { TableName });
  return {
    client,
    db: DynamoDBDocumentClient.from(client),
    async stop() {
      await storage.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
