/**
 * Service cadences around orders and customers (SPEC §3.3) that are not one record's workflow:
 * - quality follow-up (品质回访) a month after delivery: other modules call
 *   `scheduleQualityFollowUp` (e.g. the orders module when an order is delivered); the daily
 *   `complaints.service-clocks` job opens the clock when it comes due;
 * - a satisfaction survey per active customer every quarter: the same job opens one clock per
 *   customer and quarter; `/满意度` meets it.
 * (Order confirmation to the customer, 2 h / hard limit 4 h, is a rule of the order workflow.)
 * The SLA sweep does the reminding and escalating, like every other clock.
 */
import { and, eq, gte, inArray, lte, or, sql } from 'drizzle-orm';
import type { BotContext, Services } from '../../platform/context';
import type { Tx } from '../../platform/db/client';
import { writeTransaction } from '../../platform/db/write-lock';
import { refuse } from '../../platform/errors';
import type { JobSummary } from '../../platform/jobs/job';
import { meetDeadlines, openDeadline } from '../../platform/sla/deadlines';
import { deadlines } from '../../platform/sla/sla.schema';
import { MS } from '../../platform/time';
import { customers } from '../customers';
import { followUps, satisfactionSurveys, type FollowUp } from './complaints.schema';
import { quarterOf, SUBJECT, surveySubjectId } from './complaints.service';
import { SERVICE, SERVICE_RULES } from './complaints.workflow';

export interface QualityFollowUpInput {
  customerId: number;
  /** The delivered order (DD-20261204-001); one follow-up per order — calling twice changes nothing. */
  orderNumber?: string | null;
  /** When the customer received the goods. */
  deliveredAt: Date;
  /** Who follows up; default: the customer's owner when the clock opens. */
  ownerOpenId?: string | null;
}

/**
 * Schedules the quality follow-up SERVICE.followUpAfterDays (30) calendar days after delivery.
 * Call it inside your own transaction with your `ctx.now`; idempotent per order number. Returns the row.
 */
export async function scheduleQualityFollowUp(tx: Tx, input: QualityFollowUpInput, now: Date): Promise<FollowUp> {
  const dueAt = new Date(input.deliveredAt.getTime() + SERVICE.followUpAfterDays * MS.day);
  const values = {
    kind: 'quality' as const,
    customerId: input.customerId,
    orderNumber: input.orderNumber ?? null,
    ownerOpenId: input.ownerOpenId ?? null,
    deliveredAt: input.deliveredAt,
    dueAt,
    createdAt: now,
    updatedAt: now.getTime(),
  };
  const [row] = await tx.insert(followUps).values(values).onConflictDoNothing().returning();
  if (row) return row;
  const [existing] = await tx.select().from(followUps).where(and(eq(followUps.kind, 'quality'), eq(followUps.orderNumber, input.orderNumber ?? '')));
  return existing!;
}

export async function loadFollowUp(tx: Tx, id: number): Promise<FollowUp> {
  const [f] = await tx.select().from(followUps).where(eq(followUps.id, id));
  return f ?? refuse('NOT_FOUND', '这条回访不存在了。');
}

/** Who may record a follow-up: the one who follows up, a supervisor, an admin. */
export const mayRecordFollowUp = (f: Pick<FollowUp, 'ownerOpenId'>, who: { openId: string; role: string | null; isAdmin: boolean }) =>
  who.isAdmin || who.role === 'supervisor' || f.ownerOpenId === who.openId;

