/**
 * Messy Chinese multi-channel customer data with known truth, for tests and benchmarks.
 *
 *   generateCustomers({ people: 1000, seed: 7 })
 *     → { records: [{ source, recordId, raw: RawIdentity, personId, observedAt }], people: [...] }
 *   generateCleanRecords({ records: 1_000_000, seed: 1 })
 *     → { records: CleanRecord[], personOf: Int32Array }   // already "cleaned": fast, for benchmarks
 *
 * Deterministic for a seed (own PRNG, no Math.random). What `generateCustomers` puts in:
 * - sources crm, pos, ecommerce, miniprogram, web, each with its own habits (which fields it has);
 * - valid Chinese mobile numbers from assigned prefixes (13x, 145/147, 15x without 154, 166,
 *   17x, 18x, 19x) in mixed formats: `13812345678`, `138-1234-5678`, `138 1234 5678`,
 *   `+86 138 1234 5678`, `8613812345678`, `(+86)13812345678`, `+86-138-1234-5678`, full-width;
 * - a second mobile for ~15% of people, a landline with area code for ~10% (`010-62345678`,
 *   `(021)64123456`, `+86 755 8612 3456`);
 * - e-mail for ~45%, member id for ~35%, a mini-program openid for every miniprogram record;
 * - names: common-name collisions (many different 王伟, 李娜, 张敏 …), traditional-character
 *   variants (王偉), homophone typos (王玮), spaces between characters, honorifics (王伟先生);
 * - birth dates in mixed formats (`1985-03-07`, `1985/3/7`, `19850307`, `1985年3月7日`,
 *   `1985.03.07`) with some day/month transpositions and one-digit typos;
 * - a few store numbers typed by cashiers for many different customers (generic values);
 * - households: a spouse's record carrying the partner's number (same phone, different person);
 * - invalid numbers: 11111111111, 00000000000, 12345678901, masked 138****5678, ten digits.
 */
import OpenCC from 'opencc-js';
import { pinyin } from 'pinyin-pro';
import type { CleanRecord, Gender, RawIdentity } from '../../functions/core/model.ts';

