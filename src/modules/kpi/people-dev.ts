/**
 * People development (SPEC §6): promotion eligibility from hire date, role history and grades;
 * the new-hire onboarding plan (1 + 2 + 1 weeks and a month of shadowing) as a checklist with
 * reminders to the new hire and the mentor.
 */
import { and, asc, desc, eq, inArray, isNull, lte } from 'drizzle-orm';
import type { BotContext, Services } from '../../platform/context';
import type { Tx } from '../../platform/db/client';
import { auditLog, users } from '../../platform/db/core.schema';
import { writeTransaction } from '../../platform/db/write-lock';
import { refuse } from '../../platform/errors';
import { enqueue, idempotencyKey } from '../../platform/feishu/outbox';
import { roleLabel, type Role } from '../../platform/roles';
import { addDays, dayKey } from '../../platform/time';
import { md } from '../../platform/cards';
import { KPI_CONFIG } from './kpi.config';
import { fitRows, mdTable, noticeCard, onboardingCard, plain } from './kpi.cards';
import { members, type Member } from './kpi.data';
import { addMonthsToDay } from './kpi.periods';
import { kpiAssessments, kpiOnboardingItems, kpiOnboardingPlans, type OnboardingItem, type OnboardingPlan } from './kpi.schema';
import { round1, yearsBetween } from './kpi.scoring';

// ---------------------------------------------------------------------------------------------
// Promotion (职业发展通道)

export interface PromotionRow {
  member: Member;
  years: number | null;
  roleSince: string | null;
  roleYears: number | null;
  avgScore: number | null;
  assessed: number;
  to: string;
  eligible: boolean;
  reasons: string[];
}

/** Since when someone holds their current role: the latest role.assign audit row that gave it. */
async function roleSince(tx: Tx, openId: string, role: string, tz: string): Promise<string | null> {
  const [row] = await tx
    .select({ at: auditLog.at })
    .from(auditLog)
    .where(and(eq(auditLog.action, 'role.assign'), eq(auditLog.subjectId, openId), eq(auditLog.toState, role), eq(auditLog.outcome, 'ok')))
    .orderBy(desc(auditLog.at))
    .limit(1);
  return row ? dayKey(row.at, tz) : null;
}

export async function promotionRows(tx: Tx, now: Date, tz: string): Promise<PromotionRow[]> {
  const today = dayKey(now, tz);
  const { months: window, minAssessed } = KPI_CONFIG.promotionWindow;
  const out: PromotionRow[] = [];
  for (const member of await members(tx)) {
    const rule = KPI_CONFIG.promotion.find((r) => r.from.includes(member.role));
    if (!rule) continue;
    const years = member.hiredOn ? yearsBetween(member.hiredOn, today) : null;
    const since = await roleSince(tx, member.openId, member.role, tz);
    const roleYears = since ? yearsBetween(since, today) : null;
    const monthly = await tx
      .select({ score: kpiAssessments.score, period: kpiAssessments.period })
      .from(kpiAssessments)
      .where(and(eq(kpiAssessments.openId, member.openId), eq(kpiAssessments.kind, 'month'), eq(kpiAssessments.status, 'done')))
      .orderBy(desc(kpiAssessments.period))
      .limit(window);
    const avgScore = monthly.length ? round1(monthly.reduce((a, r) => a + (r.score ?? 0), 0) / monthly.length) : null;
    const [lastYear] = await tx
      .select({ grade: kpiAssessments.grade, period: kpiAssessments.period })
      .from(kpiAssessments)
      .where(and(eq(kpiAssessments.openId, member.openId), eq(kpiAssessments.kind, 'year')))
      .orderBy(desc(kpiAssessments.period))
      .limit(1);
    const reasons: string[] = [];
    if (rule.minYears !== undefined) {
      if (years === null) reasons.push('未登记入职日期（/入职 登记）');
      else if (years < rule.minYears) reasons.push(`司龄 ${years} 年，需满 ${rule.minYears} 年`);
    }
    if (rule.minRoleYears !== undefined) {
      if (roleYears === null) reasons.push('无任职记录（角色变更记录）');
      else if (roleYears < rule.minRoleYears) reasons.push(`任${roleLabel(member.role)} ${roleYears} 年，需满 ${rule.minRoleYears} 年`);
    }
    if (rule.minAvgScore !== undefined) {
      if (monthly.length < minAssessed) reasons.push(`考核记录 ${monthly.length} 个月，至少需 ${minAssessed} 个月`);
      else if (avgScore! < rule.minAvgScore) reasons.push(`近 ${monthly.length} 个月平均 ${avgScore} 分，需 ≥ ${rule.minAvgScore}`);
    }
    if (lastYear?.grade === '不合格') reasons.push(`${lastYear.period} 年度考核不合格，不予晋升`);
    out.push({ member, years, roleSince: since, roleYears, avgScore, assessed: monthly.length, to: rule.to, eligible: reasons.length === 0, reasons });
  }
  return out;
}