/** 已回访: the owner (or a supervisor) records what the customer said; the clock is met. */
export async function completeFollowUp(ctx: BotContext, f: FollowUp, v: number, note: string): Promise<FollowUp> {
  if (f.status === 'done' || f.status === 'cancelled') refuse('INVALID_TRANSITION', '这条回访已经完成了。');
  if (!mayRecordFollowUp(f, ctx.actor)) refuse('NOT_ALLOWED', '没有权限：只有负责回访的业务员或主管可以登记回访。');
  const [row] = await ctx.tx
    .update(followUps)
    .set({ status: 'done', note, doneAt: ctx.now, doneBy: ctx.actor.openId, updatedAt: ctx.now.getTime(), version: sql`${followUps.version} + 1` })
    .where(and(eq(followUps.id, f.id), eq(followUps.version, v)))
    .returning();
  if (!row) refuse('STALE', '该记录已被他人更新，请刷新后重试。');
  await ctx.audit({ action: 'follow_up.done', subjectType: SUBJECT.followUp, subjectId: f.id, fromState: f.status, toState: 'done', detail: { note } });
  await meetDeadlines(ctx.tx, ctx.services.calendar, { subjectType: SUBJECT.followUp, subjectId: f.id }, { now: ctx.now });
  return row!;
}

/** Customers that get a quarterly survey: in an active pipeline state, or delivered to recently. */
async function activeCustomers(tx: Tx, now: Date): Promise<Array<{ id: number; ownerOpenId: string }>> {
  const since = new Date(now.getTime() - SERVICE.activeDeliveryDays * MS.day);
  const delivered = tx.select({ id: followUps.customerId }).from(followUps).where(gte(followUps.deliveredAt, since));
  return tx
    .select({ id: customers.id, ownerOpenId: customers.ownerOpenId })
    .from(customers)
    .where(or(inArray(customers.state, [...SERVICE.activeCustomerStates]), inArray(customers.id, delivered)));
}

/**
 * The daily catch-up: opens the clocks that came due. Idempotent — a follow-up leaves 'scheduled'
 * once, and a customer's survey clock for a quarter is opened only if none exists.
 */
export async function openServiceClocks(services: Services, now: Date): Promise<JobSummary> {
  const { db } = services.database;
  const cal = services.calendar;
  return writeTransaction(db, async (tx) => {
    // 1. Quality follow-ups due within the lead time.
    const horizon = new Date(now.getTime() + SERVICE.followUpLeadDays * MS.day);
    const due = await tx
      .select({ f: followUps, owner: customers.ownerOpenId })
      .from(followUps)
      .innerJoin(customers, eq(customers.id, followUps.customerId))
      .where(and(eq(followUps.status, 'scheduled'), lte(followUps.dueAt, horizon)));
    for (const { f, owner } of due) {
      const ownerOpenId = f.ownerOpenId ?? owner;
      await openDeadline(tx, cal, { subjectType: SUBJECT.followUp, subjectId: f.id, rule: SERVICE_RULES.qualityFollowUp, ownerOpenId, anchorAt: f.dueAt, now });
      await tx.update(followUps).set({ status: 'open', ownerOpenId, updatedAt: now.getTime(), version: sql`${followUps.version} + 1` }).where(eq(followUps.id, f.id));
    }

    // 2. One satisfaction survey per active customer and quarter.
    const quarter = quarterOf(now, services.config.BUSINESS_TZ);
    const active = await activeCustomers(tx, now);
    const subjectIds = active.map((c) => surveySubjectId(c.id, quarter.key));
    const opened = subjectIds.length
      ? new Set((await tx.select({ id: deadlines.subjectId }).from(deadlines).where(and(eq(deadlines.subjectType, SUBJECT.survey), inArray(deadlines.subjectId, subjectIds)))).map((r) => r.id))
      : new Set<string>();
    const surveyed = new Set(
      (await tx.select({ id: satisfactionSurveys.customerId }).from(satisfactionSurveys).where(and(gte(satisfactionSurveys.surveyedAt, quarter.start), eq(satisfactionSurveys.source, 'survey')))).map((r) => r.id),
    );
    let surveys = 0;
    for (const c of active) {
      const subjectId = surveySubjectId(c.id, quarter.key);
      if (opened.has(subjectId) || surveyed.has(c.id)) continue;
      await openDeadline(tx, cal, { subjectType: SUBJECT.survey, subjectId, rule: SERVICE_RULES.satisfactionSurvey, ownerOpenId: c.ownerOpenId, anchorAt: quarter.end, now });
      surveys++;
    }
    return { followUps: due.length, surveys, quarter: quarter.key };
  });
}
