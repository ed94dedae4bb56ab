/**
 * Locks in what an order card shows to whom (SPEC §1 信息保密, issue 5 item 3):
 * - prices, amounts and payments only in a private chat, to the owner and the money roles — never
 *   in a group, not even the owner's own card there;
 * - only the buttons the viewer's role may use, carrying the order's id and version — and none on a
 *   card posted in a group (one card for everyone there: steps are taken on DM cards);
 * - the countdowns say when they were computed;
 * - a cost allocation only to supervisors and the responsible person, in private;
 * - a long history never pushes a card over Feishu's 30 KB limit, and points to the paged history;
 * - a history page shows every entry on it whole (500-character notes), numbered, with buttons to
 *   the newer and older pages, and stays under 30 KB;
 * - the list and form cards render completely.
 */
import { describe, expect, it } from 'vitest';
import { CARD_MAX_BYTES, cardBytes } from '../../src/platform/cards';
import { People } from '../../src/platform/sla/people';
import { exceptionCard, historyCard, orderCard, orderFormCard, orderListCard, type OrderView, type Viewer } from '../../src/modules/orders/orders.cards';
import type { Order, OrderEvent, OrderException } from '../../src/modules/orders/orders.schema';

const now = new Date('2026-11-09T02:00:00Z');
const people = new People([
  { openId: 'ou_li', name: '李业务', role: 'sales' },
  { openId: 'ou_zhang', name: '张业务', role: 'sales' },
  { openId: 'ou_boss', name: '王主管', role: 'supervisor' },
  { openId: 'ou_fin', name: '钱财务', role: 'finance' },
  { openId: 'ou_eng', name: '周工程', role: 'engineering' },
]);
const order: Order = {
  id: 'DD-20261109-001', customerId: 1, customerName: '华南电子', ownerOpenId: 'ou_li', product: '控制板', spec: 'A2', qty: 500, unitPrice: 20, amount: 10_000,
  dueDate: '2026-11-30', payBy: '2026-12-30', note: null, flagged: false, important: false, reviewedBy: null, reviewedAt: null, state: 'received', version: 3,
  chatId: null, receivedAt: now, confirmFrom: now, paidAmount: 4000, shippedAt: null, arrivedAt: null, deliveredAt: null, paidAt: null, onTimeDelivery: null,
  onTimePayment: null, sourceKey: null, createdAt: now, updatedAt: now,
};
const view = (o: Partial<Order> = {}, events: OrderEvent[] = []): OrderView => ({ order: { ...order, ...o }, deadlines: [], exceptionDeadlines: [], events, exceptions: [], payments: [], people, tz: 'Asia/Shanghai', now });
const v = (openId: string, audience: Viewer['audience'] = 'private'): Viewer => ({ openId, role: people.byId.get(openId)!.role, audience });
const text = (card: unknown) => JSON.stringify(card);
const events = (card: unknown) => [...text(card).matchAll(/"e":"([A-Z_]+)"/g)].map((m) => m[1]);

describe('order card: money', () => {
  it('never shows prices or payments in a group, not even on the owner’s own card', () => {
    const card = text(orderCard(view(), v('ou_li', 'group')));
    expect(card).not.toContain('¥');
    expect(card).toContain('仅在私聊中显示');
  });

  it('shows them privately to the owner, finance and supervisors, and not to another salesperson', () => {
    for (const who of ['ou_li', 'ou_fin', 'ou_boss']) expect(text(orderCard(view(), v(who)))).toContain('¥10,000');
    expect(text(orderCard(view(), v('ou_zhang')))).not.toContain('¥');
  });
});

describe('order card: buttons', () => {
  it('shows each viewer only the events their role may fire, with the order’s id and version', () => {
    expect(events(orderCard(view(), v('ou_li')))).toEqual(['EVALUATE', 'CANCEL']);
    expect(events(orderCard(view(), v('ou_eng')))).toEqual([]);
    expect(events(orderCard(view({ state: 'evaluated' }), v('ou_eng')))).toEqual(['CONFIRM_TECH', 'REJECT_TECH']);
    expect(events(orderCard(view({ state: 'production_confirmed' }), v('ou_fin')))).toEqual(['CONFIRM_PRICE', 'REJECT_PRICE']);
    expect(events(orderCard(view({ state: 'evaluated' }), v('ou_zhang')))).toEqual([]);
    expect(text(orderCard(view(), v('ou_li')))).toContain('"id":"DD-20261109-001","v":3');
  });
});

describe('order card: in a group', () => {
  it('shows no step buttons to a group, not even the owner’s, and says where to act', () => {
    expect(events(orderCard(view(), v('ou_li', 'group')))).toEqual([]);
    expect(events(orderCard(view({ state: 'production_confirmed' }), v('ou_fin', 'group')))).toEqual([]);
    expect(text(orderCard(view(), v('ou_li', 'group')))).toContain('私聊');
  });

  it('shows no buttons on an exception card in a group either', () => {
    const exc: OrderException = {
      id: 'DD-20261109-001-E1', orderId: order.id, description: '来料不良', state: 'open', version: 1, loggedBy: 'ou_li', loggedAt: now, respondedAt: null,
      cause: null, loss: null, share: null, allocatedAmount: null, responsibleOpenId: null, closedBy: null, closedAt: null, closingNote: null, updatedAt: now,
    };
    expect(events(exceptionCard(view(), exc, v('ou_li', 'group')))).toEqual([]);
    expect(events(exceptionCard(view(), exc, v('ou_li')))).toEqual(['RESPOND', 'CLOSE']);
  });
});

