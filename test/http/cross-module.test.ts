/**
 * The modules wired to each other, over the webhook (encrypted, signed events in; fake Open API
 * calls and database rows out). Locks in:
 * - a new order runs exactly one 2 h / 4 h order-confirmation clock (SPEC §3.3), on the order
 *   itself: reminded once at 2 h, met by 完成评估, nothing about it after that;
 * - submitting a contract moves a customer in negotiation to the contract stage and meets its
 *   contract-draft clock, filling only the negotiation results the customer record lacks from the
 *   contract; signing it files the customer (archived), and the archive / CRM-entry clocks are the
 *   contract's alone;
 * - a contract for a customer in another stage, or one whose move the customers module refuses,
 *   goes ahead: the customer stays where it is, nothing half-written, and the audit log says why;
 * - a contract's or a complaint's 订单= is checked against the orders module (unknown → a Chinese
 *   refusal, nothing written; a complaint's order must be the customer's own) and stored as the
 *   orders module spells it;
 * - /待办, reminder cards and "新待办" notices name subjects "订单 DD-…", "合同 HT-…", "客户 华为";
 * - delivering an order (the customer confirmed receipt) schedules one quality follow-up a month
 *   later, which the daily job opens and the sweep reminds to the customer's owner by name.
 */
import { cardCallbacks } from '../../src/platform/cards';
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardActionEvent } from '../../src/local/feishu-events';
import type { FakeMessage } from '../../src/local/fake-openapi';
import { complaints, followUps } from '../../src/modules/complaints';
import { contracts } from '../../src/modules/contracts';
import { customers } from '../../src/modules/customers';
import { orders } from '../../src/modules/orders';
import { auditLog } from '../../src/platform/db/core.schema';
import { runJob } from '../../src/platform/jobs/runner';
import { deadlines } from '../../src/platform/sla/sla.schema';
import { PEOPLE, SECRETS, startHarness, type Harness, type Person } from '../fakes/harness';

const { li, zhang, boss } = PEOPLE;
/** Shanghai wall time. Monday 2026-11-02 is a working day. */
const T = (local: string) => new Date(`${local}:00+08:00`);
const DELIVERED = 'DD-20261001-001';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.setRole(li, 'sales');
  await h.setRole(zhang, 'sales');
  await h.setRole(boss, 'supervisor');
  const t = T('2026-10-01T09:00');
  const base = { stateEnteredAt: t, createdAt: t, updatedAt: t };
  await h.db.insert(customers).values([
    { ...base, name: '华为', ownerOpenId: li.openId, state: 'archived' },
    { ...base, name: '中兴', ownerOpenId: zhang.openId, state: 'archived' },
    { ...base, name: '联想', ownerOpenId: li.openId, state: 'negotiation', stageData: { result: '已谈妥，待出合同' } },
    { ...base, name: '小米', ownerOpenId: li.openId, state: 'demo' },
    { ...base, name: '海尔', ownerOpenId: li.openId, state: 'negotiation' },
  ]);
  // 华为's order, shipped and waiting for the customer's receipt.
  const huawei = await customer('华为');
  await h.db.insert(orders).values({
    id: DELIVERED, customerId: huawei.id, customerName: '华为', ownerOpenId: li.openId, product: '电源', qty: 10, unitPrice: 100, amount: 1000,
    dueDate: '2026-11-20', payBy: '2026-12-20', state: 'shipped', receivedAt: t, confirmFrom: t, createdAt: t, updatedAt: t,
  });
});
afterAll(() => h.close());

// ---------------------------------------------------------------------------------------------
// helpers

const customer = async (name: string) => (await h.db.select().from(customers).where(eq(customers.name, name)))[0]!;
const contractNo = async (number: string) => (await h.db.select().from(contracts).where(eq(contracts.number, number)))[0]!;
const clocksOf = (subjectType: string, subjectId: string | number) =>
  h.db.select().from(deadlines).where(and(eq(deadlines.subjectType, subjectType), eq(deadlines.subjectId, String(subjectId))));
const ask = (p: Person, text: string, at: Date) => h.ask(p, text, { createTime: at.getTime() });
const numberIn = (prefix: 'DD' | 'HT', text: string) => new RegExp(`${prefix}-\\d{8}-\\d{3}`).exec(text)?.[0] ?? '';

