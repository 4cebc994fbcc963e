/**
 * Chinese address → country / province / city / district / detail, keeping the original text;
 * elsewhere the locality, region and postcode a one-line address ends with (a reduced parser).
 * Provinces and cities are normalized to their official names (广东 → 广东省, 深圳 → 深圳市);
 * for municipalities (北京/上海/天津/重庆) and SARs the city is the municipality itself.
 */
import { PROVINCES, type ProvinceInfo } from './cn-regions.ts';
import { hasCjk, toHalfWidth } from './text.ts';

export interface ParsedAddress {
  original: string;
  /** ISO 3166 alpha-2; 'CN' for anything in China (incl. the SARs and Taiwan as written in CN data); 'ZZ' when unknown. */
  country: 'CN' | string;
  province?: string;
  city?: string;
  district?: string;
  detail?: string;
  postcode?: string;
}

interface CityEntry {
  name: string;
  en: string;
  province: ProvinceInfo;
  forms: string[];
}

/** Short form of a prefecture-level name: 深圳市 → 深圳, 大理白族自治州 → 大理, 阿里地区 → 阿里, 兴安盟 → 兴安. */
function cityShortForms(name: string): string[] {
  const forms: string[] = [];
  const auto = /^(.{2,4}?)(?:[^族]{1,4}族|蒙古|柯尔克孜|哈萨克)+自治州$/.exec(name);
  if (auto) forms.push(auto[1]!);
  else if (name.endsWith('地区')) forms.push(name.slice(0, -2));
  else if (name.endsWith('市') || name.endsWith('盟')) forms.push(name.slice(0, -1));
  return forms.filter((f) => f.length >= 2);
}

// Built once per process.
const PROVINCE_FORMS: Array<[form: string, p: ProvinceInfo]> = [];
const CITY_FORMS: Array<[form: string, c: CityEntry]> = [];
const CITY_BY_NAME = new Map<string, CityEntry>();
for (const p of PROVINCES) {
  PROVINCE_FORMS.push([p.name, p]);
  for (const s of p.short) PROVINCE_FORMS.push([s, p]);
  for (const [name, en] of p.cities) {
    const c: CityEntry = { name, en, province: p, forms: [name, ...cityShortForms(name)] };
    CITY_BY_NAME.set(name, c);
    for (const f of c.forms) CITY_FORMS.push([f, c]);
  }
}
PROVINCE_FORMS.sort((a, b) => b[0].length - a[0].length);
CITY_FORMS.sort((a, b) => b[0].length - a[0].length);

/** A short city form must not be the start of a district/street name (朝阳区, 中山路…). */
const NOT_AFTER_SHORT = /^[区县镇乡路街村巷道里弄]/;

const COUNTRY_WORDS: Array<[RegExp, string]> = [
  [/^(?:中华人民共和国|中国大陆|中国|china|p\.?r\.?c\.?)[\s,，]*/i, 'CN'],
];
const FOREIGN: Array<[RegExp, string]> = [
  [/\b(?:usa|u\.s\.a\.|united states)\b|美国/i, 'US'],
  [/\b(?:uk|united kingdom|england|scotland|wales)\b|英国/i, 'GB'],
  [/\bjapan\b|日本/i, 'JP'],
  [/\b(?:south )?korea\b|韩国/i, 'KR'],
  [/\bsingapore\b|新加坡/i, 'SG'],
  [/\bmalaysia\b|马来西亚/i, 'MY'],
  [/\baustralia\b|澳大利亚|澳洲/i, 'AU'],
  [/\bcanada\b|加拿大/i, 'CA'],
  [/\bgermany\b|德国/i, 'DE'],
  [/\bfrance\b|法国/i, 'FR'],
];

function matchProvince(s: string): { p: ProvinceInfo; len: number } | undefined {
  for (const [form, p] of PROVINCE_FORMS) {
    if (s.startsWith(form)) {
      let len = form.length;
      // 广东省 written as 广东 + 省, 北京 + 市: swallow the suffix.
      if (form !== p.name) {
        const suffix = p.name.slice(form.length);
        if (suffix && s.startsWith(suffix, len)) len += suffix.length;
        else if (s[len] === '省' || s[len] === '市') len += 1;
      }
      return { p, len };
    }
  }
  return undefined;
}

function matchCity(s: string, within?: ProvinceInfo): { c: CityEntry; len: number } | undefined {
  for (const [form, c] of CITY_FORMS) {
    if (within && c.province !== within) continue;
    if (!s.startsWith(form)) continue;
    let len = form.length;
    if (form !== c.name) {
      const rest = s.slice(len);
      if (NOT_AFTER_SHORT.test(rest)) continue;
      const suffix = c.name.slice(form.length);
      if (rest.startsWith(suffix)) len += suffix.length;
      else if (rest[0] === '市') len += 1;
    }
    return { c, len };
  }
  return undefined;
}

