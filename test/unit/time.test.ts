import { describe, expect, it } from 'vitest';
import {
  addDays,
  atMinutes,
  dayKey,
  daysBetween,
  formatLocal,
  monthKey,
  parseDayKey,
  parseHm,
  startOfDay,
  weekdayOf,
  zonedParts,
  zonedTime,
} from '../../src/platform/time';

const iso = (d: Date) => d.toISOString();

describe('zonedParts', () => {
  it('reads the Shanghai wall clock of a UTC instant, with Monday-based weekday', () => {
    expect(zonedParts(new Date('2026-03-06T09:00:05Z'), 'Asia/Shanghai')).toEqual({
      year: 2026,
      month: 3,
      day: 6,
      hour: 17,
      minute: 0,
      second: 5,
      weekday: 5,
    });
  });

  it('reports midnight as hour 0 and Sunday as weekday 7', () => {
    const p = zonedParts(new Date('2026-03-07T16:00:00Z'), 'Asia/Shanghai');
    expect(p).toMatchObject({ year: 2026, month: 3, day: 8, hour: 0, minute: 0, weekday: 7 });
  });

  it('rolls the date over across the year boundary in a zone ahead of UTC', () => {
    expect(zonedParts(new Date('2025-12-31T16:30:00Z'), 'Asia/Shanghai')).toMatchObject({
      year: 2026,
      month: 1,
      day: 1,
      hour: 0,
      minute: 30,
      weekday: 4,
    });
  });

  it('rejects an unknown timezone and an invalid date', () => {
    expect(() => zonedParts(new Date(), 'Mars/Olympus_Mons')).toThrow(RangeError);
    expect(() => zonedParts(new Date(Number.NaN), 'UTC')).toThrow(RangeError);
  });
});

describe('zonedTime', () => {
  it('finds the instant a Shanghai wall clock shows a given time', () => {
    expect(iso(zonedTime('Asia/Shanghai', 2026, 3, 6, 17, 0))).toBe('2026-03-06T09:00:00.000Z');
    expect(iso(zonedTime('Asia/Shanghai', 2026, 3, 6))).toBe('2026-03-05T16:00:00.000Z');
  });

  it('handles standard and daylight time in New York and Berlin', () => {
    expect(iso(zonedTime('America/New_York', 2026, 1, 15, 9, 0))).toBe('2026-01-15T14:00:00.000Z');
    expect(iso(zonedTime('America/New_York', 2026, 7, 15, 9, 0))).toBe('2026-07-15T13:00:00.000Z');
    expect(iso(zonedTime('Europe/Berlin', 2026, 1, 15, 9, 0))).toBe('2026-01-15T08:00:00.000Z');
    expect(iso(zonedTime('Europe/Berlin', 2026, 7, 15, 9, 0))).toBe('2026-07-15T07:00:00.000Z');
  });

  it('shifts a wall time inside the spring-forward gap forward by the size of the gap', () => {
    // New York 2026-03-08: 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist → 03:30 EDT.
    expect(iso(zonedTime('America/New_York', 2026, 3, 8, 2, 30))).toBe('2026-03-08T07:30:00.000Z');
    // Berlin 2026-03-29: 02:00 CET jumps to 03:00 CEST.
    expect(iso(zonedTime('Europe/Berlin', 2026, 3, 29, 2, 30))).toBe('2026-03-29T01:30:00.000Z');
  });

  it('chooses the earlier instant for an ambiguous fall-back wall time', () => {
    // New York 2026-11-01: 01:30 happens twice (EDT then EST); the EDT one is earlier.
    expect(iso(zonedTime('America/New_York', 2026, 11, 1, 1, 30))).toBe('2026-11-01T05:30:00.000Z');
    // Berlin 2026-10-25: 02:30 happens twice (CEST then CET).
    expect(iso(zonedTime('Europe/Berlin', 2026, 10, 25, 2, 30))).toBe('2026-10-25T00:30:00.000Z');
  });

  it('normalises out-of-range fields like Date.UTC (hour 24 is the next midnight)', () => {
    expect(iso(zonedTime('Asia/Shanghai', 2026, 12, 31, 24, 0))).toBe('2026-12-31T16:00:00.000Z');
    expect(iso(zonedTime('Asia/Shanghai', 2026, 3, 6, 0, 90))).toBe('2026-03-05T17:30:00.000Z');
  });

  it('round-trips with zonedParts for many zones and instants', () => {
    const zones = [
      'Asia/Shanghai',
      'UTC',
      'America/New_York',
      'Europe/Berlin',
      'Asia/Kolkata',
      'America/St_Johns',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
      'America/Sao_Paulo',
    ];
    const start = Date.parse('2026-01-01T00:00:00Z');
    for (const tz of zones) {
      // Every 7h37m over a year hits all hours, both DST regimes and the days around transitions.
      for (let t = start; t < start + 366 * 86_400_000; t += (7 * 60 + 37) * 60_000) {
        const p = zonedParts(new Date(t), tz);
        const back = zonedTime(tz, p.year, p.month, p.day, p.hour, p.minute);
        const q = zonedParts(back, tz);
        expect([q.year, q.month, q.day, q.hour, q.minute], `${tz} ${new Date(t).toISOString()}`).toEqual([
          p.year,
          p.month,
          p.day,
          p.hour,
          p.minute,
        ]);
        // Only an ambiguous (fall-back) wall time may map to a different instant — and then the earlier one.
        expect(back.getTime()).toBeLessThanOrEqual(t);
        expect(t - back.getTime()).toBeLessThan(2 * 3_600_000);
      }
    }
  });
});