/** A mark in the fake's message log; `sentAfter` = what the bot sent `p` since, as text (cards as JSON). */
const mark = () => new Set(h.fake.messages.keys());
const sentAfter = (p: Person, since: Set<string>) => h.fake.messagesIn(p.openId).filter((m) => m.sender_type === 'app' && !since.has(m.message_id)).map(h.textOf).join('\n');
const occurrences = (text: string, part: string) => text.split(part).length - 1;
const runNamed = async (name: string, at: Date) => {
  const out = await runJob(h.server.runtime.services, h.server.runtime.bot.jobs.get(name)!, at);
  await h.settle();
  return out;
};


/** The newest card the bot sent into `p`'s chat with a button matching `pick`, and that button's value. */
function button(p: Person, pick: (v: Record<string, unknown>) => boolean): { message: FakeMessage; value: Record<string, unknown> } {
  const cards = h.fake.messagesIn(p.openId).filter((m) => m.sender_type === 'app' && m.msg_type === 'interactive');
  for (const message of cards.reverse()) {
    const value = cardCallbacks(JSON.parse(message.content)).find(pick);
    if (value) return { message, value };
  }
  throw new Error(`no matching button in ${p.name}'s chat`);
}

async function clickAt(p: Person, b: { message: FakeMessage; value: Record<string, unknown> }, at: Date, formValue: Record<string, unknown> = {}) {
  const event = cardActionEvent(SECRETS, p, { value: b.value, formValue }, { messageId: b.message.message_id, chatId: b.message.chat_id, token: h.fake.issueCardToken(b.message.message_id), createTime: at.getTime() });
  const res = await h.post(event);
  const body = (await res.json()) as { toast?: { type: string; content: string } };
  await h.settle();
  return body;
}

// ---------------------------------------------------------------------------------------------

describe('orders: one clock for the order confirmation', () => {
  let id = '';

  it('opens one 2 h / 4 h order-confirmation clock on the order itself, next to evaluation and whole confirmation', async () => {
    id = numberIn('DD', await ask(li, '/订单 新建 客户=华为 产品=电源 数量=10 单价=100 交期=2026-12-30', T('2026-11-02T09:00')));
    expect(id).not.toBe('');
    const clocks = await clocksOf('order', id);
    expect(clocks.map((d) => d.step).sort()).toEqual(['evaluation', 'order_confirmation', 'whole_confirmation']);
    const confirmation = clocks.find((d) => d.step === 'order_confirmation')!;
    expect(confirmation).toMatchObject({ ownerOpenId: li.openId, clock: 'working', targetAt: T('2026-11-02T11:00'), limitAt: T('2026-11-02T14:30') });
    // The complaints module no longer keeps a second clock for it.
    expect(await clocksOf('order_confirmation', id)).toEqual([]);
  });

  it('reminds the owner of it once at 2 h; 完成评估 meets it, and the 4 h limit passes without a word', async () => {
    const since = mark();
    await runNamed('sla.sweep', T('2026-11-02T11:05'));
    await runNamed('sla.sweep', T('2026-11-02T11:10'));
    expect(occurrences(sentAfter(li, since), `订单 ${id}「向客户确认订单」`)).toBe(1);

    const res = await clickAt(li, button(li, (v) => v.action === 'orders.step' && v.id === id && v.e === 'EVALUATE'), T('2026-11-02T11:20'));
    expect(res.toast?.type).toBe('success');
    const closed = (await clocksOf('order', id)).filter((d) => ['evaluation', 'order_confirmation'].includes(d.step));
    expect(closed.map((d) => d.status)).toEqual(['met', 'met']);

    const after = mark();
    await runNamed('sla.sweep', T('2026-11-02T14:35'));
    expect(sentAfter(li, after)).not.toContain(id);
    expect(sentAfter(boss, after)).not.toContain(id);
  });
});

