/**
 * Fuzz (issue 8): `readRows` on malformed CSV / TSV / JSON / NDJSON, wrong encodings, control
 * characters, injection strings, deeply nested JSON and one 10 MB field. Properties:
 * - it never throws: every defect comes out as a Problem with a `row.*` / `file.*` code and a
 *   message; a row problem names its row (`row N`), a file problem has row number 0;
 * - a bad row never costs the rows before or after it: rows in = rows out (fields + problems),
 *   numbered 1..N, and every good row comes out with exactly the values written.
 * Bounded numRuns: the whole file runs in seconds. Prints the number of inputs tried.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { readRows, type RowResult } from '../../functions/core/ingest/read-rows.ts';
import type { TextEncoding } from '../../functions/core/ingest/decode.ts';

let tried = 0;
afterAll(() => console.log(`fuzz read-rows: ${tried} inputs tried`));

async function* chunks(bytes: Uint8Array, size = 4096): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, Math.min(bytes.length, i + size));
  if (!bytes.length) return;
}

async function readAll(bytes: Uint8Array | string, fileName: string, opts: { encoding?: TextEncoding; chunk?: number } = {}): Promise<RowResult[]> {
  tried++;
  const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const out: RowResult[] = [];
  for await (const row of readRows(chunks(data, opts.chunk), { fileName, encoding: opts.encoding })) out.push(row);
  return out;
}

/** Every result is a row or a clear problem; row problems name their row. */
function expectWellFormed(results: RowResult[]) {
  for (const r of results) {
    if ('problem' in r) {
      expect(r.problem.code).toMatch(/^(row|file)\.[a-z_]+$/);
      expect(r.problem.message.length).toBeGreaterThan(0);
      if (r.rowNumber > 0) {
        expect(r.problem.code.startsWith('row.')).toBe(true);
        expect(r.problem.message).toContain(`row ${r.rowNumber}`);
      } else expect(r.problem.code.startsWith('file.')).toBe(true);
    } else {
      expect(r.rowNumber).toBeGreaterThan(0);
      expect(typeof r.fields).toBe('object');
    }
  }
}

const NASTY = [
  "'; DROP TABLE profiles; --",
  '" OR 1=1 --',
  '=HYPERLINK("http://evil.example","x")',
  '+cmd|\' /C calc\'!A0',
  '-2+3',
  '@SUM(1+1)',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '{{7*7}}',
  '${jndi:ldap://x/a}',
  '../../etc/passwd',
  '\u0000\u0001\u0007\u001b[31m',
  '\u202e\u200b\ufeff',
  '\ud800',
  '𠀀😀',
];
const nasty = fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ maxLength: 30 }));
const FORMATS = ['x.csv', 'x.tsv', 'x.json', 'x.ndjson', 'x.txt', 'x.csv.gz', 'x.xlsx'];

describe('readRows never throws on garbage', () => {
  it('arbitrary bytes under every file name and forced encoding', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2000 }),
        fc.constantFrom(...FORMATS),
        fc.constantFrom<TextEncoding | undefined>(undefined, 'utf8', 'gb18030', 'gbk', 'utf16le', 'utf16be'),
        fc.integer({ min: 1, max: 64 }),
        async (bytes, fileName, encoding, chunk) => expectWellFormed(await readAll(bytes, fileName, { encoding, chunk })),
      ),
      { numRuns: 300 },
    );
  });

  it('text with quotes, delimiters, line breaks, control characters and injection strings', async () => {
    const piece = fc.oneof(fc.constantFrom('"', ',', ';', '\t', '|', '\n', '\r\n', '\r', '{', '}', '[', ']', ':', '\\', '\u0000', '\u001a'), nasty);
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 80 }), fc.constantFrom('x.csv', 'x.tsv', 'x.json', 'x.ndjson'), async (parts, fileName) => {
        expectWellFormed(await readAll('phone,name\n' + parts.join(''), fileName));
      }),
      { numRuns: 300 },
    );
  });

  it('the same text in the wrong encoding (GBK read as UTF-8, UTF-8 read as UTF-16, …)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.constantFrom('王伟', '北京市朝阳区', '李娜', 'Zoë', '😀')), { maxLength: 10 }),
        fc.constantFrom<TextEncoding>('utf8', 'gb18030', 'utf16le', 'utf16be'),
        fc.constantFrom('gbk', 'utf8', 'utf16le', 'utf16be'),
        async (rows, readAs, writtenAs) => {
          const text = 'name,mobile\n' + rows.map(([a, b]) => `${JSON.stringify(a + b)},13800138001`).join('\n');
          expectWellFormed(await readAll(iconv.encode(text, writtenAs), 'x.csv', { encoding: readAs }));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('deeply nested JSON (arrays and objects 100 000 deep) is a clear problem, not a stack overflow', async () => {
    for (const [fileName, text] of [
      ['deep.json', '['.repeat(100_000) + ']'.repeat(100_000)],
      ['deep.json', '[' + '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000) + ']'],
      ['deep.ndjson', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000) + '\n{"phone":"13800138001"}\n'],
      ['open.json', '['.repeat(200_000)],
    ] as const) {
      const results = await readAll(text, fileName);
      expectWellFormed(results);
      expect(results.length).toBeGreaterThan(0);
      if (fileName === 'deep.ndjson') expect(results.at(-1)).toMatchObject({ rowNumber: 2, fields: { phone: '13800138001' } });
    }
  });

  it('a 10 MB single CSV field is rejected as its row alone; the rows around it are read', async () => {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const text = `id,mobile,note\nr1,13800138001,ok\nr2,13900139000,${huge}\nr3,13700137000,ok\n`;
    const results = await readAll(text, 'huge.csv', { chunk: 1 << 16 });
    expectWellFormed(results);
    expect(results.map((r) => r.rowNumber)).toEqual([1, 2, 3]);
    expect(results[0]).toMatchObject({ fields: { id: 'r1' } });
    expect(results[1]).toMatchObject({ problem: { code: 'row.malformed' } });
    expect(results[2]).toMatchObject({ fields: { id: 'r3' } });
  }, 30_000);
});

