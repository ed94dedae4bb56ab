import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { ms } from '../../platform/db/columns';

const bool = (name: string) => integer(name, { mode: 'boolean' });

/**
 * 订单 (SPEC §3.2). `id` is the order number (DD-20261204-001): the SLA engine names subjects by
 * id, so reminders say "订单 #DD-20261204-001" rather than a row number nobody knows.
 */
export const orders = sqliteTable(
  'orders',
  {
    id: text('id').primaryKey(),
    customerId: integer('customer_id').notNull(),
    /** The customer's name when the order was logged (cards and lists show it without a join). */
    customerName: text('customer_name').notNull(),
    ownerOpenId: text('owner_open_id').notNull(),
    product: text('product').notNull(),
    spec: text('spec'),
    qty: real('qty').notNull(),
    unitPrice: real('unit_price').notNull(),
    amount: real('amount').notNull(),
    /** 'YYYY-MM-DD' in the business time zone. */
    dueDate: text('due_date').notNull(),
    payBy: text('pay_by').notNull(),
    note: text('note'),
    /** Flagged 重要 by the salesperson; `important` also counts the amount threshold. */
    flagged: bool('flagged').notNull().default(false),
    important: bool('important').notNull().default(false),
    reviewedBy: text('reviewed_by'),
    reviewedAt: ms('reviewed_at'),
    state: text('state').notNull().default('received'),
    version: integer('version').notNull().default(1),
    /** The chat the order was logged in (its live card lives there). */
    chatId: text('chat_id'),
    /** When the salesperson sent the order (the message time), not when the event arrived. */
    receivedAt: ms('received_at').notNull(),
    /** Anchor of the 48 h whole-confirmation limit: the receipt, or the latest change request. */
    confirmFrom: ms('confirm_from').notNull(),
    paidAmount: real('paid_amount').notNull().default(0),
    shippedAt: ms('shipped_at'),
    arrivedAt: ms('arrived_at'),
    deliveredAt: ms('delivered_at'),
    paidAt: ms('paid_at'),
    /** Shipped by the cutoff of the due date (KPI: on-time delivery ≥ 95 %). */
    onTimeDelivery: bool('on_time_delivery'),
    /** Paid in full by the cutoff of the payment date (KPI: on-time payment ≥ 90 %). */
    onTimePayment: bool('on_time_payment'),
    /** The form card that created it: a second submit of the same form finds this order. */
    sourceKey: text('source_key'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [
    index('orders_owner_idx').on(t.ownerOpenId, t.state),
    index('orders_customer_idx').on(t.customerId),
    index('orders_state_idx').on(t.state),
    uniqueIndex('orders_source_idx').on(t.sourceKey),
  ],
);

/** An order's history: every step, progress note, change and payment, in order (append-only). */
export const orderEvents = sqliteTable(
  'order_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderId: text('order_id').notNull(),
    at: ms('at').notNull(),
    actorOpenId: text('actor_open_id').notNull(),
    kind: text('kind', { enum: ['created', 'step', 'progress', 'change', 'exception', 'payment'] }).notNull(),
    event: text('event'),
    fromState: text('from_state'),
    toState: text('to_state'),
    note: text('note'),
    /** A progress note that was also passed on to the customer (weekly "tell the customer"). */
    customerNotified: bool('customer_notified').notNull().default(false),
    /** Changes: the fields before and after. */
    detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [index('order_events_order_idx').on(t.orderId, t.id), index('order_events_kind_idx').on(t.kind, t.at)],
);

/** 回款: partial payments add up to orders.paid_amount. */
export const orderPayments = sqliteTable(
  'order_payments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderId: text('order_id').notNull(),
    amount: real('amount').notNull(),
    at: ms('at').notNull(),
    recordedBy: text('recorded_by').notNull(),
    note: text('note'),
    /** Received by the cutoff of the order's payment date. */
    onTime: bool('on_time').notNull(),
  },
  (t) => [index('order_payments_order_idx').on(t.orderId)],
);

/**
 * 订单异常: its own small workflow (open → responded → closed, 4 working hours to respond). The
 * cost allocation of SPEC §5 is stored when it closes, for the KPI module.
 */
export const orderExceptions = sqliteTable(
  'order_exceptions',
  {
    /** DD-20261204-001-E1 */
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull(),
    description: text('description').notNull(),
    state: text('state').notNull().default('open'),
    version: integer('version').notNull().default(1),
    loggedBy: text('logged_by').notNull(),
    loggedAt: ms('logged_at').notNull(),
    respondedAt: ms('responded_at'),
    cause: text('cause'),
    loss: real('loss'),
    share: real('share'),
    allocatedAmount: real('allocated_amount'),
    responsibleOpenId: text('responsible_open_id'),
    closedBy: text('closed_by'),
    closedAt: ms('closed_at'),
    closingNote: text('closing_note'),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [index('order_exceptions_order_idx').on(t.orderId)],
);

/**
 * Every posted card that shows an order or one of its exceptions: who it was rendered for and
 * where, so each change PATCHes all of them with the buttons (and figures) right for that viewer.
 */
export const orderCards = sqliteTable(
  'order_cards',
  {
    cardKey: text('card_key').primaryKey(),
    orderId: text('order_id').notNull(),
    exceptionId: text('exception_id'),
    viewerOpenId: text('viewer_open_id').notNull(),
    /** 'group': shared with a group chat — never shows money. */
    audience: text('audience', { enum: ['group', 'private'] }).notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [index('order_cards_order_idx').on(t.orderId)],
);

export type Order = typeof orders.$inferSelect;
export type OrderEvent = typeof orderEvents.$inferSelect;
export type OrderPayment = typeof orderPayments.$inferSelect;
export type OrderException = typeof orderExceptions.$inferSelect;
export type OrderCardRow = typeof orderCards.$inferSelect;
