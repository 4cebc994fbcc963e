import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localTime, parseDateTime, parseUtcOffset } from '../../../functions/core/events/datetime.ts';

const CN = 480;
const iso = (v: unknown, offset = CN) => {
  const r = parseDateTime(v, offset);
  return r.ok ? r.iso : `error: ${r.reason}`;
};

describe('parseDateTime', () => {
  it.each([
    ['2024-05-01T12:30:00Z', '2024-05-01T12:30:00.000Z'],
    ['2024-05-01T12:30:00.123456+08:00', '2024-05-01T04:30:00.123Z'],
    ['2024-05-01T12:30+0530', '2024-05-01T07:00:00.000Z'],
    ['2024-05-01 12:30:00-03', '2024-05-01T15:30:00.000Z'],
    ['2024-05-01 12:30:00', '2024-05-01T04:30:00.000Z'],
    ['2024/5/1 8:05', '2024-05-01T00:05:00.000Z'],
    ['2024-05-01', '2024-04-30T16:00:00.000Z'],
    ['2024-02-29', '2024-02-28T16:00:00.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    [' 2024-05-01T00:00:00Z ', '2024-05-01T00:00:00.000Z'],
    [1714521600, '2024-05-01T00:00:00.000Z'],
    [1714521600.5, '2024-05-01T00:00:00.500Z'],
    [1714521600123, '2024-05-01T00:00:00.123Z'],
    ['1714521600', '2024-05-01T00:00:00.000Z'],
    [new Date('2024-05-01T00:00:00Z'), '2024-05-01T00:00:00.000Z'],
  ])('%j → %s', (input, want) => {
    expect(iso(input)).toBe(want);
  });

  it('applies the given default offset only when the text has none', () => {
    expect(iso('2024-05-01 00:00', 0)).toBe('2024-05-01T00:00:00.000Z');
    expect(iso('2024-05-01 00:00Z', -300)).toBe('2024-05-01T00:00:00.000Z');
    expect(iso('2024-05-01 00:00', -300)).toBe('2024-05-01T05:00:00.000Z');
  });

  it.each([
    '2023-02-29', '2100-02-29', '2024-04-31', '2024-00-10', '2024-13-01', '2024-05-01T24:00', '2024-05-01T12:60',
    '2024-05-01T12:00:60', '2024-05-01T12:00+25:00', '2024-05-01T12:00+08:60', '2024-05-01/12:00', '2024-05/01',
    '0999-01-01', '01/05/2024', 'yesterday', '', 20240501, 12345, 99999999999, 1e13, -1714521600, Number.NaN, true, null, {},
    new Date(Number.NaN),
  ])('%j is rejected', (input) => {
    expect(parseDateTime(input, CN).ok).toBe(false);
  });

  it('round-trips any instant through its ISO form, and never throws', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true }), (d) => {
        expect(iso(d.toISOString())).toBe(d.toISOString());
      }),
    );
    fc.assert(fc.property(fc.oneof(fc.string(), fc.double(), fc.jsonValue()), (v) => void parseDateTime(v, CN)));
  });
});

describe('time zones: a source’s clock', () => {
  const at = (v: unknown, zone: number | string) => {
    const r = parseDateTime(v, zone);
    return r.ok ? [r.iso, r.offsetMinutes] : r.reason;
  };

  it('reads a time written without an offset in the source’s IANA zone, daylight saving time included', () => {
    expect(at('2026-11-21 14:05', 'Asia/Shanghai')).toEqual(['2026-11-21T06:05:00.000Z', 480]);
    expect(at('2026-07-01 09:00', 'America/New_York')).toEqual(['2026-07-01T13:00:00.000Z', -240]);
    expect(at('2026-12-01 09:00', 'America/New_York')).toEqual(['2026-12-01T14:00:00.000Z', -300]);
    // a written offset wins over the zone; an epoch is shown at the zone's offset of that instant
    expect(at('2026-07-01 09:00+02:00', 'America/New_York')).toEqual(['2026-07-01T07:00:00.000Z', 120]);
    expect(at(1782896400, 'America/New_York')).toEqual(['2026-07-01T09:00:00.000Z', -240]);
    // 02:30 does not exist on the spring-forward night: read at the offset before the change
    expect(at('2026-03-08 02:30', 'America/New_York')).toEqual(['2026-03-08T07:30:00.000Z', -300]);
  });

  it('shows an instant as the source’s clock read it', () => {
    expect(localTime('2026-11-21T06:05:00.000Z', '+08:00')).toBe('2026-11-21T14:05:00+08:00');
    expect(localTime('2026-12-31T23:30:00.250Z', '-05:00')).toBe('2026-12-31T18:30:00.250-05:00');
    expect(localTime('2026-11-21T06:05:00.000Z', undefined)).toBe('2026-11-21T06:05:00.000Z');
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: -12 * 60, max: 14 * 60 }), (d, minutes) => {
        const r = parseDateTime(d.toISOString(), 0);
        const shown = localTime(r.ok ? r.iso : '', `${minutes < 0 ? '-' : '+'}${String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0')}:${String(Math.abs(minutes) % 60).padStart(2, '0')}`);
        expect(Date.parse(shown)).toBe(d.getTime());
      }),
    );
  });
});

describe('parseUtcOffset', () => {
  it.each([
    ['Z', 0],
    ['+08:00', 480],
    ['+0800', 480],
    ['+08', 480],
    ['-05:30', -330],
    ['8', null],
    ['+24:00', null],
    ['+08:75', null],
  ])('%s → %s', (s, want) => expect(parseUtcOffset(s)).toBe(want));
});
