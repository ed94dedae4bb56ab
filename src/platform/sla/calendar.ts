/**
 * Business calendar for SLA deadlines: working days (weekdays + Chinese statutory holidays and
 * 调休 make-up working days + admin overrides), working hours, and duration arithmetic on a
 * calendar clock or a working-time clock. Pure: no I/O, no `Date.now()`.
 *
 * Holiday data comes in layers, by whole year (a later layer's year replaces the same year of the
 * earlier ones): the `chinese-days` package's JSON, then `holidays.json` in this folder (for years
 * the package does not have yet), then years an admin imported (`/系统 日历 导入`, kept in the
 * settings table and applied by calendar-settings.ts). Both JSON files are imported statically so
 * bundlers (Cloudflare Workers) inline them. Outside the covered years a day is a working day
 * purely by `weekdays` (plus overrides) — `holidayCoverage` tells admins in time.
 */
import chineseDays from 'chinese-days/dist/chinese-days.json';
import repoHolidays from './holidays.json';
import { addDays, atMinutes, dayKey, daysBetween, parseDayKey, parseHm, weekdayOf, zonedParts, zonedTime } from '../time';

export type Clock = 'calendar' | 'working';

export interface CalendarConfig {
  /** IANA timezone of the business, e.g. 'Asia/Shanghai'. */
  tz: string;
  /** Working intervals of a working day as local 'HH:mm' pairs, ascending and non-overlapping. */
  workHours: Array<[string, string]>;
  /** ISO weekdays that are normally working days (1 = Mon … 7 = Sun). */
  weekdays: number[];
  /** Statutory holidays are off and 调休 make-up days are on (mainland China). */
  useChineseHolidays: boolean;
  /** Admin overrides 'YYYY-MM-DD' → working?; beats everything else. */
  overrides: Record<string, boolean>;
  /** The statutory holiday data; BUILTIN_HOLIDAYS (chinese-days + holidays.json) when absent. */
  holidays?: HolidayTable;
}

export type Duration = { minutes?: number; hours?: number; days?: number };

export const defaultCalendar = (tz: string): CalendarConfig => ({
  tz,
  workHours: [
    ['09:00', '12:00'],
    ['13:30', '18:00'],
  ],
  weekdays: [1, 2, 3, 4, 5],
  useChineseHolidays: true,
  overrides: {},
});

/** Longest run of consecutive days without working time a search may scan before giving up. */
export const MAX_SEARCH_DAYS = 400;
/** Hard cap on days walked by one call (long durations / long elapsed spans). */
export const MAX_SPAN_DAYS = 3700;

// ---------------------------------------------------------------------------------------------
// Holiday data

/** One year's statutory schedule: days off and 调休 make-up working days, each with its holiday's name. */
export interface HolidayYear {
  /** 'YYYY-MM-DD' → holiday name ('春节'), days off. */
  holidays: Record<string, string>;
  /** 'YYYY-MM-DD' → holiday name, make-up working days (调休). */
  workdays: Record<string, string>;
}

/** A source of holiday years: the package, the repo file, or an admin import. */
export interface HolidayLayer {
  /** Where the data comes from, shown to admins: 'chinese-days', 'holidays.json', '管理员导入'. */
  source: string;
  years: Record<string, HolidayYear & { provisional?: boolean; source?: string }>;
}

export interface HolidayYearInfo {
  source: string;
  /** Not checked against the official notice yet: admins are told to confirm it. */
  provisional: boolean;
}

