/** Small text helpers shared by the cleaners. */

/**
 * Full-width ASCII (U+FF01–U+FF5E) → half-width, ideographic/no-break spaces → space,
 * dash look-alikes → '-', zero-width characters removed. Cheap: returns the input untouched when
 * there is nothing to fold.
 */
export function toHalfWidth(s: string): string {
  let needs = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      needs = true;
      break;
    }
  }
  if (!needs) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xff01 && c <= 0xff5e) out += String.fromCharCode(c - 0xfee0);
    else if (c === 0x3000 || c === 0x00a0 || c === 0x2002 || c === 0x2003 || c === 0x2009 || c === 0x202f) out += ' ';
    else if (c === 0x200b || c === 0x200c || c === 0x200d || c === 0xfeff || c === 0x2060) continue;
    else if (c === 0x2010 || c === 0x2011 || c === 0x2012 || c === 0x2013 || c === 0x2014 || c === 0x2015 || c === 0x2212 || c === 0xfe63)
      out += '-';
    else if (c === 0x3002) out += '.';
    else if (c === 0x3001) out += '、';
    else out += s[i];
  }
  return out;
}

/** Values people type when they have nothing to type. Compared after trim + lower-case. */
export const PLACEHOLDERS: ReadonlySet<string> = new Set([
  'n/a', 'na', 'n.a.', 'null', 'nil', 'none', 'undefined', 'nan', 'unknown', 'test', 'tbd', 'no',
  '无', '没有', '暂无', '空', '未知', '不详', '未提供', '保密', '待定', '待补充', '不知道', '没', '无号码', '无电话', '无手机',
]);

/** True when the text carries no information: a known placeholder or only punctuation. */
export function isPlaceholder(trimmed: string): boolean {
  if (PLACEHOLDERS.has(trimmed.toLowerCase())) return true;
  return /^[\s\-_.,/\\|*?#~'"`()[\]{}、，。？！!:;：；—]+$/.test(trimmed);
}

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
export function hasCjk(s: string): boolean {
  return CJK.test(s);
}
