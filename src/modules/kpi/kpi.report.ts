/**
 * /业绩 and /导出: one loaded view of a period (standards per person and for the department,
 * targets, sales, the 6-month trend, assessments) turned into a card or into spreadsheet rows.
 */
import { and, eq, gte, lt } from 'drizzle-orm';
import type { Services } from '../../platform/context';
import type { Tx } from '../../platform/db/client';
import { roleLabel } from '../../platform/roles';
import { formatLocal } from '../../platform/time';
import { customers } from '../customers';
import { orders } from '../orders';
import { KPI_CONFIG, STANDARDS, type Grade, type SalesRule } from './kpi.config';
import { reportCard, type PersonRow } from './kpi.cards';
import { assessed, members, monthlyHistory, periodTarget, type Member } from './kpi.data';
import { monthPeriod, type Period } from './kpi.periods';
import { DEPARTMENT, kpiAssessments, type Assessment } from './kpi.schema';
import { consequenceOf } from './kpi.scoring';
import { loadRules } from './kpi.settings';
import { loadFacts, standardsOf, type Facts } from './standards';
import type { Cell, SheetData } from './xlsx';

export interface PeriodView {
  period: Period;
  facts: Facts;
  people: Member[];
  assessments: Assessment[];
  salesRule: SalesRule;
}

/** A period's figures by the rules in force now (the sales rule is read at report time). */
export async function loadPeriod(tx: Tx, services: Services, period: Period, now: Date, only?: string): Promise<PeriodView> {
  const { salesRule } = await loadRules(tx);
  const all = assessed(await members(tx));
  const people = only ? all.filter((m) => m.openId === only) : all;
  const owners = only ? [only] : people.map((p) => p.openId);
  const facts = await loadFacts(tx, period, { tz: services.config.BUSINESS_TZ, asOf: now, owners, salesRule });
  const assessments = await tx.select().from(kpiAssessments).where(eq(kpiAssessments.period, period.key));
  return { period, facts, people, assessments, salesRule };
}

/** The /业绩 card: the viewer's own figures, or (managers) the team's. */
export async function reportFor(tx: Tx, services: Services, now: Date, period: Period, viewer: { openId: string; name: string; team: boolean }) {
  const tz = services.config.BUSINESS_TZ;
  const view = await loadPeriod(tx, services, period, now, viewer.team ? undefined : viewer.openId);
  const subject = viewer.team ? DEPARTMENT : viewer.openId;
  const history = await monthlyHistory(tx, period.lastDay.slice(0, 7), KPI_CONFIG.trendMonths, (m) => monthPeriod(m, tz), view.salesRule);
  const trend = history.months.map((m) => ({ month: m, target: history.target(subject, m), actual: history.actual(subject, m) }));
  const people: PersonRow[] | undefined = viewer.team
    ? view.people.map((p) => ({
        name: p.name,
        target: periodTarget(view.facts.targets, p.openId, period),
        actual: view.facts.sales.get(p.openId) ?? 0,
        standards: standardsOf(view.facts, p.openId),
        grade: view.assessments.find((a) => a.openId === p.openId && a.status === 'done')?.grade ?? null,
      }))
    : undefined;
  return reportCard({
    periodLabel: period.label,
    who: viewer.team ? { kind: 'team' } : { kind: 'person', name: viewer.name },
    standards: standardsOf(view.facts, subject),
    trend,
    people,
    assessment: viewer.team ? null : (view.assessments.find((a) => a.openId === viewer.openId) ?? null),
    salesRule: view.salesRule,
    exportHint: period.months.map((m) => `/导出 业绩 ${m}`).join('、'),
  });
}

// ---------------------------------------------------------------------------------------------
// Exports (for HR and management)

const money = (n: number | null | undefined): Cell => (n === null || n === undefined ? null : { value: Math.round(n * 100) / 100, format: 'money' });
const percent = (n: number | null | undefined): Cell => (n === null || n === undefined ? null : { value: Math.round(n * 10000) / 10000, format: 'percent' });

