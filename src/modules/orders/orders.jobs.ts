/**
 * Order reminders that are not one deadline: the daily "no progress note today" for orders in
 * production, and overdue payments. Each sends at most one card per person per day through the
 * reminder ledger, so a re-run sends nothing twice.
 *
 * The weekly "tell the customer" (SPEC §3.3) is a deadline now (ORDER_RULES.customer_notice: 7
 * calendar days from the last notice, escalating at 10), so it shows in /待办, is reminded by the SLA
 * sweep on the day it falls due for that order, and escalates; the old Monday card that listed the
 * same orders was retired so nobody is told twice.
 */
import { and, eq, gte, inArray, notInArray, sql } from 'drizzle-orm';
import { simpleCard } from '../../platform/cards';
import type { Services } from '../../platform/context';
import { writeTransaction } from '../../platform/db/write-lock';
import { enqueue, idempotencyKey } from '../../platform/feishu/outbox';
import { yuan } from '../../platform/format';
import { defineJob, type JobSummary } from '../../platform/jobs/job';
import type { Nudge } from '../../platform/module';
import { isWorkingDay } from '../../platform/sla/calendar';
import { claimLedger } from '../../platform/sla/ledger';
import { addDays, dayKey, startOfDay, weekdayOf } from '../../platform/time';
import type { Tx } from '../../platform/db/client';
import { ORDER_CONFIG } from './orders.config';
import { orderEvents, orders, type Order } from './orders.schema';
import { cutoffOf } from './orders.service';

/** In-production orders without a progress note since `since`. */
async function silentSince(tx: Tx, since: Date): Promise<Order[]> {
  const noted = tx
    .select({ id: orderEvents.orderId })
    .from(orderEvents)
    .where(and(eq(orderEvents.kind, 'progress'), gte(orderEvents.at, since)));
  return tx.select().from(orders).where(and(eq(orders.state, 'in_production'), notInArray(orders.id, noted)));
}

/**
 * Payment counts from the invoice, i.e. the shipment (SPEC §3.2 "payment: contract terms, anchor
 * invoice"): only shipped or delivered orders can be overdue — an order not yet shipped owes nothing,
 * however old its 付款期限, and an advance payment on it is just recorded.
 */
export const PAYMENT_DUE_STATES = ['shipped', 'delivered'] as const;

/** Shipped or delivered orders whose payment date's cutoff has passed with money still owed. */
async function overduePayments(tx: Tx, now: Date, tz: string): Promise<Order[]> {
  const open = await tx.select().from(orders).where(and(inArray(orders.state, [...PAYMENT_DUE_STATES]), sql`${orders.paidAmount} + 0.005 < ${orders.amount}`));
  return open.filter((o) => cutoffOf(o.payBy, tz).getTime() < now.getTime());
}

/** One card per owner, once per ledger key. */
async function sendPerOwner(services: Services, now: Date, job: string, period: string, byOwner: Map<string, string[]>, card: (lines: string[]) => Record<string, unknown>): Promise<number> {
  let sent = 0;
  for (const [openId, lines] of byOwner) {
    const shown = lines.length > ORDER_CONFIG.listLimit ? [...lines.slice(0, ORDER_CONFIG.listLimit), `…还有 ${lines.length - ORDER_CONFIG.listLimit} 条`] : lines;
    await writeTransaction(services.database.db, async (tx) => {
      const key = `${job}:${period}:${openId}`;
      const won = await claimLedger(tx, [{ key, deadlineId: null, kind: 'nudge', recipient: openId }], now);
      if (won.size === 0) return;
      await enqueue(tx, { kind: 'send', to: { openId }, content: { card: card(shown) } }, idempotencyKey(job, period, openId), services.clock.now());
      sent++;
    });
  }
  return sent;
}

const group = (list: Order[], line: (o: Order) => string) => {
  const m = new Map<string, string[]>();
  for (const o of list) m.set(o.ownerOpenId, [...(m.get(o.ownerOpenId) ?? []), line(o)]);
  return m;
};

export async function dailyProgress(services: Services, now: Date): Promise<JobSummary> {
  const tz = services.config.BUSINESS_TZ;
  const today = dayKey(now, tz);
  if (!isWorkingDay(today, services.calendar)) return { skipped: '非工作日', cards: 0 };
  const silent = await silentSince(services.database.db, startOfDay(today, tz));
  const cards = await sendPerOwner(services, now, 'orders.progress', today, group(silent, (o) => `• ${o.id} ${o.customerName} · ${o.product} · 交期 ${o.dueDate}`), (lines) =>
    simpleCard('今日订单进度未更新 · Progress due', 'orange', ['以下生产中的订单今天还没有进度记录：', ...lines, '', '发送 /订单 进度 <编号> <说明> 更新（进度、品质、交期）。'].join('\n')),
  );
  return { orders: silent.length, cards };
}

export async function paymentOverdue(services: Services, now: Date): Promise<JobSummary> {
  const tz = services.config.BUSINESS_TZ;
  const today = dayKey(now, tz);
  if (!isWorkingDay(today, services.calendar)) return { skipped: '非工作日', cards: 0 };
  const late = await overduePayments(services.database.db, now, tz);
  const line = (o: Order) => `• ${o.id} ${o.customerName}：未收 ${yuan(Math.round((o.amount - o.paidAmount) * 100) / 100)}，付款期限 ${o.payBy}（已逾期）`;
  const cards = await sendPerOwner(services, now, 'orders.payment_overdue', today, group(late, line), (lines) =>
    simpleCard('回款逾期提醒 · Overdue payments', 'red', ['以下订单已过付款期限仍未收齐：', ...lines, '', '请跟进客户付款；收到后发送 /订单 回款 <编号> <金额>。'].join('\n')),
  );
  return { orders: late.length, cards };
}

export const progressDailyJob = defineJob({
  name: 'orders.progress_daily',
  schedule: '0 16 * * *',
  description: '生产中订单当天未更新进度的提醒（工作日 16:00）。Daily progress reminder.',
  run: ({ services, now }) => dailyProgress(services, now),
});

export const paymentOverdueJob = defineJob({
  name: 'orders.payment_overdue',
  schedule: '30 9 * * *',
  description: '回款逾期提醒（工作日 09:30，发给订单业务员；只算已出货的订单）。Overdue payments of shipped orders.',
  run: ({ services, now }) => paymentOverdue(services, now),
});

export const orderJobs = [progressDailyJob, paymentOverdueJob];

/** Weekly nudge lines: stalled production and overdue payments, per owner (money only in this private card). */
export async function orderNudges(tx: Tx, now: Date, services: Services): Promise<Nudge[]> {
  const tz = services.config.BUSINESS_TZ;
  const since = startOfDay(addDays(dayKey(now, tz), -ORDER_CONFIG.stalledProgressDays), tz);
  const stalled = await silentSince(tx, since);
  const late = await overduePayments(tx, now, tz);
  return [
    ...stalled.map((o) => ({ ownerOpenId: o.ownerOpenId, section: '生产中订单没有进度', line: `${o.id} ${o.customerName} · ${o.product}（${ORDER_CONFIG.stalledProgressDays} 天无记录）` })),
    ...late.map((o) => ({ ownerOpenId: o.ownerOpenId, section: '回款逾期', line: `${o.id} ${o.customerName} 未收 ${yuan(Math.round((o.amount - o.paidAmount) * 100) / 100)}（期限 ${o.payBy}）` })),
  ];
}