describe('contracts move the customer along the pipeline', () => {
  let number = '';

  it('submitting a contract moves a customer in negotiation to the contract stage and meets its draft clock, filling only the missing results from the contract', async () => {
    const reply = await ask(li, '/合同 提交 客户=联想 金额=12万 付款条件=预付30%', T('2026-11-03T10:00'));
    number = numberIn('HT', reply);
    expect(reply).toContain('待主管审批');
    const c = await customer('联想');
    expect(c.state).toBe('contract');
    expect(c.stageData).toEqual({ result: '已谈妥，待出合同', price: '¥120,000', payment_terms: '预付30%' });
    expect((await clocksOf('customer', c.id)).map((d) => [d.step, d.status])).toEqual([['contract_draft', 'met']]);
  });

  it('signing it files the customer (contract → archived); the archive and CRM-entry clocks are the contract’s alone, and its owner hears of them by name', async () => {
    const card = button(boss, (v) => v.action === 'contract.approve');
    expect((await clickAt(boss, card, T('2026-11-03T11:00'), { comment: '同意' })).toast?.type).toBe('success');
    const since = mark();
    expect(await ask(boss, `/合同 签署 ${number}`, T('2026-11-04T10:00'))).toContain('已登记签署');

    const c = await customer('联想');
    expect(c.state).toBe('archived');
    expect((await clocksOf('customer', c.id)).filter((d) => d.status === 'open')).toEqual([]);
    const live = (await clocksOf('contract', (await contractNo(number)).id)).filter((d) => d.status === 'open');
    expect(live.map((d) => d.step).sort()).toEqual(['archive', 'crm_entry']);
    const notice = sentAfter(li, since);
    expect(notice).toContain('新待办');
    expect(notice).toContain(`合同 ${number}「合同归档」`);
    expect(notice).not.toContain('#');
  });

  it('a contract for a customer in another stage goes ahead; the customer stays, and the audit log says why', async () => {
    const before = await customer('小米');
    const reply = await ask(li, '/合同 提交 客户=小米 金额=5万', T('2026-11-05T10:00'));
    expect(reply).toContain('待主管审批');
    const after = await customer('小米');
    expect(after).toMatchObject({ state: 'demo', version: before.version });
    const [row] = await h.db.select().from(auditLog).where(and(eq(auditLog.action, 'contract.customer_skipped'), eq(auditLog.subjectId, String(after.id))));
    expect(row).toMatchObject({ outcome: 'refused', fromState: 'demo', detail: { contract: numberIn('HT', reply), step: 'submit', reason: '客户处于「方案演示」阶段' } });
  });

  it('a move the customers module refuses (negotiation results missing) is skipped whole and audited; the contract is submitted', async () => {
    const before = await customer('海尔');
    const reply = await ask(li, '/合同 提交 客户=海尔 金额=3万', T('2026-11-05T10:10'));
    const number = numberIn('HT', reply);
    expect((await contractNo(number)).state).toBe('submitted');
    const after = await customer('海尔');
    expect(after).toMatchObject({ state: 'negotiation', version: before.version, stageData: {} });
    const [row] = await h.db.select().from(auditLog).where(and(eq(auditLog.action, 'contract.customer_skipped'), eq(auditLog.subjectId, String(after.id))));
    expect(row!.detail).toMatchObject({ contract: number, step: 'submit' });
    expect(String(row!.detail!.reason)).toContain('付款条件');
    expect(await h.db.select().from(auditLog).where(and(eq(auditLog.action, 'customer.data'), eq(auditLog.subjectId, String(after.id))))).toEqual([]);
  });
});

