import { describe, expect, it } from 'vitest';
import { addressParts, normalizeCity, normalizeProvince, parseAddress, PROVINCES } from '../../../functions/core/clean/index.ts';

describe('parseAddress', () => {
  it('splits province, city, district and detail, keeping the original', () => {
    expect(parseAddress('广东省深圳市南山区科技园南区')).toEqual({
      original: '广东省深圳市南山区科技园南区', country: 'CN', province: '广东省', city: '深圳市', district: '南山区', detail: '科技园南区',
    });
    expect(parseAddress('浙江省 杭州市 西湖区 文三路 100号')).toMatchObject({ province: '浙江省', city: '杭州市', district: '西湖区', detail: '文三路100号' });
  });

  it('normalizes short forms to the official names', () => {
    expect(parseAddress('广东深圳南山区')).toMatchObject({ province: '广东省', city: '深圳市', district: '南山区' });
    expect(parseAddress('内蒙呼和浩特')).toMatchObject({ province: '内蒙古自治区', city: '呼和浩特市' });
    expect(parseAddress('广西南宁青秀区')).toMatchObject({ province: '广西壮族自治区', city: '南宁市', district: '青秀区' });
    expect(parseAddress('新疆乌鲁木齐')).toMatchObject({ province: '新疆维吾尔自治区', city: '乌鲁木齐市' });
    expect(parseAddress('云南大理古城')).toMatchObject({ province: '云南省', city: '大理白族自治州', detail: '古城' });
    expect(parseAddress('深圳市福田区')).toMatchObject({ province: '广东省', city: '深圳市', district: '福田区' });
    expect(parseAddress('中国浙江杭州西湖区')).toMatchObject({ country: 'CN', province: '浙江省', city: '杭州市', district: '西湖区' });
    expect(parseAddress('吉林省吉林市船营区')).toMatchObject({ province: '吉林省', city: '吉林市', district: '船营区' });
  });

  it('treats municipalities and SARs as their own city', () => {
    expect(parseAddress('北京朝阳区建国路88号')).toMatchObject({ province: '北京市', city: '北京市', district: '朝阳区', detail: '建国路88号' });
    expect(parseAddress('上海市上海市浦东新区世纪大道100号')).toMatchObject({ province: '上海市', city: '上海市', district: '浦东新区' });
    expect(parseAddress('天津和平区')).toMatchObject({ province: '天津市', city: '天津市', district: '和平区' });
    expect(parseAddress('重庆市渝中区解放碑')).toMatchObject({ province: '重庆市', city: '重庆市', district: '渝中区', detail: '解放碑' });
    expect(parseAddress('香港九龙尖沙咀')).toMatchObject({ province: '香港特别行政区', city: '香港特别行政区', detail: '九龙尖沙咀' });
    expect(parseAddress('澳门氹仔')).toMatchObject({ province: '澳门特别行政区' });
  });

  it('does not invent a province or city it cannot see', () => {
    expect(parseAddress('朝阳区建国路88号')).toEqual({ original: '朝阳区建国路88号', country: 'CN', detail: '朝阳区建国路88号' });
    expect(parseAddress('123 Main St, Springfield, USA')).toMatchObject({ country: 'US', detail: '123 Main St, Springfield, USA' });
    expect(parseAddress('')).toEqual({ original: '', country: 'ZZ' });
  });

  it('covers all 34 provincial-level divisions', () => {
    expect(PROVINCES).toHaveLength(34);
    for (const p of PROVINCES) {
      expect(normalizeProvince(p.name), p.name).toBe(p.name);
      for (const s of p.short) expect(normalizeProvince(s), s).toBe(p.name);
    }
    expect(normalizeProvince('火星')).toBeUndefined();
  });

  it('normalizes city fields', () => {
    expect(normalizeCity('深圳')).toBe('深圳市');
    expect(normalizeCity('深圳市')).toBe('深圳市');
    expect(normalizeCity('北京')).toBe('北京市');
    expect(normalizeCity('延边')).toBe('延边朝鲜族自治州');
    expect(normalizeCity('襄阳')).toBe('襄阳市');
    expect(normalizeCity('吉林', '吉林省')).toBe('吉林市');
    expect(normalizeCity('不存在')).toBeUndefined();
  });
});

describe('addressParts', () => {
  it('reads a customer’s address as country – province – city – district – detail', () => {
    expect(addressParts({ address: '广东深圳南山区科技园10栋', province: '广东省', city: '深圳市' })).toEqual({ country: 'CN', province: '广东省', city: '深圳市', district: '南山区', detail: '科技园10栋' });
    expect(addressParts({ address: '上海 徐汇区 漕溪北路 88 号 1201室' })).toEqual({ country: 'CN', province: '上海市', city: '上海市', district: '徐汇区', detail: '漕溪北路88号1201室' });
  });

  it('reads an address written without its city after the city known besides it', () => {
    expect(addressParts({ address: '朝阳区建国路88号', province: '北京市', city: '北京市' })).toEqual({ country: 'CN', province: '北京市', city: '北京市', district: '朝阳区', detail: '建国路88号' });
  });

  it('leaves out parts that contradict the known city, and keeps what it knows without an address', () => {
    expect(addressParts({ address: '广州市天河区体育西路1号', province: '广东省', city: '深圳市' })).toEqual({ country: 'CN', province: '广东省', city: '深圳市' });
    expect(addressParts({ province: '上海市', city: '上海市' })).toEqual({ country: 'CN', province: '上海市', city: '上海市' });
    expect(addressParts({})).toEqual({});
    expect(addressParts({ address: '123 Main St, Chicago, IL 60601' })).toEqual({ province: 'IL', city: 'Chicago', detail: '123 Main St, Chicago, IL 60601' });
  });
});
