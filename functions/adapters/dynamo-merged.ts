/**
 * The writes a merge and a concurrent writer share so that nothing stays on a merged-away profile:
 * re-pointing items, adding to a merge's lists of what moved, moving counts, and a writer's
 * following of a mark it finds. Why in that order: app/identity/merge-protocol.ts.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from './dynamo-batch.ts';
import { isConditionFailure, mergePk, phonePk, profilePk } from './dynamo-keys.ts';

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

/**
 * The profile a merged-away profile lives on now, the merges on the way and the retired profiles
 * they passed through (oldest first).
 */
async function mergedTarget(
  db: DynamoDBDocumentClient,
  table: string,
  profileId: string,
): Promise<{ profileId: string; mergeIds: string[]; retired: string[] }> {
  const mergeIds: string[] = [];
  const retired: string[] = [];
  let id = profileId;
  for (let hops = 0; hops < MAX_HOPS; hops++) {
    const out = await db.send(
      new GetCommand({ TableName: table, Key: { pk: profilePk(id), sk: 'PROFILE' }, ConsistentRead: true, ProjectionExpression: 'mergedInto, mergedBy' }),
    );
    const next = out.Item?.mergedInto as string | undefined;
    if (!next) return { profileId: id, mergeIds, retired };
    if (out.Item?.mergedBy) mergeIds.push(out.Item.mergedBy as string);
    retired.push(id);
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

/**
 * Adds (sign 1) or takes away (sign −1) counts in a map attribute of an item — a profile's
 * `counters`, a merge's `movedCounters` — creating the map if it is missing.
 */
export async function addCounts(
  db: DynamoDBDocumentClient,
  table: string,
  Key: ItemKey,
  attribute: 'counters' | 'movedCounters',
  counts: Record<string, number>,
  sign: 1 | -1,
  now: string,
): Promise<void> {
  if (!Object.keys(counts).length) return;
  await db.send(
    new UpdateCommand({ TableName: table, Key, UpdateExpression: `SET ${attribute} = if_not_exists(${attribute}, :e)`, ExpressionAttributeValues: { ':e': {} } }),
  );
  const { sets, names, values } = countIncrements(attribute, Object.entries(counts), sign);
  // a profile's updatedAt moves with its counters; a merge item has none
  if (attribute === 'counters') {
    sets.push('updatedAt = :u');
    values[':u'] = now;
  }
  await db.send(new UpdateCommand({ TableName: table, Key, UpdateExpression: `SET ${sets.join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values }));
}

/**
 * After counts were taken back (an unmerge), the tags left at zero are removed (the map stays,
 * empty if nothing is left, as every profile is founded with one), so the survivor's item is as it
 * was before the merge: a zero count and a missing one say the same. Conditional on each still
 * being zero: a count that moved meanwhile stays.
 */
export async function dropZeroCounts(db: DynamoDBDocumentClient, table: string, Key: ItemKey): Promise<void> {
  const found = await db.send(new GetCommand({ TableName: table, Key, ConsistentRead: true, ProjectionExpression: 'counters' }));
  const counts = (found.Item?.counters ?? {}) as Record<string, number>;
  const zero = Object.keys(counts).filter((tag) => counts[tag] === 0);
  if (!zero.length) return;
  const names: Record<string, string> = Object.fromEntries(zero.map((tag, i) => [`#t${i}`, tag]));
  const values: Record<string, unknown> = { ':z': 0 };
  const conditions = zero.map((_, i) => `counters.#t${i} = :z`);
  try {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key,
        UpdateExpression: `REMOVE ${zero.map((_, i) => `counters.#t${i}`).join(', ')}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** The SET clauses (and their names and values) that add `sign × n` to each tag's count in a map attribute that exists. */
export function countIncrements(attribute: 'counters' | 'movedCounters', counts: Iterable<[string, number]>, sign: 1 | -1 = 1) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':z': 0 };
  const sets: string[] = [];
  [...counts].forEach(([tag, n], i) => {
    names[`#t${i}`] = tag;
    values[`:n${i}`] = sign * n;
    sets.push(`${attribute}.#t${i} = if_not_exists(${attribute}.#t${i}, :z) + :n${i}`);
  });
  return { sets, names, values };
}

/**
 * What a writer stored on a profile that a merge retired after the writer read its owner — records
 * and numbers (found by reading the mark after the write) or events and their counts (found when
 * the counts met the mark) — moves to the profile it lives on now: the members and numbers join
 * every merge's lists of what moved; the counts stay on every retired profile on the way (an
 * unmerge restores it as it is), are recorded as moved by every merge on the way (an unmerge
 * takes them back off its survivor), and reach the current profile through `addToCurrent` (which
 * also lists the numbers there, or checks that profile's own mark). Returns the current profile.
 */
export async function followMerge(
  db: DynamoDBDocumentClient,
  table: string,
  retiredProfile: string,
  moved: { members: Array<{ key: ItemKey; member: string }>; phones?: string[]; counts?: Record<string, number> },
  now: string,
  addToCurrent: (profileId: string) => Promise<string>,
): Promise<string> {
  const { phones = [], counts = {} } = moved;
  const target = await mergedTarget(db, table, retiredProfile);
  await repoint(db, table, moved.members.map((m) => m.key), retiredProfile, target.profileId, true);
  await repoint(db, table, phones.map((p) => ({ pk: phonePk(p), sk: 'ALIAS' })), retiredProfile, target.profileId, false);
  for (const mergeId of target.mergeIds) {
    await addToMerge(db, table, mergeId, moved.members.map((m) => m.member), phones);
    await addCounts(db, table, { pk: mergePk(mergeId), sk: 'MERGE' }, 'movedCounters', counts, 1, now);
  }
  for (const id of target.retired) await addCounts(db, table, { pk: profilePk(id), sk: 'PROFILE' }, 'counters', counts, 1, now);
  return addToCurrent(target.profileId);
}
