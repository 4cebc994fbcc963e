/**
 * The identity use cases over the real DynamoDB adapters of one local cloud: match on arrival
 * merges inside a batch, applyResolution is idempotent and never merges a forbidden pair, unmerge
 * restores both profile items and every member exactly (counters included), two merges of one
 * profile or two unmerges of one merge at once act once, a split is done once
 * per run and undone exactly, review queueing is idempotent and a decision is final.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoProfileStore } from '../../functions/adapters/dynamo-profile-store.ts';
import { documentClient } from '../../functions/adapters/dynamo-document-client.ts';
import { DynamoIdentityStore } from '../../functions/adapters/dynamo-identity-store.ts';
import { matchOnArrival } from '../../functions/app/identity/match-on-arrival.ts';
import { storeEvents, storeRecords } from '../../functions/app/identity/arrive.ts';
import { applyResolution } from '../../functions/app/identity/apply-resolution.ts';
import { approveReview, rejectReview } from '../../functions/app/identity/reviews.ts';
import { undoSplit } from '../../functions/app/identity/undo-split.ts';
import { mergeProfiles, splitProfile, unmergeMember } from '../../functions/app/identity/merge-protocol.ts';
import { blockingKeys, defaultMatchRules, matchCandidates, pairId, resolve } from '../../functions/core/match/index.ts';
import { checkOnEntry } from '../../functions/app/identity/check-on-entry.ts';
import { cleanIdentity } from '../../functions/core/clean/index.ts';
import type { BlockEntry } from '../../functions/ports/identity-store.ts';
import type { EventWrite } from '../../functions/ports/profile-store.ts';
import { contentHash, profileIdFor } from '../../functions/core/identity-keys.ts';
import { installSalt } from '../../functions/adapters/install-salt.ts';
import type { CleanRecord } from '../../functions/core/model.ts';
import { startTestCloud, localDb } from '../support/local-cloud.ts';

let cleanup: () => Promise<void>;
let cloudOf: Awaited<ReturnType<typeof startTestCloud>>['cloud'];
let db: ReturnType<typeof documentClient>;
let table: string;
let profiles: DynamoProfileStore;
let identity: DynamoIdentityStore;

const P1 = '+8613812340001';
const P2 = '+8613912340002';
const P3 = '+8613712340003';
const zhang = (source: string, recordId: string, phones: string[]): CleanRecord => ({
  source,
  recordId,
  phones,
  name: '张伟',
  nameKey: '张伟',
  namePinyin: 'zhang wei',
  email: 'zw@example.com',
  birthDate: '1985-03-02',
});
const item = async (pk: string, sk: string) => (await db.send(new GetCommand({ TableName: table, Key: { pk, sk }, ConsistentRead: true }))).Item;
/** The test client, each command going through `send` (given the command and the real send) first. */
function sendingThrough(send: (command: unknown, real: (command: unknown) => Promise<unknown>) => Promise<unknown>): DynamoDBDocumentClient {
  return new Proxy(db, {
    get: (target, key) => (key === 'send' ? (command: never) => send(command, (c) => target.send(c as never)) : Reflect.get(target, key)),
  });
}
const without = (o: Record<string, unknown> | undefined, ...keys: string[]) => Object.fromEntries(Object.entries(o ?? {}).filter(([k]) => !keys.includes(k)));

beforeAll(async () => {
  const started = await startTestCloud();
  cleanup = started.cleanup;
  db = localDb(started.cloud);
  cloudOf = started.cloud;
  table = started.cloud.info.outputs.TableName;
  profiles = new DynamoProfileStore(db, table);
  identity = new DynamoIdentityStore(db, table);
  salt = await installSalt(db, table);
}, 300_000);

/** The id a number founds, under this table's installation salt. */
let salt: string;
const idOf = (e164: string) => profileIdFor(salt, e164);

afterAll(async () => {
  await cleanup?.();
});

