/**
 * SPEC §4 standards, computed from the records for one person or the department, for a week,
 * month or quarter. Every rate is "decided items done right / decided items"; items not decided
 * yet (not due, still open in time) count neither way, and nothing decided = no data (never 0 %).
 *
 * Where each one comes from (read-only):
 * - 销售目标完成率: sales (kpi.data.ts rule) / the period's target (kpi_targets).
 * - 客户满意度: complaints' satisfactionScores — share of scores ≥ 4 of the surveys in the period.
 * - 订单及时交付率: orders whose due date is in the period: shipped by the due date's cutoff
 *   (orders.on_time_delivery); unshipped past the cutoff = late.
 * - 回款及时率: orders whose payment date is in the period: paid in full by its cutoff
 *   (orders.on_time_payment); unpaid past the cutoff = late.
 * - 合同准确率: contracts whose first submission was decided in the period: approved first time.
 * - 投诉处理及时率: complaints' complaintsHandledOnTime (complaints received in the period).
 * - 咨询 24 h 响应: customers' inquiryResponseTimes; unanswered past 24 h = late.
 * - 订单 4 h 确认 / 工作报告按时率: `deadlines` clocks listed in KPI_CONFIG.clocks whose bound (limit,
 *   else target) falls in the period: met by the bound = on time; breached or overdue = late.
 * - 拜访计划执行率: customers' visitPlanExecution (plans due in the period, done by their day).
 * - 新客户开发: customers' newCustomersPerOwner, against the monthly quota.
 * - 客户信息准确率: no records — shown as 无数据来源.
 */
