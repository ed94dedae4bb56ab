/**
 * Monthly assessment (SPEC §5, issue 8 items 4–6): computed indicators filled in from the records,
 * one scoring card per person to the scorers, then — when the scores are in — the weighted score,
 * grade and consequence to the person, the team table to supervisors, quarterly and yearly
 * roll-ups, honours in the team chat; and the constraint rules on missed targets.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { teamChatId } from '../../platform/actors';
import { md } from '../../platform/cards';
import type { Services } from '../../platform/context';
import type { Tx } from '../../platform/db/client';
import { writeTransaction } from '../../platform/db/write-lock';
import { refuse } from '../../platform/errors';
import { enqueue, idempotencyKey, type Content, type Outgoing } from '../../platform/feishu/outbox';
import { yuan } from '../../platform/format';
import { roleLabel, type Role } from '../../platform/roles';
import { monthKey } from '../../platform/time';
import { KPI_CONFIG, MANUAL_INPUTS, type IndicatorDef, type Scheme } from './kpi.config';
import { indicatorsOf, noticeCard, resultCard, scoreFormCard, teamTableCard, type TeamRow } from './kpi.cards';
import { bandList, loadRules } from './kpi.settings';
import { assessed, members, monthlyHistory, schemeOf, type Member } from './kpi.data';
import { addMonths, isQuarterEnd, isYearEnd, monthPeriod, quarterOfMonth } from './kpi.periods';
import { DEPARTMENT, kpiAssessments, kpiConstraintPrompts, kpiHonours, kpiNotices, kpiScores, type Assessment } from './kpi.schema';
import { computedIndicator, constraintsDue, gradeOf, honourees, inputsNeeded, missedStreak, rollUp, weightedScore, type MetricSet } from './kpi.scoring';
import { loadFacts, metricsOf } from './standards';

/** Where a unit of work runs: its transaction, and the cause its messages' keys derive from. */
export interface Env {
  tx: Tx;
  services: Services;
  now: Date;
  causeId: string;
}

const send = (env: Env, part: string, msg: Outgoing) => enqueue(env.tx, msg, idempotencyKey(env.causeId, part), env.services.clock.now());
const dm = (env: Env, part: string, openId: string, content: Content, cardKey?: string) => send(env, part, { kind: 'send', to: { openId }, content, cardKey });

export const scoreCardKey = (assessmentId: number, scorer: string) => `kpi:score:${assessmentId}:${scorer}`;

/** Claims a one-off notice; false = it went out before. */
async function claim(tx: Tx, key: string, now: Date): Promise<boolean> {
  const rows = await tx.insert(kpiNotices).values({ key, sentAt: now }).onConflictDoNothing().returning();
  return rows.length > 0;
}

/** Computed indicator scores of one person: own records, or the department's for supervisors. */
export function computeIndicators(indicators: readonly IndicatorDef[], own: MetricSet, dept: MetricSet): Record<string, { score: number | null; detail: string }> {
  return Object.fromEntries(indicators.filter((i) => i.metrics).map((i) => [i.key, computedIndicator(i, i.scope === 'department' ? dept : own)]));
}

/** Roles that may submit a scoring card (kpi.score): every configured scorer role. */
export const SCORER_ROLES: readonly Role[] = [...new Set(Object.values(KPI_CONFIG.scorers).flat())];

export interface Scorers {
  to: string[];
  by: 'role' | 'self' | 'admin' | 'none';
}

/**
 * Who scores this person, and why them: the first configured role that has someone else in it;
 * else the person themself when their role may submit scores (a supervisor's self-assessment);
 * else the admins, who may submit any card. Nobody at all = no card is sent.
 */
export function scorersFor(all: Member[], person: Member, scheme: Scheme, admins: readonly string[]): Scorers {
  for (const role of KPI_CONFIG.scorers[scheme]) {
    const ids = all.filter((m) => m.role === role && m.openId !== person.openId).map((m) => m.openId);
    if (ids.length) return { to: ids, by: 'role' };
  }
  if (SCORER_ROLES.includes(person.role)) return { to: [person.openId], by: 'self' };
  const fallback = admins.filter((id) => id !== person.openId);
  return fallback.length ? { to: fallback, by: 'admin' } : { to: [], by: 'none' };
}