describe('identity over the DynamoDB adapters', () => {
  const a = zhang('crm', 'a1', [P1]);
  const b = zhang('pos', 'b1', [P2, P3]);
  let A: string;
  let B: string;
  beforeAll(() => {
    A = idOf(P1);
    B = idOf(P2);
  });
  let before: Record<string, Record<string, unknown> | undefined> = {};

  it('matches a batch on arrival: the same person under two numbers becomes one profile, counters and all', async () => {
    const outcomes = await storeRecords(profiles, [a, b].map((record) => ({ record, raw: {}, hash: `h-${record.recordId}` })));
    await storeEvents(profiles, [{ channel: 'app', eventId: 'e1', record: { source: 'app', recordId: 'e1', phones: [P2] }, tag: 'login', attributes: {} }]);
    before = { A: await item(`PROF#${A}`, 'PROFILE'), B: await item(`PROF#${B}`, 'PROFILE') };
    expect(before.B!.counters).toEqual({ login: 1 });

    const summary = await matchOnArrival(identity, [a, b], outcomes, { rules: defaultMatchRules });
    expect(summary).toMatchObject({ records: 2, merged: 1 });
    const into = await identity.currentProfileId(A);
    expect(await identity.currentProfileId(B)).toBe(into);
    for (const p of [P1, P2, P3]) expect(await identity.profileIdForPhone(p)).toBe(into);
    const survivor = await item(`PROF#${into}`, 'PROFILE');
    expect([...survivor!.phones].sort()).toEqual([P1, P2, P3].sort());
    expect(survivor!.counters).toEqual({ login: 1 });
    expect((await identity.profileMembers(into!)).map((m) => m.key).sort()).toEqual(['app#e1', 'crm#a1', 'pos#b1']);
    const [merge] = await identity.mergesInto(into!);
    expect(merge).toMatchObject({ rule: expect.stringContaining('email'), actor: 'import' });
    expect(merge!.fieldScores.email).toBe(11);
  });

  it('applies the same resolution twice without changing anything the second time', async () => {
    const result = resolve([a, b], defaultMatchRules);
    const stale = new Map([
      ['crm#a1', A],
      ['pos#b1', B],
    ]);
    const mergesBefore = (await identity.mergesInto((await identity.currentProfileId(A))!)).length;
    expect(await applyResolution(identity, stale, result, { rules: defaultMatchRules })).toMatchObject({ merged: 0, alreadyMerged: 1 });
    expect(await applyResolution(identity, stale, result, { rules: defaultMatchRules })).toMatchObject({ merged: 0, alreadyMerged: 1 });
    expect((await identity.mergesInto((await identity.currentProfileId(A))!)).length).toBe(mergesBefore);
  });

  it('unmerges exactly: both profile items, aliases and members as before; the pair is never merged again', async () => {
    const into = (await identity.currentProfileId(A))!;
    const out = await unmergeMember(identity, into, 'pos#b1', 'test');
    const restored = out.restored;
    expect([A, B]).toContain(restored);
    for (const [key, id] of [
      ['A', A],
      ['B', B],
    ] as const) {
      expect(without(await item(`PROF#${id}`, 'PROFILE'), 'updatedAt', 'golden')).toEqual(without(before[key], 'updatedAt'));
      expect((await item(`PROF#${id}`, 'PROFILE'))!.golden).toBeUndefined();
    }
    expect(await identity.profileIdForPhone(P1)).toBe(A);
    expect(await identity.profileIdForPhone(P2)).toBe(B);
    expect(await identity.profileIdForPhone(P3)).toBe(B);
    expect((await identity.profileMembers(A)).map((m) => m.key)).toEqual(['crm#a1']);
    expect((await identity.profileMembers(B)).map((m) => m.key).sort()).toEqual(['app#e1', 'pos#b1']);
    expect(await item('EVT#app#e1', 'EVT')).toMatchObject({ profileId: B, gsi1pk: `PROF#${B}` });

    // a resolution that forgot the decision still cannot merge them; nor can arrival
    const forgetful = await applyResolution(identity, new Map([['crm#a1', A], ['pos#b1', B]]), resolve([a, b], defaultMatchRules), { rules: defaultMatchRules });
    expect(forgetful).toMatchObject({ merged: 0, forbidden: 1 });
    const again = await matchOnArrival(identity, [b], [{ kind: 'stored', profileId: B, newProfile: false }], { rules: defaultMatchRules });
    expect(again.merged ?? 0).toBe(0);
    expect(await identity.currentProfileId(B)).toBe(B);
  });

  it('queues a review once per pair, and a decision is final', async () => {
    const li = (source: string, id: string, phone: string): CleanRecord => ({ source, recordId: id, phones: [phone], name: '李娜', nameKey: '李娜', namePinyin: 'li na', city: '北京市', address: '北京市朝阳区建国路88号' });
    const x = li('crm', 'x1', '+8613611110001');
    const y = li('pos', 'y1', '+8615811110002');
    const z = li('web', 'z1', '+8615911110003');
    const outcomes = await storeRecords(profiles, [x, y, z].map((record) => ({ record, raw: {}, hash: `h-${record.recordId}` })));
    const first = await matchOnArrival(identity, [x, y, z], outcomes, { rules: defaultMatchRules });
    expect(first.merged ?? 0).toBe(0);
    expect(first.reviewsQueued).toBeGreaterThanOrEqual(1);
    const again = await matchOnArrival(identity, [x, y, z], outcomes, { rules: defaultMatchRules });
    expect(again.reviewsQueued ?? 0).toBe(0);
    const pending = await identity.pendingReviews();
    const xy = pending.find((r) => r.reviewId === pairId('crm#x1', 'pos#y1'));
    expect(xy).toBeDefined();
    expect(xy!.a.record?.name).toBe('李娜');

    const approved = await approveReview(identity, xy!.reviewId, 'tester');
    expect(approved.review.status).toBe('approved');
    expect(await identity.profileIdForPhone('+8615811110002')).toBe(await identity.currentProfileId(idOf('+8613611110001')));
    await expect(rejectReview(identity, xy!.reviewId, 'tester')).rejects.toThrow(/already approved/);
    expect((await identity.pendingReviews()).some((r) => r.reviewId === xy!.reviewId)).toBe(false);
  });

  it('reads several profiles\' numbers in one call (check on entry), a merged one with its mergedInto', async () => {
    const x = idOf('+8613611110001');
    const y = idOf('+8615811110002');
    const states = await identity.profileStates([A, B, x, y, A, 'p_0000000000000000']);
    expect([...states.keys()].sort()).toEqual([A, B, x, y].sort());
    for (const id of [A, B, x, y]) {
      const one = await identity.profileState(id);
      expect(states.get(id)).toEqual({ profileId: id, phone: one!.phone, phones: one!.phones, mergedInto: one!.mergedInto });
    }
    expect([states.get(x)!.mergedInto, states.get(y)!.mergedInto].filter(Boolean)).toHaveLength(1); // the approved review merged one into the other
    expect((await identity.profileStates([])).size).toBe(0);
  });
});

describe('numbers the nightly run finds generic', () => {
  it('key nobody from then on and come off their profile, once; a number claimed before evidence was kept too', async () => {
    const Q1 = '+8613712349011';
    const Q2 = '+8613712349012';
    const Q3 = '+8613712349014';
    const [stored] = await storeRecords(profiles, [{ record: { ...zhang('crm', 'g1', [Q1, Q2, Q3]) }, raw: {}, hash: 'h-g1' }]);
    const owner = (stored as { profileId: string }).profileId;
    expect(await profiles.profileIdForPhone(Q1)).toBe(owner);
    // an alias written the way older versions wrote it: no evidence
    const L = '+8613712349013';
    await db.send(new PutCommand({ TableName: table, Item: { pk: `PHONE#${L}`, sk: 'ALIAS', phone: L, profileId: owner } }));

    // two of the profile's numbers at once: neither removal is lost
    expect(await profiles.markGeneric([Q1, L, Q3, '+8613712349099'])).toEqual([Q1, L, Q3]);
    expect(await profiles.profileIdForPhone(Q1)).toBeUndefined();
    expect(await profiles.profileIdForPhone(L)).toBeUndefined();
    const item = await db.send(new GetCommand({ TableName: table, Key: { pk: `PROF#${owner}`, sk: 'PROFILE' }, ConsistentRead: true }));
    expect(item.Item).toMatchObject({ phone: Q2, phones: [Q2] });
    expect((await profiles.numbers([Q1])).get(Q1)!.evidence.genericSince).toMatch(/^\d{4}-/);
    expect(await profiles.markGeneric([Q1, L, Q3])).toEqual([]);
  });
});