/** 业绩: one row per person and one for the department; every standard with data, score and grade. */
export async function performanceSheet(tx: Tx, services: Services, now: Date, period: Period): Promise<SheetData> {
  const view = await loadPeriod(tx, services, period, now);
  const shown = STANDARDS.filter((s) => s.hasSource && s.key !== 'target_completion');
  const headers = ['姓名', '岗位', '期间', '销售目标', '实际销售', '目标完成率', ...shown.map((s) => s.label), '考核得分', '等级', '薪酬调整', '绩效奖金'];
  const line = (name: string, role: string, who: string, a?: Assessment): Cell[] => {
    const results = standardsOf(view.facts, who);
    const target = periodTarget(view.facts.targets, who, period);
    const actual = who === DEPARTMENT ? view.facts.deptSales : (view.facts.sales.get(who) ?? 0);
    const grade = a?.status === 'done' ? (a.grade as Grade) : null;
    return [
      name,
      role,
      period.key,
      money(target),
      money(actual),
      percent(target ? actual / target : null),
      ...shown.map((s) => {
        const r = results.find((x) => x.def.key === s.key)!;
        return r.value === null ? '无数据' : s.count ? r.value : percent(r.value);
      }),
      a?.status === 'done' ? a.score : a ? '评分中' : null,
      grade,
      grade ? consequenceOf(grade).salary : null,
      grade ? consequenceOf(grade).bonus : null,
    ];
  };
  const rows: Cell[][] = [headers, ...view.people.map((p) => line(p.name, roleLabel(p.role), p.openId, view.assessments.find((a) => a.openId === p.openId))), line('部门合计', '—', DEPARTMENT)];
  return { name: `业绩 ${period.key}`, rows, widths: [12, 10, 10, 14, 14, 12, ...shown.map(() => 14), 10, 8, 18, 18] };
}

/** 客户: every customer, or those created in the month. */
export async function customersSheet(tx: Tx, services: Services, period: Period | null): Promise<SheetData> {
  const tz = services.config.BUSINESS_TZ;
  const rows = await tx
    .select()
    .from(customers)
    .where(period ? and(gte(customers.createdAt, period.from), lt(customers.createdAt, period.to)) : undefined)
    .orderBy(customers.id);
  const names = new Map((await members(tx)).map((m) => [m.openId, m.name]));
  return {
    name: period ? `客户 ${period.key}` : '客户',
    rows: [
      ['客户名称', '等级', '重点客户', '负责人', '阶段', '信用评级', '信用额度', '联系人', '电话', '最近拜访', '建档时间'],
      ...rows.map((c): Cell[] => [c.name, c.grade, c.important ? '是' : '否', names.get(c.ownerOpenId) ?? c.ownerOpenId, c.state, c.creditRating, money(c.creditLimit), c.contactName, c.phone, c.lastVisitAt ? formatLocal(c.lastVisitAt, tz, true) : null, formatLocal(c.createdAt, tz, true)]),
    ],
    widths: [20, 6, 8, 10, 10, 8, 12, 10, 14, 17, 17],
  };
}

/** 订单: orders received in the month. */
export async function ordersSheet(tx: Tx, services: Services, period: Period): Promise<SheetData> {
  const tz = services.config.BUSINESS_TZ;
  const rows = await tx
    .select()
    .from(orders)
    .where(and(gte(orders.receivedAt, period.from), lt(orders.receivedAt, period.to)))
    .orderBy(orders.receivedAt);
  const names = new Map((await members(tx)).map((m) => [m.openId, m.name]));
  const yesNo = (b: boolean | null) => (b === null ? null : b ? '是' : '否');
  return {
    name: `订单 ${period.key}`,
    rows: [
      ['订单编号', '客户', '负责人', '产品', '规格', '数量', '单价', '金额', '交期', '付款期限', '状态', '已回款', '接单时间', '按期交付', '按期回款'],
      ...rows.map((o): Cell[] => [o.id, o.customerName, names.get(o.ownerOpenId) ?? o.ownerOpenId, o.product, o.spec, o.qty, money(o.unitPrice), money(o.amount), o.dueDate, o.payBy, o.state, money(o.paidAmount), formatLocal(o.receivedAt, tz, true), yesNo(o.onTimeDelivery), yesNo(o.onTimePayment)]),
    ],
    widths: [18, 16, 10, 16, 12, 8, 10, 12, 11, 11, 14, 12, 17, 8, 8],
  };
}

