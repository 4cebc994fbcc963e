import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getPath } from '../../../functions/core/ingest/map-row.ts';
import { read } from './helpers.ts';

const orders = [
  { order: { id: 'A1', items: [{ sku: 'S1', category: 'shoes' }], total: 399 }, buyer: { mobile: '13812345678' } },
  { order: { id: 'A2', items: [{ sku: 'S2', category: 'bags' }, { sku: 'S3', category: 'hats' }], total: 120.5 }, buyer: { mobile: 13912345678 } },
  { order: { id: 'A3', note: 'brace } and bracket ] and "quote" \\ in a string', items: [] }, buyer: {} },
];

describe('NDJSON', () => {
  it('reads nested objects, numbering rows by record (index + 1) with the line', async () => {
    const text = orders.map((o) => JSON.stringify(o)).join('\n') + '\n';
    const r = await read(text, { fileName: 'orders.ndjson' }, 13);
    expect(r.problems).toEqual([]);
    expect(r.info).toMatchObject({ format: 'ndjson' });
    expect(r.fields).toEqual(orders);
    expect(r.rows.map((x) => [x.rowNumber, x.line])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(getPath(r.fields[0], 'order.items[0].category')).toBe('shoes');
    expect(getPath(r.fields[1], 'order.items[-1].category')).toBe('hats');
  });

  it('a corrupt line in the middle is one problem for that row; the rows before and after come out', async () => {
    const text = ['{"id":1}', '{"id":2', '', '{"id":3}', '[1,2]', '{"id":4}\r'].join('\n');
    const r = await read(text, { fileName: 'e.jsonl' });
    expect(r.fields).toEqual([{ id: 1 }, { id: 3 }, { id: 4 }]);
    expect(r.problems).toHaveLength(2);
    expect(r.problems[0]).toMatchObject({ rowNumber: 2, line: 2, code: 'row.malformed', raw: '{"id":2' });
    expect(r.problems[0]!.message).toMatch(/^row 2 \(line 2\): not valid JSON/);
    expect(r.problems[1]).toMatchObject({ rowNumber: 4, line: 5, code: 'row.not_object', message: 'row 4 (line 5): expected a JSON object, got an array' });
    expect(r.rows.map((x) => x.rowNumber)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a line longer than the limit is a problem and the next lines still come out', async () => {
    const text = `{"id":1}\n{"big":"${'x'.repeat(3000)}"}\n{"id":3}\n`;
    const r = await read(text, { fileName: 'x.ndjson', limits: { maxJsonRecordChars: 1000 } }, 256);
    expect(r.fields).toEqual([{ id: 1 }, { id: 3 }]);
    expect(r.problems).toMatchObject([{ rowNumber: 2, line: 2, code: 'row.malformed' }]);
  });

  it('is recognized by content: .json holding one object per line, or no extension at all', async () => {
    const text = '{"id":1}\n{"id":2}\n';
    for (const fileName of ['x.json', 'upload']) {
      const r = await read(text, { fileName });
      expect(r.info?.format, fileName).toBe('ndjson');
      expect(r.fields, fileName).toEqual([{ id: 1 }, { id: 2 }]);
    }
  });

  it('gzipped NDJSON', async () => {
    const r = await read(gzipSync(orders.map((o) => JSON.stringify(o)).join('\n')), { fileName: 'orders.ndjson.gz' });
    expect(r.fields).toEqual(orders);
  });
});

describe('JSON arrays', () => {
  it('streams the elements of an array of objects', async () => {
    const text = JSON.stringify(orders, null, 2);
    const r = await read(text, { fileName: 'orders.json' }, 17);
    expect(r.problems).toEqual([]);
    expect(r.info).toMatchObject({ format: 'json' });
    expect(r.fields).toEqual(orders);
    expect(r.rows.map((x) => x.rowNumber)).toEqual([1, 2, 3]);
    expect(r.rows[1]!.line).toBeGreaterThan(r.rows[0]!.line!);
  });

  it('gives the same elements whatever the chunk boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 64 }),
        async (objs, size) => {
          const r = await read(JSON.stringify(objs), { fileName: 'x.json' }, size);
          expect(r.problems).toEqual([]);
          expect(r.fields).toEqual(JSON.parse(JSON.stringify(objs)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a malformed element is a problem for that element only', async () => {
    const text = '[\n{"id":1},\n{"id":2,,},\n{"id":[3,4},\n{"id":5, "s":"]}"},\n"text",\n{"id":6}\n]';
    const r = await read(text, { fileName: 'x.json' });
    expect(r.fields).toEqual([{ id: 1 }, { id: 5, s: ']}' }, { id: 6 }]);
    expect(r.problems.map((p) => [p.rowNumber, p.line, p.code])).toEqual([
      [2, 3, 'row.malformed'],
      [3, 4, 'row.malformed'],
      [5, 6, 'row.not_object'],
    ]);
  });

  it('structural problems: truncated array, text after it, empty file', async () => {
    const cut = await read('[{"id":1},{"id":2},{"id"', { fileName: 'x.json' });
    expect(cut.fields).toEqual([{ id: 1 }, { id: 2 }]);
    expect(cut.problems).toMatchObject([{ rowNumber: 0, code: 'file.malformed' }]);
    expect(cut.problems[0]!.message).toContain('element 3');
    const open = await read('[{"id":1},', { fileName: 'x.json' });
    expect(open.fields).toEqual([{ id: 1 }]);
    expect(open.problems).toMatchObject([{ rowNumber: 0, code: 'file.malformed', message: 'the JSON array is never closed (truncated file?)' }]);
    const unclosed = await read('[{"id":1},\n{"id":2}\n', { fileName: 'x.json' });
    expect(unclosed.fields).toEqual([{ id: 1 }, { id: 2 }]);
    expect(unclosed.problems).toMatchObject([{ rowNumber: 0, code: 'file.malformed', message: 'the JSON array is never closed (truncated file?)' }]);
    const trailing = await read('[{"id":1}] oops', { fileName: 'x.json' });
    expect(trailing.fields).toEqual([{ id: 1 }]);
    expect(trailing.problems).toMatchObject([{ rowNumber: 0, code: 'file.malformed' }]);
    expect((await read('[]', { fileName: 'x.json' })).rows).toEqual([]);
    expect((await read('  \n', { fileName: 'x.json' })).problems).toMatchObject([{ rowNumber: 0, code: 'file.empty' }]);
  });

  it('an element larger than the limit is a problem, not an unbounded buffer', async () => {
    const text = `[{"id":1},{"big":"${'x'.repeat(5000)}"},{"id":3}]`;
    const r = await read(text, { fileName: 'x.json', limits: { maxJsonRecordChars: 1000 } }, 100);
    expect(r.fields).toEqual([{ id: 1 }, { id: 3 }]);
    expect(r.problems).toMatchObject([{ rowNumber: 2, code: 'row.malformed' }]);
    expect(r.problems[0]!.message).toContain('longer than 1000');
  });

  it('a JSON document that is not an array is read as a sequence of objects', async () => {
    const r = await read('{\n  "id": 1\n}\n{\n  "id": 2\n}\n', { fileName: 'x.json' });
    expect(r.fields).toEqual([{ id: 1 }, { id: 2 }]);
    expect(r.rows.map((x) => x.line)).toEqual([1, 4]);
  });

  it('JSON in GBK and UTF-16 is decoded first', async () => {
    const text = JSON.stringify([{ 姓名: '张三', 手机: '13812345678' }]);
    const iconv = (await import('iconv-lite')).default;
    expect((await read(iconv.encode(text, 'gbk'), { fileName: 'x.json' })).fields).toEqual([{ 姓名: '张三', 手机: '13812345678' }]);
    expect((await read(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), { fileName: 'x.json' })).fields).toEqual([
      { 姓名: '张三', 手机: '13812345678' },
    ]);
  });
});
