/**
 * The calendar's run-time parts, kept in the settings table so that every thread and instance
 * agrees: admin day overrides (`calendar.overrides`, 'YYYY-MM-DD' → working?) and holiday years an
 * admin imported (`calendar.holidays`). Memory is only a cache: `refreshCalendar` runs at the
 * start of every handled event and job run, reads the two rows' updated_at and reloads only when
 * one of them moved. Writers bump updated_at strictly (max(now, previous + 1 ms)), so two writes in
 * one millisecond — or a writer whose clock is behind — are still seen.
 */
import { inArray, sql } from 'drizzle-orm';
import type { Config } from '../../config';
import type { Tx } from '../db/client';
import { settings } from '../db/core.schema';
import type { Logger } from '../logger';
import { BUILTIN_HOLIDAY_LAYERS, checkHolidayYear, holidayCoverage, holidayTable, HOLIDAY_DATA_YEARS, HOLIDAY_WARNING_DAYS, type CalendarConfig, type HolidayYear } from './calendar';

const OVERRIDES = 'calendar.overrides';
const HOLIDAYS = 'calendar.holidays';
const KEYS = [OVERRIDES, HOLIDAYS];

/** A holiday year as an admin imported it. */
export interface ImportedYear extends HolidayYear {
  importedBy: string;
  /** ISO time; also the year's version (a confirmation card of an older import is refused). */
  importedAt: string;
}
type ImportedHolidays = { years: Record<string, ImportedYear> };

/** The business calendar the configuration describes (WORK_HOURS, WORK_DAYS, CHINESE_HOLIDAYS in BUSINESS_TZ). */
export function calendarFromConfig(config: Pick<Config, 'BUSINESS_TZ' | 'WORK_HOURS' | 'WORK_DAYS' | 'CHINESE_HOLIDAYS'>): CalendarConfig {
  return {
    tz: config.BUSINESS_TZ,
    workHours: config.WORK_HOURS.map(([s, e]) => [s, e] as [string, string]),
    weekdays: [...config.WORK_DAYS],
    useChineseHolidays: config.CHINESE_HOLIDAYS,
    overrides: {},
  };
}

/** The version of the settings each calendar object was last loaded from. */
const loaded = new WeakMap<CalendarConfig, string>();
const versionOf = (rows: Array<{ key: string; updatedAt: Date }>) =>
  rows
    .map((r) => `${r.key}@${r.updatedAt.getTime()}`)
    .sort()
    .join('|');

/**
 * Brings `cal` (in place: it is the one object the runtime's services share) up to the overrides
 * and imported years in the database. Cheap when nothing changed: one primary-key read of two
 * timestamps. Returns whether it reloaded.
 */
export async function refreshCalendar(cal: CalendarConfig, tx: Tx, log?: Pick<Logger, 'error'>): Promise<boolean> {
  const stamps = await tx.select({ key: settings.key, updatedAt: settings.updatedAt }).from(settings).where(inArray(settings.key, KEYS));
  if (loaded.get(cal) === versionOf(stamps)) return false;
  const rows = await tx.select().from(settings).where(inArray(settings.key, KEYS));
  const value = (key: string) => rows.find((r) => r.key === key)?.value;
  cal.overrides = { ...((value(OVERRIDES) as Record<string, boolean> | undefined) ?? {}) };
  const imported = (value(HOLIDAYS) as ImportedHolidays | undefined)?.years ?? {};
  try {
    cal.holidays = Object.keys(imported).length ? holidayTable([...BUILTIN_HOLIDAY_LAYERS, { source: '管理员导入', years: imported }]) : undefined;
  } catch (err) {
    // A hand-edited row that does not check out must not stop every event: the built-in data stays.
    cal.holidays = undefined;
    log?.error('imported holiday data is invalid; using the built-in data', { err });
  }
  loaded.set(cal, versionOf(rows));
  return true;
}

async function write(tx: Tx, key: string, value: unknown, now: Date): Promise<void> {
  await tx
    .insert(settings)
    .values({ key, value, updatedAt: now })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: sql`max(${now.getTime()}, ${settings.updatedAt} + 1)` } });
}

export async function loadCalendarOverrides(tx: Tx): Promise<Record<string, boolean>> {
  const [row] = await tx.select().from(settings).where(inArray(settings.key, [OVERRIDES]));
  return { ...((row?.value as Record<string, boolean> | undefined) ?? {}) };
}

/** Sets these days working (true), off (false) or back to the holiday data (null). */
export async function saveCalendarOverrides(tx: Tx, days: string[], working: boolean | null, now: Date): Promise<Record<string, boolean>> {
  const current = await loadCalendarOverrides(tx);
  for (const day of days) {
    if (working === null) delete current[day];
    else current[day] = working;
  }
  await write(tx, OVERRIDES, current, now);
  return current;
}

export async function loadImportedHolidays(tx: Tx): Promise<Record<string, ImportedYear>> {
  const [row] = await tx.select().from(settings).where(inArray(settings.key, [HOLIDAYS]));
  return { ...((row?.value as ImportedHolidays | undefined)?.years ?? {}) };
}

/** Stores one year's schedule (replacing that year of the built-in data), or removes the import (null). */
export async function saveImportedYear(tx: Tx, year: number, data: HolidayYear | null, by: string, now: Date): Promise<void> {
  const years = await loadImportedHolidays(tx);
  if (data === null) delete years[year];
  else {
    checkHolidayYear(year, data, `/系统 日历 导入 ${year}`);
    years[year] = { holidays: data.holidays, workdays: data.workdays, importedBy: by, importedAt: now.toISOString() };
  }
  await write(tx, HOLIDAYS, { years } satisfies ImportedHolidays, now);
}

/**
 * The admins' warning when the statutory holiday data does not cover the next 60 days (missing
 * years are counted as ordinary weeks: holidays would be working days and 调休 days off), or
 * covers them only with provisional data. Undefined when all is well.
 */
export function holidayDataWarning(cal: CalendarConfig, today: string): { text: string; years: number[] } | undefined {
  const { missing, provisional } = holidayCoverage(cal, today, HOLIDAY_WARNING_DAYS);
  if (missing.length === 0 && provisional.length === 0) return undefined;
  const years = [...missing, ...provisional];
  const parts: string[] = [];
  if (missing.length) {
    parts.push(
      `未来 ${HOLIDAY_WARNING_DAYS} 天涉及的 ${missing.join('、')} 年还没有法定节假日数据（内置数据到 ${HOLIDAY_DATA_YEARS.last} 年）：` +
        '没有数据时节假日会按工作日算、调休上班日按休息日算，按工作时间计的期限和日报会出错。',
    );
  }
  if (provisional.length) parts.push(`${provisional.join('、')} 年的节假日数据是临时的，尚未核对国务院办公厅的正式通知。`);
  parts.push(`国务院办公厅公布 ${years[0]} 年放假安排后，请按通知发送 /系统 日历 导入 ${years[0]} …（格式见 /帮助 系统 日历 导入），或升级 chinese-days / 更新 holidays.json。`);
  return { text: `⚠️ ${parts.join('\n')}`, years };
}
