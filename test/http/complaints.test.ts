/**
 * Complaints and customer service (issue 6, SPEC §3.3 and §5), over the webhook with encrypted,
 * signed events; assertions read what the fake Feishu Open API received and the database.
 * Behaviours locked in:
 * - a complaint is logged: its number in the reply, a read-only card in the group, a private card
 *   with the 受理 button to the customer's owner, received_at = the message time, the three clocks;
 * - step buttons appear only for people allowed to press them: group copies carry none (they say
 *   where the steps are), a private copy carries that person's steps (品质部: the 产品质量
 *   investigation only), and every copy is patched after a step, each for its reader;
 * - 受理 from the card stops the 24 h clock (sweeps 25–48 h later in the daytime send no acknowledge
 *   reminder) while the 72 h clock keeps running and escalates to the supervisor at its limit;
 * - an unacknowledged complaint escalates to the supervisor after 24 h;
 * - closing with cause 服务质量 and loss 1000 allocates 500 to the responsible person, DMed to them
 *   and the supervisor only — never in the group, never to the owner; stored for KPIs;
 * - someone not allowed to acknowledge gets a refusal toast and nothing changes;
 * - an outdated card is refused with the current card; a closed complaint can be reopened and
 *   /投诉 <编号> shows every step with its time;
 * - /投诉 新建 without fields answers with a form that logs the complaint once, however often it is
 *   submitted; /投诉 列表 filters by state;
 * - urgent complaints and /紧急 run 2 h clocks that remind and escalate in quiet hours, and every
 *   other clock of an urgent complaint (also after a reopen) escalates in quiet hours too;
 * - the 责任人 must be someone the bot knows with a role; a reopened complaint closed again keeps one
 *   satisfaction score (the new one);
 * - /满意度 records a score (only the customer's owner or a supervisor) and meets the quarter's
 *   survey clock opened by the daily job; the quality follow-up other modules schedule is reminded a
 *   month after delivery and recorded with 已回访 from its card;
 * - the weekly nudge lists each owner's open complaints;
 * - /客户 转交 moves the customer's open complaints, open urgent issues, open quality follow-ups and
 *   pending survey clocks (with their live clocks) to the new owner and the reply counts them; closed
 *   or finished ones, recorded scores and the 责任人 stay; later reminders reach the new owner only;
 * - bad input (unknown customer, satisfaction 7, missing fields, no responsible person) is explained
 *   and writes nothing.
 */
import { cardCallbacks } from '../../src/platform/cards';
import { and, eq, inArray } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cardActionEvent } from '../../src/local/feishu-events';
import type { FakeMessage } from '../../src/local/fake-openapi';
import { auditLog } from '../../src/platform/db/core.schema';
import { runJob } from '../../src/platform/jobs/runner';
import { deadlines } from '../../src/platform/sla/sla.schema';
import { complaintsHandledOnTime, complaintCostAllocations, complaints, followUps, satisfactionScores, satisfactionSurveys, scheduleQualityFollowUp, urgentIssues } from '../../src/modules/complaints';
import { customers } from '../../src/modules/customers';
import { orders } from '../../src/modules/orders';
import { GROUP, PEOPLE, SECRETS, startHarness, type Harness, type Person } from '../fakes/harness';

/** Shanghai wall time → instant. Monday 2026-11-02 10:00 is T0. */
const sh = (local: string) => new Date(`${local}:00+08:00`);
const T0 = sh('2026-11-02T10:00');
const H = 3_600_000;
const after = (hours: number) => new Date(T0.getTime() + hours * H);

let h: Harness;
let customerId: number;

beforeEach(async () => {
  h = await startHarness();
  await h.setRole(PEOPLE.boss, 'supervisor');
  await h.setRole(PEOPLE.li, 'sales');
  await h.setRole(PEOPLE.zhang, 'sales');
  await h.setRole(PEOPLE.quality, 'quality');
  const [c] = await h.db
    .insert(customers)
    .values({ name: '华星电子', ownerOpenId: PEOPLE.li.openId, state: 'archived', stateEnteredAt: T0, createdAt: T0, updatedAt: T0 })
    .returning();
  customerId = c!.id;
  // The order the complaints below are about: a complaint's 订单 must be one of the customer's orders.
  await h.db.insert(orders).values({
    id: 'DD-20261101-001', customerId, customerName: '华星电子', ownerOpenId: PEOPLE.li.openId, product: '控制板', qty: 100, unitPrice: 10, amount: 1000,
    dueDate: '2026-11-20', payBy: '2026-12-20', state: 'shipped', receivedAt: T0, confirmFrom: T0, createdAt: T0, updatedAt: T0,
  });
});
afterEach(() => h.close());

// ---------------------------------------------------------------------------------------------
// Helpers

const cardJson = (m: FakeMessage) => JSON.parse(m.content) as Record<string, unknown>;
const dmTo = (p: Person) => `oc_p2p_${p.openId}`;

/** The callback value of the button (or form submit) whose action is `action`, anywhere in a card. */
function actionValue(card: unknown, action: string): Record<string, unknown> {
  const found = cardCallbacks(card).filter((v) => v.action === action);
  if (!found[0]) throw new Error(`no "${action}" on the card: ${JSON.stringify(card).slice(0, 400)}`);
  return found[0];
}

/** A message at a chosen time (Feishu's create_time). */
const sayAt = (who: Person, text: string, at: Date, chat: 'group' | 'p2p' = 'group') => h.say(who, text, { chat, createTime: at.getTime() });

/** A card click at a chosen time, as Feishu delivers it. */
async function clickAt(who: Person, message: FakeMessage, value: Record<string, unknown>, at: Date, form?: Record<string, unknown>) {
  const event = cardActionEvent(SECRETS, who, { value, formValue: form }, { messageId: message.message_id, chatId: message.chat_id, token: h.fake.issueCardToken(message.message_id), createTime: at.getTime() });
  const res = await h.post(event);
  const body = (await res.json()) as { toast?: { type: string; content: string }; card?: { type: string; data: Record<string, unknown> } };
  await h.settle();
  return { status: res.status, ...body };
}

/** The newest card about `number` in a person's private chat with the bot. */
const dmCard = (p: Person, number = 'TS-20261102-001') =>
  h.fake.messagesIn(p.openId).filter((m) => m.chat_id === dmTo(p) && m.msg_type === 'interactive' && h.textOf(m).includes(number)).at(-1);

/** Callback actions anywhere on a card. */
const actionsOn = (card: unknown) => [...JSON.stringify(card).matchAll(/"action":"([\w.]+)"/g)].map((m) => m[1]);

/**
 * Logs a complaint in the group at `at`; returns the group's (read-only) card, the owner's
 * private card (where the steps are) and the row.
 */
