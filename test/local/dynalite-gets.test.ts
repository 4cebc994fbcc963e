/**
 * The local DynamoDB reads the items asked for in one tick with one getMany
 * (lib/local/dynalite-gets.mjs): each caller gets its own key's value, or undefined, as dynalite's
 * own get answers; a get alone stays a get; a failed read reaches every caller in it.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { coalesceGets } from '../../lib/local/dynalite-gets.mjs';

const require = createRequire(import.meta.url);
const { MemoryLevel } = require('memory-level');

type Callback = (error: Error | null, value?: unknown) => void;
/** A database whose `get` answers by callback, as dynalite's wrapper does, counting native calls. */
async function database() {
  const db = new MemoryLevel({ valueEncoding: 'json' });
  await db.batch(Array.from({ length: 10 }, (_, i) => ({ type: 'put', key: `k${i}`, value: { i } })));
  const calls = { get: 0, getMany: 0 };
  const get = db.get.bind(db);
  const getMany = db.getMany.bind(db);
  db.get = (key: string, callback: Callback) => (calls.get++, get(key).then((v: unknown) => setImmediate(callback, null, v), (e: Error) => setImmediate(callback, e)));
  db.getMany = (keys: string[]) => (calls.getMany++, getMany(keys));
  coalesceGets(db, { trackOperation: (operation) => operation });
  const read = (key: string) => new Promise((resolve, reject) => db.get(key, (error: Error | null, value?: unknown) => (error ? reject(error) : resolve(value))));
  return { db, calls, read };
}

describe('local DynamoDB gets of one tick', () => {
  it('are one getMany, each caller answered with its own key’s value or undefined', async () => {
    const { calls, read } = await database();
    const keys = ['k3', 'k0', 'missing', 'k9', 'k3', 'k7', 'nope'];
    const values = await Promise.all(keys.map(read));
    expect(values).toEqual([{ i: 3 }, { i: 0 }, undefined, { i: 9 }, { i: 3 }, { i: 7 }, undefined]);
    expect(calls).toEqual({ get: 0, getMany: 1 });
  });

  it('leave a get alone as a get, and gets of later ticks to later reads', async () => {
    const { calls, read } = await database();
    expect(await read('k1')).toEqual({ i: 1 });
    expect(await Promise.all([read('k2'), read('k4')])).toEqual([{ i: 2 }, { i: 4 }]);
    expect(calls).toEqual({ get: 1, getMany: 1 });
  });

  it('give a failed read’s error to every caller in it', async () => {
    const { db, read } = await database();
    await db.close();
    const outcomes = await Promise.allSettled([read('k1'), read('k2')]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });
});
