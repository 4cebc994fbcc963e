import { describe, expect, it } from 'vitest';
import { parseDate } from '../../../functions/core/clean/index.ts';

const v = (r: ReturnType<typeof parseDate>) => ('value' in r ? r.value : r.problem.code);

describe('parseDate', () => {
  it('reads the common written forms', () => {
    for (const s of ['1990/3/5', '1990-03-05', '1990.3.5', '19900305', '1990年3月5日', '1990年03月05号', '1990/03/05 00:00:00',
      '1990-03-05T10:20:30Z', '1990-03-05T23:30:00+08:00', '1990-03-05 08:00', '5 March 1990', 'Mar 5, 1990', '05-Mar-1990', '１９９０／３／５'])
      expect(v(parseDate(s)), s).toBe('1990-03-05');
  });

  it('reads Excel serial numbers (1900 system), epoch times and Date objects', () => {
    expect(v(parseDate(32937))).toBe('1990-03-05');
    expect(v(parseDate('32937'))).toBe('1990-03-05');
    expect(v(parseDate(32937.75))).toBe('1990-03-05');
    expect(v(parseDate(1))).toBe('1900-01-01');
    expect(v(parseDate(61))).toBe('1900-03-01');
    expect(v(parseDate(60))).toBe('date.impossible'); // Excel's 1900-02-29
    expect(v(parseDate(19900305))).toBe('1990-03-05');
    expect(v(parseDate(Date.UTC(1990, 2, 5, 12)))).toBe('1990-03-05');
    expect(v(parseDate(new Date(Date.UTC(1990, 2, 5))))).toBe('1990-03-05');
    expect(v(parseDate(new Date(1990, 2, 5)))).toBe('1990-03-05');
  });

  it('resolves D/M vs M/D by the source order or by a part above 12, else flags it', () => {
    expect(v(parseDate('03/05/1990'))).toBe('date.ambiguous');
    expect(v(parseDate('03/05/1990', { order: 'DMY' }))).toBe('1990-05-03');
    expect(v(parseDate('03/05/1990', { order: 'MDY' }))).toBe('1990-03-05');
    expect(v(parseDate('25/03/1990'))).toBe('1990-03-25');
    expect(v(parseDate('03/25/1990'))).toBe('1990-03-25');
    expect(v(parseDate('05/05/1990'))).toBe('1990-05-05');
  });

  it('rejects impossible and incomplete dates with the reason', () => {
    for (const s of ['1990-02-30', '1990-13-01', '1990-00-10', '1991-02-29', '20000-01-01', '0990-01-01', '31/31/1990'])
      expect(v(parseDate(s)), s).toBe('date.impossible');
    expect(v(parseDate('1992-02-29'))).toBe('1992-02-29');
    expect(v(parseDate('2000-02-29'))).toBe('2000-02-29');
    expect(v(parseDate('1900-02-29'))).toBe('date.impossible');
    expect(v(parseDate('1990-03'))).toBe('date.incomplete');
    expect(v(parseDate('1990'))).toBe('date.incomplete');
    expect(v(parseDate('yesterday'))).toBe('date.unrecognized');
    expect(v(parseDate(''))).toBe('date.empty');
    expect(v(parseDate('无'))).toBe('date.placeholder');
    expect(v(parseDate(new Date('nope')))).toBe('date.unrecognized');
  });
});