describe('order numbers are checked against the orders module', () => {
  const contractCount = async () => (await h.db.select({ n: count() }).from(contracts))[0]!.n;
  const complaintCount = async () => (await h.db.select({ n: count() }).from(complaints))[0]!.n;

  it('refuses a contract naming an unknown order, in Chinese, and writes nothing', async () => {
    const n = await contractCount();
    const reply = await ask(li, '/合同 提交 客户=华为 金额=1万 订单=DD-20991231-999', T('2026-11-06T10:00'));
    expect(reply).toContain('没有订单「DD-20991231-999」');
    expect(await contractCount()).toBe(n);
  });

  it('stores a contract’s order number as the orders module spells it', async () => {
    const number = numberIn('HT', await ask(li, `/合同 提交 客户=华为 金额=1万 订单=${DELIVERED.slice(3).toLowerCase()}`, T('2026-11-06T10:05')));
    expect((await contractNo(number)).orderNumber).toBe(DELIVERED);
  });

  it('refuses a complaint naming an unknown order or another customer’s order, and writes nothing', async () => {
    expect(await ask(zhang, '/投诉 新建 客户=中兴 内容=外壳划伤 订单=DD-20991231-999', T('2026-11-06T10:10'))).toContain('没有订单「DD-20991231-999」');
    expect(await ask(zhang, `/投诉 新建 客户=中兴 内容=外壳划伤 订单=${DELIVERED}`, T('2026-11-06T10:11'))).toContain(`订单 ${DELIVERED} 不是客户「中兴」的订单`);
    expect(await complaintCount()).toBe(0);
  });

  it('logs a complaint about the customer’s own order under the order’s number', async () => {
    await ask(li, `/投诉 新建 客户=华为 内容=外壳划伤 订单=${DELIVERED.toLowerCase()}`, T('2026-11-06T10:15'));
    const [row] = await h.db.select().from(complaints);
    expect(row).toMatchObject({ orderNumber: DELIVERED, state: 'received' });
  });
});

describe('reminders name their subjects', () => {
  it('/待办 says 订单 DD-…, 合同 HT-… and 客户 <name>, never #id', async () => {
    // A customer clock of li's: 海尔 concludes its negotiation (the 3-day contract draft starts).
    await ask(li, '/客户 阶段 海尔 合同 结果=成交 价格=3万 付款条件=月结', T('2026-11-09T09:00'));
    const todo = await ask(li, '/待办', T('2026-11-09T09:05'));
    const order = (await h.db.select().from(orders).where(eq(orders.customerName, '华为'))).find((o) => o.id !== DELIVERED)!;
    const signed = (await h.db.select().from(contracts).where(eq(contracts.state, 'signed')))[0]!;
    expect(todo).toContain(`订单 ${order.id}「订单整体确认」`);
    expect(todo).toContain(`合同 ${signed.number}「合同归档」`);
    expect(todo).toContain('客户 海尔「合同草案」');
    expect(todo).not.toMatch(/(订单|合同|客户) #/);
  });

  it('the sweep’s reminder card names them the same way', async () => {
    const signed = (await h.db.select().from(contracts).where(eq(contracts.state, 'signed')))[0]!;
    const [archive] = (await clocksOf('contract', signed.id)).filter((d) => d.step === 'archive');
    const since = mark();
    await runNamed('sla.sweep', new Date(archive!.targetAt!.getTime() + 5 * 60_000));
    expect(sentAfter(li, since)).toContain(`合同 ${signed.number}「合同归档」`);
  });
});

describe('a delivered order gets its quality follow-up', () => {
  it('schedules one quality follow-up a month after the customer confirms receipt; the daily job opens it and the sweep reminds the customer’s owner by name', async () => {
    await ask(li, `/订单 ${DELIVERED}`, T('2026-11-16T10:00'));
    const res = await clickAt(li, button(li, (v) => v.action === 'orders.step' && v.id === DELIVERED && v.e === 'CONFIRM_RECEIPT'), T('2026-11-16T10:01'));
    expect(res.toast?.type).toBe('success');
    const huawei = await customer('华为');
    const rows = await h.db.select().from(followUps).where(eq(followUps.orderNumber, DELIVERED));
    expect(rows).toEqual([expect.objectContaining({ customerId: huawei.id, deliveredAt: T('2026-11-16T10:01'), dueAt: T('2026-12-16T10:01'), status: 'scheduled' })]);

    await runNamed('complaints.service-clocks', T('2026-12-14T08:30'));
    const [clock] = await clocksOf('follow_up', rows[0]!.id);
    expect(clock).toMatchObject({ ownerOpenId: li.openId, status: 'open', targetAt: T('2026-12-16T10:01') });

    const since = mark();
    await runNamed('sla.sweep', T('2026-12-16T10:05'));
    expect(sentAfter(li, since)).toContain(`品质回访 华为（订单 ${DELIVERED}）「交付后品质回访」`);
  });
});
