/**
 * Order operations: each runs inside the caller's transaction (a refusal rolls everything back),
 * moves the order only through applyTransition (optimistic lock, audit row, clocks), writes the
 * order's history, tells whoever's turn it is, and PATCHes every posted card of the order.
 */
import { and, count, eq, inArray, ne, sql } from 'drizzle-orm';
import type { BotContext } from '../../platform/context';
import type { Tx } from '../../platform/db/client';
import { cardMessages, chats } from '../../platform/db/core.schema';
import { nextNumber } from '../../platform/db/numbering';
import { refuse } from '../../platform/errors';
import { yuan } from '../../platform/format';
import { parseAmount } from '../../platform/router/parse';
import { roleLabel, type Role } from '../../platform/roles';
import { cancelDeadlines, LIVE, meetDeadlines, openDeadline } from '../../platform/sla/deadlines';
import { People } from '../../platform/sla/people';
import { deadlines } from '../../platform/sla/sla.schema';
import { addDays, atMinutes, formatLocal } from '../../platform/time';
import { applyTransition, startWorkflow, type Applied } from '../../platform/workflow/apply';
import { availableEvents, eventLabel, stateLabel } from '../../platform/workflow/workflow';
import { scheduleQualityFollowUp } from '../complaints';
import { customers, requireCustomer, type Customer } from '../customers';
import { allocateCost, isAllocationCause, ORDER_COST_ALLOCATION } from './orders.allocation';
import { exceptionCard, loadOrderView, orderCard, type Audience, type OrderView, type Viewer } from './orders.cards';
import { ORDER_CONFIG } from './orders.config';
import { orderCards, orderEvents, orderExceptions, orderPayments, orders, type Order, type OrderException } from './orders.schema';
import { EVENT_GUARDS, exceptionWorkflow, isImportant, isPrimaryEvent, NOT_A_BUTTON, ORDER_RULES, orderWorkflow, payByProblem } from './orders.workflow';

const round2 = (n: number) => Math.round(n * 100) / 100;
/** Money is compared to the fen. */
const paidUp = (o: Pick<Order, 'amount' | 'paidAmount'>) => o.paidAmount + 0.005 >= o.amount;
const tzOf = (ctx: BotContext) => ctx.services.config.BUSINESS_TZ;

/** "By this day" means by the configured cutoff time on it (18:00 local by default). */
export const cutoffOf = (day: string, tz: string) => atMinutes(day, ORDER_CONFIG.cutoffMinutes, tz);

/** The named anchors the order workflow's rules count from. */
export const anchorsOf = (o: Order, tz: string) => ({ confirm_from: o.confirmFrom, due: cutoffOf(o.dueDate, tz), pay_by: cutoffOf(o.payBy, tz) });

// ---------------------------------------------------------------------------------------------
// Lookups

/** An order by its number; "20261204-001" and lower case are accepted too. */
export async function findOrder(tx: Tx, number: string): Promise<Order | undefined> {
  const n = number.trim().toUpperCase();
  const id = n.startsWith(`${ORDER_CONFIG.numberPrefix}-`) ? n : `${ORDER_CONFIG.numberPrefix}-${n}`;
  const [row] = await tx.select().from(orders).where(eq(orders.id, id));
  return row;
}

export async function requireOrder(tx: Tx, number: string): Promise<Order> {
  return (await findOrder(tx, number)) ?? refuse('NOT_FOUND', `没有订单「${number}」。订单编号形如 ${ORDER_CONFIG.numberPrefix}-20261204-001，发送 /订单 列表 查看。`);
}

/**
 * SPEC §1 信息保密: an order (its card, notes, history, progress and exceptions) is open to its owner,
 * the supervisors and the departments that work on orders — not to another salesperson.
 */
export const maySeeOrder = (actor: { openId: string; role: Role | null }, o: Pick<Order, 'ownerOpenId'>): boolean =>
  o.ownerOpenId === actor.openId || (!!actor.role && ORDER_CONFIG.viewerRoles.includes(actor.role));

export const notYoursText = (o: Pick<Order, 'id'>) =>
  `没有权限：订单 ${o.id} 不是你负责的订单。订单只对负责的业务员、${ORDER_CONFIG.viewerRoles.map(roleLabel).join('、')}开放；发送 /订单 列表 查看你的订单。`;

/** The order a command names, if the actor may see it (else a refusal that says who may). */
export async function requireVisibleOrder(ctx: BotContext, number: string): Promise<Order> {
  const order = await requireOrder(ctx.tx, number);
  if (!maySeeOrder(ctx.actor, order)) refuse('NOT_ALLOWED', notYoursText(order));
  return order;
}

