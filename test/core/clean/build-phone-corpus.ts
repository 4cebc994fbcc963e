/**
 * Builds test/fixtures/phones.json, the labelled phone corpus (run: npx tsx test/core/clean/build-phone-corpus.ts).
 *
 * Sources, each case carries its own `source`:
 * - `google-example-mobile`: Google libphonenumber's example mobile number for every region, as
 *   shipped in libphonenumber-js/examples.mobile.json; written nationally (with the region as the
 *   default country) and internationally. Expected: valid, E.164 = +CC + number, type mobile — or
 *   fixed_line_or_mobile where the region's fixed-line and mobile ranges overlap (NANP and a few
 *   others), which is how Google's metadata classifies those numbers.
 * - `google-example-typed`: Google's per-type example numbers (fixed line, toll free, premium,
 *   shared cost, personal, VoIP, pager, UAN) for CN, HK, MO, TW, US, GB, SG, KR, AU and FR, from
 *   PhoneNumberMetadata.xml (as generated into python-phonenumbers' region files). Examples that
 *   the current metadata no longer accepts (ranges change) are left out and listed when building.
 * - `cn-ranges`: Chinese mobile number segments as allocated by MIIT (incl. 162/165/167/170/171/
 *   172/192/199 and the data-only 145/147), unallocated segments, and landlines with 3- and 4-digit
 *   area codes (hand-labelled).
 * - `messy`: the written forms real exports contain, hand-labelled.
 * - `invalid`: every rejection reason, hand-labelled.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import examples from 'libphonenumber-js/examples.mobile.json';
import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export interface PhoneCase {
  input: string;
  ctx?: { defaultCountry?: CountryCode; defaultAreaCode?: string };
  e164: string | null;
  valid: boolean;
  type?: string;
  region?: string;
  extension?: string;
  unresolvedAreaCode?: boolean;
  reason?: string;
  location?: { province?: string; city?: string };
  carrier?: string;
  source: string;
}

const cases: PhoneCase[] = [];
const add = (c: PhoneCase) => cases.push(c);

// --- Google example mobile numbers, every region --------------------------------------------
const OVERLAP_NOTE: string[] = [];
for (const [region, national] of Object.entries(examples as Record<string, string>)) {
  const r = region as CountryCode;
  const cc = getCountryCallingCode(r);
  const e164 = `+${cc}${national}`;
  // Where fixed-line and mobile ranges coincide, Google's classification is FIXED_LINE_OR_MOBILE.
  const libType = parsePhoneNumberFromString(national, r)?.getType();
  const type = libType === 'FIXED_LINE_OR_MOBILE' ? 'fixed_line_or_mobile' : 'mobile';
  if (type !== 'mobile') OVERLAP_NOTE.push(region);
  const src = 'google-example-mobile';
  // North America's 555-0100…0199 is reserved for fiction: an example, never a customer's number.
  const expected = /^\+1\d{3}55501\d\d$/.test(e164) ? { valid: false, reason: 'phone.test_number' } : { valid: true, type };
  add({ input: national, ctx: { defaultCountry: r }, e164, ...expected, source: src });
  add({ input: `+${cc} ${national}`, e164, ...expected, source: src });
}

// --- Google per-type examples -----------------------------------------------------------------
const TYPED: Array<[CountryCode, string, string]> = [
  ['CN', '1012345678', 'fixed_line'], ['CN', '13123456789', 'mobile'], ['CN', '8001234567', 'toll_free'],
  ['CN', '16812345', 'premium_rate'], ['CN', '4001234567', 'shared_cost'],
  ['HK', '21234567', 'fixed_line'], ['HK', '51234567', 'mobile'], ['HK', '800123456', 'toll_free'],
  ['HK', '90012345678', 'premium_rate'], ['HK', '81123456', 'personal_number'], ['HK', '71123456', 'pager'], ['HK', '30161234', 'uan'],
  ['MO', '28212345', 'fixed_line'], ['MO', '66123456', 'mobile'],
  ['TW', '21234567', 'fixed_line'], ['TW', '912345678', 'mobile'], ['TW', '800123456', 'toll_free'], ['TW', '900123456', 'premium_rate'],
  ['US', '2012345678', 'fixed_line_or_mobile'], ['US', '8002345678', 'toll_free'], ['US', '9002345678', 'premium_rate'], ['US', '5002345678', 'personal_number'],
  ['GB', '1212345678', 'fixed_line'], ['GB', '7400123456', 'mobile'], ['GB', '8001234567', 'toll_free'], ['GB', '9012345678', 'premium_rate'],
  ['GB', '8431234567', 'shared_cost'], ['GB', '7012345678', 'personal_number'], ['GB', '5612345678', 'voip'], ['GB', '7640123456', 'pager'], ['GB', '5512345678', 'uan'],
  ['SG', '61234567', 'fixed_line'], ['SG', '81234567', 'mobile'], ['SG', '18001234567', 'toll_free'], ['SG', '19001234567', 'premium_rate'],
  ['SG', '31234567', 'voip'], ['SG', '70001234567', 'uan'],
  ['KR', '22123456', 'fixed_line'], ['KR', '1020000000', 'mobile'], ['KR', '801234567', 'toll_free'], ['KR', '602345678', 'premium_rate'],
  ['KR', '5012345678', 'personal_number'], ['KR', '7012345678', 'voip'], ['KR', '1523456789', 'pager'], ['KR', '15441234', 'uan'],
  ['AU', '212345678', 'fixed_line'], ['AU', '412345678', 'mobile'], ['AU', '1800123456', 'toll_free'], ['AU', '1900123456', 'premium_rate'],
  ['AU', '1300123456', 'shared_cost'], ['AU', '147101234', 'voip'], ['AU', '1631234', 'pager'],
  ['FR', '123456789', 'fixed_line'], ['FR', '612345678', 'mobile'], ['FR', '801234567', 'toll_free'], ['FR', '891123456', 'premium_rate'],
  ['FR', '884012345', 'shared_cost'], ['FR', '912345678', 'voip'], ['FR', '806123456', 'uan'],
];
const dropped: string[] = [];
for (const [region, national, type] of TYPED) {
  const cc = getCountryCallingCode(region);
  const e164 = `+${cc}${national}`;
  const p = parsePhoneNumberFromString(e164);
  const libType = p?.getType()?.toLowerCase();
  if (!p?.isValid() || libType !== type) {
    dropped.push(`${region} ${national} ${type} (current metadata: ${libType ?? 'invalid'})`);
    continue;
  }
  add({ input: `+${cc} ${national}`, e164, valid: true, type, region, source: 'google-example-typed' });
  add({ input: national.startsWith('0') || region === 'US' || region === 'HK' || region === 'SG' || region === 'MO' ? national : `0${national}`, ctx: { defaultCountry: region }, e164, valid: true, type, source: 'google-example-typed' });
}

// --- Chinese ranges ---------------------------------------------------------------------------
const MOBILE_SEGMENTS = [
  '130', '131', '132', '133', '134', '135', '136', '137', '138', '139', '145', '147', '150', '151', '152', '153', '155', '156',
  '157', '158', '159', '162', '165', '166', '167', '170', '171', '172', '173', '175', '176', '177', '178', '180', '181', '182',
  '183', '184', '185', '186', '187', '188', '189', '191', '192', '193', '195', '196', '197', '198', '199',
];
MOBILE_SEGMENTS.forEach((seg, i) => {
  const national = `${seg}${String(20_000_000 + i * 1_234_567).slice(0, 8)}`;
  add({ input: national, e164: `+86${national}`, valid: true, type: 'mobile', region: 'CN', source: 'cn-ranges' });
});
for (const seg of ['140', '141', '154', '160', '168', '169']) {
  const national = `${seg}26813579`;
  add({ input: national, e164: `+86${national}`, valid: false, reason: 'phone.unassigned_range', source: 'cn-ranges' });
}
// Landlines: 2-digit area codes (010/02x, "3-digit" with the 0) and 3-digit ones (0xxx).
const LANDLINES: Array<[string, string, string, string]> = [
  ['010', '65529988', '北京市', '北京市'], ['021', '62795000', '上海市', '上海市'], ['020', '83338999', '广东省', '广州市'],
  ['022', '23501234', '天津市', '天津市'], ['023', '63891234', '重庆市', '重庆市'], ['024', '22851234', '辽宁省', '沈阳市'],
  ['025', '84561234', '江苏省', '南京市'], ['027', '85781234', '湖北省', '武汉市'], ['028', '86121234', '四川省', '成都市'],
  ['029', '87291234', '陕西省', '西安市'], ['0755', '86013388', '广东省', '深圳市'], ['0571', '87654321', '浙江省', '杭州市'],
  ['0512', '65223456', '江苏省', '苏州市'], ['0592', '2345678', '福建省', '厦门市'], ['0731', '84561234', '湖南省', '长沙市'],
  ['0871', '63121234', '云南省', '昆明市'], ['0898', '66123456', '海南省', '海口市'], ['0991', '2345678', '新疆维吾尔自治区', '乌鲁木齐市'],
  ['0311', '86123456', '河北省', '石家庄市'], ['0371', '65123456', '河南省', '郑州市'], ['0431', '88123456', '吉林省', '长春市'],
  ['0451', '86123456', '黑龙江省', '哈尔滨市'], ['0532', '82123456', '山东省', '青岛市'], ['0769', '22123456', '广东省', '东莞市'],
  ['0471', '6123456', '内蒙古自治区', '呼和浩特市'], ['0891', '6323456', '西藏自治区', '拉萨市'],
];
for (const [area, local, province, city] of LANDLINES) {
  const e164 = `+86${area.slice(1)}${local}`;
  add({ input: `${area}-${local}`, e164, valid: true, type: 'fixed_line', region: 'CN', location: { province, city }, source: 'cn-ranges' });
  add({ input: local, ctx: { defaultAreaCode: area }, e164, valid: true, type: 'fixed_line', region: 'CN', source: 'cn-ranges' });
}
add({ input: '4008823823', e164: '+864008823823', valid: true, type: 'shared_cost', region: 'CN', source: 'cn-ranges' });
add({ input: '400-882-3823', e164: '+864008823823', valid: true, type: 'shared_cost', region: 'CN', source: 'cn-ranges' });
add({ input: '800-820-8820', e164: '+868008208820', valid: true, type: 'toll_free', region: 'CN', source: 'cn-ranges' });
add({ input: '13800138001', e164: '+8613800138001', valid: true, type: 'mobile', region: 'CN', location: { province: '北京市', city: '北京市' }, carrier: '中国移动', source: 'cn-ranges' });
add({ input: '13012345678', e164: '+8613012345678', valid: true, type: 'mobile', region: 'CN', carrier: '中国联通', source: 'cn-ranges' });
add({ input: '18912345678', e164: '+8618912345678', valid: true, type: 'mobile', region: 'CN', carrier: '中国电信', source: 'cn-ranges' });

// --- Messy written forms ----------------------------------------------------------------------
const M = '+8613800138001';
const mob = (input: string, extra: Partial<PhoneCase> = {}) =>
  add({ input, e164: M, valid: true, type: 'mobile', region: 'CN', source: 'messy', ...extra });
for (const f of [
  '138 0013 8001', '138-0013-8001', '138.0013.8001', '(138) 0013-8001', ' 13800138001 ', '\t13800138001\n', '+86 138 0013 8001',
  '+86-138-0013-8001', '+8613800138001', '008613800138001', '0086 138 0013 8001', '8613800138001', '86 13800138001',
  '86-13800138001', '(+86)13800138001', '(+86) 138 0013 8001', '（+86）13800138001', '+86(138)00138001', '＋８６１３８００１３８００１',
  '１３８００１３８００１', '１３８ ００１３ ８００１', '138\u00a00013\u00a08001', '138\u30000013\u30008001', '\u200b13800138001',
  'tel:+8613800138001', 'tel:+86-138-0013-8001', 'TEL: 13800138001', '手机：13800138001', '手机号:13800138001', '电话 138 0013 8001',
  '+86 (0)138 0013 8001', '138—0013—8001', '138–0013–8001', '138－0013－8001',
]) mob(f);
mob('13800138001转123', { extension: '123' });
mob('13800138001 ext. 45', { extension: '45' });
const BJ = '+861065529988';
const bj = (input: string, extra: Partial<PhoneCase> = {}) =>
  add({ input, e164: BJ, valid: true, type: 'fixed_line', region: 'CN', source: 'messy', ...extra });
for (const f of ['010-65529988', '010 6552 9988', '(010)65529988', '（010）65529988', '01065529988', '+86 10 6552 9988', '+86-10-65529988',
  '+86 (0)10 6552 9988', '+86 010 65529988', '0086-10-65529988', '86-10-65529988', '010－６５５２９９８８']) bj(f);
bj('010-65529988转123', { extension: '123' });
bj('010-65529988 转 8001', { extension: '8001' });
bj('010-65529988分机123', { extension: '123' });
bj('010-65529988分机号：66', { extension: '66' });
bj('010-65529988-123', { extension: '123' });
bj('010-6552-9988-123', { extension: '123' });
bj('010-65529988 ext. 12', { extension: '12' });
bj('010-65529988 ext 12', { extension: '12' });
bj('010-65529988 x12', { extension: '12' });
bj('010-65529988#12', { extension: '12' });
bj('(010)65529988(分机123)', { extension: '123' });
bj('tel:+86-10-65529988;ext=77', { extension: '77' });
bj('65529988', { ctx: { defaultAreaCode: '010' } });
bj('6552 9988', { ctx: { defaultAreaCode: '10' } });
bj('65529988-123', { ctx: { defaultAreaCode: '010' }, extension: '123' });
add({ input: '12345678', ctx: { defaultAreaCode: '010' }, e164: '+861012345678', valid: true, type: 'fixed_line', region: 'CN', source: 'messy' });
add({ input: '0755-86013388-8001', e164: '+8675586013388', valid: true, type: 'fixed_line', region: 'CN', extension: '8001', source: 'messy' });
add({ input: '86013388', ctx: { defaultAreaCode: '0755' }, e164: '+8675586013388', valid: true, type: 'fixed_line', region: 'CN', source: 'messy' });
add({ input: '400-882-3823转2', e164: '+864008823823', valid: true, type: 'shared_cost', region: 'CN', extension: '2', source: 'messy' });
// Bare local numbers with no area code anywhere: kept, marked, never guessed, never valid.
for (const f of ['65529988', '6552-9988', '2345678'])
  add({ input: f, e164: null, valid: false, unresolvedAreaCode: true, reason: 'phone.no_area_code', source: 'messy' });
// Foreign numbers in local and international forms.
add({ input: '+852 6123 4567', e164: '+85261234567', valid: true, type: 'mobile', region: 'HK', source: 'messy' });
add({ input: '00852-61234567', e164: '+85261234567', valid: true, type: 'mobile', region: 'HK', source: 'messy' });
add({ input: '6123 4567', ctx: { defaultCountry: 'HK' }, e164: '+85261234567', valid: true, type: 'mobile', region: 'HK', source: 'messy' });
add({ input: '+853 6612 3456', e164: '+85366123456', valid: true, type: 'mobile', region: 'MO', source: 'messy' });
add({ input: '+886 912 345 678', e164: '+886912345678', valid: true, type: 'mobile', region: 'TW', source: 'messy' });
add({ input: '0912-345-678', ctx: { defaultCountry: 'TW' }, e164: '+886912345678', valid: true, type: 'mobile', region: 'TW', source: 'messy' });
add({ input: '(201) 234-5678', ctx: { defaultCountry: 'US' }, e164: '+12012345678', valid: true, type: 'fixed_line_or_mobile', region: 'US', source: 'messy' });
add({ input: '1-201-234-5678', ctx: { defaultCountry: 'US' }, e164: '+12012345678', valid: true, type: 'fixed_line_or_mobile', region: 'US', source: 'messy' });
add({ input: '+1 201-234-5678 ext. 9', e164: '+12012345678', valid: true, type: 'fixed_line_or_mobile', region: 'US', extension: '9', source: 'messy' });
add({ input: '07400 123456', ctx: { defaultCountry: 'GB' }, e164: '+447400123456', valid: true, type: 'mobile', region: 'GB', source: 'messy' });
add({ input: '+44 (0)7400 123456', e164: '+447400123456', valid: true, type: 'mobile', region: 'GB', source: 'messy' });
add({ input: '+44 20 7946 0018', e164: '+442079460018', valid: true, type: 'fixed_line', region: 'GB', source: 'messy' });

// --- Invalid, every reason --------------------------------------------------------------------
const bad = (input: string, reason: string, e164: string | null = null, ctx?: PhoneCase['ctx']) =>
  add({ input, ...(ctx ? { ctx } : {}), e164, valid: false, reason, source: 'invalid' });
for (const f of ['', ' ', '\t', '　']) bad(f, 'phone.empty');
for (const f of ['N/A', 'n/a', 'NA', 'null', 'NULL', 'none', '无', '暂无', '没有', '未知', '不详', '保密', '-', '--', '/', '.', '?', '？', '***', '—']) bad(f, 'phone.placeholder');
for (const f of ['138****5678', '138＊＊＊＊5678', '138xxxx5678', '138XXXX5678', '138 **** 5678', '+86 138****5678', '1380013****', '010-6552****', '138●●●●5678', '138????5678']) bad(f, 'phone.masked');
for (const f of ['13800138001abc', 'abc', 'call me', '张三13800138001', '13800138001（张三）', 'TBD13800138001', '1-800-FLOWERS', 'one three eight']) bad(f, 'phone.letters');
for (const f of ['13800138001/13900139000', '13800138001,13900139000', '13800138001；13900139000', '13800138001、010-65529988']) bad(f, 'phone.multiple');
bad('11111111111', 'phone.repeated_digits', '+8611111111111');
bad('00000000000', 'phone.repeated_digits', '+860000000000');
bad('88888888888', 'phone.repeated_digits', '+8688888888888');
bad('99999999', 'phone.repeated_digits');
bad('12345678901', 'phone.sequential_digits', '+8612345678901');
bad('123456789', 'phone.sequential_digits', '+86123456789');
bad('98765432109', 'phone.sequential_digits', '+8698765432109');
bad('1380013800', 'phone.too_short', '+861380013800');
bad('138001380', 'phone.too_short', '+86138001380');
bad('138 0013 800', 'phone.too_short', '+861380013800');
bad('13800138', 'phone.too_short', '+8613800138', { defaultAreaCode: '010' }); // a truncated mobile is not a Beijing landline
bad('138001380011', 'phone.too_long', '+86138001380011');
bad('1380013800112', 'phone.too_long', '+861380013800112');
bad('10086', 'phone.too_short', '+8610086');
bad('95588', 'phone.too_short', '+8695588');
bad('110', 'phone.too_short', '+86110');
bad('1', 'phone.too_short');
bad('+852 6123', 'phone.too_short', '+8526123');
bad('+1 201 234 56789', 'phone.too_long', '+120123456789');
bad('+999 1234567', 'phone.invalid_country');
bad('+80 1234567', 'phone.invalid_country');
bad('12012345678', 'phone.unassigned_range', '+8612012345678');
bad('11012345678', 'phone.unassigned_range', '+8611012345678');
bad('+86 10 1234', 'phone.too_short', '+86101234');
bad('+', 'phone.invalid');
bad('()', 'phone.placeholder');
bad('13800138001@', 'phone.invalid');
bad('2978080367', 'phone.missing_trunk_prefix', '+862978080367');
bad('21 5437 2798', 'phone.missing_trunk_prefix', '+862154372798');
bad('13800000000', 'phone.placeholder_digits', '+8613800000000');
bad('15555555555', 'phone.placeholder_digits', '+8615555555555');
bad('+86 139 9999 9999', 'phone.placeholder_digits', '+8613999999999');
bad('13800138000', 'phone.test_number', '+8613800138000');
bad('+1 212 555 0123', 'phone.test_number', '+12125550123');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = fileURLToPath(new URL('../../fixtures/phones.json', import.meta.url));
  writeFileSync(out, JSON.stringify(cases, null, 1) + '\n');
  console.log(`${cases.length} cases → ${out}`);
  console.log(`regions where Google's mobile example is fixed_line_or_mobile: ${OVERLAP_NOTE.join(' ')}`);
  console.log(`typed examples left out (current metadata disagrees):\n  ${dropped.join('\n  ') || 'none'}`);
}
