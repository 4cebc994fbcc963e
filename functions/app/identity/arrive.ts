/**
 * Arrival: the identity policy decides where a batch of records or events goes, from the stored
 * state of their numbers, before the store writes anything (core/identity/arrival.ts says how).
 * Then what the batch taught about numbers stored before is stored, each on the condition that
 * nobody stored another lesson since the read; one that was is read again and merged.
 */
import type { CleanRecord } from '../../core/model.ts';
import { mergeEvidence, planArrivals, standing, standingPolicy, type StandingPolicy } from '../../core/identity/index.ts';
import { defaultMatchRules } from '../../core/match/index.ts';
import type { Arrival, EventWrite, EvidenceUpdate, NumberState, ProfileStore, RecordWrite, StoredOutcome } from '../../ports/profile-store.ts';

/** The shipped rules' standing policy; callers pass the one of the rules in force. */
export const DEFAULT_STANDING: StandingPolicy = standingPolicy(defaultMatchRules);

/** Rounds of read-again-and-merge (or of planning again) before giving up on a number every writer is teaching at once. */
const EVIDENCE_ROUNDS = 8;

/** What an arrival is planned from: the stored state of its numbers (and, for events, what they need). */
type ArrivalRead = Omit<Arrival, 'plan'>;

const phonesOf = (records: readonly CleanRecord[]) => [...new Set(records.flatMap((r) => r.phones))];

function arrival(records: readonly CleanRecord[], read: ArrivalRead, policy: StandingPolicy): Arrival {
  const known = new Map([...read.numbers].map(([n, s]) => [n, s.evidence]));
  return { ...read, plan: planArrivals(records, known, policy, new Date().toISOString()) };
}

/** The lessons of an arrival for numbers stored before its read (new numbers got theirs with their claim). */
function evidenceUpdates(arrival: Arrival): EvidenceUpdate[] {
  const generic = new Set(arrival.plan.becameGeneric);
  return [...arrival.plan.evidence].flatMap(([phone, evidence]) => {
    const read = arrival.numbers.get(phone);
    return read ? [{ phone, evidence, standing: arrival.plan.standings.get(phone)!, version: read.version, becameGeneric: generic.has(phone), owner: read.owner }] : [];
  });
}

/** Stores the lessons; a number another writer taught meanwhile is read again and the two merged. */
async function storeLessons(store: Pick<ProfileStore, 'numbers' | 'storeEvidence'>, updates: EvidenceUpdate[], policy: StandingPolicy): Promise<void> {
  let pending = updates;
  for (let round = 0; pending.length; round++) {
    const conflicts = new Set(await store.storeEvidence(pending));
    if (!conflicts.size) return;
    if (round + 1 >= EVIDENCE_ROUNDS) throw new Error(`the evidence of ${conflicts.size} number(s) kept changing under ${EVIDENCE_ROUNDS} attempts to store it`);
    const fresh = await store.numbers([...conflicts]);
    pending = pending.filter((u) => conflicts.has(u.phone)).map((u) => again(u, fresh.get(u.phone)!, policy));
  }
}

function again(u: EvidenceUpdate, now: NumberState, policy: StandingPolicy): EvidenceUpdate {
  const evidence = mergeEvidence(now.evidence, u.evidence, policy, new Date().toISOString());
  const stands = standing(evidence, policy);
  return { ...u, evidence, standing: stands, version: now.version, owner: now.owner, becameGeneric: !now.generic && stands === 'generic' };
}

/** Records stored where the identity policy puts them. */
export function storeRecords(store: Pick<ProfileStore, 'numbers' | 'writeRecords' | 'storeEvidence'>, writes: RecordWrite[], policy: StandingPolicy = DEFAULT_STANDING): Promise<StoredOutcome[]> {
  return planAndWrite(
    store,
    writes,
    policy,
    async (batch) => ({ numbers: await store.numbers(phonesOf(batch.map((w) => w.record))) }),
    (batch, arrival) => store.writeRecords(batch, arrival),
  );
}

/** Events stored where the identity policy puts them (`unlessSuppressed`: leaving out erased people's, checked in the store's own read). */
export function storeEvents(
  store: Pick<ProfileStore, 'numbers' | 'numbersForEvents' | 'writeEvents' | 'writeEventsUnlessSuppressed' | 'storeEvidence'>,
  writes: EventWrite[],
  opts: { unlessSuppressed?: boolean; policy?: StandingPolicy } = {},
): Promise<Array<StoredOutcome | { kind: 'suppressed' }>> {
  const unlessSuppressed = opts.unlessSuppressed ?? false;
  return planAndWrite(
    store,
    writes,
    opts.policy ?? DEFAULT_STANDING,
    (batch) => store.numbersForEvents(phonesOf(batch.map((w) => w.record)), batch, unlessSuppressed),
    (batch, arrival) => (unlessSuppressed ? store.writeEventsUnlessSuppressed(batch, arrival) : store.writeEvents(batch, arrival)),
  );
}

/**
 * Plans a batch's arrival, has the store write it, stores what it taught about the numbers, then
 * plans again what the store sent back (`replan`: a number another writer founded after the plan
 * read it, whose evidence, say another person's name, the plan never saw) until nothing comes back.
 */
async function planAndWrite<W extends { record: CleanRecord }, O extends { kind: string }>(
  store: Pick<ProfileStore, 'numbers' | 'storeEvidence'>,
  writes: W[],
  policy: StandingPolicy,
  read: (batch: W[]) => Promise<ArrivalRead>,
  write: (batch: W[], arrival: Arrival) => Promise<O[]>,
): Promise<Array<Exclude<O, { kind: 'replan' }>>> {
  const out = new Array<Exclude<O, { kind: 'replan' }>>(writes.length);
  let pending = writes.map((_, i) => i);
  for (let attempt = 1; pending.length; attempt++) {
    if (attempt > EVIDENCE_ROUNDS) throw new Error(`${pending.length} record(s) kept landing on numbers other writers founded, after ${EVIDENCE_ROUNDS} plans`);
    const batch = pending.map((i) => writes[i]!);
    const planned = arrival(batch.map((w) => w.record), await read(batch), policy);
    const outcomes = await write(batch, planned);
    await storeLessons(store, evidenceUpdates(planned), policy);
    const again: number[] = [];
    outcomes.forEach((o, k) => (o.kind === 'replan' ? again.push(pending[k]!) : (out[pending[k]!] = o as Exclude<O, { kind: 'replan' }>)));
    pending = again;
  }
  return out;
}
