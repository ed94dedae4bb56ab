import { describe, expect, it } from 'vitest';
import {
  addDuration,
  afterQuietHours,
  type CalendarConfig,
  chineseHolidayInfo,
  defaultCalendar,
  elapsedMs,
  HOLIDAY_DATA_YEARS,
  holidayDataCovers,
  isWorkingDay,
  nextWorkdayStart,
  nextWorkingStart,
  subtractWorkingDays,
} from '../../src/platform/sla/calendar';
import { parseConfig } from '../../src/config';
import { calendarFromConfig } from '../../src/platform/sla/calendar-settings';
import { dayKey } from '../../src/platform/time';

const HOUR = 3_600_000;

/** Shanghai wall time 'YYYY-MM-DDTHH:mm' → instant. */
const sh = (local: string) => new Date(`${local}:00+08:00`);
const iso = (d: Date) => d.toISOString();

const shanghai = defaultCalendar('Asia/Shanghai');
const newYork: CalendarConfig = { ...defaultCalendar('America/New_York'), useChineseHolidays: false };
const berlin: CalendarConfig = { ...defaultCalendar('Europe/Berlin'), useChineseHolidays: false };

// Reference dates (2026): Mar 1 is a Sunday, so Mon 03-09, Fri 03-06/03-13 are ordinary weeks.
// Spring Festival 2026 per chinese-days: holidays 02-15 (Sun) … 02-23 (Mon); 调休 make-up working
// Saturdays 02-14 and 02-28. National Day: 10-01 … 10-07 off, make-up Sun 09-20 and Sat 10-10.

