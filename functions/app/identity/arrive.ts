/**
 * Arrival: the identity policy decides where a batch of records or events goes, from the stored
 * state of their numbers, before the store writes anything (core/identity/arrival.ts says how).
 */
import type { CleanRecord } from '../../core/model.ts';
import { planArrivals, standingPolicy, type StandingPolicy } from '../../core/identity/index.ts';
import { defaultMatchRules } from '../../core/match/index.ts';
import type { Arrival, EventOutcome, EventWrite, ProfileStore, RecordWrite, WriteOutcome } from '../../ports/profile-store.ts';

/** The shipped rules' standing policy; callers pass the one of the rules in force. */
export const DEFAULT_STANDING: StandingPolicy = standingPolicy(defaultMatchRules);

export async function arrivalFor(store: Pick<ProfileStore, 'numbers'>, records: readonly CleanRecord[], policy: StandingPolicy = DEFAULT_STANDING): Promise<Arrival> {
  const numbers = await store.numbers([...new Set(records.flatMap((r) => r.phones))]);
  const known = new Map([...numbers].map(([n, s]) => [n, s.evidence]));
  return { plan: planArrivals(records, known, policy, new Date().toISOString()), numbers };
}

/** Records stored where the identity policy puts them. */
export async function storeRecords(store: Pick<ProfileStore, 'numbers' | 'writeRecords'>, writes: RecordWrite[], policy?: StandingPolicy): Promise<WriteOutcome[]> {
  return store.writeRecords(writes, await arrivalFor(store, writes.map((w) => w.record), policy));
}

/** Events stored where the identity policy puts them (`unlessSuppressed`: leaving out erased people's, checked in the store's own read). */
export async function storeEvents(
  store: Pick<ProfileStore, 'numbers' | 'writeEvents' | 'writeEventsUnlessSuppressed'>,
  writes: EventWrite[],
  opts: { unlessSuppressed?: boolean; policy?: StandingPolicy } = {},
): Promise<Array<EventOutcome | { kind: 'suppressed' }>> {
  const arrival = await arrivalFor(store, writes.map((w) => w.record), opts.policy);
  return opts.unlessSuppressed ? store.writeEventsUnlessSuppressed(writes, arrival) : store.writeEvents(writes, arrival);
}
