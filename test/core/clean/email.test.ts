import { describe, expect, it } from 'vitest';
import { cleanEmail } from '../../../functions/core/clean/index.ts';

describe('cleanEmail', () => {
  it('trims and lower-cases, keeping the original', () => {
    expect(cleanEmail('  John.Doe@Example.COM ')).toEqual({ value: 'john.doe@example.com', original: '  John.Doe@Example.COM ' });
    expect(cleanEmail('mailto:a.b+tag@qq.com')).toEqual({ value: 'a.b+tag@qq.com', original: 'mailto:a.b+tag@qq.com' });
    expect(cleanEmail('张三 <ZhangSan@163.com>')).toMatchObject({ value: 'zhangsan@163.com' });
    expect(cleanEmail('ａｂｃ＠ｑｑ．ｃｏｍ')).toMatchObject({ value: 'abc@qq.com' });
  });

  it('rejects what is not an address, with a reason', () => {
    const code = (s: string) => {
      const r = cleanEmail(s);
      return 'problem' in r ? r.problem.code : 'ok';
    };
    expect(code('')).toBe('email.empty');
    expect(code('无')).toBe('email.placeholder');
    for (const s of ['foo', 'foo@', '@bar.com', 'foo@bar', 'a@@b.com', 'a b@c.com', 'a..b@c.com', '.a@c.com', 'a@-c.com', 'a@c.c0m', 'a@c..com'])
      expect(code(s), s).toBe('email.invalid');
    for (const s of ['a@b.co', 'first.last@sub.example.cn', "o'brien@example.ie", 'x_y-z@mail.example.org']) expect(code(s), s).toBe('ok');
  });
});
