/**
 * Orders over the webhook (issue 5 "Done when"), with encrypted, signed events at fixed action times:
 * - one message logs an order; the reply names its number; the 4-working-hour evaluation deadline
 *   and the 2 h / 4 h order confirmation (SPEC §3.3) show in /待办; the sweep after those hours
 *   reminds the owner and escalates the missed confirmation — and the live cards follow (已超时,
 *   超过硬性期限) without anyone touching the order; at the 48 h hard limit it escalates to the supervisor;
 * - a card posted in a group carries no buttons (everyone there sees the same card); the owner gets
 *   a DM card with theirs, each department one when its step is due;
 * - engineering, PMC and finance confirm their steps from their DM cards; a salesperson clicking
 *   finance's button is refused and nothing changes; the group card is PATCHed after each step;
 *   PMC and finance send a step back from their DM cards, with a note, and the owner hears why;
 * - a double click changes the order once; a click on an outdated card gets a toast and the fresh card;
 * - an important order cannot reach price confirmation without the supervisor's review;
 * - an important order whose change takes it below the threshold drops its pending review clock;
 * - an order over the customer's credit limit warns the customer's owner and the supervisors by DM
 *   only; only the customer's owner or a supervisor may log its orders (SPEC §1);
 * - an order (card, history, progress, exceptions) is open to its owner, supervisors and the
 *   departments, and refused to another salesperson;
 * - partial payments add up; an overdue payment reminds the owner (once per day) — only once the
 *   order has shipped (payment counts from the invoice); 客户已签收 without 货已送达 still records
 *   the receipt confirmation on time;
 * - the whole way: production, the weekly customer notice as a deadline (in /待办, reminded,
 *   escalated, met by 已告知客户), progress notes (daily reminder when missing), on-time shipping
 *   recorded, receipt, payment in full → paid, summary, archive;
 * - /订单 <编号> 历史 pages through every history entry with its whole note;
 * - the weekly nudge lists stalled production and overdue payments (not unshipped orders);
 * - an exception unanswered at its hard limit escalates to the supervisor and its card shows it;
 * - a department's rejection needs a note and tells the owner; past Feishu's 14-day update window
 *   a change re-posts the card;
 * - changes go back to evaluation with an 8-hour clock and keep history; exceptions close with a
 *   cause and the cost allocation reaches only the supervisor and the responsible person;
 * - /订单 新建 without fields sends a form whose submit creates one order, once;
 * - bad input (unknown customer, quantity ≤ 0, due date in the past, 付款期限 before 交期) gets a clear
 *   Chinese reply and writes nothing.
 */
import { cardCallbacks } from '../../src/platform/cards';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, count, eq } from 'drizzle-orm';
import { cardActionEvent } from '../../src/local/feishu-events';
import type { FakeMessage } from '../../src/local/fake-openapi';
import { customers } from '../../src/modules/customers';
import { orderEvents, orderExceptions, orderPayments, orders } from '../../src/modules/orders';
import { auditLog, outboxMessages } from '../../src/platform/db/core.schema';
import { runJob } from '../../src/platform/jobs/runner';
import { deadlines } from '../../src/platform/sla/sla.schema';
import { GROUP, PEOPLE, SECRETS, startHarness, type Harness, type Person } from '../fakes/harness';

let h: Harness;
const { li, zhang, boss, finance, pmc, eng } = PEOPLE;

/** Action times are fixed (Asia/Shanghai): every message and click moves this clock on by a minute. */
const T = (local: string) => new Date(`${local}:00+08:00`);
let clock = T('2026-11-09T10:00');
const tick = (local?: string) => (clock = local ? T(local) : new Date(clock.getTime() + 60_000)).getTime();

const ask = (p: Person, text: string, chat: 'group' | 'p2p' = 'p2p') => h.ask(p, text, { chat, createTime: tick() });
const numberIn = (text: string) => /DD-\d{8}-\d{3}/.exec(text)?.[0] ?? '';

const cards = (chatOf: Person | 'group') =>
  (chatOf === 'group' ? [...h.fake.messages.values()].filter((m) => m.chat_id === GROUP) : h.fake.messagesIn(chatOf.openId)).filter((m) => m.sender_type === 'app' && m.msg_type === 'interactive');

/** The newest card in a chat offering `event` on this order, and that button's value. */
function button(chatOf: Person | 'group', id: string, event: string, action = 'orders.step'): { message: FakeMessage; value: Record<string, unknown> } {
  for (const message of cards(chatOf).reverse()) {
    const value = cardCallbacks(JSON.parse(message.content)).find((v) => v.action === action && v.id === id && v.e === event);
    if (value) return { message, value };
  }
  throw new Error(`no ${event} button for ${id} in ${chatOf === 'group' ? 'the group' : chatOf.name}'s chat`);
}

async function clickAt(p: Person, message: FakeMessage, value: Record<string, unknown>, formValue: Record<string, unknown> = {}) {
  const event = cardActionEvent(SECRETS, p, { value, formValue }, { messageId: message.message_id, chatId: message.chat_id, token: h.fake.issueCardToken(message.message_id), createTime: tick() });
  const res = await h.post(event);
  const body = (await res.json()) as { toast?: { type: string; content: string }; card?: { type: string; data: Record<string, unknown> } };
  await h.settle();
  // What Feishu's client does with the callback's card: it replaces the clicked one.
  if (body.card) h.fake.messages.get(message.message_id)!.content = JSON.stringify(body.card.data);
  return body;
}
/** `p` clicks `event` on the newest card in their own chat (or the group) that offers it. */
const step = (p: Person, id: string, event: string, form: Record<string, unknown> = {}, where: Person | 'group' = p) => {
  const b = button(where, id, event);
  return clickAt(p, b.message, b.value, form);
};