async function getOrder(tx: Tx, id: string): Promise<Order> {
  const [row] = await tx.select().from(orders).where(eq(orders.id, id));
  return row ?? refuse('NOT_FOUND', `订单 ${id} 不存在。`);
}

async function getException(tx: Tx, id: string): Promise<OrderException> {
  const [row] = await tx.select().from(orderExceptions).where(eq(orderExceptions.id, id));
  return row ?? refuse('NOT_FOUND', `异常 ${id} 不存在。`);
}

/** What a customer still owes on its live orders (not cancelled): order amounts minus payments. */
export async function openAmountOf(tx: Tx, customerId: number): Promise<number> {
  const [row] = await tx
    .select({ open: sql<number>`coalesce(sum(${orders.amount} - ${orders.paidAmount}), 0)` })
    .from(orders)
    .where(and(eq(orders.customerId, customerId), ne(orders.state, 'cancelled')));
  return round2(Number(row?.open ?? 0));
}

// ---------------------------------------------------------------------------------------------
// Cards: one live card per (order, viewer, chat); every change PATCHes all of them

type Where = { reply: true } | { dm: string } | { chatId: string; audience: Audience };

/** Cards posted in this transaction, with the order version they show: such a card needs no PATCH unless the order moved on since. */
const postedIn = new WeakMap<BotContext, Map<string, number>>();
const remember = (ctx: BotContext, key: string, version: number) => postedIn.set(ctx, (postedIn.get(ctx) ?? new Map()).set(key, version));

async function viewerOf(ctx: BotContext, openId: string, audience: Audience, people?: People): Promise<Viewer> {
  if (openId === ctx.actor.openId) return { openId, role: ctx.actor.role, audience };
  const p = people ?? (await People.load(ctx.tx, ctx.services.config.DEFAULT_ROLE));
  return { openId, role: p.byId.get(openId)?.role ?? null, audience };
}

/** Posts an order card (or one of its exception cards) and remembers it for later PATCHes; `view`: the order's view, if already in hand. */
export async function postCard(ctx: BotContext, order: Order, where: Where, exc?: OrderException, view?: OrderView): Promise<void> {
  const chatId = 'reply' in where ? ctx.chat?.id : 'chatId' in where ? where.chatId : undefined;
  const audience: Audience = 'dm' in where ? 'private' : 'audience' in where ? where.audience : ctx.chat?.type === 'group' ? 'group' : 'private';
  const viewerId = 'dm' in where ? where.dm : ctx.actor.openId;
  const cardKey = `${exc ? `orderexc:${exc.id}` : `order:${order.id}`}:${viewerId}@${chatId ?? 'dm'}`;
  const viewer = await viewerOf(ctx, viewerId, audience, view?.people);
  view ??= await loadOrderView(ctx.tx, ctx.services, order, ctx.now);
  const card = exc ? exceptionCard(view, exc, viewer) : orderCard(view, viewer);
  await ctx.tx
    .insert(orderCards)
    .values({ cardKey, orderId: order.id, exceptionId: exc?.id ?? null, viewerOpenId: viewerId, audience, createdAt: ctx.now })
    .onConflictDoUpdate({ target: orderCards.cardKey, set: { audience } });
  remember(ctx, cardKey, order.version);
  if ('reply' in where) await ctx.reply({ card }, { cardKey });
  else await ctx.send({ kind: 'send', to: 'dm' in where ? { openId: where.dm } : { chatId: where.chatId }, content: { card }, cardKey });
}

/** The card a click came from: who it was rendered for. Untracked cards (e.g. from a reminder) count as the clicker's own DM. */
export async function clickedCard(ctx: BotContext, messageId: string | undefined): Promise<{ key?: string; viewer: Viewer }> {
  const [row] = messageId
    ? await ctx.tx.select({ key: orderCards.cardKey, viewer: orderCards.viewerOpenId, audience: orderCards.audience }).from(cardMessages).innerJoin(orderCards, eq(orderCards.cardKey, cardMessages.cardKey)).where(eq(cardMessages.messageId, messageId))
    : [];
  if (row) return { key: row.key, viewer: await viewerOf(ctx, row.viewer, row.audience) };
  return { viewer: { openId: ctx.actor.openId, role: ctx.actor.role, audience: await audienceOfChat(ctx.tx, ctx.chat?.id) } };
}

/** Groups are remembered when the bot is added or mentioned; an unknown chat is a bot-initiated DM. */
export async function audienceOfChat(tx: Tx, chatId: string | undefined): Promise<Audience> {
  if (!chatId) return 'private';
  const [row] = await tx.select({ type: chats.chatType }).from(chats).where(eq(chats.chatId, chatId));
  return row?.type === 'group' ? 'group' : 'private';
}