describe('a split, run twice and undone', () => {
  it('moves the part once (members, the numbers only it carries, its counts), a second attempt of the run changes nothing, and the undo puts all of it back', async () => {
    const S1 = '+8613712349031';
    const S2 = '+8613712349032';
    const [stored] = await storeRecords(profiles, [{ record: zhang('crm', 's1', [S1, S2]), raw: {}, hash: 'h-s1' }]);
    const owner = (stored as { profileId: string }).profileId;
    const sale = (id: string, phone: string) => ({ channel: 'till', eventId: id, record: { source: 'till', recordId: id, phones: [phone] }, tag: 'purchase', attributes: {} });
    await storeEvents(profiles, [sale('x1', S2), sale('x2', S2), sale('own', S1)]);
    expect((await item(`PROF#${owner}`, 'PROFILE'))!.counters).toEqual({ purchase: 3 });
    const part = { members: ['till#x1', 'till#x2'], phones: [S2], counts: { purchase: 2 }, glue: [S2], pair: ['till#x1', 'crm#s1'] as [string, string] };

    const first = await splitProfile(identity, owner, part, 'run-1', 'nightly');
    const again = await splitProfile(identity, owner, part, 'run-1', 'nightly');
    expect(again).toEqual(first);
    const to = first!.to;
    expect((await identity.profileMembers(to)).map((m) => m.key).sort()).toEqual(['till#x1', 'till#x2']);
    expect((await identity.profileMembers(owner)).map((m) => m.key).sort()).toEqual(['crm#s1', 'till#own']);
    expect(await identity.profileIdForPhone(S2)).toBe(to);
    expect(await item(`PROF#${to}`, 'PROFILE')).toMatchObject({ phone: S2, phones: [S2], counters: { purchase: 2 }, splitBy: first!.splitId });
    expect(await item(`PROF#${owner}`, 'PROFILE')).toMatchObject({ phone: S1, phones: [S1], counters: { purchase: 1 } });
    expect((await identity.splitsOf(owner)).map((s) => [s.splitId, s.applied])).toEqual([[first!.splitId, true]]);

    const { merge } = await undoSplit(identity, first!.splitId, 'cli:steward');
    expect(merge).toMatchObject({ into: owner, from: to, rule: 'approved' });
    expect((await identity.profileMembers(owner)).map((m) => m.key).sort()).toEqual(['crm#s1', 'till#own', 'till#x1', 'till#x2']);
    expect(await identity.profileIdForPhone(S2)).toBe(owner);
    expect((await item(`PROF#${owner}`, 'PROFILE'))!.counters).toEqual({ purchase: 3 });
    expect(await identity.pairDecisions([['till#x1', 'crm#s1']])).toEqual(new Map([['crm#s1\u0000till#x1', 'approved']]));
    await expect(undoSplit(identity, first!.splitId, 'cli:steward')).rejects.toThrow(/was undone at/);
    // the primitive's condition holds against a second writer that read the split before the first marked it
    expect(await identity.markSplitUndone(first!.splitId, 'api:other', undefined)).toBeUndefined();
    expect(await identity.getSplit(first!.splitId)).toMatchObject({ undoneBy: 'cli:steward', undoneByMerge: merge!.mergeId });
  });
});

describe('blocking-key markers: the blocks of a customer known by their number are not read, anyone else\'s are', () => {
  const rules = defaultMatchRules;
  const K1 = '+8613512347011';
  const K2 = '+8615012347012';
  const zhou = { name: '周芷若', nameKey: '周芷若', namePinyin: 'zhou zhiruo', city: '杭州' };
  const customer = (source: string, recordId: string): CleanRecord => ({ source, recordId, phones: [K1], ...zhou, email: 'k1@example.com', birthDate: '1992-06-15' });
  const arrive = async (record: CleanRecord) => {
    const outcomes = await storeRecords(profiles, [{ record, raw: {}, hash: `h-${record.source}-${record.recordId}` }]);
    return { profileId: (outcomes[0] as { profileId: string }).profileId, summary: await matchOnArrival(identity, [record], outcomes, { rules }) };
  };
  const markerOf = async (key: string) => (await identity.indexedKeys([key])).get(key);

  it('skips a block whose marker names the record\'s profile, and reads it once a record of another profile joins it', async () => {
    const first = customer('crm', 'k1');
    const { profileId: K } = await arrive(first);
    const keys = blockingKeys(first, rules);
    const searched = keys.filter((k) => k !== `phone:${K1}`);
    expect(searched.length).toBeGreaterThan(2);
    for (const k of keys) expect(await markerOf(k)).toEqual({ profileId: K });

    const second = await arrive(customer('pos', 'k2'));
    expect(second.profileId).toBe(K);
    expect(second.summary).toMatchObject({ blocksRead: 0, blocksSkipped: searched.length });

    // a namesake in the same city on another number shares one block (name and city) and reads it
    const namesake: CleanRecord = { source: 'crm', recordId: 'k3', phones: [K2], ...zhou, birthDate: '1961-11-30' };
    const shared = blockingKeys(namesake, rules).filter((k) => keys.includes(k));
    expect(shared).toHaveLength(1);
    const third = await arrive(namesake);
    expect(third.profileId).not.toBe(K);
    expect(third.summary.blocksRead).toBe(1);
    expect(third.summary.merged ?? 0).toBe(0);
    expect(await markerOf(shared[0]!)).toEqual({});

    const fourth = await arrive(customer('app', 'k4'));
    expect(fourth.summary).toMatchObject({ blocksRead: 1, blocksSkipped: searched.length - 1, candidates: 1 });
  });

  it('reads a block again when another profile joined it while the batch indexed, so the batch sees that record', async () => {
    const phone = '+8613512347041';
    const person = (source: string, recordId: string): CleanRecord => ({ source, recordId, phones: [phone], name: '黄蓉', nameKey: '黄蓉', namePinyin: 'huang rong', email: 'hr@example.com', birthDate: '1988-08-08' });
    const first = person('crm', 'h1');
    const { profileId: H } = await arrive(first);
    const joined = `email:${first.email}`;
    expect(blockingKeys(first, rules)).toContain(joined);
    // between this batch's writes and its second look at the markers, another profile's record joins one block
    const racing = new Proxy(identity, {
      get: (target, prop) =>
        prop === 'indexedKeys'
          ? async (keys: string[], consistent?: boolean) => {
              if (consistent) await target.indexBlockingKeys([{ member: 'other#h9', keys: [joined], profileId: 'p-other' }], await target.indexedKeys([joined]));
              return target.indexedKeys(keys, consistent);
            }
          : Reflect.get(target, prop, target),
    });
    const second = person('pos', 'h2');
    const outcomes = await storeRecords(profiles, [{ record: second, raw: {}, hash: 'h-h2' }]);
    expect((outcomes[0] as { profileId: string }).profileId).toBe(H);
    const summary = await matchOnArrival(racing, [second], outcomes, { rules });
    const searched = blockingKeys(second, rules).filter((k) => k !== `phone:${phone}`).length;
    expect(summary).toMatchObject({ blocksRead: 1, blocksSkipped: searched - 1 });
  });

  it('a marker two writers make at once, for records of two profiles, names neither', async () => {
    await Promise.all([
      identity.indexBlockingKeys([{ member: 't#race1', keys: ['test:race'], profileId: 'p-one' }]),
      identity.indexBlockingKeys([{ member: 't#race2', keys: ['test:race'], profileId: 'p-two' }]),
    ]);
    expect(await markerOf('test:race')).toEqual({});
    // one after the other, the second not having read the first's marker
    await identity.indexBlockingKeys([{ member: 't#late1', keys: ['test:late'], profileId: 'p-one' }]);
    expect(await markerOf('test:late')).toEqual({ profileId: 'p-one' });
    await identity.indexBlockingKeys([{ member: 't#late2', keys: ['test:late'], profileId: 'p-two' }]);
    expect(await markerOf('test:late')).toEqual({});
    // a writer on the profile the marker names leaves it as it is
    await identity.indexBlockingKeys([{ member: 't#same1', keys: ['test:same'], profileId: 'p-one' }]);
    await identity.indexBlockingKeys([{ member: 't#same2', keys: ['test:same'], profileId: 'p-one' }], await identity.indexedKeys(['test:same']));
    expect(await markerOf('test:same')).toEqual({ profileId: 'p-one' });
    // a marker made in the same transaction as one that existed is made all the same
    await identity.indexBlockingKeys([{ member: 't#mixed', keys: ['test:late', 'test:new'], profileId: 'p-three' }]);
    expect(await markerOf('test:new')).toEqual({ profileId: 'p-three' });
  });

  it('a record split off to a profile of its own, or unmerged, leaves its blocks naming no profile', async () => {
    const S1 = '+8613512347021';
    const U1 = '+8613512347031';
    const U2 = '+8615012347032';
    const person = (source: string, recordId: string, phones: string[], name: string, pinyin: string, email: string): CleanRecord => ({ source, recordId, phones, name, nameKey: name, namePinyin: pinyin, email, birthDate: '1981-02-03' });
    const kept = person('crm', 'sp1', [S1], '令狐冲', 'linghu chong', 'lhc@example.com');
    const going = person('pos', 'sp2', [S1], '令狐冲', 'linghu chong', 'sp2@example.com');
    const { profileId: owner } = await arrive(kept);
    expect((await arrive(going)).profileId).toBe(owner);
    const goingKeys = blockingKeys(going, rules).filter((k) => !blockingKeys(kept, rules).includes(k));
    expect(goingKeys).toEqual(['email:sp2@example.com']);
    for (const k of goingKeys) expect(await markerOf(k)).toEqual({ profileId: owner });
    const part = { members: ['pos#sp2'], phones: [], counts: {}, glue: [S1], pair: ['pos#sp2', 'crm#sp1'] as [string, string] };
    await splitProfile(identity, owner, part, 'run-markers', 'nightly');
    for (const k of goingKeys) expect(await markerOf(k)).toEqual({});

    // merged on arrival (one e-mail, two numbers), then unmerged: the side that goes back shares its blocks
    const u = person('crm', 'u1', [U1], '欧阳锋', 'ouyang feng', 'oyf@example.com');
    const v = person('pos', 'u2', [U2], '欧阳锋', 'ouyang feng', 'oyf@example.com');
    const outcomes = await storeRecords(profiles, [u, v].map((record) => ({ record, raw: {}, hash: `h-${record.recordId}` })));
    expect(await matchOnArrival(identity, [u, v], outcomes, { rules })).toMatchObject({ merged: 1 });
    for (const phone of [U1, U2]) expect(await markerOf(`phone:${phone}`)).toEqual({ profileId: idOf(phone) });
    const into = (await identity.currentProfileId(idOf(U1)))!;
    const out = await unmergeMember(identity, into, into === idOf(U1) ? 'pos#u2' : 'crm#u1', 'test');
    const back = out.restored === idOf(U1) ? U1 : U2;
    expect(await markerOf(`phone:${back}`)).toEqual({});
  });
});