const order = async (id: string) => (await h.db.select().from(orders).where(eq(orders.id, id)))[0]!;
/** 'MM-DD HH:mm' in Asia/Shanghai, as cards and /待办 write times. */
const fmt = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(5, 16).replace('T', ' ');
/** Takes a (not important) order from received into production, or on to shipped, each step from its party's DM card. */
async function walk(id: string, to: 'in_production' | 'shipped', owner: Person = li) {
  const steps: Array<[Person, string]> = [[owner, 'EVALUATE'], [eng, 'CONFIRM_TECH'], [pmc, 'CONFIRM_PRODUCTION'], [finance, 'CONFIRM_PRICE'], [owner, 'CUSTOMER_CONFIRM'], [owner, 'ENTER_ERP'], [owner, 'DISTRIBUTE'], [pmc, 'START_PRODUCTION']];
  if (to === 'shipped') steps.push([owner, 'READY'], [owner, 'SHIP']);
  for (const [p, e] of steps) expect((await step(p, id, e)).toast?.type, e).toBe('success');
}
const orderCount = async () => (await h.db.select({ n: count() }).from(orders))[0]!.n;
const runNamed = async (name: string, at: Date) => {
  const out = await runJob(h.server.runtime.services, h.server.runtime.bot.jobs.get(name)!, at);
  await h.settle();
  return out;
};
/** A mark in the fake's message log (message ids so far); `sentAfter` = what the bot sent `p` since. */
const mark = () => new Set(h.fake.messages.keys());
const sentAfter = (p: Person, since: Set<string>) => h.fake.messagesIn(p.openId).filter((m) => m.sender_type === 'app' && !since.has(m.message_id)).map(h.textOf).join('\n');

beforeAll(async () => {
  h = await startHarness();
  await h.setRole(li, 'sales');
  await h.setRole(zhang, 'sales');
  await h.setRole(boss, 'supervisor');
  await h.setRole(finance, 'finance');
  await h.setRole(pmc, 'pmc');
  await h.setRole(eng, 'engineering');
  const base = { ownerOpenId: li.openId, state: 'archived', stateEnteredAt: clock, createdAt: clock, updatedAt: clock };
  await h.db.insert(customers).values([
    { ...base, name: '华南电子', creditLimit: 50_000, creditRating: 'B' },
    { ...base, name: '东方精密' },
  ]);
});
afterAll(() => h.close());

describe('logging an order and its first clocks', () => {
  let id = '';

  it('logs an order from one group message and replies with the live card naming its number, without money', async () => {
    const reply = await ask(li, '/订单 新建 客户=华南电子 产品=控制板 规格=A2 数量=500 单价=20 交期=2026-11-30', 'group');
    id = numberIn(reply);
    expect(id).toBe('DD-20261109-001');
    expect(reply).toContain('订单评估');
    expect(reply).toContain('仅在私聊中显示');
    expect(reply).not.toContain('¥10,000');
    const o = await order(id);
    expect(o).toMatchObject({ state: 'received', amount: 10_000, payBy: '2026-12-30', ownerOpenId: li.openId, receivedAt: T('2026-11-09T10:01') });
  });

  it('puts no buttons on the group card, and gives the owner a DM card with theirs and the money', () => {
    const groupCard = cards('group').find((m) => m.content.includes(`订单 ${id}`))!;
    expect(cardCallbacks(JSON.parse(groupCard.content)).filter((v) => v.action === 'orders.step')).toEqual([]);
    expect(groupCard.content).toContain('私聊');
    const mine = button(li, id, 'EVALUATE').message;
    expect(mine.chat_id).not.toBe(GROUP);
    expect(mine.content).toContain('¥10,000');
  });

  it('shows the evaluation deadline (4 working hours, lunch excluded) and the 2 h / 4 h order confirmation in /待办', async () => {
    const todo = await ask(li, '/待办');
    expect(todo).toContain(`订单 ${id}「订单评估」截止 11-09 15:31`);
    expect(todo).toContain(`订单 ${id}「向客户确认订单」截止 11-09 13:31（剩 3 小时，最迟 11-09 15:31）`);
    expect(todo).toContain('订单整体确认');
  });

  it('reminds the owner once the 4 working hours have passed; the supervisor hears only of the missed 4 h confirmation limit', async () => {
    const groupCard = cards('group').find((m) => m.content.includes(`订单 ${id}`))!;
    expect(groupCard.content).toContain('向客户确认订单 · 李业务 · 截止 11-09 13:31（剩 3 小时');
    const since = mark();
    await runNamed('sla.sweep', T('2026-11-09T15:35'));
    const dm = sentAfter(li, since);
    expect(dm).toContain(`订单 ${id}「订单评估」`);
    const escalated = sentAfter(boss, since);
    expect(escalated).toContain(`订单 ${id}「向客户确认订单」`);
    expect(escalated).not.toContain('订单评估'); // a target without a hard limit never escalates
  });

  it('refreshes the live cards when the sweep reminds and escalates: the countdown now says overdue', () => {
    for (const live of [cards('group').find((m) => m.content.includes(`订单 ${id}`))!, button(li, id, 'EVALUATE').message]) {
      const card = h.fake.messages.get(live.message_id)!;
      expect(card.updates).toBeGreaterThan(0);
      expect(card.content).toContain('向客户确认订单 · 李业务 · 截止 11-09 13:31（超过硬性期限 4 分钟');
      expect(card.content).toContain('订单评估 · 李业务 · 截止 11-09 15:31（已超时 4 分钟）');
      expect(card.content).toContain('"content":"超时"');
      expect(card.content).toContain('剩余时间按 11-09 15:35 计');
    }
  });

  it('escalates to the supervisor at the 48-working-hour hard limit', async () => {
    const [whole] = await h.db.select().from(deadlines).where(and(eq(deadlines.subjectId, id), eq(deadlines.step, 'whole_confirmation')));
    expect(whole!.limitAt).toEqual(T('2026-11-17T14:31'));
    const since = mark();
    await runNamed('sla.sweep', T('2026-11-17T14:35'));
    const dm = sentAfter(boss, since);
    expect(dm).toContain('超时');
    expect(dm).toContain(`订单 ${id}「订单整体确认」`);
  });
});

