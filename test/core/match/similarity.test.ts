import { describe, expect, it } from 'vitest';
import { addressSimilarity, bigramDice, dateSimilarity, jaro, jaroWinkler, levenshteinRatio, nameSimilarity, tokenSimilarity } from '../../../functions/core/match/similarity.ts';

describe('string similarity', () => {
  it('Jaro and Jaro-Winkler match the published examples', () => {
    expect(jaro('MARTHA', 'MARHTA')).toBeCloseTo(0.944, 3);
    expect(jaroWinkler('MARTHA', 'MARHTA')).toBeCloseTo(0.961, 3);
    expect(jaroWinkler('DWAYNE', 'DUANE')).toBeCloseTo(0.84, 2);
    expect(jaroWinkler('DIXON', 'DICKSONX')).toBeCloseTo(0.813, 3);
    expect(jaroWinkler('abc', 'abc')).toBe(1);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
    expect(jaroWinkler('', '')).toBe(0);
  });

  it('Levenshtein ratio', () => {
    expect(levenshteinRatio('kitten', 'sitting')).toBeCloseTo(1 - 3 / 7);
    expect(levenshteinRatio('+8613812345678', '+8613812345679')).toBeCloseTo(13 / 14);
  });

  it('token similarity survives swapped and missing name parts', () => {
    expect(tokenSimilarity('john smith', 'smith john')).toBe(1);
    expect(tokenSimilarity('green', 'thomas green')).toBeCloseTo(0.9);
    expect(tokenSimilarity('john smith', 'mary jones')).toBeLessThan(0.7);
  });

  it('token similarity splits on any white space and on , . - _ /, and compares tokens in place', () => {
    for (const sep of [' ', '\t', '\u00a0', '\u3000', '\u2009', ', ', '.', '-', '_', '/', ' - '])
      expect(tokenSimilarity(`smith${sep}john`, 'john smith')).toBe(1);
    expect(tokenSimilarity('  john  ', 'john')).toBe(1);
    // a token is not a prefix of another: "jon" against "jonathan" is Jaro-Winkler, not equality
    expect(tokenSimilarity('jon smith', 'jonathan smith')).toBeCloseTo((jaroWinkler('jon', 'jonathan') + 1) / 2);
    expect(tokenSimilarity('', 'john')).toBe(0);
    expect(tokenSimilarity(' , ', 'john')).toBe(0);
  });

  it('name similarity: same key 1, homophone by pinyin 0.95, different names low', () => {
    expect(nameSimilarity('王伟', '王伟', 'wang wei', 'wang wei')).toBe(1);
    expect(nameSimilarity('王伟', '王玮', 'wang wei', 'wang wei')).toBeCloseTo(0.95);
    expect(nameSimilarity('王伟', '李娜', 'wang wei', 'li na')!).toBeLessThan(0.6);
    expect(nameSimilarity(undefined, '李娜', undefined, 'li na')).toBeUndefined();
  });

  it('dates: transposed day/month, one digit off, same month, otherwise different', () => {
    expect(dateSimilarity('1985-03-07', '1985-03-07')).toBe(1);
    expect(dateSimilarity('1985-03-07', '1985-07-03')).toBe(0.85);
    expect(dateSimilarity('1985-03-07', '1986-03-07')).toBe(0.75);
    expect(dateSimilarity('1985-03-07', '1985-03-17')).toBe(0.75);
    expect(dateSimilarity('1985-03-07', '1985-03-22')).toBe(0.6);
    expect(dateSimilarity('1985', '1985-03-22')).toBe(0.5);
    expect(dateSimilarity('1985-03-07', '1962-11-20')).toBe(0);
  });

  it('addresses: Chinese by character bigrams, Latin by fuzzy tokens', () => {
    const a = '上海市徐汇区南京路796号19栋1701室';
    expect(addressSimilarity(a, '徐汇区南京路796号19栋1701室')).toBeGreaterThan(0.85);
    expect(addressSimilarity(a, '上海市 徐汇区 南京路 796号 19栋 1701室')).toBe(1);
    expect(addressSimilarity(a, '北京市朝阳区建国路88号3栋201室')).toBeLessThan(0.3);
    expect(addressSimilarity('6 tullaroop street willaroo', '6 tullaroop st willaroo')).toBeGreaterThan(0.55);
    expect(addressSimilarity('6 tullaroop street', '6 tullarop street')).toBeGreaterThan(0.9);
    expect(bigramDice('ab', 'ab')).toBe(1);
    expect(bigramDice('王', '王')).toBe(1);
  });
});
