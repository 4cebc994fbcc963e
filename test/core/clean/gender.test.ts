import { describe, expect, it } from 'vitest';
import { parseGender } from '../../../functions/core/clean/index.ts';

describe('parseGender', () => {
  it('reads Chinese and English forms', () => {
    for (const s of ['男', ' 男 ', '男性', '先生', 'M', 'm', 'Male', 'MALE', 'man', 'Mr', 'Ｍ']) expect(parseGender(s), s).toBe('M');
    for (const s of ['女', '女性', '女士', '小姐', 'F', 'f', 'Female', 'woman', 'Mrs', 'Ms', 'Ｆ']) expect(parseGender(s), s).toBe('F');
  });
  it('returns undefined for anything else', () => {
    for (const s of ['', '未知', 'x', '1', '0', 'other', 'N/A']) expect(parseGender(s), s).toBeUndefined();
    expect(parseGender(undefined)).toBeUndefined();
  });
});