describe('confirmation across departments', () => {
  let id = '';
  let groupCard: FakeMessage;

  it('moves through engineering, PMC and finance from their DM cards, PATCHing the group card after each step', async () => {
    tick('2026-11-10T09:00');
    id = numberIn(await ask(li, '/订单 新建 客户=东方精密 产品=外壳 数量=100 单价=50 交期=2026-12-20', 'group'));
    groupCard = cards('group').find((m) => m.content.includes(`订单 ${id}`))!;
    const evaluated = await step(li, id, 'EVALUATE');
    expect(evaluated.toast?.type).toBe('success');
    expect(JSON.stringify(evaluated.card?.data)).toContain('待技术确认');

    const steps: Array<[Person, string, string]> = [
      [eng, 'CONFIRM_TECH', '待生产确认'],
      [pmc, 'CONFIRM_PRODUCTION', '待价格审核'],
    ];
    for (const [who, event, next] of steps) {
      const before = h.fake.messages.get(groupCard.message_id)!.updates;
      const r = await step(who, id, event);
      expect(r.toast?.type).toBe('success');
      expect((await order(id)).state).toBe(event === 'CONFIRM_TECH' ? 'tech_confirmed' : 'production_confirmed');
      const live = h.fake.messages.get(groupCard.message_id)!;
      expect(live.updates).toBe(before + 1);
      expect(live.content).toContain(next);
    }
  });

  it("refuses a salesperson clicking finance's button, and nothing changes", async () => {
    const before = await order(id);
    const b = button(finance, id, 'CONFIRM_PRICE');
    const r = await clickAt(li, b.message, b.value);
    expect(r.toast?.content).toContain('没有权限');
    expect(r.toast?.content).toContain('财务');
    const after = await order(id);
    expect({ state: after.state, version: after.version }).toEqual({ state: before.state, version: before.version });
  });

  it('lets finance confirm the price from its DM card, and the group card follows', async () => {
    const r = await step(finance, id, 'CONFIRM_PRICE');
    expect(r.toast?.type).toBe('success');
    expect((await order(id)).state).toBe('price_confirmed');
    expect(h.fake.messages.get(groupCard.message_id)!.content).toContain('待客户确认');
  });

  it('changes the order once on a double click, and answers the second click with a toast and the fresh card', async () => {
    const b = button(li, id, 'CUSTOMER_CONFIRM');
    const first = await clickAt(li, b.message, b.value);
    const second = await clickAt(li, b.message, b.value);
    expect(first.toast?.type).toBe('success');
    expect(second.toast?.content).toContain('已过期');
    expect(JSON.stringify(second.card?.data)).toContain('待录入ERP');
    const fired = await h.db.select().from(orderEvents).where(and(eq(orderEvents.orderId, id), eq(orderEvents.event, 'CUSTOMER_CONFIRM')));
    expect(fired).toHaveLength(1);
    expect((await order(id)).state).toBe('customer_confirmed');
  });

  it("refuses a click on an outdated card (engineering's, from before its step) with a toast and the fresh card", async () => {
    const stale = { action: 'orders.step', id, v: 2, e: 'CONFIRM_TECH' };
    const engCard = cards(eng).find((m) => m.content.includes(id))!;
    const r = await clickAt(eng, engCard, stale);
    expect(r.toast?.type).toBe('warning');
    expect(r.toast?.content).toContain('已过期');
    expect(JSON.stringify(r.card?.data)).toContain('待录入ERP');
    expect((await order(id)).state).toBe('customer_confirmed');
    const refused = await h.db.select().from(auditLog).where(and(eq(auditLog.action, 'order.click'), eq(auditLog.outcome, 'refused')));
    expect(refused.length).toBeGreaterThanOrEqual(2);
  });
});

describe('rejections and old cards', () => {
  let id = '';

  it('lets engineering send a step back only with a note; the order returns to evaluation and the owner hears why', async () => {
    tick('2026-11-10T14:00');
    id = numberIn(await ask(li, '/订单 新建 客户=东方精密 产品=底座 数量=20 单价=30 交期=2026-12-20'));
    await step(li, id, 'EVALUATE');
    const noNote = await step(eng, id, 'REJECT_TECH');
    expect(noNote.toast?.content).toContain('还缺少：说明');
    expect((await order(id)).state).toBe('evaluated');
    const since = mark();
    const r = await step(eng, id, 'REJECT_TECH', { note: '公差做不到 0.01' });
    expect(r.toast?.type).toBe('success');
    expect((await order(id)).state).toBe('received');
    const dm = sentAfter(li, since);
    expect(dm).toContain('技术驳回');
    expect(dm).toContain('公差做不到 0.01');
    expect(dm).toContain('新待办「订单评估」');
  });

  it('lets PMC and then finance send the order back from their DM cards, each only with a note; the owner hears why each time', async () => {
    tick('2026-11-10T15:00');
    const other = numberIn(await ask(li, '/订单 新建 客户=东方精密 产品=端盖 数量=40 单价=25 交期=2026-12-20'));
    await step(li, other, 'EVALUATE');
    await step(eng, other, 'CONFIRM_TECH');
    expect((await step(pmc, other, 'REJECT_PRODUCTION')).toast?.content).toContain('还缺少：说明');
    expect((await order(other)).state).toBe('tech_confirmed');
    let since = mark();
    expect((await step(pmc, other, 'REJECT_PRODUCTION', { note: '产线排满，月底前做不了' })).toast?.type).toBe('success');
    expect((await order(other)).state).toBe('received');
    expect(sentAfter(li, since)).toContain('生产驳回');
    expect(sentAfter(li, since)).toContain('产线排满，月底前做不了');

    await step(li, other, 'EVALUATE');
    await step(eng, other, 'CONFIRM_TECH');
    await step(pmc, other, 'CONFIRM_PRODUCTION');
    expect((await step(finance, other, 'REJECT_PRICE')).toast?.content).toContain('还缺少：说明');
    since = mark();
    expect((await step(finance, other, 'REJECT_PRICE', { note: '单价低于成本线' })).toast?.type).toBe('success');
    expect((await order(other)).state).toBe('received');
    expect(sentAfter(li, since)).toContain('价格驳回');
    expect(sentAfter(li, since)).toContain('单价低于成本线');
    expect(sentAfter(li, since)).toContain('新待办「订单评估」');
    const rejections = await h.db.select().from(orderEvents).where(and(eq(orderEvents.orderId, other), eq(orderEvents.kind, 'step'), eq(orderEvents.toState, 'received')));
    expect(rejections.map((e) => [e.event, e.note])).toEqual([
      ['REJECT_PRODUCTION', '产线排满，月底前做不了'],
      ['REJECT_PRICE', '单价低于成本线'],
    ]);
  });

  it("re-posts the card in its chat once it is past Feishu's 14-day update window", async () => {
    const live = button(li, id, 'EVALUATE').message;
    const before = cards(li).length;
    const realNow = h.fake.now;
    h.fake.now = () => Date.now() + 15 * 86_400_000;
    try {
      await ask(li, `/订单 进度 ${id} 客户确认公差放宽到 0.02`);
    } finally {
      h.fake.now = realNow;
    }
    expect(h.fake.messages.get(live.message_id)!.content).not.toContain('客户确认公差放宽');
    const reposted = cards(li).slice(before).find((m) => m.content.includes('客户确认公差放宽'));
    expect(reposted).toBeDefined();
  });
});