/** sfc32: a small, fast, well-distributed seeded PRNG. `next()` is uniform in [0, 1). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }
  next(): number {
    const a = this.a, b = this.b, c = this.c, d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.c = (r + t) | 0;
    return (t >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ── tables ────────────────────────────────────────────────────────────────────────────────────
// Surnames roughly by frequency (the first ones repeated more often by weightedSurname).
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'.split('');
const COMPOUND_SURNAMES = ['欧阳', '司马', '诸葛', '上官'];
const GIVEN_M = '伟强磊军洋勇杰涛明超刚平辉斌鹏飞建国文志海波宁浩宇轩博俊峰鑫亮成林龙云帆晨昊航哲翔睿毅彬恒坤凯'.split('');
const GIVEN_F = '芳娜敏静丽艳娟秀霞桂英华玉兰萍红婷雪琳晶颖佳欣怡涵梓思雨嘉诗雅瑶晓春梅凤燕玲丹倩莉慧悦彤璐菲蕾薇琪'.split('');
/** Full names shared by many different people: collisions the matcher must not merge. */
const COMMON_NAMES: Array<[string, Gender]> = [
  ['王伟', 'M'], ['李娜', 'F'], ['张伟', 'M'], ['王芳', 'F'], ['李伟', 'M'], ['张敏', 'F'], ['李静', 'F'], ['王静', 'F'],
  ['刘伟', 'M'], ['王秀英', 'F'], ['张丽', 'F'], ['李强', 'M'], ['王磊', 'M'], ['刘洋', 'M'], ['陈静', 'F'], ['杨勇', 'M'],
];
/** Characters a pinyin input method confuses (same syllable). */
const HOMOPHONES: Record<string, string> = {
  伟: '玮', 强: '蔷', 磊: '垒', 军: '君', 洋: '阳', 勇: '永', 杰: '洁', 涛: '韬', 明: '铭', 超: '潮', 刚: '钢', 平: '萍',
  辉: '晖', 斌: '彬', 鹏: '朋', 飞: '菲', 建: '健', 文: '雯', 志: '智', 波: '博', 宁: '凝', 浩: '昊', 宇: '雨', 轩: '萱',
  俊: '骏', 峰: '锋', 林: '琳', 云: '芸', 晨: '辰', 芳: '方', 娜: '那', 敏: '闽', 静: '晶', 丽: '莉', 艳: '燕', 娟: '鹃',
  霞: '侠', 英: '瑛', 华: '桦', 玉: '钰', 兰: '岚', 红: '虹', 婷: '亭', 颖: '莹', 佳: '嘉', 欣: '馨', 怡: '仪', 涵: '晗',
  思: '斯', 雅: '亚', 瑶: '遥', 晓: '小', 梅: '玫', 玲: '灵', 倩: '茜', 慧: '惠', 王: '汪', 张: '章', 刘: '留', 陈: '程',
};
const CITIES: Array<[province: string, city: string, area: string, districts: string[]]> = [
  ['北京市', '北京市', '10', ['朝阳区', '海淀区', '东城区', '西城区', '丰台区']],
  ['上海市', '上海市', '21', ['浦东新区', '徐汇区', '静安区', '黄浦区', '闵行区']],
  ['广东省', '广州市', '20', ['天河区', '越秀区', '海珠区', '白云区']],
  ['广东省', '深圳市', '755', ['南山区', '福田区', '罗湖区', '宝安区']],
  ['浙江省', '杭州市', '571', ['西湖区', '上城区', '拱墅区', '滨江区']],
  ['四川省', '成都市', '28', ['锦江区', '武侯区', '青羊区', '成华区']],
  ['湖北省', '武汉市', '27', ['江汉区', '武昌区', '洪山区', '江岸区']],
  ['江苏省', '南京市', '25', ['鼓楼区', '玄武区', '秦淮区', '建邺区']],
  ['陕西省', '西安市', '29', ['雁塔区', '碑林区', '莲湖区', '未央区']],
  ['重庆市', '重庆市', '23', ['渝中区', '江北区', '南岸区', '沙坪坝区']],
  ['天津市', '天津市', '22', ['和平区', '河西区', '南开区', '河东区']],
  ['江苏省', '苏州市', '512', ['姑苏区', '吴中区', '工业园区', '相城区']],
];
const ROADS = '人民 建设 解放 中山 和平 新华 胜利 长江 黄河 文化 光明 幸福 朝阳 东风 青年 花园 南京 北京 学院 科技'.split(' ');
const MOBILE_PREFIXES = [
  '130', '131', '132', '133', '134', '135', '136', '137', '138', '139', '145', '147', '150', '151', '152', '153', '155', '156',
  '157', '158', '159', '166', '173', '175', '176', '177', '178', '180', '181', '182', '183', '184', '185', '186', '187', '188',
  '189', '191', '198', '199',
];
const MAIL_DOMAINS = ['qq.com', '163.com', '126.com', 'sina.com', 'gmail.com', 'hotmail.com', 'foxmail.com'];
const SOURCES = ['crm', 'pos', 'ecommerce', 'miniprogram', 'web'] as const;
type Source = (typeof SOURCES)[number];
const SOURCE_WEIGHTS = [0.25, 0.3, 0.2, 0.15, 0.1];

let toTraditional: ((s: string) => string) | undefined;
function traditional(s: string): string {
  const convert = (toTraditional ??= OpenCC.Converter({ from: 'cn', to: 'tw' }));
  return convert(s);
}

const surnamePinyin = new Map<string, string>();
const charPinyin = new Map<string, string>();
/** Pinyin of a simplified name, syllables separated by spaces, no tones ("wang wei"); cached per character. */
function pinyinOf(name: string): string {
  const sl = COMPOUND_SURNAMES.includes(name.slice(0, 2)) ? 2 : 1;
  const sur = name.slice(0, sl);
  let out = surnamePinyin.get(sur);
  if (out === undefined) surnamePinyin.set(sur, (out = pinyin(sur, { toneType: 'none', type: 'array', surname: 'head' }).join(' ')));
  for (let i = sl; i < name.length; i++) {
    const ch = name[i]!;
    let py = charPinyin.get(ch);
    if (py === undefined) charPinyin.set(ch, (py = pinyin(ch, { toneType: 'none' })));
    out += ` ${py}`;
  }
  return out;
}

