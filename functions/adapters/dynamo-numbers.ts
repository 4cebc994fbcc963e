/**
 * A number's item as every adapter reads it: who claimed it, its evidence, and whether it is
 * generic; and the listing of the numbers that are not a person's own (byProfile partitions
 * `NUMBERS#shared` and `NUMBERS#generic`, sorted by number), which the writers of evidence keep.
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { emptyEvidence, type Standing } from '../core/identity/index.ts';
import type { NumberState } from '../ports/profile-store.ts';
import type { ListedNumber, ListedStanding, NumberDirectory } from '../ports/number-directory.ts';
import { numbersOfPk, phonePk } from './dynamo-keys.ts';

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

/** The index attributes that list a number under its standing; none for a person's own number. */
export function numberListing(e164: string, standing: Standing | undefined): { gsi1pk: string; gsi1sk: string } | undefined {
  return standing && standing !== 'personal' ? { gsi1pk: numbersOfPk(standing), gsi1sk: e164 } : undefined;
}

export class DynamoNumberDirectory implements NumberDirectory {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async listed(standing: ListedStanding, limit: number, after?: string): Promise<{ numbers: ListedNumber[]; more: boolean }> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byProfile',
        KeyConditionExpression: after ? 'gsi1pk = :p AND gsi1sk > :a' : 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': numbersOfPk(standing), ...(after ? { ':a': after } : {}) },
        Limit: limit + 1,
      }),
    );
    const items = out.Items ?? [];
    const numbers = items.slice(0, limit).map((item) => ({ phone: item.phone as string, profileId: item.profileId as string, evidence: numberOf(item).evidence }));
    return { numbers, more: items.length > limit };
  }
}