describe('important orders and credit', () => {
  let id = '';

  it('warns the owner and the supervisor by DM when the order takes the customer over its credit limit, never in the group', async () => {
    tick('2026-11-11T09:00');
    const since = mark();
    const reply = await ask(li, '/订单 新建 客户=华南电子 产品=主板 数量=1000 单价=200 交期=2026-12-25', 'group');
    id = numberIn(reply);
    expect(reply).not.toContain('信用');
    for (const p of [li, boss]) {
      const dm = sentAfter(p, since);
      expect(dm).toContain('信用额度提醒');
      expect(dm).toContain('¥50,000');
    }
    expect(sentAfter(zhang, since)).not.toContain('信用');
  });

  it('cannot reach price confirmation without the supervisor; the supervisor reviews from the DM card, then finance can', async () => {
    const o = await order(id);
    expect(o.important).toBe(true);
    button(boss, id, 'REVIEW'); // the supervisor got a review card
    await step(li, id, 'EVALUATE');
    await step(eng, id, 'CONFIRM_TECH');
    await step(pmc, id, 'CONFIRM_PRODUCTION');
    const refused = await step(finance, id, 'CONFIRM_PRICE');
    expect(refused.toast?.content).toContain('主管审核');
    expect((await order(id)).state).toBe('production_confirmed');

    const reviewed = await step(boss, id, 'REVIEW');
    expect(reviewed.toast?.type).toBe('success');
    expect((await order(id)).reviewedBy).toBe(boss.openId);
    const priced = await step(finance, id, 'CONFIRM_PRICE');
    expect(priced.toast?.type).toBe('success');
    expect((await order(id)).state).toBe('price_confirmed');
  });

  it("refuses another salesperson logging an order for a customer they do not own, and tells them nothing of its credit", async () => {
    tick('2026-11-11T10:00');
    const before = await orderCount();
    const since = mark();
    const reply = await ask(zhang, '/订单 新建 客户=华南电子 产品=主板 数量=10 单价=100 交期=2026-12-25');
    expect(reply).toContain('没有权限：客户「华南电子」不是你负责的客户');
    expect(await orderCount()).toBe(before);
    expect(sentAfter(zhang, since)).not.toContain('信用');
    expect(sentAfter(zhang, since)).not.toContain('¥50,000');
  });

  it("lets a supervisor log one; the credit warning goes to the customer's owner and the supervisors, not the others", async () => {
    const since = mark();
    const bossOrder = numberIn(await ask(boss, '/订单 新建 客户=华南电子 产品=主板 数量=10 单价=100 交期=2026-12-25'));
    expect((await order(bossOrder)).ownerOpenId).toBe(boss.openId);
    for (const p of [li, boss]) expect(sentAfter(p, since)).toContain('信用额度提醒');
    expect(sentAfter(zhang, since)).toBe('');
  });

  it('drops the pending review when a change takes an important order below the threshold', async () => {
    tick('2026-11-11T11:00');
    const big = numberIn(await ask(li, '/订单 新建 客户=东方精密 产品=机箱 数量=1000 单价=150 交期=2026-12-25'));
    expect((await order(big)).important).toBe(true);
    const review = button(boss, big, 'REVIEW').message;
    expect(await ask(boss, '/待办')).toContain(`订单 ${big}「重要订单主管审核」`);

    await ask(li, `/订单 变更 ${big} 客户减量 数量=100`);
    expect(await order(big)).toMatchObject({ amount: 15_000, important: false, state: 'changed' });
    const [clock] = await h.db.select().from(deadlines).where(and(eq(deadlines.subjectId, big), eq(deadlines.step, 'supervisor_review')));
    expect(clock!.status).toBe('cancelled');
    expect(await ask(boss, '/待办')).not.toContain(`订单 ${big}「重要订单主管审核」`);
    const patched = h.fake.messages.get(review.message_id)!.content;
    expect(cardCallbacks(JSON.parse(patched)).some((v) => v.e === 'REVIEW')).toBe(false);

    expect((await step(li, big, 'REEVALUATE')).toast?.type).toBe('success');
    const reviews = await h.db.select().from(deadlines).where(and(eq(deadlines.subjectId, big), eq(deadlines.step, 'supervisor_review'), eq(deadlines.status, 'open')));
    expect(reviews).toEqual([]);
  });
});

