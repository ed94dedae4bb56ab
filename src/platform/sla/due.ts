/**
 * Due-time math for one deadline rule: pure, on the business calendar. Kept apart from the
 * database service so the SPEC §3 tables can be checked without a database.
 */
import { addDuration, elapsedMs, subtractWorkingDays, type CalendarConfig, type Clock, type Duration } from './calendar';

export interface DueRule {
  target?: Duration;
  limit?: Duration;
  clock: Clock;
  before?: boolean;
}

export interface DueTimes {
  targetAt: Date | null;
  limitAt: Date | null;
  /** When the owner is reminded: the target, or 80 % of the way to the limit. */
  remindAt: Date;
}

/** Share of the way to a hard limit at which a rule without a target reminds (issue 3). */
export const REMIND_SHARE = 0.8;

const negate = (d: Duration): Duration => ({ days: -(d.days ?? 0), hours: -(d.hours ?? 0), minutes: -(d.minutes ?? 0) });

/** `d` after the anchor — or before it for `before` rules (working clock: whole working days). */
function offset(anchor: Date, d: Duration, rule: DueRule, cal: CalendarConfig): Date {
  if (!rule.before) return addDuration(anchor, d, rule.clock, cal);
  return rule.clock === 'calendar' ? addDuration(anchor, negate(d), 'calendar', cal) : subtractWorkingDays(anchor, d.days ?? 0, cal);
}

/** `share` of the way from `from` to `to`, measured on the rule's clock. */
export function partWay(from: Date, to: Date, share: number, clock: Clock, cal: CalendarConfig): Date {
  if (to.getTime() <= from.getTime()) return to;
  const total = elapsedMs(from, to, clock, cal);
  return addDuration(from, { minutes: (total * share) / 60_000 }, clock, cal);
}

/**
 * Target, limit and reminder time of a rule.
 * @param anchorAt the rule's anchor (the transition, or the named time such as the demo date)
 * @param openedAt when the clock starts; the "way to the limit" starts here unless the anchor is earlier
 * @param limitAnchorAt the limit's own anchor, when the rule has one
 */
export function dueTimes(rule: DueRule, anchorAt: Date, cal: CalendarConfig, openedAt: Date = anchorAt, limitAnchorAt: Date = anchorAt): DueTimes {
  const targetAt = rule.target ? offset(anchorAt, rule.target, rule, cal) : null;
  const limitAt = rule.limit ? offset(limitAnchorAt, rule.limit, rule, cal) : null;
  // The way to the limit starts when the clock opens, or earlier if its anchor is in the past.
  const start = new Date(Math.min(openedAt.getTime(), limitAnchorAt.getTime()));
  const remindAt = targetAt ?? partWay(start, limitAt!, REMIND_SHARE, rule.clock, cal);
  return { targetAt, limitAt, remindAt };
}

/** Shifts a time by `pausedMs` of the rule's clock, counted from the resume moment (paused time does not count). */
export function shiftAfterPause(at: Date | null, pausedAt: Date, resumedAt: Date, clock: Clock, cal: CalendarConfig): Date | null {
  if (!at) return null;
  const remaining = elapsedMs(pausedAt, at, clock, cal);
  if (remaining <= 0) return at; // already due when paused: the pause does not hide that
  return addDuration(resumedAt, { minutes: remaining / 60_000 }, clock, cal);
}