// ── people ────────────────────────────────────────────────────────────────────────────────────
export interface GeneratedPerson {
  personId: string;
  /** Simplified-character name as the person writes it. */
  name: string;
  gender: Gender;
  /** YYYY-MM-DD */
  birthDate: string;
  /** E.164: primary mobile first, then a second mobile and/or a landline when the person has them. */
  phones: string[];
  email?: string;
  memberId?: string;
  openid?: string;
  province: string;
  city: string;
  address: string;
  /** personId of a spouse whose records may carry this person's number. */
  partnerOf?: string;
}

export interface GeneratedRecord {
  source: string;
  recordId: string;
  raw: RawIdentity;
  /** The truth: which generated person the record belongs to. */
  personId: string;
  /** When the source saw it (ISO 8601). */
  observedAt: string;
  /** Where the record's main number came from: the person's own, a partner's, a store's, a former holder's, or noise. */
  phoneKind?: 'own' | 'partner' | 'store' | 'invalid' | 'typo' | 'recycled';
  /** With `orders`: what the row's order paid, in cents (pos and ecommerce rows). */
  amountCents?: number;
}

export interface GenerateOptions {
  people: number;
  seed: number;
  /** Average records per person (default 1.8; each person has at least one). */
  recordsPerPerson?: number;
  /** Scales every kind of noise (typos, variants, invalid and store numbers); default 1, 0 = clean. */
  noise?: number;
  /**
   * Share of people whose mobile a carrier gave them after someone else had it: that former
   * holder (another name, gender, birth date) appears in older records (2021–2022) with the
   * number. Default 0.
   */
  recycled?: number;
  /** Store numbers to spread over the pos sheet (default: one per 2,000 people, at least 2). */
  stores?: number;
  /** Give pos and ecommerce rows an order with an amount (`amountCents`). Default false. */
  orders?: boolean;
}

function mobile(rng: Rng, used: Set<string>): string {
  for (;;) {
    const n = rng.pick(MOBILE_PREFIXES) + String(rng.int(0, 99_999_999)).padStart(8, '0');
    if (!used.has(n)) {
      used.add(n);
      return n;
    }
  }
}

function landline(rng: Rng, area: string): { area: string; local: string } {
  return { area, local: `${rng.int(2, 8)}${String(rng.int(0, 9_999_999)).padStart(7, '0')}` };
}

function makeName(rng: Rng): [string, Gender] {
  if (rng.chance(0.08)) return rng.pick(COMMON_NAMES);
  const gender: Gender = rng.chance(0.5) ? 'M' : 'F';
  const pool = gender === 'M' ? GIVEN_M : GIVEN_F;
  const surname = rng.chance(0.01) ? rng.pick(COMPOUND_SURNAMES) : SURNAMES[Math.floor(SURNAMES.length * rng.next() ** 2.2)]!;
  const given = rng.chance(0.35) ? rng.pick(pool) : rng.pick(pool) + rng.pick(pool);
  return [surname + given, gender];
}

