/**
 * Periodic duties of each salesperson (SPEC §3.1): refresh the target-customer list every month,
 * write a market-research report every quarter, visit every important customer every calendar
 * month. Each is a deadline the SLA engine reminds about; /调研 and the list button meet them.
 */
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { button, simpleCard } from '../../platform/cards';
import type { BotContext, Services } from '../../platform/context';
import { writeTransaction } from '../../platform/db/write-lock';
import { enqueue, idempotencyKey } from '../../platform/feishu/outbox';
import { defineJob } from '../../platform/jobs/job';
import type { Content } from '../../platform/feishu/outbox';
import { arg } from '../../platform/router/args';
import { defineCardAction, defineCommand } from '../../platform/router/command';
import { SELLERS, type Role } from '../../platform/roles';
import { LIVE, meetDeadlines } from '../../platform/sla/deadlines';
import { People } from '../../platform/sla/people';
import { deadlines } from '../../platform/sla/sla.schema';
import { dayKey, formatLocal } from '../../platform/time';
import { customers, marketResearch } from './customers.schema';
import { ensureImportantVisit, openOnce, periodsOf } from './customers.service';
import { RECURRING } from './customers.workflow';

export const DUTY_SUBJECT = 'sales_duty';
/** Who owes the monthly list and the quarterly report. */
const DUTY_ROLES: readonly Role[] = ['sales', 'senior'];

export const dutyStep = (rule: { step: string }, openId: string) => `${rule.step}:${openId}`;

type Env = Pick<BotContext, 'tx' | 'services' | 'now'>;

/** Opens this period's duties for one salesperson; returns the labels that were new. */
export async function ensureDuties(env: Env, openId: string): Promise<string[]> {
  const per = periodsOf(env.now, env.services.config.BUSINESS_TZ);
  const opened: string[] = [];
  const list = RECURRING.target_list_refresh;
  if (
    await openOnce(env, {
      subjectType: DUTY_SUBJECT,
      subjectId: per.month,
      rule: list,
      step: dutyStep(list, openId),
      label: `${list.label}（${per.month}）`,
      ownerOpenId: openId,
      anchors: { month_start: per.monthStart, month_end: per.monthEnd },
    })
  )
    opened.push(`${list.label}（${per.month}）`);
  const research = RECURRING.market_research;
  if (
    await openOnce(env, {
      subjectType: DUTY_SUBJECT,
      subjectId: per.quarter,
      rule: research,
      step: dutyStep(research, openId),
      label: `${research.label}（${per.quarter}）`,
      ownerOpenId: openId,
      anchors: { quarter_end: per.quarterEnd },
    })
  )
    opened.push(`${research.label}（${per.quarter}）`);
  return opened;
}

/**
 * Daily at 00:05 (idempotent, so a missed day catches up): opens the month's and quarter's duties
 * and the important-customer visits not yet opened, and tells each person what is new.
 */
export async function runDuties(services: Services, now: Date) {
  const { db } = services.database;
  const people = await People.load(db, services.config.DEFAULT_ROLE);
  const news = new Map<string, string[]>();
  const add = (o: string, line: string) => news.set(o, [...(news.get(o) ?? []), line]);
  for (const p of people.all.filter((x) => x.role && DUTY_ROLES.includes(x.role))) {
    const opened = await writeTransaction(db, (tx) => ensureDuties({ tx, services, now }, p.openId));
    for (const l of opened) add(p.openId, l);
  }
  const important = await db.select().from(customers).where(and(eq(customers.important, true), ne(customers.state, 'lost')));
  const month = periodsOf(now, services.config.BUSINESS_TZ).month;
  for (const c of important) {
    if (await writeTransaction(db, (tx) => ensureImportantVisit({ tx, services, now }, c))) add(c.ownerOpenId, `重点客户「${c.name}」本月拜访（${month}）`);
  }
  const tz = services.config.BUSINESS_TZ;
  for (const [openId, lines] of news) {
    const body = [`以下例行工作已记入待办（${formatLocal(now, tz)}）：`, ...lines.map((l) => `• ${l}`), '', '目标客户清单：发送 /客户 列表 核对后点「本月目标客户清单已更新」。', '市场调研：发送 /调研 <报告内容>。', '发送 /待办 查看期限。'].join('\n');
    await writeTransaction(db, (tx) => enqueue(tx, { kind: 'send', to: { openId }, content: { card: simpleCard('本期例行工作 · Duties', 'wathet', body) } }, idempotencyKey('customers.duties', dayKey(now, tz), openId), services.clock.now()));
  }
  return { people: news.size, items: [...news.values()].reduce((n, l) => n + l.length, 0) };
}

