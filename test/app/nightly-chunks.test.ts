/**
 * The nightly run's chunk files (functions/app/nightly/chunks.ts): a profile's chunk is a stable
 * hash of its id, a segment's members file is sorted by chunk with exact byte ranges (multi-byte
 * text included), members group into profiles in the byProfile index's order, and a chunk file
 * says which profiles may be built from the snapshot.
 */
import { describe, expect, it } from 'vitest';
import { bucketedFile, bucketOf, chunkFiles, groupMembers, type MemberLine } from '../../functions/app/nightly/chunks.ts';
import { purchase, rec } from '../core/profile/fixtures.ts';

describe('bucketOf', () => {
  it('puts the same id in the same chunk, within range, and spreads ids evenly', () => {
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const b = bucketOf(`p_${i.toString(16).padStart(16, '0')}`, 10);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(10);
      counts[b]++;
    }
    expect(bucketOf('p_abc', 7)).toBe(bucketOf('p_abc', 7));
    for (const n of counts) expect(Math.abs(n - 1000)).toBeLessThan(150);
    expect(bucketOf('anything', 1)).toBe(0);
    expect(bucketOf('anything', 0)).toBe(0);
  });
});

describe('bucketedFile', () => {
  it('sorts lines by chunk (stable) and gives each chunk its byte range, counting UTF-8 bytes', () => {
    const entries = [
      { bucket: 2, line: '{"p":"b","n":"上海市"}' },
      { bucket: 0, line: '{"p":"a","n":"张三"}' },
      { bucket: 2, line: '{"p":"c","n":"x"}' },
      { bucket: 0, line: '{"p":"d","n":"😀"}' },
    ];
    const { body, ranges } = bucketedFile(entries);
    expect(Object.keys(ranges).sort()).toEqual(['0', '2']);
    const bytes = Buffer.from(body, 'utf8');
    const slice = (c: string) => bytes.subarray(ranges[c]![0], ranges[c]![1]).toString('utf8');
    expect(slice('0')).toBe('{"p":"a","n":"张三"}\n{"p":"d","n":"😀"}\n');
    expect(slice('2')).toBe('{"p":"b","n":"上海市"}\n{"p":"c","n":"x"}\n');
    expect(ranges['2']![1]).toBe(bytes.length);
    expect(bucketedFile([])).toEqual({ body: '', ranges: {} });
  });
});

describe('groupMembers', () => {
  it("groups records, events and the profile item's phones by profile, records in item-key order", () => {
    const r1 = rec({ recordId: 'r2' });
    const r2 = rec({ recordId: 'r1' });
    const e1 = purchase('o1', '1.00', '2026-11-01T00:00:00.000Z');
    const lines: MemberLine[] = [
      { p: 'p1', k: 'REC#crm#r2', r: r1 },
      { p: 'p2', e: e1 },
      { p: 'p1', profile: { phones: ['+8613800000001'], pins: { name: { member: 'crm#1', by: 'steward', at: '2026-12-05T00:00:00.000Z' } } } },
      { p: 'p1', k: 'REC#crm#r1', r: r2 },
      { p: 'p3', k: 'REC#crm#r9', r: rec() },
    ];
    const all = groupMembers(lines);
    expect(all.get('p1')).toEqual({ profileId: 'p1', phones: ['+8613800000001'], pins: { name: { member: 'crm#1', by: 'steward', at: '2026-12-05T00:00:00.000Z' } }, records: [r2, r1], events: [] });
    // p2's item was not seen by the scan: no phones, so it is not built from the snapshot.
    expect(all.get('p2')).toEqual({ profileId: 'p2', records: [], events: [e1] });
    const some = groupMembers(lines, new Set(['p3']));
    expect([...some.keys()]).toEqual(['p3']);
  });
});

describe('chunkFiles', () => {
  it("lists each profile in its hash chunk with the plan's updatedAt, never-computed and merged marks, and the chunk's ranges per segment", () => {
    const ids = ['p_a', 'p_b', 'p_c', 'p_d', 'p_e'];
    const buckets = 2;
    const before = new Map<string, string | null>([
      ['p_a', '2026-11-20T00:00:00.000Z'],
      ['p_b', null],
      ['p_c', '2026-11-19T00:00:00.000Z'],
      ['p_d', '2026-11-18T00:00:00.000Z'],
    ]);
    const files = chunkFiles(
      ids.map((profileId, i) => ({ profileId, measured: i % 2 === 0 })),
      buckets,
      (id) => before.get(id),
      new Set(['p_c']),
      [
        { segment: 1, ranges: { '0': [0, 10], '1': [10, 30] } },
        { segment: 0, ranges: { '1': [0, 5] } },
      ],
    );
    expect(files.map((f) => f.chunk)).toEqual([...new Set(ids.map((id) => bucketOf(id, buckets)))].sort());
    const all = files.flatMap((f) => f.profiles.map((p) => ({ ...p, chunk: f.chunk })));
    expect(all.map((p) => p.id).sort()).toEqual(ids);
    for (const p of all) expect(p.chunk).toBe(bucketOf(p.id, buckets));
    const of = (id: string) => all.find((p) => p.id === id)!;
    expect(of('p_a')).toMatchObject({ u: '2026-11-20T00:00:00.000Z' });
    expect(of('p_a').n).toBeUndefined();
    expect(of('p_b')).toMatchObject({ u: null, n: true });
    expect(of('p_c')).toMatchObject({ live: true });
    expect('u' in of('p_e')).toBe(false); // not listed by the plan: made since, built live
    const one = files.find((f) => f.chunk === 1);
    if (one) expect(one.parts).toEqual([[0, 0, 5], [1, 10, 30]]);
    const zero = files.find((f) => f.chunk === 0);
    if (zero) expect(zero.parts).toEqual([[1, 0, 10]]);
  });
});
