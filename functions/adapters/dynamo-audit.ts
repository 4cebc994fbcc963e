/**
 * The audit log: one item per merge, unmerge, review decision, field a steward pinned and erasure, under
 * `AUDIT#<YYYY-MM-DD>` sorted by time, so a day's log is one query. Entries name profiles and
 * members by id, never by phone, e-mail or name: the log outlives an erasure.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type AuditAction = 'merge' | 'unmerge' | 'split' | 'split.undo' | 'review.approve' | 'review.reject' | 'profile.pin' | 'erase' | 'rules.put';

export interface AuditEntry {
  action: AuditAction;
  /** Who did it: `nightly`, `import`, `cli`, `api`, or a user id. */
  actor: string;
  /** Profile ids, member keys (`source#recordId`), review or merge ids: ids only, no PII. */
  subjects: string[];
  detail?: Record<string, unknown>;
}

export const auditPk = (day: string) => `AUDIT#${day}`;

export async function appendAudit(db: DynamoDBDocumentClient, table: string, entry: AuditEntry, at = new Date()): Promise<string> {
  const iso = at.toISOString();
  const sk = `${iso}#${randomUUID()}`;
  await db.send(new PutCommand({ TableName: table, Item: { pk: auditPk(iso.slice(0, 10)), sk, kind: 'audit', at: iso, ...entry } }));
  return sk;
}