/** What the scoring card says about who scores it, when that is not the usual scorer. */
function scorerNote(a: Assessment, roleOf: (openId: string) => Role | undefined, admins: readonly string[]): 'self' | 'admin' | undefined {
  if (a.scorers.length === 1 && a.scorers[0] === a.openId) return 'self';
  const usual = KPI_CONFIG.scorers[a.scheme as Scheme];
  if (a.scorers.length && a.scorers.every((s) => admins.includes(s) && !usual.includes(roleOf(s)!))) return 'admin';
  return undefined;
}

async function namesOf(tx: Tx): Promise<(openId: string) => string> {
  const list = await members(tx);
  const map = new Map(list.map((m) => [m.openId, m.name]));
  return (openId) => map.get(openId) ?? openId;
}

/** What an awaited input is called: a manual input's name, or the indicator it scores by hand. */
export const needLabel = (a: Pick<Assessment, 'preset' | 'scheme'>, key: string) =>
  (MANUAL_INPUTS as Record<string, string>)[key] ?? indicatorsOf(a.preset, a.scheme).find((i) => i.key === key)?.label ?? key;

/** The scoring card as it stands (computed lines and the inputs still awaited). */
export async function scoreFormFor(tx: Tx, a: Assessment, name: string, admins: readonly string[]) {
  const roles = new Map((await members(tx)).map((m) => [m.openId, m.role]));
  const indicators = indicatorsOf(a.preset, a.scheme);
  const rows = await tx.select().from(kpiScores).where(and(eq(kpiScores.assessmentId, a.id), eq(kpiScores.source, 'computed')));
  const byKey = new Map(rows.map((r) => [r.indicator, r]));
  const computed = indicators.filter((i) => i.metrics).map((i) => ({ key: i.key, label: i.label, weight: i.weight, score: byKey.get(i.key)?.score ?? null, detail: byKey.get(i.key)?.detail ?? '无数据' }));
  const needs = a.needs.map((k) => ({ key: k, label: needLabel(a, k) }));
  return scoreFormCard({ a, name, computed, needs, scoredBy: scorerNote(a, (id) => roles.get(id), admins) });
}

// ---------------------------------------------------------------------------------------------
// The monthly job