describe('a bad row never costs the rows before or after it', () => {
  const cell = fc.stringMatching(/^[A-Za-z0-9 ._@\u4e00-\u4e20-]{0,12}$/);
  const goodRow = fc.tuple(cell, cell, cell);
  // Trailing empty fields are forgiven (a trailing delimiter); a non-empty 4th+ field is not.
  const cellNonEmpty = fc.stringMatching(/^[A-Za-z0-9\u4e00-\u4e20]{1,8}$/);

  it('CSV: rows with the wrong number of fields are rejected alone; rows in = rows out', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ weight: 4, arbitrary: goodRow.map((r) => ({ good: true as const, r })) }, { weight: 1, arbitrary: fc.tuple(fc.array(cell, { minLength: 3, maxLength: 5 }), cellNonEmpty).map(([r, last]) => ({ good: false as const, r: [...r, last] })) }), { minLength: 1, maxLength: 60 }),
        async (rows) => {
          // A leading good row keeps the header sniffer honest; blank rows are not rows.
          const all = [{ good: true as const, r: ['a', 'b', 'c'] }, ...rows].filter((x) => x.r.some((v) => v.trim() !== ''));
          const text = 'id,name,mobile\n' + all.map((x) => x.r.map((v) => `"${v}"`).join(',')).join('\n') + '\n';
          const results = await readAll(text, 'rows.csv');
          expectWellFormed(results);
          expect(results.map((r) => r.rowNumber)).toEqual(all.map((_, i) => i + 1));
          all.forEach((x, i) => {
            const r = results[i]!;
            if (x.good) expect(r).toMatchObject({ fields: { id: x.r[0], name: x.r[1], mobile: x.r[2] } });
            else expect('problem' in r && r.problem.code).toBe('row.malformed');
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('NDJSON: garbage lines, arrays and scalars are rejected alone; every object line is read', async () => {
    const obj = fc.record({ id: cell, mobile: cell, note: nasty });
    const bad = fc.oneof(fc.constantFrom('{', '{"a":', 'nul', '[1,2]', '42', '"s"', '}{', '{"a":1}}', "{'a':1}"), fc.string({ maxLength: 20 }).filter((s) => !/^\s*$/.test(s) && !s.includes('\n') && !s.includes('\r')));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(obj.map((o) => ({ o })), bad.map((b) => ({ b }))), { minLength: 1, maxLength: 60 }), async (lines) => {
        const text = lines.map((l) => ('o' in l ? JSON.stringify(l.o) : l.b)).join('\n') + '\n';
        const results = await readAll(text, 'rows.ndjson');
        expectWellFormed(results);
        const fileProblems = results.filter((r) => r.rowNumber === 0);
        expect(fileProblems, JSON.stringify(fileProblems)).toHaveLength(0);
        expect(results.map((r) => r.rowNumber)).toEqual(lines.map((_, i) => i + 1));
        lines.forEach((l, i) => {
          if ('o' in l) expect(results[i]).toMatchObject({ fields: l.o });
        });
      }),
      { numRuns: 200 },
    );
  });
});
