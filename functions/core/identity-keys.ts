/** Deterministic identifiers, so that writers racing on the same person converge on one item. */
import { createHash, createHmac } from 'node:crypto';
import { canonicalJson } from './events/body.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * A profile's id comes from the E.164 number that founded it and never changes after. It is an
 * HMAC under the installation's secret salt: ids outlive an erasure (in audit entries, reports,
 * logs), and a plain hash of a number is reversed by trying every number of its range.
 */
export function profileIdFor(salt: string, e164: string): string {
  if (!salt) throw new Error('profileIdFor needs the installation salt');
  return `p_${createHmac('sha256', salt).update(e164).digest('hex').slice(0, 16)}`;
}

/** Profiles spread over 16 shards of the `profiles` index, so listing them parallelizes. */
export function profileShard(profileId: string): string {
  return profileId.slice(-1);
}

/** A stable content hash: the same row delivered again hashes the same, whatever its key order. */
export function contentHash(value: unknown): string {
  return sha256(canonicalJson(value)).slice(0, 32);
}

/**
 * A split's id and the id of the profile it founds, from the run, the profile split and one member
 * of the part leaving: a re-run of the same run splits into the same profile, not a second one.
 */
export function splitIds(runId: string, profileId: string, member: string): { splitId: string; profileId: string } {
  const h = sha256(`split\u0000${runId}\u0000${profileId}\u0000${member}`);
  return { splitId: `s_${h.slice(0, 20)}`, profileId: `p_${h.slice(20, 36)}` };
}