async function logComplaint(who: Person = PEOPLE.zhang, extra = '', at = T0) {
  const { messageId } = await sayAt(who, `/投诉 新建 客户=华星电子 内容="交货延误三天，客户产线等料" 订单=DD-20261101-001 ${extra}`, at);
  const group = h.repliesTo(messageId).find((m) => m.msg_type === 'interactive');
  if (!group) throw new Error(`no complaint card: ${h.repliesTo(messageId).map(h.textOf).join('\n')}`);
  const [row] = await h.db.select().from(complaints);
  const card = dmCard(PEOPLE.li, row!.number);
  if (!card) throw new Error('the owner got no private card');
  return { group, card, row: row! };
}

/** A person's own private card of a complaint, as `/投诉 <编号>` in the private chat gives it. */
async function openPrivately(p: Person, at: Date, number = 'TS-20261102-001') {
  const { messageId } = await h.say(p, `/投诉 ${number}`, { chat: 'p2p', createTime: at.getTime() });
  const card = h.repliesTo(messageId).find((m) => m.msg_type === 'interactive');
  if (!card) throw new Error(`no card for ${p.name}: ${h.repliesTo(messageId).map(h.textOf).join('\n')}`);
  return card;
}

const current = async () => (await h.db.select().from(complaints))[0]!;

/** Latest content of a message (cards are patched in place). */
const latest = (m: FakeMessage) => h.fake.messages.get(m.message_id)!;

/** Runs the SLA sweep at `at`; returns what it sent, as text. */
async function sweepAt(at: Date): Promise<Array<{ to: string; text: string }>> {
  const before = new Set(h.fake.messages.keys());
  await runJob(h.server.runtime.services, h.server.runtime.bot.jobs.get('sla.sweep')!, at);
  await h.settle();
  return [...h.fake.messages.values()].filter((m) => !before.has(m.message_id)).map((m) => ({ to: m.chat_id, text: h.textOf(m) }));
}

async function clocks(id: number) {
  const rows = await h.db.select().from(deadlines).where(and(eq(deadlines.subjectType, 'complaint'), eq(deadlines.subjectId, String(id))));
  return Object.fromEntries(rows.map((d) => [d.step, d]));
}

/** Walks a complaint from 受理 to 结案 through its card, as the owner, an hour apart. */
async function closeWithServiceCause(card: FakeMessage) {
  let value = actionValue(cardJson(card), 'complaint.acknowledge');
  let r = await clickAt(PEOPLE.li, card, value, after(1));
  expect(r.toast?.type).toBe('success');
  value = actionValue(r.card!.data, 'complaint.investigate');
  r = await clickAt(PEOPLE.li, card, value, after(2), { cause: 'service', responsible: PEOPLE.zhang.openId, loss: '1000', findings: '业务员未及时通知客户交期变更' });
  expect(r.toast).toMatchObject({ type: 'success' });
  value = actionValue(r.card!.data, 'complaint.resolve');
  r = await clickAt(PEOPLE.li, card, value, after(3), { action: '补发货物并书面致歉' });
  expect(r.toast).toMatchObject({ type: 'success' });
  value = actionValue(r.card!.data, 'complaint.close');
  r = await clickAt(PEOPLE.li, card, value, after(4), { feedback: '客户认可处理结果', satisfaction: '4' });
  expect(r.toast).toMatchObject({ type: 'success' });
  return r;
}

// ---------------------------------------------------------------------------------------------

describe('logging a complaint', () => {
  it('posts a read-only card in the group, the 受理 button to the customer’s owner privately, and starts the clocks at the message time', async () => {
    const { group, card, row } = await logComplaint();
    expect(row).toMatchObject({ number: 'TS-20261102-001', state: 'received', customerId, orderNumber: 'DD-20261101-001', ownerOpenId: PEOPLE.li.openId, reportedBy: PEOPLE.zhang.openId, urgent: false, version: 1 });
    expect(row.receivedAt).toEqual(T0);
    expect(group.chat_id).toBe(GROUP);
    const text = h.textOf(group);
    expect(text).toContain('客户投诉 TS-20261102-001');
    expect(text).toContain('DD-20261101-001');
    expect(actionsOn(cardJson(group))).toEqual([]); // nobody's buttons in the group
    expect(text).toContain('处理按钮在私信卡片里');
    expect(actionValue(cardJson(card), 'complaint.acknowledge')).toEqual({ action: 'complaint.acknowledge', id: row.id, v: 1 });

    const dm = h.fake.messagesIn(PEOPLE.li.openId).filter((m) => m.msg_type === 'interactive');
    expect(dm).toHaveLength(1);
    expect(h.fake.messagesIn(PEOPLE.zhang.openId)).toEqual([]); // the reporter may not act: the group card is theirs

    const c = await clocks(row.id);
    expect(Object.keys(c).sort()).toEqual(['acknowledge', 'investigation', 'whole_complaint']);
    expect(c.acknowledge!.limitAt).toEqual(after(24));
    expect(c.investigation!.limitAt).toEqual(after(24));
    expect(c.whole_complaint!.limitAt).toEqual(after(72));
    expect(Object.values(c).every((d) => d.clock === 'calendar' && d.ownerOpenId === PEOPLE.li.openId && !d.urgent)).toBe(true);
    const [audit] = await h.db.select().from(auditLog).where(eq(auditLog.action, 'complaint.create'));
    expect(audit).toMatchObject({ actor: PEOPLE.zhang.openId, subjectType: 'complaint', subjectId: String(row.id), toState: 'received' });
  });

  it('answers /投诉 新建 without fields with a form whose submission logs the complaint in that chat, once', async () => {
    const { messageId } = await sayAt(PEOPLE.zhang, '/complaint new', T0);
    const form = h.repliesTo(messageId)[0]!;
    expect(h.textOf(form)).toContain('"tag":"form"');
    const value = actionValue(cardJson(form), 'complaint.create');
    const fields = { customer: '华星电子', content: '包装破损', order: '', urgent: false };
    const r = await clickAt(PEOPLE.zhang, form, value, after(0.1), fields);
    expect(r.toast).toMatchObject({ type: 'success', content: '已登记投诉 TS-20261102-001' });
    const row = await current();
    expect(row).toMatchObject({ content: '包装破损', orderNumber: null, chatId: GROUP });
    const posted = h.fake.messagesIn(GROUP).filter((m) => m.msg_type === 'interactive' && h.textOf(m).includes('TS-20261102-001'));
    expect(posted).toHaveLength(1);
    expect(actionsOn(cardJson(posted[0]!))).toEqual([]);
    expect(actionsOn(cardJson(dmCard(PEOPLE.li)!))).toEqual(['complaint.acknowledge']);

    // A double tap (or a second submit of the same form): refused, naming the complaint; still one.
    const sent = h.fake.messages.size;
    const again = await clickAt(PEOPLE.zhang, form, value, after(0.2), fields);
    expect(again.toast).toEqual({ type: 'warning', content: '这张表单已经提交过了：投诉 TS-20261102-001。' });
    expect(JSON.stringify(again.card)).toContain('TS-20261102-001');
    expect(await h.db.select().from(complaints)).toHaveLength(1);
    expect(h.fake.messages.size).toBe(sent);
  });
});

