/**
 * 订单处理流程 (SPEC §3.2, issue 5): log, confirm across departments, track, ship, collect, close.
 * What other modules may use is exported here and nowhere else.
 */
import { defineModule } from '../../platform/module';
import { orderCardActions } from './orders.card-actions';
import { exceptionCard, loadOrderView, orderCard } from './orders.cards';
import { orderCommands } from './orders.commands';
import { orderJobs, orderNudges } from './orders.jobs';
import { orderExceptions, orders } from './orders.schema';
import { reassignDeadlines } from '../customers';
import { findOrder, maySeeOrder, notYoursText, refreshOrders } from './orders.service';
import { and, eq, inArray, notInArray, sql } from 'drizzle-orm';

export const ordersModule = defineModule({
  name: 'orders',
  commands: orderCommands,
  cardActions: orderCardActions,
  jobs: orderJobs,
  subjects: {
    // 完成 on a reminder opens the card where the step's button is (rendered for the clicker, privately).
    order: {
      label: '订单',
      // The id is the order number (DD-20261204-001).
      name: async (_tx, id) => id,
      async show(ctx, id) {
        const order = await findOrder(ctx.tx, id);
        if (!order) return undefined;
        if (!maySeeOrder(ctx.actor, order)) return { text: notYoursText(order) };
        const view = await loadOrderView(ctx.tx, ctx.services, order, ctx.now);
        return { card: orderCard(view, { openId: ctx.actor.openId, role: ctx.actor.role, audience: 'private' }) };
      },
      // A reminder or breach changes what the live cards say ("剩 2 小时" → "已超时"): PATCH them.
      onDeadlineEvent: (ctx, ids) => refreshOrders(ctx, ids),
    },
    order_exception: {
      label: '订单异常',
      name: async (_tx, id) => id,
      async show(ctx, id) {
        const [exc] = await ctx.tx.select().from(orderExceptions).where(eq(orderExceptions.id, id));
        const order = exc && (await findOrder(ctx.tx, exc.orderId));
        if (!exc || !order) return undefined;
        if (!maySeeOrder(ctx.actor, order)) return { text: notYoursText(order) };
        const view = await loadOrderView(ctx.tx, ctx.services, order, ctx.now);
        return { card: exceptionCard(view, exc, { openId: ctx.actor.openId, role: ctx.actor.role, audience: 'private' }) };
      },
      // The exception cards and the order's cards show the response clock.
      onDeadlineEvent: async (ctx, ids) => {
        const rows = ids.length ? await ctx.tx.select({ orderId: orderExceptions.orderId }).from(orderExceptions).where(inArray(orderExceptions.id, ids)) : [];
        await refreshOrders(ctx, rows.map((r) => r.orderId));
      },
    },
  },
  nudges: { orders: orderNudges },
  // 客户转交: the customer's open orders the previous owner logged, and their clocks, follow the new owner.
  async onCustomerTransferred(ctx, t) {
    const moved = await ctx.tx
      .update(orders)
      .set({ ownerOpenId: t.to, version: sql`${orders.version} + 1`, updatedAt: ctx.now })
      .where(and(eq(orders.customerId, t.customerId), eq(orders.ownerOpenId, t.from), notInArray(orders.state, ['archived', 'cancelled'])))
      .returning({ id: orders.id });
    for (const o of moved) {
      await reassignDeadlines(ctx.tx, 'order', o.id, t.from, t.to);
      for (const e of await ctx.tx.select({ id: orderExceptions.id }).from(orderExceptions).where(eq(orderExceptions.orderId, o.id))) await reassignDeadlines(ctx.tx, 'order_exception', e.id, t.from, t.to);
    }
    // The cards already posted re-render for their viewers: the previous owner's lose the owner's buttons and the money.
    await refreshOrders(ctx, moved.map((o) => o.id));
    return moved.length ? `${moved.length} 个进行中订单` : undefined;
  },
});

export { orders, orderEvents, orderExceptions, orderPayments, type Order, type OrderEvent, type OrderException, type OrderPayment } from './orders.schema';
export { findOrder, openAmountOf, recordPayment } from './orders.service';
export { ORDER_CONFIG } from './orders.config';
export { ORDER_COST_ALLOCATION, allocateCost, type Allocation, type AllocationCause } from './orders.allocation';
export { orderWorkflow, exceptionWorkflow, ORDER_RULES } from './orders.workflow';
