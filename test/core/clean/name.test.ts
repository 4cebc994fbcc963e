import { describe, expect, it } from 'vitest';
import { cleanName } from '../../../functions/core/clean/index.ts';

describe('cleanName', () => {
  it('trims, collapses spaces and folds full-width characters', () => {
    expect(cleanName('  王   小明  ')).toEqual({ value: '王小明', key: '王小明', pinyin: 'wangxiaoming' });
    expect(cleanName('ＪＯＨＮ　　Ｓｍｉｔｈ')).toEqual({ value: 'JOHN Smith', key: 'john smith', pinyin: 'johnsmith' });
    expect(cleanName('Mary   Ann\tLee')?.value).toBe('Mary Ann Lee');
  });

  it('strips honorifics in Chinese and English', () => {
    expect(cleanName('张先生')?.value).toBe('张');
    expect(cleanName('李女士')?.value).toBe('李');
    expect(cleanName('王小姐')?.value).toBe('王');
    expect(cleanName('Mr. John Smith')?.value).toBe('John Smith');
    expect(cleanName('mrs Jane Doe')?.value).toBe('Jane Doe');
    expect(cleanName('Dr. Li Wei')?.value).toBe('Li Wei');
    expect(cleanName('Ms Wong')?.value).toBe('Wong');
  });

  it('drops the notes tills and CRMs append to a name, keeping brackets inside it', () => {
    for (const raw of ['许强(会员)', '许强（老客户）', '许强 VIP', '许强VIP', '许强[svip]', '许强【会员】', '许强会员', '许强先生(会员)'])
      expect(cleanName(raw), raw).toMatchObject({ value: '许强', key: '许强', pinyin: 'xuqiang' });
    expect(cleanName('John (Jack) Smith')?.value).toBe('John (Jack) Smith');
    expect(cleanName('Vipul Shah')?.value).toBe('Vipul Shah');
    expect(cleanName('(会员)')).toBeUndefined();
  });

  it('folds traditional to simplified and case in the key, keeping the written value', () => {
    const t = cleanName('陳曉明');
    expect(t).toEqual({ value: '陳曉明', key: '陈晓明', pinyin: 'chenxiaoming' });
    expect(cleanName('陈晓明')?.key).toBe(t?.key);
    expect(cleanName('張偉')?.key).toBe(cleanName('张伟')?.key);
    expect(cleanName('JOHN SMITH')?.key).toBe(cleanName('john smith')?.key);
  });

  it('gives toneless, space-free pinyin with surname readings', () => {
    expect(cleanName('单田芳')?.pinyin).toBe('shantianfang');
    expect(cleanName('曾小贤')?.pinyin).toBe('zengxiaoxian');
    expect(cleanName('欧阳 娜娜')?.pinyin).toBe('ouyangnana');
  });

  it('returns undefined when nothing usable is left', () => {
    for (const s of ['', '   ', 'N/A', '无', '-', '先生', '女士', 'null']) expect(cleanName(s), s).toBeUndefined();
  });
});
