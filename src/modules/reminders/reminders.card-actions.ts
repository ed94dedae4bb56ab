/**
 * Buttons on reminder cards: 完成 (opens the record, where the step's action is), 延后 (1 hour or
 * tomorrow 09:00; past the hard limit only for supervisors), 查看 (the deadline in full).
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { BotContext } from '../../platform/context';
import { refuse } from '../../platform/errors';
import { nameSubjects } from '../../platform/module';
import { defineCardAction, type CardActionResult } from '../../platform/router/command';
import { snoozeDeadline } from '../../platform/sla/deadlines';
import { People } from '../../platform/sla/people';
import { deadlines, type DeadlineRow } from '../../platform/sla/sla.schema';
import { addDays, atMinutes, dayKey, formatLocal, MS } from '../../platform/time';
import { deadlineCard } from './reminders.cards';

const LIVE_FOR_ACTION: Array<DeadlineRow['status']> = ['open', 'breached'];
/** "明早" means 09:00 local, the start of the default working day. */
const TOMORROW_AT_MINUTES = 9 * 60;

async function load(ctx: BotContext, id: number): Promise<DeadlineRow> {
  const [d] = await ctx.tx.select().from(deadlines).where(eq(deadlines.id, id));
  return d ?? refuse('NOT_FOUND', '这条待办不存在了。');
}

const closedToast = (d: DeadlineRow): CardActionResult => ({
  toast: { type: 'info', text: d.status === 'met' ? `「${d.label}」已完成，无需操作。` : d.status === 'paused' ? `「${d.label}」已暂停，恢复后再处理。` : `「${d.label}」已取消，无需操作。` },
});

/** The owner, anyone holding the owning role, or a supervisor may act on a deadline. */
const mayAct = (ctx: BotContext, d: DeadlineRow) =>
  ctx.actor.role === 'supervisor' || d.ownerOpenId === ctx.actor.openId || (d.ownerOpenId === null && d.ownerRole === ctx.actor.role);

/** 1 hour from now, or the next 09:00 local (clicked at 02:00, "明早" is this morning). */
export function snoozeUntil(choice: 'hour' | 'tomorrow', now: Date, tz: string): Date {
  if (choice === 'hour') return new Date(now.getTime() + MS.hour);
  const today = atMinutes(dayKey(now, tz), TOMORROW_AT_MINUTES, tz);
  return today > now ? today : atMinutes(addDays(dayKey(now, tz), 1), TOMORROW_AT_MINUTES, tz);
}

export const doneAction = defineCardAction({
  id: 'sla.done',
  value: z.object({ id: z.number().int(), v: z.number().int().optional() }),
  async run(ctx, { value }) {
    const d = await load(ctx, value.id);
    if (!LIVE_FOR_ACTION.includes(d.status)) return closedToast(d);
    const subject = ctx.services.registry?.subjects[d.subjectType];
    const content = subject?.show ? await subject.show(ctx, d.subjectId) : undefined;
    const name = (await nameSubjects(ctx.tx, ctx.services, [d]))(d);
    if (!content) return { toast: { type: 'info', text: `请在${name}上完成「${d.label}」，完成后提醒会自动关闭。` } };
    await ctx.reply(content);
    return { toast: { type: 'success', text: `已发来${name}，在卡片上完成「${d.label}」。` } };
  },
});

export const snoozeAction = defineCardAction({
  id: 'sla.snooze',
  value: z.object({ id: z.number().int(), v: z.number().int(), until: z.enum(['hour', 'tomorrow']) }),
  async run(ctx, { value }) {
    const d = await load(ctx, value.id);
    if (!LIVE_FOR_ACTION.includes(d.status)) return closedToast(d);
    if (d.version !== value.v) return { toast: { type: 'warning', text: '这张卡片已过期（该待办刚被更新），请发送 /待办 获取最新状态。' } };
    if (!mayAct(ctx, d)) refuse('NOT_ALLOWED', '没有权限：只有负责人或主管可以延后这条待办。');
    const tz = ctx.services.config.BUSINESS_TZ;
    const until = snoozeUntil(value.until, ctx.now, tz);
    if (d.limitAt && until > d.limitAt && ctx.actor.role !== 'supervisor') {
      await ctx.audit({ action: 'sla.snooze', subjectType: 'deadline', subjectId: d.id, outcome: 'refused', detail: { reason: 'past_limit', until: until.toISOString(), limitAt: d.limitAt.toISOString() } });
      // A toast, not a thrown Refusal: the refusal's audit row must survive (a throw rolls it back).
      return { toast: { type: 'error', text: `不能延后到 ${formatLocal(until, tz)}：超过了硬性期限 ${formatLocal(d.limitAt, tz)}，只有主管可以这样延后。` } };
    }
    const row = await snoozeDeadline(ctx.tx, { id: d.id, version: d.version, until });
    if (!row) return { toast: { type: 'warning', text: '这张卡片已过期，请发送 /待办 获取最新状态。' } };
    await ctx.audit({
      action: 'sla.snooze',
      subjectType: 'deadline',
      subjectId: d.id,
      detail: { subject: `${d.subjectType}:${d.subjectId}`, step: d.step, until: until.toISOString(), choice: value.until },
    });
    return { toast: { type: 'success', text: `已延后，${formatLocal(until, tz)} 再提醒。` } };
  },
});

export const viewAction = defineCardAction({
  id: 'sla.view',
  value: z.object({ id: z.number().int() }),
  async run(ctx, { value }) {
    const d = await load(ctx, value.id);
    const people = await People.load(ctx.tx, ctx.services.config.DEFAULT_ROLE);
    await ctx.reply({ card: deadlineCard(ctx.services, await nameSubjects(ctx.tx, ctx.services, [d]), d, ctx.now, people) });
    return {};
  },
});