/**
 * Re-renders every posted card of the order for its viewer; `skipKey` is the clicked card (the
 * callback answer replaces it). `loaded`: the order's current view, if the caller has it.
 */
export async function refreshCards(ctx: BotContext, orderId: string, skipKey?: string, loaded?: OrderView): Promise<void> {
  const rows = await ctx.tx.select().from(orderCards).where(eq(orderCards.orderId, orderId));
  const order = loaded?.order ?? (await getOrder(ctx.tx, orderId));
  const fresh = postedIn.get(ctx);
  const due = rows.filter((r) => r.cardKey !== skipKey && fresh?.get(r.cardKey) !== order.version);
  if (due.length === 0) return;
  const view = loaded ?? (await loadOrderView(ctx.tx, ctx.services, order, ctx.now));
  for (const r of due) {
    const viewer = await viewerOf(ctx, r.viewerOpenId, r.audience, view.people);
    const exc = r.exceptionId ? view.exceptions.find((e) => e.id === r.exceptionId) : undefined;
    if (r.exceptionId && !exc) continue;
    await ctx.send({ kind: 'patch', cardKey: r.cardKey, card: exc ? exceptionCard(view, exc, viewer) : orderCard(view, viewer) });
  }
}

/** Re-renders every posted card of these orders (the SLA sweep reminded or escalated one of their clocks). */
export async function refreshOrders(ctx: BotContext, orderIds: Iterable<string>): Promise<void> {
  for (const id of new Set(orderIds)) {
    const [row] = await ctx.tx.select({ id: orders.id }).from(orders).where(eq(orders.id, id));
    if (row) await refreshCards(ctx, id);
  }
}

// ---------------------------------------------------------------------------------------------
// History

/** One line of the order's history, by the actor, now; returns the row written. */
async function addEvent(ctx: BotContext, orderId: string, e: Omit<typeof orderEvents.$inferInsert, 'orderId' | 'at' | 'actorOpenId'>): Promise<typeof orderEvents.$inferSelect> {
  const [row] = await ctx.tx.insert(orderEvents).values({ orderId, at: ctx.now, actorOpenId: ctx.actor.openId, ...e }).returning();
  return row!;
}

// ---------------------------------------------------------------------------------------------
// Creating an order

export interface NewOrder {
  customer: string;
  product: string;
  spec?: string;
  qty: number;
  price: number;
  /** 'YYYY-MM-DD', already checked not to be in the past. */
  due: string;
  payBy?: string;
  note?: string;
  important: boolean;
}

/** A new order and its view: the rows its creation wrote (nothing of it to read back for its cards). */
export interface CreatedOrder {
  order: Order;
  view: OrderView;
}

export async function createOrder(ctx: BotContext, input: NewOrder, sourceKey?: string): Promise<CreatedOrder> {
  const tz = tzOf(ctx);
  const customer = await requireCustomer(ctx.tx, input.customer);
  // SPEC §1: a salesperson sees full detail (open orders, credit) only of customers they own, so
  // only the customer's owner — or a supervisor — logs its orders.
  if (customer.ownerOpenId !== ctx.actor.openId && ctx.actor.role !== 'supervisor') {
    refuse('NOT_ALLOWED', `没有权限：客户「${customer.name}」不是你负责的客户，只有该客户的负责业务员或主管可以为它登记订单。如需接手，请联系主管转移客户。`);
  }
  const amount = round2(input.qty * input.price);
  const id = await nextNumber(ctx.tx, ORDER_CONFIG.numberPrefix, ctx.now, tz);
  const [order] = await ctx.tx
    .insert(orders)
    .values({
      id,
      customerId: customer.id,
      customerName: customer.name,
      ownerOpenId: ctx.actor.openId,
      product: input.product,
      spec: input.spec ?? null,
      qty: input.qty,
      unitPrice: input.price,
      amount,
      dueDate: input.due,
      payBy: input.payBy ?? addDays(input.due, ORDER_CONFIG.defaultPaymentDays),
      note: input.note ?? null,
      flagged: input.important,
      important: isImportant(amount, input.important),
      state: orderWorkflow.initial,
      chatId: ctx.chat?.id ?? null,
      receivedAt: ctx.now,
      confirmFrom: ctx.now,
      sourceKey: sourceKey ?? null,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    })
    .returning();
  const created = await addEvent(ctx, id, { kind: 'created', toState: order!.state, note: input.note ?? null });
  await ctx.audit({ action: 'order.create', subjectType: 'order', subjectId: id, toState: order!.state, detail: { customer: customer.name, amount, important: order!.important } });
  const opened = await startWorkflow(ctx, { workflow: orderWorkflow, subjectType: 'order', id, ownerOpenId: ctx.actor.openId, anchors: anchorsOf(order!, tz), notify: false });
  // Everything the order's cards show was just written: its clocks and its one history line.
  const people = await People.load(ctx.tx, ctx.services.config.DEFAULT_ROLE);
  const known = { deadlines: opened, exceptionDeadlines: [], events: [created], exceptions: [], payments: [], people };
  const opening = await loadOrderView(ctx.tx, ctx.services, order!, ctx.now, known);
  const view = (await ensureReview(ctx, order!, opening)) ?? opening;
  await creditCheck(ctx, order!, customer, people);
  return { order: order!, view };
}

