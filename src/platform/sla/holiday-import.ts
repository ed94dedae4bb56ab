/**
 * What admins type to change the calendar, read into days: a day or a range ('2027-02-05~02-11',
 * '2月5日至2月11日'), and a year's statutory schedule for `/系统 日历 导入`:
 *
 *   元旦 01-01~01-03 春节 02-05~02-11 上班 02-14 02-20 清明 04-05 …
 *
 * A holiday's name starts its group; its dates are days off until 上班 (补班), after which dates are
 * its 调休 make-up working days. Dates may leave out the year. Pure: no I/O, no clock.
 */
import { parseDate } from '../router/parse';
import { addDays, daysBetween, weekdayOf } from '../time';
import type { HolidayYear } from './calendar';

const RANGE_SEP = /\s*(?:~|～|至|到|—|–)\s*/;
const OFF_WORDS = new Set(['休息', '放假', '休', 'off']);
const WORK_WORDS = new Set(['上班', '补班', '班', 'work']);
const WEEKDAY_ZH = ['一', '二', '三', '四', '五', '六', '日'];

/** '02-14（六）' */
export const dayWithWeekday = (day: string) => `${day.slice(5)}（${WEEKDAY_ZH[weekdayOf(day) - 1]}）`;

/**
 * A day or an inclusive range of days; `today` gives year-less dates their year (and 今天/明天 their
 * meaning). Returns the days in order, or a Chinese error.
 */
export function parseDays(input: string, today: string, maxDays: number): string[] | { error: string } {
  const parts = input.split(RANGE_SEP);
  if (parts.length > 2) return { error: `「${input}」不是日期或日期范围（例：2027-02-05~2027-02-11）` };
  const [a, b] = parts.map((p) => parseDate(p, today));
  if (!a || (parts.length === 2 && !b)) return { error: `「${input}」不是有效日期（可写 2027-02-05、02-05、2月5日，范围用 ~ 连接）` };
  const end = b ?? a;
  const n = daysBetween(a, end) + 1;
  if (n < 1) return { error: `「${input}」的结束日期早于开始日期` };
  if (n > maxDays) return { error: `「${input}」有 ${n} 天，一次最多 ${maxDays} 天` };
  return Array.from({ length: n }, (_, i) => addDays(a, i));
}

/** A holiday and its days, in the order typed. */
export interface HolidayGroup {
  name: string;
  off: string[];
  work: string[];
}

/** Reads one year's schedule; every date must fall in `year`, and no day may be listed twice. */
export function parseHolidaySchedule(year: number, text: string): { data: HolidayYear; groups: HolidayGroup[] } | { error: string } {
  const groups: HolidayGroup[] = [];
  let mode: 'off' | 'work' = 'off';
  const seen = new Map<string, string>();
  const words = text.replace(/[,，、;；]/g, ' ').replace(/\s*(~|～|至|到|—|–)\s*/g, '$1').split(/\s+/).filter(Boolean);
  for (const w of words) {
    if (OFF_WORDS.has(w.toLowerCase())) mode = 'off';
    else if (WORK_WORDS.has(w.toLowerCase())) mode = 'work';
    else if (/^\d/.test(w)) {
      const days = parseDays(w, `${year}-01-01`, 31);
      if ('error' in days) return days;
      const group = groups[groups.length - 1] ?? (groups.push({ name: '法定节假日', off: [], work: [] }), groups[0]!);
      for (const d of days) {
        if (Number(d.slice(0, 4)) !== year) return { error: `${d} 不在 ${year} 年` };
        const before = seen.get(d);
        if (before) return { error: `${d} 写了两次（${before}）` };
        seen.set(d, group.name);
        group[mode].push(d);
      }
    } else if (/^[\p{Script=Han}A-Za-z][\p{Script=Han}A-Za-z·]{0,11}$/u.test(w)) {
      groups.push({ name: w, off: [], work: [] });
      mode = 'off';
    } else return { error: `看不懂「${w}」：请写节日名称、日期（02-05 或 02-05~02-11）、或 上班（其后的日期为调休上班日）` };
  }
  const kept = groups.filter((g) => g.off.length || g.work.length);
  if (!kept.some((g) => g.off.length)) return { error: `没有放假日期：例如 /系统 日历 导入 ${year} 元旦 01-01 春节 <起>~<止> 上班 <调休日>` };
  const data: HolidayYear = { holidays: {}, workdays: {} };
  for (const g of kept) {
    for (const d of g.off) data.holidays[d] = g.name;
    for (const d of g.work) data.workdays[d] = g.name;
  }
  return { data, groups: kept };
}

/** Consecutive days as 'a~b' runs. */
function runs(days: string[]): string[] {
  const out: string[] = [];
  const sorted = [...days].sort();
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && addDays(sorted[j]!, 1) === sorted[j + 1]) j++;
    out.push(i === j ? sorted[i]! : `${sorted[i]}~${sorted[j]}`);
    i = j + 1;
  }
  return out;
}

/** A year's data grouped by holiday name, in date order (what the preview and the button carry). */
export function groupsOf(data: HolidayYear): HolidayGroup[] {
  const byName = new Map<string, HolidayGroup>();
  const all = [...Object.entries(data.holidays).map(([d, n]) => [d, n, 'off'] as const), ...Object.entries(data.workdays).map(([d, n]) => [d, n, 'work'] as const)];
  for (const [d, name, kind] of all.sort((a, b) => a[0].localeCompare(b[0]))) {
    const g = byName.get(name) ?? { name, off: [], work: [] };
    g[kind].push(d);
    byName.set(name, g);
  }
  return [...byName.values()].sort((a, b) => (a.off[0] ?? a.work[0]!).localeCompare(b.off[0] ?? b.work[0]!));
}

/** The schedule written back in the import syntax (full dates), e.g. for the confirmation button. */
export function scheduleText(data: HolidayYear): string {
  return groupsOf(data)
    .map((g) => [g.name, ...runs(g.off), ...(g.work.length ? ['上班', ...runs(g.work)] : [])].join(' '))
    .join(' ');
}

/** One line per holiday for admins to check against the official notice. */
export function scheduleLines(data: HolidayYear): string[] {
  const show = (days: string[]) => runs(days).map((r) => r.split('~').map(dayWithWeekday).join(' ~ ')).join('、');
  return groupsOf(data).map((g) => `• ${g.name}：${g.off.length ? `放假 ${show(g.off)}，共 ${g.off.length} 天` : '不放假'}${g.work.length ? `；调休上班 ${show(g.work)}` : ''}`);
}

/** Days that look like typing mistakes: a make-up working day that is a normal weekday anyway, a day off that is a weekend anyway is fine. */
export function scheduleDoubts(data: HolidayYear, weekdays: number[]): string[] {
  return Object.keys(data.workdays)
    .filter((d) => weekdays.includes(weekdayOf(d)))
    .map((d) => `${dayWithWeekday(d)} 本来就是工作日，列为调休上班日是否写错了？`);
}