describe('two imports teaching one number at the same time', () => {
  it('both lessons are kept: the later writer reads the number again and merges, whichever stores first', async () => {
    const N = '+8613712349021';
    const holder = { source: 'crm', recordId: 'race-0', phones: [N], name: '周一', nameKey: '周一', namePinyin: 'zhouyi' };
    await storeRecords(profiles, [{ record: holder, raw: {}, hash: 'h-race-0' }]);
    // both batches read the number before either writes: a barrier on the store's read
    let waiting: Array<() => void> = [];
    const barrier = () => new Promise<void>((go) => (waiting.push(go), waiting.length === 2 && waiting.forEach((g) => g())));
    const racing = Object.assign(Object.create(profiles) as DynamoProfileStore, {
      numbers: async (phones: string[]) => {
        const read = await profiles.numbers(phones);
        if (waiting.length < 2) await barrier();
        return read;
      },
    });
    const spouse = (recordId: string, name: string, pinyin: string) => ({ record: { source: 'pos', recordId, phones: [N], name, nameKey: name, namePinyin: pinyin }, raw: {}, hash: `h-${recordId}` });
    await Promise.all([storeRecords(racing, [spouse('race-1', '吴二', 'wuer')]), storeRecords(racing, [spouse('race-2', '郑三', 'zhengsan')])]);
    waiting = [];
    const n = (await profiles.numbers([N])).get(N)!;
    expect(n.evidence.names.map((x) => x.key).sort()).toEqual(['吴二', '周一', '郑三'].sort());
    expect(n.version).toBe(2);
    expect(n.evidence.holder.name?.key).toBe('周一');
  });
});