/** The order created by a form card already (a second submit of the same form). */
export async function orderFromSource(tx: Tx, sourceKey: string): Promise<Order | undefined> {
  const [row] = await tx.select().from(orders).where(eq(orders.sourceKey, sourceKey));
  return row;
}

/**
 * SPEC §3.2: an order taking the customer's open amount over its credit limit warns the owner and the
 * supervisors — by DM only. "The owner" is the customer's owner (SPEC §1: credit is theirs and the
 * supervisors' to see), not whoever happens to own the order (a supervisor, or the salesperson the
 * customer was moved away from).
 */
async function creditCheck(ctx: BotContext, order: Order, customer: Customer, loaded?: People): Promise<void> {
  if (customer.creditLimit === null || customer.creditLimit === undefined) return;
  const open = await openAmountOf(ctx.tx, customer.id);
  if (open <= customer.creditLimit) return;
  const people = loaded ?? (await People.load(ctx.tx, ctx.services.config.DEFAULT_ROLE));
  const text = [
    `⚠️ 信用额度提醒（仅私信可见）`,
    `客户「${customer.name}」${customer.creditRating ? `（信用评级 ${customer.creditRating}）` : ''}未结订单金额 ${yuan(open)}，超过信用额度 ${yuan(customer.creditLimit)}，超出 ${yuan(round2(open - customer.creditLimit))}。`,
    `触发订单：${order.id}（${yuan(order.amount)}），业务员 ${people.name(order.ownerOpenId)}。`,
    `建议：预收款、缩短账期或暂缓生产，由主管决定。`,
  ].join('\n');
  for (const to of new Set([customer.ownerOpenId, ...people.withRole('supervisor')])) await ctx.send({ kind: 'send', to: { openId: to }, content: { text } });
  await ctx.audit({ action: 'order.credit_warning', subjectType: 'order', subjectId: order.id, detail: { customerId: customer.id, open, limit: customer.creditLimit } });
}

/** States in which a supervisor may still review (REVIEW is offered there). */
const REVIEW_STATES = Object.entries(orderWorkflow.states as Record<string, { on?: Record<string, unknown> }>)
  .filter(([, s]) => s.on && 'REVIEW' in s.on)
  .map(([name]) => name);

/**
 * An important order not yet reviewed gets the supervisors' review clock and a DM card each.
 * `view`: the order's view, if in hand (its live clocks tell whether the review clock runs); then
 * returns the view with the clock it opened.
 */
async function ensureReview(ctx: BotContext, order: Order, view?: OrderView): Promise<OrderView | undefined> {
  if (!order.important || order.reviewedAt || !REVIEW_STATES.includes(order.state)) return;
  const step = ORDER_RULES.supervisor_review.step;
  const running = view
    ? view.deadlines.some((d) => d.step === step)
    : (await ctx.tx.select({ id: deadlines.id }).from(deadlines).where(and(eq(deadlines.subjectType, 'order'), eq(deadlines.subjectId, order.id), eq(deadlines.step, step), inArray(deadlines.status, LIVE)))).length > 0;
  if (running) return;
  const clock = await openDeadline(ctx.tx, ctx.services.calendar, { subjectType: 'order', subjectId: order.id, rule: ORDER_RULES.supervisor_review, ownerOpenId: order.ownerOpenId, anchorAt: ctx.now, now: ctx.now });
  const shown = view && (await loadOrderView(ctx.tx, ctx.services, order, ctx.now, { ...view, deadlines: [...view.deadlines, clock] }));
  const people = view?.people ?? (await People.load(ctx.tx, ctx.services.config.DEFAULT_ROLE));
  for (const s of people.withRole('supervisor')) if (s !== ctx.actor.openId) await postCard(ctx, order, { dm: s }, undefined, shown);
  return shown;
}