/** Opens the previous month's assessments (once per person) and sends the scoring cards. */
export async function startMonthlyAssessment(services: Services, now: Date): Promise<Record<string, number | string>> {
  const tz = services.config.BUSINESS_TZ;
  const { db } = services.database;
  const month = addMonths(monthKey(now, tz), -1);
  const period = monthPeriod(month, tz);
  const admins = services.config.ADMIN_OPEN_IDS;
  const rules = await loadRules(db);
  const all = await members(db);
  const people = assessed(all);
  const facts = await loadFacts(db, period, { tz, asOf: now, owners: people.map((p) => p.openId), salesRule: rules.salesRule });
  const dept = metricsOf(facts, DEPARTMENT);
  let opened = 0;
  let cards = 0;
  const unscored: string[] = [];
  for (const p of people) {
    const scheme = schemeOf(p.role)!;
    const indicators = indicatorsOf(rules.preset, scheme);
    const computed = computeIndicators(indicators, metricsOf(facts, p.openId), dept);
    const scores = Object.fromEntries(Object.entries(computed).map(([k, v]) => [k, v.score]));
    const needs = inputsNeeded(indicators, scores).map((n) => n.key);
    const scorers = scorersFor(all, p, scheme, admins);
    await writeTransaction(db, async (tx) => {
      const [fresh] = await tx
        .insert(kpiAssessments)
        .values({ openId: p.openId, period: month, kind: 'month', scheme, preset: rules.preset, role: p.role, needs, scorers: scorers.to, createdAt: now })
        .onConflictDoNothing()
        .returning();
      let a = fresh;
      if (a) {
        opened++;
        for (const [indicator, c] of Object.entries(computed)) {
          if (c.score !== null) await tx.insert(kpiScores).values({ assessmentId: a.id, indicator, score: c.score, source: 'computed', detail: c.detail, at: now });
        }
        if (a.needs.length === 0) {
          await completeAssessment({ tx, services, now, causeId: `kpi.assessment:${a.id}` }, a, {}, null);
          return;
        }
      } else {
        // Opened by an earlier run. One that nobody could score then gets its card now, if someone can.
        const [open] = await tx.select().from(kpiAssessments).where(and(eq(kpiAssessments.openId, p.openId), eq(kpiAssessments.period, month), eq(kpiAssessments.status, 'scoring')));
        if (!open || open.scorers.length || !scorers.to.length) {
          if (open && !open.scorers.length) unscored.push(p.name);
          return;
        }
        [a] = await tx.update(kpiAssessments).set({ scorers: scorers.to }).where(eq(kpiAssessments.id, open.id)).returning();
      }
      if (!scorers.to.length) {
        // No supervisor, no 总经办, no admin: a card would reach nobody who may submit it.
        unscored.push(p.name);
        services.log.warn('kpi assessment has no scorer', { assessmentId: a!.id, openId: p.openId, month });
        return;
      }
      const env: Env = { tx, services, now, causeId: `kpi.assessment:${a!.id}` };
      const card = await scoreFormFor(tx, a!, p.name, admins);
      for (const s of scorers.to) {
        await dm(env, `card:${s}`, s, { card }, scoreCardKey(a!.id, s));
        cards++;
      }
    });
  }
  const prompts = await applyConstraints(services, month, now);
  return { month, preset: rules.preset, salesRule: rules.salesRule, people: people.length, opened, cards, prompts, ...(unscored.length ? { unscored: unscored.join('、') } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Scores in → result

/**
 * Records the scorer's inputs and completes the assessment: weighted score, grade, the result to
 * the person, the other scorers' cards closed, then roll-ups, team table and honours when due.
 */
export async function completeAssessment(env: Env, a: Assessment, inputs: Record<string, number>, scorer: string | null): Promise<Assessment> {
  const { tx, now } = env;
  for (const [indicator, score] of Object.entries(inputs)) {
    await tx.insert(kpiScores).values({ assessmentId: a.id, indicator, score, source: 'manual', scoredBy: scorer, at: now }).onConflictDoNothing();
  }
  const rows = await tx.select().from(kpiScores).where(eq(kpiScores.assessmentId, a.id));
  const computed = Object.fromEntries(rows.filter((r) => r.source === 'computed').map((r) => [r.indicator, r.score]));
  const details = new Map(rows.map((r) => [r.indicator, r.detail ?? '']));
  const indicators = indicatorsOf(a.preset, a.scheme);
  const { lines, score } = weightedScore(indicators, computed, inputs);
  const bands = bandList((await loadRules(tx)).bands);
  const grade = gradeOf(score, bands);
  const [done] = await tx
    .update(kpiAssessments)
    .set({ status: 'done', score, grade, breakdown: lines.map((l) => ({ ...l, detail: details.get(l.key) ?? '' })), scoredBy: scorer, completedAt: now, version: a.version + 1 })
    .where(and(eq(kpiAssessments.id, a.id), eq(kpiAssessments.version, a.version), eq(kpiAssessments.status, 'scoring')))
    .returning();
  if (!done) return refuse('STALE_CARD', '这张评分卡已被提交过，或已有更新的卡片。');
  const name = await namesOf(tx);
  await dm(env, `result:${done.id}`, done.openId, { card: resultCard(done, name(done.openId)) });
  for (const s of done.scorers) {
    if (s !== scorer) await send(env, `close:${done.id}:${s}`, { kind: 'patch', cardKey: scoreCardKey(done.id, s), card: resultCard(done, name(done.openId), { forScorer: true, scorerName: scorer ? name(scorer) : '系统' }) });
  }
  await afterMonthDone(env, done, bands);
  return done;
}

type Bands = ReturnType<typeof bandList>;

async function rollUpFor(env: Env, a: Assessment, kind: 'quarter' | 'year', key: string, months: string[], bands: Bands): Promise<void> {
  const { tx, now } = env;
  const rows = await tx.select().from(kpiAssessments).where(and(eq(kpiAssessments.openId, a.openId), inArray(kpiAssessments.period, months), eq(kpiAssessments.status, 'done')));
  const score = rollUp(rows.map((r) => r.score!));
  if (score === null) return;
  const [r] = await tx
    .insert(kpiAssessments)
    .values({ openId: a.openId, period: key, kind, scheme: a.scheme, preset: a.preset, role: a.role, status: 'done', score, grade: gradeOf(score, bands), createdAt: now, completedAt: now })
    .onConflictDoNothing()
    .returning();
  if (r) await dm(env, `result:${r.id}`, r.openId, { card: resultCard(r, (await namesOf(tx))(r.openId)) });
}

const quarterMonths = (q: string) => {
  const first = `${q.slice(0, 4)}-${String(Number(q.slice(-1)) * 3 - 2).padStart(2, '0')}`;
  return [first, addMonths(first, 1), addMonths(first, 2)];
};
const yearMonths = (y: string) => Array.from({ length: 12 }, (_, i) => `${y}-${String(i + 1).padStart(2, '0')}`);

/** After one person's month: their roll-ups; after everyone's: team table and honours. */
async function afterMonthDone(env: Env, a: Assessment, bands: Bands): Promise<void> {
  const month = a.period;
  const quarter = isQuarterEnd(month) ? quarterOfMonth(month) : undefined;
  const year = isYearEnd(month) ? month.slice(0, 4) : undefined;
  if (quarter) await rollUpFor(env, a, 'quarter', quarter, quarterMonths(quarter), bands);
  if (year) await rollUpFor(env, a, 'year', year, yearMonths(year), bands);

  const { tx, now } = env;
  const all = await tx.select().from(kpiAssessments).where(eq(kpiAssessments.period, month));
  if (all.some((r) => r.status !== 'done')) return;
  if (!(await claim(tx, `team:${month}`, now))) return;

  const extra = [...(quarter ? [quarter] : []), ...(year ? [year] : [])];
  const rollups = extra.length ? await tx.select().from(kpiAssessments).where(inArray(kpiAssessments.period, extra)) : [];
  const honours = [
    ...(await announceHonours(env, 'month_star', month, all)),
    ...(quarter ? await announceHonours(env, 'quarter_model', quarter, rollups.filter((r) => r.period === quarter)) : []),
    ...(year ? await announceHonours(env, 'year_excellent', year, rollups.filter((r) => r.period === year)) : []),
  ];
  const name = await namesOf(tx);
  const rows: TeamRow[] = all
    .map((m) => ({
      name: name(m.openId),
      role: roleLabel(m.role),
      month: m,
      quarter: rollups.find((r) => r.openId === m.openId && r.period === quarter) ?? null,
      year: rollups.find((r) => r.openId === m.openId && r.period === year) ?? null,
    }))
    .sort((x, y) => (y.month.score ?? 0) - (x.month.score ?? 0));
  const card = teamTableCard(month, rows, { quarter, year, honours });
  const list = await members(tx);
  for (const m of list.filter((p) => KPI_CONFIG.teamTableTo.includes(p.role))) await dm(env, `team:${month}:${m.openId}`, m.openId, { card });
}

/** 月度之星 / 季度标兵 / 年度优秀: recorded once, announced in the team chat (else to supervisors). */
async function announceHonours(env: Env, kind: (typeof KPI_CONFIG.honours.kinds)[number]['key'], period: string, rows: Assessment[]): Promise<string[]> {
  const { tx, now } = env;
  const def = KPI_CONFIG.honours.kinds.find((k) => k.key === kind)!;
  const eligible = rows.filter((r) => r.status === 'done' && KPI_CONFIG.honours.roles.includes(r.role as Role));
  const winners = honourees(eligible, KPI_CONFIG.honours.minScore);
  const name = await namesOf(tx);
  const fresh: Assessment[] = [];
  for (const w of winners) {
    const ins = await tx.insert(kpiHonours).values({ kind, period, openId: w.openId, score: w.score!, announcedAt: now }).onConflictDoNothing().returning();
    if (ins.length) fresh.push(w);
  }
  if (!fresh.length) return [];
  const line = `🏆 **${def.label}**（${period}）：${fresh.map((w) => `${name(w.openId)}（${w.score} 分）`).join('、')}`;
  const card = noticeCard(`${def.label} · ${period}`, 'carmine', [md(`${line}\n恭喜！感谢为团队做出的贡献，大家向榜样学习。`)]);
  const chat = await teamChatId(tx);
  if (chat) await send(env, `honour:${kind}:${period}`, { kind: 'send', to: { chatId: chat }, content: { card } });
  else for (const s of (await members(tx)).filter((m) => m.role === 'supervisor')) await dm(env, `honour:${kind}:${period}:${s.openId}`, s.openId, { text: `${line.replace(/\*\*/g, '')}\n（尚未绑定团队群，请在群里转达；管理员可在群里 @我 /系统 绑定群。）` });
  return [line];
}

// ---------------------------------------------------------------------------------------------
// Constraint rules (约束机制)

/** How far back a run of missed months is traced (the ledger key is the run's first month). */
const HISTORY_MONTHS = 36;

/** For each salesperson: consecutive missed months up to `month` → the due prompt to supervisors, each once. */
export async function applyConstraints(services: Services, month: string, now: Date): Promise<number> {
  const tz = services.config.BUSINESS_TZ;
  const { db } = services.database;
  const all = await members(db);
  const held = all.filter((m) => KPI_CONFIG.constraintRoles.includes(m.role));
  if (!held.length) return 0;
  const { salesRule } = await loadRules(db);
  const history = await monthlyHistory(db, month, HISTORY_MONTHS, (m) => monthPeriod(m, tz), salesRule);
  const rules = KPI_CONFIG.constraints;
  let sent = 0;
  for (const p of held) {
    const months = history.months.map((m) => ({ month: m, target: history.target(p.openId, m), actual: history.actual(p.openId, m) }));
    const streak = missedStreak(months);
    if (!streak.start || streak.count < Math.min(...rules.map((r) => r.months))) continue;
    await writeTransaction(db, async (tx) => {
      const done = await tx.select().from(kpiConstraintPrompts).where(and(eq(kpiConstraintPrompts.openId, p.openId), eq(kpiConstraintPrompts.streakStart, streak.start!)));
      const due = constraintsDue(streak.count, rules, new Set(done.map((d) => d.rule)));
      for (const r of due.supersede) await tx.insert(kpiConstraintPrompts).values({ openId: p.openId, rule: r.key, streakStart: streak.start!, month, months: streak.count, status: 'superseded', at: now }).onConflictDoNothing();
      if (!due.send) return;
      const [row] = await tx.insert(kpiConstraintPrompts).values({ openId: p.openId, rule: due.send.key, streakStart: streak.start!, month, months: streak.count, status: 'sent', at: now }).onConflictDoNothing().returning();
      if (!row) return;
      const missed = months.slice(-streak.count).map((m) => `${m.month} ${yuan(m.actual)} / ${yuan(m.target)}`);
      const text = `📋 ${due.send.label}：${p.name} 已连续 ${streak.count} 个月未完成销售目标（${missed.join('；')}）。\n${due.send.ask}`;
      const env: Env = { tx, services, now, causeId: `kpi.constraint:${row.id}` };
      const to = scorersFor(all, p, 'sales', services.config.ADMIN_OPEN_IDS).to.filter((s) => s !== p.openId);
      for (const s of to) await dm(env, s, s, { card: noticeCard(`${due.send.label} · ${p.name}`, 'orange', [md(text)]) });
      sent++;
    });
  }
  return sent;
}