describe('day keys', () => {
  it('gives the local calendar date, which can differ from the UTC date', () => {
    const at = new Date('2026-03-06T16:30:00Z');
    expect(dayKey(at, 'Asia/Shanghai')).toBe('2026-03-07');
    expect(dayKey(at, 'UTC')).toBe('2026-03-06');
    expect(dayKey(at, 'America/New_York')).toBe('2026-03-06');
  });

  it('gives the local month', () => {
    expect(monthKey(new Date('2026-01-31T16:00:00Z'), 'Asia/Shanghai')).toBe('2026-02');
    expect(monthKey(new Date('2026-01-31T16:00:00Z'), 'UTC')).toBe('2026-01');
  });

  it('adds days across month, leap-day and year boundaries, forwards and backwards', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-03-09', 0)).toBe('2026-03-09');
    expect(addDays('2026-01-01', 365)).toBe('2027-01-01');
    expect(daysBetween('2026-02-10', '2026-03-02')).toBe(20);
    expect(daysBetween('2026-03-02', '2026-02-10')).toBe(-20);
  });

  it('knows the weekday of a day key (1 = Monday, 7 = Sunday)', () => {
    expect(weekdayOf('2026-03-09')).toBe(1);
    expect(weekdayOf('2026-03-13')).toBe(5);
    expect(weekdayOf('2026-03-08')).toBe(7);
    expect(weekdayOf('2026-02-14')).toBe(6);
  });

  it('rejects malformed and impossible day keys', () => {
    expect(() => parseDayKey('2026-2-3')).toThrow(RangeError);
    expect(() => parseDayKey('2026-02-30')).toThrow(/no such date/);
    expect(() => addDays('yesterday', 1)).toThrow(RangeError);
    expect(() => addDays('2026-02-01', 1.5)).toThrow(RangeError);
  });

  it('starts a day at local midnight, or at the first existing instant when midnight is skipped', () => {
    expect(iso(startOfDay('2026-03-09', 'Asia/Shanghai'))).toBe('2026-03-08T16:00:00.000Z');
    expect(iso(startOfDay('2026-03-08', 'America/New_York'))).toBe('2026-03-08T05:00:00.000Z');
    expect(iso(startOfDay('2026-03-09', 'America/New_York'))).toBe('2026-03-09T04:00:00.000Z');
    // Chile springs forward at midnight: 2026-09-06 begins at 01:00 local.
    const s = startOfDay('2026-09-06', 'America/Santiago');
    expect(zonedParts(s, 'America/Santiago')).toMatchObject({ day: 6, hour: 1, minute: 0 });
  });

  it('places minutes-after-midnight on a given day', () => {
    expect(iso(atMinutes('2026-03-09', 13 * 60 + 30, 'Asia/Shanghai'))).toBe('2026-03-09T05:30:00.000Z');
    expect(iso(atMinutes('2026-03-09', 1440, 'Asia/Shanghai'))).toBe('2026-03-09T16:00:00.000Z');
  });
});

describe('formatLocal', () => {
  it('formats for chat without and with the year', () => {
    const at = new Date('2026-12-04T06:30:00Z');
    expect(formatLocal(at, 'Asia/Shanghai')).toBe('12-04 14:30');
    expect(formatLocal(at, 'Asia/Shanghai', true)).toBe('2026-12-04 14:30');
    expect(formatLocal(at, 'America/New_York', true)).toBe('2026-12-04 01:30');
  });

  it('pads single-digit months, days, hours and minutes and shows midnight as 00:00', () => {
    expect(formatLocal(new Date('2026-01-04T16:05:00Z'), 'Asia/Shanghai')).toBe('01-05 00:05');
  });
});

describe('parseHm', () => {
  it('converts HH:mm to minutes since midnight', () => {
    expect(parseHm('09:00')).toBe(540);
    expect(parseHm('13:30')).toBe(810);
    expect(parseHm('9:05')).toBe(545);
    expect(parseHm('00:00')).toBe(0);
    expect(parseHm('24:00')).toBe(1440);
  });

  it('rejects times that are not HH:mm on a 24-hour clock', () => {
    for (const bad of ['25:00', '12:60', '24:30', 'noon', '9', '09:00:00', '']) {
      expect(() => parseHm(bad), bad).toThrow(RangeError);
    }
  });
});
