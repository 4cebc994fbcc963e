/**
 * Test files as companies send them: the same customer rows written as CSV (UTF-8 with BOM, GBK,
 * `;`-delimited), UTF-16LE TSV, XLSX, JSON, NDJSON and gzip; and a streamed N-row CSV for the
 * import benchmark (written line by line, never held in memory).
 *
 * Rows are deterministic: row i has record id `<prefix><i>` and a valid, distinct Chinese mobile
 * number `phoneOf(i)` (assigned 13x/15x/18x ranges), so a test knows exactly what must be stored.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';

const PREFIXES = ['138', '139', '186', '150', '137', '188', '159', '135', '136', '187', '158', '152'];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀英', '华', '慧'];
const CITIES = ['北京市朝阳区建国路88号', '上海市浦东新区世纪大道100号', '广州市天河区体育西路1号', '深圳市南山区科技园南路2号', '杭州市西湖区文三路90号', '成都市武侯区人民南路四段3号'];
const WRITTEN = [
  (d: string) => d,
  (d: string) => `${d.slice(0, 3)}-${d.slice(3, 7)}-${d.slice(7)}`,
  (d: string) => `+86 ${d.slice(0, 3)} ${d.slice(3, 7)} ${d.slice(7)}`,
  (d: string) => `86${d}`,
];

/** A valid, distinct 11-digit mainland mobile for every i < 100,000,000 × prefixes. */
export function phoneOf(i: number): string {
  const prefix = PREFIXES[i % PREFIXES.length];
  // A bijection on 0..99,999,999 (multiplier coprime to 10^8), so numbers look random and never repeat.
  const tail = (Math.floor(i / PREFIXES.length) * 7_919_317 + 12_345_678) % 100_000_000;
  return prefix + String(tail).padStart(8, '0');
}

/** +86 E.164 of phoneOf(i). */
export const e164Of = (i: number) => `+86${phoneOf(i)}`;

export interface Customer {
  id: string;
  name: string;
  phone: string;
  email: string;
  gender: string;
  birthday: string;
  address: string;
}

/** Common surnames and given-name characters for distinctCustomer: ~390,000 names, a fifth of people with a one-character given name. */
const MORE_SURNAMES = [...SURNAMES, ...'何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛'];
const GIVEN_CHARS = [...'伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华慧建国文红梅玉兰萍鹏辉宇飞斌浩凯秀云雪琳晶颖婷欣怡佳子晨阳博睿雨嘉思涵轩泽昊然一诗瑶宁峰波海林志俊亮东洁倩琴燕春'];