describe('the two clocks', () => {
  it('受理 stops the 24 h clock: sweeps 25–48 h later in the daytime send no acknowledge reminder', async () => {
    const { card, row } = await logComplaint();
    const r = await clickAt(PEOPLE.li, card, actionValue(cardJson(card), 'complaint.acknowledge'), after(1));
    expect(r.toast).toEqual({ type: 'success', content: '已受理投诉 TS-20261102-001。' });
    expect(JSON.stringify(r.card!.data)).toContain('已受理');
    expect(JSON.stringify(r.card!.data)).toContain('complaint.investigate');
    const acked = await current();
    expect(acked).toMatchObject({ state: 'acknowledged', version: 2, acknowledgedBy: PEOPLE.li.openId });
    expect(acked.acknowledgedAt).toEqual(after(1));
    expect((await clocks(row.id)).acknowledge).toMatchObject({ status: 'met', metAt: after(1) });

    for (const hours of [25, 30, 36, 48]) {
      const sent = await sweepAt(after(hours)); // 11:00 / 16:00 / 22:00(quiet) / 10:00
      expect(sent.filter((m) => m.text.includes('受理投诉')), `sweep at +${hours} h`).toEqual([]);
    }
  });

  it('the 72 h clock keeps running after 受理 and escalates to the supervisor at its limit if unresolved', async () => {
    const { card, row } = await logComplaint();
    await clickAt(PEOPLE.li, card, actionValue(cardJson(card), 'complaint.acknowledge'), after(1));
    await sweepAt(after(25));
    await sweepAt(after(60));
    const before = await sweepAt(after(71));
    expect(before.filter((m) => m.to === dmTo(PEOPLE.boss) && m.text.includes('投诉整体处理'))).toEqual([]);

    const sent = await sweepAt(after(72 + 5 / 60));
    const toBoss = sent.filter((m) => m.to === dmTo(PEOPLE.boss));
    expect(toBoss.some((m) => m.text.includes('投诉整体处理（72小时）') && m.text.includes('超时升级'))).toBe(true);
    expect((await clocks(row.id)).whole_complaint).toMatchObject({ status: 'breached', breachedAt: after(72) });
  });

  it('an unacknowledged complaint escalates to the supervisor after 24 h', async () => {
    const { row } = await logComplaint();
    const early = await sweepAt(after(23)); // 09:00: the owner is reminded (held from 05:12 by quiet hours)
    expect(early.filter((m) => m.to === dmTo(PEOPLE.boss))).toEqual([]);
    expect(early.some((m) => m.to === dmTo(PEOPLE.li) && m.text.includes('受理投诉'))).toBe(true);

    const sent = await sweepAt(after(24 + 5 / 60));
    const toBoss = sent.filter((m) => m.to === dmTo(PEOPLE.boss));
    expect(toBoss).toHaveLength(1);
    expect(toBoss[0]!.text).toContain('超时升级');
    expect(toBoss[0]!.text).toContain('客户投诉');
    expect(toBoss[0]!.text).toContain('受理投诉');
    expect((await clocks(row.id)).acknowledge).toMatchObject({ status: 'breached', breachedAt: after(24) });
  });

  it('an urgent complaint must be answered within 2 h, reminded and escalated in quiet hours', async () => {
    const night = sh('2026-11-02T22:00');
    const { row } = await logComplaint(PEOPLE.zhang, '紧急', night);
    expect(row.urgent).toBe(true);
    const urgent = (await clocks(row.id)).urgent_response!;
    expect(urgent).toMatchObject({ urgent: true, limitAt: new Date(night.getTime() + 2 * H) });
    expect(h.fake.messagesIn(PEOPLE.boss.openId).some((m) => h.textOf(m).includes('TS-20261102-001'))).toBe(true);

    const reminded = await sweepAt(new Date(night.getTime() + 100 * 60_000)); // 23:40, quiet hours
    expect(reminded.some((m) => m.to === dmTo(PEOPLE.li) && m.text.includes('紧急投诉响应'))).toBe(true);
    const escalated = await sweepAt(new Date(night.getTime() + 125 * 60_000)); // 00:05
    expect(escalated.some((m) => m.to === dmTo(PEOPLE.boss) && m.text.includes('紧急投诉响应') && m.text.includes('超时升级'))).toBe(true);
  });
});

