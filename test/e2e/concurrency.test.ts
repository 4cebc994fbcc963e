/**
 * Concurrency (issue 8): two imports (crm and pos files) and a webhook stream that touch the same
 * customers, all at the same time, against one local cloud. Each customer ends with exactly one
 * profile: both numbers resolve to it and it lists both, its members are exactly the two records
 * and its events, and its counters are exact — nothing lost, nothing counted twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoProfileStore } from '../../functions/adapters/dynamo-profile-store.ts';
import { storeRecords } from '../../functions/app/identity/arrive.ts';
import { importOfObject } from '../../lib/cli/upload-import.ts';
import { signedHeaders } from '../../functions/core/events/index.ts';
import { parseSourceConfig } from '../../functions/core/ingest/source-config.ts';
import type { LocalCloud } from '../../lib/local/cloud.ts';
import type { Profile, RecordWrite } from '../../functions/ports/profile-store.ts';
import type { CleanRecord } from '../../functions/core/model.ts';
import { phoneOf } from '../support/files.ts';
import { currentSecret, REPO_ROOT, startTestCloud, localS3, localDb } from '../support/local-cloud.ts';

let cloud: LocalCloud;
let cleanup: () => Promise<void>;
let store: DynamoProfileStore;
let s3: S3Client;
let secret: string;


beforeAll(async () => {
  ({ cloud, cleanup } = await startTestCloud());
  store = new DynamoProfileStore(localDb(cloud), cloud.info.outputs.TableName);
  s3 = localS3(cloud);
  secret = JSON.parse(currentSecret(cloud, 'webhooksecrets')).default;
  await store.putSourceConfig('app', parseSourceConfig(readFileSync(join(REPO_ROOT, 'examples/sources/app-channel.json'), 'utf8')));
}, 300_000);

afterAll(async () => {
  await cleanup?.();
});

const N = 60;
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊'];
/** Customer i: two mobiles (A first), a name unique among the N. */
const customer = (i: number) => ({ a: phoneOf(90_000 + 2 * i), b: phoneOf(90_000 + 2 * i + 1), name: `${SURNAMES[i % 10]}${GIVEN[Math.floor(i / 10) % 8]}${'一二三四五六七八'[Math.floor(i / 80) % 8]}` });
const e164 = (national: string) => `+86${national}`;

const VIEWS = 2;
const PURCHASES = 2;

function eventsOf(i: number) {
  const { a } = customer(i);
  const out: Array<{ id: string; body: unknown }> = [];
  for (let k = 0; k < VIEWS; k++) {
    const id = `cc-${i}-v${k}`;
    out.push({ id, body: { event: 'item_detail_view', event_id: id, ts: '2026-11-20 10:00:00', user: { phone: a }, device: { os: 'ios', id: 'd' }, props: { item_id: `sku-${k}`, category: 'tea' } } });
  }
  for (let k = 0; k < PURCHASES; k++) {
    const id = `cc-${i}-p${k}`;
    out.push({ id, body: { event: 'pay_success', event_id: id, ts: '2026-11-20 12:00:00', user: { phone: a }, device: { os: 'ios', id: 'd' }, props: { order_no: `o-${id}`, items: [{ item_id: 'sku-1', category: 'tea', qty: 1, price: '10.00' }], pay_amount: '10.00', currency: 'cny' } } });
  }
  return out;
}