// ---------------------------------------------------------------------------------------------
// Moving an order

/** Columns an event stamps on the order (KPI facts: on-time delivery). */
const STAMPS: Record<string, (o: Order, ctx: BotContext) => Partial<Order>> = {
  REVIEW: (_, ctx) => ({ reviewedBy: ctx.actor.openId, reviewedAt: ctx.now }),
  SHIP: (o, ctx) => ({ shippedAt: ctx.now, onTimeDelivery: ctx.now.getTime() <= cutoffOf(o.dueDate, tzOf(ctx)).getTime() }),
  ARRIVED: (_, ctx) => ({ arrivedAt: ctx.now }),
  // 货已送达 skipped: the goods arrived at the latest when the customer signed for them.
  CONFIRM_RECEIPT: (o, ctx) => ({ deliveredAt: ctx.now, arrivedAt: o.arrivedAt ?? ctx.now }),
};

export interface FireOptions {
  /** The version the user saw (card buttons); commands act on the current version. */
  version?: number;
  note?: string;
  customerNotified?: boolean;
  /** The history line: a change records its before/after instead of a plain step. */
  kind?: 'change';
  detail?: Record<string, unknown>;
}

/** Fires one workflow event on an order; follow-ups (paid in full, review needed) fire from here too. */
export async function fireOrderEvent(ctx: BotContext, id: string, event: string, opts: FireOptions = {}): Promise<Order> {
  const order = await getOrder(ctx.tx, id);
  const offered = (orderWorkflow.states as Record<string, { on?: Record<string, unknown> }>)[order.state]?.on?.[event];
  const guard = offered ? EVENT_GUARDS[event]?.(order) : null;
  if (guard) refuse('INVALID_TRANSITION', guard);
  const note = opts.note?.trim() || undefined;
  if (event === 'CONFIRM_RECEIPT' && offered && !order.arrivedAt) {
    // 货已送达 was skipped: the receipt clock starts now (arrival = signature) and the transition
    // meets it, so every delivered order has its receipt confirmation on record, on time. A refusal
    // below rolls this back with everything else.
    await openDeadline(ctx.tx, ctx.services.calendar, { subjectType: 'order', subjectId: id, rule: ORDER_RULES.receipt_confirmation, ownerOpenId: order.ownerOpenId, anchorAt: ctx.now, now: ctx.now });
  }
  const applied = await applyTransition(ctx, {
    workflow: orderWorkflow,
    subjectType: 'order',
    table: 'orders',
    id,
    version: opts.version ?? order.version,
    event,
    ownerOpenId: order.ownerOpenId,
    data: { note, supervisor_review: order.important ? (order.reviewedAt ? 'ok' : undefined) : 'n/a' },
    anchors: anchorsOf(order, tzOf(ctx)),
    reason: note,
    notify: false,
  });
  const stamp = STAMPS[event]?.(order, ctx);
  if (stamp) await ctx.tx.update(orders).set(stamp).where(eq(orders.id, id));
  const kind = opts.kind ?? (PROGRESS_EVENTS.has(event) ? 'progress' : 'step');
  await addEvent(ctx, id, { kind, event, fromState: applied.from, toState: applied.to, note: note ?? null, customerNotified: opts.customerNotified ?? false, detail: opts.detail ?? null });
  const after = await getOrder(ctx.tx, id);
  // Delivered (the customer confirmed receipt): the quality follow-up a month later (SPEC §3.3), with
  // whoever owns the customer then. Idempotent per order number.
  if (applied.to === 'delivered' && applied.from !== 'delivered') {
    await scheduleQualityFollowUp(ctx.tx, { customerId: after.customerId, orderNumber: after.id, deliveredAt: after.deliveredAt ?? ctx.now }, ctx.now);
  }
  await announce(ctx, after, applied, event, note);
  if (applied.to === 'received' && applied.from !== 'received') await ensureReview(ctx, after);
  if (paidUp(after) && applied.to === 'shipped' && applied.from !== 'shipped') await meetDeadlines(ctx.tx, ctx.services.calendar, { subjectType: 'order', subjectId: id }, { steps: [ORDER_RULES.payment.step], now: ctx.now });
  if (paidUp(after) && applied.to === 'delivered') return fireOrderEvent(ctx, id, 'PAY_IN_FULL');
  return after;
}

