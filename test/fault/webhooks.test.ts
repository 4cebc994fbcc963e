/**
 * Fault suite, webhooks (issue 8): a storm of signed deliveries against one local cloud — every
 * event delivered three times, shuffled, in batches of 1–10 (duplicates inside a batch too), 16
 * requests at a time, and any 5xx redelivered like a channel would. Afterwards each customer's
 * profile holds every event once: counters exact, members exact; the responses add up to
 * accepted = distinct events, redelivered = the rest, rejected = 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoProfileStore } from '../../functions/adapters/dynamo-profile-store.ts';
import { signedHeaders } from '../../functions/core/events/index.ts';
import { parseSourceConfig } from '../../functions/core/ingest/source-config.ts';
import type { LocalCloud } from '../../lib/local/cloud.ts';
import { e164Of, phoneOf } from '../support/files.ts';
import { currentSecret, REPO_ROOT, startTestCloud, localDb } from '../support/local-cloud.ts';

let cloud: LocalCloud;
let cleanup: () => Promise<void>;
let store: DynamoProfileStore;
let secret: string;


beforeAll(async () => {
  ({ cloud, cleanup } = await startTestCloud());
  const db = localDb(cloud);
  store = new DynamoProfileStore(db, cloud.info.outputs.TableName);
  secret = JSON.parse(currentSecret(cloud, 'webhooksecrets')).default;
  await store.putSourceConfig('app', parseSourceConfig(readFileSync(join(REPO_ROOT, 'examples/sources/app-channel.json'), 'utf8')));
}, 300_000);

afterAll(async () => {
  await cleanup?.();
});

/** A deterministic shuffle (mulberry32), so a failure replays. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CUSTOMERS = 30;
const VIEWS = 3;
const PURCHASES = 2;
const COPIES = 3;

function events() {
  const out: Array<{ id: string; customer: number; body: unknown }> = [];
  for (let c = 0; c < CUSTOMERS; c++) {
    const phone = phoneOf(70_000 + c);
    for (let k = 0; k < VIEWS; k++) {
      const id = `storm-${c}-v${k}`;
      out.push({ id, customer: c, body: { event: 'item_detail_view', event_id: id, ts: '2026-11-20 10:00:00', user: { phone }, device: { os: 'ios', id: 'd' }, props: { item_id: `sku-${k}`, category: 'tea' } } });
    }
    for (let k = 0; k < PURCHASES; k++) {
      const id = `storm-${c}-p${k}`;
      out.push({ id, customer: c, body: { event: 'pay_success', event_id: id, ts: `2026-11-2${k} 12:00:00`, user: { phone }, device: { os: 'ios', id: 'd' }, props: { order_no: `o-${id}`, items: [{ item_id: 'sku-1', category: 'tea', qty: 1, price: '10.00' }], pay_amount: '10.00', currency: 'cny' } } });
    }
  }
  return out;
}

describe('webhook storm with redeliveries', () => {
  it('every event is stored once: counters and members exact, responses add up', async () => {
    const distinct = events();
    const random = rng(8);
    const deliveries = distinct.flatMap((e) => Array.from({ length: COPIES }, () => e));
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
    }
    const batches: Array<typeof deliveries> = [];
    for (let i = 0; i < deliveries.length; ) {
      const n = 1 + Math.floor(random() * 10);
      batches.push(deliveries.slice(i, i + n));
      i += n;
    }

    const totals = { accepted: 0, redelivered: 0, rejected: 0, retried5xx: 0, requests: 0 };
    const url = `${cloud.info.endpoints.api}/webhooks/app`;
    const post = async (batch: typeof deliveries) => {
      const body = JSON.stringify(batch.length === 1 ? batch[0]!.body : batch.map((e) => e.body));
      for (let attempt = 1; ; attempt++) {
        totals.requests++;
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...signedHeaders(secret, body) }, body });
        if (response.status >= 500 && attempt < 6) {
          totals.retried5xx++; // the channel redelivers the whole batch
          await new Promise((r) => setTimeout(r, 100 * attempt));
          continue;
        }
        expect(response.status, await response.clone().text()).toBe(202);
        const json = (await response.json()) as { accepted: number; redelivered: number; rejected: number };
        totals.accepted += json.accepted;
        totals.redelivered += json.redelivered;
        totals.rejected += json.rejected;
        return;
      }
    };
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < batches.length) await post(batches[next++]!);
      }),
    );
    const seconds = (Date.now() - started) / 1000;

    // The store, customer by customer.
    let lost = 0;
    let doubled = 0;
    for (let c = 0; c < CUSTOMERS; c++) {
      const profileId = await store.profileIdForPhone(e164Of(70_000 + c));
      expect(profileId, `customer ${c}`).toBeDefined();
      const profile = (await store.getProfile(profileId!))!;
      const members = (await store.members(profileId!)).filter((m) => m.source === 'app').map((m) => m.recordId);
      const expected = distinct.filter((e) => e.customer === c).map((e) => e.id);
      lost += expected.filter((id) => !members.includes(id)).length;
      doubled += members.length - new Set(members).size + Math.max(0, (profile.counters?.product_view ?? 0) - VIEWS) + Math.max(0, (profile.counters?.purchase ?? 0) - PURCHASES);
      expect(members.sort()).toEqual(expected.sort());
      expect(profile.counters).toEqual({ product_view: VIEWS, purchase: PURCHASES });
      expect(profile.lastSeenAt).toBe('2026-11-21T04:00:00.000Z');
    }
    console.log(
      `webhook storm: ${deliveries.length} deliveries of ${distinct.length} events in ${batches.length} batches (${totals.requests} requests, ${totals.retried5xx} redelivered after 5xx) in ${seconds.toFixed(1)} s — accepted ${totals.accepted}, redelivered ${totals.redelivered}, rejected ${totals.rejected}; lost ${lost}, counted twice ${doubled}`,
    );
    expect(lost).toBe(0);
    expect(doubled).toBe(0);
    expect(totals.rejected).toBe(0);
    // A 5xx batch may have been partly stored before it failed: its redelivery reports those as redelivered.
    expect(totals.accepted).toBe(distinct.length);
    expect(totals.accepted + totals.redelivered).toBeGreaterThanOrEqual(deliveries.length);
  }, 180_000);
});
