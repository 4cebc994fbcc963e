import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { withDetectedMapping } from '../../../functions/core/ingest/headers.ts';
import { getPath, idText, mapRow, type MappedRow } from '../../../functions/core/ingest/map-row.ts';
import { parseSourceConfig, type SourceConfig } from '../../../functions/core/ingest/source-config.ts';
import { read } from './helpers.ts';

const EXAMPLES = join(import.meta.dirname, '../../../examples/sources');
const example = (f: string) => parseSourceConfig(JSON.parse(readFileSync(join(EXAMPLES, f), 'utf8')));
const ctx = { fileName: 'f.csv', rowNumber: 7 };

function mapped(fields: Record<string, unknown>, config: SourceConfig, c = ctx): MappedRow {
  const r = mapRow(fields, config, c);
  if ('problem' in r) throw new Error(r.problem.message);
  return r;
}

describe('getPath', () => {
  const obj = { order: { id: 'A1', items: [{ category: 'shoes' }, { category: 'bags' }] }, 'odd.key': 1, 'No.': 'n', 'a.b': 'flat', a: { b: 'nested' } };
  it('walks dots and indexes', () => {
    expect(getPath(obj, 'order.items[0].category')).toBe('shoes');
    expect(getPath(obj, 'order.items[-1].category')).toBe('bags');
    expect(getPath(obj, 'order.items.1.category')).toBe('bags');
    expect(getPath(obj, '$.order.id')).toBe('A1');
    expect(getPath(obj, '["odd.key"]')).toBe(1);
    expect(getPath(obj, 'order.items[5].category')).toBeUndefined();
    expect(getPath(obj, 'order.id.length')).toBeUndefined();
    expect(getPath(obj, 'order.items[x]')).toBeUndefined();
  });
  it('prefers a key that exists exactly as written (column names with dots)', () => {
    expect(getPath(obj, 'No.')).toBe('n');
    expect(getPath(obj, 'a.b')).toBe('flat');
  });
  it('never reads inherited properties', () => {
    expect(getPath({}, 'constructor')).toBeUndefined();
    expect(getPath({ a: {} }, 'a.__proto__')).toBeUndefined();
    expect(getPath({ a: [] }, 'a.length')).toBeUndefined();
  });
});