describe('payments', () => {
  let id = '';

  it('adds partial payments up, refuses overpaying, and tells the group only that a payment was logged', async () => {
    tick('2026-11-12T10:00');
    id = numberIn(await ask(li, '/订单 新建 客户=东方精密 产品=支架 数量=200 单价=50 交期=2026-11-20 付款期限=2026-11-25'));
    expect(await ask(li, `/订单 回款 ${id} 3000`)).toContain('累计 ¥3,000 / ¥10,000，未收 ¥7,000');
    expect(await ask(li, `/订单 回款 ${id} 2,000 首付款`)).toContain('累计 ¥5,000 / ¥10,000，未收 ¥5,000');
    expect(await ask(li, `/订单 回款 ${id} 6000`)).toContain('超过订单');
    expect(await ask(li, `/订单 回款 ${id} 100`, 'group')).toBe(`已登记订单 ${id} 的回款，明细已私信给你。`);
    expect(await ask(zhang, `/订单 回款 ${id} 100`)).toContain('没有权限');
    const o = await order(id);
    expect(o.paidAmount).toBe(5100);
    expect(await h.db.select().from(orderPayments).where(eq(orderPayments.orderId, id))).toHaveLength(3);
  });

  it('does not call a payment overdue while the order has not shipped, however late its 付款期限', async () => {
    const since = mark();
    await runNamed('orders.payment_overdue', T('2026-11-26T09:30'));
    expect(sentAfter(li, since)).not.toContain(id);
  });

  it('records the receipt confirmation on time when 客户已签收 comes without 货已送达', async () => {
    await walk(id, 'shipped');
    expect((await step(li, id, 'CONFIRM_RECEIPT')).toast?.type).toBe('success');
    const o = await order(id);
    expect(o).toMatchObject({ state: 'delivered', paidAmount: 5100 });
    expect(o.arrivedAt).toEqual(o.deliveredAt);
    const receipt = await h.db.select().from(deadlines).where(and(eq(deadlines.subjectId, id), eq(deadlines.step, 'receipt_confirmation')));
    expect(receipt).toHaveLength(1);
    expect(receipt[0]!.status).toBe('met');
    expect(receipt[0]!.metDeltaMs).toBeLessThan(0);
  });

  it('reminds the owner of the overdue payment once it has shipped, once per day', async () => {
    const since = mark();
    await runNamed('orders.payment_overdue', T('2026-11-26T11:00'));
    const dm = sentAfter(li, since);
    expect(dm).toContain('回款逾期');
    expect(dm).toContain(id);
    expect(dm).toContain('未收 ¥4,900');
    const again = mark();
    await runNamed('orders.payment_overdue', T('2026-11-26T14:00'));
    expect(sentAfter(li, again)).toBe('');
  });
});

describe('the whole way through', () => {
  let id = '';

  it('runs from production to archive: progress, daily reminder, on-time shipping, receipt, payment in full, summary', async () => {
    tick('2026-11-16T09:00');
    id = numberIn(await ask(li, '/订单 新建 客户=东方精密 产品=面板 数量=10 单价=100 交期=2026-11-27 付款期限=2026-12-31'));
    await step(li, id, 'EVALUATE');
    await step(eng, id, 'CONFIRM_TECH');
    await step(pmc, id, 'CONFIRM_PRODUCTION');
    await step(finance, id, 'CONFIRM_PRICE');
    for (const e of ['CUSTOMER_CONFIRM', 'ENTER_ERP', 'DISTRIBUTE']) expect((await step(li, id, e)).toast?.type).toBe('success');
    expect((await step(pmc, id, 'START_PRODUCTION')).toast?.type).toBe('success');
    expect((await order(id)).state).toBe('in_production');
    const started = (await order(id)).updatedAt;
    expect(await ask(li, '/待办')).toContain(`订单 ${id}「向客户通报生产进度」截止 ${fmt(new Date(started.getTime() + 7 * 86_400_000))}`);

    tick('2026-11-17T10:00');
    expect(await ask(li, `/订单 进度 ${id} 已完成 60% 已告知客户`)).toContain('已告知客户');
    expect(await ask(li, '/待办')).toContain(`订单 ${id}「向客户通报生产进度」截止 11-24 10:01`);
    const since = mark();
    await runNamed('orders.progress_daily', T('2026-11-17T16:00'));
    expect(sentAfter(li, since)).not.toContain(id);
    await runNamed('orders.progress_daily', T('2026-11-18T16:00'));
    expect(sentAfter(li, since)).toContain(id);

    tick('2026-11-20T10:00');
    await step(li, id, 'READY');
    await step(li, id, 'SHIP');
    expect(await order(id)).toMatchObject({ state: 'shipped', onTimeDelivery: true });
    await step(li, id, 'ARRIVED');
    await step(li, id, 'CONFIRM_RECEIPT');
    expect((await order(id)).state).toBe('delivered');
    await ask(finance, `/订单 回款 ${id} 1000`);
    expect(await order(id)).toMatchObject({ state: 'paid', onTimePayment: true, paidAmount: 1000 });
    expect((await step(li, id, 'SUMMARIZE')).toast?.content).toContain('说明');
    expect((await step(li, id, 'SUMMARIZE', { note: '按期交付，客户满意' })).toast?.type).toBe('success');
    await step(li, id, 'ARCHIVE');
    expect((await order(id)).state).toBe('archived');
    const open = await h.db.select().from(deadlines).where(and(eq(deadlines.subjectId, id), eq(deadlines.status, 'open')));
    expect(open).toEqual([]);
    const history = await ask(li, `/订单 ${id}`);
    for (const word of ['登记订单', '技术确认', '更新进度', '已出货', '回款', '完成订单总结']) expect(history).toContain(word);
  });
});

describe('changes and exceptions', () => {
  let id = '';

  it('logs a change back to evaluation with an 8-working-hour response clock and keeps the old terms in the history', async () => {
    tick('2026-11-23T09:00');
    id = numberIn(await ask(li, '/订单 新建 客户=东方精密 产品=线束 数量=100 单价=10 交期=2026-12-18'));
    await step(li, id, 'EVALUATE');
    const reply = await ask(li, `/订单 变更 ${id} 客户加量 数量=300`);
    expect(reply).toContain('变更中');
    expect(reply).toContain('11-24 09:33');
    expect(await order(id)).toMatchObject({ state: 'changed', qty: 300, amount: 3000 });
    const [change] = await h.db.select().from(orderEvents).where(and(eq(orderEvents.orderId, id), eq(orderEvents.kind, 'change')));
    expect(change!.detail).toMatchObject({ before: { qty: 100 }, after: { qty: 300 } });
    expect((await step(li, id, 'REEVALUATE')).toast?.type).toBe('success');
    expect((await order(id)).state).toBe('received');
  });

  it('logs an exception with a 4-hour clock; closing it with a cause stores the allocation and tells only the supervisor and the owner', async () => {
    const reply = await ask(li, `/订单 异常 ${id} 来料不良，预计延误 2 天`, 'group');
    expect(reply).toContain(`${id}-E1`);
    expect(reply).toContain('11-23 14:35');
    button(li, `${id}-E1`, 'RESPOND', 'orders.exception');
    const since = mark();
    const b = button(boss, `${id}-E1`, 'CLOSE', 'orders.exception');
    const noCause = await clickAt(boss, b.message, b.value, { loss: '10000' });
    expect(noCause.toast?.content).toContain('原因');
    const closed = await clickAt(boss, b.message, b.value, { cause: 'order_error', loss: '1万', note: '下单规格写错' });
    expect(closed.toast?.type).toBe('success');
    expect(JSON.stringify(closed.card?.data)).toContain('¥3,000');
    const [exc] = await h.db.select().from(orderExceptions).where(eq(orderExceptions.id, `${id}-E1`));
    expect(exc).toMatchObject({ state: 'closed', cause: 'order_error', loss: 10_000, share: 0.3, allocatedAmount: 3000, responsibleOpenId: li.openId });
    expect(sentAfter(li, since)).toContain('费用分摊');
    expect(sentAfter(boss, since)).toContain('费用分摊');
    expect(sentAfter(zhang, since)).toBe('');
    const group = [...h.fake.messages.values()].filter((m) => m.chat_id === GROUP && !since.has(m.message_id)).map(h.textOf).join('\n');
    expect(group).not.toContain('3,000');
  });
});

