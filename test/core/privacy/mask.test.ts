import { describe, expect, it } from 'vitest';
import { maskEmail, maskName, maskPhone, piiKindOfKey, redact, redactText } from '../../../functions/core/privacy/index.ts';

describe('maskPhone', () => {
  it('keeps the country code, the first 3 and the last 4 digits of the national number', () => {
    expect(maskPhone('+8613812345678')).toBe('+86138****5678');
    expect(maskPhone('+86 138-1234-5678')).toBe('+86138****5678');
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('+14155550100')).toBe('+1415***0100');
    expect(maskPhone('+85291234567')).toBe('+85291**4567');
  });
  it('hides short numbers almost entirely and never returns the input digits in a row', () => {
    expect(maskPhone('5678')).toBe('****');
    expect(maskPhone('1234567')).toBe('1**4567');
    for (const n of ['+8613812345678', '02112345678', '13812345678', '+442071838750']) expect(maskPhone(n)).toContain('*');
  });
});

describe('maskEmail and maskName', () => {
  it('masks e-mails to the first character and the domain', () => {
    expect(maskEmail('zhang.san@example.com')).toBe('z***@example.com');
    expect(maskEmail('张三@例子.中国')).toBe('张***@例子.中国');
  });
  it('masks Chinese names per character and Latin names per word', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('John Smith')).toBe('J*** S***');
    expect(maskName('Al')).toBe('A***');
  });
});

describe('redact', () => {
  it('masks by key name at any depth, in English and Chinese, whatever the value shape', () => {
    const input = {
      phone: '+8613812345678',
      phones: ['+8613812345678', '+8613987654321'],
      record: { name: '张三', email: 'zhang@example.com', birthDate: '1990-01-02', address: '上海市黄浦区南京路1号', source: 'pos' },
      raw: { 手机号码: '138 1234 5678', 姓名: '李四', 邮箱: 'li@example.cn' },
      count: 3,
    };
    const out = redact(input);
    expect(out).toEqual({
      phone: '+86138****5678',
      phones: ['+86138****5678', '+86139****4321'],
      record: { name: '张*', email: 'z***@example.com', birthDate: '***', address: '***', source: 'pos' },
      raw: { 手机号码: '138****5678', 姓名: '李*', 邮箱: 'l***@example.cn' },
      count: 3,
    });
    expect(input.phone).toBe('+8613812345678'); // the input is untouched
  });

  it('finds phones, e-mails and name pairs inside free strings', () => {
    expect(redactText('row 12: 13812345678 is taken by p_1, mail zhang@example.com')).toBe('row 12: 138****5678 is taken by p_1, mail z***@example.com');
    expect(redactText('call +86 138 1234 5678 or 021-12345678 or (415) 555-0100')).toBe('call +86138****5678 or 021****5678 or 415***0100');
    expect(redactText('姓名:张三 name=John Smith')).toBe('姓名:张* name=J*** S***');
    expect(redactText('手机13812345678，PHONE#+8613812345678_x')).toBe('手机138****5678，PHONE#+86138****5678_x');
    expect(redactText('{"customerName":"王五","id":7}')).toBe('{"customerName":"王*","id":7}');
  });

  it('leaves ids, dates, times, counts and masked numbers alone', () => {
    const text = 'import IMPORT#raw/incoming/pos/a.csv at 2026-11-20T10:00:00.000Z: 1700000000000 ms, 12345 rows, 138****5678, p_0123456789abcdef, etag a13812345678b9';
    expect(redactText(text)).toBe(text);
  });

  it('masks errors (message and stack), arrays of objects, and survives cycles', () => {
    const error = new Error('duplicate key +8613812345678');
    const cyclic: Record<string, unknown> = { rows: [{ mobile: '13812345678' }] };
    cyclic.self = cyclic;
    const out = redact({ error, cyclic }) as any;
    expect(out.error.message).toBe('duplicate key +86138****5678');
    expect(out.error.stack).not.toContain('13812345678');
    expect(out.cyclic.rows[0].mobile).toBe('138****5678');
    expect(out.cyclic.self).toBe('[circular]');
  });

  it('knows which keys are personal', () => {
    expect(piiKindOfKey('Mobile_Phone')).toBe('phone');
    expect(piiKindOfKey('联系电话')).toBe('phone');
    expect(piiKindOfKey('e-mail')).toBe('email');
    expect(piiKindOfKey('full name')).toBe('name');
    expect(piiKindOfKey('profileId')).toBeUndefined();
    expect(piiKindOfKey('source')).toBeUndefined();
  });
});
