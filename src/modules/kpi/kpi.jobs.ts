/**
 * Scheduled work (BUSINESS_TZ), each an idempotent sweep: a second run for the same moment — or a
 * later catch-up — sends nothing twice (unique rows and the kpi_notices ledger).
 */
import { desc, eq } from 'drizzle-orm';
import { teamChatId } from '../../platform/actors';
import type { Services } from '../../platform/context';
import { settings } from '../../platform/db/core.schema';
import { writeTransaction } from '../../platform/db/write-lock';
import { enqueue, idempotencyKey } from '../../platform/feishu/outbox';
import { defineJob, type JobSummary } from '../../platform/jobs/job';
import { isWorkingDay } from '../../platform/sla/calendar';
import { dayKey, monthKey } from '../../platform/time';
import { startMonthlyAssessment } from './kpi.assessment';
import { KPI_CONFIG } from './kpi.config';
import { assessed, members } from './kpi.data';
import { quarterOfMonth } from './kpi.periods';
import { kpiNotices, kpiSlogans } from './kpi.schema';
import { SLOGANS } from './kpi.slogans';
import { onboardingReminders } from './people-dev';

export const monthlyAssessmentJob = defineJob({
  name: 'kpi.monthly_assessment',
  schedule: '0 9 1 * *',
  description: '上月绩效考核：计算指标、向主管发评分卡；连续未达标的约束提醒',
  run: ({ services, now }) => startMonthlyAssessment(services, now),
});

/** The training periods that begin in this month: every month, quarters in Jan/Apr/Jul/Oct, the year in January. */
function trainingsStarting(month: string) {
  const m = Number(month.slice(5, 7));
  return KPI_CONFIG.training
    .filter((t) => t.every === 'month' || (t.every === 'quarter' && m % 3 === 1) || (t.every === 'year' && m === 1))
    .map((t) => ({ ...t, period: t.every === 'month' ? month : t.every === 'quarter' ? quarterOfMonth(month) : month.slice(0, 4) }));
}

const EVERY = { month: '本月', quarter: '本季度', year: '本年度' } as const;

export const trainingJob = defineJob({
  name: 'kpi.training_reminders',
  schedule: '30 9 1 * *',
  description: '在职培训提醒：每月销售技能、每季度行业知识、每年管理能力',
  async run({ services, now }) {
    const { db } = services.database;
    const due = trainingsStarting(monthKey(now, services.config.BUSINESS_TZ));
    const team = await members(db);
    let sent = 0;
    for (const t of due) {
      await writeTransaction(db, async (tx) => {
        const [won] = await tx.insert(kpiNotices).values({ key: `training:${t.key}:${t.period}`, sentAt: now }).onConflictDoNothing().returning();
        if (!won) return;
        const text = `📚 ${EVERY[t.every]}培训：${t.label}（${t.period}）。具体时间地点由主管另行通知，请大家预留时间参加。`;
        const put = (to: { openId: string } | { chatId: string }, who: string) => enqueue(tx, { kind: 'send', to, content: { text } }, idempotencyKey('kpi.training', t.key, t.period, who), services.clock.now());
        const chat = await teamChatId(tx);
        if (chat) await put({ chatId: chat }, chat);
        else for (const m of assessed(team)) await put({ openId: m.openId }, m.openId);
        for (const s of team.filter((m) => m.role === 'supervisor')) {
          await enqueue(tx, { kind: 'send', to: { openId: s.openId }, content: { text: `🗓 请安排${EVERY[t.every]}的「${t.label}」，并在团队群通知时间和地点。` } }, idempotencyKey('kpi.training.plan', t.key, t.period, s.openId), services.clock.now());
        }
        sent++;
      });
    }
    return { trainings: due.length, sent };
  },
});

export const onboardingJob = defineJob({
  name: 'kpi.onboarding_reminders',
  schedule: '0 9 * * *',
  description: '入职培训提醒：每一步开始和到期时提醒新员工和导师',
  run: ({ services, now }) => onboardingReminders(services, now),
});

/** The run-time switch (settings row `kpi.slogan`) over the config defaults. */
async function sloganSettings(services: Services): Promise<{ enabled: boolean; chatId: string | null }> {
  const [row] = await services.database.db.select().from(settings).where(eq(settings.key, 'kpi.slogan'));
  const v = (row?.value ?? {}) as { enabled?: boolean; chatId?: string };
  return { enabled: v.enabled ?? KPI_CONFIG.slogan.enabled, chatId: v.chatId ?? KPI_CONFIG.slogan.chatId };
}

/** A stable pseudo-random pick for a day, so a re-run picks the same slogan. */
const pick = (day: string, n: number) => [...day].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % n;

export const sloganJob = defineJob({
  name: 'kpi.slogan',
  schedule: KPI_CONFIG.slogan.schedule,
  description: '早安标语（默认关闭）：每天一条上墙标语，用完一轮才重复',
  async run({ services, now }): Promise<JobSummary> {
    const cfg = await sloganSettings(services);
    if (!cfg.enabled) return { skipped: '未开启' };
    const day = dayKey(now, services.config.BUSINESS_TZ);
    if (KPI_CONFIG.slogan.workingDaysOnly && !isWorkingDay(day, services.calendar)) return { skipped: '非工作日' };
    const { db } = services.database;
    return writeTransaction(db, async (tx): Promise<JobSummary> => {
      const chat = cfg.chatId ?? (await teamChatId(tx));
      if (!chat) return { skipped: '没有团队群' };
      const [today] = await tx.select().from(kpiSlogans).where(eq(kpiSlogans.day, day));
      if (today) return { skipped: '今天已发送' };
      const [last] = await tx.select().from(kpiSlogans).orderBy(desc(kpiSlogans.cycle)).limit(1);
      let cycle = last?.cycle ?? 1;
      let used = new Set((await tx.select({ idx: kpiSlogans.idx }).from(kpiSlogans).where(eq(kpiSlogans.cycle, cycle))).map((r) => r.idx));
      if (used.size >= SLOGANS.length) {
        cycle++;
        used = new Set();
      }
      const left = SLOGANS.map((_, i) => i).filter((i) => !used.has(i));
      const idx = left[pick(day, left.length)]!;
      await tx.insert(kpiSlogans).values({ day, cycle, idx, chatId: chat, sentAt: now });
      await enqueue(tx, { kind: 'send', to: { chatId: chat }, content: { text: `☀️ 早安！今日标语：${SLOGANS[idx]}` } }, idempotencyKey('kpi.slogan', day), services.clock.now());
      return { sent: 1, slogan: idx, cycle };
    });
  },
});

export const kpiJobs = [monthlyAssessmentJob, trainingJob, onboardingJob, sloganJob];
