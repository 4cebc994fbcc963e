/**
 * The one-sentence summary, in the customer's language: Chinese for Chinese data (a CJK name,
 * city or address, or a +86 number without a Latin name), English otherwise.
 *   zh: "28岁女性，上海，高消费力，常购美妆，每月互动3–5次"
 *   en: "28-year-old woman in Shanghai, high spending power, buys beauty often, 3–5 interactions a month"
 */
import type { Language, Level, ProfileBasic, ProfileBehaviour, ProfileConsumption, ProfileDemand } from './types.ts';

const CJK = /[\u3400-\u9fff]/;

export function detectLanguage(basic: ProfileBasic): Language {
  const texts = [basic.name, basic.location.city, basic.location.province, basic.location.address];
  if (texts.some((t) => t && CJK.test(t))) return 'zh';
  if (basic.name && /[A-Za-z]/.test(basic.name)) return 'en';
  return basic.contacts.phones[0]?.startsWith('+86') ? 'zh' : 'en';
}

const ZH_CATEGORIES: Record<string, string> = {
  beauty: '美妆',
  cosmetics: '美妆',
  makeup: '美妆',
  skincare: '护肤',
  shoes: '鞋履',
  apparel: '服饰',
  clothing: '服饰',
  fashion: '服饰',
  electronics: '数码',
  digital: '数码',
  food: '食品',
  grocery: '食品',
  baby: '母婴',
  home: '家居',
  sports: '运动',
  books: '图书',
  jewelry: '珠宝',
  bags: '箱包',
  toys: '玩具',
  pets: '宠物',
};

export function categoryLabel(category: string, lang: Language): string {
  if (lang === 'zh') return ZH_CATEGORIES[category.toLowerCase()] ?? category;
  return category.replace(/_/g, ' ');
}

const ZH_LEVEL: Record<Level, string> = { high: '高消费力', medium: '中等消费力', low: '低消费力' };

function range(monthly: number[]): [number, number] | undefined {
  if (!monthly.length) return undefined;
  return [Math.min(...monthly), Math.max(...monthly)];
}

export interface SummaryInput {
  basic: ProfileBasic;
  consumption: ProfileConsumption;
  behaviour: ProfileBehaviour;
  demand: ProfileDemand;
  spendingPower: Level;
}

export function summarize(p: SummaryInput, lang: Language): string {
  const topBought = [...p.consumption.categories].sort((a, b) => b.orders - a.orders || b.spendCents - a.spendCents)[0]?.category;
  const topInterest = p.demand.interests[0]?.category;
  const r = range(p.behaviour.monthlyInteractions);
  const city = p.basic.location.city ?? p.basic.location.province;
  if (lang === 'zh') {
    const parts: string[] = [];
    const gender = p.basic.gender === 'F' ? '女性' : p.basic.gender === 'M' ? '男性' : '';
    parts.push(p.basic.age !== undefined ? `${p.basic.age}岁${gender || '客户'}` : gender ? `${gender}客户` : '客户');
    // 上海市 → 上海 (a city named by two characters keeps its 市: 沙市 stays).
    if (city) parts.push(city.length > 2 ? city.replace(/[市省]$/, '') : city);
    parts.push(p.consumption.orderCount > 0 ? ZH_LEVEL[p.spendingPower] : '尚未购买');
    if (topBought) parts.push(`常购${categoryLabel(topBought, 'zh')}`);
    else if (topInterest) parts.push(`关注${categoryLabel(topInterest, 'zh')}`);
    if (r && r[1] > 0) parts.push(r[0] === r[1] ? `每月互动${r[0]}次` : `每月互动${r[0]}–${r[1]}次`);
    else parts.push('近期无互动');
    return parts.join('，');
  }
  const who = p.basic.gender === 'F' ? 'woman' : p.basic.gender === 'M' ? 'man' : 'customer';
  let head = p.basic.age !== undefined ? `${p.basic.age}-year-old ${who}` : who[0]!.toUpperCase() + who.slice(1);
  if (city) head += ` in ${city}`;
  const parts = [head];
  parts.push(p.consumption.orderCount > 0 ? `${p.spendingPower} spending power` : 'no purchases yet');
  if (topBought) parts.push(`buys ${categoryLabel(topBought, 'en')} often`);
  else if (topInterest) parts.push(`interested in ${categoryLabel(topInterest, 'en')}`);
  if (r && r[1] > 0) parts.push(r[0] === r[1] ? `${r[0]} interaction${r[0] === 1 ? '' : 's'} a month` : `${r[0]}–${r[1]} interactions a month`);
  else parts.push('no recent interactions');
  return parts.join(', ');
}
