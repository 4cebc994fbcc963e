import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeText, detectUtf16, guessUtf8OrGb18030 } from '../../../functions/core/ingest/decode.ts';
import { readRows } from '../../../functions/core/ingest/read-rows.ts';
import { chunked, read } from './helpers.ts';

const CSV = '手机号码,顾客姓名,地址\n13812345678,张三,"上海市徐汇区, 漕溪北路"\n13912345678,李四,北京市朝阳区\n';
const EXPECTED = [
  { 手机号码: '13812345678', 顾客姓名: '张三', 地址: '上海市徐汇区, 漕溪北路' },
  { 手机号码: '13912345678', 顾客姓名: '李四', 地址: '北京市朝阳区' },
];

function utf16be(s: string): Buffer {
  const le = Buffer.from(s, 'utf16le');
  return Buffer.from(le.swap16());
}

describe('encodings', () => {
  const cases: Array<[string, Buffer, string, boolean]> = [
    ['UTF-8', Buffer.from(CSV, 'utf8'), 'utf8', false],
    ['UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CSV)]), 'utf8', true],
    ['GBK (no BOM)', iconv.encode(CSV, 'gbk'), 'gb18030', false],
    ['UTF-16LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CSV, 'utf16le')]), 'utf16le', true],
    ['UTF-16LE without BOM', Buffer.from(CSV, 'utf16le'), 'utf16le', false],
    ['UTF-16BE with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(CSV)]), 'utf16be', true],
    ['UTF-16BE without BOM', utf16be(CSV), 'utf16be', false],
  ];
  for (const [label, bytes, encoding, bom] of cases) {
    it(`detects ${label}`, async () => {
      for (const size of [1, 3, 4096]) {
        const r = await read(bytes, { fileName: 'x.csv' }, size);
        expect(r.problems, `${label} / chunk ${size}`).toEqual([]);
        expect(r.fields, `${label} / chunk ${size}`).toEqual(EXPECTED);
        expect(r.info, `${label} / chunk ${size}`).toMatchObject({ encoding, bom });
      }
    });
  }

  it('reads GB18030 characters that GBK lacks (four-byte sequences)', async () => {
    const text = '姓名,手机\n𠀾先生,13812345678\n';
    const r = await read(iconv.encode(text, 'gb18030'), { fileName: 'x.csv' }, 5);
    expect(r.fields).toEqual([{ 姓名: '𠀾先生', 手机: '13812345678' }]);
  });

  it('decides late: a GBK file whose first 200 KB are ASCII is still read as GBK', async () => {
    const ascii = Array.from({ length: 10_000 }, (_, i) => `${13800000000 + i},customer${i}`).join('\n');
    const text = `phone,name\n${ascii}\n13912345678,王五\n`;
    const r = await read(iconv.encode(text, 'gbk'), { fileName: 'x.csv' }, 8192);
    expect(r.fields).toHaveLength(10_001);
    expect(r.fields.at(-1)).toEqual({ phone: '13912345678', name: '王五' });
    expect(r.info?.encoding).toBeUndefined(); // not known yet when the header was read…
  });

  it('a configured encoding is used; a BOM still wins over it', async () => {
    const gbk = iconv.encode(CSV, 'gbk');
    expect((await read(gbk, { fileName: 'x.csv', encoding: 'gbk' })).fields).toEqual(EXPECTED);
    // Forcing UTF-8 on GBK bytes gives replacement characters, proving the setting is obeyed.
    expect(JSON.stringify((await read(gbk, { fileName: 'x.csv', encoding: 'utf8' })).fields)).toContain('\ufffd');
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CSV)]);
    expect((await read(withBom, { fileName: 'x.csv', encoding: 'gb18030' })).fields).toEqual(EXPECTED);
  });

  it('detection helpers', () => {
    expect(detectUtf16(Buffer.from('a,b\n1,2\n', 'utf16le'))).toBe('utf16le');
    expect(detectUtf16(utf16be('a,b\n1,2\n'))).toBe('utf16be');
    expect(detectUtf16(Buffer.from('a,b\n1,2\n'))).toBeUndefined();
    expect(guessUtf8OrGb18030(Buffer.from('张三'), true)).toBe('utf8');
    expect(guessUtf8OrGb18030(iconv.encode('张三李四', 'gbk'), true)).toBe('gb18030');
    // A UTF-8 sample cut in the middle of a character is still UTF-8.
    expect(guessUtf8OrGb18030(Buffer.from('张三').subarray(0, 4), false)).toBe('utf8');
  });

  it('decodeText keeps multi-byte characters whole across 1-byte chunks', async () => {
    const { text } = await decodeText(
      (async function* () {
        for await (const c of chunked(Buffer.from('ab张三cd'), 1)) yield Buffer.from(c);
      })(),
    );
    let s = '';
    for await (const t of text) s += t;
    expect(s).toBe('ab张三cd');
  });
});

describe('gzip', () => {
  it('unwraps gzip by magic bytes, with or without a .gz name', async () => {
    const gz = gzipSync(iconv.encode(CSV, 'gbk'));
    for (const fileName of ['x.csv.gz', 'x.csv', 'upload.bin']) {
      const r = await read(gz, { fileName }, 100);
      expect(r.fields, fileName).toEqual(EXPECTED);
      expect(r.info?.gzip, fileName).toBe(true);
    }
  });

  it('reads concatenated gzip members as one file', async () => {
    const gz = Buffer.concat([gzipSync('a,b\n1,2\n'), gzipSync('3,4\n')]);
    expect((await read(gz, { fileName: 'x.csv.gz' })).fields).toEqual([
      { a: '1', b: '2' },
      { a: '3', b: '4' },
    ]);
  });

  it('a truncated gzip keeps the rows read so far and ends with file.corrupt', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `${i},name${i}`).join('\n');
    const gz = gzipSync(`id,name\n${lines}\n`);
    const r = await read(gz.subarray(0, Math.floor(gz.length * 0.6)), { fileName: 'x.csv.gz' }, 4096);
    expect(r.fields.length).toBeGreaterThan(1000);
    expect(r.fields.length).toBeLessThan(20_000);
    expect(r.fields[0]).toEqual({ id: '0', name: 'name0' });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ rowNumber: 0, code: 'file.corrupt' });
    expect(r.problems[0]!.message).toMatch(/gzip/);
  });

  it('an empty gzip is an empty file', async () => {
    expect((await read(gzipSync(''), { fileName: 'x.csv.gz' })).problems).toMatchObject([{ code: 'file.empty' }]);
  });

  it('errors of the input stream itself are thrown, not reported as file problems', async () => {
    async function* failing() {
      yield Buffer.from('a,b\n1,2\n');
      throw new Error('socket hang up');
    }
    const seen: unknown[] = [];
    await expect(
      (async () => {
        for await (const r of readRows(failing(), { fileName: 'x.csv' })) seen.push(r);
      })(),
    ).rejects.toThrow('socket hang up');
    async function* failingGz() {
      yield gzipSync('a,b\n1,2\n').subarray(0, 10);
      throw new Error('connection reset');
    }
    await expect(
      (async () => {
        for await (const r of readRows(failingGz(), { fileName: 'x.csv.gz' })) seen.push(r);
      })(),
    ).rejects.toThrow('connection reset');
  });
});