describe('check on entry scores from the index entries, and answers as the stored records would', () => {
  const P4 = '+8613512340011';
  const P5 = '+8615012340012';
  const P6 = '+8618612340013';
  const li = (birthDate: string): CleanRecord => ({ source: 'shop', recordId: 'l1', phones: [P4], name: '李娜', nameKey: '李娜', namePinyin: 'li na', birthDate, city: '杭州' });
  const wang: CleanRecord = { source: 'shop', recordId: 'w1', phones: [P5], name: '王芳', nameKey: '王芳', namePinyin: 'wang fang', birthDate: '1979-12-01', city: '苏州' };
  const old: CleanRecord = { source: 'old', recordId: 'o1', phones: [P6], name: '赵敏', nameKey: '赵敏', namePinyin: 'zhao min', birthDate: '1990-07-07' };
  const rules = defaultMatchRules;
  const storedAs = async (r: CleanRecord) => (await storeRecords(profiles, [{ record: r, raw: {}, hash: `h-${r.recordId}-${r.birthDate}` }]))!;

  beforeAll(async () => {
    const outcomes = await storedAs(li('1988-05-06'));
    outcomes.push(...(await storedAs(wang)));
    await matchOnArrival(identity, [li('1988-05-06'), wang], outcomes, { rules });
    // an entry as indexed before entries carried fields: the member only
    await storedAs(old);
    await identity.indexBlockingKeys([{ member: 'old#o1', keys: blockingKeys(old, rules) }]);
  });

  it('indexes each record with its profile and comparison fields', async () => {
    const entries = await identity.blockEntries(blockingKeys(wang, rules)[0]!, 50);
    expect(entries).not.toBe('oversized');
    const mine = (entries as BlockEntry[]).find((e) => e.member === 'shop#w1')!;
    expect(mine.profileId).toBe(idOf(P5));
    expect(mine.record).toEqual(wang);
  });

  it('finds a person from the entries, with the profile numbers, in one read after the queries', async () => {
    const reads: string[] = [];
    const spy = Object.assign(Object.create(identity) as DynamoIdentityStore, {
      memberRecords: (k: string[]) => (reads.push('memberRecords'), identity.memberRecords(k)),
      recordsAndProfiles: (k: string[], p: string[]) => (reads.push('recordsAndProfiles'), identity.recordsAndProfiles(k, p)),
      profileStates: (p: string[]) => (reads.push('profileStates'), identity.profileStates(p)),
    });
    const out = await checkOnEntry(spy, { name: '李娜', birthDate: '1988-05-06' }, { rules });
    expect(out.candidates[0]).toMatchObject({ profileId: idOf(P4), phone: P4, phones: [P4], member: 'shop#l1', decision: 'merge' });
    expect(reads).toEqual(['recordsAndProfiles']);
  });

  it('scores a record that changed since it was indexed from what is stored now', async () => {
    await storedAs(li('1970-01-01')); // re-imported with another birth date; its old entries stay
    const query = { name: '李娜', birthDate: '1988-05-06' };
    const out = await checkOnEntry(identity, query, { rules });
    const now = matchCandidates(cleanIdentity(query, { source: 'query', recordId: 'query', defaultCountry: 'CN' as never }).record, [li('1970-01-01')], rules)[0]!;
    const mine = out.candidates.find((c) => c.member === 'shop#l1');
    if (now.decision === 'none') expect(mine).toBeUndefined();
    else expect(mine).toMatchObject({ score: now.score, fieldScores: now.fieldScores });
    expect(mine?.fieldScores.birthDate).not.toBe(6); // not the indexed birth date's match
  });

  it('shows a record that moved (merged) under its current profile', async () => {
    const into = idOf(P4);
    await mergeProfiles(identity, into, idOf(P5), { a: 'shop#l1', b: 'shop#w1', rule: 'approved', score: 0, fieldScores: {}, reasons: [] }, 'test');
    const out = await checkOnEntry(identity, { name: '王芳', birthDate: '1979-12-01' }, { rules });
    const survivor = await identity.profileState(into);
    expect(out.candidates[0]).toMatchObject({ profileId: into, member: 'shop#w1', phone: survivor!.phone });
    expect(out.candidates[0]!.phones!.sort()).toEqual([P4, P5].sort());
  });

  it('reads the same through the SDK (PHONEKEY_SDK_READS=1) as over the JSON protocol', async () => {
    process.env.PHONEKEY_SDK_READS = '1';
    const viaSdk = new DynamoIdentityStore(localDb(cloudOf), table); // a new client: the switch is read when its lean reads are set up
    try {
      for (const key of [...blockingKeys(wang, rules), ...blockingKeys(old, rules)]) expect(await viaSdk.blockEntries(key, 50)).toEqual(await identity.blockEntries(key, 50));
      const members = ['shop#l1', 'shop#w1', 'old#o1', 'nobody#1'];
      const ids = [idOf(P4), idOf(P5), 'p_0000000000000000'];
      expect(await viaSdk.recordsAndProfiles(members, ids)).toEqual(await identity.recordsAndProfiles(members, ids));
      expect((await viaSdk.recordsAndProfiles(members, ids)).records.size).toBe(3);
    } finally {
      delete process.env.PHONEKEY_SDK_READS;
    }
  });

  it('still finds records under entries indexed without fields', async () => {
    const out = await checkOnEntry(identity, { name: '赵敏', birthDate: '1990-07-07' }, { rules });
    expect(out.candidates[0]).toMatchObject({ profileId: idOf(P6), phone: P6, member: 'old#o1', decision: 'merge' });
  });

  it('leaves out a record erased since it was indexed', async () => {
    await db.send(new DeleteCommand({ TableName: table, Key: { pk: 'REC#old#o1', sk: 'REC' } }));
    await identity.indexBlockingKeys([{ member: 'old#o1', keys: blockingKeys(old, rules), profileId: idOf(P6), record: old }]); // an entry with fields left behind
    const out = await checkOnEntry(identity, { name: '赵敏', birthDate: '1990-07-07' }, { rules });
    expect(out.candidates.map((c) => c.member)).not.toContain('old#o1');
  });
});

describe('people\'s decisions among many records', () => {
  it('finds the decisions between any two of the given records, by lookup for a few and by listing for many', async () => {
    await identity.putPairDecision('dec#a', 'dec#b', 'noMerge', 'test', 'different people');
    await identity.putPairDecision('dec#d', 'dec#c', 'approved', 'test', 'same person');
    await identity.putPairDecision('dec#a', 'dec#z', 'noMerge', 'test', 'outside the set');
    const expected = new Map([
      ['dec#a\u0000dec#b', 'noMerge'],
      ['dec#c\u0000dec#d', 'approved'],
    ]);
    const few = ['dec#a', 'dec#b', 'dec#c', 'dec#d'];
    expect(await identity.decisionsAmong(few)).toEqual(expected);
    // 204 records are 20,706 pairs: past the lookup limit, so the decisions are listed and filtered.
    const many = [...few, ...Array.from({ length: 200 }, (_, i) => `dec#filler${i}`)];
    expect(await identity.decisionsAmong(many)).toEqual(expected);
  });
});