const DISTRICT = /^([^\d路街道号巷弄村镇楼室栋座幢单元层,，\s]{1,7}?(?:自治县|自治旗|新区|开发区|区|县|旗|市))/;

export function parseAddress(raw: string): ParsedAddress {
  const original = raw;
  let s = toHalfWidth(String(raw ?? '')).trim();
  if (!s) return { original, country: 'ZZ' };
  let country: string | undefined;
  for (const [re, code] of COUNTRY_WORDS) {
    const m = re.exec(s);
    if (m) {
      country = code;
      s = s.slice(m[0].length);
    }
  }
  // Spaces between Chinese address parts carry no meaning.
  const compact = hasCjk(s) ? s.replace(/\s+/g, '') : s;
  let rest = compact;
  let province: ProvinceInfo | undefined;
  let city: string | undefined;

  const pm = matchProvince(rest);
  if (pm) {
    province = pm.p;
    rest = rest.slice(pm.len);
  }
  if (province && (province.kind === 'municipality' || province.kind === 'sar')) {
    city = province.name;
    // 北京市北京市朝阳区 / 上海市市辖区…: drop the repeat.
    const again = matchProvince(rest);
    if (again && again.p === province) rest = rest.slice(again.len);
    if (rest.startsWith('市辖区')) rest = rest.slice(3);
  } else {
    const cm = matchCity(rest, province);
    if (cm) {
      city = cm.c.name;
      province ??= cm.c.province;
      rest = rest.slice(cm.len);
    }
  }
  let district: string | undefined;
  if (province) {
    const dm = DISTRICT.exec(rest);
    if (dm) {
      district = dm[1];
      rest = rest.slice(dm[1]!.length);
    }
  }
  rest = rest.replace(/^[\s,，、-]+/, '').trim();
  if (!province && !country) {
    for (const [re, code] of FOREIGN) {
      if (re.test(s)) {
        country = code;
        break;
      }
    }
  }
  if (!country) country = province || hasCjk(s) ? 'CN' : 'ZZ';
  const out: ParsedAddress = { original, country };
  if (province) out.province = province.name;
  if (city) out.city = city;
  if (district) out.district = district;
  if (province) {
    if (rest) out.detail = rest;
  } else if (s) {
    out.detail = s;
    if (!hasCjk(s)) Object.assign(out, foreignTail(s));
  }
  return out;
}

/**
 * The reduced parser for addresses outside China, written as most of the world writes them: the
 * locality, a region abbreviation and the postcode at the end ("…, Chicago, IL 60601",
 * "…, St Kilda VIC 3182"), or only a postcode. What it cannot find it leaves out.
 */
