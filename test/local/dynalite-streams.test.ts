/**
 * The local DynamoDB's Query and Scan streams (lib/local/dynalite-streams.mjs) close their LevelDB
 * iterator when read to the end and when destroyed part-way: an iterator left open is kept by the
 * database until it closes, which made every Query leak memory.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { closingStreams } from '../../lib/local/dynalite-streams.mjs';

const require = createRequire(import.meta.url);
const { MemoryLevel } = require('memory-level');

/** A database with `n` entries whose iterators count their close() calls. */
async function counted(n: number) {
  const db = new MemoryLevel({ valueEncoding: 'json' });
  await db.batch(Array.from({ length: n }, (_, i) => ({ type: 'put', key: `k${String(i).padStart(3, '0')}`, value: { i } })));
  const closes = { opened: 0, closed: 0 };
  for (const method of ['values', 'keys'] as const) {
    const open = db[method].bind(db);
    db[method] = (options: unknown) => {
      const iterator = open(options);
      closes.opened++;
      const close = iterator.close.bind(iterator);
      iterator.close = () => (closes.closed++, close());
      return iterator;
    };
  }
  closingStreams(db);
  return { db, closes };
}

describe('local DynamoDB read streams', () => {
  it('close the iterator of a value or key stream read to the end, and still give every entry', async () => {
    const { db, closes } = await counted(30);
    const values = await db.createValueStream({}).toArray();
    const keys = await db.createKeyStream({ gte: 'k010', lt: 'k020' }).toArray();
    expect(values).toHaveLength(30);
    expect(values[29]).toEqual({ i: 29 });
    expect(keys).toEqual(Array.from({ length: 10 }, (_, i) => `k0${10 + i}`));
    expect(closes).toEqual({ opened: 2, closed: 2 });
    await db.close();
  });

  it('give every entry of a range longer than one read, in order, and close its iterator', async () => {
    const { db, closes } = await counted(2500);
    const values = await db.createValueStream({}).toArray();
    const keyOf = (i: number) => `k${String(i).padStart(3, '0')}`;
    expect(values.map((v: { i: number }) => keyOf(v.i))).toEqual(Array.from({ length: 2500 }, (_, i) => keyOf(i)).sort());
    expect(closes).toEqual({ opened: 1, closed: 1 });
    await db.close();
  });

  it('close the iterator of a stream destroyed part-way', async () => {
    const { db, closes } = await counted(30);
    const stream = db.createValueStream({});
    const first = await new Promise((resolve) => stream.once('data', resolve));
    expect(first).toEqual({ i: 0 });
    stream.destroy();
    await new Promise((resolve) => stream.once('close', resolve));
    expect(closes).toEqual({ opened: 1, closed: 1 });
    await db.close();
  });
});
