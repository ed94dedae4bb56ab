/**
 * Timezone helpers built only on `Intl.DateTimeFormat` (no tz library), so they run unchanged on
 * Node and Cloudflare Workers.
 *
 * Vocabulary:
 * - an *instant* is a `Date` (absolute point in time);
 * - a *day key* is a calendar date string 'YYYY-MM-DD' with no timezone attached;
 * - *wall time* is what a clock in a given IANA timezone shows.
 *
 * Formatters are cached per timezone: constructing `Intl.DateTimeFormat` is by far the most
 * expensive part, and these helpers are called in tight loops by the SLA calendar.
 */

export interface ZonedParts {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
  /** 0–23 */
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday */
  weekday: number;
}

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

const formatterCache = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatterCache.get(tz);
  if (!f) {
    // Throws RangeError for an unknown timezone, which is what we want.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatterCache.set(tz, f);
  }
  return f;
}

function assertValidInstant(at: Date): number {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('Invalid Date');
  return ms;
}

/** ISO weekday (1 = Mon … 7 = Sun) of a proleptic Gregorian date. */
function isoWeekday(year: number, month: number, day: number): number {
  const dow = new Date(Date.UTC(year, month - 1, day)).getUTCDay(); // 0 = Sunday
  return dow === 0 ? 7 : dow;
}

/** Wall-clock fields of `at` in timezone `tz`. */
export function zonedParts(at: Date, tz: string): ZonedParts {
  return partsAt(assertValidInstant(at), tz);
}

function partsAt(ms: number, tz: string): ZonedParts {
  const parts = formatterFor(tz).formatToParts(ms);
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const p of parts) {
    switch (p.type) {
      case 'year':
        year = Number(p.value);
        break;
      case 'month':
        month = Number(p.value);
        break;
      case 'day':
        day = Number(p.value);
        break;
      case 'hour':
        hour = Number(p.value);
        break;
      case 'minute':
        minute = Number(p.value);
        break;
      case 'second':
        second = Number(p.value);
        break;
      default:
        break;
    }
  }
  // Defensive: some older ICU builds print midnight as 24 even with h23.
  if (hour === 24) hour = 0;
  return { year, month, day, hour, minute, second, weekday: isoWeekday(year, month, day) };
}

/** UTC offset (wall clock minus UTC, in ms) in effect at instant `ms` in `tz`. */
function offsetAt(ms: number, tz: string): number {
  const p = partsAt(ms, tz);
  const wallAsUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wallAsUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `tz` reads `year-month-day hour:minute`.
 *
 * Out-of-range fields are normalised like `Date.UTC` does (e.g. hour 24 = next day 00:00,
 * minute 90 = +1h30). Around DST changes:
 * - ambiguous wall times (clocks turned back) resolve to the *earlier* instant;
 * - non-existent wall times (clocks jumped forward) are shifted forward by the size of the gap
 *   (New York 02:30 on spring-forward day → 03:30 EDT).
 */
export function zonedTime(tz: string, year: number, month: number, day: number, hour = 0, minute = 0): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  if (!Number.isFinite(wall)) throw new RangeError(`Invalid wall time ${year}-${month}-${day} ${hour}:${minute}`);
  const key = `${tz}|${wall}`;
  let ms = zonedTimeCache.get(key);
  if (ms === undefined) {
    ms = resolveWallTime(tz, wall);
    if (zonedTimeCache.size >= ZONED_TIME_CACHE_MAX) zonedTimeCache.clear();
    zonedTimeCache.set(key, ms);
  }
  return new Date(ms);
}

/**
 * Memo of wall time → instant per timezone. The SLA calendar converts the same few boundaries
 * (09:00, 12:00, … of nearby days) over and over; each conversion costs several Intl calls.
 * The mapping is a pure function of (tz, wall time), so caching is exact. Bounded by clearing.
 */
const zonedTimeCache = new Map<string, number>();
const ZONED_TIME_CACHE_MAX = 50_000;

