import { describe, expect, it } from 'vitest';
import { cleanIdentity } from '../../../functions/core/clean/index.ts';

const ctx = { source: 'crm', recordId: 'r1' };

describe('cleanIdentity', () => {
  it('cleans every field and keeps valid phones, primary first, de-duplicated', () => {
    const { record, problems, phoneResults } = cleanIdentity(
      {
        phone: ' 138 0013 8001 ',
        phones: ['+86 138-0013-8001', '010-65529988', '138****5678'],
        name: '陳曉明先生',
        email: ' Chen@Example.COM ',
        gender: '男',
        birthDate: '1990年3月5日',
        address: '广东深圳南山区科技园',
        memberId: ' M001 ',
        externalIds: { openid: ' o123 ', empty: ' ' },
      },
      { ...ctx, observedAt: '2024-06-01T10:00:00Z' },
    );
    expect(record).toEqual({
      source: 'crm', recordId: 'r1', phones: ['+8613800138001', '+861065529988'], name: '陳曉明', nameKey: '陈晓明', namePinyin: 'chenxiaoming',
      email: 'chen@example.com', gender: 'M', birthDate: '1990-03-05', address: '广东深圳南山区科技园', province: '广东省', city: '深圳市',
      memberId: 'M001', externalIds: { openid: 'o123' }, observedAt: '2024-06-01T10:00:00Z',
    });
    expect(problems).toEqual([{ field: 'phones', code: 'phone.masked', message: expect.any(String) }]);
    expect(phoneResults.map((r) => r.input)).toEqual([' 138 0013 8001 ', '+86 138-0013-8001', '010-65529988', '138****5678']);
  });

  it('returns a record whose only phone is invalid, with the phone problem', () => {
    const { record, problems } = cleanIdentity({ phone: '11111111111', name: '张三' }, ctx);
    expect(record.phones).toEqual([]);
    expect(record.name).toBe('张三');
    expect(problems).toContainEqual({ field: 'phone', code: 'phone.repeated_digits', message: expect.any(String) });
  });

  it('reads when the source last saw the customer as a date, and names a date it cannot read', () => {
    expect(cleanIdentity({ phone: '13900001111', observedAt: '2022/3/1 14:22' }, ctx).record.observedAt).toBe('2022-03-01');
    const bad = cleanIdentity({ phone: '13900001111', observedAt: 'last spring' }, { ...ctx, observedAt: '2026-01-02' });
    expect(bad.problems).toEqual([expect.objectContaining({ field: 'observedAt', code: 'date.unrecognized' })]);
    expect(bad.record.observedAt).toBe('2026-01-02');
  });

  it('reports a missing phone', () => {
    expect(cleanIdentity({ name: '张三' }, ctx).problems).toContainEqual({ field: 'phone', code: 'phone.missing', message: expect.any(String) });
  });

  it('uses the source context: country, area code, date order', () => {
    const r = cleanIdentity({ phone: '65529988', birthDate: '03/05/1990' }, { ...ctx, defaultAreaCode: '010', dateOrder: 'DMY' });
    expect(r.record.phones).toEqual(['+861065529988']);
    expect(r.record.birthDate).toBe('1990-05-03');
    const us = cleanIdentity({ phone: '(201) 234-5678' }, { ...ctx, defaultCountry: 'US' });
    expect(us.record.phones).toEqual(['+12012345678']);
    const none = cleanIdentity({ phone: '65529988', birthDate: '03/05/1990' }, ctx);
    expect(none.record.phones).toEqual([]);
    expect(none.problems.map((p) => `${p.field}:${p.code}`)).toEqual(['phone:phone.no_area_code', 'birthDate:date.ambiguous']);
  });

  it('splits a phone field holding two numbers', () => {
    expect(cleanIdentity({ phone: '13800138001/13900139000' }, ctx).record.phones).toEqual(['+8613800138001', '+8613900139000']);
  });

  it('reports unusable fields per field and leaves them out', () => {
    const { record, problems } = cleanIdentity(
      { phone: '13800138001', name: '先生', email: 'not-an-email', gender: '?x', birthDate: '1990-02-30', province: '火星', city: '深圳' },
      ctx,
    );
    expect(record).toEqual({ source: 'crm', recordId: 'r1', phones: ['+8613800138001'], city: '深圳市', province: '广东省' });
    expect(problems.map((p) => `${p.field}:${p.code}`)).toEqual([
      'name:name.unusable', 'email:email.invalid', 'gender:gender.unrecognized', 'birthDate:date.impossible', 'province:address.province_unknown',
    ]);
  });

  it('rejects birth dates in the future or before 1900', () => {
    const at = { ...ctx, observedAt: '2024-01-01' };
    expect(cleanIdentity({ phone: '13800138001', birthDate: '2030-01-01' }, at).problems.map((p) => p.code)).toEqual(['birthDate.future']);
    expect(cleanIdentity({ phone: '13800138001', birthDate: '1850-01-01' }, at).problems.map((p) => p.code)).toEqual(['birthDate.implausible']);
  });

  it('prefers explicit province/city fields over the address', () => {
    const r = cleanIdentity({ phone: '13800138001', province: '浙江', city: '杭州', address: '西湖区文三路' }, ctx);
    expect(r.record).toMatchObject({ province: '浙江省', city: '杭州市', address: '西湖区文三路' });
    const m = cleanIdentity({ phone: '13800138001', city: '上海' }, ctx);
    expect(m.record).toMatchObject({ province: '上海市', city: '上海市' });
  });
  it('completes a local number with the area code of its own row: a column, else its city (one code only), else the source default', () => {
    const cn = { ...ctx, defaultCountry: 'CN' as const, defaultAreaCode: '021' };
    expect(cleanIdentity({ phone: '54372798', areaCode: '022' }, cn).record.phones).toEqual(['+862254372798']);
    expect(cleanIdentity({ phone: '54372798', city: '天津' }, cn).record).toMatchObject({ phones: ['+862254372798'], city: '天津市' });
    expect(cleanIdentity({ phone: '54372798', city: '深圳' }, cn).record.phones).toEqual(['+8675554372798']);
    expect(cleanIdentity({ phone: '54372798' }, cn).record.phones).toEqual(['+862154372798']);
    // 铁岭 is listed under two area codes: ambiguous, so neither is guessed
    const tieling = cleanIdentity({ phone: '54372798', city: '铁岭' }, { ...ctx, defaultCountry: 'CN' });
    expect(tieling.record.phones).toEqual([]);
    expect(tieling.problems.map((p) => p.code)).toContain('phone.no_area_code');
    const us = { ...ctx, defaultCountry: 'US' as const };
    expect(cleanIdentity({ phone: '3865286', areaCode: '773' }, us).record.phones).toEqual(['+17733865286']);
    expect(cleanIdentity({ phone: '3865286' }, us).record.phones).toEqual([]);
  });

  it('keeps places outside China in one case, and their postcode, from columns or the end of a one-line address', () => {
    const au = cleanIdentity({ name: 'riley cowley', city: 'st kilda', province: 'vic', postcode: ' 3182 ' }, { ...ctx, defaultCountry: 'AU' });
    expect(au.record).toMatchObject({ city: 'St Kilda', province: 'VIC', postcode: '3182' });
    expect(au.problems.map((p) => p.code)).toEqual(['phone.missing']);
    const us = cleanIdentity({ name: 'Ann Lee', address: '1200 W Harrison St, Chicago, IL 60607' }, { ...ctx, defaultCountry: 'US' });
    expect(us.record).toMatchObject({ city: 'Chicago', province: 'IL', postcode: '60607', address: '1200 W Harrison St, Chicago, IL 60607' });
    // Chinese text that is no Chinese place is still reported
    expect(cleanIdentity({ phone: '13800138001', city: '火星市' }, ctx).problems.map((p) => p.code)).toEqual(['address.city_unknown']);
  });
});
