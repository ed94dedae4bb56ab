/**
 * Clicks on order cards. Every step button carries { id, v, e }: an outdated card (v behind the
 * order) is refused with a toast and answered with the fresh card, so a double click or an old
 * card never moves the order twice. The role check happens again here, in the workflow.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { simpleCard } from '../../platform/cards';
import type { BotContext } from '../../platform/context';
import { refuse } from '../../platform/errors';
import { defineCardAction, type CardActionResult } from '../../platform/router/command';
import { SELLERS } from '../../platform/roles';
import { dayKey } from '../../platform/time';
import { eventLabel, stateLabel } from '../../platform/workflow/workflow';
import { exceptionCard, historyCard, loadHistoryPage, loadOrderView, orderCard, type Audience } from './orders.cards';
import { newOrderSchema } from './orders.commands';
import { orderExceptions } from './orders.schema';
import { audienceOfChat, clickedCard, createOrder, findOrder, fireExceptionEvent, fireOrderEvent, maySeeOrder, notYoursText, orderFromSource, postCard, refreshCards } from './orders.service';
import { exceptionWorkflow, orderWorkflow } from './orders.workflow';

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');
/** Feishu's date picker answers "2026-12-31 +0800". */
const dateOf = (v: unknown) => text(v).split(' ')[0] ?? '';

/** The answer to a click on a card that is behind the record: say so, and show the record as it is. */
async function stale(ctx: BotContext, what: string, card: Record<string, unknown>, detail: Record<string, unknown>): Promise<CardActionResult> {
  await ctx.audit({ action: 'order.click', outcome: 'refused', detail: { reason: 'stale', ...detail } });
  return { toast: { type: 'warning', text: `这张卡片已过期：${what}。已刷新为最新状态，请重新操作。` }, card };
}

export const stepAction = defineCardAction({
  id: 'orders.step',
  value: z.object({ id: z.string().min(1), v: z.number().int(), e: z.string().regex(/^[A-Z_]+$/) }),
  async run(ctx, { value, form, messageId }) {
    const order = (await findOrder(ctx.tx, value.id)) ?? refuse('NOT_FOUND', `订单 ${value.id} 不存在。`);
    const clicked = await clickedCard(ctx, messageId);
    if (order.version !== value.v) {
      const view = await loadOrderView(ctx.tx, ctx.services, order, ctx.now);
      return stale(ctx, `订单 ${order.id} 已是「${stateLabel(orderWorkflow, order.state)}」`, orderCard(view, clicked.viewer), { order: order.id, v: value.v, current: order.version, event: value.e });
    }
    const after = await fireOrderEvent(ctx, order.id, value.e, { version: value.v, note: text(form.note) });
    const view = await loadOrderView(ctx.tx, ctx.services, after, ctx.now);
    await refreshCards(ctx, order.id, clicked.key, view);
    return {
      toast: { type: 'success', text: `已${eventLabel(orderWorkflow, value.e, order.state)}：订单 ${order.id} → ${stateLabel(orderWorkflow, after.state)}` },
      card: orderCard(view, clicked.viewer),
    };
  },
});

export const exceptionAction = defineCardAction({
  id: 'orders.exception',
  value: z.object({ id: z.string().min(1), v: z.number().int(), e: z.string().regex(/^[A-Z_]+$/) }),
  async run(ctx, { value, form, messageId }) {
    const [row] = await ctx.tx.select().from(orderExceptions).where(eq(orderExceptions.id, value.id));
    const exc = row ?? refuse('NOT_FOUND', `异常 ${value.id} 不存在。`);
    const order = (await findOrder(ctx.tx, exc.orderId)) ?? refuse('NOT_FOUND', `订单 ${exc.orderId} 不存在。`);
    const clicked = await clickedCard(ctx, messageId);
    if (exc.version !== value.v) {
      const view = await loadOrderView(ctx.tx, ctx.services, order, ctx.now);
      return stale(ctx, `异常 ${exc.id} 已是「${stateLabel(exceptionWorkflow, exc.state)}」`, exceptionCard(view, exc, clicked.viewer), { exception: exc.id, v: value.v });
    }
    const after = await fireExceptionEvent(ctx, exc.id, value.e, { version: value.v, note: text(form.note), cause: text(form.cause), loss: text(form.loss) });
    const view = await loadOrderView(ctx.tx, ctx.services, order, ctx.now);
    await refreshCards(ctx, order.id, clicked.key, view);
    return { toast: { type: 'success', text: `异常 ${exc.id} ${stateLabel(exceptionWorkflow, after.state)}` }, card: exceptionCard(view, after, clicked.viewer) };
  },
});

/** The new-order form's submit: the same validation as the command; the order card is posted where the form was. */
export const createAction = defineCardAction({
  id: 'orders.create',
  value: z.object({ s: z.string().min(1), a: z.enum(['group', 'private']) }),
  roles: SELLERS,
  async run(ctx, { value, form }) {
    const done = await orderFromSource(ctx.tx, value.s);
    if (done) return { toast: { type: 'info', text: `这张表单已提交过：订单 ${done.id}。` }, card: submitted(done.id) };
    const raw = {
      customer: text(form.customer),
      product: text(form.product),
      spec: text(form.spec),
      qty: text(form.qty),
      price: text(form.price),
      due: dateOf(form.due),
      payBy: dateOf(form.pay_by),
      note: text(form.note),
      important: form.important === true || form.important === 'true',
    };
    const given = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== ''));
    const parsed = newOrderSchema(dayKey(ctx.now, ctx.services.config.BUSINESS_TZ)).safeParse(given);
    // A toast keeps what the user typed on the form, so they can correct one field.
    if (!parsed.success) return { toast: { type: 'error', text: parsed.error.issues[0]!.message } };
    const { order, view } = await createOrder(ctx, parsed.data, value.s);
    const audience: Audience = value.a;
    await postCard(ctx, order, ctx.chat ? { chatId: ctx.chat.id, audience } : { dm: ctx.actor.openId }, undefined, view);
    // As with the command: a group card has no buttons, the owner's steps are on a DM card.
    if (ctx.chat && audience === 'group') await postCard(ctx, order, { dm: ctx.actor.openId }, undefined, view);
    return { toast: { type: 'success', text: `已登记订单 ${order.id}` }, card: submitted(order.id) };
  },
});

/**
 * 较新 / 较早 on a history card: the page turns in place (the card is answered with the new page).
 * Reading only — no version to check; the clicker must be allowed to see the order (SPEC §1), and
 * money shows as on the card's chat (never in a group).
 */
export const historyAction = defineCardAction({
  id: 'orders.history',
  value: z.object({ id: z.string().min(1), p: z.number().int().min(1) }),
  async run(ctx, { value }) {
    const order = (await findOrder(ctx.tx, value.id)) ?? refuse('NOT_FOUND', `订单 ${value.id} 不存在。`);
    if (!maySeeOrder(ctx.actor, order)) refuse('NOT_ALLOWED', notYoursText(order));
    const view = await loadOrderView(ctx.tx, ctx.services, order, ctx.now);
    const page = await loadHistoryPage(ctx.tx, order.id, value.p);
    const audience = await audienceOfChat(ctx.tx, ctx.chat?.id);
    return { card: historyCard(view, page, { openId: ctx.actor.openId, role: ctx.actor.role, audience }) };
  },
});

const submitted = (id: string) => simpleCard('新建订单 · 已提交', 'grey', `已登记订单 **${id}**，订单卡片已发在本会话。发送 /订单 ${id} 可随时查看。`);

export const orderCardActions = [stepAction, exceptionAction, createAction, historyAction];
