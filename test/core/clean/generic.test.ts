import { describe, expect, it } from 'vitest';
import { detectGenericPhones } from '../../../functions/core/clean/index.ts';

describe('detectGenericPhones', () => {
  const store = '+862162795000';
  const rows = [
    ...['张三', '李四', '王五', '赵六', '钱七', '孙八'].map((name) => ({ phone: store, name })),
    { phone: '+8613800138000', name: '陈晓明' },
    { phone: '+8613800138000', name: '陳曉明' }, // same person, traditional characters
    { phone: '+8613800138000', name: '陈晓明先生' }, // same person, honorific
    { phone: '+8613800138000', memberId: 'M1' },
    { phone: '+8613800138000', name: '陈晓明', memberId: 'M1' },
  ];

  it('flags a number shared by many distinct people', () => {
    const g = detectGenericPhones(rows);
    expect([...g.keys()]).toEqual([store]);
    expect(g.get(store)).toEqual({ distinctPeople: 6 });
  });

  it('does not count one person twice across name spellings or ids', () => {
    expect(detectGenericPhones(rows, { minDistinctPeople: 2 }).has('+8613800138000')).toBe(false);
  });

  it('honours the threshold and counts member ids', () => {
    expect(detectGenericPhones(rows, { minDistinctPeople: 7 }).size).toBe(0);
    const byMember = Array.from({ length: 5 }, (_, i) => ({ phone: '+8610', memberId: `m${i}` }));
    expect(detectGenericPhones(byMember).get('+8610')).toEqual({ distinctPeople: 5 });
    expect(detectGenericPhones(byMember, { minDistinctPeople: 6 }).size).toBe(0);
  });
});