describe('steps from the card', () => {
  it('closing with cause 服务质量 and loss 1000 allocates 500 to the responsible person, visible to them and the supervisor only', async () => {
    const { group, card } = await logComplaint();
    const closed = await closeWithServiceCause(card);
    const row = await current();
    expect(row).toMatchObject({ state: 'closed', cause: 'service', responsibleOpenId: PEOPLE.zhang.openId, loss: 1000, satisfaction: 4, allocationOpenId: PEOPLE.zhang.openId, allocationShare: 0.5, allocationAmount: 500 });

    const allocationDms = (p: Person) => h.fake.messagesIn(p.openId).filter((m) => m.chat_id === dmTo(p) && h.textOf(m).includes('费用分摊'));
    expect(allocationDms(PEOPLE.zhang)).toHaveLength(1);
    expect(h.textOf(allocationDms(PEOPLE.zhang)[0])).toContain('¥500');
    expect(h.textOf(allocationDms(PEOPLE.zhang)[0])).toContain('50%');
    expect(allocationDms(PEOPLE.boss)).toHaveLength(1);
    expect(h.textOf(allocationDms(PEOPLE.boss)[0])).toContain('¥500');
    expect(allocationDms(PEOPLE.li)).toEqual([]); // the owner is not the responsible person
    expect(allocationDms(PEOPLE.quality)).toEqual([]);

    // Never in the group: neither the card (as answered and as patched) nor any other message.
    expect(JSON.stringify(closed.card)).not.toMatch(/分摊|¥500|¥1,000/);
    for (const m of h.fake.messagesIn(GROUP)) expect(h.textOf(latest(m))).not.toMatch(/分摊|¥500|¥1,000/);
    expect(JSON.stringify(closed.card)).toContain('已结案');
    // The group's copy was patched to the closed state, without the allocation.
    expect(h.textOf(latest(group))).toContain('已结案');
    expect(h.textOf(latest(group))).not.toMatch(/分摊|¥500/);

    // Stored for the KPI module.
    const period = { from: after(-24), to: after(24) };
    expect(await complaintCostAllocations(h.db, period)).toEqual([expect.objectContaining({ complaintNumber: row.number, openId: PEOPLE.zhang.openId, amount: 500, share: 0.5, cause: 'service' })]);
    expect(await complaintsHandledOnTime(h.db, period)).toMatchObject({ total: 1, onTime: 1, late: 0, rate: 1 });
    expect(await satisfactionScores(h.db, period)).toMatchObject({ count: 1, average: 4, satisfied: 1, rate: 1, target: 0.9 });
  });

  it('/投诉 <编号> shows every step with its time; the allocation only to the supervisor in a private chat', async () => {
    const { card } = await logComplaint(PEOPLE.li);
    await closeWithServiceCause(card);
    const inGroup = await h.ask(PEOPLE.boss, '/投诉 TS-20261102-001', { chat: 'group', createTime: after(5).getTime() });
    for (const step of ['登记投诉', '11-02 11:00 李业务 受理', '11-02 12:00 李业务 调查：服务质量，责任人 张业务', '11-02 13:00 李业务 处理：补发货物并书面致歉', '11-02 14:00 李业务 结案：满意度 4/5']) expect(inGroup).toContain(step);
    expect(inGroup).not.toMatch(/分摊|¥500|¥1,000/);

    const privately = await h.ask(PEOPLE.boss, '/complaint show ts-20261102-001', { chat: 'p2p', createTime: after(5).getTime() });
    expect(privately).toContain('¥1,000');
    expect(privately).toContain('费用分摊');
    expect(privately).toContain('¥500');
    const owner = await h.ask(PEOPLE.li, '/投诉 TS-20261102-001', { chat: 'p2p', createTime: after(5).getTime() });
    expect(owner).not.toContain('费用分摊');
  });

  it('someone not allowed to acknowledge gets a refusal toast and nothing changes', async () => {
    const { group, card, row } = await logComplaint();
    const outboxBefore = h.fake.messages.size;
    // Their cards have no button: a forged click (or one on a card from before) on the group card.
    for (const who of [PEOPLE.zhang, PEOPLE.quality]) {
      const r = await clickAt(who, group, actionValue(cardJson(card), 'complaint.acknowledge'), after(1));
      expect(r.status).toBe(200);
      expect(r.toast).toEqual({ type: 'warning', content: '没有权限：「受理」只限负责人、主管操作。' });
      expect(r.card).toBeUndefined();
    }
    const after1 = await current();
    expect(after1).toMatchObject({ state: 'received', version: 1, acknowledgedAt: null, acknowledgedBy: null });
    expect((await clocks(row.id)).acknowledge!.status).toBe('open');
    expect(await h.db.select().from(auditLog).where(eq(auditLog.action, 'complaint.ACKNOWLEDGE'))).toEqual([]);
    expect(h.fake.messages.size).toBe(outboxBefore);
    expect(latest(group).updates).toBe(0);
    expect(latest(card).updates).toBe(0);
  });

  it('a click on an outdated card changes nothing and answers with the current card', async () => {
    const { card } = await logComplaint();
    const value = actionValue(cardJson(card), 'complaint.acknowledge');
    const bossCard = await openPrivately(PEOPLE.boss, after(0.5));
    const bossValue = actionValue(cardJson(bossCard), 'complaint.acknowledge'); // as the supervisor's phone still shows it
    await clickAt(PEOPLE.li, card, value, after(1));
    const again = await clickAt(PEOPLE.boss, bossCard, bossValue, after(1.5));
    expect(again.toast?.type).toBe('warning');
    expect(again.toast?.content).toContain('卡片已过期');
    expect(JSON.stringify(again.card!.data)).toContain('complaint.investigate');
    expect(await current()).toMatchObject({ state: 'acknowledged', version: 2, acknowledgedBy: PEOPLE.li.openId });
  });

  it('a step from one private card updates every copy, each for its reader: the group’s stays read-only', async () => {
    const { group, card } = await logComplaint();
    const bossCard = await openPrivately(PEOPLE.boss, after(0.5));
    const zhangCard = await openPrivately(PEOPLE.zhang, after(0.5)); // the reporter may look, not act
    expect(actionsOn(cardJson(zhangCard))).toEqual([]);
    const r = await clickAt(PEOPLE.li, card, actionValue(cardJson(card), 'complaint.acknowledge'), after(1));
    expect(actionsOn(r.card!.data)).toEqual(['complaint.investigate']);
    expect(latest(group).updates).toBe(1);
    expect(h.textOf(latest(group))).toContain('已受理');
    expect(actionsOn(cardJson(latest(group)))).toEqual([]);
    expect(latest(bossCard).updates).toBe(1);
    expect(actionsOn(cardJson(latest(bossCard)))).toEqual(['complaint.investigate']);
    expect(latest(zhangCard).updates).toBe(1);
    expect(actionsOn(cardJson(latest(zhangCard)))).toEqual([]);
  });

  it('the supervisor who logs a complaint in the group gets a private card with the steps too', async () => {
    const { group } = await logComplaint(PEOPLE.boss);
    expect(actionsOn(cardJson(group))).toEqual([]);
    expect(actionsOn(cardJson(dmCard(PEOPLE.boss)!))).toEqual(['complaint.acknowledge']);
  });

  it('品质部 may enter a product-quality investigation, allocating 20 % to the salesperson', async () => {
    const { card } = await logComplaint();
    const bossCard = await openPrivately(PEOPLE.boss, after(0.5));
    let r = await clickAt(PEOPLE.boss, bossCard, actionValue(cardJson(bossCard), 'complaint.acknowledge'), after(1));
    expect(r.toast?.type).toBe('success');
    // 品质部's own card offers the investigation with the 产品质量 cause only, and no 责任人 picker.
    const qaCard = await openPrivately(PEOPLE.quality, after(1.5));
    const qa = JSON.stringify(cardJson(qaCard));
    expect(actionsOn(cardJson(qaCard))).toEqual(['complaint.investigate']);
    expect(qa).toContain('"value":"product"');
    expect(qa).not.toContain('"value":"service"');
    expect(qa).not.toContain('select_person');
    const value = actionValue(cardJson(qaCard), 'complaint.investigate');
    const refused = await clickAt(PEOPLE.quality, qaCard, value, after(2), { cause: 'service', responsible: PEOPLE.zhang.openId, loss: '1000', findings: 'x' });
    expect(refused.toast?.content).toContain('没有权限');
    r = await clickAt(PEOPLE.quality, qaCard, value, after(2), { cause: '产品质量', loss: '1.2万', findings: '批次来料不良' });
    expect(r.toast?.type).toBe('success');
    expect(await current()).toMatchObject({ state: 'investigated', cause: 'product', loss: 12000, responsibleOpenId: null });
    expect(actionsOn(r.card!.data)).toEqual([]); // resolving is not 品质部's step
    r = await clickAt(PEOPLE.li, card, actionValue(cardJson(latest(card)), 'complaint.resolve'), after(3), { action: '退换货' });
    await clickAt(PEOPLE.li, card, actionValue(r.card!.data, 'complaint.close'), after(4), { feedback: '接受', satisfaction: '3' });
    expect(await current()).toMatchObject({ state: 'closed', allocationOpenId: PEOPLE.li.openId, allocationAmount: 2400 });
    expect(h.fake.messagesIn(PEOPLE.li.openId).some((m) => h.textOf(m).includes('费用分摊') && h.textOf(m).includes('¥2,400'))).toBe(true);
  });

  it('a closed complaint can be reopened on fresh clocks, keeping its history', async () => {
    const { card, row } = await logComplaint(PEOPLE.li);
    const closed = await closeWithServiceCause(card);
    const r = await clickAt(PEOPLE.li, card, actionValue(closed.card!.data, 'complaint.reopen'), after(30), { reason: '客户再次反映同样问题' });
    expect(r.toast?.type).toBe('success');
    expect(await current()).toMatchObject({ state: 'acknowledged', reopenCount: 1, allocationAmount: null, closedAt: null });
    const live = (await h.db.select().from(deadlines).where(and(eq(deadlines.subjectId, String(row.id)), eq(deadlines.status, 'open')))).map((d) => [d.step, d.limitAt]);
    expect(live.sort()).toEqual([['investigation', after(54)], ['whole_complaint', after(102)]]);
    const shown = await h.ask(PEOPLE.li, '/投诉 TS-20261102-001', { chat: 'p2p', createTime: after(31).getTime() });
    expect(shown).toContain('结案：满意度 4/5');
    expect(shown).toContain('重新打开：客户再次反映同样问题');
  });

  it('closing a reopened complaint again replaces its satisfaction score instead of adding one', async () => {
    const { card, row } = await logComplaint(PEOPLE.li);
    const closed = await closeWithServiceCause(card);
    let r = await clickAt(PEOPLE.li, card, actionValue(closed.card!.data, 'complaint.reopen'), after(30), { reason: '客户再次反映同样问题' });
    r = await clickAt(PEOPLE.li, card, actionValue(r.card!.data, 'complaint.investigate'), after(31), { cause: 'other', loss: '0', findings: '复查：运输途中受潮' });
    r = await clickAt(PEOPLE.li, card, actionValue(r.card!.data, 'complaint.resolve'), after(32), { action: '重新包装后补发' });
    r = await clickAt(PEOPLE.li, card, actionValue(r.card!.data, 'complaint.close'), after(33), { feedback: '勉强接受', satisfaction: '2' });
    expect(r.toast?.type).toBe('success');
    const scores = await h.db.select().from(satisfactionSurveys).where(eq(satisfactionSurveys.complaintId, row.id));
    expect(scores).toEqual([expect.objectContaining({ score: 2, comment: '勉强接受', source: 'complaint' })]);
    expect(scores[0]!.surveyedAt).toEqual(after(33));
    expect(await satisfactionScores(h.db, { from: after(-24), to: after(48) })).toMatchObject({ count: 1, average: 2, satisfied: 0, rate: 0 });
  });
});

