import { describe, expect, it } from 'vitest';
import { parseConsentValue } from '../../../functions/core/ingest/consent.ts';
import { decodeChunk, encodeChunkHeader, encodeChunkRow } from '../../../functions/core/ingest/chunks.ts';
import { mapRow } from '../../../functions/core/ingest/map-row.ts';
import { parseSourceConfig } from '../../../functions/core/ingest/source-config.ts';
import type { RowResult } from '../../../functions/core/ingest/row-result.ts';
import { chunked } from './helpers.ts';

describe('consent values', () => {
  it('reads yes/no in English, Chinese and digits', () => {
    for (const v of ['yes', 'Y', 'TRUE', '1', 1, true, '是', '同意', '已订阅', ' opt-in ']) expect(parseConsentValue(v), String(v)).toBe(true);
    for (const v of ['no', 'N', 'false', '0', 0, false, '否', '拒绝', '不同意', '退订']) expect(parseConsentValue(v), String(v)).toBe(false);
    for (const v of ['', 'maybe', 2, null, undefined, '未知']) expect(parseConsentValue(v), String(v)).toBeUndefined();
  });

  it('maps consent columns and nested paths onto record.consent, skipping what says nothing', () => {
    const config = parseSourceConfig({
      name: 'crm',
      fields: { phone: '手机' },
      consent: { sms: '短信订阅', email: { value: 'prefs.email', at: 'prefs.email_at' }, wechat: '微信' },
    });
    const r = mapRow({ 手机: '13812345678', 短信订阅: '同意', prefs: { email: 'no', email_at: '2024-03-05 10:00' }, 微信: '?' }, config, { fileName: 'f', rowNumber: 1 });
    expect('problem' in r).toBe(false);
    expect((r as { consent?: unknown }).consent).toEqual({ sms: { granted: true }, email: { granted: false, at: '2024-03-05 10:00' } });
  });

  it('names a bad consent entry by its path', () => {
    expect(() => parseSourceConfig({ name: 'crm', consent: { SMS: 'x', email: { at: 'y' } } })).toThrow(/consent/);
  });
});

describe('chunk files of a fanned-out import', () => {
  it('round-trips rows, problems and Date cells, with the header first', async () => {
    const rows: RowResult[] = [
      { rowNumber: 7, fields: { 手机: '13812345678', 生日: new Date('1990-03-05T00:00:00Z'), n: 3, nested: { a: [1, 'x'] } }, line: 8 },
      { rowNumber: 8, problem: { code: 'row.malformed', message: 'row 8: unclosed quote' }, raw: '"a,b\nc', line: 9 },
    ];
    const text = [encodeChunkHeader({ chunk: 2, firstRow: 7, config: { name: 'pos' } }), ...rows.map(encodeChunkRow)].join('\n') + '\n';
    const { header, rows: out } = await decodeChunk(chunked(text, 5));
    expect(header).toEqual({ chunk: 2, firstRow: 7, config: { name: 'pos' } });
    const back: RowResult[] = [];
    for await (const r of out) back.push(r);
    expect(back).toEqual(rows);
    expect((back[0] as { fields: Record<string, unknown> }).fields['生日']).toBeInstanceOf(Date);
  });
});
