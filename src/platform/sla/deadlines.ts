/**
 * The deadline service: opens clocks from workflow rules, closes them (met with how early or late,
 * or cancelled), pauses and resumes them. Every function runs inside the caller's transaction.
 */
import { and, asc, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../db/client';
import type { DeadlineRule } from '../workflow/workflow';
import { elapsedMs, type CalendarConfig } from './calendar';
import { dueTimes, shiftAfterPause } from './due';
import { deadlines, type DeadlineRow } from './sla.schema';

export interface SubjectRef {
  subjectType: string;
  subjectId: string | number;
}

/** Statuses of a clock that still runs (or may run again). */
export const LIVE: Array<DeadlineRow['status']> = ['open', 'breached', 'paused'];

const ofSubject = (s: SubjectRef, steps?: readonly string[]) =>
  and(
    eq(deadlines.subjectType, s.subjectType),
    eq(deadlines.subjectId, String(s.subjectId)),
    steps ? inArray(deadlines.step, [...steps]) : undefined,
  );

/** The time a deadline is measured against: its target, or its hard limit when it has none. */
export const dueAt = (d: Pick<DeadlineRow, 'targetAt' | 'limitAt'>): Date => (d.targetAt ?? d.limitAt)!;

export interface OpenInput extends SubjectRef {
  rule: DeadlineRule;
  /** The record's owner; required for rules owned by 'owner'. */
  ownerOpenId?: string | null;
  anchorAt: Date;
  /** Anchor of the hard limit when the rule names `limitAnchor`. */
  limitAnchorAt?: Date;
  now: Date;
}

/**
 * Starts the clock of one rule. A live clock of the same subject and step is replaced (cancelled),
 * so re-entering a state never leaves two reminders running for one step.
 */
export async function openDeadline(tx: Tx, cal: CalendarConfig, input: OpenInput): Promise<DeadlineRow> {
  await closeLive(tx, ofSubject(input, [input.rule.step]), input.now, 'cancelled');
  const [row] = await tx.insert(deadlines).values(newDeadline(cal, input)).returning();
  return row!;
}

/**
 * Starts the clocks of several rules of one subject, as openDeadline one after another would:
 * with distinct steps that is one UPDATE (their live clocks cancelled) and one INSERT. Rows come
 * back in the order of `rules`.
 */
export async function openDeadlines(tx: Tx, cal: CalendarConfig, subject: SubjectRef, rules: Array<Omit<OpenInput, keyof SubjectRef>>): Promise<DeadlineRow[]> {
  const steps = rules.map((r) => r.rule.step);
  if (rules.length <= 1 || new Set(steps).size < steps.length || rules.some((r) => r.now.getTime() !== rules[0]!.now.getTime())) {
    const out: DeadlineRow[] = [];
    for (const r of rules) out.push(await openDeadline(tx, cal, { ...subject, ...r }));
    return out;
  }
  const values = rules.map((r) => newDeadline(cal, { ...subject, ...r }));
  await closeLive(tx, ofSubject(subject, steps), rules[0]!.now, 'cancelled');
  const rows = await tx.insert(deadlines).values(values).returning();
  const byStep = new Map(rows.map((row) => [row.step, row]));
  return steps.map((step) => byStep.get(step)!);
}

/** The row that starts one rule's clock. */
function newDeadline(cal: CalendarConfig, input: OpenInput): typeof deadlines.$inferInsert {
  const { rule, now } = input;
  const byOwner = rule.owner === 'owner';
  if (byOwner && !input.ownerOpenId) throw new Error(`deadline "${rule.step}" of ${input.subjectType} ${input.subjectId} belongs to the record's owner, but no ownerOpenId was given`);
  const due = dueTimes(rule, input.anchorAt, cal, now, input.limitAnchorAt ?? input.anchorAt);
  return {
    subjectType: input.subjectType,
    subjectId: String(input.subjectId),
    step: rule.step,
    label: rule.label,
    ownerOpenId: byOwner ? input.ownerOpenId! : null,
    ownerRole: byOwner ? null : rule.owner,
    anchorAt: input.anchorAt,
    targetAt: due.targetAt,
    limitAt: due.limitAt,
    remindAt: due.remindAt,
    clock: rule.clock,
    urgent: rule.urgent ?? false,
    status: 'open',
    nextActionAt: due.remindAt,
    createdAt: now,
  };
}

async function closeLive(tx: Tx, where: SQL | undefined, now: Date, status: 'cancelled'): Promise<number> {
  const rows = await tx
    .update(deadlines)
    .set({ status, closedAt: now, nextActionAt: null, version: sql`${deadlines.version} + 1` })
    .where(and(where, inArray(deadlines.status, LIVE)))
    .returning({ id: deadlines.id });
  return rows.length;
}

/**
 * Marks the subject's live clocks (all, or these steps) as met and records how early (negative)
 * or late they were, on the rule's own clock, against the target — or the limit when there is none.
 */
export async function meetDeadlines(tx: Tx, cal: CalendarConfig, subject: SubjectRef, opts: { steps?: readonly string[]; now: Date }): Promise<DeadlineRow[]> {
  const live = await tx.select().from(deadlines).where(and(ofSubject(subject, opts.steps), inArray(deadlines.status, LIVE)));
  const out: DeadlineRow[] = [];
  for (const d of live) {
    const [row] = await tx
      .update(deadlines)
      .set({
        status: 'met',
        metAt: opts.now,
        metDeltaMs: elapsedMs(dueAt(d), opts.now, d.clock, cal),
        closedAt: opts.now,
        nextActionAt: null,
        version: sql`${deadlines.version} + 1`,
      })
      .where(and(eq(deadlines.id, d.id), eq(deadlines.version, d.version)))
      .returning();
    if (row) out.push(row);
  }
  return out;
}

/** Stops the subject's live clocks (all, or these steps) without counting them as met. */
export function cancelDeadlines(tx: Tx, subject: SubjectRef, opts: { steps?: readonly string[]; now: Date }): Promise<number> {
  return closeLive(tx, ofSubject(subject, opts.steps), opts.now, 'cancelled');
}

/**
 * Whether an open clock's reminder is still to be sent: its next action is not the hard limit (the
 * sweep moves it to the limit — or to NULL when there is none — once the reminder went out). A
 * reminder held back by quiet hours, or snoozed, is still pending.
 */
const reminderPendingSql = sql`(${deadlines.nextActionAt} is not null and (${deadlines.limitAt} is null or ${deadlines.nextActionAt} <> ${deadlines.limitAt}))`;

/**
 * Stops an open clock (e.g. waiting for the customer); nothing is reminded while paused.
 * next_action_at must be NULL while paused (the sweep's index follows due work only), so whether
 * the reminder is still owed is kept in remind_at: while paused, remind_at ≥ paused_at means the
 * reminder is still to be sent — remind_at = paused_at if it had come due (held back by quiet
 * hours, or snoozed), else the time it was due — and remind_at < paused_at means it went out.
 * resumeDeadline reads it back.
 */
export async function pauseDeadline(tx: Tx, opts: { id: number; reason: string; now: Date }): Promise<DeadlineRow | undefined> {
  const now = opts.now.getTime();
  const [row] = await tx
    .update(deadlines)
    .set({
      status: 'paused',
      pausedAt: opts.now,
      pauseReason: opts.reason,
      remindAt: sql`case when ${reminderPendingSql} then (case when ${deadlines.remindAt} <= ${now} then ${now} else ${deadlines.nextActionAt} end) else min(${deadlines.remindAt}, ${now - 1}) end`,
      nextActionAt: null,
      version: sql`${deadlines.version} + 1`,
    })
    .where(and(eq(deadlines.id, opts.id), eq(deadlines.status, 'open')))
    .returning();
  return row;
}

/**
 * Restarts a paused clock. Paused time does not count: target, limit and reminder move by the time
 * that was left on the rule's clock when it paused. A reminder already sent is not sent again; one
 * that had come due but was not sent yet (held back by quiet hours, snoozed, or the sweep had not
 * run) goes out at the next sweep, still subject to quiet hours.
 */
export async function resumeDeadline(tx: Tx, cal: CalendarConfig, opts: { id: number; now: Date }): Promise<DeadlineRow | undefined> {
  const [d] = await tx.select().from(deadlines).where(and(eq(deadlines.id, opts.id), eq(deadlines.status, 'paused')));
  if (!d?.pausedAt) return undefined;
  const shift = (at: Date | null) => shiftAfterPause(at, d.pausedAt!, opts.now, d.clock, cal);
  const targetAt = shift(d.targetAt);
  const limitAt = shift(d.limitAt);
  const remindAt = shift(d.remindAt)!;
  const reminderPending = d.remindAt.getTime() >= d.pausedAt.getTime(); // see pauseDeadline
  const [row] = await tx
    .update(deadlines)
    .set({
      status: 'open',
      targetAt,
      limitAt,
      remindAt,
      pausedAt: null,
      pausedMs: d.pausedMs + Math.max(0, elapsedMs(d.pausedAt, opts.now, d.clock, cal)),
      nextActionAt: reminderPending ? remindAt : limitAt,
      version: sql`${deadlines.version} + 1`,
    })
    .where(and(eq(deadlines.id, d.id), eq(deadlines.version, d.version)))
    .returning();
  return row;
}

/** Pauses every open clock of a subject (the record went on hold). */
export async function pauseSubject(tx: Tx, subject: SubjectRef, opts: { reason: string; now: Date }): Promise<number> {
  const open = await tx.select({ id: deadlines.id }).from(deadlines).where(and(ofSubject(subject), eq(deadlines.status, 'open')));
  for (const { id } of open) await pauseDeadline(tx, { id, ...opts });
  return open.length;
}

/** Resumes every paused clock of a subject. */
export async function resumeSubject(tx: Tx, cal: CalendarConfig, subject: SubjectRef, opts: { now: Date }): Promise<number> {
  const paused = await tx.select({ id: deadlines.id }).from(deadlines).where(and(ofSubject(subject), eq(deadlines.status, 'paused')));
  for (const { id } of paused) await resumeDeadline(tx, cal, { id, ...opts });
  return paused.length;
}

/** Moves the next reminder of a live clock (延后); the target and limit stay where they are. */
export async function snoozeDeadline(tx: Tx, opts: { id: number; version: number; until: Date }): Promise<DeadlineRow | undefined> {
  const [row] = await tx
    .update(deadlines)
    .set({ nextActionAt: opts.until, version: sql`${deadlines.version} + 1` })
    .where(and(eq(deadlines.id, opts.id), eq(deadlines.version, opts.version), inArray(deadlines.status, ['open', 'breached'])))
    .returning();
  return row;
}

/** A person's live clocks — their own and, with `role`, those owned by their role — soonest first. */
export function openDeadlinesFor(tx: Tx, openId: string, role?: string | null): Promise<DeadlineRow[]> {
  const mine = role ? or(eq(deadlines.ownerOpenId, openId), and(isNull(deadlines.ownerOpenId), eq(deadlines.ownerRole, role))) : eq(deadlines.ownerOpenId, openId);
  return tx
    .select()
    .from(deadlines)
    .where(and(mine, inArray(deadlines.status, LIVE)))
    .orderBy(asc(sql`coalesce(${deadlines.targetAt}, ${deadlines.limitAt})`), asc(deadlines.id));
}

/** A subject's deadlines, newest first (for a record's card). */
export function deadlinesOf(tx: Tx, subject: SubjectRef): Promise<DeadlineRow[]> {
  return tx.select().from(deadlines).where(ofSubject(subject)).orderBy(sql`${deadlines.id} desc`);
}
