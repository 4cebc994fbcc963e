import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvTokenizer, sniffDelimiter } from '../../../functions/core/ingest/csv.ts';
import { read } from './helpers.ts';

describe('CSV and TSV', () => {
  it('reads a plain UTF-8 CSV, numbering data rows from 1 (header not counted) with the physical line', async () => {
    const r = await read('id,name,phone\n1,Ann,13812345678\n2,Bob,13912345678\n', { fileName: 'a.csv' });
    expect(r.problems).toEqual([]);
    expect(r.info).toMatchObject({ format: 'csv', delimiter: ',', encoding: 'utf8', bom: false, headers: ['id', 'name', 'phone'] });
    expect(r.rows).toEqual([
      { rowNumber: 1, line: 2, fields: { id: '1', name: 'Ann', phone: '13812345678' } },
      { rowNumber: 2, line: 3, fields: { id: '2', name: 'Bob', phone: '13912345678' } },
    ]);
  });

  it('strips a UTF-8 BOM so the first header is clean', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('手机,姓名\n13812345678,张三\n')]);
    const r = await read(bytes, { fileName: 'bom.csv' }, 1);
    expect(r.info).toMatchObject({ bom: true, encoding: 'utf8' });
    expect(r.fields).toEqual([{ 手机: '13812345678', 姓名: '张三' }]);
  });

  it('sniffs ";" even when values contain commas', async () => {
    const r = await read('name;amount;city\nAnn;1,50;Paris\nBob;2,75;Lyon\n', { fileName: 'eu.csv' });
    expect(r.info?.delimiter).toBe(';');
    expect(r.fields[1]).toEqual({ name: 'Bob', amount: '2,75', city: 'Lyon' });
  });

  it('reads tab-separated files: .tsv by extension, .txt and unnamed by sniffing', async () => {
    const text = 'name\tphone\tnote\nAnn\t138\ta, b; c\nBob\t139\t"quoted\ttab"\n';
    for (const fileName of ['t.tsv', 't.txt', 'upload']) {
      const r = await read(text, { fileName });
      expect(r.info?.delimiter, fileName).toBe('\t');
      expect(r.fields, fileName).toEqual([
        { name: 'Ann', phone: '138', note: 'a, b; c' },
        { name: 'Bob', phone: '139', note: 'quoted\ttab' },
      ]);
    }
    expect((await read('a|b\n1|2\n', { fileName: 'p.txt' })).fields).toEqual([{ a: '1', b: '2' }]);
  });

  it('honours a configured delimiter over sniffing', async () => {
    const r = await read('a;b,c\n1;2,3\n', { fileName: 'x.csv', delimiter: ',' });
    expect(r.fields).toEqual([{ 'a;b': '1;2', c: '3' }]);
  });

  it('handles quoted fields with delimiters, doubled quotes and embedded newlines (LF and CRLF)', async () => {
    const text =
      'id,note,phone\r\n' +
      '1,"line one\r\nline two, with comma",138\r\n' +
      '2,"say ""hi""\nand bye",139\r\n' +
      '3,  "spaced quote" ,137\r\n' +
      '4,"Big" Bob,136\r\n' +
      '5,plain "inner" quotes,135';
    const r = await read(text, { fileName: 'q.csv' }, 5);
    expect(r.problems).toEqual([]);
    expect(r.rows.map((x) => ('fields' in x ? [x.rowNumber, x.line, x.fields.note] : x))).toEqual([
      [1, 2, 'line one\r\nline two, with comma'],
      [2, 4, 'say "hi"\nand bye'],
      [3, 6, 'spaced quote'],
      [4, 7, '"Big" Bob'],
      [5, 8, 'plain "inner" quotes'],
    ]);
  });

  it('an unclosed quote in the middle spoils only its own row: the rows before and after come out', async () => {
    const text = 'id,name,phone\n1,Ann,138\n2,"Bob,139\n3,Cat,137\n4,Dan,"136"\n5,Eve,135\n';
    const r = await read(text, { fileName: 'broken.csv' });
    expect(r.fields.map((f) => f.id)).toEqual(['1', '3', '4', '5']);
    expect(r.fields[2]).toEqual({ id: '4', name: 'Dan', phone: '136' });
    expect(r.problems).toEqual([
      { rowNumber: 2, line: 3, code: 'row.malformed', message: 'row 2 (line 3): unclosed quote in field 2', raw: '2,"Bob,139' },
    ]);
    // Rows keep their numbers: the bad row is row 2, the next good one row 3.
    expect(r.rows.map((x) => x.rowNumber)).toEqual([1, 2, 3, 4, 5]);
  });

  it('an unclosed quote with no other quote after it does not swallow the rest of the file', async () => {
    const r = await read('id,name\n1,Ann\n2,"Bob\n3,Cat\n4,Dan\n', { fileName: 'x.csv' });
    expect(r.fields.map((f) => f.name)).toEqual(['Ann', 'Cat', 'Dan']);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ rowNumber: 2, code: 'row.malformed' });
    expect(r.problems[0]!.message).toContain('row 2 (line 3)');
  });

  it('an unclosed quote on the last line is one problem', async () => {
    const r = await read('id,name\n1,Ann\n2,"Bob', { fileName: 'x.csv' });
    expect(r.fields).toEqual([{ id: '1', name: 'Ann' }]);
    expect(r.problems).toMatchObject([{ rowNumber: 2, code: 'row.malformed', message: 'row 2 (line 3): unclosed quote in field 2' }]);
  });

  it('a row with the wrong number of fields is a problem naming the counts; trailing empty fields are tolerated', async () => {
    const r = await read('a,b,c\n1,2,3\n1,2\n1,2,3,4\n1,2,3,,\n7,8,9\n', { fileName: 'x.csv' });
    expect(r.fields).toEqual([
      { a: '1', b: '2', c: '3' },
      { a: '1', b: '2', c: '3' },
      { a: '7', b: '8', c: '9' },
    ]);
    expect(r.problems.map((p) => p.message)).toEqual([
      'row 2 (line 3): it has 2 fields but the header has 3',
      'row 3 (line 4): it has 4 fields but the header has 3',
    ]);
    expect(r.problems.map((p) => p.raw)).toEqual(['1,2', '1,2,3,4']);
  });

  it('skips blank lines and all-empty rows without counting them', async () => {
    const r = await read('a,b\n\n1,2\n,\n  \n3,4\n\n', { fileName: 'x.csv' });
    expect(r.rows.map((x) => [x.rowNumber, x.line])).toEqual([
      [1, 3],
      [2, 6],
    ]);
  });

  it('skipRows drops title lines above the header and keeps physical line numbers', async () => {
    const r = await read('门店销售报表 2024-03\n导出时间: 2024-04-01\n手机,金额\n13812345678,10\n', { fileName: 'x.csv', skipRows: 2 });
    expect(r.info?.headers).toEqual(['手机', '金额']);
    expect(r.rows).toEqual([{ rowNumber: 1, line: 4, fields: { 手机: '13812345678', 金额: '10' } }]);
  });

  it('names blank and repeated headers', async () => {
    const r = await read('电话,,电话,name\n1,2,3,4\n', { fileName: 'x.csv' });
    expect(r.info?.headers).toEqual(['电话', 'column_2', '电话_2', 'name']);
    expect(r.fields[0]).toEqual({ 电话: '1', column_2: '2', 电话_2: '3', name: '4' });
  });

  it('file problems: empty, blank, no header, malformed header', async () => {
    expect((await read('', { fileName: 'e.csv' })).rows).toEqual([{ rowNumber: 0, problem: { code: 'file.empty', message: 'e.csv is empty' } }]);
    expect((await read('\n \r\n\n', { fileName: 'e.csv' })).problems).toMatchObject([{ rowNumber: 0, code: 'file.empty' }]);
    const noHeader = await read('13812345678,张三\n13912345678,李四\n', { fileName: 'n.csv' });
    expect(noHeader.problems).toHaveLength(1);
    expect(noHeader.problems[0]).toMatchObject({ rowNumber: 0, code: 'file.no_header' });
    expect(noHeader.problems[0]!.message).toContain('13812345678');
    expect(noHeader.fields).toEqual([]);
    const badHeader = await read('"name,phone\n1,2\n', { fileName: 'h.csv' });
    expect(badHeader.problems).toMatchObject([{ rowNumber: 0, code: 'file.no_header' }]);
    // A header alone is not a problem: the file simply has no rows.
    expect((await read('name,phone\n', { fileName: 'h.csv' })).rows).toEqual([]);
  });

  it('a long run of blank lines before the header is not an empty file', async () => {
    const r = await read(`${'\n'.repeat(70_000)}a;b\n1;2\n`, { fileName: 'x.csv' }, 4096);
    expect(r.problems).toEqual([]);
    expect(r.rows).toEqual([{ rowNumber: 1, line: 70_002, fields: { a: '1', b: '2' } }]);
  });

  it('a line longer than the limit is one problem and reading goes on', async () => {
    const long = 'x'.repeat(5000);
    const r = await read(`a,b\n1,2\n${long},3\n4,5\n`, { fileName: 'x.csv', limits: { maxRecordChars: 1000 } }, 300);
    expect(r.fields).toEqual([
      { a: '1', b: '2' },
      { a: '4', b: '5' },
    ]);
    expect(r.problems).toMatchObject([{ rowNumber: 2, line: 3, code: 'row.malformed' }]);
    expect(r.problems[0]!.message).toContain('longer than 1000 characters');
  });

  it('a runaway quote is cut at the limit: its first line is the problem, later lines still come out', async () => {
    const body = Array.from({ length: 200 }, (_, i) => `${i + 3},name${i}`).join('\n');
    const r = await read(`id,name\n1,ok\n2,"open\n${body}\n`, { fileName: 'x.csv', limits: { maxRecordChars: 500 } }, 64);
    expect(r.problems).toMatchObject([{ rowNumber: 2, line: 3, code: 'row.malformed' }]);
    expect(r.fields).toHaveLength(201);
    expect(r.fields.at(-1)).toEqual({ id: '202', name: 'name199' });
  });

  it('gives the same rows whatever the chunk boundaries', async () => {
    const text = 'id,note,phone\r\n1,"a,b\r\nc ""q""",138\r\n2,x,139\r\n3,"bad,1\r\n4,y,"136"\r\n5,\u4e2d\u6587,135\r';
    const whole = await read(text, { fileName: 'x.csv' }, 1 << 20);
    expect(whole.fields).toHaveLength(4);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), async (size) => {
        const r = await read(text, { fileName: 'x.csv' }, size);
        expect(r.rows).toEqual(whole.rows);
      }),
      { numRuns: 40 },
    );
  });
});

describe('CsvTokenizer and sniffDelimiter', () => {
  it('keeps header width from the first non-empty record, ignoring trailing empty header cells', () => {
    const t = new CsvTokenizer({ delimiter: ',' });
    const items = [...t.feed('a,b,\n1,2\n1,2,\n'), ...t.end()];
    expect(t.expectedColumns).toBe(2);
    expect(items.map((i) => i.kind)).toEqual(['record', 'record', 'record']);
  });

  it('picks the consistent candidate', () => {
    expect(sniffDelimiter('a,b,c\n1,2,3\n')).toBe(',');
    expect(sniffDelimiter('a;b;c\n1;2,5;3\n')).toBe(';');
    expect(sniffDelimiter('a|b\n1|2\n')).toBe('|');
    expect(sniffDelimiter('"a;x",b\n"1;2",3\n')).toBe(',');
    expect(sniffDelimiter('single\n1\n')).toBe(',');
  });
});