/** Whoever's turn it is hears about it: department step cards by DM, and the owner when someone else moved their order. */
async function announce(ctx: BotContext, order: Order, applied: Applied, event: string, note: string | undefined): Promise<void> {
  const people = await People.load(ctx.tx, ctx.services.config.DEFAULT_ROLE);
  const roles = new Set(applied.opened.map((d) => d.ownerRole).filter((r): r is string => !!r));
  if (event === 'DISTRIBUTE') for (const r of ORDER_CONFIG.distributeTo) roles.add(r);
  const turn = [...roles].flatMap((role) => people.withRole(role)).filter((p) => p !== ctx.actor.openId);
  // One view for all of them: posting a card changes nothing it shows.
  const view = turn.length ? await loadOrderView(ctx.tx, ctx.services, order, ctx.now, { people }) : undefined;
  for (const p of turn) await postCard(ctx, order, { dm: p }, undefined, view);

  if (order.ownerOpenId === ctx.actor.openId) return;
  const ownerRole = people.byId.get(order.ownerOpenId)?.role ?? null;
  const ownerTurn = availableEvents(orderWorkflow, applied.to, { role: ownerRole, isOwner: true }).some((e) => isPrimaryEvent(e.event) && !NOT_A_BUTTON.has(e.event));
  if (!ownerTurn && !event.startsWith('REJECT')) return;
  const tz = tzOf(ctx);
  const mine = applied.opened.filter((d) => d.ownerOpenId === order.ownerOpenId);
  const text = [
    `订单 ${order.id}（${order.customerName} · ${order.product}）：${people.name(ctx.actor.openId)}「${eventLabel(orderWorkflow, event, applied.from)}」，${stateLabel(orderWorkflow, applied.from)} → ${stateLabel(orderWorkflow, applied.to)}。`,
    note ? `说明：${note}` : '',
    ...mine.map((d) => `新待办「${d.label}」截止 ${formatLocal((d.targetAt ?? d.limitAt)!, tz)}`),
    '在订单卡片上继续，或发送 /订单 ' + order.id,
  ].filter(Boolean);
  await ctx.send({ kind: 'send', to: { openId: order.ownerOpenId }, content: { text: text.join('\n') } });
}

// ---------------------------------------------------------------------------------------------
// Progress, changes, payments

/** Events that write a progress line, not a step, into the history. */
const PROGRESS_EVENTS: ReadonlySet<string> = new Set(['LOG_PROGRESS', 'LOG_CUSTOMER_NOTICE']);

/** Who may add a progress note: whoever may fire LOG_PROGRESS (the owner and the departments that see production). */
const PROGRESS_ROLES: readonly string[] = orderWorkflow.states.in_production.on!.LOG_PROGRESS!.roles;

/**
 * /订单 进度: in production it meets the daily update clock — and, marked 已告知客户, the weekly
 * customer notice (SPEC §3.3), whose next week starts then. In other live states it is a note.
 */
export async function logProgress(ctx: BotContext, number: string, note: string, customerNotified: boolean): Promise<Order> {
  const order = await requireVisibleOrder(ctx, number);
  if (orderWorkflow.states[order.state as keyof typeof orderWorkflow.states]?.terminal) refuse('INVALID_TRANSITION', `订单 ${order.id} 已${stateLabel(orderWorkflow, order.state)}，不能再记录进度。`);
  const allowed = order.ownerOpenId === ctx.actor.openId || (!!ctx.actor.role && PROGRESS_ROLES.includes(ctx.actor.role));
  if (!allowed) refuse('NOT_ALLOWED', `没有权限：只有订单 ${order.id} 的业务员、主管和 PMC/品质/工程/物流可以记录进度。`);
  let after = order;
  if (order.state === 'in_production') after = await fireOrderEvent(ctx, order.id, customerNotified ? 'LOG_CUSTOMER_NOTICE' : 'LOG_PROGRESS', { note, customerNotified });
  else await addEvent(ctx, order.id, { kind: 'progress', note, customerNotified });
  await refreshCards(ctx, order.id);
  return after;
}

export interface ChangeFields {
  qty?: number;
  price?: number;
  due?: string;
  payBy?: string;
}

const CHANGE_LABELS: Record<keyof ChangeFields, string> = { qty: '数量', price: '单价', due: '交期', payBy: '付款期限' };

