/**
 * The webhook use case without a cloud: which secret signs for which channel (own key, default,
 * previous version during a rotation), the default config of a channel known only by its secret,
 * and that refused requests never reach the store.
 */
import { describe, expect, it } from 'vitest';
import { receiveEvents, type ReceiveDeps } from '../../functions/app/receive-events.ts';
import { signedHeaders } from '../../functions/core/events/index.ts';
import type { EventWrite, ProfileStore } from '../../functions/ports/profile-store.ts';

const APP = {
  name: 'app',
  kind: 'channel',
  fields: { phone: 'phone' },
  events: { eventId: 'id', eventName: 'event', mapping: { search: { tag: 'search', attributes: { keyword: 'q' } } } },
};

function deps(secretValues: string[], configs: Record<string, unknown> = { app: APP }) {
  const written: EventWrite[] = [];
  const store = {
    getSourceConfig: async (name: string) => configs[name],
    numbers: async () => new Map(),
    numbersForEvents: async () => ({ numbers: new Map(), events: { stored: new Map(), suppressed: new Set() } }),
    writeEventsUnlessSuppressed: async (writes: EventWrite[]) => {
      written.push(...writes);
      return writes.map(() => ({ kind: 'stored' as const, profileId: 'p_x', newProfile: true }));
    },
  } as unknown as ProfileStore;
  const d: ReceiveDeps = { store, secretValues: async () => secretValues };
  return { d, written };
}

const body = JSON.stringify({ id: 'e1', event: 'search', phone: '13800138001', q: 'shoes' });
const call = (channel: string, secret: string, d: ReceiveDeps, text = body) => receiveEvents(channel, signedHeaders(secret, text), text, d);

describe('receiveEvents secrets', () => {
  it('signs with the default key when the channel has none of its own', async () => {
    const { d, written } = deps([JSON.stringify({ default: 'd1' })]);
    expect((await call('app', 'd1', d)).status).toBe(202);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ channel: 'app', eventId: 'e1', tag: 'search', attributes: { keyword: 'shoes' }, record: { phones: ['+8613800138001'] } });
  });

  it("uses the channel's own key, and then the default key no longer signs for it", async () => {
    const { d } = deps([JSON.stringify({ default: 'd1', app: 'a1' })]);
    expect((await call('app', 'a1', d)).status).toBe(202);
    expect((await call('app', 'd1', d)).status).toBe(401);
  });

  it('keeps the previous version valid during a rotation', async () => {
    const { d } = deps([JSON.stringify({ default: 'd1', app: 'a2' }), JSON.stringify({ default: 'd1', app: 'a1' })]);
    expect((await call('app', 'a2', d)).status).toBe(202);
    expect((await call('app', 'a1', d)).status).toBe(202);
    expect((await call('app', 'a0', d)).status).toBe(401);
  });

  it('reads a plain (non-JSON) secret value as the default key', async () => {
    const { d } = deps(['plain-secret']);
    expect((await call('app', 'plain-secret', d)).status).toBe(202);
  });

  it('a signature matching no cached secret is checked once more against freshly read secrets (a rotation since the cache was filled)', async () => {
    const { d, written } = deps([]);
    let current = [JSON.stringify({ default: 'd1' })];
    const asked: boolean[] = [];
    // The cache of the handler: what it held before the rotation, until asked to refresh.
    let cached = current;
    d.secretValues = async (refresh) => {
      asked.push(Boolean(refresh));
      if (refresh) cached = current;
      return cached;
    };
    expect((await call('app', 'd1', d)).status).toBe(202);
    expect(asked).toEqual([false]);

    current = [JSON.stringify({ default: 'd2' }), JSON.stringify({ default: 'd1' })]; // rotated: d1 stays valid as the previous
    asked.length = 0;
    expect((await call('app', 'd2', d, JSON.stringify({ id: 'e2', event: 'search', phone: '13800138001', q: 'a' }))).status).toBe(202);
    expect(asked).toEqual([false, true]);
    expect((await call('app', 'd1', d, JSON.stringify({ id: 'e3', event: 'search', phone: '13800138001', q: 'b' }))).status).toBe(202);

    asked.length = 0;
    expect((await call('app', 'never-valid', d)).status).toBe(401);
    expect(asked).toEqual([false, true]);
    expect(written.map((w) => w.eventId)).toEqual(['e1', 'e2', 'e3']);
  });

  it('a missing or stale signature does not cause a fresh read of the secrets', async () => {
    const { d } = deps([JSON.stringify({ default: 'd1' })]);
    const asked: boolean[] = [];
    const values = d.secretValues;
    d.secretValues = (refresh) => (asked.push(Boolean(refresh)), values(refresh));
    expect((await receiveEvents('app', {}, body, d)).status).toBe(401);
    const stale = signedHeaders('d1', body, Date.now() - 3600_000);
    expect((await receiveEvents('app', stale, body, d)).status).toBe(401);
    expect(asked).toEqual([false, false]);
  });
});