/** The merged data the calendar reads: sets for the hot path, names and per-year provenance. */
export interface HolidayTable {
  readonly off: ReadonlySet<string>;
  readonly work: ReadonlySet<string>;
  readonly names: ReadonlyMap<string, string>;
  readonly years: ReadonlyMap<number, HolidayYearInfo>;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Checks one year's data (dates real and inside the year, no day both off and on); throws a clear message. */
export function checkHolidayYear(year: number, y: HolidayYear, where: string): void {
  for (const [kind, map] of [['holidays', y.holidays], ['workdays', y.workdays]] as const) {
    if (typeof map !== 'object' || map === null) throw new Error(`${where}: ${year}.${kind} must be an object of "YYYY-MM-DD": "节日名"`);
    for (const day of Object.keys(map)) {
      if (!DAY_RE.test(day)) throw new Error(`${where}: ${year}.${kind} has "${day}", expected YYYY-MM-DD`);
      parseDayKey(day); // throws on 2027-02-30
      if (Number(day.slice(0, 4)) !== year) throw new Error(`${where}: ${day} is listed under ${year}`);
      if (kind === 'workdays' && Object.hasOwn(y.holidays, day)) throw new Error(`${where}: ${day} is both a holiday and a make-up working day`);
    }
  }
}

/** Merges layers by whole year: a later layer's year replaces that year of the earlier layers. */
export function holidayTable(layers: HolidayLayer[]): HolidayTable {
  const byYear = new Map<number, { data: HolidayYear; info: HolidayYearInfo }>();
  for (const layer of layers) {
    for (const [y, data] of Object.entries(layer.years)) {
      const year = Number(y);
      checkHolidayYear(year, data, layer.source);
      byYear.set(year, { data, info: { source: data.source ?? layer.source, provisional: data.provisional === true } });
    }
  }
  const off = new Set<string>();
  const work = new Set<string>();
  const names = new Map<string, string>();
  const years = new Map<number, HolidayYearInfo>();
  for (const [year, { data, info }] of [...byYear].sort((a, b) => a[0] - b[0])) {
    years.set(year, info);
    for (const [d, name] of Object.entries(data.holidays)) off.add(d), names.set(d, name);
    for (const [d, name] of Object.entries(data.workdays)) work.add(d), names.set(d, name);
  }
  return { off, work, names, years };
}

/** chinese-days' JSON ("2026-02-17": "Spring Festival,春节,4") regrouped by year. */
function packageLayer(): HolidayLayer {
  const data = chineseDays as unknown as { holidays: Record<string, string>; workdays: Record<string, string> };
  const years: HolidayLayer['years'] = {};
  const yearOf = (day: string) => (years[day.slice(0, 4)] ??= { holidays: {}, workdays: {} });
  const nameOf = (raw: string) => raw.split(',')[1] ?? raw;
  for (const [d, raw] of Object.entries(data.holidays)) yearOf(d).holidays[d] = nameOf(raw);
  for (const [d, raw] of Object.entries(data.workdays)) yearOf(d).workdays[d] = nameOf(raw);
  return { source: 'chinese-days', years };
}

/** The layers shipped with the code: the package, then the repo's holidays.json over it. */
export const BUILTIN_HOLIDAY_LAYERS: readonly HolidayLayer[] = Object.freeze([packageLayer(), { source: 'holidays.json', years: (repoHolidays as unknown as HolidayLayer).years ?? {} }]);

export const BUILTIN_HOLIDAYS: HolidayTable = holidayTable([...BUILTIN_HOLIDAY_LAYERS]);

const tableOf = (cal?: Pick<CalendarConfig, 'holidays'>) => cal?.holidays ?? BUILTIN_HOLIDAYS;

/** Years the built-in data covers, first to last (there may be gaps only if holidays.json skips years). */
export const HOLIDAY_DATA_YEARS: Readonly<{ first: number; last: number }> = Object.freeze({
  first: Math.min(...BUILTIN_HOLIDAYS.years.keys()),
  last: Math.max(...BUILTIN_HOLIDAYS.years.keys()),
});

/** Whether the holiday data (built-in, or the calendar's own) has the year of `day` ('YYYY-MM-DD'). */
export function holidayDataCovers(day: string, cal?: Pick<CalendarConfig, 'holidays'>): boolean {
  return tableOf(cal).years.has(Number(day.slice(0, 4)));
}

/** Days ahead the holiday data must cover before admins are warned. */
export const HOLIDAY_WARNING_DAYS = 60;

/**
 * Years touched by [from, from + days] that the holiday data does not have (`missing`) or has only
 * provisionally (`provisional`). Empty when Chinese holidays are switched off.
 */
export function holidayCoverage(cal: CalendarConfig, from: string, days = HOLIDAY_WARNING_DAYS): { missing: number[]; provisional: number[] } {
  if (!cal.useChineseHolidays) return { missing: [], provisional: [] };
  const t = tableOf(cal);
  const first = Number(from.slice(0, 4));
  const last = Number(addDays(from, days).slice(0, 4));
  const missing: number[] = [];
  const provisional: number[] = [];
  for (let y = first; y <= last; y++) {
    const info = t.years.get(y);
    if (!info) missing.push(y);
    else if (info.provisional) provisional.push(y);
  }
  return { missing, provisional };
}

/**
 * Name of the statutory holiday / make-up day from the data, e.g. { name: '春节', work: false }.
 * Undefined for ordinary days. Ignores overrides.
 */
export function chineseHolidayInfo(day: string, cal?: Pick<CalendarConfig, 'holidays'>): { name: string; work: boolean } | undefined {
  const t = tableOf(cal);
  const name = t.names.get(day);
  if (name === undefined) return undefined;
  return { name, work: t.work.has(day) };
}

// ---------------------------------------------------------------------------------------------
// Working days and working intervals

/** Is `day` ('YYYY-MM-DD') a working day? Overrides > 调休/holidays (if enabled) > weekdays. */
export function isWorkingDay(day: string, cal: CalendarConfig): boolean {
  const o = cal.overrides[day];
  if (o !== undefined && Object.hasOwn(cal.overrides, day)) return o;
  if (cal.useChineseHolidays) {
    const t = cal.holidays ?? BUILTIN_HOLIDAYS;
    if (t.work.has(day)) return true;
    if (t.off.has(day)) return false;
  }
  return cal.weekdays.includes(weekdayOf(day));
}

type Span = [start: number, end: number];

/** workHours as minute ranges, validated. */
function parsedHours(cal: CalendarConfig): Span[] {
  const out: Span[] = [];
  let prevEnd = -1;
  for (const [s, e] of cal.workHours) {
    const start = parseHm(s);
    const end = parseHm(e);
    if (end <= start) throw new RangeError(`workHours: interval ${s}-${e} must end after it starts`);
    if (start < prevEnd) throw new RangeError(`workHours: interval ${s}-${e} overlaps or is out of order`);
    out.push([start, end]);
    prevEnd = end;
  }
  return out;
}

/** Working intervals of `day` as epoch-ms spans (empty if not a working day). */
function workSpans(day: string, cal: CalendarConfig, hours: Span[]): Span[] {
  if (hours.length === 0 || !isWorkingDay(day, cal)) return [];
  const out: Span[] = [];
  for (const [s, e] of hours) {
    const start = atMinutes(day, s, cal.tz).getTime();
    const end = atMinutes(day, e, cal.tz).getTime();
    if (end > start) out.push([start, end]);
  }
  return out;
}

function noWorkingTimeError(from: string): Error {
  return new Error(
    `SLA calendar: no working time found within ${MAX_SEARCH_DAYS} days after ${from} ` +
      '(check workHours, weekdays and overrides)',
  );
}

function tooLongError(from: string): Error {
  return new Error(`SLA calendar: calculation starting ${from} spans more than ${MAX_SPAN_DAYS} days`);
}

/**
 * Walk working spans forward starting on the calendar day of `from`. `visit` returns true to stop.
 * Throws if MAX_SEARCH_DAYS consecutive days pass without a working span, or MAX_SPAN_DAYS in total.
 */
function walkSpans(
  from: Date,
  cal: CalendarConfig,
  visit: (span: Span, day: string, lastOfDay: boolean) => boolean,
): void {
  const hours = parsedHours(cal);
  const first = dayKey(from, cal.tz);
  let idle = 0;
  for (let i = 0; i <= MAX_SPAN_DAYS; i++) {
    const day = addDays(first, i);
    const spans = workSpans(day, cal, hours);
    if (spans.length === 0) {
      if (++idle > MAX_SEARCH_DAYS) throw noWorkingTimeError(first);
      continue;
    }
    idle = 0;
    for (let j = 0; j < spans.length; j++) if (visit(spans[j]!, day, j === spans.length - 1)) return;
  }
  throw tooLongError(first);
}

/** `at` itself if it is inside working hours, else the start of the next working interval. */
export function nextWorkingStart(at: Date, cal: CalendarConfig): Date {
  const t = at.getTime();
  let result = t;
  walkSpans(at, cal, ([s, e]) => {
    if (t >= e) return false;
    result = Math.max(t, s);
    return true;
  });
  return new Date(result);
}

/**
 * The start of the next working day after `at`: the first working interval's start of the first
 * working day whose start is later than `at` (Friday 15:00 → Monday 09:00; 02:00 on a working day
 * → 09:00 that day). "Tomorrow morning" for a working-time clock.
 */
export function nextWorkdayStart(at: Date, cal: CalendarConfig): Date {
  const t = at.getTime();
  let result = t;
  let lastDay: string | undefined;
  walkSpans(at, cal, ([s], day) => {
    if (day === lastDay) return false; // only each day's first interval counts
    lastDay = day;
    if (s <= t) return false;
    result = s;
    return true;
  });
  return new Date(result);
}

/** Earliest instant T ≥ anchor with exactly `ms` of working time in [anchor, T]. */
function addWorkingMs(anchor: Date, ms: number, cal: CalendarConfig): Date {
  if (ms === 0) return new Date(anchor.getTime());
  let cursor = anchor.getTime();
  let remaining = ms;
  let result = cursor;
  walkSpans(anchor, cal, ([s, e]) => {
    if (e <= cursor) return false;
    const start = Math.max(cursor, s);
    const available = e - start;
    if (remaining <= available) {
      result = start + remaining;
      return true;
    }
    remaining -= available;
    cursor = e;
    return false;
  });
  return new Date(result);
}

/**
 * End of the `n`th working day counted from the anchor's effective day. The effective day is the
 * day of `nextWorkingStart(anchor)`: the anchor's own day if it is a working day and the anchor is
 * before that day's closing time, otherwise the next working day (work arriving after hours counts
 * as arriving the next working morning). n = 0 → end of the effective day.
 */
function endOfNthWorkingDay(anchor: Date, n: number, cal: CalendarConfig): Date {
  const t = anchor.getTime();
  let remaining = n;
  let lastDay: string | undefined;
  let started = false;
  let result = t;
  walkSpans(anchor, cal, ([, e], day, lastOfDay) => {
    if (!started) {
      if (t >= e) return false; // this span is already over
      started = true;
      lastDay = day;
    } else if (day !== lastDay) {
      lastDay = day;
      remaining--;
    }
    if (remaining === 0 && lastOfDay) {
      result = e;
      return true;
    }
    return false;
  });
  return new Date(result);
}

function checkAmount(name: string, v: number | undefined): number {
  if (v === undefined) return 0;
  if (!Number.isFinite(v)) throw new RangeError(`Duration.${name} must be a finite number, got ${v}`);
  return v;
}

/**
 * Deadline `d` after `anchor`.
 * - calendar clock: plain elapsed time (days = 24h); negative amounts allowed.
 * - working clock: minutes/hours count only working time; `days` means "by the end of the Nth
 *   working day" (see endOfNthWorkingDay). If both are given, the days step is applied first and
 *   the hours/minutes are then counted from that point. Amounts must be ≥ 0 and days an integer.
 */
export function addDuration(anchor: Date, d: Duration, clock: Clock, cal: CalendarConfig): Date {
  const t = anchor.getTime();
  if (!Number.isFinite(t)) throw new RangeError('addDuration: invalid anchor date');
  const minutes = checkAmount('minutes', d.minutes);
  const hours = checkAmount('hours', d.hours);
  const days = checkAmount('days', d.days);
  if (clock === 'calendar') {
    return new Date(t + Math.round(((days * 24 + hours) * 60 + minutes) * 60_000));
  }
  if (minutes < 0 || hours < 0 || days < 0) {
    throw new RangeError('addDuration: working-clock durations must not be negative');
  }
  if (!Number.isInteger(days)) throw new RangeError(`addDuration: working days must be an integer, got ${days}`);
  let at = anchor;
  if (d.days !== undefined) at = endOfNthWorkingDay(at, days, cal);
  const ms = Math.round((hours * 60 + minutes) * 60_000);
  return ms > 0 ? addWorkingMs(at, ms, cal) : at;
}

/**
 * The same local wall time `days` working days before the calendar day of `at` (e.g. demo
 * preparation due 2 working days before the demo). Working days are counted strictly before
 * `at`'s day, so it does not matter whether that day itself is a working day. days = 0 → `at`.
 * Seconds and milliseconds of `at` are preserved.
 */
export function subtractWorkingDays(at: Date, days: number, cal: CalendarConfig): Date {
  if (!Number.isInteger(days) || days < 0) {
    throw new RangeError(`subtractWorkingDays: days must be a non-negative integer, got ${days}`);
  }
  if (days === 0) return new Date(at.getTime());
  const p = zonedParts(at, cal.tz);
  const start = dayKey(at, cal.tz);
  let day = start;
  let remaining = days;
  let idle = 0;
  for (let i = 0; i < MAX_SPAN_DAYS; i++) {
    day = addDays(day, -1);
    if (isWorkingDay(day, cal)) {
      idle = 0;
      if (--remaining === 0) {
        const wall = atMinutes(day, p.hour * 60 + p.minute, cal.tz);
        return new Date(wall.getTime() + p.second * 1000 + (((at.getTime() % 1000) + 1000) % 1000));
      }
    } else if (++idle > MAX_SEARCH_DAYS) {
      throw new Error(`SLA calendar: no working day found within ${MAX_SEARCH_DAYS} days before ${start}`);
    }
  }
  throw tooLongError(start);
}

/**
 * Time that counts between `a` and `b`: calendar = b − a; working = only working time inside
 * [a, b]. Negative if b < a.
 */
export function elapsedMs(a: Date, b: Date, clock: Clock, cal: CalendarConfig): number {
  const ta = a.getTime();
  const tb = b.getTime();
  if (!Number.isFinite(ta) || !Number.isFinite(tb)) throw new RangeError('elapsedMs: invalid date');
  if (clock === 'calendar') return tb - ta;
  if (tb < ta) return -elapsedMs(b, a, clock, cal);
  if (tb === ta) return 0;
  const hours = parsedHours(cal);
  const first = dayKey(a, cal.tz);
  const last = dayKey(b, cal.tz);
  const span = daysBetween(first, last);
  if (span > MAX_SPAN_DAYS) throw tooLongError(first);
  let total = 0;
  for (let i = 0; i <= span; i++) {
    for (const [s, e] of workSpans(addDays(first, i), cal, hours)) {
      const lo = Math.max(s, ta);
      const hi = Math.min(e, tb);
      if (hi > lo) total += hi - lo;
    }
  }
  return total;
}

/**
 * Quiet hours such as { start: '21:00', end: '08:00' } (may wrap midnight; start === end means
 * no quiet hours). If `at` is inside [start, end) local time, returns the next `end`; else `at`.
 */
export function afterQuietHours(at: Date, quiet: { start: string; end: string }, tz: string): Date {
  const start = parseHm(quiet.start);
  const end = parseHm(quiet.end);
  if (start === end) return at;
  const p = zonedParts(at, tz);
  const now = p.hour * 60 + p.minute + p.second / 60;
  const endOn = (plusDays: number): Date => {
    const d = new Date(Date.UTC(p.year, p.month - 1, p.day + plusDays));
    return zonedTime(tz, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), Math.floor(end / 60), end % 60);
  };
  if (start < end) return now >= start && now < end ? endOn(0) : at;
  if (now >= start) return endOn(1); // evening part: ends tomorrow morning
  if (now < end) return endOn(0); // early-morning part: ends this morning
  return at;
}