/** /订单 变更: the customer's change, with the new terms if given; back to evaluation (8 h response clock), history kept. */
export async function requestChange(ctx: BotContext, number: string, note: string, fields: ChangeFields): Promise<Order> {
  const order = await requireVisibleOrder(ctx, number);
  const next = {
    qty: fields.qty ?? order.qty,
    unitPrice: fields.price ?? order.unitPrice,
    dueDate: fields.due ?? order.dueDate,
    payBy: fields.payBy ?? order.payBy,
  };
  const payBy = payByProblem(next.dueDate, next.payBy);
  if (payBy) refuse('BAD_INPUT', `${payBy}${fields.payBy ? `请改为 ${next.dueDate} 或之后。` : `新交期晚于原付款期限，请同时写 付款期限=…（${next.dueDate} 或之后）。`}`);
  const amount = round2(next.qty * next.unitPrice);
  const important = isImportant(amount, order.flagged);
  const before = { qty: order.qty, price: order.unitPrice, due: order.dueDate, payBy: order.payBy };
  const after = { qty: next.qty, price: next.unitPrice, due: next.dueDate, payBy: next.payBy };
  const changed = (Object.keys(CHANGE_LABELS) as Array<keyof ChangeFields>).filter((k) => before[k] !== after[k]);
  // New terms need a new review: the supervisor approved the old ones.
  await ctx.tx
    .update(orders)
    .set({ ...next, amount, important, confirmFrom: ctx.now, ...(changed.length ? { reviewedBy: null, reviewedAt: null } : {}) })
    .where(eq(orders.id, order.id));
  const moved = await fireOrderEvent(ctx, order.id, 'REQUEST_CHANGE', { note, kind: 'change', detail: { before, after, changed } });
  // No longer important (the amount fell below the threshold, not flagged): the pending review is
  // moot — its clock is cancelled (not met), and the supervisors' cards lose the review button.
  if (order.important && !important) {
    await cancelDeadlines(ctx.tx, { subjectType: 'order', subjectId: order.id }, { steps: [ORDER_RULES.supervisor_review.step], now: ctx.now });
  }
  if (amount > order.amount) {
    const [customer] = await ctx.tx.select().from(customers).where(eq(customers.id, order.customerId));
    if (customer) await creditCheck(ctx, moved, customer);
  }
  await refreshCards(ctx, order.id);
  return moved;
}

export interface PaymentResult {
  order: Order;
  amount: number;
  paid: number;
  outstanding: number;
  onTime: boolean;
}

/** /订单 回款: partial payments add up; the last one completes the payment clock (and, once delivered, the order). */
export async function recordPayment(ctx: BotContext, number: string, amount: number, note?: string): Promise<PaymentResult> {
  const order = await requireOrder(ctx.tx, number);
  if (order.state === 'cancelled') refuse('INVALID_TRANSITION', `订单 ${order.id} 已取消，不能登记回款。`);
  const allowed = order.ownerOpenId === ctx.actor.openId || (!!ctx.actor.role && ORDER_CONFIG.paymentRoles.includes(ctx.actor.role));
  if (!allowed) refuse('NOT_ALLOWED', `没有权限：只有订单 ${order.id} 的业务员、财务或主管可以登记回款。`);
  const outstanding = round2(order.amount - order.paidAmount);
  if (outstanding <= 0) refuse('ALREADY_PAID', `订单 ${order.id} 已全额回款，无需再登记。`);
  if (amount > outstanding + 0.005) refuse('OVERPAID', `回款 ${yuan(amount)} 超过订单 ${order.id} 的未收金额 ${yuan(outstanding)}，请核对金额。`);
  const onTime = ctx.now.getTime() <= cutoffOf(order.payBy, tzOf(ctx)).getTime();
  const paid = round2(order.paidAmount + amount);
  await ctx.tx.insert(orderPayments).values({ orderId: order.id, amount, at: ctx.now, recordedBy: ctx.actor.openId, note: note ?? null, onTime });
  const full = paid + 0.005 >= order.amount;
  await ctx.tx
    .update(orders)
    .set({ paidAmount: paid, updatedAt: ctx.now, ...(full ? { paidAt: ctx.now, onTimePayment: onTime } : {}) })
    .where(eq(orders.id, order.id));
  await addEvent(ctx, order.id, { kind: 'payment', note: note ?? null, detail: { amount, paid, outstanding: round2(order.amount - paid), onTime } });
  await ctx.audit({ action: 'order.payment', subjectType: 'order', subjectId: order.id, detail: { amount, paid, onTime } });
  let after = await getOrder(ctx.tx, order.id);
  if (full) {
    await meetDeadlines(ctx.tx, ctx.services.calendar, { subjectType: 'order', subjectId: order.id }, { steps: [ORDER_RULES.payment.step], now: ctx.now });
    if (after.state === 'delivered') after = await fireOrderEvent(ctx, order.id, 'PAY_IN_FULL');
  }
  await refreshCards(ctx, order.id);
  return { order: after, amount, paid, outstanding: round2(order.amount - paid), onTime };
}

// ---------------------------------------------------------------------------------------------
// Exceptions

