/**
 * What the table says of who is who: every stored record and event (`source#recordId`) → the
 * live profile holding it (merges followed), and the live profiles with their numbers. Read by a
 * Scan, as a benchmark reads the outcome from outside.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { CleanRecord } from '../functions/core/model.ts';

export interface TableClusters {
  /** member key → live profile id */
  profileOf: Map<string, string>;
  live: Array<{ profileId: string; phone?: string; phones: string[] }>;
  /** The stored source records (cleaned), as the nightly re-match reads them. */
  records: CleanRecord[];
}

/** `eventKey` names an event item's member key (default `channel#eventId`). */
export async function tableClusters(db: DynamoDBDocumentClient, table: string, eventKey = (item: Record<string, any>) => `${item.channel}#${item.eventId}`): Promise<TableClusters> {
  const stored = new Map<string, string>();
  const mergedInto = new Map<string, string>();
  const live: TableClusters['live'] = [];
  const records: CleanRecord[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: table, ExclusiveStartKey }));
    for (const item of page.Items ?? []) {
      if (item.sk === 'REC') {
        stored.set(`${item.source}#${item.recordId}`, item.profileId);
        records.push(item.record as CleanRecord);
      }
      else if (item.sk === 'EVT') stored.set(eventKey(item), item.profileId);
      else if (item.sk === 'PROFILE') {
        if (item.mergedInto) mergedInto.set(item.profileId, item.mergedInto);
        else live.push({ profileId: item.profileId, phone: item.phone, phones: item.phones ?? [] });
      }
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  const final = (p: string) => {
    for (let i = 0; mergedInto.has(p) && i < 100; i++) p = mergedInto.get(p)!;
    return p;
  };
  return { profileOf: new Map([...stored].map(([k, p]) => [k, final(p)])), live, records };
}

/** The clusters of the given members (others left out). */
export function clustersOf(profileOf: Map<string, string>, keep: (member: string) => boolean): string[][] {
  const out = new Map<string, string[]>();
  for (const [member, p] of profileOf) if (keep(member)) out.set(p, [...(out.get(p) ?? []), member]);
  return [...out.values()];
}
