/** The ProfileStore port on one DynamoDB table (layout: docs/architecture.md). */
import { keyedProfile, numberListing, numberOf, NUMBER_ATTRIBUTES } from './dynamo-numbers.ts';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type UpdateCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { profileIdFor, profileShard } from '../core/identity-keys.ts';
import { installSalt } from './install-salt.ts';
import { freeFormText, storableAttributes } from './free-form.ts';
import type { Arrival, EvidenceUpdate, EventOutcome, EventsRead, EventWrite, ImportState, Member, NumberState, Profile, ProfileStore, RecordWrite, WriteOutcome } from '../ports/profile-store.ts';
import { emptyEvidence, type ArrivalPlan, type Home } from '../core/identity/index.ts';
import { batchGet, conditionalWrites, mapLimit, queryAll, transactionGroups, TRANSACTION_CONCURRENCY, TRANSACTION_ITEMS, type TransactItem } from './dynamo-batch.ts';
import { countIncrements, followMerge } from './dynamo-merged.ts';
import { DynamoPrivacyStore } from './dynamo-privacy-store.ts';
import { eventPk, importPk, isCancellation, isConditionFailure, phoneOfPk, phonePk, profilePk, recordPk, RUNNING_IMPORTS, sourcePk, suppressPk } from './dynamo-keys.ts';
import { suppressionHash } from '../core/privacy/suppression.ts';
import { emptyCounts } from '../core/report/import-counts.ts';

const SHARDS = '0123456789abcdef'.split('');
/** How many conditional writes run at once when new people arrive. */
const CONDITIONAL_CONCURRENCY = 16;
/** The condition of a write that may only create its item. */
const ABSENT = 'attribute_not_exists(pk)';

/** An event as a member of its profile, and as EventsRead names it: `<channel>#<eventId>`. */
const eventMember = (w: Pick<EventWrite, 'channel' | 'eventId'>) => `${w.channel}#${w.eventId}`;

/** The numbers' owners without those another writer founded (their plan is not this call's to act on). */
const withoutLost = (owners: Map<string, string>, lost: ReadonlySet<string>) => new Map([...owners].filter(([phone]) => !lost.has(phone)));
/** What an outcome says of a record that stood apart. */
const apartOutcome = (home: Home) => (home.kind === 'apart' ? { apart: { reason: home.reason, why: home.why, ...(home.number ? { number: home.number } : {}) } } : {});

/** A number's item: the profile that claimed it, what has been seen with it, and its listing when it is not a person's own. */
const aliasItem = (phone: string, profileId: string, plan: Pick<ArrivalPlan, 'evidence' | 'standings'>): Record<string, unknown> => {
  const evidence = plan.evidence.get(phone);
  return {
    pk: phonePk(phone),
    sk: 'ALIAS',
    phone,
    profileId,
    ...(evidence ? { evidence } : {}),
    ...(evidence?.genericSince ? { generic: true } : {}),
    ...numberListing(phone, plan.standings.get(phone)),
  };
};

/**
 * A profile item as an import founds it: its numbers (none for a record standing apart) and an
 * empty counters map, so the first event it gets counts in one conditional update.
 */
export const foundedProfileItem = (profileId: string, phone: string | undefined, phones: string[], now: string): Record<string, unknown> => ({
  pk: profilePk(profileId),
  sk: 'PROFILE',
  profileId,
  pshard: profileShard(profileId),
  phone,
  phones,
  counters: {},
  createdAt: now,
  updatedAt: now,
});

