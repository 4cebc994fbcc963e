/** Deterministic identifiers, so that writers racing on the same person converge on one item. */
import { createHash } from 'node:crypto';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A profile's id comes from the E.164 number that founded it and never changes after. */
export function profileIdFor(e164: string): string {
  return `p_${sha256(e164).slice(0, 16)}`;
}

/** Profiles spread over 16 shards of the `profiles` index, so listing them parallelizes. */
export function profileShard(profileId: string): string {
  return profileId.slice(-1);
}

/** A stable content hash: the same row delivered again hashes the same, whatever its key order. */
export function contentHash(value: unknown): string {
  return sha256(canonicalJson(value)).slice(0, 32);
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