function resolveWallTime(tz: string, wall: number): number {
  // The real instant is within ±14h of `wall`, so offsets sampled a day either side are the
  // offsets before and after any transition near the requested time.
  const before = offsetAt(wall - MS_PER_DAY, tz);
  const after = offsetAt(wall + MS_PER_DAY, tz);
  if (before === after) {
    const candidate = wall - before;
    if (offsetAt(candidate, tz) === before) return candidate;
  }
  let best: number | undefined;
  for (const off of before === after ? [before] : [before, after]) {
    const candidate = wall - off;
    if (offsetAt(candidate, tz) === off && (best === undefined || candidate < best)) best = candidate;
  }
  if (best !== undefined) return best;
  // Fallback for irregular histories (e.g. two transitions within two days): the offset actually in
  // effect at the naive candidate.
  const naive = wall - offsetAt(wall, tz);
  const exact = wall - offsetAt(naive, tz);
  if (offsetAt(exact, tz) === wall - exact) return exact;
  // Gap: interpret the wall time with the offset from before the jump → lands after the jump.
  return wall - before;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad4(n: number): string {
  return String(n).padStart(4, '0');
}

function keyOf(year: number, month: number, day: number): string {
  return `${pad4(year)}-${pad2(month)}-${pad2(day)}`;
}

const DAY_KEY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parse 'YYYY-MM-DD' into numbers; throws on malformed or impossible dates (e.g. '2026-02-30'). */
export function parseDayKey(key: string): { year: number; month: number; day: number } {
  const m = DAY_KEY_RE.exec(key);
  if (!m) throw new RangeError(`Invalid day key '${key}' (expected YYYY-MM-DD)`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    throw new RangeError(`Invalid day key '${key}' (no such date)`);
  }
  return { year, month, day };
}

/** The calendar date of `at` in `tz`, as 'YYYY-MM-DD'. */
export function dayKey(at: Date, tz: string): string {
  const p = zonedParts(at, tz);
  return keyOf(p.year, p.month, p.day);
}

/** The calendar month of `at` in `tz`, as 'YYYY-MM'. */
export function monthKey(at: Date, tz: string): string {
  const p = zonedParts(at, tz);
  return `${pad4(p.year)}-${pad2(p.month)}`;
}

/** Calendar arithmetic on day keys (timezone independent); `n` may be negative. */
export function addDays(key: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`addDays: n must be an integer, got ${n}`);
  const { year, month, day } = parseDayKey(key);
  const d = new Date(Date.UTC(year, month - 1, day + n));
  return keyOf(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** Whole days from day key `a` to day key `b` (positive if b is later). */
export function daysBetween(a: string, b: string): number {
  const pa = parseDayKey(a);
  const pb = parseDayKey(b);
  return Math.round((Date.UTC(pb.year, pb.month - 1, pb.day) - Date.UTC(pa.year, pa.month - 1, pa.day)) / MS_PER_DAY);
}

/** ISO weekday of a day key: 1 = Monday … 7 = Sunday. */
export function weekdayOf(key: string): number {
  const { year, month, day } = parseDayKey(key);
  return isoWeekday(year, month, day);
}

/** The first instant of the day `key` in `tz` (usually 00:00; later if midnight falls in a DST gap). */
export function startOfDay(key: string, tz: string): Date {
  const { year, month, day } = parseDayKey(key);
  return zonedTime(tz, year, month, day, 0, 0);
}

/** Chat display: 'MM-DD HH:mm', or 'YYYY-MM-DD HH:mm' when `withYear` is true. */
export function formatLocal(at: Date, tz: string, withYear = false): string {
  const p = zonedParts(at, tz);
  const hm = `${pad2(p.hour)}:${pad2(p.minute)}`;
  return withYear ? `${keyOf(p.year, p.month, p.day)} ${hm}` : `${pad2(p.month)}-${pad2(p.day)} ${hm}`;
}

const HM_RE = /^(\d{1,2}):(\d{2})$/;

/** 'HH:mm' → minutes since midnight. Accepts 00:00–23:59 and '24:00' (= 1440, end of day). */
export function parseHm(hm: string): number {
  const m = HM_RE.exec(hm.trim());
  if (!m) throw new RangeError(`Invalid time of day '${hm}' (expected HH:mm)`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) throw new RangeError(`Invalid time of day '${hm}'`);
  return h * 60 + min;
}

/** The instant at `minutes` past local midnight on day `key` in `tz` (minutes may be 1440). */
export function atMinutes(key: string, minutes: number, tz: string): Date {
  const { year, month, day } = parseDayKey(key);
  return zonedTime(tz, year, month, day, Math.floor(minutes / 60), minutes % 60);
}

export const MS = { minute: MS_PER_MINUTE, hour: 60 * MS_PER_MINUTE, day: MS_PER_DAY } as const;