describe('the form card', () => {
  it('sends a form for /订单 新建 without fields; its submit creates one order, and a second submit does not', async () => {
    tick('2026-11-24T10:00');
    const { messageId } = await h.say(li, '/订单 新建', { createTime: tick() });
    const form = h.repliesTo(messageId)[0]!;
    const submit = cardCallbacks(JSON.parse(form.content)).find((v) => v.action === 'orders.create')!;
    const before = await orderCount();
    const bad = await clickAt(li, form, submit, { customer: '东方精密', product: '外壳', qty: '0', price: '8', due: '2026-12-30 +0800' });
    expect(bad.toast?.content).toContain('数量「0」必须是正数');
    const ok = await clickAt(li, form, submit, { customer: '东方精密', product: '外壳', qty: '100', price: '8', due: '2026-12-30 +0800', important: true });
    const id = numberIn(ok.toast?.content ?? '');
    expect(id).toMatch(/^DD-20261124-/);
    expect(await order(id)).toMatchObject({ qty: 100, dueDate: '2026-12-30', important: true });
    expect(cards(li).some((m) => m.content.includes(`订单 ${id}`))).toBe(true);
    const again = await clickAt(li, form, submit, { customer: '东方精密', product: '外壳', qty: '100', price: '8', due: '2026-12-30 +0800' });
    expect(again.toast?.content).toContain('已提交过');
    expect(await orderCount()).toBe(before + 1);
  });
});

describe('bad input', () => {
  it('answers an unknown customer, a quantity ≤ 0 and a past due date in Chinese, and writes nothing', async () => {
    tick('2026-11-25T10:00');
    const before = await orderCount();
    const unknown = await ask(li, '/订单 新建 客户=不存在公司 产品=X 数量=1 单价=1 交期=2026-12-30');
    expect(unknown).toContain('没有客户「不存在公司」');
    expect(unknown).toContain('/客户 新建 不存在公司');
    expect(await ask(li, '/订单 新建 客户=东方精密 产品=X 数量=0 单价=1 交期=2026-12-30')).toContain('数量「0」必须是正数');
    expect(await ask(li, '/订单 新建 客户=东方精密 产品=X 数量=-5 单价=1 交期=2026-12-30')).toContain('必须是正数');
    expect(await ask(li, '/订单 新建 客户=东方精密 产品=X 数量=5 单价=1 交期=2026-11-01')).toContain('已经过去了');
    expect(await ask(li, '/订单 新建 客户=东方精密 数量=5 单价=1 交期=2026-12-30')).toContain('缺少 产品');
    expect(await ask(li, '/订单 DD-20991231-999')).toContain('没有订单');
    expect(await ask(li, '/订单 列表 状态=飞了')).toContain('状态「飞了」不存在');
    expect(await orderCount()).toBe(before);
  });

  it('never lost a card: every message and PATCH was accepted by the fake Feishu', async () => {
    const dead = await h.db.select().from(outboxMessages).where(eq(outboxMessages.status, 'dead'));
    expect(dead.map((d) => d.lastError)).toEqual([]);
  });

  it('lists my orders by state', async () => {
    const list = await ask(li, '/订单 列表 状态=已归档');
    expect(list).toContain('已归档');
    expect(list).toMatch(/DD-20261116-\d{3}/);
  });
});

describe('who may open an order (SPEC §1)', () => {
  let id = '';

  it('refuses another salesperson the card, the history, progress notes, exceptions and changes, and writes nothing', async () => {
    tick('2026-11-26T09:00');
    id = numberIn(await ask(li, '/订单 新建 客户=东方精密 产品=导轨 数量=50 单价=40 交期=2026-12-28 备注=客户要求加急不要外传'));
    const before = (await h.db.select({ n: count() }).from(orderEvents).where(eq(orderEvents.orderId, id)))[0]!.n;
    for (const text of [`/订单 ${id}`, `/订单 ${id} 历史`, `/订单 进度 ${id} 我来看看`, `/订单 异常 ${id} 随便登记`, `/订单 变更 ${id} 改一下 数量=1`]) {
      const reply = await ask(zhang, text);
      expect(reply, text).toContain(`没有权限：订单 ${id} 不是你负责的订单`);
      expect(reply, text).not.toContain('加急');
    }
    expect((await h.db.select({ n: count() }).from(orderEvents).where(eq(orderEvents.orderId, id)))[0]!.n).toBe(before);
    expect(await h.db.select().from(orderExceptions).where(eq(orderExceptions.orderId, id))).toEqual([]);
    expect(await order(id)).toMatchObject({ state: 'received', qty: 50, version: 1 });
  });

  it('opens it to the departments and supervisors (money only where their role sees it)', async () => {
    const pmcView = await ask(pmc, `/订单 ${id}`);
    expect(pmcView).toContain('加急');
    expect(pmcView).not.toContain('¥2,000');
    expect(await ask(finance, `/订单 ${id}`)).toContain('¥2,000');
    expect(await ask(boss, `/订单 ${id} 历史`)).toContain('登记订单');
  });
});

