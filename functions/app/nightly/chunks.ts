/**
 * Profile chunks of a nightly run, from the snapshot files: pure functions, no storage.
 *
 *   bucketOf(profileId, buckets)        → the chunk a profile belongs to (stable hash of its id)
 *   bucketedFile(entries)               → one NDJSON body sorted by chunk, and each chunk's byte range in it
 *   groupMembers(lines)                 → the snapshot's profiles with their records and events
 *   chunkPlan(...)                      → what one chunk file holds (ids, never computed, live, parts)
 *
 * Why: Measure and Recompute build each profile from its members. Reading the members one profile
 * at a time from DynamoDB (a Query per profile) made them the slow steps; the Snapshot step has just
 * read every record and event, so it writes them grouped by chunk (each segment one file, sorted by
 * chunk, with a byte range per chunk) and every Map iteration reads only its own ranges.
 *
 * A profile's chunk is a hash of its id, fixed by the plan (`buckets`), so a snapshot segment knows
 * where a member goes without knowing the rest of the table.
 */
import type { Pin } from '../../core/identity/index.ts';
import type { EventMember, RecordMember } from '../../core/profile/index.ts';

/** 32-bit FNV-1a of the id, modulo `buckets`: the same profile id is always in the same chunk. */
export function bucketOf(profileId: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < profileId.length; i++) {
    h ^= profileId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % Math.max(1, buckets);
}

/** One line of a snapshot members file. */
export type MemberLine =
  /** The profile item as the scan saw it (its numbers and a steward's pins are what the build reads). */
  | { p: string; profile: { phones: string[]; pins?: Record<string, Pin> } }
  /** A source record; `k` is its item key (`REC#…`), the order the byProfile index returns them in. */
  | { p: string; k: string; r: RecordMember }
  /** An event, as the profile build reads it. */
  | { p: string; e: EventMember };

/** A byte range `[start, end)` of a members file. */
export type ByteRange = [number, number];

/**
 * NDJSON body of `entries` sorted by chunk (stable within a chunk), and the byte range of every
 * chunk that has lines, so a reader fetches its chunk with one ranged GET.
 */
export function bucketedFile(entries: Array<{ bucket: number; line: string }>): { body: string; ranges: Record<string, ByteRange> } {
  const sorted = entries.map((e, i) => ({ ...e, i })).sort((a, b) => a.bucket - b.bucket || a.i - b.i);
  const ranges: Record<string, ByteRange> = {};
  const parts: string[] = [];
  let offset = 0;
  for (const { bucket, line } of sorted) {
    const text = line + '\n';
    const bytes = Buffer.byteLength(text, 'utf8');
    const range = (ranges[bucket] ??= [offset, offset]);
    range[1] = offset + bytes;
    offset += bytes;
    parts.push(text);
  }
  return { body: parts.join(''), ranges };
}

/** A profile as the snapshot saw it: what its item said, and its members. */
export interface SnapshotProfile {
  profileId: string;
  /** Undefined when the scan did not see the profile item (made after it passed), so not built from the snapshot. */
  phones?: string[];
  pins?: Record<string, Pin>;
  records: RecordMember[];
  events: EventMember[];
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The profiles of member lines (any order, several files), each with its records in item-key order
 * (as the byProfile index returns them) and its events by channel and id; only profiles in `want`
 * when given.
 */
export function groupMembers(lines: Iterable<MemberLine>, want?: ReadonlySet<string>): Map<string, SnapshotProfile> {
  const out = new Map<string, SnapshotProfile & { keys: string[] }>();
  const of = (p: string) => {
    let s = out.get(p);
    if (!s) out.set(p, (s = { profileId: p, records: [], events: [], keys: [] }));
    return s;
  };
  for (const line of lines) {
    if (want && !want.has(line.p)) continue;
    const s = of(line.p);
    if ('profile' in line) {
      s.phones = line.profile.phones;
      if (line.profile.pins) s.pins = line.profile.pins;
    } else if ('r' in line) {
      s.records.push(line.r);
      s.keys.push(line.k);
    } else {
      s.events.push(line.e);
    }
  }
  const result = new Map<string, SnapshotProfile>();
  for (const [p, { keys, records, ...rest }] of out) {
    const order = records.map((_, i) => i).sort((a, b) => cmp(keys[a]!, keys[b]!));
    rest.events.sort((a, b) => cmp(a.channel, b.channel) || cmp(a.eventId, b.eventId));
    result.set(p, { ...rest, records: order.map((i) => records[i]!) });
  }
  return result;
}

/** One profile of a chunk file. */
export interface ChunkProfile {
  /** Profile id. */
  id: string;
  /**
   * The profile item's `updatedAt` when the run was planned, before the snapshot read any member
   * (null: it had none; absent: the profile did not exist then). A view built from the snapshot is
   * saved only while the item still has this value (see recomputeSnapshot).
   */
  u?: string | null;
  /** Never computed (no stored metrics): measured before the base quantiles. */
  n?: true;
  /** Touched by this run's merges: built from its members as they are now, not from the snapshot. */
  live?: true;
}

/** `profiles/chunk-<c>.json`: the profiles of chunk c and where their members are in the snapshot. */
export interface ChunkFile {
  chunk: number;
  profiles: ChunkProfile[];
  /** Ranged reads of the snapshot's members files: `[segment, start, end)`. */
  parts: Array<[number, number, number]>;
}

/**
 * The chunk files of a run: every profile after the re-match (`profiles`) in its hash chunk, with
 * the `updatedAt` the plan saw (`before`), whether it was ever computed, whether this run's merges
 * touched it (`live`), and the chunk's ranges in each segment's members file.
 */
export function chunkFiles(
  profiles: Iterable<{ profileId: string; measured: boolean }>,
  buckets: number,
  before: (profileId: string) => string | null | undefined,
  live: ReadonlySet<string>,
  ranges: Array<{ segment: number; ranges: Record<string, ByteRange> }>,
): ChunkFile[] {
  const files = new Map<number, ChunkFile>();
  for (const { profileId, measured } of profiles) {
    const chunk = bucketOf(profileId, buckets);
    let f = files.get(chunk);
    if (!f) files.set(chunk, (f = { chunk, profiles: [], parts: [] }));
    const entry: ChunkProfile = { id: profileId };
    const u = before(profileId);
    if (u !== undefined) entry.u = u;
    if (!measured) entry.n = true;
    if (live.has(profileId)) entry.live = true;
    f.profiles.push(entry);
  }
  for (const { segment, ranges: r } of [...ranges].sort((a, b) => a.segment - b.segment)) {
    for (const [chunk, [start, end]] of Object.entries(r)) files.get(Number(chunk))?.parts.push([segment, start, end]);
  }
  return [...files.values()].sort((a, b) => a.chunk - b.chunk);
}