import { and, eq, gte, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../platform/db/client';
import { yuan } from '../../platform/format';
import { deadlines } from '../../platform/sla/sla.schema';
import { atMinutes } from '../../platform/time';
import { complaintsHandledOnTime, satisfactionScores } from '../complaints';
import { contractApprovals, contracts } from '../contracts';
import { inquiryResponseTimes, newCustomersPerOwner, visitPlanExecution } from '../customers';
import { ORDER_CONFIG, orders } from '../orders';
import { KPI_CONFIG, STANDARDS, type MetricKey, type SalesRule, type StandardDef } from './kpi.config';
import { loadTargets, periodTarget, salesBetween, sumByOwner, total, type TargetBook } from './kpi.data';
import type { Period } from './kpi.periods';
import { DEPARTMENT } from './kpi.schema';
import { judge, ratio, type Measured, type MetricSet } from './kpi.scoring';

export interface Ratio {
  num: number;
  den: number;
}
type RatioKey = Exclude<MetricKey, 'target_completion' | 'new_customers' | 'customer_data_accuracy'>;
interface RatioBook {
  byOwner: Map<string, Ratio>;
  dept: Ratio;
}

export interface Facts {
  period: Period;
  sales: Map<string, number>;
  deptSales: number;
  targets: TargetBook;
  ratios: Record<RatioKey, RatioBook>;
  newCustomers: Map<string, number>;
}

/** One decided item: whose, and whether it was right / on time. */
interface Item {
  owner: string;
  ok: boolean;
}

const ZERO = (): Ratio => ({ num: 0, den: 0 });
const add = (r: Ratio, ok: boolean) => {
  r.den++;
  if (ok) r.num++;
};

/** Per-owner and department totals of decided items. */
function book(items: Item[]): RatioBook {
  const byOwner = new Map<string, Ratio>();
  const dept = ZERO();
  for (const it of items) {
    const r = byOwner.get(it.owner) ?? ZERO();
    add(r, it.ok);
    byOwner.set(it.owner, r);
    add(dept, it.ok);
  }
  return { byOwner, dept };
}

/** Items whose decided-ness depends on a deadline passing: ok / late / not yet (undefined). */
const decided = (done: boolean, onTime: boolean | null, due: Date, asOf: Date): boolean | undefined => (done ? onTime === true : due.getTime() < asOf.getTime() ? false : undefined);

async function deliveryAndPayment(tx: Tx, p: Period, tz: string, asOf: Date): Promise<{ delivery: Item[]; payment: Item[] }> {
  const cutoff = (day: string) => atMinutes(day, ORDER_CONFIG.cutoffMinutes, tz);
  const inPeriod = (col: typeof orders.dueDate | typeof orders.payBy) => and(gte(col, p.firstDay), sql`${col} <= ${p.lastDay}`);
  const due = await tx.select().from(orders).where(and(ne(orders.state, 'cancelled'), or(inPeriod(orders.dueDate), inPeriod(orders.payBy))));
  const delivery: Item[] = [];
  const payment: Item[] = [];
  for (const o of due) {
    if (o.dueDate >= p.firstDay && o.dueDate <= p.lastDay) {
      const ok = decided(o.shippedAt !== null, o.onTimeDelivery, cutoff(o.dueDate), asOf);
      if (ok !== undefined) delivery.push({ owner: o.ownerOpenId, ok });
    }
    if (o.payBy >= p.firstDay && o.payBy <= p.lastDay) {
      const ok = decided(o.paidAt !== null, o.onTimePayment, cutoff(o.payBy), asOf);
      if (ok !== undefined) payment.push({ owner: o.ownerOpenId, ok });
    }
  }
  return { delivery, payment };
}

/** Deadline clocks (KPI_CONFIG.clocks) due in the period: met by the bound, or late. */
async function clockItems(tx: Tx, p: Period, asOf: Date, which: ReadonlyArray<{ subjectType: string; stepPrefix: string }>): Promise<Item[]> {
  const bound = sql<number>`coalesce(${deadlines.limitAt}, ${deadlines.targetAt})`;
  // substr, not LIKE: step names hold underscores, which LIKE reads as wildcards.
  const match = which.map((w) => and(eq(deadlines.subjectType, w.subjectType), sql`substr(${deadlines.step}, 1, ${w.stepPrefix.length}) = ${w.stepPrefix}`)) as SQL[];
  const rows = await tx
    .select()
    .from(deadlines)
    .where(and(ne(deadlines.status, 'cancelled'), or(...match), gte(bound, p.from.getTime()), lt(bound, p.to.getTime())));
  const items: Item[] = [];
  for (const d of rows) {
    if (!d.ownerOpenId) continue;
    const due = (d.limitAt ?? d.targetAt)!;
    const late = d.breachedAt !== null || d.status === 'breached';
    const ok = d.status === 'met' ? !late && d.metAt !== null && d.metAt.getTime() <= due.getTime() : late || due.getTime() < asOf.getTime() ? false : undefined;
    if (ok !== undefined) items.push({ owner: d.ownerOpenId, ok });
  }
  return items;
}

async function contractItems(tx: Tx, p: Period): Promise<Item[]> {
  const rows = await tx
    .select({ owner: contracts.submitterOpenId, decision: contractApprovals.decision })
    .from(contractApprovals)
    .innerJoin(contracts, eq(contracts.id, contractApprovals.contractId))
    .where(and(eq(contractApprovals.revision, 1), eq(contractApprovals.level, 1), gte(contractApprovals.decidedAt, p.from), lt(contractApprovals.decidedAt, p.to)));
  return rows.map((r) => ({ owner: r.owner, ok: r.decision === 'approved' }));
}

async function inquiryItems(tx: Tx, p: Period, asOf: Date): Promise<Item[]> {
  const limitMs = KPI_CONFIG.inquiryResponseHours * 3_600_000;
  const rows = await inquiryResponseTimes(tx, p);
  const items: Item[] = [];
  for (const q of rows) {
    const ok = q.responseMs !== null ? q.responseMs <= limitMs : asOf.getTime() - q.receivedAt.getTime() > limitMs ? false : undefined;
    if (ok !== undefined) items.push({ owner: q.ownerOpenId, ok });
  }
  return items;
}

/** Summaries the other modules compute per owner (one call each) and for the department. */
async function perOwner(owners: string[], one: (owner?: string) => Promise<Ratio>): Promise<RatioBook> {
  const byOwner = new Map<string, Ratio>();
  for (const o of owners) byOwner.set(o, await one(o));
  return { byOwner, dept: await one() };
}

/**
 * Everything the standards of a period need, read once: per owner and for the department.
 * `owners` = the people whose figures come from per-person calls of other modules; `salesRule`
 * = the rule in force (kpi.settings.ts loadRules).
 */
export async function loadFacts(tx: Tx, period: Period, opts: { tz: string; asOf: Date; owners: string[]; salesRule: SalesRule }): Promise<Facts> {
  const { tz, asOf, owners } = opts;
  const range = { from: period.from, to: period.to };
  const sales = await salesBetween(tx, period.from, period.to, opts.salesRule);
  const targets = await loadTargets(tx, period.months);
  const { delivery, payment } = await deliveryAndPayment(tx, period, tz, asOf);
  const satisfaction = await perOwner(owners, async (ownerOpenId) => {
    const s = await satisfactionScores(tx, { ...range, ownerOpenId });
    return { num: s.satisfied, den: s.count };
  });
  const complaints = await perOwner(owners, async (ownerOpenId) => {
    const s = await complaintsHandledOnTime(tx, { ...range, ownerOpenId });
    return { num: s.onTime, den: s.onTime + s.late };
  });
  const plans = await visitPlanExecution(tx, range, tz, asOf);
  const visit_plan: RatioBook = { byOwner: new Map(plans.map((r) => [r.ownerOpenId, { num: r.executed, den: r.planned }])), dept: plans.reduce((a, r) => ({ num: a.num + r.executed, den: a.den + r.planned }), ZERO()) };
  const fresh = await newCustomersPerOwner(tx, range);
  return {
    period,
    sales: sumByOwner(sales),
    deptSales: total(sales),
    targets,
    newCustomers: new Map(fresh.map((r) => [r.ownerOpenId, r.count])),
    ratios: {
      satisfaction,
      on_time_delivery: book(delivery),
      on_time_payment: book(payment),
      contract_accuracy: book(await contractItems(tx, period)),
      complaints_on_time: complaints,
      inquiry_response: book(await inquiryItems(tx, period, asOf)),
      order_confirmation: book(await clockItems(tx, period, asOf, KPI_CONFIG.clocks.order_confirmation)),
      visit_plan,
      work_reports: book(await clockItems(tx, period, asOf, KPI_CONFIG.clocks.work_reports)),
    },
  };
}

/** What each ratio counts, for the detail text ("9/10 单按期交付"). */
const COUNTED: Record<RatioKey, string> = {
  satisfaction: '份评分满意（≥4 分）',
  on_time_delivery: '单按期交付',
  on_time_payment: '单按期回款',
  contract_accuracy: '份首次提交即获批',
  complaints_on_time: '件按时处理',
  inquiry_response: '条 24 小时内答复',
  order_confirmation: '单按时确认',
  visit_plan: '次按计划拜访',
  work_reports: '项按时完成',
};

/** The measured values of one person (open_id) or of the department (DEPARTMENT). */
export function metricsOf(f: Facts, who: string): MetricSet {
  const dept = who === DEPARTMENT;
  const actual = dept ? f.deptSales : (f.sales.get(who) ?? 0);
  const target = periodTarget(f.targets, who, f.period);
  const out: MetricSet = {
    target_completion: { value: target ? actual / target : null, target: 1, detail: target ? `${yuan(actual)} / ${yuan(target)}` : `${yuan(actual)}（未设目标）` },
  };
  for (const key of Object.keys(COUNTED) as RatioKey[]) {
    const r = dept ? f.ratios[key].dept : (f.ratios[key].byOwner.get(who) ?? ZERO());
    out[key] = { value: ratio(r.num, r.den), target: standard(key).target, detail: r.den ? `${r.num}/${r.den} ${COUNTED[key]}` : '无数据' };
  }
  const count = dept ? [...f.newCustomers.values()].reduce((a, b) => a + b, 0) : (f.newCustomers.get(who) ?? 0);
  const quota = newCustomerQuota(f.period, dept);
  out.new_customers = { value: count, target: quota, detail: `${count} 个${quota ? `（目标 ${quota} 个）` : ''}` };
  return out;
}

/** The new-customer quota of a period: the monthly quota × months (none for a week). */
export const newCustomerQuota = (p: Period, dept: boolean): number | null => (p.kind === 'week' ? null : (dept ? KPI_CONFIG.newCustomerQuota.department : KPI_CONFIG.newCustomerQuota.person) * p.months.length);

const standard = (key: MetricKey): StandardDef => STANDARDS.find((s) => s.key === key)!;

export interface StandardResult {
  def: StandardDef;
  value: number | null;
  target: number | null;
  /** null = no data (or no target): neither pass nor fail. */
  pass: boolean | null;
  /** '92.0%', '3 个', '无数据', '无数据来源' */
  valueText: string;
  detail: string;
}

export const pct = (v: number) => `${(Math.round(v * 1000) / 10).toFixed(1)}%`;

/** One standard as shown: its value, target and mark; no data is written as such, never as 0 %. */
export function judgeStandard(def: StandardDef, m: Measured | undefined): StandardResult {
  if (!def.hasSource || !m) return { def, value: null, target: def.target, pass: null, valueText: '无数据来源', detail: '系统中没有这项记录' };
  if (m.value === null) return { def, value: null, target: def.target, pass: null, valueText: '无数据', detail: m.detail };
  const target = def.count ? m.target : def.target;
  return { def, value: m.value, target, pass: judge(m.value, target), valueText: def.count ? `${m.value} 个` : pct(m.value), detail: m.detail };
}

/** Every SPEC §4 standard for one person or the department, in STANDARDS order. */
export function standardsOf(f: Facts, who: string): StandardResult[] {
  const metrics = metricsOf(f, who);
  return STANDARDS.map((def) => judgeStandard(def, metrics[def.key]));
}

export const mark = (pass: boolean | null) => (pass === null ? '➖' : pass ? '✅' : '❌');

/** "目标 ≥ 95%" / "目标 2 个" */
export const targetText = (r: StandardResult) => (r.def.count ? (r.target !== null ? `目标 ${r.target} 个` : '') : `目标 ${r.def.targetText}`);