describe('input checks', () => {
  it('refuses a 付款期限 before the 交期, from the command, the form and a change, and writes nothing', async () => {
    tick('2026-11-26T10:00');
    const before = await orderCount();
    expect(await ask(li, '/订单 新建 客户=东方精密 产品=X 数量=5 单价=1 交期=2026-12-20 付款期限=2026-12-10')).toContain('付款期限 2026-12-10 早于交期 2026-12-20');
    const { messageId } = await h.say(li, '/订单 新建', { createTime: tick() });
    const form = h.repliesTo(messageId)[0]!;
    const submit = cardCallbacks(JSON.parse(form.content)).find((v) => v.action === 'orders.create')!;
    const bad = await clickAt(li, form, submit, { customer: '东方精密', product: '外壳', qty: '10', price: '8', due: '2026-12-30 +0800', pay_by: '2026-12-01 +0800' });
    expect(bad.toast?.content).toContain('付款期限 2026-12-01 早于交期 2026-12-30');
    expect(await orderCount()).toBe(before);

    const id = numberIn(await ask(li, '/订单 新建 客户=东方精密 产品=X 数量=5 单价=1 交期=2026-12-20 付款期限=2026-12-31'));
    const moved = await ask(li, `/订单 变更 ${id} 客户推迟交期 交期=2027-01-10`);
    expect(moved).toContain('付款期限 2026-12-31 早于交期 2027-01-10');
    expect(moved).toContain('付款期限=…');
    expect(await order(id)).toMatchObject({ state: 'received', dueDate: '2026-12-20', payBy: '2026-12-31' });
    expect(await ask(li, `/订单 变更 ${id} 客户推迟交期 交期=2027-01-10 付款期限=2027-02-10`)).toContain('变更中');
  });
});

describe('the weekly customer notice is a deadline (SPEC §3.3)', () => {
  let id = '';
  let unshipped = '';

  // 张业务's own customer: his /待办 and reminders hold only this story.
  beforeAll(async () => {
    await h.db.insert(customers).values({ name: '北方重工', ownerOpenId: zhang.openId, state: 'archived', stateEnteredAt: clock, createdAt: clock, updatedAt: clock });
  });
  const notices = () => h.db.select().from(deadlines).where(and(eq(deadlines.subjectId, id), eq(deadlines.step, 'customer_notice'))).orderBy(deadlines.id);

  it('opens on entering production, 7 calendar days with a 10-day hard limit, and shows in /待办', async () => {
    tick('2026-11-26T11:00');
    id = numberIn(await ask(zhang, '/订单 新建 客户=北方重工 产品=机柜 数量=20 单价=300 交期=2027-01-20 付款期限=2027-02-20'));
    // Logged but never shipped: its 付款期限 passes, and it must still not count as an overdue payment.
    unshipped = numberIn(await ask(zhang, '/订单 新建 客户=北方重工 产品=样品 数量=1 单价=500 交期=2026-11-27 付款期限=2026-11-28'));
    await walk(id, 'in_production', zhang);
    const started = (await order(id)).updatedAt;
    const [open] = await notices();
    expect(open).toMatchObject({ status: 'open', clock: 'calendar', targetAt: new Date(started.getTime() + 7 * 86_400_000), limitAt: new Date(started.getTime() + 10 * 86_400_000) });
    expect(await ask(zhang, '/待办')).toContain(`订单 ${id}「向客户通报生产进度」截止 ${fmt(open!.targetAt!)}`);
  });

  it('is met by a progress note marked 已告知客户, and the next week counts from it; a plain note does not meet it', async () => {
    tick('2026-11-27T10:00');
    await ask(zhang, `/订单 进度 ${id} 机柜焊接完成`);
    expect((await notices()).map((r) => r.status)).toEqual(['open']);
    tick('2026-11-27T11:00');
    expect(await ask(zhang, `/订单 进度 ${id} 喷涂中 预计下周完工 已告知客户`)).toContain('已告知客户');
    const rows = await notices();
    expect(rows.map((r) => r.status)).toEqual(['met', 'open']);
    expect(rows[0]!.metDeltaMs).toBeLessThan(0);
    expect(rows[1]).toMatchObject({ targetAt: T('2026-12-04T11:01'), limitAt: T('2026-12-07T11:01') });
    expect(await ask(zhang, '/待办')).toContain(`订单 ${id}「向客户通报生产进度」截止 12-04 11:01`);
  });

  it('retired the Monday card that told the same thing again', () => {
    expect(h.server.runtime.bot.jobs.has('orders.customer_weekly')).toBe(false);
  });
});