/** The eligibility table, those who qualify first; a list too long for one card keeps them and cuts the rest. */
export function promotionCard(all: PromotionRow[]) {
  const eligible = all.filter((r) => r.eligible);
  const rows = [...eligible, ...all.filter((r) => !r.eligible)];
  return fitRows(rows.length, (shown) => drawPromotion(rows, eligible.length, shown));
}

function drawPromotion(rows: PromotionRow[], eligible: number, shown: number) {
  const table = mdTable(
    ['姓名', '岗位', '司龄', '现岗位', '近月均分', '晋升方向', '结论'],
    rows.slice(0, shown).map((r) => [
      plain(r.member.name),
      roleLabel(r.member.role),
      r.years === null ? '未登记' : `${r.years} 年`,
      r.roleYears === null ? '—' : `${r.roleYears} 年`,
      r.avgScore === null ? '—' : `${r.avgScore}（${r.assessed} 个月）`,
      r.to,
      r.eligible ? '✅ 符合' : `❌ ${r.reasons.join('；')}`,
    ]),
  );
  const notes = [...new Set(KPI_CONFIG.promotion.map((p) => `${p.to}：${p.minYears ? `司龄满 ${p.minYears} 年` : ''}${p.minRoleYears ? `任现岗位满 ${p.minRoleYears} 年` : ''}${p.minAvgScore ? `，近 ${KPI_CONFIG.promotionWindow.months} 个月平均 ≥ ${p.minAvgScore} 分` : ''}，${p.note}`))];
  const cut = rows.length - shown;
  const rest = cut ? [md(`**另有 ${cut} 人未列出**（卡片大小有限${shown >= eligible ? '，均不符合条件' : ''}）。`)] : [];
  return noticeCard('晋升资格', eligible ? 'green' : 'blue', [md(rows.length ? table : '暂无业务人员。'), ...rest, md(`**条件**（职业发展通道）\n${notes.join('\n')}`)], `符合条件 ${eligible} 人`);
}

// ---------------------------------------------------------------------------------------------
// Onboarding (新员工培训)

/** The checklist days: steps follow each other from the start day; a month step ends the day before the same date next month. */
export function planItems(startOn: string): Array<{ seq: number; key: string; label: string; startsOn: string; dueOn: string }> {
  let cursor = startOn;
  return KPI_CONFIG.onboarding.map((s, i) => {
    const dueOn = s.months ? addDays(addMonthsToDay(cursor, s.months), -1) : addDays(cursor, (s.days ?? 1) - 1);
    const item = { seq: i + 1, key: s.key, label: s.label, startsOn: cursor, dueOn };
    cursor = addDays(dueOn, 1);
    return item;
  });
}

const planCardKey = (planId: number, openId: string) => `kpi:onb:${planId}:${openId}`;

async function planView(tx: Tx, plan: OnboardingPlan, today: string) {
  const items = await tx.select().from(kpiOnboardingItems).where(eq(kpiOnboardingItems.planId, plan.id)).orderBy(asc(kpiOnboardingItems.seq));
  const [hire] = await tx.select({ name: users.name }).from(users).where(eq(users.openId, plan.openId));
  const [mentor] = await tx.select({ name: users.name }).from(users).where(eq(users.openId, plan.mentorOpenId));
  return { items, card: onboardingCard({ planId: plan.id, version: plan.version, name: hire?.name ?? plan.openId, mentor: mentor?.name ?? plan.mentorOpenId, startOn: plan.startOn, items, today }) };
}

