/**
 * /投诉 新建 · /投诉 <编号> · /投诉 列表 · /紧急 · /满意度 (INTERFACE.md). Every reply that creates a
 * record names its number; bad input gets the reason and the usage, never silence.
 */
import { and, desc, eq, inArray, or } from 'drizzle-orm';
import { z } from 'zod';
import type { BotContext } from '../../platform/context';
import { refuse } from '../../platform/errors';
import { arg } from '../../platform/router/args';
import { defineCommand } from '../../platform/router/command';
import { deadlinesOf } from '../../platform/sla/deadlines';
import { formatLocal } from '../../platform/time';
import { stateLabel } from '../../platform/workflow/workflow';
import { customers } from '../customers';
import { complaintCard, NEW_COMPLAINT_USAGE, newComplaintCard, SATISFACTION_LABELS, urgentIssueCard } from './complaints.cards';
import { complaints } from './complaints.schema';
import {
  cardKey,
  complaintByNumber,
  createComplaint,
  createUrgentIssue,
  maySeeAllocation,
  maySeeComplaint,
  maySeeLoss,
  recordSatisfaction,
  satisfactionSummary,
  SUBJECT,
  viewerOf,
} from './complaints.service';
import { COMPLAINT_STATES, complaintWorkflow, OPEN_STATES, SEES_ALL_COMPLAINTS, SERVICE, type ComplaintState } from './complaints.workflow';

/** Rows listed by /投诉 列表; the rest are counted. */
const MAX_LIST = 30;

const pct = (r: number | null) => (r === null ? '—' : `${Math.round(r * 1000) / 10}%`);

/** The fields of /投诉 新建, shared with the form card (same checks, same words). */
export const newComplaintFields = z
  .object({
    customer: arg.text('客户', 100).optional(),
    content: arg.text('内容', 500).optional(),
    order: arg.text('订单', 40).optional(),
    urgent: arg.bool('紧急').default(false),
  })
  .superRefine((v, ctx) => {
    if (v.customer === undefined && (v.content !== undefined || v.order !== undefined)) ctx.addIssue({ code: 'custom', message: '缺少 客户' });
    else if (v.content === undefined && v.customer !== undefined) ctx.addIssue({ code: 'custom', message: '缺少 内容' });
  });

export const newComplaintCommand = defineCommand({
  path: ['投诉', '新建'],
  aliases: [['complaint', 'new']],
  summary: '登记客户投诉（不带字段则发表单）；含受理按钮的卡片私信客户负责人（群里的卡片只读）',
  summaryEn: 'log a complaint (no fields: a form card)',
  usage: NEW_COMPLAINT_USAGE,
  examples: ['/投诉 新建 客户=华星电子 内容="交货延误三天" 订单=DD-20261204-001 紧急'],
  keys: { customer: ['客户', 'customer'], content: ['内容', 'content'], order: ['订单', 'order'] },
  flags: { urgent: ['紧急', 'urgent'] },
  args: () => newComplaintFields,
  async run(ctx, a) {
    if (a.customer === undefined) return { card: newComplaintCard(`form:${ctx.causeId}`) };
    const env = { tx: ctx.tx, services: ctx.services, now: ctx.now };
    await createComplaint(ctx, { customer: a.customer, content: a.content!, orderNumber: a.order, urgent: a.urgent }, async (c, viewer) => ({ card: await complaintCard(env, c, { viewer }) }));
  },
});

export const showComplaintCommand = defineCommand({
  path: ['投诉'],
  aliases: [['complaint'], ['complaint', 'show']],
  summary: '查看投诉：每一步的时间和经办人',
  summaryEn: 'a complaint with every step and its time',
  usage: '/投诉 <编号>',
  examples: ['/投诉 TS-20261204-001'],
  positional: ['number'],
  args: () => z.object({ number: z.string({ error: '缺少 投诉编号（如 TS-20261204-001）；发送 /投诉 列表 查看' }).trim().min(1) }),
  async run(ctx, { number }) {
    const c = await complaintByNumber(ctx.tx, number);
    if (!maySeeComplaint(ctx, c)) refuse('NOT_ALLOWED', `没有权限：投诉 ${c.number} 只有客户负责人、经办人、品质部和主管可以查看。`);
    // In a private chat: the card with the steps this person may take (and it stays up to date).
    const card = await complaintCard({ tx: ctx.tx, services: ctx.services, now: ctx.now }, c, { history: true, showLoss: maySeeLoss(ctx, c), showAllocation: maySeeAllocation(ctx, c), viewer: viewerOf(ctx) });
    await ctx.reply({ card }, { cardKey: cardKey('complaint', c.id, ctx.chat?.type === 'group' ? ctx.chat.id : `dm:${ctx.actor.openId}`) });
  },
});

/** 状态=… spellings: Chinese labels, state keys, and 全部 / 进行中. */
const STATE_WORDS: Record<string, ComplaintState | 'all' | 'open'> = {
  ...Object.fromEntries(COMPLAINT_STATES.flatMap((s) => [[s, s], [stateLabel(complaintWorkflow, s), s]])),
  已收到: 'received',
  已结束: 'closed',
  全部: 'all',
  all: 'all',
  进行中: 'open',
  open: 'open',
};