export class DynamoProfileStore implements ProfileStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getImport(importId: string): Promise<ImportState | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: importPk(importId), sk: 'IMPORT' }, ConsistentRead: true }));
    return out.Item?.state as ImportState | undefined;
  }

  async beginImport(init: Parameters<ProfileStore['beginImport']>[0]): Promise<ImportState> {
    const now = new Date().toISOString();
    const state: ImportState = {
      ...init,
      status: 'running',
      rowsDone: 0,
      bytesRead: 0,
      counts: emptyCounts(),
      startedAt: now,
      updatedAt: now,
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          // Listed among the running imports until it finishes (finishImport writes the item without these).
          Item: { pk: importPk(init.importId), sk: 'IMPORT', state, gsi1pk: RUNNING_IMPORTS, gsi1sk: `${now}#${init.importId}` },
          ConditionExpression: ABSENT,
        }),
      );
      return state;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return (await this.getImport(init.importId))!;
    }
  }

  async runningImports(): Promise<ImportState[]> {
    const out: ImportState[] = [];
    for await (const item of queryAll(this.db, this.table, { IndexName: 'byProfile', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': RUNNING_IMPORTS } })) {
      const state = item.state as ImportState | undefined;
      if (state?.status === 'running') out.push(state);
    }
    return out;
  }

  async checkpointImport(importId: string, progress: Pick<ImportState, 'rowsDone' | 'bytesRead' | 'counts'>): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: importPk(importId), sk: 'IMPORT' },
        UpdateExpression: 'SET #s.rowsDone = :r, #s.bytesRead = :b, #s.counts = :c, #s.updatedAt = :u',
        ExpressionAttributeNames: { '#s': 'state' },
        ExpressionAttributeValues: { ':r': progress.rowsDone, ':b': progress.bytesRead, ':c': progress.counts, ':u': new Date().toISOString() },
      }),
    );
  }

  async finishImport(importId: string, outcome: Parameters<ProfileStore['finishImport']>[1]): Promise<void> {
    const current = await this.getImport(importId);
    if (!current) throw new Error(`no import ${importId}`);
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: importPk(importId), sk: 'IMPORT', state: { ...current, ...outcome, updatedAt: new Date().toISOString() } },
      }),
    );
  }

  /** Profile ids under the installation's salt (identity-keys.ts). */
  private async profileIds(): Promise<(e164: string) => string> {
    const salt = await installSalt(this.db, this.table);
    return (e164) => profileIdFor(salt, e164);
  }

  async numbers(phones: string[]): Promise<Map<string, NumberState>> {
    const items = await batchGet(this.db, this.table, phones.map((p) => ({ pk: phonePk(p), sk: 'ALIAS' })), NUMBER_ATTRIBUTES);
    return new Map(items.map((i) => [phoneOfPk(i.pk as string), numberOf(i)]));
  }

  async numbersForEvents(phones: string[], writes: EventWrite[], unlessSuppressed: boolean): Promise<{ numbers: Map<string, NumberState>; events: EventsRead }> {
    const numbers = new Map<string, NumberState>();
    const aliases = phones.map((p) => ({ pk: phonePk(p), sk: 'ALIAS' }));
    const events = await this.readEvents(writes, unlessSuppressed, aliases, (item) => numbers.set(phoneOfPk(item.pk as string), numberOf(item)));
    return { numbers, events };
  }

  /**
   * Which of the events are stored and (`checkSuppression`) which of their numbers are suppressed,
   * in one batched read with the `alongside` keys, whose items go to `other`.
   */
  private async readEvents(writes: EventWrite[], checkSuppression: boolean, alongside: Array<{ pk: string; sk: string }> = [], other: (item: Record<string, unknown>) => void = () => {}): Promise<EventsRead> {
    const suppressionKeys = new Map<string, string>();
    if (checkSuppression) {
      const salt = await new DynamoPrivacyStore(this.db, this.table).salt();
      for (const phone of new Set(writes.flatMap((w) => w.record.phones))) suppressionKeys.set(suppressPk(suppressionHash(salt, phone)), phone);
    }
    const eventKeys = new Map(writes.map((w) => [eventPk(w.channel, w.eventId), eventMember(w)]));
    const found = await batchGet(
      this.db,
      this.table,
      [...alongside, ...[...eventKeys.keys()].map((pk) => ({ pk, sk: 'EVT' })), ...[...suppressionKeys.keys()].map((pk) => ({ pk, sk: 'SUPPRESS' }))],
      alongside.length ? NUMBER_ATTRIBUTES : ['pk', 'profileId'],
    );
    const stored = new Map<string, string>();
    const suppressed = new Set<string>();
    for (const item of found) {
      const pk = item.pk as string;
      if (suppressionKeys.has(pk)) suppressed.add(suppressionKeys.get(pk)!);
      else if (eventKeys.has(pk)) stored.set(eventKeys.get(pk)!, item.profileId as string);
      else other(item);
    }
    return { stored, suppressed };
  }

  async writeRecords(writes: RecordWrite[], arrival: Arrival): Promise<WriteOutcome[]> {
    const idOf = await this.profileIds();
    const now = new Date().toISOString();
    const keyOf = (w: RecordWrite) => recordPk(w.record.source, w.record.recordId);
    const homes = arrival.plan.homes;
    const owners = new Map([...arrival.numbers].map(([phone, n]) => [phone, n.owner]));
    // Nothing is read to find redeliveries: the record's Put is conditional on its content hash
    // being new, so a row stored before is refused by the write a new one needs anyway.
    const arriving = writes.map((w, i) => ({ w, home: homes[i]! }));
    const created = new Set<string>();

    // A record joins the profile its number keys, or founds one; its other free numbers become
    // aliases of that profile unless another profile already owns them (matching decides). A
    // record standing apart claims no number.
    const numberOf = (home: Home) => (home.kind === 'number' ? home.number : undefined);
    const unownedHomes = [...new Set(arriving.map(({ home }) => numberOf(home)).filter((n): n is string => n !== undefined))].filter((p) => !owners.has(p));
    // A new person's other numbers that nobody owns go with it (each number to one person only).
    const founders = new Map(unownedHomes.map((p) => [p, [] as string[]]));
    const spoken = new Set(unownedHomes);
    for (const { w, home } of arriving) {
      const extras = founders.get(numberOf(home)!);
      if (!extras) continue;
      for (const phone of w.record.phones) {
        if (phone === numberOf(home) || owners.has(phone) || spoken.has(phone)) continue;
        spoken.add(phone);
        extras.push(phone);
      }
    }
    const { inTransactions, alone, lost } = await this.foundNumbers(founders, owners, now, idOf, arrival.plan);
    const founded = new Set(inTransactions.map(idOf));
    for (const primary of [...inTransactions, ...alone]) created.add(idOf(primary));
    // its records are not written, for the caller to plan again (foundNumbers says why)
    const replan = (home: Home) => home.kind === 'number' && lost.has(home.number);
    const toWrite = arriving.filter(({ home }) => !replan(home));
    const profileOf = (home: Home) => (home.kind === 'number' ? owners.get(home.number)! : idOf(home.key));
    const extraAliases = toWrite.flatMap(({ w, home }) =>
      home.kind === 'number' ? w.record.phones.filter((p) => p !== home.number && !owners.has(p)).map((p) => [p, owners.get(home.number)!] as const) : [],
    );
    /** Numbers newly pointed at a profile that existed before this call: its item must list them. */
    const gained = new Map<string, string[]>();
    await mapLimit(extraAliases, CONDITIONAL_CONCURRENCY, async ([phone, profileId]) => {
      const { owner, claimed } = await this.claimPhone(phone, profileId, arrival.plan);
      owners.set(phone, owner);
      if (claimed && !created.has(owner)) gained.set(owner, [...(gained.get(owner) ?? []), phone]);
    });
    // Profiles of records standing apart: made once, whoever comes first.
    const apartIds = [...new Set(toWrite.filter(({ home }) => home.kind === 'apart').map(({ home }) => profileOf(home)))];
    await mapLimit(apartIds, CONDITIONAL_CONCURRENCY, async (profileId) => {
      if (!(await this.foundApart(profileId, now))) return;
      founded.add(profileId);
      created.add(profileId);
    });

    const phonesByProfile = new Map<string, Set<string>>();
    for (const [phone, profileId] of owners) {
      if (!phonesByProfile.has(profileId)) phonesByProfile.set(profileId, new Set());
      phonesByProfile.get(profileId)!.add(phone);
    }
    // Profile items: those founded now, and any owner whose item is missing (an attempt that
    // crashed between claiming a number and writing its profile; the retry finds the number owned).
    const existingOwners = [...new Set(toWrite.filter(({ home }) => home.kind === 'number').map(({ home }) => profileOf(home)))].filter((id) => !created.has(id));
    const present = new Set((await batchGet(this.db, this.table, existingOwners.map((id) => ({ pk: profilePk(id), sk: 'PROFILE' })), ['pk'])).map((i) => i.pk as string));
    const toCreate = [...[...created].filter((id) => !founded.has(id)), ...existingOwners.filter((id) => !present.has(profilePk(id)))];
    await mapLimit(toCreate, CONDITIONAL_CONCURRENCY, (profileId) => this.createProfile(profileId, [...phonesByProfile.get(profileId)!], now, idOf));
    await mapLimit([...gained], CONDITIONAL_CONCURRENCY, ([profileId, phones]) => this.addPhones(profileId, phones, now));

    const written = await this.putRecordsOnce(
      toWrite.map(({ w, home }) => {
        const profileId = profileOf(home);
        return {
          pk: keyOf(w),
          sk: 'REC',
          gsi1pk: profilePk(profileId),
          gsi1sk: keyOf(w),
          profileId,
          source: w.record.source,
          recordId: w.record.recordId,
          record: w.record,
          raw: freeFormText(w.raw),
          hash: w.hash,
          storedAt: now,
        };
      }),
    );

    // after the profile items: a number this batch claimed and made generic comes off an item that exists
    await this.dropClaimedGeneric(arrival, withoutLost(owners, lost), now);
    const current = await this.followMerges(
      toWrite.map(({ w, home }) => ({ pk: keyOf(w), profileId: profileOf(home) })).filter((w) => written.has(w.pk) && !created.has(w.profileId)),
      gained,
      now,
    );
    return writes.map((w, i) => {
      const home = homes[i]!;
      if (replan(home)) return { kind: 'replan' };
      const profileId = profileOf(home);
      // The same content was stored before (a redelivery), or by another import just now.
      if (!written.has(keyOf(w))) return { kind: 'redelivered', profileId: current.get(profileId) ?? profileId };
      return { kind: 'stored', profileId: current.get(profileId) ?? profileId, newProfile: created.has(profileId), ...apartOutcome(home) };
    });
  }

  /**
   * Writes record items unless the same content is stored already: every Put conditional on the
   * item being absent or holding another `hash`. Two imports writing the same row at once thus
   * count it once. Returns the keys this call wrote.
   */
  private putRecordsOnce(items: Array<Record<string, unknown> & { pk: string; hash: string }>): Promise<Set<string>> {
    return this.putOnce(items, (Item) => ({ ConditionExpression: 'attribute_not_exists(pk) OR #hash <> :hash', ExpressionAttributeNames: { '#hash': 'hash' }, ExpressionAttributeValues: { ':hash': Item.hash } }));
  }

  /**
   * Conditional Puts, one per key (a later item with the same key replaces an earlier one, as it
   * would in sequence), in as few requests as conditionalWrites allows. Returns the keys this call
   * wrote; an item whose condition failed was written by someone else.
   */
  private async putOnce<T extends Record<string, unknown> & { pk: string }>(
    items: T[],
    condition: (item: T) => { ConditionExpression: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> },
  ): Promise<Set<string>> {
    const unique = [...new Map(items.map((item) => [item.pk, item])).values()];
    const { written } = await conditionalWrites(this.db, unique, (Item) => ({ Put: { TableName: this.table, Item, ...condition(Item) } }));
    return new Set(written.map((item) => item.pk));
  }

  /**
   * Records (and numbers) just written to existing profiles that a concurrent merge has retired
   * move to the profile they were merged into, and join that merge's record of what moved
   * (dynamo-merged.ts). One consistent BatchGet per 100 profiles; a new profile cannot have been
   * merged before its first record is written. Returns retired → current profile ids.
   */
  private async followMerges(written: Array<{ pk: string; profileId: string }>, gained: Map<string, string[]>, now: string): Promise<Map<string, string>> {
    const ids = [...new Set(written.map((w) => w.profileId))];
    const marks = await batchGet(this.db, this.table, ids.map((id) => ({ pk: profilePk(id), sk: 'PROFILE' })), ['profileId', 'mergedInto'], true);
    const current = new Map<string, string>();
    for (const mark of marks.filter((m) => m.mergedInto)) {
      const from = mark.profileId as string;
      const members = written.filter((w) => w.profileId === from).map((w) => ({ key: { pk: w.pk, sk: 'REC' }, member: w.pk.slice('REC#'.length) }));
      const phones = gained.get(from) ?? [];
      const target = await followMerge(this.db, this.table, from, { members, phones }, now, async (target) => {
        if (phones.length) await this.addPhones(target, phones, now);
        return target;
      });
      current.set(from, target);
    }
    return current;
  }

  /**
   * Founds each new person (primary number → its other numbers nobody owns) with foundProfiles;
   * whoever a cancelled transaction held back claims its primary alone (its profile item is the
   * caller's to make). Records every number's owner in `owners`. A primary another writer founded
   * after the arrival read it (`lost`) comes with that writer's evidence, which the plan never saw.
   */
  private async foundNumbers(
    founders: Map<string, string[]>,
    owners: Map<string, string>,
    now: string,
    idOf: (e164: string) => string,
    plan: ArrivalPlan,
  ): Promise<{ inTransactions: string[]; alone: string[]; lost: Set<string> }> {
    const inTransactions = await this.foundProfiles(founders, now, idOf, plan);
    for (const primary of inTransactions) for (const p of [primary, ...founders.get(primary)!]) owners.set(p, idOf(primary));
    const alone: string[] = [];
    const lost = new Set<string>();
    await mapLimit([...founders.keys()].filter((p) => !owners.has(p)), CONDITIONAL_CONCURRENCY, async (primary) => {
      const { owner, claimed } = await this.claimPhone(primary, idOf(primary), plan);
      owners.set(primary, owner);
      if (claimed) alone.push(primary);
      else lost.add(primary);
    });
    return { inTransactions, alone, lost };
  }

  /**
   * Founds a profile for each new person (primary number → its other numbers nobody owns): the
   * claims on its numbers and its profile item go in together, conditioned on none of them
   * existing, up to 100 items per TransactWriteItems. Returns the primaries founded. A transaction
   * another writer got in the way of is cancelled whole; its people are left for the one-by-one path.
   */
  private async foundProfiles(founders: Map<string, string[]>, now: string, idOf: (e164: string) => string, plan: ArrivalPlan): Promise<string[]> {
    // A person is their aliases and their profile item; one with more numbers than a transaction holds takes the one-by-one path.
    const itemsOf = ([, extras]: [string, string[]]) => extras.length + 2;
    const groups = transactionGroups([...founders].filter((person) => itemsOf(person) <= TRANSACTION_ITEMS), itemsOf);
    const founded: string[] = [];
    await mapLimit(groups, TRANSACTION_CONCURRENCY, async (group) => {
      const puts = group.flatMap(([primary, extras]) => {
        const profileId = idOf(primary);
        const phones = [primary, ...extras];
        return [
          ...phones.map((phone) => aliasItem(phone, profileId, plan)),
          foundedProfileItem(profileId, primary, phones, now),
        ];
      });
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: puts.map((Item) => ({ Put: { TableName: this.table, Item, ConditionExpression: ABSENT } })) }));
        founded.push(...group.map(([primary]) => primary));
      } catch (error) {
        if (!isCancellation(error)) throw error;
      }
    });
    return founded;
  }

  /** Points a number at a profile unless it already points somewhere; returns its owner. */
  private async claimPhone(phone: string, profileId: string, plan: ArrivalPlan): Promise<{ owner: string; claimed: boolean }> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: aliasItem(phone, profileId, plan),
          ConditionExpression: ABSENT,
        }),
      );
      return { owner: profileId, claimed: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: phonePk(phone), sk: 'ALIAS' }, ConsistentRead: true }));
      return { owner: out.Item!.profileId as string, claimed: false };
    }
  }

  /** Makes the profile of records standing apart (no number) unless it exists; says whether this call made it. */
  private async foundApart(profileId: string, now: string): Promise<boolean> {
    try {
      await this.db.send(new PutCommand({ TableName: this.table, Item: newProfileItem(profileId, undefined, now), ConditionExpression: ABSENT }));
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }

  /**
   * A number new to the table that this batch claimed (its claim carried the evidence) and that
   * became generic within the batch comes off the profile it founded: it keys nobody. (Numbers
   * stored before come off through storeEvidence.)
   */
  private async dropClaimedGeneric(arrival: Arrival, owners: ReadonlyMap<string, string>, now: string): Promise<void> {
    const claimed = arrival.plan.becameGeneric.filter((phone) => !arrival.numbers.has(phone) && owners.has(phone));
    await mapLimit(claimed, CONDITIONAL_CONCURRENCY, (phone) => this.dropNumber(owners.get(phone)!, phone, now));
  }

  async storeEvidence(updates: EvidenceUpdate[]): Promise<string[]> {
    const now = new Date().toISOString();
    // every number's lesson in transactions, each on the version read; one taught meanwhile is a conflict
    const { written, failed } = await conditionalWrites(this.db, updates, (u) => {
      const listing = numberListing(u.phone, u.standing);
      return {
        Update: {
          TableName: this.table,
          Key: { pk: phonePk(u.phone), sk: 'ALIAS' },
          UpdateExpression: `SET evidence = :e, ev = :next${u.evidence.genericSince ? ', generic = :g' : ''}${listing ? ', gsi1pk = :lp, gsi1sk = :ls' : ' REMOVE gsi1pk, gsi1sk'}`,
          ConditionExpression: u.version ? 'ev = :v' : 'attribute_exists(pk) AND attribute_not_exists(ev)',
          ExpressionAttributeValues: {
            ':e': u.evidence,
            ':next': u.version + 1,
            ...(u.version ? { ':v': u.version } : {}),
            ...(u.evidence.genericSince ? { ':g': true } : {}),
            ...(listing ? { ':lp': listing.gsi1pk, ':ls': listing.gsi1sk } : {}),
          },
        },
      };
    });
    await mapLimit(written.filter((u) => u.becameGeneric), CONDITIONAL_CONCURRENCY, (u) => this.dropNumber(u.owner, u.phone, now));
    return failed.map((u) => u.phone).sort();
  }

  async markGeneric(phones: string[]): Promise<string[]> {
    const now = new Date().toISOString();
    const marked: string[] = [];
    // Marked on the condition that it is not yet; a number claimed before numbers kept evidence
    // gets a fresh record of what is known. Then it comes off the profile it keyed.
    const mark = async (phone: string, update: Pick<UpdateCommand['input'], 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeValues'>) => {
      const out = await this.db.send(new UpdateCommand({ TableName: this.table, Key: { pk: phonePk(phone), sk: 'ALIAS' }, ReturnValues: 'ALL_NEW', ...update }));
      await this.dropNumber(out.Attributes!.profileId as string, phone, now);
      marked.push(phone);
    };
    await mapLimit(phones, CONDITIONAL_CONCURRENCY, async (phone) => {
      const listed = numberListing(phone, 'generic')!;
      try {
        await mark(phone, {
          UpdateExpression: 'SET generic = :t, evidence.genericSince = :now, gsi1pk = :lp, gsi1sk = :ls ADD ev :one',
          ConditionExpression: 'attribute_exists(pk) AND attribute_exists(evidence) AND attribute_not_exists(generic)',
          ExpressionAttributeValues: { ':t': true, ':now': now, ':one': 1, ':lp': listed.gsi1pk, ':ls': listed.gsi1sk },
        });
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        try {
          await mark(phone, {
            UpdateExpression: 'SET generic = :t, evidence = :e, gsi1pk = :lp, gsi1sk = :ls ADD ev :one',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(evidence) AND attribute_not_exists(generic)',
            ExpressionAttributeValues: { ':t': true, ':e': { ...emptyEvidence(now), genericSince: now }, ':one': 1, ':lp': listed.gsi1pk, ':ls': listed.gsi1sk },
          });
        } catch (again) {
          if (!isConditionFailure(again)) throw again; // no such number, or generic already
        }
      }
    });
    return marked.sort();
  }

  /**
   * Takes a number off a profile's numbers (its primary passes to the next one, or to none): the
   * element is removed by its index on the condition that it is still there, so another number
   * dropped or added at the same moment is not lost (the condition fails, it reads and tries again).
   */
  private async dropNumber(profileId: string, phone: string, now: string): Promise<void> {
    const Key = { pk: profilePk(profileId), sk: 'PROFILE' };
    for (let attempt = 0; ; attempt++) {
      const out = await this.db.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true, ProjectionExpression: 'phone, phones' }));
      const before = (out.Item?.phones as string[] | undefined) ?? [];
      if (!out.Item || !before.includes(phone)) return;
      const index = before.indexOf(phone);
      const wasPrimary = out.Item.phone === phone;
      const next = before.find((p) => p !== phone);
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key,
            UpdateExpression: `SET updatedAt = :u${wasPrimary && next ? ', phone = :p' : ''} REMOVE phones[${index}]${wasPrimary && !next ? ', phone' : ''}`,
            ConditionExpression: `phones[${index}] = :n`,
            ExpressionAttributeValues: { ':u': now, ':n': phone, ...(wasPrimary && next ? { ':p': next } : {}) },
          }),
        );
        return;
      } catch (error) {
        if (!isConditionFailure(error) || attempt >= 9) throw error;
      }
    }
  }

  /**
   * Writes a profile item with its numbers, unless a concurrent writer made it first (an event's
   * profile, or its counters' repair): then its numbers are added to that item and the founder set.
   * Never overwrites an item, so counters and numbers other writers put there stay.
   */
  private async createProfile(profileId: string, phonesOfProfile: string[], now: string, idOf: (e164: string) => string): Promise<void> {
    const founder = phonesOfProfile.find((p) => idOf(p) === profileId);
    const phones = founder ? [founder, ...phonesOfProfile.filter((p) => p !== founder)] : phonesOfProfile;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: foundedProfileItem(profileId, founder ?? phones[0]!, phones, now),
          ConditionExpression: ABSENT,
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      await this.addPhones(profileId, phones, now, founder);
    }
  }

  private async addPhones(profileId: string, phones: string[], now: string, founder?: string): Promise<void> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: profilePk(profileId), sk: 'PROFILE' }, ConsistentRead: true, ProjectionExpression: 'phones' }));
    if (!out.Item) {
      // Its founder claimed the number but has not written the item yet: leave the numbers in an
      // item of their own; the founder's conditional put fails and adds its numbers to it.
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: profilePk(profileId), sk: 'PROFILE' },
          UpdateExpression: 'SET profileId = :id, pshard = :s, phones = list_append(if_not_exists(phones, :empty), :p), createdAt = if_not_exists(createdAt, :u), updatedAt = :u',
          ExpressionAttributeValues: { ':id': profileId, ':s': profileShard(profileId), ':empty': [], ':p': phones, ':u': now },
        }),
      );
      return;
    }
    const profile = { phones: (out.Item.phones as string[] | undefined) ?? [] };
    const missing = phones.filter((p) => !profile.phones.includes(p));
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: profilePk(profileId), sk: 'PROFILE' },
        UpdateExpression: (missing.length ? 'SET phones = list_append(if_not_exists(phones, :empty), :p), updatedAt = :u' : 'SET updatedAt = :u') + (founder ? ', phone = :f' : ''),
        ExpressionAttributeValues: { ...(missing.length ? { ':p': missing, ':empty': [] } : {}), ...(founder ? { ':f': founder } : {}), ':u': now },
      }),
    );
  }

  // ---- events (webhooks) ----

  /**
   * Store work per call: one BatchGet for the owners of the events' phones and the events already
   * stored (a redelivered event costs nothing more); per phone new to the table, a conditional put
   * of its alias; per event not yet stored, a conditional put (the one write that decides, among
   * concurrent deliveries of the same event, which one counts it); per profile, one write moving
   * its counters — for a profile founded in this call, the conditional put that creates it.
   */
  async writeEvents(writes: EventWrite[], arrival: Arrival): Promise<EventOutcome[]> {
    return (await this.storeEvents(writes, arrival, false)) as EventOutcome[];
  }

  writeEventsUnlessSuppressed(writes: EventWrite[], arrival: Arrival): Promise<Array<EventOutcome | { kind: 'suppressed' }>> {
    return this.storeEvents(writes, arrival, true);
  }

  private async storeEvents(all: EventWrite[], arrival: Arrival, checkSuppression: boolean): Promise<Array<EventOutcome | { kind: 'suppressed' }>> {
    const now = new Date().toISOString();
    const idOf = await this.profileIds();
    const keyOf = (w: EventWrite) => eventPk(w.channel, w.eventId);

    // The events already stored, and (if asked) the suppression entries of every number: read
    // with the numbers when the caller did, else here.
    const read = arrival.events ?? (await this.readEvents(all, checkSuppression));
    const owners = new Map([...arrival.numbers].map(([phone, n]) => [phone, n.owner]));
    const stored = new Map<string, string>();
    for (const w of all) {
      const profileId = read.stored.get(eventMember(w));
      if (profileId !== undefined) stored.set(keyOf(w), profileId);
    }
    const suppressed = read.suppressed;

    // Events of erased people are left out before anything is written; the rest go on.
    const result: Array<EventOutcome | { kind: 'suppressed' }> = new Array(all.length);
    const kept: number[] = [];
    all.forEach((w, i) => {
      if (w.record.phones.some((p) => suppressed.has(p))) result[i] = { kind: 'suppressed' };
      else kept.push(i);
    });
    const writes = kept.map((i) => all[i]!);
    const homes = kept.map((i) => arrival.plan.homes[i]!);

    // The first write of each distinct event id; later copies in the same call are redeliveries.
    const firstIndex = new Map<string, number>();
    writes.forEach((w, i) => {
      if (!firstIndex.has(keyOf(w))) firstIndex.set(keyOf(w), i);
    });
    const unseen = [...firstIndex].filter(([pk]) => !stored.has(pk)).map(([, i]) => i);

    // The profile of each fresh event: the holder of its number, or a new profile founded by the
    // number (whoever claims it first founds it), or the profile of those standing apart.
    const numberHomes = unseen.map((i) => homes[i]!).flatMap((h) => (h.kind === 'number' ? [h.number] : []));
    const newNumbers = [...new Set(numberHomes)].filter((p) => !owners.has(p));
    const { inTransactions, alone, lost } = await this.foundNumbers(new Map(newNumbers.map((p) => [p, []])), owners, now, idOf, arrival.plan);
    const created = new Set([...inTransactions, ...alone].map(idOf));
    // A number claimed alone has no profile item yet: it is made below, with its counts.
    const founders = new Map(alone.map((phone) => [idOf(phone), phone]));
    // as for records: an event on a number another writer founded meanwhile is planned again
    const replan = (home: Home) => home.kind === 'number' && lost.has(home.number);
    const fresh = unseen.filter((i) => !replan(homes[i]!));
    const profileOf = (home: Home) => (home.kind === 'number' ? owners.get(home.number)! : idOf(home.key));
    const apartIds = [...new Set(fresh.map((i) => homes[i]!).filter((h) => h.kind === 'apart').map(profileOf))];
    await mapLimit(apartIds, CONDITIONAL_CONCURRENCY, async (profileId) => (await this.foundApart(profileId, now)) && created.add(profileId));

    // Every fresh event in as few requests as the store allows; one a concurrent delivery of the
    // same event stored first is that delivery's to count.
    const items = fresh.map((i) => {
      const w = writes[i]!;
      const profileId = profileOf(homes[i]!);
      const pk = keyOf(w);
      return {
        pk,
        sk: 'EVT',
        gsi1pk: profilePk(profileId),
        gsi1sk: pk,
        kind: 'event',
        profileId,
        // `source`/`recordId` make the event a member of its profile (lineage), like a record.
        source: w.channel,
        recordId: w.eventId,
        channel: w.channel,
        eventId: w.eventId,
        phone: w.record.phones[0],
        tag: w.tag,
        nativeName: w.nativeName,
        unmapped: w.unmapped || undefined,
        attributes: storableAttributes(w.attributes),
        occurredAt: w.occurredAt,
        utcOffset: w.utcOffset,
        record: w.record,
        receivedAt: now,
      };
    });
    // What the call did once it knows which events it wrote: their outcomes, and per profile the
    // counts to move (once per profile per call, for events stored just now).
    const settle = (written: ReadonlySet<string>) => {
      const outcomes: EventOutcome[] = new Array(writes.length);
      fresh.forEach((i, k) => {
        const { pk, profileId } = items[k]!;
        outcomes[i] = written.has(pk) ? { kind: 'stored', profileId, newProfile: created.has(profileId), ...apartOutcome(homes[i]!) } : { kind: 'redelivered', profileId };
      });
      writes.forEach((w, i) => {
        if (outcomes[i]) return;
        const pk = keyOf(w);
        const first = outcomes[firstIndex.get(pk)!];
        if (stored.has(pk)) outcomes[i] = { kind: 'redelivered', profileId: stored.get(pk)! };
        else if (!first || first.kind === 'replan') outcomes[i] = { kind: 'replan' };
        else outcomes[i] = { kind: 'redelivered', profileId: first.profileId };
      });
      const moves = new Map<string, CounterMove>();
      writes.forEach((w, i) => {
        const outcome = outcomes[i]!;
        if (outcome.kind !== 'stored') return;
        const seenAt = w.occurredAt && w.occurredAt < now ? w.occurredAt : now;
        let move = moves.get(outcome.profileId);
        const home = homes[i]!;
        if (!move) moves.set(outcome.profileId, (move = { phone: home.kind === 'number' ? home.number : undefined, tags: new Map(), seenAt, events: [] }));
        move.events.push({ key: { pk: keyOf(w), sk: 'EVT' }, member: eventMember(w) });
        move.tags.set(w.tag, (move.tags.get(w.tag) ?? 0) + 1);
        if (seenAt > move.seenAt) move.seenAt = seenAt;
      });
      return { outcomes, moves };
    };
    // Each profile's events go with its counts in one transaction (several profiles a transaction)
    // when every profile exists and each one's fit: no event is then stored without its count.
    // Otherwise, and for what a cancelled transaction left, the events go first, then the counts.
    const hoped = !founders.size && items.length ? settle(new Set(items.map((item) => item.pk))) : undefined;
    const together = hoped ? await this.writeWithCounts(items, hoped.moves, now) : NOTHING_WRITTEN;
    const allLanded = hoped !== undefined && together.landed.size === items.length;
    const rest = allLanded ? [] : items.filter((item) => !together.landed.has(item.pk) && !together.stored.has(item.pk));
    const { outcomes, moves } = allLanded ? hoped : settle(new Set([...together.landed, ...(await this.putOnce(rest, () => ({ ConditionExpression: ABSENT })))]));
    for (const profileId of together.counted) moves.delete(profileId);
    // profiles whose fast counter path a transaction found failing are read first
    const { readFirst } = together;
    // A profile a number founded here is created with its counters in the same write (even with
    // none, when a concurrent delivery stored its only event first); if a concurrent writer created
    // it in between, the counters move on the item that writer made.
    await mapLimit([...founders.keys()], CONDITIONAL_CONCURRENCY, async (profileId) => {
      const move = moves.get(profileId);
      const item = newProfileItem(profileId, founders.get(profileId)!, now, move);
      try {
        await this.db.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: ABSENT }));
        moves.delete(profileId);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Made meanwhile by a writer that may not know the founder (an import adding an alias).
        await this.addPhones(profileId, [founders.get(profileId)!], now, founders.get(profileId));
      }
    });
    await this.dropClaimedGeneric(arrival, withoutLost(owners, lost), now);
    // A profile merged away since its events were stored: they and their counts went to `current`.
    const current = new Map<string, string>();
    // every profile's counts in transactions; one whose condition fails takes moveCounters' path alone
    const fastPath = [...moves].filter(([profileId]) => !readFirst.has(profileId));
    const slowWay = [...moves].filter(([profileId]) => readFirst.has(profileId));
    const { failed } = await conditionalWrites(this.db, fastPath, ([profileId, move]) => ({ Update: this.counterUpdate(profileId, move, now, true) }));
    await mapLimit([...failed, ...slowWay], CONDITIONAL_CONCURRENCY, async ([profileId, move]) => {
      const landed = await this.moveCounters(profileId, move, now, true);
      if (landed !== profileId) current.set(profileId, landed);
    });
    kept.forEach((i, k) => {
      const outcome = outcomes[k]!;
      result[i] = outcome.kind === 'replan' ? outcome : { ...outcome, profileId: current.get(outcome.profileId) ?? outcome.profileId };
    });
    return result;
  }

  /**
   * Events and the counts they add to their (existing) profiles in TransactWriteItems: each
   * profile's events with its counter update in the same one, as many profiles a transaction as it
   * holds. A single event of a known customer is then one write, not two, and no event is stored
   * without its count. Returns the events written with their counts and the profiles counted; from
   * a transaction cancelled on conditions (none of it written), the events another delivery stored
   * meanwhile and the profiles whose fast counter path failed; the other profiles of a cancelled
   * transaction are tried again (conditionalWrites). Writes nothing when one profile's events and
   * count do not fit one transaction.
   */
  private async writeWithCounts(items: Array<Record<string, unknown> & { pk: string; profileId: string }>, moves: Map<string, CounterMove>, now: string): Promise<Together> {
    const eventsOf = new Map<string, typeof items>();
    for (const item of items) {
      const events = eventsOf.get(item.profileId);
      if (events) events.push(item);
      else eventsOf.set(item.profileId, [item]);
    }
    const units = [...eventsOf].map(([profileId, events]) => ({
      profileId,
      ops: [
        ...events.map((Item): TransactItem => ({ Put: { TableName: this.table, Item, ConditionExpression: ABSENT } })),
        { Update: this.counterUpdate(profileId, moves.get(profileId)!, now, true) },
      ],
    }));
    // a profile whose events and count outgrow a transaction alone sends the whole call the other way
    if (units.some((unit) => transactionGroups(unit.ops).length > 1)) return NOTHING_WRITTEN;
    // in a transaction cancelled on conditions, the profiles whose own items all passed go again
    // together; one whose event another delivery stored, or whose count failed (a late event, a
    // merge mark), takes the other path with its events
    const { written, failed, refused } = await conditionalWrites(this.db, units, (unit) => unit.ops);
    const together = { landed: new Set<string>(), counted: new Set<string>(), stored: new Set<string>(), readFirst: new Set<string>() };
    for (const unit of written) {
      together.counted.add(unit.profileId);
      for (const op of unit.ops) if (op.Put) together.landed.add(op.Put.Item!.pk as string);
    }
    failed.forEach((unit, k) => {
      for (const op of refused[k]!) {
        if (op.Put) together.stored.add(op.Put.Item!.pk as string);
        else together.readFirst.add(unit.profileId);
      }
    });
    return together;
  }

  /**
   * Adds to a profile's `counters` and moves `lastSeenAt` forward (never back). The fast path is
   * one conditional update; when it fails (no counters map yet, a later lastSeenAt already
   * there, or a profile item missing after a crashed writer) the profile is read and fixed first.
   * A profile a merge has marked takes no more counts: they and the events follow the merge
   * (followMerge). Returns the profile the counts landed on. `fastPathFailed`: the caller's
   * transaction already tried the fast path, so the profile is read first instead of trying again.
   */
  private async moveCounters(profileId: string, move: CounterMove, now: string, fastPathFailed = false): Promise<string> {
    const Key = { pk: profilePk(profileId), sk: 'PROFILE' };
    let withSeen = true;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 || !fastPathFailed) {
        try {
          await this.db.send(new UpdateCommand(this.counterUpdate(profileId, move, now, withSeen)));
          return profileId;
        } catch (error) {
          if (!isConditionFailure(error) || attempt >= 4) throw error;
        }
      }
      const out = await this.db.send(
        new GetCommand({ TableName: this.table, Key, ConsistentRead: true, ProjectionExpression: 'pk, counters, lastSeenAt, mergedInto' }),
      );
      const item = out.Item;
      if (item?.mergedInto) {
        return followMerge(this.db, this.table, profileId, { members: move.events, counts: Object.fromEntries(move.tags) }, now, (target) => this.moveCounters(target, move, now));
      }
      if (!item) {
        await this.db
          .send(new PutCommand({ TableName: this.table, Item: newProfileItem(profileId, move.phone, now), ConditionExpression: ABSENT }))
          .catch((error) => {
            if (!isConditionFailure(error)) throw error;
          });
      } else if (!item.counters) {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key,
            UpdateExpression: 'SET counters = if_not_exists(counters, :empty)',
            ExpressionAttributeValues: { ':empty': {} },
          }),
        );
      }
      withSeen = !item?.lastSeenAt || item.lastSeenAt < move.seenAt;
    }
  }

  /** The fast path of a counter move: conditional on the counters map, no merge mark and (`withSeen`) an earlier lastSeenAt. */
  private counterUpdate(profileId: string, move: CounterMove, now: string, withSeen: boolean): UpdateCommandInput & { UpdateExpression: string } {
    const { sets, names, values } = countIncrements('counters', move.tags);
    sets.unshift('updatedAt = :u');
    values[':u'] = now;
    if (withSeen) {
      values[':t'] = move.seenAt;
      sets.push('lastSeenAt = :t');
    }
    return {
      TableName: this.table,
      Key: { pk: profilePk(profileId), sk: 'PROFILE' },
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: `attribute_exists(counters) AND attribute_not_exists(mergedInto)${withSeen ? ' AND (attribute_not_exists(lastSeenAt) OR lastSeenAt < :t)' : ''}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  async getSourceConfig(name: string): Promise<unknown | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: sourcePk(name), sk: 'CONFIG' } }));
    return out.Item?.config;
  }

  async putSourceConfig(name: string, config: unknown): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: sourcePk(name), sk: 'CONFIG', config, updatedAt: new Date().toISOString() } }));
  }

  /** The numbers among `phones` that belong to erased people (the privacy adapter's suppression list). */
  isSuppressed(phones: string[]): Promise<Set<string>> {
    return new DynamoPrivacyStore(this.db, this.table).isSuppressed(phones);
  }

  profileIdForPhone(e164: string): Promise<string | undefined> {
    return keyedProfile(this.db, this.table, e164);
  }

  async getProfile(profileId: string): Promise<Profile | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: profilePk(profileId), sk: 'PROFILE' } }));
    return out.Item && toProfile(out.Item);
  }

  async members(profileId: string): Promise<Member[]> {
    const members: Member[] = [];
    const items = this.queryAll({
      IndexName: 'byProfile',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': profilePk(profileId) },
      ProjectionExpression: '#s, recordId',
      ExpressionAttributeNames: { '#s': 'source' },
    });
    for await (const item of items) members.push({ source: item.source, recordId: item.recordId });
    return members;
  }

  async *listProfiles(): AsyncIterable<Profile> {
    for (const shard of SHARDS) {
      const items = this.queryAll({ IndexName: 'profiles', KeyConditionExpression: 'pshard = :s', ExpressionAttributeValues: { ':s': shard } });
      for await (const item of items) yield toProfile(item);
    }
  }

  private queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): AsyncIterable<Record<string, any>> {
    return queryAll(this.db, this.table, input);
  }
}

function toProfile(item: Record<string, any>): Profile {
  const profile: Profile = { profileId: item.profileId, phone: item.phone, phones: item.phones, createdAt: item.createdAt, updatedAt: item.updatedAt };
  if (item.counters && Object.keys(item.counters).length) profile.counters = item.counters;
  if (item.lastSeenAt) profile.lastSeenAt = item.lastSeenAt;
  return profile;
}

/** What the joint transactions of events and counts did (writeWithCounts). */
interface Together {
  /** Events written with their counts. */
  landed: ReadonlySet<string>;
  /** Profiles whose counts moved with their events. */
  counted: ReadonlySet<string>;
  /** Events a cancelled transaction found stored by another delivery. */
  stored: ReadonlySet<string>;
  /** Profiles whose counter update a cancelled transaction found failing. */
  readFirst: ReadonlySet<string>;
}
const NOTHING_WRITTEN: Together = { landed: new Set(), counted: new Set(), stored: new Set(), readFirst: new Set() };

/** What one writeEvents call adds to a profile: events per tag, the latest time seen, and the events. */
interface CounterMove {
  /** The number the events came by (none for a profile standing apart). */
  phone?: string;
  tags: Map<string, number>;
  seenAt: string;
  events: Array<{ key: { pk: string; sk: string }; member: string }>;
}

/** A profile founded by `phone`, or standing apart (events path): its counters start empty, or at `move`. */
function newProfileItem(profileId: string, phone: string | undefined, now: string, move?: CounterMove): Record<string, unknown> {
  const item = foundedProfileItem(profileId, phone, phone ? [phone] : [], now);
  if (move) {
    item.counters = Object.fromEntries(move.tags);
    item.lastSeenAt = move.seenAt;
  }
  return item;
}
