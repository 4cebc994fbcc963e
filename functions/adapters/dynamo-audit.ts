/** The audit log (ports/audit.ts): items under `AUDIT#<YYYY-MM-DD>` sorted by time, so a day's log is one query. */
import { randomUUID } from 'node:crypto';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../ports/audit.ts';

export const auditPk = (day: string) => `AUDIT#${day}`;

export async function appendAudit(db: DynamoDBDocumentClient, table: string, entry: AuditEntry, at = new Date()): Promise<string> {
  const iso = at.toISOString();
  const sk = `${iso}#${randomUUID()}`;
  await db.send(new PutCommand({ TableName: table, Item: { pk: auditPk(iso.slice(0, 10)), sk, kind: 'audit', at: iso, ...entry } }));
  return sk;
}