describe('merges, unmerges and writes to the same profiles at the same time', () => {
  /** The client with the first command `holds` picks held until `release` resolves; `reached` resolves when it is held. */
  function holding(holds: (command: unknown) => boolean, release: Promise<unknown>) {
    let reached!: () => void;
    const held = new Promise<void>((r) => (reached = r));
    let done = false;
    const client = sendingThrough(async (command, send) => {
      if (!done && holds(command)) {
        done = true;
        reached();
        await release;
      }
      return send(command);
    });
    return { client, held };
  }
  const person = (source: string, recordId: string, phone: string, name: string): CleanRecord => ({ source, recordId, phones: [phone], name, nameKey: name, namePinyin: name });
  const approved = (a: string, b: string) => ({ a, b, rule: 'approved', score: 0, fieldScores: {}, reasons: [] });
  const recordOwner = async (member: string) => (await item(`REC#${member}`, 'REC'))!.profileId as string;

  async function expectMovedAndRestorable(into: string, from: string, late: string, stayer: string) {
    expect(await recordOwner(late)).toBe(into);
    expect((await identity.profileMembers(into)).map((m) => m.key)).toContain(late);
    expect((await identity.profileMembers(from)).map((m) => m.key)).toEqual([]);
    const [merge] = await identity.mergesInto(into);
    expect(merge!.moved.members.sort()).toEqual([stayer, late].sort());
    // the unmerge puts back everything the retired profile had, the late record included
    const undone = await unmergeMember(identity, into, stayer, 'test');
    expect(undone.members.sort()).toEqual([stayer, late].sort());
    expect(await recordOwner(late)).toBe(from);
  }

  it('a record written after the merge marked the profile is moved by its writer', async () => {
    const [Q1, Q2] = ['+8613812340021', '+8613912340022'];
    await storeRecords(profiles, [person('crm', 'x1', Q1, '周杰'), person('pos', 'y1', Q2, '吴敏')].map((record) => ({ record, raw: {}, hash: contentHash(record) })));
    const [A, B] = [idOf(Q1), idOf(Q2)];
    let release!: () => void;
    // the writer reads Q2's owner (B), then waits with its record until the merge is over
    // (a lone record is a plain conditional Put, several go in a transaction)
    const writesRecord = (c: unknown) => (c instanceof TransactWriteCommand && c.input.TransactItems?.[0]?.Put?.Item?.sk === 'REC') || (c instanceof PutCommand && c.input.Item?.sk === 'REC');
    const { client, held } = holding(writesRecord, new Promise<void>((r) => (release = r)));
    const writing = storeRecords(new DynamoProfileStore(client, table), [{ record: person('pos', 'y2', Q2, '吴敏'), raw: {}, hash: 'h-y2' }]);
    await held;
    await mergeProfiles(identity, A, B, approved('crm#x1', 'pos#y1'), 'test');
    release();
    const [outcome] = await writing;
    expect(outcome).toMatchObject({ kind: 'stored', profileId: A });
    await expectMovedAndRestorable(A, B, 'pos#y2', 'pos#y1');
  });

  it('a record written before the mark, after the merge read the members, is moved by the merge', async () => {
    const [Q1, Q2] = ['+8613812340031', '+8613912340032'];
    await storeRecords(profiles, [person('crm', 'x3', Q1, '郑洁'), person('pos', 'y3', Q2, '冯涛')].map((record) => ({ record, raw: {}, hash: contentHash(record) })));
    const [A, B] = [idOf(Q1), idOf(Q2)];
    let release!: () => void;
    // the merge has read B's members and holds its mark while a writer stores another record on B
    const marks = (c: unknown) => c instanceof UpdateCommand && String(c.input.UpdateExpression).includes('mergedInto');
    const { client, held } = holding(marks, new Promise<void>((r) => (release = r)));
    const merging = mergeProfiles(new DynamoIdentityStore(client, table), A, B, approved('crm#x3', 'pos#y3'), 'test');
    await held;
    const [outcome] = await storeRecords(profiles, [{ record: person('pos', 'y4', Q2, '冯涛'), raw: {}, hash: 'h-y4' }]);
    expect(outcome).toMatchObject({ kind: 'stored', profileId: B });
    release();
    await merging;
    await expectMovedAndRestorable(A, B, 'pos#y4', 'pos#y3');
  });

  const purchase = (eventId: string, phone: string) => ({ channel: 'app', eventId, record: { source: 'app', recordId: eventId, phones: [phone] }, tag: 'purchase', attributes: {} });
  const purchases = async (profileId: string) => ((await item(`PROF#${profileId}`, 'PROFILE'))?.counters as Record<string, number> | undefined)?.purchase ?? 0;
  /** Two purchases on B, one of them late: the survivor counts both once, and an unmerge gives them back. */
  async function expectCountedOnceAndRestorable(into: string, from: string, members: string[], late: string) {
    expect((await item(`EVT#${late}`, 'EVT'))!.profileId).toBe(into);
    expect(await purchases(into)).toBe(2);
    expect(await purchases(from)).toBe(2); // the retired side keeps its own counts for an unmerge
    const [merge] = await identity.mergesInto(into);
    expect(merge!.moved.members.sort()).toEqual([...members, late].sort());
    expect((await item(`MERGE#${merge!.mergeId}`, 'MERGE'))!.movedCounters).toEqual({ purchase: 2 });
    await unmergeMember(identity, into, late, 'test');
    expect(await purchases(into)).toBe(0);
    expect(await purchases(from)).toBe(2);
    expect((await item(`EVT#${late}`, 'EVT'))!.profileId).toBe(from);
  }

  /**
   * B has one purchase; a writer stores a second one on B, held at the first command `holds` picks
   * while A and B merge. `others`: events of another customer in the same call.
   */
  async function purchaseDuringMerge(n: number, holds: (command: unknown) => boolean, others: EventWrite[] = []) {
    const [Q1, Q2] = [`+86138123400${n}1`, `+86139123400${n}2`];
    await storeRecords(profiles, [person('crm', `x${n}`, Q1, '何静'), person('pos', `y${n}`, Q2, '罗军')].map((record) => ({ record, raw: {}, hash: contentHash(record) })));
    await storeEvents(profiles, [purchase(`b${n}`, Q2)]);
    const [A, B] = [idOf(Q1), idOf(Q2)];
    let release!: () => void;
    const { client, held } = holding(holds, new Promise<void>((r) => (release = r)));
    const writing = storeEvents(new DynamoProfileStore(client, table), [purchase(`late${n}`, Q2), ...others]);
    await held;
    await mergeProfiles(identity, A, B, approved(`crm#x${n}`, `pos#y${n}`), 'test');
    release();
    const [outcome] = await writing;
    return { A, B, outcome, members: [`pos#y${n}`, `app#b${n}`], late: `app#late${n}` };
  }

  const writesEvents = (c: unknown) => c instanceof TransactWriteCommand && !!c.input.TransactItems?.some((t) => t.Put?.Item?.sk === 'EVT');
  const movesCounts = (c: unknown) => c instanceof TransactWriteCommand && !!c.input.TransactItems?.some((t) => String(t.Update?.UpdateExpression).includes('counters.'));

  it('an event stored after the merge marked the profile is moved by its writer, its count with it', async () => {
    // the writer found B as the number's owner and holds the event's put, with its count, until
    // the merge is over: the count's condition cancels both, and the event is stored, then followed
    const { A, B, outcome, members, late } = await purchaseDuringMerge(4, writesEvents);
    expect(outcome).toMatchObject({ kind: 'stored', profileId: A });
    await expectCountedOnceAndRestorable(A, B, members, late);
  });

  it('a count that reaches the profile after the merge marked it follows the merge', async () => {
    // with 100 events of another customer the call's events and counts take two transactions: the
    // event is on B when the merge reads it; its count is held until the merge is over
    const others = Array.from({ length: 100 }, (_, i) => purchase(`other5-${i}`, '+8613712340057'));
    const { A, B, outcome, members, late } = await purchaseDuringMerge(5, movesCounts, others);
    expect(outcome).toMatchObject({ kind: 'stored', profileId: A });
    await expectCountedOnceAndRestorable(A, B, members, late);
  });

  it('two deliveries of one event at once: the one whose transaction comes second is a redelivery, and the purchase counts once', async () => {
    const Q = '+8613912340101';
    await storeRecords(profiles, [{ record: person('crm', 'd10', Q, '钱进'), raw: {}, hash: 'h-d10' }]);
    let release!: () => void;
    // both read the event as new; the first holds its put and count while the second stores both
    const { client, held } = holding(writesEvents, new Promise<void>((r) => (release = r)));
    const first = storeEvents(new DynamoProfileStore(client, table), [purchase('twice10', Q)]);
    await held;
    const [second] = await storeEvents(profiles, [purchase('twice10', Q)]);
    release();
    expect(second).toMatchObject({ kind: 'stored', profileId: idOf(Q) });
    expect(await first).toEqual([{ kind: 'redelivered', profileId: idOf(Q) }]);
    expect(await purchases(idOf(Q))).toBe(1);
  });

  /** A new person's founding: the number's claim and the profile item, in one transaction. */
  const foundsNumber = (c: unknown) => c instanceof TransactWriteCommand && !!c.input.TransactItems?.some((t) => t.Put?.Item?.sk === 'ALIAS');

  it('two imports founding one new number at once: the one that loses the claim plans again, and another person stands apart', async () => {
    const Q = '+8613912340081';
    let release!: () => void;
    // the former holder's row has read the number as new and holds its founding claim while the new holder's row founds it
    const { client, held } = holding(foundsNumber, new Promise<void>((r) => (release = r)));
    const former = storeRecords(new DynamoProfileStore(client, table), [{ record: { ...person('crm', 'f8', Q, '任云睿'), gender: 'M', birthDate: '1954-01-02' }, raw: {}, hash: 'h-f8' }]);
    await held;
    const [holder] = await storeRecords(profiles, [{ record: person('ecommerce', 'n8', Q, '李英瑶'), raw: {}, hash: 'h-n8' }]);
    release();
    const [apart] = await former;
    expect(holder).toMatchObject({ kind: 'stored', profileId: idOf(Q), newProfile: true });
    expect(apart).toMatchObject({ kind: 'stored', apart: { reason: 'conflict', number: Q } });
    expect((apart as { profileId: string }).profileId).not.toBe(idOf(Q));
    // what the former holder's row taught about the number is on it too
    expect((await item(`PHONE#${Q}`, 'ALIAS'))!.evidence.names).toHaveLength(2);
  });

  it('an event on a new number another import founds meanwhile is planned again too, and counted once where it lands', async () => {
    const Q = '+8613912340091';
    let release!: () => void;
    const { client, held } = holding(foundsNumber, new Promise<void>((r) => (release = r)));
    const sale = { ...purchase('s9', Q), record: { ...person('app', 's9', Q, '任云睿'), gender: 'M' as const } };
    const event = storeEvents(new DynamoProfileStore(client, table), [sale]);
    await held;
    await storeRecords(profiles, [{ record: person('ecommerce', 'n9', Q, '李英瑶'), raw: {}, hash: 'h-n9' }]);
    release();
    const [outcome] = await event;
    expect(outcome).toMatchObject({ kind: 'stored', apart: { reason: 'conflict', number: Q } });
    expect(await purchases(idOf(Q))).toBe(0);
    expect(await purchases((outcome as { profileId: string }).profileId)).toBe(1);
  });

  const marks = (c: unknown) => c instanceof UpdateCommand && String(c.input.UpdateExpression).includes('SET mergedInto');

  it('two merges of one profile at once: the second to mark it starts over on where it went, and its purchases count once', async () => {
    const [Q1, Q2, Q3] = ['+8613812340061', '+8613912340062', '+8613712340063'];
    await storeRecords(profiles, [person('crm', 'x6', Q1, '唐明'), person('pos', 'y6', Q2, '唐明'), person('web', 'z6', Q3, '唐明')].map((record) => ({ record, raw: {}, hash: contentHash(record) })));
    await storeEvents(profiles, [purchase('b6', Q2)]);
    const [A, B, C] = [idOf(Q1), idOf(Q2), idOf(Q3)];
    // the first merge (B into A) has read B and holds its mark while a second merges B into C
    let release!: () => void;
    const { client, held } = holding(marks, new Promise<void>((r) => (release = r)));
    const first = mergeProfiles(new DynamoIdentityStore(client, table), A, B, approved('crm#x6', 'pos#y6'), 'test');
    await held;
    await mergeProfiles(identity, C, B, approved('web#z6', 'pos#y6'), 'test');
    release();
    const merged = await first;
    // B lives on C now, so the first merge, started over, takes C into A
    expect(merged).toMatchObject({ into: A, from: C });
    expect((await identity.profileMembers(A)).map((m) => m.key).sort()).toEqual(['app#b6', 'crm#x6', 'pos#y6', 'web#z6']);
    expect(await purchases(A)).toBe(1);
    // the attempt that lost the mark left no merge behind to undo
    expect((await identity.mergesInto(A)).map((m) => m.from)).toEqual([C]);
  });

  it('two unmerges of one merge at once: one undoes it, the other is told so, and the purchases move back once', async () => {
    const [Q1, Q2] = ['+8613812340071', '+8613912340072'];
    await storeRecords(profiles, [person('crm', 'x7', Q1, '谢芳'), person('pos', 'y7', Q2, '谢芳')].map((record) => ({ record, raw: {}, hash: contentHash(record) })));
    await storeEvents(profiles, [purchase('b7', Q2), purchase('c7', Q2)]);
    const [A, B] = [idOf(Q1), idOf(Q2)];
    await mergeProfiles(identity, A, B, approved('crm#x7', 'pos#y7'), 'test');
    expect(await purchases(A)).toBe(2);
    // the first unmerge has claimed the merge and holds its restoring of B while a second one tries
    let release!: () => void;
    const restores = (c: unknown) => c instanceof UpdateCommand && String(c.input.UpdateExpression).includes('REMOVE mergedInto');
    const { client, held } = holding(restores, new Promise<void>((r) => (release = r)));
    const first = unmergeMember(new DynamoIdentityStore(client, table), A, 'pos#y7', 'test');
    await held;
    await expect(unmergeMember(identity, A, 'pos#y7', 'test')).rejects.toMatchObject({ name: 'UnmergeError', code: 'merge.undone' });
    release();
    expect(await first).toMatchObject({ profileId: A, restored: B });
    expect(await purchases(A)).toBe(0);
    expect(await purchases(B)).toBe(2);
    await expect(unmergeMember(identity, A, 'crm#x7', 'test')).rejects.toMatchObject({ code: 'merge.not_found' });
  });
});