describe('two imports and a webhook stream on the same customers at once', () => {
  it('leave one correct profile per customer: phones, members and counters exact', async () => {
    const ids = Array.from({ length: N }, (_, i) => i);
    // crm knows both numbers ("A / B" in one cell), pos only A; the order of rows differs.
    const crm = 'id,name,mobile\n' + ids.map((i) => `crm-${i},${customer(i).name},"${customer(i).a} / ${customer(i).b}"`).join('\n') + '\n';
    const pos = 'id,name,mobile\n' + [...ids].reverse().map((i) => `pos-${i},${customer(i).name},${customer(i).a}`).join('\n') + '\n';
    const events = ids.flatMap(eventsOf);
    // Each event twice (a redelivery), interleaved customers, in batches of 5.
    const deliveries = [...events, ...[...events].reverse()];
    const batches = Array.from({ length: Math.ceil(deliveries.length / 5) }, (_, k) => deliveries.slice(5 * k, 5 * k + 5));

    const url = `${cloud.info.endpoints.api}/webhooks/app`;
    const totals = { accepted: 0, redelivered: 0, rejected: 0 };
    const errors: string[] = [];
    const post = async (batch: typeof deliveries) => {
      const body = JSON.stringify(batch.map((e) => e.body));
      for (let attempt = 1; ; attempt++) {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...signedHeaders(secret, body) }, body });
        if (response.status >= 500 && attempt < 6) {
          errors.push(`${response.status} ${(await response.text()).slice(0, 200)}`);
          continue; // a channel redelivers on 5xx
        }
        expect(response.status).toBe(202);
        const json = (await response.json()) as typeof totals;
        totals.accepted += json.accepted;
        totals.redelivered += json.redelivered;
        totals.rejected += json.rejected;
        return;
      }
    };
    const bucket = cloud.info.outputs.RawBucketName;
    let next = 0;
    const upload = async (key: string, body: string) => {
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      return (await importOfObject(s3, store, bucket, key, put.VersionId)).importId;
    };
    const [crmImport, posImport] = await Promise.all([
      upload('incoming/crm/same-people.csv', crm),
      upload('incoming/pos/same-people.csv', pos),
      ...Array.from({ length: 8 }, async () => {
        while (next < batches.length) await post(batches[next++]!);
      }),
    ]);
    for (const id of [crmImport!, posImport!]) {
      for (let t = 0; (await store.getImport(id))?.status !== 'done'; t++) {
        if (t > 900) throw new Error(`import ${id} did not finish`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    await cloud.idle();

    const crmState = (await store.getImport(crmImport!))!;
    const posState = (await store.getImport(posImport!))!;
    let lost = 0;
    let doubled = 0;
    let split = 0;
    const seen = new Set<string>();
    const issues: string[] = [];
    for (const i of ids) {
      const { a, b } = customer(i);
      const profileId = await store.profileIdForPhone(e164(a));
      expect(profileId, `customer ${i}`).toBeDefined();
      if ((await store.profileIdForPhone(e164(b))) !== profileId) split++;
      if (seen.has(profileId!)) issues.push(`customer ${i}: shares profile ${profileId}`);
      seen.add(profileId!);
      const profile = (await store.getProfile(profileId!)) ?? ({ phones: [] } as unknown as Profile);
      const members = (await store.members(profileId!)).map((m) => `${m.source}:${m.recordId}`);
      const expected = [`crm:crm-${i}`, `pos:pos-${i}`, ...eventsOf(i).map((e) => `app:${e.id}`)];
      lost += expected.filter((m) => !members.includes(m)).length;
      doubled += members.length - new Set(members).size + Math.max(0, (profile.counters?.product_view ?? 0) - VIEWS) + Math.max(0, (profile.counters?.purchase ?? 0) - PURCHASES);
      const canon = (v: unknown) => JSON.stringify(v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v).sort() : v);
      const same = (x: unknown, y: unknown) => canon(x) === canon(y);
      if (!same(members.sort(), expected.sort())) issues.push(`customer ${i}: members ${members.join(' ')}`);
      if (!same([...(profile.phones ?? [])].sort(), [e164(a), e164(b)].sort())) issues.push(`customer ${i}: phones ${JSON.stringify(profile.phones)}`);
      if (profile.phone !== e164(a)) issues.push(`customer ${i}: primary ${profile.phone}`);
      if (!same(profile.counters, { product_view: VIEWS, purchase: PURCHASES })) issues.push(`customer ${i}: counters ${JSON.stringify(profile.counters)}`);
    }
    if (errors.length) console.log(`webhook 5xx answers (redelivered): ${errors.length}, e.g. ${errors[0]}`);
    if (issues.length) console.log(`issues:\n  ${issues.slice(0, 20).join('\n  ')}`);
    console.log(
      `concurrency: ${N} customers × (crm row + pos row + ${VIEWS + PURCHASES} events ×2) — crm read ${crmState.counts.read} stored ${crmState.counts.stored}, pos read ${posState.counts.read} stored ${posState.counts.stored}, webhooks accepted ${totals.accepted} redelivered ${totals.redelivered} rejected ${totals.rejected}; profiles ${seen.size}, split ${split}, lost ${lost}, counted twice ${doubled}`,
    );
    expect(issues).toEqual([]);
    expect(split).toBe(0);
    expect(lost).toBe(0);
    expect(doubled).toBe(0);
    expect(crmState.counts).toMatchObject({ read: N, stored: N, rejected: 0 });
    expect(posState.counts).toMatchObject({ read: N, stored: N, rejected: 0 });
    expect(totals).toEqual({ accepted: events.length, redelivered: events.length, rejected: 0 });
  }, 240_000);
});

describe('new people founded together (one transaction per group of people)', () => {
  const person = (i: number, phones: string[]): RecordWrite => ({
    record: { source: 'tx', recordId: `tx-${i}`, phones, name: `客户${i}` } as CleanRecord,
    raw: { id: `tx-${i}` },
    hash: `h-${i}-${phones.join('/')}`,
  });
  const number = (i: number) => e164(phoneOf(70_000 + i));

  it('stores each person once with all their numbers, even when another writer took one of them first', async () => {
    // Person 3's number is claimed first, as a webhook would: that group's transaction is cancelled
    // whole, and its people go one conditional write at a time. Everyone else is founded once.
    await storeRecords(store, [person(1003, [number(3)])]);
    const writes = Array.from({ length: 60 }, (_, i) => person(i, [number(i), number(100 + i)]));
    const [first, second] = await Promise.all([storeRecords(store, writes), storeRecords(store, [...writes].reverse().map((w) => ({ ...w, hash: w.hash + 'b' })))]);
    const newProfiles = [...first, ...second].filter((o) => o.kind === 'stored' && o.newProfile).length;
    expect(newProfiles).toBe(59);
    for (let i = 0; i < 60; i++) {
      const owner = await store.profileIdForPhone(number(i));
      expect(await store.profileIdForPhone(number(100 + i)), `person ${i}`).toBe(owner);
      const profile = await store.getProfile(owner!);
      expect([...(profile?.phones ?? [])].sort(), `person ${i}`).toEqual([number(i), number(100 + i)].sort());
      expect(profile?.phone).toBe(number(i));
      expect((first[i] as { profileId: string }).profileId).toBe(owner);
    }
  }, 60_000);
});
