/**
 * Report periods in the business time zone: ISO week, month 'YYYY-MM', quarter 'YYYY-Qn', year
 * 'YYYY'. A period is a half-open range of instants [from, to) plus the day keys it covers.
 */
import { addDays, dayKey, monthKey, parseDayKey, weekdayOf, zonedTime } from '../../platform/time';

export type PeriodKind = 'week' | 'month' | 'quarter' | 'year';

export interface Period {
  kind: PeriodKind;
  /** '2026-W11', '2026-03', '2026-Q1', '2026' */
  key: string;
  /** What cards say: '2026-03', '2026 年第 1 季度', '03-09 至 03-15 周' */
  label: string;
  from: Date;
  to: Date;
  /** First and last day (inclusive), 'YYYY-MM-DD'. */
  firstDay: string;
  lastDay: string;
  /** Months the period touches ('YYYY-MM'), in order. */
  months: string[];
}

const pad = (n: number) => String(n).padStart(2, '0');
const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;
const QUARTER_RE = /^(\d{4})-?Q([1-4])$/i;
const YEAR_RE = /^(\d{4})$/;

export const isMonthKey = (s: string) => MONTH_RE.test(s);

/** 'YYYY-MM' shifted by n months. */
export function addMonths(month: string, n: number): string {
  const m = MONTH_RE.exec(month);
  if (!m) throw new RangeError(`Invalid month '${month}'`);
  const idx = Number(m[1]) * 12 + Number(m[2]) - 1 + n;
  return `${Math.floor(idx / 12)}-${pad((idx % 12) + 1)}`;
}

/** The n months ending with `month`, oldest first. */
export const monthsEnding = (month: string, n: number) => Array.from({ length: n }, (_, i) => addMonths(month, i - n + 1));

export const daysInMonth = (month: string) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
};

/** A day key shifted by whole months, clamped to the month's end (01-31 + 1 month = 02-28). */
export function addMonthsToDay(day: string, n: number): string {
  const { year, month, day: d } = parseDayKey(day);
  const target = addMonths(`${year}-${pad(month)}`, n);
  return `${target}-${pad(Math.min(d, daysInMonth(target)))}`;
}

export const quarterOfMonth = (month: string) => `${month.slice(0, 4)}-Q${Math.floor((Number(month.slice(5, 7)) - 1) / 3) + 1}`;
export const isQuarterEnd = (month: string) => Number(month.slice(5, 7)) % 3 === 0;
export const isYearEnd = (month: string) => month.endsWith('-12');

function build(kind: PeriodKind, key: string, label: string, firstDay: string, lastDay: string, tz: string): Period {
  const a = parseDayKey(firstDay);
  const b = parseDayKey(addDays(lastDay, 1));
  const months: string[] = [];
  for (let m = firstDay.slice(0, 7); m <= lastDay.slice(0, 7); m = addMonths(m, 1)) months.push(m);
  return { kind, key, label, from: zonedTime(tz, a.year, a.month, a.day), to: zonedTime(tz, b.year, b.month, b.day), firstDay, lastDay, months };
}

export function monthPeriod(month: string, tz: string): Period {
  if (!MONTH_RE.test(month)) throw new RangeError(`Invalid month '${month}'`);
  return build('month', month, month, `${month}-01`, `${month}-${pad(daysInMonth(month))}`, tz);
}

export function quarterPeriod(key: string, tz: string): Period {
  const m = QUARTER_RE.exec(key);
  if (!m) throw new RangeError(`Invalid quarter '${key}'`);
  const [year, q] = [m[1]!, Number(m[2])];
  const first = `${year}-${pad(q * 3 - 2)}`;
  const last = `${year}-${pad(q * 3)}`;
  return build('quarter', `${year}-Q${q}`, `${year} 年第 ${q} 季度`, `${first}-01`, `${last}-${pad(daysInMonth(last))}`, tz);
}

export function yearPeriod(year: string, tz: string): Period {
  if (!YEAR_RE.test(year)) throw new RangeError(`Invalid year '${year}'`);
  return build('year', year, `${year} 年`, `${year}-01-01`, `${year}-12-31`, tz);
}

/** The ISO week (Monday–Sunday) containing `day`. */
export function weekPeriod(day: string, tz: string): Period {
  const monday = addDays(day, 1 - weekdayOf(day));
  const sunday = addDays(monday, 6);
  const thursday = addDays(monday, 3);
  const jan1 = `${thursday.slice(0, 4)}-01-01`;
  const week = Math.floor((Date.parse(thursday) - Date.parse(jan1)) / 86_400_000 / 7) + 1;
  return build('week', `${thursday.slice(0, 4)}-W${pad(week)}`, `${monday.slice(5)} 至 ${sunday.slice(5)} 周`, monday, sunday, tz);
}

export function periodOfKey(key: string, tz: string): Period {
  if (MONTH_RE.test(key)) return monthPeriod(key, tz);
  if (QUARTER_RE.test(key)) return quarterPeriod(key, tz);
  if (YEAR_RE.test(key)) return yearPeriod(key, tz);
  throw new RangeError(`Invalid period '${key}'`);
}

/** Words accepted where a period is expected (besides YYYY-MM and YYYY-Qn). */
const RELATIVE: Record<string, (now: Date, tz: string) => Period> = {
  本月: (now, tz) => monthPeriod(monthKey(now, tz), tz),
  上月: (now, tz) => monthPeriod(addMonths(monthKey(now, tz), -1), tz),
  本周: (now, tz) => weekPeriod(dayKey(now, tz), tz),
  上周: (now, tz) => weekPeriod(addDays(dayKey(now, tz), -7), tz),
  本季: (now, tz) => quarterPeriod(quarterOfMonth(monthKey(now, tz)), tz),
  上季: (now, tz) => quarterPeriod(quarterOfMonth(addMonths(monthKey(now, tz), -3)), tz),
};
export const PERIOD_WORDS = Object.keys(RELATIVE);

/** '2026-03', '2026-Q1', 本月, 上周 … → the period; null when the text is none of those. */
export function parsePeriod(text: string, now: Date, tz: string): Period | null {
  const s = text.trim();
  if (RELATIVE[s]) return RELATIVE[s](now, tz);
  if (MONTH_RE.test(s)) return monthPeriod(s, tz);
  if (QUARTER_RE.test(s)) return quarterPeriod(s, tz);
  return null;
}

/** Days of `period` that fall in `month` (prorating a monthly target to a week). */
export function daysIn(period: Pick<Period, 'firstDay' | 'lastDay'>, month: string): number {
  const first = period.firstDay > `${month}-01` ? period.firstDay : `${month}-01`;
  const lastOfMonth = `${month}-${pad(daysInMonth(month))}`;
  const last = period.lastDay < lastOfMonth ? period.lastDay : lastOfMonth;
  if (last < first) return 0;
  return Math.round((Date.parse(last) - Date.parse(first)) / 86_400_000) + 1;
}
