import { cronMatches } from './job';

/** How often an outside trigger (Workers' cron) fires; job schedules are checked minute by minute within it. */
export const TICK_MINUTES = 5;

/**
 * Whether a schedule (in the business time zone) fired in the tick's window (at − TICK, at].
 * The job then runs once, as of the tick: a sweep as of an earlier minute would miss what fell due since.
 */
export function firedInTick(schedule: string, at: Date, tz: string, tickMinutes = TICK_MINUTES): boolean {
  const end = Math.floor(at.getTime() / 60_000) * 60_000;
  for (let m = end - (tickMinutes - 1) * 60_000; m <= end; m += 60_000) if (cronMatches(schedule, new Date(m), tz)) return true;
  return false;
}