/** /订单 异常: a numbered exception with a 4-working-hour response clock, on the owner's and supervisors' cards. */
export async function logException(ctx: BotContext, number: string, description: string): Promise<OrderException> {
  const order = await requireVisibleOrder(ctx, number);
  if (order.state === 'cancelled') refuse('INVALID_TRANSITION', `订单 ${order.id} 已取消，不能登记异常。`);
  const [{ n } = { n: 0 }] = await ctx.tx.select({ n: count() }).from(orderExceptions).where(eq(orderExceptions.orderId, order.id));
  const id = `${order.id}-E${n + 1}`;
  const [exc] = await ctx.tx
    .insert(orderExceptions)
    .values({ id, orderId: order.id, description, state: exceptionWorkflow.initial, loggedBy: ctx.actor.openId, loggedAt: ctx.now, updatedAt: ctx.now })
    .returning();
  await startWorkflow(ctx, { workflow: exceptionWorkflow, subjectType: 'order_exception', id, ownerOpenId: order.ownerOpenId, notify: false });
  await addEvent(ctx, order.id, { kind: 'exception', event: 'LOG', note: `${id}：${description}` });
  await ctx.audit({ action: 'order_exception.log', subjectType: 'order_exception', subjectId: id, toState: exc!.state, detail: { order: order.id } });
  const people = await People.load(ctx.tx, ctx.services.config.DEFAULT_ROLE);
  for (const to of new Set([order.ownerOpenId, ...people.withRole('supervisor')])) await postCard(ctx, order, { dm: to }, exc!);
  await refreshCards(ctx, order.id);
  return exc!;
}

export interface ExceptionInput {
  version: number;
  note?: string;
  cause?: string;
  loss?: string;
}

/** Responds to or closes an exception; closing with a cause stores the SPEC §5 allocation and tells only the supervisors and the responsible person. */
export async function fireExceptionEvent(ctx: BotContext, id: string, event: string, input: ExceptionInput): Promise<OrderException> {
  const exc = await getException(ctx.tx, id);
  const order = await getOrder(ctx.tx, exc.orderId);
  const cause = isAllocationCause(input.cause) ? input.cause : undefined;
  let loss = 0;
  if (event === 'CLOSE' && cause) {
    const parsed = input.loss?.trim() ? parseAmount(input.loss) : ORDER_COST_ALLOCATION[cause].share ? null : 0;
    if (parsed === null || parsed < 0) refuse('BAD_INPUT', `请填写${ORDER_COST_ALLOCATION[cause].basis}金额（元，可写 5000、1.2万；没有损失写 0）。`);
    loss = parsed!;
  }
  const note = input.note?.trim() || undefined;
  const applied = await applyTransition(ctx, {
    workflow: exceptionWorkflow,
    subjectType: 'order_exception',
    table: 'order_exceptions',
    id,
    version: input.version,
    event,
    ownerOpenId: order.ownerOpenId,
    data: { cause, note },
    reason: note,
    notify: false,
  });
  const people = await People.load(ctx.tx, ctx.services.config.DEFAULT_ROLE);
  if (event === 'RESPOND') await ctx.tx.update(orderExceptions).set({ respondedAt: ctx.now }).where(eq(orderExceptions.id, id));
  if (event === 'CLOSE' && cause) {
    const a = allocateCost(cause, loss);
    await ctx.tx
      .update(orderExceptions)
      .set({ cause, loss, share: a.share, allocatedAmount: a.amount, responsibleOpenId: order.ownerOpenId, closedBy: ctx.actor.openId, closedAt: ctx.now, closingNote: note ?? null, respondedAt: exc.respondedAt ?? ctx.now })
      .where(eq(orderExceptions.id, id));
    const text = [
      `异常费用分摊（仅主管与责任人可见）`,
      `订单 ${order.id}（${order.customerName}）· 异常 ${id}`,
      `原因：${a.label}`,
      `${a.basis} ${yuan(a.loss)} × ${Math.round(a.share * 100)}% = ${yuan(a.amount)}，由 ${people.name(order.ownerOpenId)} 承担`,
      note ? `说明：${note}` : '',
    ].filter(Boolean);
    for (const to of new Set([order.ownerOpenId, ...people.withRole('supervisor')])) await ctx.send({ kind: 'send', to: { openId: to }, content: { text: text.join('\n') } });
  }
  await addEvent(ctx, order.id, { kind: 'exception', event, fromState: applied.from, toState: applied.to, note: `${id} ${eventLabel(exceptionWorkflow, event, applied.from)}${cause ? `：${ORDER_COST_ALLOCATION[cause].label}` : ''}${note ? `（${note}）` : ''}` });
  return getException(ctx.tx, id);
}
