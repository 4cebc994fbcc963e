/**
 * What a merge and a concurrent writer share so that nothing stays on a merged-away profile.
 *
 * A writer reads a number's owner, then writes a record there; a merge of that owner can fall in
 * between. So the merge marks the retired profile first (`mergedInto`, `mergedBy` = the merge id)
 * and only then moves the members it finds, reading them once more at the end; a writer that wrote
 * to an existing profile reads the mark afterwards (a consistent read) and moves what it wrote
 * itself. Either way the items moved late are added to the merge's lists, so an unmerge still puts
 * back exactly what the retired profile had.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from './dynamo-batch.ts';
import { isConditionFailure, mergePk, profilePk } from './dynamo-keys.ts';

const CONCURRENCY = 16;
const MAX_HOPS = 32;

type ItemKey = { pk: string; sk: string };

/**
 * Points items from one profile at another (aliases: `profileId`; members: also `gsi1pk`), only
 * where they still point at `from`.
 */
export async function repoint(db: DynamoDBDocumentClient, table: string, keys: ItemKey[], from: string, to: string, member: boolean): Promise<void> {
  await mapLimit(keys, CONCURRENCY, async (Key) => {
    try {
      await db.send(
        new UpdateCommand({
          TableName: table,
          Key,
          UpdateExpression: member ? 'SET profileId = :to, gsi1pk = :g' : 'SET profileId = :to',
          ConditionExpression: 'profileId = :from',
          ExpressionAttributeValues: { ':to': to, ':from': from, ...(member ? { ':g': profilePk(to) } : {}) },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // moved meanwhile, or gone: leave it
    }
  });
}

/** The profile a merged-away profile lives on now, and the merges on the way (oldest first). */
export async function mergedTarget(db: DynamoDBDocumentClient, table: string, profileId: string): Promise<{ profileId: string; mergeIds: string[] }> {
  const mergeIds: string[] = [];
  let id = profileId;
  for (let hops = 0; hops < MAX_HOPS; hops++) {
    const out = await db.send(
      new GetCommand({ TableName: table, Key: { pk: profilePk(id), sk: 'PROFILE' }, ConsistentRead: true, ProjectionExpression: 'mergedInto, mergedBy' }),
    );
    const next = out.Item?.mergedInto as string | undefined;
    if (!next) return { profileId: id, mergeIds };
    if (out.Item?.mergedBy) mergeIds.push(out.Item.mergedBy as string);
    id = next;
  }
  throw new Error(`profile ${profileId}: mergedInto chain too long`);
}

/** Adds members and numbers that reached the retired side after the merge read it to the merge's record of what moved. */
export async function addToMerge(db: DynamoDBDocumentClient, table: string, mergeId: string, members: string[], phones: string[]): Promise<void> {
  if (!members.length && !phones.length) return;
  await db.send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: mergePk(mergeId), sk: 'MERGE' },
      UpdateExpression: 'SET moved.members = list_append(moved.members, :m), moved.phones = list_append(moved.phones, :p), fromBefore.phones = list_append(fromBefore.phones, :p)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':m': members, ':p': phones },
    }),
  );
}