describe('mapRow', () => {
  const base = parseSourceConfig({ name: 'crm', recordId: 'ID', fields: { phone: ['手机', '电话'], phones: '其他号码', name: '姓名', birthDate: '生日', memberId: '会员号' } });

  it('uses the configured record id, else <file>#<row>', () => {
    expect(mapped({ ID: ' C-001 ', 手机: '138' }, base).recordId).toBe('C-001');
    expect(mapped({ ID: '', 手机: '138' }, base).recordId).toBe('f.csv#7');
    expect(mapped({ 手机: '138' }, parseSourceConfig({ name: 'x', fields: { phone: '手机' } })).recordId).toBe('f.csv#7');
    expect(mapped({ ID: 1001 }, base).recordId).toBe('1001');
  });

  it('trims identity values; first non-empty phone is primary, the others go to phones', () => {
    const r = mapped({ ID: '1', 手机: '  ', 电话: ' 021-64381234 ', 其他号码: ['13812345678', '021-64381234', ''], 姓名: ' 张三 ' }, base);
    expect(r.identity).toEqual({ phone: '021-64381234', phones: ['13812345678'], name: '张三' });
    const both = mapped({ ID: '1', 手机: '13812345678', 电话: '13912345678' }, base);
    expect(both.identity).toEqual({ phone: '13812345678', phones: ['13912345678'] });
  });

  it('joins several columns into one field: given and family name, a birth date over three columns', () => {
    const config = parseSourceConfig({
      name: 'au',
      fields: { phone: 'phone', name: { join: ['given_name', 'surname'] }, birthDate: { join: ['year', 'month', 'day'], separator: '-' }, postcode: 'postcode', areaCode: 'area' },
    });
    expect(mapped({ given_name: ' riley ', surname: 'cowley', year: 1921, month: '04', day: '14', postcode: '0820', area: '08' }, config).identity).toEqual({
      name: 'riley cowley',
      birthDate: '1921-04-14',
      postcode: '0820',
      areaCode: '08',
    });
    expect(mapped({ given_name: '', surname: 'waller' }, config).identity).toEqual({ name: 'waller' }); // empty parts leave no separator behind
    expect(() => parseSourceConfig({ name: 'x', fields: { name: { join: ['given_name'] } } })).toThrow(/fields\.name\.join: expected at least two columns to join/);
  });

  it('turns numbers Excel stored into their digits, without exponent or ".0"', () => {
    const r = mapped({ ID: 12345, 手机: 13812345678, 会员号: 8800012345678, 其他号码: 13912345678.0 }, base);
    expect(r.identity).toEqual({ phone: '13812345678', phones: ['13912345678'], memberId: '8800012345678' });
    expect(mapped({ 手机: '13812345678.0' }, base).identity.phone).toBe('13812345678');
    expect(mapped({ 手机: '1.3812345678E+10' }, base).identity.phone).toBe('13812345678');
    // A display cut to six digits is not a number we can trust: left as is for the cleaner to reject.
    expect(mapped({ 手机: '1.38123E+10' }, base).identity.phone).toBe('1.38123E+10');
    expect(idText('86.0')).toBe('86');
    expect(idText('12.5')).toBe('12.5');
  });

  it('gives Date cells as YYYY-MM-DD for birth dates, ISO otherwise; no other cleaning', () => {
    const r = mapped({ 手机: '138 1234 5678', 生日: new Date(Date.UTC(1990, 4, 1)), 姓名: 'MR. ZHANG' }, base);
    expect(r.identity).toEqual({ phone: '138 1234 5678', birthDate: '1990-05-01', name: 'MR. ZHANG' });
    expect(mapped({ 生日: '1990/5/1' }, base).identity.birthDate).toBe('1990/5/1');
  });

  it('maps extra ids', () => {
    const c = parseSourceConfig({ name: 'x', fields: { phone: 'p' }, externalIds: { openid: 'wx.openid', device_id: 'dev' } });
    expect(mapped({ p: '1', wx: { openid: ' o-1 ' }, dev: '' }, c).identity).toEqual({ phone: '1', externalIds: { openid: 'o-1' } });
  });

  it('fixed tag: every row is that event, attributes read by path', () => {
    const c = parseSourceConfig({
      name: 'pos',
      fields: { phone: '手机' },
      events: { tag: 'purchase', timestamp: '时间', eventId: '流水号', attributes: { order_id: '单号', amount: '金额', quantity: '数量', category: '品类' } },
    });
    const r = mapped({ 手机: '13812345678', 时间: new Date(Date.UTC(2024, 2, 1, 14, 30)), 流水号: 778, 单号: ' T-1 ', 金额: 99.5, 数量: '2', 品类: '' }, c);
    expect(r.event).toEqual({
      tag: 'purchase',
      eventId: '778',
      occurredAt: '2024-03-01T14:30:00.000Z',
      attributes: { order_id: 'T-1', amount: 99.5, quantity: '2' },
    });
  });

  it('native names go through the mapping; unknown names become unmapped:<name>; no name at all is a problem', () => {
    const app = example('app-channel.json');
    const body = (event: string, props: object) => ({ event_id: 'e-1', event, ts: 1711958400000, user: { phone: '13812345678' }, device: { id: 'd-9', os: 'ios' }, props });
    const view = mapped(body('item_detail_view', { item_id: 'SKU1', category: 'shoes' }), app);
    expect(view.event).toEqual({
      tag: 'product_view',
      nativeName: 'item_detail_view',
      eventId: 'e-1',
      occurredAt: '1711958400000',
      attributes: { platform: 'ios', product_id: 'SKU1', category: 'shoes' },
    });
    expect(view.identity).toEqual({ phone: '13812345678', externalIds: { device_id: 'd-9' } });
    expect(mapped(body('add_cart', { item_id: 'SKU1', qty: 2, price: '19.90' }), app).event).toMatchObject({
      tag: 'add_to_cart',
      attributes: { product_id: 'SKU1', quantity: 2, price: '19.90' },
    });
    const paid = mapped(body('pay_success', { order_no: 'O-7', pay_amount: 39.8, currency: 'CNY', items: [{ item_id: 'SKU1', category: 'shoes', qty: 2, price: 19.9 }] }), app);
    expect(paid.event).toMatchObject({
      tag: 'purchase',
      attributes: { order_id: 'O-7', amount: 39.8, currency: 'CNY', product_id: 'SKU1', category: 'shoes', quantity: 2, price: 19.9 },
    });
    expect(mapped(body('PAY_SUCCESS', {}), app).event!.tag).toBe('purchase'); // case-insensitive fallback
    const unknown = mapped(body('share_click', { to: 'wechat' }), app);
    expect(unknown.event).toEqual({ tag: 'unmapped:share_click', nativeName: 'share_click', eventId: 'e-1', occurredAt: '1711958400000', attributes: { platform: 'ios' } });
    const none = mapRow({ user: { phone: '1' } }, app, { fileName: 'webhook', rowNumber: 3 });
    expect(none).toEqual({ problem: { code: 'event.name_missing', message: 'row 3: no event name at "event" and no fixed "events.tag" to fall back on' } });
  });

  it('a config without events gives no event', () => {
    expect(mapped({ 手机: '1' }, base).event).toBeUndefined();
  });
});