/** /入职: the plan and its checklist; the card goes to the new hire and the mentor. */
export async function startOnboarding(ctx: BotContext, input: { openId: string; mentorOpenId: string; startOn: string }) {
  const { tx, now } = ctx;
  if (input.openId === input.mentorOpenId) refuse('BAD_INPUT', '导师不能是新员工本人：请在日期后再 @ 一位导师，或由你本人担任导师（不写导师）。');
  const [existing] = await tx.select().from(kpiOnboardingPlans).where(eq(kpiOnboardingPlans.openId, input.openId));
  if (existing) refuse('ALREADY_EXISTS', `此人已有入职计划（${existing.startOn} 开始），不再重复创建。`);
  const [plan] = await tx.insert(kpiOnboardingPlans).values({ openId: input.openId, mentorOpenId: input.mentorOpenId, startOn: input.startOn, createdBy: ctx.actor.openId, createdAt: now }).returning();
  const today = dayKey(now, ctx.services.config.BUSINESS_TZ);
  // Steps already under way are announced by the plan card itself; the job announces the later ones.
  for (const it of planItems(input.startOn)) await tx.insert(kpiOnboardingItems).values({ planId: plan!.id, ...it, startNotifiedAt: it.startsOn <= today ? now : null });
  // The onboarding date is the hire date when none is on record (promotion counts years from it).
  const [u] = await tx.select({ hiredOn: users.hiredOn }).from(users).where(eq(users.openId, input.openId));
  if (!u?.hiredOn) await tx.update(users).set({ hiredOn: input.startOn, updatedAt: now }).where(eq(users.openId, input.openId));
  await ctx.audit({ action: 'onboarding.start', subjectType: 'onboarding_plan', subjectId: plan!.id, detail: { openId: input.openId, mentor: input.mentorOpenId, startOn: input.startOn } });
  const { items, card } = await planView(tx, plan!, today);
  for (const who of [input.openId, input.mentorOpenId]) await ctx.send({ kind: 'send', to: { openId: who }, content: { card }, cardKey: planCardKey(plan!.id, who) });
  return { plan: plan!, items, card };
}

/** 完成 on a checklist step (new hire, mentor, supervisor or HR). */
export async function completeOnboardingItem(ctx: BotContext, itemId: number, v: number) {
  const { tx, now } = ctx;
  const today = dayKey(now, ctx.services.config.BUSINESS_TZ);
  const [item] = await tx.select().from(kpiOnboardingItems).where(eq(kpiOnboardingItems.id, itemId));
  const [plan] = item ? await tx.select().from(kpiOnboardingPlans).where(eq(kpiOnboardingPlans.id, item.planId)) : [];
  if (!item || !plan) return { toast: { type: 'error' as const, text: '找不到这个入职计划。' } };
  const allowed = [plan.openId, plan.mentorOpenId].includes(ctx.actor.openId) || (ctx.actor.role !== null && KPI_CONFIG.onboardingRoles.includes(ctx.actor.role)) || ctx.actor.isAdmin;
  if (!allowed) return { toast: { type: 'error' as const, text: '没有权限：只有新员工本人、导师、主管或人事可以勾选。' } };
  if (item.doneAt) return { toast: { type: 'info' as const, text: `「${item.label}」已完成。` }, card: (await planView(tx, plan, today)).card };
  if (plan.version !== v) return { toast: { type: 'warning' as const, text: '卡片已更新，请在最新卡片上操作。' }, card: (await planView(tx, plan, today)).card };
  await tx.update(kpiOnboardingItems).set({ doneAt: now, doneBy: ctx.actor.openId }).where(eq(kpiOnboardingItems.id, item.id));
  const [next] = await tx.update(kpiOnboardingPlans).set({ version: plan.version + 1 }).where(and(eq(kpiOnboardingPlans.id, plan.id), eq(kpiOnboardingPlans.version, v))).returning();
  if (!next) refuse('STALE_CARD', '卡片已更新，请在最新卡片上操作。');
  await ctx.audit({ action: 'onboarding.item_done', subjectType: 'onboarding_plan', subjectId: plan.id, detail: { item: item.key } });
  const view = await planView(tx, next!, today);
  const finished = view.items.every((i) => i.doneAt);
  if (finished) {
    await tx.update(kpiOnboardingPlans).set({ completedAt: now }).where(eq(kpiOnboardingPlans.id, plan.id));
    const name = (await members(tx)).find((m) => m.openId === plan.openId)?.name ?? plan.openId;
    for (const s of new Set([plan.mentorOpenId, plan.createdBy, ...(await members(tx)).filter((m) => m.role === 'supervisor').map((m) => m.openId)])) {
      await ctx.send({ kind: 'send', to: { openId: s }, content: { text: `🎓 ${name} 的入职培训计划已全部完成。` } });
    }
  }
  for (const who of [plan.openId, plan.mentorOpenId]) await ctx.send({ kind: 'patch', cardKey: planCardKey(plan.id, who), card: view.card });
  return { toast: { type: 'success' as const, text: `已完成「${item.label}」${finished ? '，入职培训全部完成 🎓' : ''}` }, card: view.card };
}

