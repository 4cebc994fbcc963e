/**
 * What an unmerge gives back, pure: everything the merge moved that is still on the survivor, and
 * everything that reached the survivor after the merge through a number the merge moved (a record
 * keyed by it, an event sent to it). Those belong to the restored profile as surely as if the merge
 * had never happened; their events' counts move back with them.
 */
export interface MergeMoved {
  /** When the merge was made (ISO 8601). */
  at: string;
  moved: { members: string[]; phones: string[] };
}

export interface SurvivorMember {
  key: string;
  kind: 'record' | 'event';
  /** When it was stored on a profile (ISO 8601). */
  arrivedAt?: string;
  /** The number it came by: an event's number, a record's first. */
  number?: string;
  /** An event's tag (its count moves with it). */
  tag?: string;
}

export interface UnmergePlan {
  /** Members that go back to the restored profile. */
  back: string[];
  /** Of those, the ones that arrived after the merge through a moved number. */
  arrivedSince: string[];
  /** Counts of the events that arrived since, by tag: off the survivor, onto the restored profile. */
  countsSince: Record<string, number>;
}

export function planUnmerge(merge: MergeMoved, members: readonly SurvivorMember[]): UnmergePlan {
  const moved = new Set(merge.moved.members);
  const phones = new Set(merge.moved.phones);
  const back: string[] = [];
  const arrivedSince: string[] = [];
  const countsSince: Record<string, number> = {};
  for (const m of members) {
    if (moved.has(m.key)) {
      back.push(m.key);
      continue;
    }
    if (!m.number || !phones.has(m.number) || !m.arrivedAt || m.arrivedAt <= merge.at) continue;
    back.push(m.key);
    arrivedSince.push(m.key);
    if (m.kind === 'event' && m.tag) countsSince[m.tag] = (countsSince[m.tag] ?? 0) + 1;
  }
  return { back, arrivedSince, countsSince };
}
