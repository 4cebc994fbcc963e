import { describe, expect, it } from 'vitest';
import { detectMapping, normalizeHeader, withDetectedMapping } from '../../../functions/core/ingest/headers.ts';
import { parseSourceConfig } from '../../../functions/core/ingest/source-config.ts';

describe('header detection', () => {
  it('recognizes the Chinese headers of SPEC §3', () => {
    const d = detectMapping(['客户编号', '顾客姓名', '手机号码', '电子邮箱', '性别', '出生日期', '联系地址', '省份', '城市', '会员卡号', '备注']);
    expect(d).toEqual({
      fields: {
        name: '顾客姓名',
        phone: '手机号码',
        email: '电子邮箱',
        gender: '性别',
        birthDate: '出生日期',
        address: '联系地址',
        province: '省份',
        city: '城市',
        memberId: '会员卡号',
      },
      recordId: '客户编号',
      unrecognized: ['备注'],
    });
    for (const h of ['手机', '手机号', '手机号码', '联系电话', '电话']) expect(detectMapping([h]).fields, h).toEqual({ phone: h });
    for (const h of ['姓名', '顾客姓名', '客户姓名']) expect(detectMapping([h]).fields, h).toEqual({ name: h });
    for (const h of ['邮箱', '电子邮箱']) expect(detectMapping([h]).fields, h).toEqual({ email: h });
    for (const h of ['生日', '出生日期']) expect(detectMapping([h]).fields, h).toEqual({ birthDate: h });
    for (const h of ['省', '省份']) expect(detectMapping([h]).fields, h).toEqual({ province: h });
    for (const h of ['市', '城市']) expect(detectMapping([h]).fields, h).toEqual({ city: h });
    for (const h of ['会员号', '会员卡号']) expect(detectMapping([h]).fields, h).toEqual({ memberId: h });
    for (const h of ['地址', '联系地址']) expect(detectMapping([h]).fields, h).toEqual({ address: h });
    for (const h of ['最后消费时间', '更新时间', 'last_seen', 'updated_at']) expect(detectMapping([h]).fields, h).toEqual({ observedAt: h });
  });

  it('recognizes English headers whatever the case, spaces, underscores or dashes', () => {
    const d = detectMapping(['ID', 'Full Name', 'Mobile Phone', 'E-mail', 'SEX', 'Date of Birth', 'Address', 'State', 'City', 'member_id']);
    expect(d.fields).toEqual({
      name: 'Full Name',
      phone: 'Mobile Phone',
      email: 'E-mail',
      gender: 'SEX',
      birthDate: 'Date of Birth',
      address: 'Address',
      province: 'State',
      city: 'City',
      memberId: 'member_id',
    });
    expect(d.recordId).toBe('ID');
    for (const h of ['mobile', 'Phone', 'TEL', 'telephone', 'phone number', 'phone_number', 'Mobile-Phone']) {
      expect(detectMapping([h]).fields, h).toEqual({ phone: h });
    }
    for (const h of ['name', 'Customer Name', 'full_name']) expect(detectMapping([h]).fields, h).toEqual({ name: h });
    for (const h of ['birthday', 'DOB', 'date_of_birth']) expect(detectMapping([h]).fields, h).toEqual({ birthDate: h });
    for (const h of ['id', 'ID', 'record_id', '编号', '客户编号']) expect(detectMapping([h]).recordId, h).toBe(h);
  });

  it('matches whole names only, after removing bracketed notes and full-width forms', () => {
    expect(normalizeHeader('手机号(必填)')).toBe('手机号');
    expect(normalizeHeader('金额（元）')).toBe('金额');
    expect(normalizeHeader('ＭＯＢＩＬＥ')).toBe('mobile');
    expect(detectMapping(['手机号码（必填）*']).fields).toEqual({ phone: '手机号码（必填）*' });
    expect(detectMapping(['Product Name', 'Nickname', 'Phone Brand']).fields).toEqual({});
  });

  it('ranks several phone columns: mobile first, then general, numbered and secondary ones go to phones', () => {
    const d = detectMapping(['电话2', '备用电话', '联系电话', '手机', '电话1']);
    expect(d.fields.phone).toBe('手机');
    expect(d.fields.phones).toEqual(['联系电话', '电话1', '电话2', '备用电话']);
    expect(detectMapping(['Home Phone']).fields).toEqual({ phone: 'Home Phone' });
  });

  it('turns a POS sheet with purchase columns into purchase events', () => {
    const d = detectMapping(['小票号', '会员手机', '顾客姓名', '商品名称', '品类', '数量', '单价', '金额', '下单时间', '门店']);
    expect(d.fields).toEqual({ phone: '会员手机', name: '顾客姓名' });
    expect(d.events).toEqual({
      tag: 'purchase',
      timestamp: '下单时间',
      attributes: { order_id: '小票号', product_name: '商品名称', product_id: '商品名称', category: '品类', quantity: '数量', price: '单价', amount: '金额', store: '门店' },
    });
    const en = detectMapping(['Order ID', 'Phone', 'SKU', 'Product', 'Category', 'Qty', 'Unit Price', 'Amount', 'Order Time']);
    expect(en.events).toEqual({
      tag: 'purchase',
      timestamp: 'Order Time',
      attributes: { order_id: 'Order ID', product_id: 'SKU', product_name: 'Product', category: 'Category', quantity: 'Qty', price: 'Unit Price', amount: 'Amount' },
    });
    // A customer list with a date column is not a purchase sheet.
    expect(detectMapping(['姓名', '手机', '日期']).events).toBeUndefined();
  });

  it('finds extra ids', () => {
    expect(detectMapping(['openid', 'UnionID', 'Device ID']).externalIds).toEqual({ openid: 'openid', unionid: 'UnionID', device_id: 'Device ID' });
  });

  it('withDetectedMapping fills only what the config leaves out', () => {
    const headers = ['编号', '手机', '姓名', '金额'];
    const bare = withDetectedMapping(parseSourceConfig({ name: 'pos' }), headers);
    expect(bare).toMatchObject({ recordId: '编号', fields: { phone: '手机', name: '姓名' }, events: { tag: 'purchase', attributes: { amount: '金额' } } });
    const partial = withDetectedMapping(parseSourceConfig({ name: 'pos', fields: { name: '备注' }, events: { tag: 'login' } }), headers);
    expect(partial.fields).toEqual({ phone: '手机', name: '备注' });
    expect(partial.events).toEqual({ tag: 'login' });
  });
});