export const listComplaintsCommand = defineCommand({
  path: ['投诉', '列表'],
  aliases: [['complaint', 'list']],
  summary: '投诉列表（默认进行中的）',
  summaryEn: 'complaints, open ones by default',
  usage: `/投诉 列表 [状态=进行中|${COMPLAINT_STATES.map((s) => stateLabel(complaintWorkflow, s)).join('|')}|全部]`,
  examples: ['/投诉 列表 状态=已结案'],
  keys: { state: ['状态', 'state', 'status'] },
  args: () => z.object({ state: arg.choice('状态', STATE_WORDS).default('open') }),
  async run(ctx, { state }) {
    const tz = ctx.services.config.BUSINESS_TZ;
    const states = state === 'all' ? undefined : state === 'open' ? [...OPEN_STATES] : [state];
    const seesAll = ctx.actor.isAdmin || (ctx.actor.role !== null && SEES_ALL_COMPLAINTS.includes(ctx.actor.role));
    const me = ctx.actor.openId;
    const rows = await ctx.tx
      .select({ c: complaints, customer: customers.name })
      .from(complaints)
      .innerJoin(customers, eq(customers.id, complaints.customerId))
      .where(
        and(
          states ? inArray(complaints.state, states) : undefined,
          seesAll ? undefined : or(eq(complaints.ownerOpenId, me), eq(complaints.reportedBy, me), eq(complaints.responsibleOpenId, me)),
        ),
      )
      .orderBy(desc(complaints.receivedAt))
      .limit(MAX_LIST + 1);
    const which = state === 'all' ? '全部' : state === 'open' ? '进行中' : stateLabel(complaintWorkflow, state);
    if (rows.length === 0) return { text: `没有${which}的投诉。` };
    const lines = await Promise.all(
      rows.slice(0, MAX_LIST).map(async ({ c, customer }) => {
        const ds = await deadlinesOf(ctx.tx, { subjectType: SUBJECT.complaint, subjectId: c.id });
        const late = ds.some((d) => d.status === 'breached') ? ' 🔴超时' : '';
        return `• ${c.number} ${customer} · ${stateLabel(complaintWorkflow, c.state)}${c.urgent ? ' · 紧急' : ''}${late} · 收到 ${formatLocal(c.receivedAt, tz)}`;
      }),
    );
    const more = rows.length > MAX_LIST ? [`…只显示最近 ${MAX_LIST} 条。`] : [];
    return { text: [`**投诉列表 · ${which}**${seesAll ? '' : '（与你有关的）'}`, ...lines, ...more, '发送 /投诉 <编号> 查看详情。'].join('\n') };
  },
});

export const urgentCommand = defineCommand({
  path: ['紧急'],
  aliases: [['urgent']],
  summary: '紧急问题：2 小时内处理，免打扰时段也会提醒和升级',
  summaryEn: 'urgent customer issue, handled within 2 h',
  usage: '/紧急 <客户> <内容>',
  examples: ['/紧急 华星电子 产线停线，急需更换不良品'],
  positional: ['customer', 'content...'],
  args: () => z.object({ customer: arg.text('客户', 100), content: arg.text('内容', 500) }),
  async run(ctx, a) {
    const env = { tx: ctx.tx, services: ctx.services, now: ctx.now };
    await createUrgentIssue(ctx, a, async (u, viewer) => ({ card: await urgentIssueCard(env, u, viewer) }));
  },
});

export const satisfactionCommand = defineCommand({
  path: ['满意度'],
  aliases: [['satisfaction']],
  summary: '记录客户满意度 1–5（计入满意度 ≥ 90% 标准；客户负责人或主管）',
  summaryEn: 'record a customer satisfaction score 1–5',
  usage: '/满意度 <客户> <1-5> [意见]',
  examples: ['/满意度 华星电子 4 交期改善明显'],
  positional: ['customer', 'score', 'comment...'],
  args: () => z.object({ customer: arg.text('客户', 100), score: arg.int('满意度', 1, 5), comment: arg.text('意见', 500).optional() }),
  async run(ctx: BotContext, a) {
    const { customer, quarter } = await recordSatisfaction(ctx, a);
    const dept = await satisfactionSummary(ctx.tx, { from: quarter.start, to: quarter.end });
    return {
      text: [
        `已记录「${customer.name}」满意度 ${a.score}/5（${SATISFACTION_LABELS[a.score]}）。`,
        `${quarter.key} 部门满意率 ${pct(dept.rate)}（${dept.satisfied}/${dept.count} 份 ≥ ${SERVICE.satisfiedMinScore} 分；目标 ≥ ${pct(SERVICE.satisfactionTarget)}）。`,
      ].join('\n'),
    };
  },
});

export const complaintCommands = [newComplaintCommand, listComplaintsCommand, showComplaintCommand, urgentCommand, satisfactionCommand];