describe('what events cost in store requests', () => {
  /** A store on a client that counts the commands it sends, by name. */
  function counting() {
    const calls: Record<string, number> = {};
    const client = sendingThrough((command, send) => {
      const name = (command as object).constructor.name;
      calls[name] = (calls[name] ?? 0) + 1;
      return send(command);
    });
    return { calls, store: new DynamoProfileStore(client, table) };
  }
  const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
  const phones = Array.from({ length: 100 }, (_, i) => `+8613755500${String(i).padStart(3, '0')}`);
  const view = (eventId: string, phone: string) => ({ channel: 'app', eventId, record: { source: 'app', recordId: eventId, phones: [phone] }, tag: 'product_view', attributes: {} });

  /** The 100 customers, known by their numbers (stored again, it is a redelivery). */
  const knownCustomers = () => storeRecords(profiles, phones.map((phone, i) => ({ record: { source: 'crm', recordId: `k${i}`, phones: [phone], name: `客户${i}`, nameKey: `客户${i}` }, raw: {}, hash: `h-k${i}` })));

  it('stores a batch of 100 events of known customers in two transactions, each with its events’ counts, and counts each once', async () => {
    await knownCustomers();
    const batch = counting();
    const events = phones.map((phone, i) => view(`cost-${i}`, phone));
    expect((await storeEvents(batch.store, events)).every((o) => o.kind === 'stored')).toBe(true);
    const again = counting();
    expect((await storeEvents(again.store, events)).every((o) => o.kind === 'redelivered')).toBe(true);
    const single = counting();
    expect((await storeEvents(single.store, [view('cost-single', phones[0]!)]))[0]!.kind).toBe('stored');
    const newcomer = counting();
    expect((await storeEvents(newcomer.store, [view('cost-newcomer', '+8613755700000')]))[0]).toMatchObject({ kind: 'stored', newProfile: true });
    const fresh = counting();
    const newcomers = phones.map((_, i) => view(`cost-new-${i}`, `+8613755600${String(i).padStart(3, '0')}`));
    expect((await storeEvents(fresh.store, newcomers)).every((o) => o.kind === 'stored' && o.newProfile)).toBe(true);
    console.log(
      `store requests: batch of 100 known ${total(batch.calls)} ${JSON.stringify(batch.calls)}; its redelivery ${total(again.calls)} ${JSON.stringify(again.calls)}; ` +
        `one event ${total(single.calls)} ${JSON.stringify(single.calls)}; a newcomer's ${total(newcomer.calls)} ${JSON.stringify(newcomer.calls)}; batch of 100 new ${total(fresh.calls)} ${JSON.stringify(fresh.calls)}`,
    );
    // 50 customers' events and counts a transaction: no Put or Update each
    expect(batch.calls.TransactWriteCommand).toBe(2);
    expect((batch.calls.PutCommand ?? 0) + (batch.calls.UpdateCommand ?? 0)).toBe(0);
    // a redelivery writes nothing, and reads the numbers and the events at once
    expect((again.calls.TransactWriteCommand ?? 0) + (again.calls.PutCommand ?? 0) + (again.calls.UpdateCommand ?? 0)).toBe(0);
    expect(again.calls.BatchGetCommand).toBe(2);
    // one event: one read (its number and itself), and its put with its profile's counters in one transaction
    expect(single.calls).toEqual({ BatchGetCommand: 1, TransactWriteCommand: 1 });
    // a new customer's: the same, and before it the number's founding (its claim and profile item)
    expect(newcomer.calls).toEqual({ BatchGetCommand: 1, TransactWriteCommand: 2 });
    expect(await Promise.all(phones.slice(0, 3).map(async (p) => ((await item(`PROF#${idOf(p)}`, 'PROFILE'))?.counters as Record<string, number>).product_view))).toEqual([2, 1, 1]);
    // 100 new people: founded (claim and profile item) in transactions, not a Put each
    expect(total(fresh.calls)).toBeLessThan(10);
  });

  it('counts late events (older than what the profiles saw last) by reading each profile once, not by trying the failed update again', async () => {
    await knownCustomers();
    const two = phones.slice(60, 62);
    await storeEvents(profiles, two.map((phone, i) => view(`seen-now-${i}`, phone)));
    const before = await Promise.all(two.map((p) => item(`PROF#${idOf(p)}`, 'PROFILE')));
    const late = counting();
    const old = two.map((phone, i) => ({ ...view(`seen-late-${i}`, phone), occurredAt: '2020-01-01T00:00:00.000Z' }));
    expect((await storeEvents(late.store, old)).every((o) => o.kind === 'stored')).toBe(true);
    // the transaction of the events and their counts is cancelled on lastSeenAt; the events go
    // again alone; then per profile: one read, one update without it
    expect(late.calls.TransactWriteCommand).toBe(2);
    expect(late.calls.GetCommand).toBe(2);
    expect(late.calls.UpdateCommand).toBe(2);
    const after = await Promise.all(two.map((p) => item(`PROF#${idOf(p)}`, 'PROFILE')));
    const views = (i: Record<string, any> | undefined) => (i!.counters as Record<string, number>).product_view!;
    expect(after.map((i) => i!.lastSeenAt)).toEqual(before.map((i) => i!.lastSeenAt));
    expect(after.map(views)).toEqual(before.map((i) => views(i) + 1));
  });

  it('a late event sends only its own customer the slow way: the others of its transaction go again together', async () => {
    await knownCustomers();
    const ten = phones.slice(70, 80);
    await storeEvents(profiles, [view('seen-now-70', ten[0]!)]);
    const viewsOf = async () => Promise.all(ten.map(async (p) => ((await item(`PROF#${idOf(p)}`, 'PROFILE'))!.counters as Record<string, number>).product_view));
    const before = await viewsOf();
    const mixed = counting();
    const events = ten.map((phone, i) => ({ ...view(`mixed-${i}`, phone), ...(i === 0 ? { occurredAt: '2020-01-01T00:00:00.000Z' } : {}) }));
    expect((await storeEvents(mixed.store, events)).every((o) => o.kind === 'stored')).toBe(true);
    // the joint transaction, cancelled on the late count; the nine again, together; the late
    // event alone, then its profile read and its count moved without lastSeenAt
    expect(mixed.calls).toEqual({ BatchGetCommand: 1, TransactWriteCommand: 2, PutCommand: 1, GetCommand: 1, UpdateCommand: 1 });
    expect(await viewsOf()).toEqual(before.map((n) => n + 1));
  });

  it('a call that dies between its transactions leaves no event stored without its count: delivered again, each event counts once', async () => {
    await knownCustomers();
    const viewsOf = async () => Promise.all(phones.map(async (p) => ((await item(`PROF#${idOf(p)}`, 'PROFILE'))!.counters as Record<string, number>).product_view ?? 0));
    const before = await viewsOf();
    // 100 events of 100 customers are two transactions; the function dies as it sends the second
    let transactions = 0;
    const dying = sendingThrough((command, send) => {
      if (command instanceof TransactWriteCommand && ++transactions === 2) throw new Error('the function was killed');
      return send(command);
    });
    const events = phones.map((phone, i) => view(`dies-${i}`, phone));
    await expect(storeEvents(new DynamoProfileStore(dying, table), events)).rejects.toThrow('the function was killed');
    const again = await storeEvents(profiles, events);
    // what the first transaction wrote is a redelivery; the rest is stored now
    expect(again.filter((o) => o.kind === 'redelivered').length).toBeGreaterThan(0);
    expect(again.filter((o) => o.kind === 'stored').length).toBeGreaterThan(0);
    expect(again.every((o) => o.kind === 'stored' || o.kind === 'redelivered')).toBe(true);
    expect(await viewsOf()).toEqual(before.map((n) => n + 1));
  });

  it('stores what a second channel teaches about 100 known numbers in one transaction, not an update each', async () => {
    await knownCustomers();
    const taught = counting();
    const rows = phones.map((phone, i) => ({ record: { source: 'pos', recordId: `taught-${i}`, phones: [phone], name: `客户${i}`, nameKey: `客户${i}`, birthDate: '1990-01-01' }, raw: {}, hash: `h-taught-${i}` }));
    expect((await storeRecords(taught.store, rows)).every((o) => o.kind === 'stored' && !o.apart)).toBe(true);
    console.log(`store requests: 100 known customers' records that teach their numbers a birth date ${total(taught.calls)} ${JSON.stringify(taught.calls)}`);
    expect(taught.calls.UpdateCommand ?? 0).toBe(0);
    // read: their numbers, their owners' profile items, the merge marks after the write; nothing to find redeliveries
    expect(taught.calls.BatchGetCommand).toBe(3);
    expect((await item(`PHONE#${phones[0]}`, 'ALIAS'))!.evidence.holder.birthDate).toBe('1990-01-01');
    // the same rows again: the conditional write refuses each, and each is a redelivery
    expect((await storeRecords(profiles, rows)).map((o) => o.kind)).toEqual(rows.map(() => 'redelivered'));
  });
});
