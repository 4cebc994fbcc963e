/**
 * Per-channel authorization of webhooks (issue 8): a channel's secret signs for that channel only.
 * `default` signs only for channels without a key of their own — also across a rotation's grace
 * period, when the previous secret version is still accepted.
 */
import { describe, expect, it } from 'vitest';
import { receiveEvents, type ReceiveDeps } from '../../../functions/app/receive-events.ts';
import { signedHeaders } from '../../../functions/core/events/index.ts';
import type { EventWrite, ProfileStore } from '../../../functions/ports/profile-store.ts';

const channel = (name: string) => ({ name, kind: 'channel', fields: { phone: 'phone' }, events: { eventId: 'id', eventName: 'event', mapping: { search: { tag: 'search', attributes: { keyword: 'q' } } } } });
const CONFIGS: Record<string, unknown> = { app: channel('app'), pos: channel('pos'), web: channel('web') };

function deps(versions: Array<Record<string, string>>, suppressed: string[] = []) {
  const written: EventWrite[] = [];
  const store = {
    getSourceConfig: async (name: string) => CONFIGS[name],
    numbers: async () => new Map(),
    numbersForEvents: async () => ({ numbers: new Map(), events: { stored: new Map(), suppressed: new Set() } }),
    writeEventsUnlessSuppressed: async (writes: EventWrite[]) =>
      writes.map((w) => {
        if (w.record.phones.some((p) => suppressed.includes(p))) return { kind: 'suppressed' as const };
        written.push(w);
        return { kind: 'stored' as const, profileId: 'p_x', newProfile: true };
      }),
  } as unknown as ProfileStore;
  const d: ReceiveDeps = { store, secretValues: async () => versions.map((v) => JSON.stringify(v)) };
  return { d, written };
}

const body = (phone = '13800138001', id = 'e1') => JSON.stringify({ id, event: 'search', phone, q: 'shoes' });
const post = async (to: string, secret: string, d: ReceiveDeps, text = body()) => (await receiveEvents(to, signedHeaders(secret, text), text, d)).status;

describe('per-channel webhook authorization', () => {
  const secrets = { default: 'shared-default', app: 'app-key', pos: 'pos-key' };

  it("a channel's own key signs for it and for no other channel", async () => {
    const { d, written } = deps([secrets]);
    expect(await post('app', 'app-key', d)).toBe(202);
    expect(await post('pos', 'app-key', d)).toBe(401);
    expect(await post('web', 'app-key', d)).toBe(401);
    expect(await post('app', 'pos-key', d)).toBe(401);
    expect(written.map((w) => w.channel)).toEqual(['app']);
  });

  it('default signs only for channels without a key of their own', async () => {
    const { d, written } = deps([secrets]);
    expect(await post('web', 'shared-default', d)).toBe(202);
    expect(await post('app', 'shared-default', d)).toBe(401);
    expect(await post('pos', 'shared-default', d)).toBe(401);
    expect(written.map((w) => w.channel)).toEqual(['web']);
  });

  it('after a channel gets its own key, the default of the previous version no longer signs for it', async () => {
    const { d } = deps([secrets, { default: 'shared-default' }]);
    expect(await post('app', 'shared-default', d)).toBe(401);
    expect(await post('web', 'shared-default', d)).toBe(202);
  });

  it('a key named like the default (channel "default") cannot be used to reach other channels', async () => {
    const { d } = deps([{ default: 'shared-default', app: 'app-key' }]);
    expect(await post('app', 'shared-default', d)).toBe(401);
  });
});

describe('suppressed numbers in webhooks', () => {
  it('rejects events of an erased person with phone.suppressed and stores the others', async () => {
    const { d, written } = deps([secrets()], ['+8613800138001']);
    const text = JSON.stringify([JSON.parse(body('13800138001', 'a')), JSON.parse(body('13900139000', 'b'))]);
    const r = await receiveEvents('web', signedHeaders('d', text), text, d);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ accepted: 1, rejected: 1, results: [{ index: 0, status: 'rejected', code: 'phone.suppressed', eventId: 'a' }, { index: 1, status: 'accepted' }] });
    expect(written.map((w) => w.eventId)).toEqual(['b']);
  });
});
function secrets() {
  return { default: 'd' };
}