describe('defaultCalendar', () => {
  it('uses 09:00–12:00 and 13:30–18:00 on Monday to Friday with Chinese holidays', () => {
    expect(defaultCalendar('Asia/Shanghai')).toEqual({
      tz: 'Asia/Shanghai',
      workHours: [
        ['09:00', '12:00'],
        ['13:30', '18:00'],
      ],
      weekdays: [1, 2, 3, 4, 5],
      useChineseHolidays: true,
      overrides: {},
    });
  });

  it('returns a fresh object each time so callers can mutate their copy', () => {
    const a = defaultCalendar('Asia/Shanghai');
    a.overrides['2026-03-09'] = false;
    a.weekdays.push(6);
    expect(defaultCalendar('Asia/Shanghai').overrides).toEqual({});
    expect(defaultCalendar('Asia/Shanghai').weekdays).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('the calendar from the environment (WORK_HOURS, WORK_DAYS, CHINESE_HOLIDAYS)', () => {
  const env = (e: Record<string, string>) => parseConfig({ LOG_LEVEL: 'silent', ...e });

  it('defaults to 09:00–12:00 + 13:30–18:00, Monday to Friday, with Chinese holidays', () => {
    expect(calendarFromConfig(env({}))).toEqual(defaultCalendar('Asia/Shanghai'));
  });

  it('reads a six-day week with other hours in another time zone', () => {
    const cal = calendarFromConfig(env({ BUSINESS_TZ: 'America/New_York', WORK_HOURS: '08:30-12:00, 13:00-17:30', WORK_DAYS: '1-6', CHINESE_HOLIDAYS: 'false' }));
    expect(cal).toEqual({ tz: 'America/New_York', workHours: [['08:30', '12:00'], ['13:00', '17:30']], weekdays: [1, 2, 3, 4, 5, 6], useChineseHolidays: false, overrides: {} });
    expect(calendarFromConfig(env({ WORK_DAYS: '7,1-3' })).weekdays).toEqual([1, 2, 3, 7]);
    // Friday 16:00 + 4 working hours on a six-day week: Saturday 11:00 New York time
    expect(addDuration(new Date('2026-11-20T16:00:00-05:00'), { hours: 4 }, 'working', cal)).toEqual(new Date('2026-11-21T11:00:00-05:00'));
  });

  it('refuses a bad value with one line naming the variable', () => {
    expect(() => env({ WORK_HOURS: '9-18' })).toThrow('Invalid WORK_HOURS (got "9-18"): "9-18" is not HH:MM-HH:MM; expected HH:MM-HH:MM intervals, comma-separated and ascending, e.g. 09:00-12:00,13:30-18:00');
    expect(() => env({ WORK_HOURS: '13:30-18:00,09:00-12:00' })).toThrow(/^Invalid WORK_HOURS .*09:00-12:00 overlaps or comes before 13:30-18:00/);
    expect(() => env({ WORK_HOURS: '18:00-09:00' })).toThrow(/^Invalid WORK_HOURS .*ends before it starts/);
    expect(() => env({ WORK_DAYS: '0-4' })).toThrow('Invalid WORK_DAYS (got "0-4"): "0-4" is not a weekday or range; expected ISO weekdays 1 (Mon) … 7 (Sun), e.g. 1-5, 1-6 or 1,2,3,4,5');
    expect(() => env({ WORK_DAYS: '5-1' })).toThrow(/^Invalid WORK_DAYS/);
    expect(() => env({ CHINESE_HOLIDAYS: 'maybe' })).toThrow(/^Invalid CHINESE_HOLIDAYS \(got "maybe"\)/);
  });
});

describe('nextWorkdayStart ("明早" on the working clock)', () => {
  it('is the next working day\'s first start after the moment', () => {
    expect(iso(nextWorkdayStart(sh('2026-03-13T15:00'), shanghai))).toBe(iso(sh('2026-03-16T09:00'))); // Friday → Monday
    expect(iso(nextWorkdayStart(sh('2026-03-09T08:59'), shanghai))).toBe(iso(sh('2026-03-09T09:00')));
    expect(iso(nextWorkdayStart(sh('2026-03-09T09:00'), shanghai))).toBe(iso(sh('2026-03-10T09:00')));
    expect(iso(nextWorkdayStart(sh('2026-02-13T12:30'), shanghai))).toBe(iso(sh('2026-02-14T09:00'))); // a 调休 Saturday
    expect(iso(nextWorkdayStart(sh('2026-02-14T10:00'), shanghai))).toBe(iso(sh('2026-02-24T09:00'))); // over the Spring Festival
  });
});

describe('isWorkingDay', () => {
  it('treats ordinary weekdays as working days and weekends as days off', () => {
    expect(isWorkingDay('2026-03-09', shanghai)).toBe(true);
    expect(isWorkingDay('2026-03-13', shanghai)).toBe(true);
    expect(isWorkingDay('2026-03-07', shanghai)).toBe(false);
    expect(isWorkingDay('2026-03-08', shanghai)).toBe(false);
  });

  it('takes the whole 2026 Spring Festival break off and resumes on Tuesday 02-24', () => {
    for (let d = 15; d <= 23; d++) expect(isWorkingDay(`2026-02-${d}`, shanghai), `02-${d}`).toBe(false);
    expect(isWorkingDay('2026-02-13', shanghai)).toBe(true);
    expect(isWorkingDay('2026-02-24', shanghai)).toBe(true);
  });

  it('counts the 调休 make-up Saturdays 2026-02-14 and 2026-02-28 as working days', () => {
    expect(isWorkingDay('2026-02-14', shanghai)).toBe(true);
    expect(isWorkingDay('2026-02-28', shanghai)).toBe(true);
    expect(isWorkingDay('2026-09-20', shanghai)).toBe(true); // a make-up Sunday
    expect(isWorkingDay('2026-10-10', shanghai)).toBe(true);
  });

  it('takes National Day week off', () => {
    for (let d = 1; d <= 7; d++) expect(isWorkingDay(`2026-10-0${d}`, shanghai), `10-0${d}`).toBe(false);
    expect(isWorkingDay('2026-10-08', shanghai)).toBe(true);
  });

  it('ignores the holiday data when useChineseHolidays is false', () => {
    const plain = { ...shanghai, useChineseHolidays: false };
    expect(isWorkingDay('2026-02-16', plain)).toBe(true);
    expect(isWorkingDay('2026-02-14', plain)).toBe(false);
    expect(isWorkingDay('2026-10-01', berlin)).toBe(true);
  });

  it('lets admin overrides beat the holiday data in both directions', () => {
    const cal: CalendarConfig = {
      ...shanghai,
      overrides: {
        '2026-02-16': true, // statutory holiday → working
        '2026-02-14': false, // 调休 make-up day → off
        '2026-03-10': false, // ordinary Tuesday → off (e.g. company outing)
        '2026-03-07': true, // ordinary Saturday → working
      },
    };
    expect(isWorkingDay('2026-02-16', cal)).toBe(true);
    expect(isWorkingDay('2026-02-14', cal)).toBe(false);
    expect(isWorkingDay('2026-03-10', cal)).toBe(false);
    expect(isWorkingDay('2026-03-07', cal)).toBe(true);
    // and the arithmetic honours them
    expect(iso(addDuration(sh('2026-03-06T17:00'), { hours: 2 }, 'working', cal))).toBe(iso(sh('2026-03-07T10:00')));
    expect(iso(addDuration(sh('2026-03-09T17:00'), { hours: 2 }, 'working', cal))).toBe(iso(sh('2026-03-11T10:00')));
  });

  it('falls back to plain weekdays outside the years the holiday data covers', () => {
    expect(HOLIDAY_DATA_YEARS).toEqual({ first: 2004, last: 2026 });
    expect(holidayDataCovers('2026-12-31')).toBe(true);
    expect(holidayDataCovers('2027-01-01')).toBe(false);
    expect(holidayDataCovers('2003-12-31')).toBe(false);
    expect(isWorkingDay('2027-02-08', shanghai)).toBe(true); // a Monday; 2027 data not published
    expect(isWorkingDay('2027-02-06', shanghai)).toBe(false); // a Saturday
  });

  it('names statutory holidays and make-up days from the data', () => {
    expect(chineseHolidayInfo('2026-02-17')).toEqual({ name: '春节', work: false });
    expect(chineseHolidayInfo('2026-02-14')).toEqual({ name: '春节', work: true });
    expect(chineseHolidayInfo('2026-03-09')).toBeUndefined();
  });
});

describe('addDuration on the working clock: hours and minutes', () => {
  it('4 working hours after Friday 17:00 fall due Monday 12:00', () => {
    expect(iso(addDuration(sh('2026-03-06T17:00'), { hours: 4 }, 'working', shanghai))).toBe(iso(sh('2026-03-09T12:00')));
  });

  it('skips the lunch break: 11:00 + 2 working hours = 14:30', () => {
    expect(iso(addDuration(sh('2026-03-09T11:00'), { hours: 2 }, 'working', shanghai))).toBe(iso(sh('2026-03-09T14:30')));
    expect(iso(addDuration(sh('2026-03-09T11:00'), { minutes: 90 }, 'working', shanghai))).toBe(iso(sh('2026-03-09T14:00')));
  });

  it('lands exactly on the end of a working interval rather than the start of the next one', () => {
    expect(iso(addDuration(sh('2026-03-09T11:00'), { hours: 1 }, 'working', shanghai))).toBe(iso(sh('2026-03-09T12:00')));
    expect(iso(addDuration(sh('2026-03-09T09:00'), { hours: 7.5 }, 'working', shanghai))).toBe(iso(sh('2026-03-09T18:00')));
  });

  it('starting at 20:00 counts from the next morning', () => {
    expect(iso(addDuration(sh('2026-03-09T20:00'), { hours: 1 }, 'working', shanghai))).toBe(iso(sh('2026-03-10T10:00')));
  });

  it('starting at 07:00 counts from 09:00 the same day', () => {
    expect(iso(addDuration(sh('2026-03-10T07:00'), { hours: 1 }, 'working', shanghai))).toBe(iso(sh('2026-03-10T10:00')));
  });

  it('starting on Sunday counts from Monday morning', () => {
    expect(iso(addDuration(sh('2026-03-08T15:00'), { hours: 1 }, 'working', shanghai))).toBe(iso(sh('2026-03-09T10:00')));
  });

  it('starting during lunch counts from 13:30', () => {
    expect(iso(addDuration(sh('2026-03-09T12:15'), { hours: 1 }, 'working', shanghai))).toBe(iso(sh('2026-03-09T14:30')));
  });

  it('a 4-hour step started on the last working day before the Spring Festival break resumes after the break', () => {
    // Sat 02-14 is a make-up working day: 16:00–18:00 counts 2h, then nothing until Tue 02-24.
    expect(iso(addDuration(sh('2026-02-14T16:00'), { hours: 4 }, 'working', shanghai))).toBe(iso(sh('2026-02-24T11:00')));
  });

  it('a step started on Friday before the break continues on the make-up Saturday', () => {
    expect(iso(addDuration(sh('2026-02-13T17:00'), { hours: 4 }, 'working', shanghai))).toBe(iso(sh('2026-02-14T12:00')));
  });

  it('a zero duration is due immediately', () => {
    expect(iso(addDuration(sh('2026-03-08T15:00'), {}, 'working', shanghai))).toBe(iso(sh('2026-03-08T15:00')));
  });
});

describe('addDuration on the working clock: days', () => {
  it('Monday 10:00 + 3 working days is due Thursday 18:00', () => {
    expect(iso(addDuration(sh('2026-03-09T10:00'), { days: 3 }, 'working', shanghai))).toBe(iso(sh('2026-03-12T18:00')));
  });

  it('skips the weekend: Thursday 10:00 + 2 working days is due Monday 18:00', () => {
    expect(iso(addDuration(sh('2026-03-12T10:00'), { days: 2 }, 'working', shanghai))).toBe(iso(sh('2026-03-16T18:00')));
  });

  it('days: 0 means the end of the anchor day when it is a working day', () => {
    expect(iso(addDuration(sh('2026-03-09T10:00'), { days: 0 }, 'working', shanghai))).toBe(iso(sh('2026-03-09T18:00')));
    expect(iso(addDuration(sh('2026-03-09T07:00'), { days: 0 }, 'working', shanghai))).toBe(iso(sh('2026-03-09T18:00')));
    expect(iso(addDuration(sh('2026-03-09T12:30'), { days: 0 }, 'working', shanghai))).toBe(iso(sh('2026-03-09T18:00')));
  });

  it('days: 0 on a weekend means the end of the next working day', () => {
    expect(iso(addDuration(sh('2026-03-07T10:00'), { days: 0 }, 'working', shanghai))).toBe(iso(sh('2026-03-09T18:00')));
  });

  it('work arriving after closing time counts as arriving the next working morning', () => {
    expect(iso(addDuration(sh('2026-03-09T20:00'), { days: 0 }, 'working', shanghai))).toBe(iso(sh('2026-03-10T18:00')));
    expect(iso(addDuration(sh('2026-03-09T20:00'), { days: 1 }, 'working', shanghai))).toBe(iso(sh('2026-03-11T18:00')));
    expect(iso(addDuration(sh('2026-03-13T18:00'), { days: 0 }, 'working', shanghai))).toBe(iso(sh('2026-03-16T18:00')));
  });

  it('counts from the next working day when anchored on a weekend', () => {
    expect(iso(addDuration(sh('2026-03-07T10:00'), { days: 1 }, 'working', shanghai))).toBe(iso(sh('2026-03-10T18:00')));
  });

  it('counts the make-up Saturday and skips the Spring Festival break', () => {
    expect(iso(addDuration(sh('2026-02-13T10:00'), { days: 1 }, 'working', shanghai))).toBe(iso(sh('2026-02-14T18:00')));
    expect(iso(addDuration(sh('2026-02-13T10:00'), { days: 2 }, 'working', shanghai))).toBe(iso(sh('2026-02-24T18:00')));
  });

  it('applies days first and then counts hours from the end of that day', () => {
    expect(iso(addDuration(sh('2026-03-09T10:00'), { days: 1, hours: 2 }, 'working', shanghai))).toBe(iso(sh('2026-03-11T11:00')));
  });
});

describe('addDuration on the calendar clock', () => {
  it('is plain elapsed time, ignoring working hours and weekends', () => {
    expect(iso(addDuration(sh('2026-03-06T17:00'), { hours: 4 }, 'calendar', shanghai))).toBe(iso(sh('2026-03-06T21:00')));
    expect(iso(addDuration(sh('2026-03-06T17:00'), { days: 1 }, 'calendar', shanghai))).toBe(iso(sh('2026-03-07T17:00')));
    expect(iso(addDuration(sh('2026-03-06T17:00'), { days: 1, hours: 1, minutes: 30 }, 'calendar', shanghai))).toBe(
      iso(sh('2026-03-07T18:30')),
    );
  });

  it('treats a day as 24 hours even across a DST change', () => {
    // Sat 2026-03-07 12:00 EST + 24h = Sun 13:00 EDT in New York.
    const at = new Date('2026-03-07T17:00:00Z');
    expect(iso(addDuration(at, { days: 1 }, 'calendar', newYork))).toBe('2026-03-08T17:00:00.000Z');
  });
});

describe('working clock outside China', () => {
  it('4 working hours after Friday 17:00 in New York span the spring-forward weekend', () => {
    // Fri 2026-03-06 17:00 EST → Mon 2026-03-09 12:00 EDT
    const fri = new Date('2026-03-06T22:00:00Z');
    const due = addDuration(fri, { hours: 4 }, 'working', newYork);
    expect(iso(due)).toBe('2026-03-09T16:00:00.000Z');
    expect(elapsedMs(fri, due, 'working', newYork)).toBe(4 * HOUR);
    expect(elapsedMs(fri, due, 'calendar', newYork)).toBe(66 * HOUR); // 67 wall-clock hours minus the skipped hour
  });

  it('1 working day from Friday in New York ends Monday 18:00 EDT', () => {
    expect(iso(addDuration(new Date('2026-03-06T15:00:00Z'), { days: 1 }, 'working', newYork))).toBe(
      '2026-03-09T22:00:00.000Z',
    );
  });

  it('handles the fall-back weekend in New York', () => {
    // Fri 2026-10-30 17:00 EDT → Mon 2026-11-02 12:00 EST
    expect(iso(addDuration(new Date('2026-10-30T21:00:00Z'), { hours: 4 }, 'working', newYork))).toBe(
      '2026-11-02T17:00:00.000Z',
    );
  });

  it('handles the spring-forward weekend in Berlin', () => {
    // Fri 2026-03-27 17:00 CET → Mon 2026-03-30 12:00 CEST
    expect(iso(addDuration(new Date('2026-03-27T16:00:00Z'), { hours: 4 }, 'working', berlin))).toBe(
      '2026-03-30T10:00:00.000Z',
    );
  });

  it('does not apply Chinese holidays when they are switched off', () => {
    // Wed 2026-09-30 17:00 CEST + 2h → Thu 10-01 10:00 CEST (a normal day in Germany)
    expect(iso(addDuration(new Date('2026-09-30T15:00:00Z'), { hours: 2 }, 'working', berlin))).toBe(
      '2026-10-01T08:00:00.000Z',
    );
  });

  it('supports custom working hours', () => {
    const cal: CalendarConfig = { ...berlin, workHours: [['08:00', '17:00']] };
    expect(iso(addDuration(new Date('2026-07-10T14:00:00Z'), { hours: 2 }, 'working', cal))).toBe(
      '2026-07-13T07:00:00.000Z', // Fri 16:00 CEST + 2h → Mon 09:00 CEST
    );
  });
});

describe('subtractWorkingDays', () => {
  it('gives the same wall time two working days before a mid-week demo', () => {
    expect(iso(subtractWorkingDays(sh('2026-03-11T14:00'), 2, shanghai))).toBe(iso(sh('2026-03-09T14:00')));
  });

  it('skips the weekend before a Monday demo', () => {
    expect(iso(subtractWorkingDays(sh('2026-03-09T10:00'), 2, shanghai))).toBe(iso(sh('2026-03-05T10:00')));
  });

  it('skips the Spring Festival break and lands on the make-up Saturday', () => {
    expect(iso(subtractWorkingDays(sh('2026-02-25T10:00'), 2, shanghai))).toBe(iso(sh('2026-02-14T10:00')));
  });

  it('counts working days strictly before a weekend demo', () => {
    expect(iso(subtractWorkingDays(sh('2026-03-08T15:00'), 1, shanghai))).toBe(iso(sh('2026-03-06T15:00')));
  });

  it('returns the event time itself for 0 days and keeps seconds', () => {
    expect(iso(subtractWorkingDays(sh('2026-03-08T15:00'), 0, shanghai))).toBe(iso(sh('2026-03-08T15:00')));
    const withSeconds = new Date('2026-03-11T06:00:42.500Z');
    expect(iso(subtractWorkingDays(withSeconds, 2, shanghai))).toBe('2026-03-09T06:00:42.500Z');
  });

  it('keeps the local wall time across a DST change', () => {
    // Tue 2026-03-10 10:00 EDT − 2 working days → Fri 2026-03-06 10:00 EST
    expect(iso(subtractWorkingDays(new Date('2026-03-10T14:00:00Z'), 2, newYork))).toBe('2026-03-06T15:00:00.000Z');
  });

  it('rejects negative or fractional day counts', () => {
    expect(() => subtractWorkingDays(sh('2026-03-11T14:00'), -1, shanghai)).toThrow(RangeError);
    expect(() => subtractWorkingDays(sh('2026-03-11T14:00'), 1.5, shanghai)).toThrow(RangeError);
  });
});

describe('elapsedMs', () => {
  it('counts only working time over a weekend on the working clock', () => {
    expect(elapsedMs(sh('2026-03-06T17:00'), sh('2026-03-09T10:00'), 'working', shanghai)).toBe(2 * HOUR);
  });

  it('is the plain difference on the calendar clock', () => {
    expect(elapsedMs(sh('2026-03-06T17:00'), sh('2026-03-09T10:00'), 'calendar', shanghai)).toBe(65 * HOUR);
  });

  it('is negative when the second instant is earlier', () => {
    expect(elapsedMs(sh('2026-03-09T10:00'), sh('2026-03-06T17:00'), 'working', shanghai)).toBe(-2 * HOUR);
    expect(elapsedMs(sh('2026-03-09T10:00'), sh('2026-03-06T17:00'), 'calendar', shanghai)).toBe(-65 * HOUR);
    expect(elapsedMs(sh('2026-03-09T10:00'), sh('2026-03-09T10:00'), 'working', shanghai)).toBe(0);
  });

  it('excludes the lunch break and counts a full week as 37.5 hours', () => {
    expect(elapsedMs(sh('2026-03-09T11:00'), sh('2026-03-09T14:30'), 'working', shanghai)).toBe(2 * HOUR);
    expect(elapsedMs(sh('2026-03-09T00:00'), sh('2026-03-16T00:00'), 'working', shanghai)).toBe(37.5 * HOUR);
  });

  it('counts only the make-up Saturday across the Spring Festival break', () => {
    expect(elapsedMs(sh('2026-02-13T18:00'), sh('2026-02-24T09:00'), 'working', shanghai)).toBe(7.5 * HOUR);
  });

  it('measures back exactly what addDuration added', () => {
    const start = sh('2026-01-28T08:17').getTime();
    for (let i = 0; i < 60; i++) {
      const anchor = new Date(start + i * 5.3 * HOUR);
      const minutes = 17 + ((i * 97) % 1500);
      const due = addDuration(anchor, { minutes }, 'working', shanghai);
      expect(elapsedMs(anchor, due, 'working', shanghai), anchor.toISOString()).toBe(minutes * 60_000);
    }
  });
});

describe('nextWorkingStart', () => {
  it('returns the instant itself inside working hours, including the opening minute', () => {
    expect(iso(nextWorkingStart(sh('2026-03-09T10:17'), shanghai))).toBe(iso(sh('2026-03-09T10:17')));
    expect(iso(nextWorkingStart(sh('2026-03-09T09:00'), shanghai))).toBe(iso(sh('2026-03-09T09:00')));
  });

  it('moves lunch time and the closing minute to the next interval', () => {
    expect(iso(nextWorkingStart(sh('2026-03-09T12:00'), shanghai))).toBe(iso(sh('2026-03-09T13:30')));
    expect(iso(nextWorkingStart(sh('2026-03-09T12:45'), shanghai))).toBe(iso(sh('2026-03-09T13:30')));
    expect(iso(nextWorkingStart(sh('2026-03-13T18:00'), shanghai))).toBe(iso(sh('2026-03-16T09:00')));
  });

  it('moves early morning to 09:00 and the holiday break to the first day after it', () => {
    expect(iso(nextWorkingStart(sh('2026-03-09T07:00'), shanghai))).toBe(iso(sh('2026-03-09T09:00')));
    expect(iso(nextWorkingStart(sh('2026-02-15T10:00'), shanghai))).toBe(iso(sh('2026-02-24T09:00')));
  });
});

describe('afterQuietHours', () => {
  const quiet = { start: '21:00', end: '08:00' };
  const tz = 'Asia/Shanghai';

  it('postpones 22:00 to 08:00 the next morning', () => {
    expect(iso(afterQuietHours(sh('2026-03-09T22:00'), quiet, tz))).toBe(iso(sh('2026-03-10T08:00')));
  });

  it('postpones 07:59 and 00:30 to 08:00 the same morning', () => {
    expect(iso(afterQuietHours(sh('2026-03-10T07:59'), quiet, tz))).toBe(iso(sh('2026-03-10T08:00')));
    expect(iso(afterQuietHours(sh('2026-03-10T00:30'), quiet, tz))).toBe(iso(sh('2026-03-10T08:00')));
  });

  it('leaves 12:00 and the exact end 08:00 unchanged, and treats the exact start 21:00 as quiet', () => {
    expect(iso(afterQuietHours(sh('2026-03-10T12:00'), quiet, tz))).toBe(iso(sh('2026-03-10T12:00')));
    expect(iso(afterQuietHours(sh('2026-03-10T08:00'), quiet, tz))).toBe(iso(sh('2026-03-10T08:00')));
    expect(iso(afterQuietHours(sh('2026-03-10T21:00'), quiet, tz))).toBe(iso(sh('2026-03-11T08:00')));
  });

  it('rolls over month ends', () => {
    expect(iso(afterQuietHours(sh('2026-02-28T23:00'), quiet, tz))).toBe(iso(sh('2026-03-01T08:00')));
  });

  it('supports quiet hours that do not wrap midnight, and treats start = end as no quiet hours', () => {
    const lunch = { start: '12:00', end: '13:30' };
    expect(iso(afterQuietHours(sh('2026-03-10T12:15'), lunch, tz))).toBe(iso(sh('2026-03-10T13:30')));
    expect(iso(afterQuietHours(sh('2026-03-10T14:00'), lunch, tz))).toBe(iso(sh('2026-03-10T14:00')));
    expect(iso(afterQuietHours(sh('2026-03-10T02:00'), { start: '08:00', end: '08:00' }, tz))).toBe(
      iso(sh('2026-03-10T02:00')),
    );
  });

  it('ends at local 08:00 after a DST change during the night', () => {
    // Sat 2026-03-07 23:00 EST → Sun 2026-03-08 08:00 EDT
    expect(iso(afterQuietHours(new Date('2026-03-08T04:00:00Z'), quiet, 'America/New_York'))).toBe(
      '2026-03-08T12:00:00.000Z',
    );
  });
});

describe('configuration errors', () => {
  it('throws a clear error when the calendar has no working time at all', () => {
    const none: CalendarConfig = { ...shanghai, weekdays: [], useChineseHolidays: false };
    expect(() => addDuration(sh('2026-03-09T10:00'), { hours: 1 }, 'working', none)).toThrow(/no working time found within 400 days/);
    expect(() => nextWorkingStart(sh('2026-03-09T10:00'), none)).toThrow(/no working time/);
    expect(() => subtractWorkingDays(sh('2026-03-09T10:00'), 1, none)).toThrow(/no working day found/);
    const noHours: CalendarConfig = { ...shanghai, workHours: [] };
    expect(() => addDuration(sh('2026-03-09T10:00'), { days: 1 }, 'working', noHours)).toThrow(/no working time/);
  });

  it('finds the end of the only working day without searching further', () => {
    const single: CalendarConfig = { ...shanghai, weekdays: [], useChineseHolidays: false, overrides: { '2026-03-09': true } };
    expect(iso(addDuration(sh('2026-03-08T10:00'), { days: 0 }, 'working', single))).toBe(iso(sh('2026-03-09T18:00')));
  });

  it('rejects malformed working hours and invalid durations', () => {
    const backwards: CalendarConfig = { ...shanghai, workHours: [['18:00', '09:00']] };
    expect(() => addDuration(sh('2026-03-09T10:00'), { hours: 1 }, 'working', backwards)).toThrow(RangeError);
    const overlapping: CalendarConfig = {
      ...shanghai,
      workHours: [
        ['09:00', '12:00'],
        ['11:00', '18:00'],
      ],
    };
    expect(() => elapsedMs(sh('2026-03-09T10:00'), sh('2026-03-10T10:00'), 'working', overlapping)).toThrow(RangeError);
    expect(() => addDuration(sh('2026-03-09T10:00'), { hours: -1 }, 'working', shanghai)).toThrow(RangeError);
    expect(() => addDuration(sh('2026-03-09T10:00'), { days: 1.5 }, 'working', shanghai)).toThrow(RangeError);
    expect(() => addDuration(sh('2026-03-09T10:00'), { minutes: Number.NaN }, 'calendar', shanghai)).toThrow(RangeError);
  });
});

describe('performance', () => {
  it('puts thousands of deadlines on working time: 4 working hours later is always inside working hours and 4 h of work away', () => {
    const start = sh('2026-01-05T08:00').getTime();
    for (let i = 0; i < 3000; i++) {
      const anchor = new Date(start + i * 2.7 * HOUR);
      const due = addDuration(anchor, { hours: 4 }, 'working', shanghai);
      expect(elapsedMs(anchor, due, 'working', shanghai)).toBe(4 * HOUR);
      expect(nextWorkingStart(new Date(due.getTime() - 1), shanghai).getTime()).toBe(due.getTime() - 1);
      expect(isWorkingDay(dayKey(addDuration(anchor, { days: 2 }, 'working', shanghai), 'Asia/Shanghai'), shanghai)).toBe(true);
    }
  });
});
