import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { read } from './helpers.ts';

async function customersWorkbook(opts: { date1904?: boolean } = {}): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  if (opts.date1904) wb.properties.date1904 = true;
  wb.addWorksheet('Cover').addRow(['Customer export', 'generated 2024-04-01']);
  const ws = wb.addWorksheet('Customers');
  ws.addRow(['Full Name', 'Mobile', 'Birthday', 'Amount', 'Note', 'Doubled', 'Joined', 'VIP']);
  ws.addRow([
    'Ann Lee',
    13812345678,
    new Date(Date.UTC(1990, 4, 1)),
    12.5,
    { richText: [{ text: 'VIP ' }, { font: { bold: true }, text: 'gold' }] },
    { formula: 'D2*2', result: 25 },
    { formula: 'DATE(2020,1,2)', result: 43832 },
    true,
  ]);
  ws.getCell('C2').numFmt = 'yyyy-mm-dd';
  ws.getCell('G2').numFmt = 'yyyy-mm-dd';
  ws.addRow([]); // an empty row: not a data row
  ws.addRow(['Bob', '13912345678', '1985/03/04', 7, { text: 'site', hyperlink: 'https://example.com' }, { error: '#N/A' }, null, false]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('XLSX', () => {
  it('reads the configured sheet with English headers, dates as Dates and numbers as numbers', async () => {
    const r = await read(await customersWorkbook(), { fileName: 'customers.xlsx', sheet: 'customers' }, 1000);
    expect(r.problems).toEqual([]);
    expect(r.info).toMatchObject({ format: 'xlsx', headers: ['Full Name', 'Mobile', 'Birthday', 'Amount', 'Note', 'Doubled', 'Joined', 'VIP'] });
    expect(r.rows).toEqual([
      {
        rowNumber: 1,
        line: 2,
        fields: {
          'Full Name': 'Ann Lee',
          Mobile: 13812345678,
          Birthday: new Date('1990-05-01T00:00:00.000Z'),
          Amount: 12.5,
          Note: 'VIP gold',
          Doubled: 25,
          Joined: new Date('2020-01-02T00:00:00.000Z'),
          VIP: true,
        },
      },
      {
        rowNumber: 2,
        line: 4,
        fields: { 'Full Name': 'Bob', Mobile: '13912345678', Birthday: '1985/03/04', Amount: 7, Note: 'site', Doubled: '', Joined: '', VIP: false },
      },
    ]);
  });

  it('reads the first sheet by default, and says which sheets exist when the configured one does not', async () => {
    const book = await customersWorkbook();
    const first = await read(book, { fileName: 'c.xlsx' });
    expect(first.info?.headers).toEqual(['Customer export', 'generated 2024-04-01']);
    expect(first.rows).toEqual([]);
    const missing = await read(book, { fileName: 'c.xlsx', sheet: 'Orders' });
    expect(missing.problems).toEqual([
      { rowNumber: 0, code: 'file.sheet_not_found', message: 'the workbook has no sheet named "Orders" (it has: "Cover", "Customers")', raw: undefined, line: undefined },
    ]);
  });

  it('honours the 1904 date system', async () => {
    const r = await read(await customersWorkbook({ date1904: true }), { fileName: 'c.xlsx', sheet: 'Customers' });
    expect(r.fields[0]!.Birthday).toEqual(new Date('1990-05-01T00:00:00.000Z'));
  });

  it('skips sheets before the configured one without leaving exceljs a temporary file to trip on', async () => {
    // exceljs spools sheets that come before the shared strings to temporary files; a skipped
    // sheet left unread used to surface as an uncaught ENOENT once exceljs deleted its file.
    const wb = new ExcelJS.Workbook();
    for (let i = 0; i < 30; i++) wb.addWorksheet(`Cover ${i}`).addRow(['notes', 'page']);
    const ws = wb.addWorksheet('Customers');
    ws.addRow(['Mobile']);
    ws.addRow(['13812345678']);
    const file = Buffer.from(await wb.xlsx.writeBuffer());
    for (let k = 0; k < 20; k++) {
      const r = await read(file, { fileName: 'c.xlsx', sheet: 'Customers' });
      expect(r.fields).toEqual([{ Mobile: '13812345678' }]);
    }
  });

  it('skipRows skips title rows; the line is the sheet row number', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('POS');
    ws.addRow(['2024年3月 门店销售']);
    ws.addRow([]);
    ws.addRow(['会员手机', '金额']);
    ws.addRow([13812345678, 99.5]);
    const r = await read(Buffer.from(await wb.xlsx.writeBuffer()), { fileName: 'pos.xlsx', skipRows: 2 });
    expect(r.rows).toEqual([{ rowNumber: 1, line: 4, fields: { 会员手机: 13812345678, 金额: 99.5 } }]);
  });

  it('keeps Chinese text whole whatever the chunk boundaries (exceljs decodes chunks one by one)', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('会员');
    ws.addRow(['顾客姓名', '手机号码', '联系地址']);
    const names = Array.from({ length: 300 }, (_, i) => `张${'三四五六七八九'[i % 7]}${i}号顾客`);
    names.forEach((n, i) => ws.addRow([n, `1380000${String(i).padStart(4, '0')}`, `上海市徐汇区漕溪北路${i}弄`]));
    const book = Buffer.from(await wb.xlsx.writeBuffer());
    for (const size of [7, 1000, 65536]) {
      const r = await read(book, { fileName: 'm.xlsx', sheet: '会员' }, size);
      expect(JSON.stringify(r.rows), `chunk ${size}`).not.toContain('\ufffd');
      expect(r.fields.map((f) => f.顾客姓名), `chunk ${size}`).toEqual(names);
      expect(r.fields[299]!.联系地址).toBe('上海市徐汇区漕溪北路299弄');
    }
  });

  it('reads a file from the streaming writer (sheet stored before the shared strings)', async () => {
    const sink = new PassThrough();
    const parts: Buffer[] = [];
    sink.on('data', (c: Buffer) => parts.push(c));
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useSharedStrings: true, useStyles: true });
    const ws = wb.addWorksheet('Data');
    ws.addRow(['phone', 'name', 'when']).commit();
    for (let i = 0; i < 500; i++) {
      const row = ws.addRow([13800000000 + i, `name ${i % 7}`, new Date(Date.UTC(2024, 0, 1 + (i % 28)))]);
      row.getCell(3).numFmt = 'yyyy-mm-dd';
      row.commit();
    }
    ws.commit();
    await wb.commit();
    const r = await read(Buffer.concat(parts), { fileName: 'big.xlsx' }, 4096);
    expect(r.problems).toEqual([]);
    expect(r.fields).toHaveLength(500);
    expect(r.fields[499]).toEqual({ phone: 13800000499, name: 'name 2', when: new Date(Date.UTC(2024, 0, 24)) });
  });

  it('gzipped XLSX, and XLSX recognized by its zip signature whatever the name', async () => {
    const book = await customersWorkbook();
    expect((await read(gzipSync(book), { fileName: 'c.xlsx.gz', sheet: 'Customers' })).fields).toHaveLength(2);
    expect((await read(book, { fileName: 'upload.bin', sheet: 'Customers' })).fields).toHaveLength(2);
  });

  it('file problems: corrupt zip, not a zip, legacy .xls, header that is data, no rows', async () => {
    const book = await customersWorkbook();
    const cut = await read(book.subarray(0, 2000), { fileName: 'c.xlsx', sheet: 'Customers' });
    expect(cut.problems).toMatchObject([{ rowNumber: 0, code: 'file.corrupt' }]);
    expect((await read('a,b\n1,2\n', { fileName: 'c.xlsx' })).problems).toMatchObject([{ rowNumber: 0, code: 'file.corrupt' }]);
    const ole = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]);
    expect((await read(ole, { fileName: 'old.xls' })).problems).toMatchObject([{ rowNumber: 0, code: 'file.unsupported_format' }]);

    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('S').addRow([13812345678, 'Ann']);
    wb.addWorksheet('Empty');
    const noHeader = await read(Buffer.from(await wb.xlsx.writeBuffer()), { fileName: 'n.xlsx' });
    expect(noHeader.problems).toMatchObject([{ rowNumber: 0, code: 'file.no_header' }]);
    const empty = await read(Buffer.from(await wb.xlsx.writeBuffer()), { fileName: 'n.xlsx', sheet: 'Empty' });
    expect(empty.problems).toMatchObject([{ rowNumber: 0, code: 'file.empty' }]);
  });
});
