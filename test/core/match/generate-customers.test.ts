import { isValidPhoneNumber, parsePhoneNumber } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { cleanName } from '../../../functions/core/clean/index.ts';
import { generateCleanRecords, generateCustomers, Rng } from '../../support/generate-customers.ts';

describe('generateCustomers', () => {
  const g = generateCustomers({ people: 3000, seed: 5 });
  const phones = g.records.map((r) => r.raw.phone).filter((p): p is string => !!p);

  it('is deterministic by seed', () => {
    expect(generateCustomers({ people: 200, seed: 9 })).toEqual(generateCustomers({ people: 200, seed: 9 }));
    expect(generateCustomers({ people: 200, seed: 9 })).not.toEqual(generateCustomers({ people: 200, seed: 10 }));
    const r = new Rng(1);
    const xs = Array.from({ length: 1000 }, () => r.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((a, b) => a + b) / xs.length).toBeCloseTo(0.5, 1);
  });

  it('gives every person valid Chinese numbers: a mobile first, sometimes a second mobile and a landline', () => {
    for (const p of g.people) {
      for (const ph of p.phones) expect(isValidPhoneNumber(ph), ph).toBe(true);
      expect(parsePhoneNumber(p.phones[0]!).getType()).toBe('MOBILE');
    }
    const types = g.people.flatMap((p) => p.phones.slice(1).map((x) => parsePhoneNumber(x).getType()));
    expect(types.filter((t) => t === 'MOBILE').length).toBeGreaterThan(300);
    expect(types.filter((t) => t === 'FIXED_LINE').length).toBeGreaterThan(200);
    expect(g.records.length / g.people.length).toBeGreaterThan(1.5);
  });

  it('writes numbers in mixed formats, with invalid, masked and shared store numbers', () => {
    expect(phones.some((p) => /^1\d{2}-\d{4}-\d{4}$/.test(p))).toBe(true);
    expect(phones.some((p) => /^\+86 1\d{2} \d{4} \d{4}$/.test(p))).toBe(true);
    expect(phones.some((p) => /^861\d{10}$/.test(p))).toBe(true);
    expect(phones.some((p) => p.startsWith('(+86)'))).toBe(true);
    expect(phones.some((p) => /[０-９]/.test(p))).toBe(true);
    expect(phones.some((p) => /^0\d{2,3}-\d{8}$/.test(p))).toBe(true);
    expect(phones).toContain('11111111111');
    expect(phones.some((p) => /^1\d{2}\*{4}\d{4}$/.test(p))).toBe(true);
    const owners = new Map<string, Set<string>>();
    for (const r of g.records) if (r.raw.phone) (owners.get(r.raw.phone.replace(/\D/g, '').slice(-8)) ?? owners.set(r.raw.phone.replace(/\D/g, '').slice(-8), new Set()).get(r.raw.phone.replace(/\D/g, '').slice(-8))!).add(r.personId);
    expect([...owners.values()].some((s) => s.size > 10)).toBe(true);
  });

  it('varies names: common-name collisions, traditional characters, homophone typos', () => {
    const byName = new Map<string, Set<string>>();
    for (const p of g.people) (byName.get(p.name) ?? byName.set(p.name, new Set()).get(p.name)!).add(p.personId);
    expect(byName.get('王伟')!.size).toBeGreaterThanOrEqual(5);
    expect(byName.get('李娜')!.size).toBeGreaterThanOrEqual(5);
    const people = new Map(g.people.map((p) => [p.personId, p]));
    let traditional = 0;
    let typo = 0;
    for (const r of g.records) {
      if (!r.raw.name) continue;
      const truth = people.get(r.personId)!.name;
      if (r.raw.name !== truth && cleanName(r.raw.name)?.key === truth && /[偉麗強軍華國劉陳楊張趙]/.test(r.raw.name)) traditional++;
      else if (cleanName(r.raw.name)?.key !== truth) typo++;
    }
    expect(traditional).toBeGreaterThan(50);
    expect(typo).toBeGreaterThan(50);
  });

  it('writes birth dates in mixed formats and carries e-mail, member id and openid', () => {
    const dates = g.records.map((r) => r.raw.birthDate).filter(Boolean) as string[];
    for (const re of [/^\d{4}-\d{2}-\d{2}$/, /^\d{4}\/\d{1,2}\/\d{1,2}$/, /^\d{8}$/, /^\d{4}年\d{1,2}月\d{1,2}日$/]) expect(dates.some((d) => re.test(d)), String(re)).toBe(true);
    expect(g.records.filter((r) => r.raw.email).length).toBeGreaterThan(300);
    expect(g.records.filter((r) => r.raw.memberId).length).toBeGreaterThan(300);
    expect(g.records.filter((r) => r.raw.externalIds?.openid).length).toBeGreaterThan(300);
    expect(new Set(g.people.map((p) => p.email).filter(Boolean)).size).toBe(g.people.filter((p) => p.email).length);
  });
});

describe('generateCleanRecords', () => {
  it('makes the requested number of cleaned records with truth, deterministically', () => {
    const a = generateCleanRecords({ records: 2000, seed: 1 });
    expect(a.records).toHaveLength(2000);
    expect(a.personOf).toHaveLength(2000);
    expect(a.records.every((r) => r.phones.every((p) => /^\+86\d{10,11}$/.test(p)))).toBe(true);
    expect(new Set(a.personOf).size).toBeLessThan(1500);
    expect(generateCleanRecords({ records: 2000, seed: 1 })).toEqual(a);
  });
});