/** Daily: a step starting today, or due and not done, is told once to the new hire and the mentor. */
export async function onboardingReminders(services: Services, now: Date): Promise<Record<string, number>> {
  const tz = services.config.BUSINESS_TZ;
  const today = dayKey(now, tz);
  const { db } = services.database;
  const starting = await db.select().from(kpiOnboardingItems).where(and(lte(kpiOnboardingItems.startsOn, today), isNull(kpiOnboardingItems.startNotifiedAt), isNull(kpiOnboardingItems.doneAt)));
  const due = await db.select().from(kpiOnboardingItems).where(and(lte(kpiOnboardingItems.dueOn, today), isNull(kpiOnboardingItems.dueNotifiedAt), isNull(kpiOnboardingItems.doneAt)));
  const planIds = [...new Set([...starting, ...due].map((i) => i.planId))];
  const plans = planIds.length ? await db.select().from(kpiOnboardingPlans).where(inArray(kpiOnboardingPlans.id, planIds)) : [];
  const names = new Map((await members(db)).map((m) => [m.openId, m.name]));
  let sent = 0;
  const tell = async (item: OnboardingItem, kind: 'start' | 'due') => {
    const plan = plans.find((p) => p.id === item.planId);
    if (!plan) return;
    await writeTransaction(db, async (tx) => {
      const col = kind === 'start' ? kpiOnboardingItems.startNotifiedAt : kpiOnboardingItems.dueNotifiedAt;
      const [won] = await tx
        .update(kpiOnboardingItems)
        .set(kind === 'start' ? { startNotifiedAt: now } : { dueNotifiedAt: now })
        .where(and(eq(kpiOnboardingItems.id, item.id), isNull(col)))
        .returning();
      if (!won) return;
      const who = names.get(plan.openId) ?? plan.openId;
      const text =
        kind === 'start'
          ? `📚 入职培训：${who} 今天开始「${item.label}」（${item.startsOn} 至 ${item.dueOn}）。导师：${names.get(plan.mentorOpenId) ?? plan.mentorOpenId}。`
          : `⏰ 入职培训：${who} 的「${item.label}」${item.dueOn === today ? '今天到期' : `已于 ${item.dueOn} 到期`}，完成后请在入职计划卡片上点「完成」。`;
      for (const to of [plan.openId, plan.mentorOpenId]) {
        await enqueue(tx, { kind: 'send', to: { openId: to }, content: { text } }, idempotencyKey('kpi.onboarding', item.id, kind, to), services.clock.now());
        sent++;
      }
    });
  };
  for (const item of starting) await tell(item, 'start');
  for (const item of due) await tell(item, 'due');
  return { starting: starting.length, due: due.length, sent };
}

export const isManager = (role: Role | null) => role !== null && KPI_CONFIG.managers.includes(role);
