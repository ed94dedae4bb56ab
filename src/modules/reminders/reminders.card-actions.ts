/**
 * Buttons on reminder cards: 完成 (opens the record, where the step's action is), 延后 (1 hour or
 * the next morning — the next working day's start for working-time clocks; past the hard limit
 * only for supervisors), 查看 (the deadline in full). Only people who may see the deadline get
 * anything from 完成 or 查看.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { BotContext } from '../../platform/context';
import { refuse } from '../../platform/errors';
import { nameSubjects } from '../../platform/module';
import { defineCardAction, type CardActionResult } from '../../platform/router/command';
import { nextWorkdayStart, type CalendarConfig } from '../../platform/sla/calendar';
import { snoozeDeadline } from '../../platform/sla/deadlines';
import { People } from '../../platform/sla/people';
import { deadlines, type DeadlineRow } from '../../platform/sla/sla.schema';
import { addDays, atMinutes, dayKey, formatLocal, MS } from '../../platform/time';
import { deadlineCard, morningMinutes } from './reminders.cards';

const LIVE_FOR_ACTION: Array<DeadlineRow['status']> = ['open', 'breached'];

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

/** Who may see a deadline (and the record it names): whoever may act on it, the general manager's office and admins. */
const maySee = (ctx: BotContext, d: DeadlineRow) => mayAct(ctx, d) || ctx.actor.role === 'gm' || ctx.actor.isAdmin;

/**
 * 1 hour from now, or "明早": for a working-time clock the start of the next working day (Friday
 * afternoon → Monday 09:00, past holidays); for a calendar clock, which runs at weekends too, the
 * next morning at the working day's start time. Clicked at 02:00, "明早" is this morning.
 */
export function snoozeUntil(choice: 'hour' | 'tomorrow', now: Date, cal: CalendarConfig, clock: DeadlineRow['clock']): Date {
  if (choice === 'hour') return new Date(now.getTime() + MS.hour);
  if (clock === 'working') return nextWorkdayStart(now, cal);
  const start = morningMinutes(cal);
  const today = atMinutes(dayKey(now, cal.tz), start, cal.tz);
  return today > now ? today : atMinutes(addDays(dayKey(now, cal.tz), 1), start, cal.tz);
}

export const doneAction = defineCardAction({
  id: 'sla.done',
  value: z.object({ id: z.number().int(), v: z.number().int().optional() }),
  async run(ctx, { value }) {
    const d = await load(ctx, value.id);
    if (!maySee(ctx, d)) refuse('NOT_ALLOWED', '没有权限：这条待办不是你的。');
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
    const until = snoozeUntil(value.until, ctx.now, ctx.services.calendar, d.clock);
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
    if (!maySee(ctx, d)) refuse('NOT_ALLOWED', '没有权限：只有负责人、主管、总经办和管理员可以查看这条待办。');
    const people = await People.load(ctx.tx, ctx.services.config.DEFAULT_ROLE);
    await ctx.reply({ card: deadlineCard(ctx.services, await nameSubjects(ctx.tx, ctx.services, [d]), d, ctx.now, people) });
    return {};
  },
});