describe('the whole history, page by page', () => {
  let id = '';
  const note = (i: number) => `第${i}次跟进：${'客户反馈包装需要加固，已与品质确认方案并安排复检'.repeat(8)}——第${i}条完`;

  it('shows every entry with its whole note, newest page first, and turns the pages in place', async () => {
    tick('2026-11-27T14:00');
    id = numberIn(await ask(li, '/订单 新建 客户=东方精密 产品=托盘 数量=30 单价=60 交期=2026-12-28'));
    // Quoted, a note keeps its punctuation (the quotes are not part of it).
    for (let i = 1; i <= 12; i++) expect(await ask(li, `/订单 进度 ${id} 「${note(i)}」`)).toContain('已记录');
    // The live card clips history lines and points to the pages.
    const live = button(li, id, 'EVALUATE').message.content;
    expect(live).not.toContain('第12条完');
    expect(live).toContain(`/订单 ${id} 历史`);

    const { messageId } = await h.say(li, `/订单 ${id} 历史`, { createTime: tick() });
    const page1 = h.repliesTo(messageId)[0]!;
    expect(page1.content).toContain('第 1/2 页 · 共 13 条');
    for (let i = 12; i >= 3; i--) expect(page1.content).toContain(note(i));
    expect(page1.content).toContain('**#13**');
    expect(page1.content).not.toContain(note(2));

    const older = cardCallbacks(JSON.parse(page1.content)).find((v) => v.action === 'orders.history' && v.p === 2)!;
    const turned = await clickAt(li, page1, older);
    const page2 = JSON.stringify(turned.card?.data);
    expect(page2).toContain('第 2/2 页');
    for (const i of [1, 2]) expect(page2).toContain(note(i));
    expect(page2).toContain('**#1**');
    expect(page2).toContain('登记订单');
    expect(await ask(li, `/订单 ${id} 历史 2`)).toContain(note(1));
  });

  it('keeps an unquoted note with ：, a time and a link as typed (第13次跟进 is no field of /订单 进度)', async () => {
    const typed = '第13次跟进：客户要求提前发货，14:30 到厂 图纸 https://example.com/d?id=3&v=2';
    expect(await ask(li, `/订单 进度 ${id} ${typed}`)).toContain(`进度：${typed}`);
    expect(await ask(li, `/订单 ${id} 历史`)).toContain(typed);
    expect(await ask(li, `/订单 列表 进度：慢`)).toContain('不认识的字段「进度」');
  });

  it('refuses a page number without 历史, and a page turn by someone who may not see the order', async () => {
    expect(await ask(li, `/订单 ${id} 2`)).toContain('要翻页请写「历史」');
    const { messageId } = await h.say(li, `/订单 ${id} 历史`, { createTime: tick() });
    const page = h.repliesTo(messageId)[0]!;
    const older = cardCallbacks(JSON.parse(page.content)).find((v) => v.action === 'orders.history')!;
    const r = await clickAt(zhang, page, older);
    expect(r.toast?.content).toContain('不是你负责的订单');
  });
});

/**
 * Sweeps a minute after `due`, after a sweep a minute before it that takes the backlog of the
 * stories above (their repeated escalations), so the cards show what fell due right then.
 */
async function sweepAfter(due: Date) {
  await runNamed('sla.sweep', new Date(due.getTime() - 60_000));
  const since = mark();
  await runNamed('sla.sweep', new Date(due.getTime() + 60_000));
  return since;
}

describe('an exception unanswered at its hard limit', () => {
  it('reminds the owner at 4 working hours, escalates to the supervisor at 8, and the exception card shows the breach', async () => {
    tick('2026-11-30T10:00');
    const id = numberIn(await ask(li, '/订单 新建 客户=东方精密 产品=面框 数量=10 单价=80 交期=2027-01-20'));
    await ask(li, `/订单 异常 ${id} 供应商断料 交期有风险`);
    const excId = `${id}-E1`;
    const [clock] = await h.db.select().from(deadlines).where(and(eq(deadlines.subjectId, excId), eq(deadlines.step, 'exception_response')));
    // 4 working hours to respond, 8 to the hard limit (lunch and the night excluded).
    expect(clock).toMatchObject({ targetAt: T('2026-11-30T15:32'), limitAt: T('2026-12-01T10:32') });
    const card = button(li, excId, 'RESPOND', 'orders.exception').message;

    const reminded = await sweepAfter(T('2026-11-30T15:32'));
    expect(sentAfter(li, reminded)).toContain(`订单异常 ${excId}「异常响应」`);
    expect(sentAfter(boss, reminded)).not.toContain(`订单异常 ${excId}`);

    const since = await sweepAfter(T('2026-12-01T10:32'));
    const escalated = sentAfter(boss, since);
    expect(escalated).toContain('超时');
    expect(escalated).toContain(`订单异常 ${excId}「异常响应」`);
    expect((await h.db.select().from(deadlines).where(eq(deadlines.id, clock!.id)))[0]!.status).toBe('breached');
    const live = h.fake.messages.get(card.message_id)!.content;
    expect(live).toContain('异常响应 · 李业务 · 截止 11-30 15:32（超过硬性期限 1 分钟');
  });
});

describe('the weekly customer notice, reminded and escalated; the weekly nudge', () => {
  const zhangsOrder = async (product: string) => (await h.db.select().from(orders).where(and(eq(orders.ownerOpenId, zhang.openId), eq(orders.product, product))))[0]!.id;

  it('reminds the owner when the week is up and escalates to the supervisor three days later; the live card says so', async () => {
    const id = await zhangsOrder('机柜');
    const reminded = await sweepAfter(T('2026-12-04T11:01'));
    expect(sentAfter(zhang, reminded)).toContain(`订单 ${id}「向客户通报生产进度」`);
    expect(sentAfter(boss, reminded)).not.toContain(`订单 ${id}「向客户通报生产进度」`);

    const nudged = mark();
    await runNamed('sla.weekly_nudge', T('2026-12-07T09:30'));
    const his = sentAfter(zhang, nudged);
    expect(his).toContain('每周跟进提醒');
    expect(his).toContain('生产中订单没有进度');
    expect(his).toContain(`${id} 北方重工 · 机柜（3 天无记录）`);
    // His sample order was never shipped: its 付款期限 has passed, but nothing is owed yet.
    expect(his).not.toContain('回款逾期');
    expect(his).not.toContain(`${await zhangsOrder('样品')} 北方重工 未收`);
    const mine = sentAfter(li, nudged);
    expect(mine).toContain('回款逾期');
    expect(mine).toMatch(/DD-20261112-\d{3} 东方精密 未收 ¥4,900（期限 2026-11-25）/);
    const team = sentAfter(boss, nudged);
    expect(team).toContain('团队汇总');
    expect(team).toMatch(/张业务：[^\n"]*生产中订单没有进度 1/);

    const since = await sweepAfter(T('2026-12-07T11:01'));
    const escalated = sentAfter(boss, since);
    expect(escalated).toContain('超时');
    expect(escalated).toContain(`订单 ${id}「向客户通报生产进度」`);
    const live = button(zhang, id, 'READY').message.content;
    expect(live).toContain('向客户通报生产进度 · 张业务 · 截止 12-04 11:01（超过硬性期限 1 分钟');
  });

  it('never lost a card on the way: every message and PATCH was accepted by the fake Feishu', async () => {
    const dead = await h.db.select().from(outboxMessages).where(eq(outboxMessages.status, 'dead'));
    expect(dead.map((d) => d.lastError)).toEqual([]);
  });
});
