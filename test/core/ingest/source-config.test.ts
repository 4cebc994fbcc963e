import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSourceConfig, SourceConfigSchema } from '../../../functions/core/ingest/source-config.ts';

const EXAMPLES = join(import.meta.dirname, '../../../examples/sources');

function errorOf(input: unknown): string {
  try {
    parseSourceConfig(input);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected parseSourceConfig to throw');
}

describe('source config', () => {
  it('every example config is valid', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(['app-channel.json', 'au-patients.json', 'crm-export.json', 'mall-orders-ndjson.json', 'pos-purchases.json', 'stores-by-city.json', 'us-sites.json']);
    for (const f of files) {
      const config = parseSourceConfig(JSON.parse(readFileSync(join(EXAMPLES, f), 'utf8')));
      expect(config.name, f).toMatch(/^[a-z]/);
    }
  });

  it('applies defaults and accepts JSON text', () => {
    expect(parseSourceConfig({ name: 'crm' })).toEqual({ name: 'crm', defaultCountry: 'CN' });
    expect(parseSourceConfig('{"name":"pos","defaultCountry":"hk"}')).toEqual({ name: 'pos', defaultCountry: 'HK' });
  });

  it('normalizes friendly spellings of encoding, format and delimiter', () => {
    const c = parseSourceConfig({ name: 'x', encoding: 'UTF-8', format: 'JSONL', delimiter: 'tab' });
    expect(c).toMatchObject({ encoding: 'utf8', format: 'ndjson', delimiter: '\t' });
    expect(parseSourceConfig({ name: 'x', encoding: 'GB2312' }).encoding).toBe('gb18030');
    expect(parseSourceConfig({ name: 'x', encoding: 'utf-16be' }).encoding).toBe('utf16be');
    expect(parseSourceConfig({ name: 'x', delimiter: ';' }).delimiter).toBe(';');
  });

  it('accepts one path or a list of paths per field', () => {
    const c = parseSourceConfig({ name: 'x', fields: { phone: ['手机', ' 电话 '], name: 'buyer.name' } });
    expect(c.fields).toEqual({ phone: ['手机', '电话'], name: 'buyer.name' });
  });

  it('lists every problem with its path in plain words', () => {
    const message = errorOf({
      name: 'POS Shanghai',
      defualtCountry: 'CN',
      defaultCountry: 'ZZ',
      encoding: 'latin9',
      delimiter: '::',
      fields: { phone: 13812345678, mobile: '手机', email: '' },
      externalIds: { 'open-id': 'openid' },
      events: { mapping: { pay_success: { tag: 'Purchase' } }, attributes: { orderId: 'order.id' } },
    });
    const lines = message.split('\n');
    expect(lines[0]).toBe('invalid source config "POS Shanghai":');
    expect(lines.slice(1).sort()).toEqual(
      [
        '  - (root): unknown key "defualtCountry" (expected one of name, kind, description, defaultCountry, defaultAreaCode, dateOrder, timezone, encoding, format, sheet, delimiter, skipRows, recordId, fields, externalIds, consent, events)',
        '  - name: expected a slug: letters, digits, "-" and "_", starting with a letter or digit, at most 64 characters',
        '  - defaultCountry: expected a two-letter country code such as "CN"',
        '  - encoding: expected one of utf8, gb18030, gbk, utf16le, utf16be',
        '  - delimiter: expected one character (or "tab", "comma", "semicolon", "pipe")',
        '  - fields.phone: expected a column name or JSON path, a list of them, or { \"join\": [columns], \"separator\": \" \" }',
        '  - fields.email: expected a column name or JSON path',
        '  - fields: unknown key "mobile" (expected one of phone, phones, name, email, gender, birthDate, address, province, city, postcode, areaCode, memberId, observedAt)',
        '  - externalIds["open-id"]: invalid key: id names are letters, digits and "_", such as "openid"',
        '  - events.mapping.pay_success.tag: expected a snake_case tag such as "purchase"',
        '  - events.attributes.orderId: invalid key: attribute names are snake_case, such as "order_id"',
        '  - events: set "tag" (every row is that event) or "eventName" (where the native event name is), or both',
        '  - events.mapping: a mapping needs "eventName": the path of the native event name',
      ].sort(),
    );
  });

  it('names the wrong type of a whole section', () => {
    expect(errorOf(null)).toBe('invalid source config:\n  - (root): expected a JSON object');
    expect(errorOf({ name: 'x', fields: 'phone' })).toBe('invalid source config "x":\n  - fields: expected an object of canonical field → column name or JSON path');
    expect(errorOf({ name: 'x', skipRows: 1.5 })).toBe('invalid source config "x":\n  - skipRows: expected a whole number');
    expect(errorOf({ name: 'x', timezone: 'Mars/Base' })).toContain('timezone: expected an IANA time zone');
    expect(errorOf({ name: 'x', dateOrder: 'ymd' })).toContain('dateOrder: expected "YMD", "DMY" or "MDY"');
    expect(errorOf('{"name":')).toMatch(/^invalid source config:\n  - \(root\): not valid JSON/);
  });

  it('the schema object is exported for other validators', () => {
    expect(SourceConfigSchema.safeParse({ name: 'ok', kind: 'channel' }).success).toBe(true);
    expect(SourceConfigSchema.safeParse({ name: 'ok', kind: 'webhook' }).success).toBe(false);
  });
});
