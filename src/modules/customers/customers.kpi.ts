/**
 * What the KPI module reads from customers (SPEC §4, §5): new customers per owner, visits, visit
 * plans executed, inquiry response times. Periods are half-open [from, to) instants.
 */
import { and, count, countDistinct, eq, gte, lt, lte, ne, sql } from 'drizzle-orm';
import type { Tx } from '../../platform/db/client';
import { deadlines } from '../../platform/sla/sla.schema';
import { dayKey } from '../../platform/time';
import { PLAN_SUBJECT } from './customers.service';
import { customers, inquiries, visitPlans, visits } from './customers.schema';

export interface Period {
  from: Date;
  to: Date;
}

/** 新客户开发: customers created in the period, by the salesperson who created them. */
export async function newCustomersPerOwner(tx: Tx, p: Period): Promise<Array<{ ownerOpenId: string; count: number }>> {
  const owner = sql<string>`coalesce(${customers.createdByOpenId}, ${customers.ownerOpenId})`;
  const rows = await tx
    .select({ ownerOpenId: owner, count: count() })
    .from(customers)
    .where(and(gte(customers.createdAt, p.from), lt(customers.createdAt, p.to)))
    .groupBy(owner);
  return rows.map((r) => ({ ownerOpenId: r.ownerOpenId, count: Number(r.count) }));
}

/** Visits made in the period, and how many different customers they covered. */
export async function visitsPerOwner(tx: Tx, p: Period): Promise<Array<{ ownerOpenId: string; visits: number; customers: number }>> {
  const rows = await tx
    .select({ ownerOpenId: visits.ownerOpenId, visits: count(), customers: countDistinct(visits.customerId) })
    .from(visits)
    .where(and(gte(visits.visitedAt, p.from), lt(visits.visitedAt, p.to)))
    .groupBy(visits.ownerOpenId);
  return rows.map((r) => ({ ownerOpenId: r.ownerOpenId, visits: Number(r.visits), customers: Number(r.customers) }));
}

/**
 * 拜访计划执行率: plans whose day falls in the period; executed = visited by the day the plan was
 * due — the planned day, or the next working day when it was planned for a weekend or holiday
 * (the plan's clock: "visit record same day" counts working days). The same rule the plan's
 * reminder told the salesperson. Plans whose day is still ahead (after `asOf`) are left out, and
 * so are plans cancelled because the customer was lost.
 */
export async function visitPlanExecution(tx: Tx, p: Period, tz: string, asOf: Date = p.to): Promise<Array<{ ownerOpenId: string; planned: number; executed: number; rate: number | null }>> {
  const from = dayKey(p.from, tz);
  const to = dayKey(new Date(Math.min(p.to.getTime() - 1, asOf.getTime())), tz);
  const rows = await tx
    .select({ id: visitPlans.id, ownerOpenId: visitPlans.ownerOpenId, status: visitPlans.status, plannedOn: visitPlans.plannedOn, executedOn: visitPlans.executedOn, dueAt: deadlines.targetAt })
    .from(visitPlans)
    .leftJoin(deadlines, and(eq(deadlines.subjectType, PLAN_SUBJECT), eq(deadlines.subjectId, sql`cast(${visitPlans.id} as text)`), ne(deadlines.status, 'cancelled')))
    .where(and(gte(visitPlans.plannedOn, from), lte(visitPlans.plannedOn, to), ne(visitPlans.status, 'cancelled')));
  const plans = new Map<number, (typeof rows)[number]>();
  for (const r of rows) if (!plans.has(r.id) || r.dueAt) plans.set(r.id, r);
  const per = new Map<string, { planned: number; executed: number }>();
  for (const plan of plans.values()) {
    const dueDay = plan.dueAt ? dayKey(plan.dueAt, tz) : plan.plannedOn;
    const n = per.get(plan.ownerOpenId) ?? { planned: 0, executed: 0 };
    n.planned++;
    if (plan.status === 'done' && plan.executedOn && plan.executedOn <= dueDay) n.executed++;
    per.set(plan.ownerOpenId, n);
  }
  return [...per].map(([ownerOpenId, n]) => ({ ownerOpenId, ...n, rate: n.planned ? n.executed / n.planned : null }));
}

/** 咨询响应: every inquiry received in the period; responseMs is null while unanswered. */
export async function inquiryResponseTimes(tx: Tx, p: Period): Promise<Array<{ number: string; ownerOpenId: string; technical: boolean; receivedAt: Date; answeredAt: Date | null; responseMs: number | null }>> {
  const rows = await tx
    .select()
    .from(inquiries)
    .where(and(gte(inquiries.receivedAt, p.from), lt(inquiries.receivedAt, p.to)));
  return rows.map((q) => ({
    number: q.id,
    ownerOpenId: q.ownerOpenId,
    technical: q.technical,
    receivedAt: q.receivedAt,
    answeredAt: q.answeredAt,
    responseMs: q.answeredAt ? q.answeredAt.getTime() - q.receivedAt.getTime() : null,
  }));
}

/** Customers currently owned, per owner and stage (pipeline overview for targets/KPI). */
export async function pipelineByOwner(tx: Tx): Promise<Array<{ ownerOpenId: string; state: string; count: number }>> {
  const rows = await tx.select({ ownerOpenId: customers.ownerOpenId, state: customers.state, count: count() }).from(customers).groupBy(customers.ownerOpenId, customers.state);
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

