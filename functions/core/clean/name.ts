/**
 * Names: display value, a comparison key (simplified Chinese, case-folded, honorifics stripped) and
 * a space-free, toneless pinyin key for fuzzy comparison across characters that sound alike.
 */
import * as OpenCC from 'opencc-js/t2cn';
import { pinyin } from 'pinyin-pro';
import { isPlaceholder } from './text.ts';

export interface CleanName {
  value: string;
  key: string;
  pinyin: string;
}

// Created once per process: building the converter loads its dictionaries.
let toSimplified: ((s: string) => string) | undefined;
function simplified(s: string): string {
  const conv = (toSimplified ??= OpenCC.Converter({ from: 'tw', to: 'cn' }));
  return conv(s);
}

const HONORIFIC_PREFIX = /^(?:(?:mr|mrs|ms|miss|mx|dr|prof|sir|madam|mme|mlle|herr|frau)\.?\s+)+/i;
const HONORIFIC_SUFFIX = /(?:先生|女士|小姐|太太|夫人|老师|同学|阿姨|师傅)$/;
/** A note a till or CRM appends to the name: `(会员)`, `（老客户）`, `[VIP]`, ` VIP`, `会员`. */
const ANNOTATION_SUFFIX = /(?:\s*[(（\[【][^()（）\[\]【】]*[)）\]】]|\s*\b(?:s?vip)\b|\s*(?:会员|贵宾))+$/i;
const CJK_SPACE = /([\u3400-\u9fff\uf900-\ufaff·])\s+(?=[\u3400-\u9fff\uf900-\ufaff·])/g;

/** Returns undefined for empty or placeholder names, or a name that is only an honorific or a note. */
export function cleanName(raw: string): CleanName | undefined {
  if (raw == null) return undefined;
  // NFKC folds full-width letters, digits and spaces to their ordinary forms.
  let v = String(raw).normalize('NFKC').replace(/[\u200b-\u200d\ufeff]/g, '').replace(/\s+/g, ' ').trim();
  v = v.replace(/^["'“”‘’`]+|["'“”‘’`]+$/g, '').trim();
  if (!v || isPlaceholder(v)) return undefined;
  v = v.replace(CJK_SPACE, '$1');
  // a note alone says nobody's name
  v = v.replace(ANNOTATION_SUFFIX, '').trim();
  if (!v) return undefined;
  const noPrefix = v.replace(HONORIFIC_PREFIX, '').trim();
  if (noPrefix) v = noPrefix;
  const noSuffix = v.replace(HONORIFIC_SUFFIX, '').trim();
  if (noSuffix && noSuffix !== v) v = noSuffix;
  else if (!noSuffix) return undefined;
  v = v.replace(/[\s,，.。]+$/, '').trim();
  if (!v) return undefined;
  const key = simplified(v).toLowerCase();
  const py = pinyin(key, { toneType: 'none', type: 'array', surname: 'head', nonZh: 'consecutive' })
    .join('')
    .toLowerCase()
    .replace(/[\s·.\-'’]/g, '');
  return { value: v, key, pinyin: py };
}