describe('order card: countdowns', () => {
  it('says as of when the remaining time was computed', () => {
    expect(text(orderCard(view(), v('ou_li')))).toContain('剩余时间按 11-09 10:00 计');
  });
});

describe('order card: size', () => {
  it('stays under 30 KB with a long history of long notes', () => {
    const history: OrderEvent[] = Array.from({ length: 60 }, (_, i) => ({
      id: i, orderId: order.id, at: now, actorOpenId: 'ou_li', kind: 'progress', event: 'LOG_PROGRESS', fromState: 'in_production', toState: 'in_production',
      note: '进度'.repeat(250), customerNotified: false, detail: null,
    }));
    const card = orderCard(view({ state: 'in_production' }, history), v('ou_li'));
    expect(cardBytes(card)).toBeLessThan(CARD_MAX_BYTES);
    expect(text(card)).toContain('历史记录');
    expect(text(card)).toContain(`/订单 ${order.id} 历史`);
  });
});

describe('history page', () => {
  const long = (i: number): OrderEvent => ({
    id: i, orderId: order.id, at: now, actorOpenId: 'ou_li', kind: 'progress', event: 'LOG_PROGRESS', fromState: 'in_production', toState: 'in_production',
    note: `第${i}条`.padEnd(500, '进'), customerNotified: false, detail: null,
  });

  it('shows every entry of the page whole, numbered from the first, with both page buttons, under 30 KB', () => {
    const entries = Array.from({ length: 10 }, (_, i) => long(25 - i)); // page 2 of 35: entries #25 … #16
    const card = historyCard(view({ state: 'in_production' }), { entries, total: 35, page: 2, pages: 4 }, v('ou_li'));
    expect(cardBytes(card)).toBeLessThan(CARD_MAX_BYTES);
    const t = text(card);
    expect(t).not.toContain('${');
    for (const e of entries) expect(t).toContain(e.note!);
    expect(t).toContain('**#25**');
    expect(t).toContain('**#16**');
    expect(t).toContain('第 2/4 页');
    const pages = [...t.matchAll(/"action":"orders.history","id":"DD-20261109-001","p":(\d+)/g)].map((m) => Number(m[1]));
    expect(pages).toEqual([1, 3]);
  });

  it('has no 较新 button on the first page and no 较早 button on the last', () => {
    const only = historyCard(view(), { entries: [long(1)], total: 1, page: 1, pages: 1 }, v('ou_li'));
    expect(text(only)).not.toContain('orders.history');
  });

  it('shows payments without amounts in a group', () => {
    const pay: OrderEvent = { ...long(2), kind: 'payment', event: null, note: null, detail: { amount: 4000, paid: 4000, outstanding: 6000, onTime: true } };
    expect(text(historyCard(view(), { entries: [pay], total: 2, page: 1, pages: 1 }, v('ou_li')))).toContain('¥4,000');
    expect(text(historyCard(view(), { entries: [pay], total: 2, page: 1, pages: 1 }, v('ou_li', 'group')))).not.toContain('¥');
  });
});

describe('exception card: cost allocation', () => {
  const exc: OrderException = {
    id: 'DD-20261109-001-E1', orderId: order.id, description: '规格写错', state: 'closed', version: 3, loggedBy: 'ou_li', loggedAt: now, respondedAt: now,
    cause: 'order_error', loss: 10_000, share: 0.3, allocatedAmount: 3000, responsibleOpenId: 'ou_li', closedBy: 'ou_boss', closedAt: now, closingNote: null, updatedAt: now,
  };
  it('shows the allocation to the supervisor and the responsible person in private only', () => {
    expect(text(exceptionCard(view(), exc, v('ou_boss')))).toContain('¥3,000');
    expect(text(exceptionCard(view(), exc, v('ou_li')))).toContain('¥3,000');
    expect(text(exceptionCard(view(), exc, v('ou_fin')))).not.toContain('¥3,000');
    expect(text(exceptionCard(view(), exc, v('ou_li', 'group')))).not.toContain('¥3,000');
  });
});

describe('list and form cards', () => {
  it('lists orders with money only where the viewer may see it', () => {
    const opts = { title: '我的订单', subtitle: '共 1 条', tz: 'Asia/Shanghai', people };
    expect(text(orderListCard([order], 1, { ...opts, viewer: v('ou_li') }))).toContain('¥10,000');
    expect(text(orderListCard([order], 1, { ...opts, viewer: v('ou_li', 'group') }))).not.toContain('¥');
  });

  it('renders the new-order form with its submit value and every field', () => {
    const card = text(orderFormCard({ action: 'orders.create', s: 'k', a: 'private' }));
    expect(card).not.toContain('${');
    for (const name of ['customer', 'product', 'spec', 'qty', 'price', 'due', 'pay_by', 'note', 'important']) expect(card).toContain(`"name":"${name}"`);
    expect(card).toContain('"action":"orders.create"');
  });
});
