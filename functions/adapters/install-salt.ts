/**
 * The installation's secret salt: random, made once (conditional put) and kept in the table as
 * `PRIVACY#SALT`, read once per process. Whatever is derived from a phone number and may outlive
 * the person (profile ids in audit entries, reports and logs; suppression keys) is an HMAC under
 * it, so it reveals no number to anyone who cannot read the table. Anyone who can read the table
 * can read the salt too: it keeps numbers out of sight, it is not a vault (docs/security.md).
 */
import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, PRIVACY_SALT_PK } from './dynamo-keys.ts';

const salts = new Map<string, Promise<string>>();

export function installSalt(db: DynamoDBDocumentClient, table: string): Promise<string> {
  let salt = salts.get(table);
  if (!salt) {
    salt = loadSalt(db, table);
    salts.set(table, salt);
    salt.catch(() => salts.delete(table));
  }
  return salt;
}

async function loadSalt(db: DynamoDBDocumentClient, table: string): Promise<string> {
  const Key = { pk: PRIVACY_SALT_PK, sk: 'SALT' };
  const found = await db.send(new GetCommand({ TableName: table, Key, ConsistentRead: true }));
  if (found.Item?.salt) return found.Item.salt as string;
  const salt = randomBytes(32).toString('hex');
  try {
    await db.send(new PutCommand({ TableName: table, Item: { ...Key, salt, createdAt: new Date().toISOString() }, ConditionExpression: 'attribute_not_exists(pk)' }));
    return salt;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const again = await db.send(new GetCommand({ TableName: table, Key, ConsistentRead: true }));
    return again.Item!.salt as string;
  }
}
