/**
 * Reads the KPI module needs from its own tables and, read-only, from orders: who is assessed,
 * targets for any period, and sales by the configured rule (SPEC §5, issue 8 item 1).
 */
import { and, eq, gte, inArray, isNotNull, lt, ne, sql } from 'drizzle-orm';
import type { Tx } from '../../platform/db/client';
import { users } from '../../platform/db/core.schema';
import type { Role } from '../../platform/roles';
import { orderEvents, orderPayments, orders } from '../orders';
import { KPI_CONFIG, type SalesRule, type Scheme } from './kpi.config';
import { daysIn, daysInMonth, monthsEnding, type Period } from './kpi.periods';
import { DEPARTMENT, kpiTargets } from './kpi.schema';

export interface Member {
  openId: string;
  name: string;
  role: Role;
  hiredOn: string | null;
}

/** People with an assigned role (a default role does not make anyone assessable), by name. */
export async function members(tx: Tx): Promise<Member[]> {
  const rows = await tx.select({ openId: users.openId, name: users.name, role: users.role, hiredOn: users.hiredOn }).from(users).where(isNotNull(users.role));
  return rows.map((r) => ({ openId: r.openId, name: r.name ?? r.openId, role: r.role as Role, hiredOn: r.hiredOn })).sort((a, b) => a.name.localeCompare(b.name, 'zh'));
}

export const schemeOf = (role: Role | null | undefined): Scheme | undefined => (role ? KPI_CONFIG.schemes[role] : undefined);

/** Salespeople and supervisors: who is assessed and shown on the team view. */
export const assessed = (list: Member[]) => list.filter((m) => schemeOf(m.role));

// ---------------------------------------------------------------------------------------------
// Targets

export type TargetBook = Map<string, Map<string, number>>;

/** Every target of these months: subject → month → amount. */
export async function loadTargets(tx: Tx, months: string[]): Promise<TargetBook> {
  const rows = months.length ? await tx.select().from(kpiTargets).where(inArray(kpiTargets.month, months)) : [];
  const book: TargetBook = new Map();
  for (const r of rows) {
    const m = book.get(r.subject) ?? new Map<string, number>();
    m.set(r.month, r.amount);
    book.set(r.subject, m);
  }
  return book;
}

/** A month's target of one subject; the department's falls back to the sum of personal targets. */
export function monthTarget(book: TargetBook, subject: string, month: string): number | null {
  const own = book.get(subject)?.get(month);
  if (own !== undefined) return own;
  if (subject !== DEPARTMENT) return null;
  let sum = 0;
  let any = false;
  for (const [s, m] of book) {
    const v = s === DEPARTMENT ? undefined : m.get(month);
    if (v !== undefined) {
      sum += v;
      any = true;
    }
  }
  return any ? sum : null;
}

/**
 * The target for any period: months add up; a week takes each month's target pro rata by days.
 * Months without a target add nothing; none at all → null (no data).
 */
export function periodTarget(book: TargetBook, subject: string, period: Pick<Period, 'months' | 'firstDay' | 'lastDay'>): number | null {
  let sum = 0;
  let any = false;
  for (const month of period.months) {
    const t = monthTarget(book, subject, month);
    if (t === null) continue;
    any = true;
    sum += (t * daysIn(period, month)) / daysInMonth(month);
  }
  return any ? Math.round(sum * 100) / 100 : null;
}

// ---------------------------------------------------------------------------------------------
// Sales

export interface Sale {
  ownerOpenId: string;
  at: Date;
  amount: number;
}

/**
 * Sales in [from, to) by the rule in force (kpi.settings.ts). `confirmed`: each order counts once,
 * at its first customer confirmation, with its amount (cancelled orders never count). `payments`:
 * each payment at the time it was recorded.
 */
export async function salesBetween(tx: Tx, from: Date, to: Date, rule: SalesRule): Promise<Sale[]> {
  if (rule === 'payments') {
    const rows = await tx
      .select({ ownerOpenId: orders.ownerOpenId, at: orderPayments.at, amount: orderPayments.amount })
      .from(orderPayments)
      .innerJoin(orders, eq(orders.id, orderPayments.orderId))
      .where(and(gte(orderPayments.at, from), lt(orderPayments.at, to)));
    return rows;
  }
  const first = sql<number>`min(${orderEvents.at})`;
  const rows = await tx
    .select({ ownerOpenId: orders.ownerOpenId, amount: orders.amount, at: first })
    .from(orders)
    .innerJoin(orderEvents, and(eq(orderEvents.orderId, orders.id), eq(orderEvents.toState, 'customer_confirmed')))
    .where(ne(orders.state, 'cancelled'))
    .groupBy(orders.id)
    .having(and(gte(first, from.getTime()), lt(first, to.getTime())));
  return rows.map((r) => ({ ownerOpenId: r.ownerOpenId, amount: r.amount, at: new Date(Number(r.at)) }));
}

export function sumByOwner(sales: Sale[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of sales) out.set(s.ownerOpenId, (out.get(s.ownerOpenId) ?? 0) + s.amount);
  return out;
}

export const total = (sales: Sale[]) => Math.round(sales.reduce((a, s) => a + s.amount, 0) * 100) / 100;

/** Monthly sales and targets of the N months ending with `month`, per subject (openId or DEPARTMENT). */
export async function monthlyHistory(
  tx: Tx,
  month: string,
  n: number,
  periodOf: (m: string) => Period,
  rule: SalesRule,
): Promise<{ months: string[]; actual(subject: string, m: string): number; target(subject: string, m: string): number | null }> {
  const months = monthsEnding(month, n);
  const first = periodOf(months[0]!);
  const last = periodOf(months.at(-1)!);
  const sales = await salesBetween(tx, first.from, last.to, rule);
  const book = await loadTargets(tx, months);
  const byMonth = new Map<string, Sale[]>();
  for (const m of months) {
    const p = periodOf(m);
    byMonth.set(m, sales.filter((s) => s.at >= p.from && s.at < p.to));
  }
  return {
    months,
    actual: (subject, m) => {
      const list = byMonth.get(m) ?? [];
      return subject === DEPARTMENT ? total(list) : total(list.filter((s) => s.ownerOpenId === subject));
    },
    target: (subject, m) => monthTarget(book, subject, m),
  };
}
