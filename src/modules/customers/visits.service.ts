/**
 * 客户拜访: a visit is logged with its time, participants and next step; the first one moves a
 * prospect to `contacted` (starting the 3-working-day needs-analysis clock), it meets the month's
 * important-customer visit and carries out the customer's earliest open visit plan.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { BotContext } from '../../platform/context';
import { refuse } from '../../platform/errors';
import { meetDeadlines } from '../../platform/sla/deadlines';
import { atMinutes, dayKey, monthKey } from '../../platform/time';
import { customers, visitPlans, visits, type Customer, type Visit, type VisitPlan } from './customers.schema';
import { fire, importantVisitStep, openPlanClock, PLAN_SUBJECT, SUBJECT } from './customers.service';

export { PLAN_SUBJECT };

export interface VisitInput {
  content: string;
  nextStep?: string;
  place?: string;
  feedback?: string;
  /** 'YYYY-MM-DD' when logged later than the visit day. */
  day?: string;
  participants: string[];
}

export interface LoggedVisit {
  visit: Visit;
  customer: Customer;
  firstVisit: boolean;
  plan?: VisitPlan;
  /** Logged on a later day than the visit (the record is due the same day). */
  late: boolean;
}

export async function logVisit(ctx: BotContext, c: Customer, input: VisitInput): Promise<LoggedVisit> {
  const tz = ctx.services.config.BUSINESS_TZ;
  const today = dayKey(ctx.now, tz);
  const day = input.day ?? today;
  if (day > today) refuse('BAD_INPUT', `拜访日期 ${day} 还没到。计划拜访请用 /拜访 计划 ${c.name} ${day}`);
  // A visit logged later than its day is dated noon of that day: the needs clock counts from then.
  const visitedAt = day === today ? ctx.now : atMinutes(day, 12 * 60, tz);
  const [visit] = await ctx.tx
    .insert(visits)
    .values({
      customerId: c.id,
      ownerOpenId: ctx.actor.openId,
      visitedAt,
      place: input.place ?? null,
      participants: input.participants.filter((p) => p !== ctx.actor.openId),
      content: input.content,
      feedback: input.feedback ?? null,
      nextStep: input.nextStep ?? null,
      createdAt: ctx.now,
    })
    .returning();

  const firstVisit = !c.firstVisitAt;
  await ctx.tx
    .update(customers)
    .set({
      lastVisitAt: c.lastVisitAt && c.lastVisitAt > visitedAt ? c.lastVisitAt : visitedAt,
      ...(firstVisit ? { firstVisitAt: visitedAt } : {}),
      ...(input.nextStep ? { nextStep: input.nextStep } : {}),
      updatedAt: ctx.now,
    })
    .where(eq(customers.id, c.id));
  await ctx.audit({ action: 'visit.log', subjectType: SUBJECT, subjectId: c.id, detail: { visit: visit!.id, day, participants: visit!.participants.length } });

  let customer = await ctx.tx.select().from(customers).where(eq(customers.id, c.id)).then((r) => r[0]!);
  if (customer.state === 'prospect') customer = await fire(ctx, customer, 'FIRST_VISIT');
  await meetDeadlines(ctx.tx, ctx.services.calendar, { subjectType: SUBJECT, subjectId: c.id }, { steps: [importantVisitStep(monthKey(visitedAt, tz))], now: ctx.now });
  const plan = await carryOutPlan(ctx, c.id, visit!, day);
  return { visit: visit!, customer, firstVisit, plan, late: day < today };
}

/** The customer's earliest open plan is carried out by this visit (on time when not after its day). */
async function carryOutPlan(ctx: BotContext, customerId: number, visit: Visit, day: string): Promise<VisitPlan | undefined> {
  const [plan] = await ctx.tx
    .select()
    .from(visitPlans)
    .where(and(eq(visitPlans.customerId, customerId), eq(visitPlans.status, 'planned')))
    .orderBy(asc(visitPlans.plannedOn), asc(visitPlans.id))
    .limit(1);
  if (!plan) return undefined;
  const [done] = await ctx.tx
    .update(visitPlans)
    .set({ status: 'done', visitId: visit.id, executedOn: day, updatedAt: ctx.now, version: sql`${visitPlans.version} + 1` })
    .where(and(eq(visitPlans.id, plan.id), eq(visitPlans.version, plan.version)))
    .returning();
  await ctx.tx.update(visits).set({ planId: plan.id }).where(eq(visits.id, visit.id));
  await meetDeadlines(ctx.tx, ctx.services.calendar, { subjectType: PLAN_SUBJECT, subjectId: plan.id }, { now: ctx.now });
  await ctx.audit({ action: 'visit_plan.done', subjectType: PLAN_SUBJECT, subjectId: plan.id, fromState: 'planned', toState: 'done', detail: { visit: visit.id, onTime: day <= plan.plannedOn } });
  return done;
}

/** A planned visit: due (visited and recorded) by the end of the planned working day. */
export async function planVisit(ctx: BotContext, c: Customer, day: string, note?: string): Promise<{ plan: VisitPlan; dueAt: Date }> {
  const [plan] = await ctx.tx
    .insert(visitPlans)
    .values({ customerId: c.id, ownerOpenId: ctx.actor.openId, plannedOn: day, note: note ?? null, createdAt: ctx.now, updatedAt: ctx.now })
    .returning();
  const d = await openPlanClock(ctx, plan!, c.name);
  await ctx.audit({ action: 'visit_plan.create', subjectType: PLAN_SUBJECT, subjectId: plan!.id, toState: 'planned', detail: { customer: c.id, day } });
  return { plan: plan!, dueAt: d.targetAt! };
}
