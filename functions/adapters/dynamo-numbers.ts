/** A number's item as every adapter reads it: who claimed it, its evidence, and whether it is generic. */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { emptyEvidence } from '../core/identity/index.ts';
import type { NumberState } from '../ports/profile-store.ts';
import { phonePk } from './dynamo-keys.ts';

/** The item attributes numberOf reads. */
export const NUMBER_ATTRIBUTES = ['pk', 'profileId', 'evidence', 'generic', 'ev'];

export async function readNumber(db: DynamoDBDocumentClient, table: string, e164: string): Promise<NumberState | undefined> {
  const out = await db.send(new GetCommand({ TableName: table, Key: { pk: phonePk(e164), sk: 'ALIAS' } }));
  return out.Item && numberOf(out.Item);
}

/** A number's item read: evidence absent on numbers claimed before it was kept (a holder nobody described yet). */
export function numberOf(item: Record<string, unknown>): NumberState {
  return { owner: item.profileId as string, evidence: (item.evidence as NumberState['evidence'] | undefined) ?? emptyEvidence(''), generic: item.generic === true, version: (item.ev as number | undefined) ?? 0 };
}

/** The profile a number keys: none for a generic number (it keys nobody). */
export async function keyedProfile(db: DynamoDBDocumentClient, table: string, e164: string): Promise<string | undefined> {
  const n = await readNumber(db, table, e164);
  return n && !n.generic ? n.owner : undefined;
}