describe('urgent complaints in quiet hours (SPEC §3, §8)', () => {
  it('every clock of an urgent complaint escalates at once at night; a normal complaint’s breach waits for the morning', async () => {
    const night = sh('2026-11-02T22:00');
    const { card, row } = await logComplaint(PEOPLE.zhang, '紧急', night);
    await sayAt(PEOPLE.zhang, '/投诉 新建 客户=华星电子 内容=发票抬头错误', night); // TS-20261102-002, not urgent
    const c = await clocks(row.id);
    expect(Object.fromEntries(Object.entries(c).map(([step, d]) => [step, d.urgent]))).toEqual({ acknowledge: true, investigation: true, whole_complaint: true, urgent_response: true });
    await clickAt(PEOPLE.li, card, actionValue(cardJson(card), 'complaint.acknowledge'), new Date(night.getTime() + 0.5 * H));

    // 22:00 the next night: both investigations are 24 h old.
    const sent = await sweepAt(new Date(night.getTime() + (24 + 5 / 60) * H));
    const toBoss = sent.filter((m) => m.to === dmTo(PEOPLE.boss));
    expect(toBoss.some((m) => m.text.includes('TS-20261102-001') && m.text.includes('投诉调查') && m.text.includes('超时升级'))).toBe(true);
    expect(toBoss.some((m) => m.text.includes('TS-20261102-002'))).toBe(false);
    expect((await clocks(row.id)).investigation).toMatchObject({ status: 'breached' });

    const morning = await sweepAt(sh('2026-11-04T08:05'));
    expect(morning.some((m) => m.to === dmTo(PEOPLE.boss) && m.text.includes('TS-20261102-002') && m.text.includes('超时升级'))).toBe(true);
  });

  it('a reopened urgent complaint gets urgent clocks again', async () => {
    const { card, row } = await logComplaint(PEOPLE.li, '紧急');
    const closed = await closeWithServiceCause(card);
    await clickAt(PEOPLE.li, card, actionValue(closed.card!.data, 'complaint.reopen'), after(30), { reason: '客户再次投诉' });
    const live = await h.db.select().from(deadlines).where(and(eq(deadlines.subjectType, 'complaint'), eq(deadlines.subjectId, String(row.id)), eq(deadlines.status, 'open')));
    expect(live.map((d) => [d.step, d.urgent]).sort()).toEqual([['investigation', true], ['whole_complaint', true]]);
  });
});