const LOCALITY_REGION_POSTCODE = /(?:^|,)\s*([A-Za-z][A-Za-z .'-]*?)[,\s]+([A-Za-z]{2,3})\.?\s+(\d{4,5}(?:-\d{4})?)\s*$/;
const POSTCODE_AT_END = /(?:^|[\s,])(\d{4,5}(?:-\d{4})?)\s*$/;
function foreignTail(s: string): Pick<ParsedAddress, 'city' | 'province' | 'postcode'> {
  const full = LOCALITY_REGION_POSTCODE.exec(s);
  if (full) return { city: localPlace(full[1]!), province: full[2]!.toUpperCase(), postcode: full[3]! };
  const post = POSTCODE_AT_END.exec(s);
  return post ? { postcode: post[1]! } : {};
}

/**
 * A place outside China as a comparable name: spaces collapsed, a name written all in one case
 * title-cased (CHICAGO, chicago → Chicago), a short abbreviation upper-cased (nsw → NSW).
 */
export function localPlace(raw: string): string | undefined {
  const s = toHalfWidth(String(raw ?? '')).replace(/\s+/g, ' ').trim();
  if (!s || hasCjk(s) || !/[A-Za-z]/.test(s)) return undefined;
  if (/^[A-Za-z]{2,3}$/.test(s)) return s.toUpperCase();
  if (s !== s.toLowerCase() && s !== s.toUpperCase()) return s;
  return s.toLowerCase().replace(/(^|[\s'-])([a-z])/g, (_, a: string, b: string) => a + b.toUpperCase());
}

export interface AddressParts {
  /** ISO 3166 alpha-2 (CN for anything in China). */
  country?: string;
  province?: string;
  city?: string;
  district?: string;
  /** What follows the district: street, number, building, room. */
  detail?: string;
}

/**
 * A customer's address as country – province – city – district – detail, from the address text
 * and the province and city known besides it (an address written without its city, 朝阳区建国路88号,
 * is read after the known city). Parts that contradict the known province or city are left out
 * rather than mixed: the known ones come from survivorship and say where the customer is.
 */
export function addressParts(known: { address?: string; province?: string; city?: string }): AddressParts {
  const cn = Boolean((known.province && PROVINCES.some((p) => p.name === known.province)) || (known.city && CITY_BY_NAME.has(known.city)));
  const out: AddressParts = cn ? { country: 'CN' } : {};
  if (!known.address) return { ...out, ...(known.province ? { province: known.province } : {}), ...(known.city ? { city: known.city } : {}) };
  let a = parseAddress(known.address);
  if (!a.province && hasCjk(known.address) && (known.city || known.province)) a = { ...parseAddress(`${known.province ?? ''}${known.city ?? ''}${known.address}`), original: known.address };
  const agrees = (!known.province || !a.province || a.province === known.province) && (!known.city || !a.city || a.city === known.city);
  if (a.country !== 'ZZ') out.country = a.country;
  const province = known.province ?? (agrees ? a.province : undefined);
  const city = known.city ?? (agrees ? a.city : undefined);
  if (province) out.province = province;
  if (city) out.city = city;
  if (agrees && a.district) out.district = a.district;
  if (agrees && a.detail) out.detail = a.detail;
  return out;
}

/** Official province name for a full or short form (广东 → 广东省, 内蒙 → 内蒙古自治区), else undefined. */
export function normalizeProvince(raw: string): string | undefined {
  const s = toHalfWidth(String(raw ?? '')).replace(/\s+/g, '');
  if (!s) return undefined;
  const m = matchProvince(s);
  return m && m.len === s.length ? m.p.name : undefined;
}

/** Official city name for a full or short form (深圳 → 深圳市); municipalities map to themselves. */
export function normalizeCity(raw: string, province?: string): string | undefined {
  const s = toHalfWidth(String(raw ?? '')).replace(/\s+/g, '');
  if (!s) return undefined;
  const pm = matchProvince(s);
  if (pm && pm.len === s.length && (pm.p.kind === 'municipality' || pm.p.kind === 'sar')) return pm.p.name;
  const within = province ? PROVINCES.find((p) => p.name === province) : undefined;
  const cm = matchCity(s, within) ?? (within ? matchCity(s) : undefined);
  return cm && cm.len === s.length ? cm.c.name : undefined;
}

/** The province a city belongs to (深圳市 → 广东省). */
export function provinceOfCity(city: string): string | undefined {
  return CITY_BY_NAME.get(city)?.province.name;
}

/** Names in Google's geocoding data that have since changed (or are misspelt there). */
const CITY_RENAMES: Record<string, string> = {
  襄樊市: '襄阳市', 株州市: '株洲市', 毕节地区: '毕节市', 铜仁地区: '铜仁市', 海东地区: '海东市', 昌都地区: '昌都市',
  林芝地区: '林芝市', 那曲地区: '那曲市', 日喀则地区: '日喀则市', 山南地区: '山南市', 哈密地区: '哈密市', 吐鲁番地区: '吐鲁番市',
};

/**
 * Splits a geocoder description such as 广东省深圳市 / 内蒙古呼和浩特市 / 北京市 into province and city
 * (official names). Where an area code serves several cities (辽宁省沈阳市、铁岭市、抚顺市) the first,
 * the code's home city, is taken. Used for phone locations.
 */
type CnLocation = { province?: string; city?: string; provinceEn?: string; cityEn?: string };
const locationMemo = new Map<string, CnLocation>();
export function splitCnLocation(desc: string): CnLocation {
  let hit = locationMemo.get(desc);
  if (!hit) {
    hit = Object.freeze(splitCnLocationUncached(desc));
    if (locationMemo.size < 10_000) locationMemo.set(desc, hit);
  }
  return hit;
}
function splitCnLocationUncached(desc: string): CnLocation {
  const pm = matchProvince(desc);
  if (!pm) return { city: desc };
  const p = pm.p;
  if (p.kind === 'municipality' || p.kind === 'sar') return { province: p.name, city: p.name, provinceEn: p.en, cityEn: p.en };
  const first = desc.slice(pm.len).split('、')[0];
  if (!first) return { province: p.name, provinceEn: p.en };
  const city = CITY_RENAMES[first] ?? first;
  const known = CITY_BY_NAME.get(city);
  return { province: p.name, city, provinceEn: p.en, ...(known?.en ? { cityEn: known.en } : {}) };
}