/** A fixed bijective scramble of i, so the fields derived from it do not move in step with i. */
function scramble(i: number, salt: number): number {
  let h = Math.imul(i ^ salt, 0x9e3779b1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

/**
 * A customer base of distinct people as a real one has them: names drawn from ~390,000 (common
 * one-character given names repeat, as 王伟 and 李娜 do), birth dates, house numbers and e-mails that do not
 * move in step with the name. customer(i) shares 80 names, 45 birth years and 6 addresses among
 * everyone, so under the matching rules distinct people with the same name and address look like one.
 */
export function distinctCustomer(i: number, prefix = 'r'): Customer {
  const c = customer(i, prefix);
  const n = scramble(i, 0x5bd1e995);
  const given = GIVEN_CHARS[(n >>> 8) % GIVEN_CHARS.length]! + (n % 5 === 0 ? '' : GIVEN_CHARS[(n >>> 20) % GIVEN_CHARS.length]!);
  const b = scramble(i, 0x27d4eb2f);
  const born = new Date(Date.UTC(1950, 0, 1) + (b % (56 * 365)) * 86_400_000).toISOString().slice(0, 10);
  const a = scramble(i, 0x165667b1);
  const street = c.address.replace(/\d+号$/, '');
  return {
    ...c,
    name: MORE_SURNAMES[(n >>> 3) % MORE_SURNAMES.length]! + given,
    birthday: born,
    email: i % 3 === 0 ? `u${scramble(i, 0x3c6ef372).toString(36)}@example.com` : '',
    address: `${street}${1 + (a % 997)}号${1 + ((a >>> 10) % 31)}栋${100 + ((a >>> 15) % 29)}室`,
  };
}

export function customer(i: number, prefix = 'r'): Customer {
  const name = SURNAMES[i % SURNAMES.length] + GIVEN[(i * 7) % GIVEN.length];
  const y = 1960 + (i % 45);
  const m = 1 + (i % 12);
  const d = 1 + (i % 28);
  return {
    id: `${prefix}${i}`,
    name,
    phone: WRITTEN[i % WRITTEN.length](phoneOf(i)),
    email: i % 3 === 0 ? `user${i}@example.com` : '',
    gender: i % 2 ? '男' : '女',
    birthday: `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
    address: CITIES[i % CITIES.length],
  };
}

export function customers(n: number, prefix = 'r', from = 0): Customer[] {
  return Array.from({ length: n }, (_, k) => customer(from + k, prefix));
}

const ENGLISH = ['id', 'name', 'mobile', 'email', 'gender', 'birthday', 'address'] as const;
const CHINESE = ['客户编号', '姓名', '手机号码', '邮箱', '性别', '生日', '地址'] as const;
const KEYS = ['id', 'name', 'phone', 'email', 'gender', 'birthday', 'address'] as const;

function quote(value: string, delimiter: string): string {
  return /["\r\n]/.test(value) || value.includes(delimiter) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function delimited(rows: Customer[], opts: { delimiter?: string; headers?: 'english' | 'chinese' } = {}): string {
  const delimiter = opts.delimiter ?? ',';
  const header = (opts.headers === 'chinese' ? CHINESE : ENGLISH).join(delimiter);
  return [header, ...rows.map((r) => KEYS.map((k) => quote(r[k], delimiter)).join(delimiter))].join('\r\n') + '\r\n';
}

export const utf8Bom = (text: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
export const gbk = (text: string) => iconv.encode(text, 'gbk');
/** UTF-16LE with its BOM, as Excel's "Unicode text" export writes it. */
export const utf16le = (text: string) => iconv.encode(text, 'utf16le', { addBOM: true });
export const gzip = (data: string | Buffer) => gzipSync(data);

/** An XLSX with English headers; phones of odd rows are stored as numbers, as Excel does when a column is typed. */
export async function xlsx(rows: Customer[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Customers');
  sheet.addRow(['ID', 'Name', 'Phone', 'Email', 'Birthday']);
  rows.forEach((r, k) => {
    const digits = r.phone.replace(/\D/g, '').replace(/^86(?=1\d{10}$)/, '');
    sheet.addRow([r.id, r.name, k % 2 ? Number(digits) : r.phone, r.email || null, new Date(`${r.birthday}T00:00:00Z`)]);
  });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export const jsonArray = (rows: Customer[]) => JSON.stringify(rows.map((r) => ({ id: r.id, name: r.name, phone: r.phone, email: r.email })), null, 2);

/** Nested orders: the phone is at `customer.mobile`, the id at `order.id`. */
export const nestedNdjson = (rows: Customer[]) =>
  rows
    .map((r, k) => JSON.stringify({ order: { id: r.id, items: [{ sku: `sku-${k}`, category: 'tea' }] }, customer: { mobile: r.phone, fullName: r.name, contact: { email: r.email } } }))
    .join('\n') + '\n';

/** Streams an N-row UTF-8 CSV of realistic customers `from`…`from + n - 1` to `path`; returns its size in bytes. */
export async function writeCustomerCsv(path: string, n: number, prefix = 'b', from = 0, make: (i: number, prefix: string) => Customer = customer): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(ENGLISH.join(',') + '\n');
  const LINES = 1000;
  for (let i = from; i < from + n; i += LINES) {
    let chunk = '';
    for (let j = i; j < Math.min(from + n, i + LINES); j++) {
      const r = make(j, prefix);
      chunk += KEYS.map((k) => quote(r[k], ',')).join(',') + '\n';
    }
    await write(chunk);
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}