describe('lists, urgent issues, satisfaction and follow-ups', () => {
  it('/投诉 列表 shows open complaints by default and filters by state', async () => {
    const { card } = await logComplaint(PEOPLE.li);
    await sayAt(PEOPLE.li, '/投诉 新建 客户=华星电子 内容=发票抬头错误', after(0.5));
    await closeWithServiceCause(card);
    const open = await h.ask(PEOPLE.boss, '/投诉 列表', { chat: 'p2p', createTime: after(5).getTime() });
    expect(open).toContain('TS-20261102-002');
    expect(open).not.toContain('TS-20261102-001');
    const closed = await h.ask(PEOPLE.boss, '/complaint list state=已结案', { chat: 'p2p', createTime: after(5).getTime() });
    expect(closed).toContain('TS-20261102-001');
    expect(closed).not.toContain('TS-20261102-002');
    expect(await h.ask(PEOPLE.zhang, '/投诉 列表', { chat: 'p2p' })).toContain('没有进行中的投诉');
    expect(await h.ask(PEOPLE.boss, '/投诉 列表 状态=随便', { chat: 'p2p' })).toContain('状态「随便」不在可选范围');
  });

  it('/紧急 opens a 2 h urgent clock that the owner closes from their private card', async () => {
    const { messageId } = await sayAt(PEOPLE.zhang, '/紧急 华星电子 产线停线，急需更换不良品', T0);
    const group = h.repliesTo(messageId)[0]!;
    expect(h.textOf(group)).toContain('紧急问题 JJ-20261102-001');
    expect(actionsOn(cardJson(group))).toEqual([]); // read-only in the group
    const card = dmCard(PEOPLE.li, 'JJ-20261102-001')!;
    expect(actionsOn(cardJson(card))).toEqual(['complaint.urgent_handle']);
    const [issue] = await h.db.select().from(urgentIssues);
    const [clock] = await h.db.select().from(deadlines).where(eq(deadlines.subjectType, 'urgent_issue'));
    expect(clock).toMatchObject({ step: 'urgent_handling', urgent: true, limitAt: after(2), ownerOpenId: PEOPLE.li.openId });
    const value = actionValue(cardJson(card), 'complaint.urgent_handle');
    const refused = await clickAt(PEOPLE.zhang, group, value, after(1), { result: 'x' });
    expect(refused.toast?.content).toContain('没有权限');
    const r = await clickAt(PEOPLE.li, card, value, after(1), { result: '已安排换货' });
    expect(r.toast).toMatchObject({ type: 'success', content: '紧急问题 JJ-20261102-001 已处理。' });
    expect(h.textOf(latest(group))).toContain('已安排换货');
    expect(actionsOn(cardJson(latest(group)))).toEqual([]);
    expect((await h.db.select().from(urgentIssues))[0]).toMatchObject({ id: issue!.id, state: 'handled', result: '已安排换货', handledBy: PEOPLE.li.openId });
    expect((await h.db.select().from(deadlines).where(eq(deadlines.subjectType, 'urgent_issue')))[0]).toMatchObject({ status: 'met' });
  });

  it('/满意度 records a score, reports the department rate and meets the quarter’s survey clock', async () => {
    const job = h.server.runtime.bot.jobs.get('complaints.service-clocks')!;
    const run = await runJob(h.server.runtime.services, job, T0);
    expect(run).toMatchObject({ ran: true, summary: { surveys: 1, quarter: '2026Q4' } });
    expect(await runJob(h.server.runtime.services, job, after(24))).toMatchObject({ ran: true, summary: { surveys: 0 } });
    const [survey] = await h.db.select().from(deadlines).where(eq(deadlines.subjectType, 'satisfaction_survey'));
    expect(survey).toMatchObject({ subjectId: `${customerId}-2026Q4`, ownerOpenId: PEOPLE.li.openId, limitAt: sh('2027-01-01T00:00'), targetAt: sh('2026-12-18T00:00'), status: 'open' });

    const reply = await h.ask(PEOPLE.li, '/满意度 华星电子 5 交期改善明显', { chat: 'p2p', createTime: after(1).getTime() });
    expect(reply).toContain('已记录「华星电子」满意度 5/5（非常满意）');
    expect(reply).toContain('部门满意率 100%');
    expect(await h.db.select().from(satisfactionSurveys)).toEqual([expect.objectContaining({ customerId, score: 5, comment: '交期改善明显', source: 'survey', ownerOpenId: PEOPLE.li.openId })]);
    expect((await h.db.select().from(deadlines).where(eq(deadlines.subjectType, 'satisfaction_survey')))[0]!.status).toBe('met');
    expect(await h.ask(PEOPLE.li, '/satisfaction 华星电子 2', { chat: 'p2p', createTime: after(2).getTime() })).toContain('部门满意率 50%');
  });

  it('only the customer’s owner or a supervisor may record a satisfaction score', async () => {
    const refused = await h.ask(PEOPLE.zhang, '/满意度 华星电子 1 不满意', { chat: 'p2p', createTime: after(1).getTime() });
    expect(refused).toContain('没有权限：只有客户「华星电子」的负责人或主管可以记录满意度');
    expect(await h.ask(PEOPLE.quality, '/满意度 华星电子 3', { chat: 'p2p', createTime: after(1).getTime() })).toContain('没有权限');
    expect(await h.db.select().from(satisfactionSurveys)).toEqual([]);
    expect(await h.ask(PEOPLE.boss, '/满意度 华星电子 4', { chat: 'p2p', createTime: after(2).getTime() })).toContain('已记录「华星电子」满意度 4/5');
    expect(await h.db.select().from(satisfactionSurveys)).toEqual([expect.objectContaining({ score: 4, recordedBy: PEOPLE.boss.openId, ownerOpenId: PEOPLE.li.openId })]);
  });

  it('the weekly nudge lists each owner’s open complaints, and the supervisor sees the count', async () => {
    const { card } = await logComplaint(PEOPLE.li);
    await closeWithServiceCause(card); // TS-20261102-001: closed, not listed
    await sayAt(PEOPLE.zhang, '/投诉 新建 客户=华星电子 内容=发票抬头错误', after(5)); // TS-20261102-002
    await runJob(h.server.runtime.services, h.server.runtime.bot.jobs.get('sla.weekly_nudge')!, sh('2026-11-09T09:30'));
    await h.settle();
    const nudge = (p: Person) => h.fake.messagesIn(p.openId).filter((m) => h.textOf(m).includes('每周跟进提醒')).map(h.textOf).join('\n');
    const li = nudge(PEOPLE.li);
    expect(li).toContain('未结案的投诉（1）');
    expect(li).toContain('TS-20261102-002 华星电子：待受理（🔴超时），11-02 15:00 收到，已 6 天');
    expect(li).not.toContain('TS-20261102-001');
    expect(nudge(PEOPLE.boss)).toMatch(/李业务：[^"]*未结案的投诉 1/);
    expect(nudge(PEOPLE.zhang)).not.toContain('未结案的投诉');
  });

  it('records the quality follow-up with 已回访 from the card the reminder opens; others are refused', async () => {
    await scheduleQualityFollowUp(h.db, { customerId, orderNumber: 'DD-20261001-001', deliveredAt: T0 }, T0);
    const job = h.server.runtime.bot.jobs.get('complaints.service-clocks')!;
    await runJob(h.server.runtime.services, job, after(28 * 24));
    await sweepAt(after(30 * 24 + 1)); // 12-02 11:00
    const reminder = h.fake.messagesIn(PEOPLE.li.openId).find((m) => h.textOf(m).includes('交付后品质回访') && h.textOf(m).includes('sla.done'))!;
    const done = await clickAt(PEOPLE.li, reminder, actionValue(cardJson(reminder), 'sla.done'), after(30 * 24 + 2));
    expect(done.toast?.type).toBe('success');
    const card = h.fake.messagesIn(PEOPLE.li.openId).filter((m) => h.textOf(m).includes('complaint.follow_up_done')).at(-1)!;
    expect(h.textOf(card)).toContain('交付后品质回访');
    const value = actionValue(cardJson(card), 'complaint.follow_up_done');

    const refused = await clickAt(PEOPLE.zhang, card, value, after(30 * 24 + 3), { note: '客户说还行' });
    expect(refused.toast).toEqual({ type: 'warning', content: '没有权限：只有负责回访的业务员或主管可以登记回访。' });
    const noNote = await clickAt(PEOPLE.li, card, value, after(30 * 24 + 3), { note: '' });
    expect(noNote.toast?.type).toBe('warning');
    expect((await h.db.select().from(followUps))[0]).toMatchObject({ status: 'open', note: null });

    const r = await clickAt(PEOPLE.li, card, value, after(30 * 24 + 3), { note: '客户反馈质量稳定，无异常' });
    expect(r.toast).toEqual({ type: 'success', content: '已登记回访。' });
    expect(JSON.stringify(r.card!.data)).toContain('已回访');
    expect(actionsOn(r.card!.data)).toEqual([]);
    expect((await h.db.select().from(followUps))[0]).toMatchObject({ status: 'done', note: '客户反馈质量稳定，无异常', doneBy: PEOPLE.li.openId, doneAt: after(30 * 24 + 3) });
    expect((await h.db.select().from(deadlines).where(eq(deadlines.subjectType, 'follow_up')))[0]).toMatchObject({ status: 'met' });
    const twice = await clickAt(PEOPLE.li, card, value, after(30 * 24 + 4), { note: '再记一次' });
    expect(twice.toast?.content).toContain('卡片已过期');
  });

  it('reminds the owner of the quality follow-up a month after delivery', async () => {
    await scheduleQualityFollowUp(h.db, { customerId, orderNumber: 'DD-20261001-001', deliveredAt: T0 }, T0);
    await scheduleQualityFollowUp(h.db, { customerId, orderNumber: 'DD-20261001-001', deliveredAt: T0 }, T0); // twice: still one
    const job = h.server.runtime.bot.jobs.get('complaints.service-clocks')!;
    expect(await runJob(h.server.runtime.services, job, after(24))).toMatchObject({ summary: { followUps: 0 } });
    expect(await runJob(h.server.runtime.services, job, after(28 * 24))).toMatchObject({ summary: { followUps: 1 } });
    const sent = await sweepAt(after(30 * 24 + 1)); // 12-02 11:00
    const toLi = sent.filter((m) => m.to === dmTo(PEOPLE.li));
    expect(toLi.some((m) => m.text.includes('交付后品质回访'))).toBe(true);
  });
});

describe('customer transfer (/客户 转交)', () => {
  it('moves the customer’s open complaint, urgent issue, quality follow-up and pending survey with their clocks; finished ones and the 责任人 stay; later reminders go to the new owner', async () => {
    const job = h.server.runtime.bot.jobs.get('complaints.service-clocks')!;
    // Two follow-ups (one recorded before the transfer) and the quarter's survey, opened by the daily job.
    await scheduleQualityFollowUp(h.db, { customerId, orderNumber: 'DD-20261003-001', deliveredAt: sh('2026-10-03T10:00') }, T0);
    await scheduleQualityFollowUp(h.db, { customerId, orderNumber: 'DD-20261005-001', deliveredAt: sh('2026-10-05T10:00') }, T0);
    expect(await runJob(h.server.runtime.services, job, T0)).toMatchObject({ summary: { followUps: 2, surveys: 1 } });
    await sweepAt(after(0.1)); // the 10-03 delivery is due today: li is reminded, records it from the card
    const reminder = h.fake.messagesIn(PEOPLE.li.openId).find((m) => h.textOf(m).includes('交付后品质回访') && h.textOf(m).includes('sla.done'))!;
    await clickAt(PEOPLE.li, reminder, actionValue(cardJson(reminder), 'sla.done'), after(0.2));
    const fuCard = h.fake.messagesIn(PEOPLE.li.openId).filter((m) => h.textOf(m).includes('complaint.follow_up_done')).at(-1)!;
    expect((await clickAt(PEOPLE.li, fuCard, actionValue(cardJson(fuCard), 'complaint.follow_up_done'), after(0.3), { note: '客户反馈质量稳定' })).toast?.type).toBe('success');

    // TS-…-001 closed; TS-…-002 open, investigated with li himself as 责任人.
    const { card } = await logComplaint(PEOPLE.li);
    await closeWithServiceCause(card);
    await sayAt(PEOPLE.li, '/投诉 新建 客户=华星电子 内容=发票抬头错误', after(4.5));
    let open = dmCard(PEOPLE.li, 'TS-20261102-002')!;
    let r = await clickAt(PEOPLE.li, open, actionValue(cardJson(open), 'complaint.acknowledge'), after(4.6));
    r = await clickAt(PEOPLE.li, open, actionValue(r.card!.data, 'complaint.investigate'), after(4.7), { cause: 'communication', responsible: PEOPLE.li.openId, loss: '200', findings: '开票信息未核对' });
    expect(r.toast?.type).toBe('success');

    // JJ-…-001 handled; JJ-…-002 open on its 2 h clock.
    await sayAt(PEOPLE.zhang, '/紧急 华星电子 来料不良', after(5));
    const jj1 = dmCard(PEOPLE.li, 'JJ-20261102-001')!;
    expect((await clickAt(PEOPLE.li, jj1, actionValue(cardJson(jj1), 'complaint.urgent_handle'), after(5.2), { result: '已换货' })).toast?.type).toBe('success');
    await sayAt(PEOPLE.zhang, '/紧急 华星电子 产线停线', after(6));

    const reply = await h.ask(PEOPLE.boss, '/客户 转交 华星电子 @张业务', { mentions: [PEOPLE.zhang], createTime: after(6.5).getTime() });
    expect(reply).toContain('从 李业务 转交给 张业务');
    const moved = '1 条未结投诉、1 个紧急问题、1 次品质回访、1 次满意度调查';
    expect(reply).toContain(moved);
    expect(h.fake.messagesIn(PEOPLE.zhang.openId).map(h.textOf).find((t) => t.includes('转交给你负责'))).toContain(moved);
    const [audit] = await h.db.select().from(auditLog).where(eq(auditLog.action, 'customer.transfer'));
    expect((audit!.detail as { elsewhere: string[] }).elsewhere).toContain(moved);

    // Records: the open ones are the new owner's, the finished ones and the 责任人 stay.
    const owners = (rows: Array<{ ownerOpenId: string | null }>) => rows.map((x) => x.ownerOpenId);
    const all = await h.db.select().from(complaints).orderBy(complaints.id);
    expect(all.map((c) => [c.number, c.state, c.ownerOpenId, c.responsibleOpenId])).toEqual([
      ['TS-20261102-001', 'closed', PEOPLE.li.openId, PEOPLE.zhang.openId],
      ['TS-20261102-002', 'investigated', PEOPLE.zhang.openId, PEOPLE.li.openId],
    ]);
    expect((await h.db.select().from(urgentIssues).orderBy(urgentIssues.id)).map((u) => [u.state, u.ownerOpenId])).toEqual([['handled', PEOPLE.li.openId], ['open', PEOPLE.zhang.openId]]);
    expect((await h.db.select().from(followUps).orderBy(followUps.id)).map((f) => [f.status, f.ownerOpenId])).toEqual([['done', PEOPLE.li.openId], ['open', PEOPLE.zhang.openId]]);
    expect(owners(await h.db.select().from(satisfactionSurveys))).toEqual([PEOPLE.li.openId]); // the closing's score counts for li

    // Clocks: every live one of these records is the new owner's; the met ones stay li's.
    const service = await h.db.select().from(deadlines).where(inArray(deadlines.subjectType, ['complaint', 'urgent_issue', 'follow_up', 'satisfaction_survey']));
    const live = service.filter((d) => ['open', 'breached', 'paused'].includes(d.status));
    expect(live.map((d) => `${d.subjectType}:${d.step}`).sort()).toEqual(['complaint:resolution', 'complaint:whole_complaint', 'follow_up:quality_follow_up', 'satisfaction_survey:satisfaction_survey', 'urgent_issue:urgent_handling']);
    expect(new Set(owners(live))).toEqual(new Set([PEOPLE.zhang.openId]));
    const done = service.filter((d) => !live.includes(d));
    expect(done.length).toBeGreaterThanOrEqual(7); // TS-001's four, TS-002's two, JJ-001's, the recorded follow-up's
    expect(new Set(owners(done))).toEqual(new Set([PEOPLE.li.openId]));

    // Later sweeps: the urgent issue's breach and the follow-up's reminder name or reach zhang; li hears nothing.
    const breach = await sweepAt(after(8 + 5 / 60));
    const toBoss = breach.filter((m) => m.to === dmTo(PEOPLE.boss) && m.text.includes('JJ-20261102-002')).map((m) => m.text).join('\n');
    expect(toBoss).toContain('张业务');
    expect(toBoss).not.toContain('李业务');
    const followUp = await sweepAt(sh('2026-11-04T10:05'));
    expect(followUp.some((m) => m.to === dmTo(PEOPLE.zhang) && m.text.includes('交付后品质回访'))).toBe(true);
    expect([...breach, ...followUp].filter((m) => m.to === dmTo(PEOPLE.li))).toEqual([]);
    // The new owner may now act on the urgent issue; the old one may not.
    const jj2 = (await h.db.select().from(urgentIssues).where(eq(urgentIssues.state, 'open')))[0]!;
    const value = { action: 'complaint.urgent_handle', id: jj2.id, v: jj2.version };
    expect((await clickAt(PEOPLE.li, jj1, value, after(48), { result: '已处理' })).toast?.content).toContain('没有权限');
  });
});

describe('bad input', () => {
  it('refuses an unknown customer and writes nothing', async () => {
    const reply = await h.ask(PEOPLE.zhang, '/投诉 新建 客户=不存在公司 内容=质量问题', { chat: 'group', createTime: T0.getTime() });
    expect(reply).toContain('没有客户「不存在公司」');
    expect(await h.db.select().from(complaints)).toEqual([]);
    expect(await h.db.select().from(deadlines)).toEqual([]);
    expect(await h.ask(PEOPLE.zhang, '/紧急 不存在公司 停线', { chat: 'p2p' })).toContain('没有客户「不存在公司」');
    expect(await h.ask(PEOPLE.zhang, '/满意度 不存在公司 4', { chat: 'p2p' })).toContain('没有客户「不存在公司」');
  });

  it('refuses satisfaction 7 with the usage and records nothing', async () => {
    const reply = await h.ask(PEOPLE.li, '/满意度 华星电子 7', { chat: 'p2p' });
    expect(reply).toContain('满意度 须是 1–5 的整数');
    expect(reply).toContain('用法：/满意度 <客户> <1-5> [意见]');
    expect(await h.db.select().from(satisfactionSurveys)).toEqual([]);
  });

  it('names the missing field of /投诉 新建 and an unknown complaint number', async () => {
    expect(await h.ask(PEOPLE.li, '/投诉 新建 客户=华星电子', { chat: 'p2p' })).toContain('缺少 内容');
    expect(await h.ask(PEOPLE.li, '/投诉 TS-20991231-009', { chat: 'p2p' })).toContain('没有投诉「TS-20991231-009」');
    expect(await h.ask(PEOPLE.li, '/投诉', { chat: 'p2p' })).toContain('缺少 投诉编号');
  });

  it('refuses a 服务质量 investigation without a responsible person, or with a bad loss, and changes nothing', async () => {
    const { card } = await logComplaint();
    const r = await clickAt(PEOPLE.li, card, actionValue(cardJson(card), 'complaint.acknowledge'), after(1));
    const value = actionValue(r.card!.data, 'complaint.investigate');
    const noOne = await clickAt(PEOPLE.li, card, value, after(2), { cause: 'service', loss: '1000', findings: 'x' });
    expect(noOne.toast).toEqual({ type: 'warning', content: '原因为「服务质量」时须选择责任人。' });
    const badLoss = await clickAt(PEOPLE.li, card, value, after(2), { cause: 'service', responsible: PEOPLE.zhang.openId, loss: '一千', findings: 'x' });
    expect(badLoss.toast?.content).toContain('损失金额「一千」不是有效金额');
    const noCause = await clickAt(PEOPLE.li, card, value, after(2), { loss: '0', findings: 'x' });
    expect(noCause.toast?.content).toBe('缺少 原因类别');
    expect(await current()).toMatchObject({ state: 'acknowledged', version: 2, cause: null });
  });

  it('refuses a 责任人 the bot does not know (a forged picker value) and changes nothing', async () => {
    const { card } = await logComplaint();
    const r = await clickAt(PEOPLE.li, card, actionValue(cardJson(card), 'complaint.acknowledge'), after(1));
    const value = actionValue(r.card!.data, 'complaint.investigate');
    const stranger = await clickAt(PEOPLE.li, card, value, after(2), { cause: 'service', responsible: 'ou_stranger', loss: '1000', findings: '业务员未及时通知' });
    expect(stranger.toast).toEqual({ type: 'warning', content: '责任人须是已绑定角色的同事，请从「责任人」列表中选择。' });
    expect(await current()).toMatchObject({ state: 'acknowledged', version: 2, responsibleOpenId: null });
    const known = await clickAt(PEOPLE.li, card, value, after(2), { cause: 'service', responsible: PEOPLE.zhang.openId, loss: '1000', findings: '业务员未及时通知' });
    expect(known.toast?.type).toBe('success');
  });
});
