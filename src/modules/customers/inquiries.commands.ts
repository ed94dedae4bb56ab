/**
 * /咨询 <客户> <内容> [技术=是] · /咨询 回复 <编号> <内容> (SPEC §3.3): the customer's owner
 * answers within 24 hours (calendar); technical questions also start engineering's 4-working-hour
 * clock. The reply closes both and records the response time (KPI "inquiry response ≤ 24 h").
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { userName } from '../../platform/actors';
import type { BotContext } from '../../platform/context';
import { nextNumber } from '../../platform/db/numbering';
import { refuse } from '../../platform/errors';
import { arg } from '../../platform/router/args';
import { defineCommand } from '../../platform/router/command';
import { SELLERS } from '../../platform/roles';
import { deadlinesOf } from '../../platform/sla/deadlines';
import { dueText } from '../../platform/sla/format';
import { formatLocal, MS } from '../../platform/time';
import { applyTransition, startWorkflow } from '../../platform/workflow/apply';
import { requireCustomer } from './customers.lookup';
import { inquiries, type Inquiry } from './customers.schema';
import { INQUIRY_RULES, inquiryWorkflow } from './inquiries.workflow';

export const INQUIRY_SUBJECT = 'inquiry';

export async function loadInquiry(ctx: BotContext, number: string): Promise<Inquiry> {
  const id = number.trim().toUpperCase();
  const [q] = await ctx.tx.select().from(inquiries).where(eq(inquiries.id, id));
  return q ?? refuse('NOT_FOUND', `没有咨询 ${id}。编号形如 ZX-20260309-001，见登记时的回复。`);
}

/** "3 小时 20 分" */
export function duration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / MS.minute));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h ? `${h} 小时${m ? ` ${m} 分` : ''}` : `${m} 分钟`;
}

const apply = (ctx: BotContext, q: Inquiry, event: string, data?: Record<string, unknown>) =>
  applyTransition(ctx, { workflow: inquiryWorkflow, subjectType: INQUIRY_SUBJECT, table: 'inquiries', id: q.id, version: q.version, event, ownerOpenId: q.ownerOpenId, data });

export const inquiryCommand = defineCommand({
  path: ['咨询'],
  aliases: [['inquiry']],
  summary: '登记客户咨询（24 小时内答复；技术问题 4 个工作小时）',
  summaryEn: 'log a customer inquiry (answer within 24 h; technical 4 working hours)',
  usage: '/咨询 <客户> <内容> [技术=是]',
  examples: ['/咨询 华星科技 问 A3 型号的耐温范围 技术=是'],
  positional: ['customer', 'content...'],
  keys: { tech: ['技术', 'technical'] },
  roles: SELLERS,
  args: () => z.object({ customer: arg.text('客户'), content: arg.text('咨询内容', 1000), tech: arg.bool('技术').optional() }),
  async run(ctx, a) {
    const c = await requireCustomer(ctx.tx, a.customer);
    const tz = ctx.services.config.BUSINESS_TZ;
    const id = await nextNumber(ctx.tx, 'ZX', ctx.now, tz);
    const [q] = await ctx.tx
      .insert(inquiries)
      .values({ id, customerId: c.id, ownerOpenId: c.ownerOpenId, createdByOpenId: ctx.actor.openId, content: a.content, technical: a.tech ?? false, state: inquiryWorkflow.initial, receivedAt: ctx.now, createdAt: ctx.now, updatedAt: ctx.now })
      .returning();
    await ctx.audit({ action: 'inquiry.create', subjectType: INQUIRY_SUBJECT, subjectId: id, toState: q!.state, detail: { customer: c.id, technical: q!.technical } });
    await startWorkflow(ctx, { workflow: inquiryWorkflow, subjectType: INQUIRY_SUBJECT, id, ownerOpenId: c.ownerOpenId });
    if (q!.technical) await apply(ctx, q!, 'FLAG_TECH');
    const clocks = (await deadlinesOf(ctx.tx, { subjectType: INQUIRY_SUBJECT, subjectId: id })).reverse();
    const lines = clocks.map((d) => `• ${d.label}：${dueText(d, ctx.now, tz)}${d.step === INQUIRY_RULES.tech_support.step ? '（工作时间，工程）' : '（自然时间）'}`);
    return {
      text: [`已登记咨询 ${id}（${c.name}），负责人 ${await userName(ctx.tx, c.ownerOpenId)}：`, ...lines, `答复后发送：/咨询 回复 ${id} <答复内容>`].join('\n'),
    };
  },
});

export const inquiryReplyCommand = defineCommand({
  path: ['咨询', '回复'],
  aliases: [['inquiry', 'reply']],
  summary: '答复咨询（关闭计时，记录响应时间）',
  summaryEn: 'answer an inquiry (stops its clocks)',
  usage: '/咨询 回复 <编号> <内容>',
  examples: ['/咨询 回复 ZX-20260309-001 耐温 -40~120℃，已发规格书'],
  positional: ['number', 'content...'],
  args: () => z.object({ number: arg.text('咨询编号', 30), content: arg.text('答复内容', 1000) }),
  async run(ctx, a) {
    const q = await loadInquiry(ctx, a.number);
    const tz = ctx.services.config.BUSINESS_TZ;
    if (q.state === 'answered') refuse('ALREADY_ANSWERED', `咨询 ${q.id} 已于 ${formatLocal(q.answeredAt!, tz)} 由 ${await userName(ctx.tx, q.answeredByOpenId!)} 答复，无需重复。`);
    if (ctx.actor.role === 'engineering' && !q.technical) refuse('NOT_ALLOWED', `咨询 ${q.id} 不是技术问题，请由客户负责人答复。`);
    const r = await apply(ctx, q, 'ANSWER', { answer: a.content });
    await ctx.tx.update(inquiries).set({ answer: a.content, answeredByOpenId: ctx.actor.openId, answeredAt: ctx.now }).where(eq(inquiries.id, q.id));
    const took = ctx.now.getTime() - q.receivedAt.getTime();
    const onTime = r.met.every((d) => (d.metDeltaMs ?? 0) <= 0);
    if (q.ownerOpenId !== ctx.actor.openId) {
      await ctx.send({ kind: 'send', to: { openId: q.ownerOpenId }, content: { text: `${ctx.actor.name ?? await userName(ctx.tx, ctx.actor.openId)} 已答复咨询 ${q.id}：${a.content}` } });
    }
    return { text: `已答复咨询 ${q.id}，用时 ${duration(took)}${onTime ? '，按时 ✅' : '，已超时 ⚠️'}。计时已关闭。` };
  },
});

export const inquiryCommands = [inquiryReplyCommand, inquiryCommand];