describe('receiveEvents channels', () => {
  it('knows a channel by its own secret alone, with the default config (unmapped:<event>)', async () => {
    const { d, written } = deps([JSON.stringify({ default: 'd1', kiosk: 'k1' })], {});
    const text = JSON.stringify({ event_id: 'x1', event: 'tap', phone: '13800138001', properties: { screen: 'home' } });
    const r = await call('kiosk', 'k1', d, text);
    expect(r).toMatchObject({ status: 202, body: { accepted: 1, unmapped: 1 } });
    expect(written[0]).toMatchObject({ eventId: 'x1', tag: 'unmapped:tap', unmapped: true, attributes: { properties: { screen: 'home' } } });
  });

  it('knows a channel at once when its own key was added after the secrets were cached', async () => {
    const { d, written } = deps([JSON.stringify({ default: 'd1' })], {});
    const asked: boolean[] = [];
    d.secretValues = async (refresh) => (asked.push(Boolean(refresh)), refresh ? [JSON.stringify({ default: 'd1', shop: 's1' })] : [JSON.stringify({ default: 'd1' })]);
    const text = JSON.stringify({ event_id: 'x1', event: 'tap', phone: '13800138001' });
    expect((await call('shop', 's1', d, text)).status).toBe(202);
    expect(asked).toEqual([false, true]);
    expect(written[0]).toMatchObject({ channel: 'shop', tag: 'unmapped:tap' });
  });

  it('404s an unregistered channel, a file source and a bad name before looking at the signature; stores nothing', async () => {
    const { d, written } = deps([JSON.stringify({ default: 'd1' })], { app: APP, pos: { name: 'pos', kind: 'file' } });
    expect((await call('web', 'd1', d)).status).toBe(404);
    expect((await call('pos', 'd1', d)).status).toBe(404);
    expect((await call('../app', 'd1', d)).status).toBe(404);
    expect((await call('default', 'd1', d)).status).toBe(404);
    expect(written).toHaveLength(0);
  });
});

describe('receiveEvents with a store that checks suppression in its own read', () => {
  it('rejects the events the store reports as suppressed, accepts the rest, and makes no separate suppression read', async () => {
    const { d } = deps([JSON.stringify({ default: 'd1' })]);
    let separateReads = 0;
    const seen: string[] = [];
    d.store = {
      ...d.store,
      isSuppressed: async () => (separateReads++, new Set<string>()),
      writeEventsUnlessSuppressed: async (writes: EventWrite[]) =>
        writes.map((w) => (seen.push(w.eventId), w.record.phones.includes('+8613900139000') ? { kind: 'suppressed' as const } : { kind: 'stored' as const, profileId: 'p_x', newProfile: false })),
    } as unknown as ProfileStore;
    const text = JSON.stringify([
      { id: 'a', event: 'search', phone: '13900139000', q: 'x' },
      { id: 'b', event: 'search', phone: '13800138001', q: 'y' },
    ]);
    const r = await call('app', 'd1', d, text);
    expect(r).toMatchObject({
      status: 202,
      body: { accepted: 1, rejected: 1, results: [{ index: 0, status: 'rejected', code: 'phone.suppressed', eventId: 'a' }, { index: 1, status: 'accepted', eventId: 'b' }] },
    });
    expect(seen).toEqual(['a', 'b']);
    expect(separateReads).toBe(0);
  });
});