function birth(rng: Rng): string {
  const y = rng.int(1950, 2006);
  const m = rng.int(1, 12);
  const d = rng.int(1, 28);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function makePeople(rng: Rng, count: number, used: Set<string>): GeneratedPerson[] {
  const people: GeneratedPerson[] = [];
  for (let i = 0; i < count; i++) {
    const [name, gender] = makeName(rng);
    const [province, city, area, districts] = rng.pick(CITIES);
    const phones = [`+86${mobile(rng, used)}`];
    if (rng.chance(0.15)) phones.push(`+86${mobile(rng, used)}`);
    if (rng.chance(0.1)) {
      const l = landline(rng, area);
      phones.push(`+86${l.area}${l.local}`);
    }
    const p: GeneratedPerson = {
      personId: `P${String(i).padStart(7, '0')}`,
      name,
      gender,
      birthDate: birth(rng),
      phones,
      province,
      city,
      address: `${province === city ? '' : province}${city}${rng.pick(districts)}${rng.pick(ROADS)}路${rng.int(1, 999)}号${rng.int(1, 30)}栋${rng.int(1, 30)}0${rng.int(1, 4)}室`,
    };
    if (rng.chance(0.45)) {
      const py = pinyinOf(name).replace(/\s+/g, '');
      // a mailbox has one owner: the handle gets a number when the plain one is taken
      let email = rng.chance(0.4) ? `${rng.int(10000, 999_999_999)}@qq.com` : `${py}@${rng.pick(MAIL_DOMAINS)}`;
      while (used.has(email)) email = email.replace('@', String(rng.int(0, 9)) + '@');
      used.add(email);
      p.email = email;
    }
    if (rng.chance(0.35)) p.memberId = `M${String(i * 7 + 13).padStart(9, '0')}`;
    p.openid = `oX${(i * 2654435761 >>> 0).toString(36)}${rng.int(100000, 999999).toString(36)}`;
    people.push(p);
  }
  return people;
}

// ── presentation noise ───────────────────────────────────────────────────────────────────────
const FULL_WIDTH = (s: string): string => s.replace(/[0-9+()\- ]/g, (c) => (c === ' ' ? '\u3000' : String.fromCharCode(c.charCodeAt(0) + 0xfee0)));

function formatMobile(rng: Rng, n11: string): string {
  const [a, b, c] = [n11.slice(0, 3), n11.slice(3, 7), n11.slice(7)];
  switch (rng.int(0, 9)) {
    case 0: return `${a}-${b}-${c}`;
    case 1: return `${a} ${b} ${c}`;
    case 2: return `+86 ${a} ${b} ${c}`;
    case 3: return `86${n11}`;
    case 4: return `(+86)${n11}`;
    case 5: return `+86-${a}-${b}-${c}`;
    case 6: return FULL_WIDTH(n11);
    case 7: return `+86${n11}`;
    default: return n11;
  }
}

function formatLandline(rng: Rng, area: string, local: string): string {
  switch (rng.int(0, 3)) {
    case 0: return `0${area}-${local}`;
    case 1: return `(0${area})${local}`;
    case 2: return `+86 ${area} ${local.slice(0, 4)} ${local.slice(4)}`;
    default: return `0${area}${local}`;
  }
}

function formatPhone(rng: Rng, e164: string): string {
  const national = e164.slice(3);
  if (national.length === 11 && national[0] === '1') return formatMobile(rng, national);
  const areaLen = national.startsWith('10') || national.startsWith('2') ? 2 : 3;
  return formatLandline(rng, national.slice(0, areaLen), national.slice(areaLen));
}

function invalidPhone(rng: Rng, real: string): string {
  const n = real.slice(3);
  switch (rng.int(0, 4)) {
    case 0: return '11111111111';
    case 1: return '00000000000';
    case 2: return '12345678901';
    case 3: return `${n.slice(0, 3)}****${n.slice(7)}`;
    default: return n.slice(0, 10);
  }
}

function typoDigit(rng: Rng, e164: string): string {
  const i = rng.int(6, e164.length - 1);
  const d = (Number(e164[i]) + rng.int(1, 9)) % 10;
  return e164.slice(0, i) + d + e164.slice(i + 1);
}

function variantName(rng: Rng, name: string, noise: number): string {
  let out = name;
  if (rng.chance(0.06 * noise)) {
    const i = rng.int(0, out.length - 1);
    const h = HOMOPHONES[out[i]!];
    if (h) out = out.slice(0, i) + h + out.slice(i + 1);
  }
  const r = rng.next();
  if (r < 0.1 * noise) out = traditional(out);
  else if (r < 0.13 * noise) out = out.split('').join(' ');
  else if (r < 0.16 * noise) out = out + rng.pick(['先生', '女士', '(会员)', ' VIP']);
  return out;
}

function formatDate(rng: Rng, iso: string, noise: number): string {
  let [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const r = rng.next();
  if (r < 0.04 * noise && d <= 12 && d !== m) [m, d] = [d, m];
  else if (r < 0.07 * noise) {
    const s = `${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}`;
    const i = rng.pick([3, 7]);
    const t = s.slice(0, i) + ((Number(s[i]) + 1) % 10) + s.slice(i + 1);
    [y, m, d] = [Number(t.slice(0, 4)), Number(t.slice(4, 6)), Number(t.slice(6))];
    if (d < 1 || d > 28) d = Number(s.slice(6));
  }
  const mm = String(m).padStart(2, '0');
  const dd = String(d).padStart(2, '0');
  switch (rng.int(0, 5)) {
    case 0: return `${y}/${m}/${d}`;
    case 1: return `${y}${mm}${dd}`;
    case 2: return `${y}年${m}月${d}日`;
    case 3: return `${y}.${mm}.${dd}`;
    default: return `${y}-${mm}-${dd}`;
  }
}

function formatGender(rng: Rng, g: Gender): string {
  return rng.pick(g === 'M' ? ['男', 'M', 'male', '男性'] : ['女', 'F', 'female', '女性']);
}

function pickSource(rng: Rng): Source {
  let r = rng.next();
  for (let i = 0; i < SOURCES.length; i++) {
    r -= SOURCE_WEIGHTS[i]!;
    if (r < 0) return SOURCES[i]!;
  }
  return 'crm';
}

/** Which fields each source tends to have: probability of the field being filled. */
const HABITS: Record<Source, { phone: number; name: number; gender: number; birth: number; email: number; address: number; city: number; member: number }> = {
  crm: { phone: 0.97, name: 1, gender: 0.9, birth: 0.8, email: 0.5, address: 0.5, city: 0.5, member: 0.7 },
  pos: { phone: 0.95, name: 0.8, gender: 0.3, birth: 0.1, email: 0, address: 0, city: 0, member: 0.5 },
  ecommerce: { phone: 1, name: 0.95, gender: 0.1, birth: 0.2, email: 0.4, address: 0.95, city: 0.3, member: 0 },
  miniprogram: { phone: 0.85, name: 0.4, gender: 0.8, birth: 0.3, email: 0, address: 0.1, city: 0.4, member: 0.2 },
  web: { phone: 0.9, name: 0.6, gender: 0.2, birth: 0.3, email: 0.95, address: 0.1, city: 0.2, member: 0 },
};

function observed(rng: Rng): string {
  const t = Date.UTC(2023, 0, 1) + Math.floor(rng.next() * 3 * 365 * 86_400_000);
  return new Date(t).toISOString();
}

/** Messy raw identities of `people` generated people, with the truth (see the file comment). */
export function generateCustomers(opts: GenerateOptions): { records: GeneratedRecord[]; people: GeneratedPerson[] } {
  const rng = new Rng(opts.seed);
  const noise = opts.noise ?? 1;
  const used = new Set<string>();
  const people = makePeople(rng, opts.people, used);
  // households: a spouse of the other gender; some of the spouse's records carry this number
  for (let i = 0; i + 1 < people.length; i += 2) {
    const a = people[i]!;
    const b = people[i + 1]!;
    if (a.gender !== b.gender && rng.chance(0.04)) b.partnerOf = a.personId;
  }
  const byId = new Map(people.map((p) => [p.personId, p]));
  const stores = Array.from({ length: opts.stores ?? Math.max(2, Math.ceil(opts.people / 2000)) }, () => {
    const [, , area] = rng.pick(CITIES);
    return rng.chance(0.5) ? `+86${mobile(rng, used)}` : `+86${area}${landline(rng, area).local}`;
  });
  const extra = Math.max(0, (opts.recordsPerPerson ?? 1.8) - 1);
  const records: GeneratedRecord[] = [];
  const counters = new Map<string, number>();
  const phoneKinds = new Map<number, GeneratedRecord['phoneKind']>();
  for (const p of people) {
    let n = 1;
    while (rng.chance(extra / (extra + 1))) n++;
    for (let k = 0; k < n; k++) {
      const source = pickSource(rng);
      const h = HABITS[source];
      const raw: RawIdentity = {};
      if (rng.chance(h.phone)) {
        let phone = p.phones[0]!;
        const r = rng.next();
        if (p.phones.length > 1 && r < 0.3) phone = p.phones[1]!;
        else if (p.phones.length > 2 && r < 0.4) phone = p.phones[2]!;
        const partner = p.partnerOf ? byId.get(p.partnerOf) : undefined;
        const q = rng.next();
        let kind: GeneratedRecord['phoneKind'] = 'own';
        if (partner && rng.chance(0.5)) [raw.phone, kind] = [formatPhone(rng, partner.phones[0]!), 'partner'];
        else if (source === 'pos' && q < 0.06 * noise) [raw.phone, kind] = [formatPhone(rng, rng.pick(stores)), 'store'];
        else if (q < 0.09 * noise) [raw.phone, kind] = [invalidPhone(rng, phone), 'invalid'];
        else if (q < 0.1 * noise) [raw.phone, kind] = [formatPhone(rng, typoDigit(rng, phone)), 'typo'];
        else raw.phone = formatPhone(rng, phone);
        phoneKinds.set(records.length, kind);
        if (source === 'crm' && p.phones.length > 1 && rng.chance(0.5)) raw.phones = p.phones.filter((x) => x !== phone).map((x) => formatPhone(rng, x));
      }
      if (rng.chance(h.name)) raw.name = variantName(rng, p.name, noise);
      if (rng.chance(h.gender)) raw.gender = formatGender(rng, p.gender);
      if (rng.chance(h.birth)) raw.birthDate = formatDate(rng, p.birthDate, noise);
      if (p.email && rng.chance(h.email)) raw.email = rng.chance(0.2 * noise) ? p.email.toUpperCase() : p.email;
      if (rng.chance(h.address)) raw.address = rng.chance(0.3) ? p.address.replace(p.province, '') : p.address;
      if (rng.chance(h.city)) raw.city = rng.chance(0.5) ? p.city.replace(/市$/, '') : p.city;
      if (p.memberId && rng.chance(h.member)) raw.memberId = p.memberId;
      if (source === 'miniprogram') raw.externalIds = { openid: p.openid! };
      const c = (counters.get(source) ?? 0) + 1;
      counters.set(source, c);
      const record: GeneratedRecord = { source, recordId: `${source}-${c}`, raw, personId: p.personId, observedAt: observed(rng) };
      const kind = phoneKinds.get(records.length);
      if (kind) record.phoneKind = kind;
      if (opts.orders && (source === 'pos' || source === 'ecommerce')) record.amountCents = rng.int(990, 99_900);
      records.push(record);
    }
  }
  if (opts.recycled) records.push(...formerHolders(rng, people, opts.recycled, counters, used, opts.orders));
  // sources export in their own order, not person by person
  for (let i = records.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [records[i], records[j]] = [records[j]!, records[i]!];
  }
  return { records, people };
}

/**
 * Former holders of recycled numbers: for a share of people, another person (other name, gender
 * and birth date) who had the mobile before, seen by the crm or pos in 2021–2022.
 */
function formerHolders(rng: Rng, people: GeneratedPerson[], share: number, counters: Map<string, number>, used: Set<string>, orders?: boolean): GeneratedRecord[] {
  const out: GeneratedRecord[] = [];
  people.forEach((p, i) => {
    if (!rng.chance(share)) return;
    const [former] = makePeople(rng, 1, used);
    const [name, gender] = ((): [string, Gender] => {
      for (;;) {
        const [n, g] = makeName(rng);
        if (g !== p.gender && n !== p.name) return [n, g];
      }
    })();
    const personId = `R${String(i).padStart(7, '0')}`;
    for (let k = rng.int(1, 2); k > 0; k--) {
      const source = rng.chance(0.5) ? 'crm' : 'pos';
      const c = (counters.get(source) ?? 0) + 1;
      counters.set(source, c);
      const at = new Date(Date.UTC(2021, 0, 1) + Math.floor(rng.next() * 2 * 365 * 86_400_000)).toISOString();
      out.push({
        source,
        recordId: `${source}-${c}`,
        raw: { phone: formatPhone(rng, p.phones[0]!), name, gender: formatGender(rng, gender), birthDate: formatDate(rng, former!.birthDate, 0) },
        personId,
        observedAt: at,
        phoneKind: 'recycled',
        ...(orders && source === 'pos' ? { amountCents: rng.int(990, 99_900) } : {}),
      });
    }
  });
  return out;
}

// ── already-clean records, fast, for benchmarks ─────────────────────────────────────────────
/**
 * `records` CleanRecords of about records/1.6 people, generated directly in cleaned form (no
 * parsing): E.164 phones, simplified nameKey, pinyin, ISO dates. The same kinds of noise as
 * generateCustomers where they survive cleaning: second phones, common-name collisions,
 * homophone typos, date transpositions and typos, store numbers, households, missing fields.
 * `personOf[i]` is the truth for records[i]. About 1 µs per record.
 */
export function generateCleanRecords(opts: { records: number; seed: number }): { records: CleanRecord[]; personOf: Int32Array } {
  const rng = new Rng(opts.seed);
  const used = new Set<string>();
  const peopleCount = Math.max(1, Math.round(opts.records / 1.6));
  const people = makePeople(rng, peopleCount, used);
  const stores = Array.from({ length: Math.max(2, Math.ceil(peopleCount / 2000)) }, () => `+86${mobile(rng, used)}`);
  const records: CleanRecord[] = new Array(opts.records);
  const personOf = new Int32Array(opts.records);
  // one pinyin string per person, as cleaning a person's name yields one value
  const namePinyin: Array<string | undefined> = new Array(peopleCount);
  const srcCount = new Int32Array(SOURCES.length);
  for (let i = 0; i < opts.records; i++) {
    // the first peopleCount records give everyone one record; the rest go to random people
    const pi = i < peopleCount ? i : Math.floor(rng.next() * peopleCount);
    const p = people[pi]!;
    personOf[i] = pi;
    const si = Math.min(SOURCES.length - 1, Math.floor(rng.next() * SOURCES.length));
    const source = SOURCES[si]!;
    const h = HABITS[source];
    const r: CleanRecord = { source, recordId: String(++srcCount[si]!), phones: [] };
    if (rng.chance(h.phone)) {
      const q = rng.next();
      if (source === 'pos' && q < 0.06) r.phones.push(rng.pick(stores));
      else if (q < 0.09) {
        /* invalid number: dropped by cleaning */
      } else if (pi % 25 === 1 && q < 0.5) r.phones.push(people[pi - 1]!.phones[0]!);
      else if (q < 0.1) r.phones.push(typoDigit(rng, p.phones[0]!));
      else r.phones.push(p.phones.length > 1 && rng.chance(0.3) ? p.phones[1]! : p.phones[0]!);
    }
    if (rng.chance(h.name)) {
      let name = p.name;
      if (rng.chance(0.05)) {
        const k = rng.int(0, name.length - 1);
        const hh = HOMOPHONES[name[k]!];
        if (hh) name = name.slice(0, k) + hh + name.slice(k + 1);
      }
      r.name = name;
      r.nameKey = name;
      r.namePinyin = namePinyin[pi] ??= pinyinOf(p.name);
    }
    if (rng.chance(h.gender)) r.gender = p.gender;
    if (rng.chance(h.birth)) {
      let b = p.birthDate;
      if (rng.chance(0.04) && Number(b.slice(8)) <= 12) b = `${b.slice(0, 5)}${b.slice(8)}-${b.slice(5, 7)}`;
      r.birthDate = b;
    }
    if (p.email && rng.chance(h.email)) r.email = p.email;
    if (rng.chance(h.address)) r.address = p.address;
    if (rng.chance(h.city)) {
      r.city = p.city;
      r.province = p.province;
    }
    if (p.memberId && rng.chance(h.member)) r.memberId = p.memberId;
    if (source === 'miniprogram') r.externalIds = { openid: p.openid! };
    r.observedAt = observed(rng);
    records[i] = r;
  }
  return { records, personOf };
}

const CSV_HEADER = ['id', '姓名', '手机', '备用手机', '邮箱', '性别', '生日', '地址', '城市', '会员号', 'openid', '最后消费时间', '订单号', '金额'];
const cell = (v: string | undefined) => (v === undefined ? '' : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** A channel's export: its rows are orders (purchase events) when they carry amounts. */
export function channelCsv(records: GeneratedRecord[]): string {
  const orders = records.some((r) => r.amountCents !== undefined);
  const lines = [(orders ? CSV_HEADER : CSV_HEADER.slice(0, -2)).join(',')];
  for (const r of records) {
    const x = r.raw;
    const order = orders ? [`O-${r.recordId}`, ((r.amountCents ?? 0) / 100).toFixed(2)] : [];
    lines.push(
      [r.recordId, x.name, x.phone, x.phones?.[0], x.email, x.gender, x.birthDate, x.address, x.city, x.memberId, x.externalIds?.openid, r.observedAt.slice(0, 10), ...order].map(cell).join(','),
    );
  }
  return lines.join('\n') + '\n';
}