describe('end to end: file → rows → mapping', () => {
  it('a GBK POS sheet without a config becomes purchase events', async () => {
    const csv = '小票号,会员手机,顾客姓名,商品名称,品类,数量,单价,金额,下单时间\n' + 'T001,13812345678,张三,运动鞋,鞋类,1,399,399,2024-03-01 10:00\n' + 'T002,13912345678,李四,帆布包,箱包,2,60,120,2024-03-02 11:30\n';
    const r = await read(iconv.encode(csv, 'gbk'), { fileName: 'pos-0301.csv' }, 64);
    const config = withDetectedMapping(parseSourceConfig({ name: 'pos' }), r.info!.headers!);
    const out = r.rows.map((row) => ('fields' in row ? mapped(row.fields, config, { fileName: 'pos-0301.csv', rowNumber: row.rowNumber }) : row));
    expect(out[1]).toEqual({
      recordId: 'pos-0301.csv#2',
      identity: { phone: '13912345678', name: '李四' },
      event: {
        tag: 'purchase',
        occurredAt: '2024-03-02 11:30',
        attributes: { order_id: 'T002', product_name: '帆布包', product_id: '帆布包', category: '箱包', quantity: '2', price: '60', amount: '120' },
      },
    });
  });

  it('a nested NDJSON of orders with the example config', async () => {
    const config = example('mall-orders-ndjson.json');
    const lines = [
      { order: { id: 'M-1', paid_at: '2024-03-01T10:00:00+08:00', total: 399, currency: 'CNY', items: [{ sku: 'S1', category: 'shoes', price: 399, qty: 1 }] }, buyer: { mobile: '13812345678', name: '张三', openid: 'o1' }, shipping: { province: '上海', city: '上海', address: '漕溪北路1号' } },
      { order: { id: 'M-2', items: [] }, buyer: { mobile: 13912345678 } },
    ];
    const r = await read(lines.map((l) => JSON.stringify(l)).join('\n'), { fileName: 'orders.ndjson', format: config.format });
    const [a, b] = r.fields.map((f, i) => mapped(f, config, { fileName: 'orders.ndjson', rowNumber: i + 1 }));
    expect(a).toEqual({
      recordId: 'M-1',
      identity: { phone: '13812345678', name: '张三', address: '漕溪北路1号', province: '上海', city: '上海', externalIds: { openid: 'o1' } },
      event: {
        tag: 'purchase',
        eventId: 'M-1',
        occurredAt: '2024-03-01T10:00:00+08:00',
        attributes: { order_id: 'M-1', product_id: 'S1', category: 'shoes', price: 399, quantity: 1, amount: 399, currency: 'CNY' },
      },
    });
    expect(b).toEqual({ recordId: 'M-2', identity: { phone: '13912345678' }, event: { tag: 'purchase', eventId: 'M-2', attributes: { order_id: 'M-2' } } });
  });

  it('an XLSX with phones stored as numbers maps them to their digits', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Sheet1');
    ws.addRow(['Name', 'Mobile', 'Birthday']);
    ws.addRow(['Ann', 13812345678, new Date(Date.UTC(1990, 4, 1))]);
    ws.getCell('C2').numFmt = 'yyyy/m/d';
    const r = await read(Buffer.from(await wb.xlsx.writeBuffer()), { fileName: 'c.xlsx' });
    const config = withDetectedMapping(parseSourceConfig({ name: 'crm' }), r.info!.headers!);
    expect(mapped(r.fields[0]!, config, { fileName: 'c.xlsx', rowNumber: 1 }).identity).toEqual({ name: 'Ann', phone: '13812345678', birthDate: '1990-05-01' });
  });
});