export const dutiesJob = defineJob({
  name: 'customers.duties',
  schedule: '5 0 * * *',
  description: '每月目标客户清单、每季市场调研、重点客户月度拜访：按期开启待办（每日检查）。Monthly/quarterly duties.',
  run: ({ services, now }) => runDuties(services, now),
});

/** 本月目标客户清单已更新 (button on the list and the duties card). */
export const listRefreshedAction = defineCardAction({
  id: 'customer.list_refreshed',
  value: z.object({ period: z.string().regex(/^\d{4}-\d{2}$/) }),
  roles: SELLERS,
  async run(ctx, { value }) {
    const met = await meetDeadlines(ctx.tx, ctx.services.calendar, { subjectType: DUTY_SUBJECT, subjectId: value.period }, { steps: [dutyStep(RECURRING.target_list_refresh, ctx.actor.openId)], now: ctx.now });
    if (met.length === 0) return { toast: { type: 'info', text: `${value.period} 的目标客户清单更新已记录过，无需重复。` } };
    await ctx.audit({ action: 'customer.list_refreshed', subjectType: DUTY_SUBJECT, subjectId: value.period });
    return { toast: { type: 'success', text: `已记录：${value.period} 目标客户清单已更新。` } };
  },
});

export const researchCommand = defineCommand({
  path: ['调研'],
  aliases: [['research']],
  summary: '提交市场调研报告（每季度一份）',
  summaryEn: 'record a market-research report (one per quarter)',
  usage: '/调研 <内容>',
  examples: ['/调研 华南地区 LED 驱动需求上升，竞品降价 5%'],
  positional: ['content...'],
  roles: SELLERS,
  args: () => z.object({ content: arg.text('调研内容', 4000) }),
  async run(ctx, { content }) {
    const per = periodsOf(ctx.now, ctx.services.config.BUSINESS_TZ);
    const [row] = await ctx.tx.insert(marketResearch).values({ authorOpenId: ctx.actor.openId, period: per.quarter, content, createdAt: ctx.now }).returning();
    const met = await meetDeadlines(ctx.tx, ctx.services.calendar, { subjectType: DUTY_SUBJECT, subjectId: per.quarter }, { steps: [dutyStep(RECURRING.market_research, ctx.actor.openId)], now: ctx.now });
    await ctx.audit({ action: 'market_research.create', subjectType: 'market_research', subjectId: row!.id, detail: { period: per.quarter } });
    const [{ n } = { n: 0 }] = await ctx.tx
      .select({ n: sql<number>`count(*)` })
      .from(marketResearch)
      .where(and(eq(marketResearch.authorOpenId, ctx.actor.openId), eq(marketResearch.period, per.quarter)));
    return { text: `已记录市场调研报告 #${row!.id}（${per.quarter}，本季度第 ${n} 份）。${met.length ? '本季度调研待办已完成。' : ''}` };
  },
});

/** What 完成 on a duty reminder opens: the list, or how to report. */
export async function showDuty(ctx: BotContext, period: string): Promise<Content> {
  if (/Q\d$/.test(period)) return { text: `请提交 ${period} 市场调研报告：发送 /调研 <报告内容>。` };
  const live = await ctx.tx
    .select({ id: deadlines.id })
    .from(deadlines)
    .where(and(eq(deadlines.subjectType, DUTY_SUBJECT), eq(deadlines.subjectId, period), eq(deadlines.step, dutyStep(RECURRING.target_list_refresh, ctx.actor.openId)), inArray(deadlines.status, LIVE)));
  const body = `请核对 ${period} 的目标客户清单（发送 /客户 列表），补充新目标客户（/客户 新建 <名称>），然后点下方按钮。`;
  return { card: simpleCard('目标客户清单更新', 'wathet', body, live.length ? [button('本月目标客户清单已更新', { action: 'customer.list_refreshed', period }, 'primary')] : []) };
}
