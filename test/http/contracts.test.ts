/**
 * Contract approval from message cards, over the webhook with encrypted, signed events (issue 7):
 * - a salesperson submits; the reply names the number and the status; each supervisor gets an
 *   approval card (customer, amount, terms, linked order, the customer's pipeline stage, the
 *   comment form); one approves with a comment; the submitter is notified with the decision
 *   and comment; the other supervisor's card is patched to show who decided what and when;
 * - approve and reject clicked concurrently by two supervisors: exactly one decision is
 *   recorded, the submitter hears once, the loser gets a toast and the current card — also when
 *   the other decision lands between the loser's read and write (the version lock catches it);
 * - a salesperson (and the submitter) clicking 批准, a forged value with another contract's id,
 *   an outdated version and a rejection without a comment are refused; nothing changes; every
 *   attempt is in audit_log;
 * - above the gm threshold a supervisor's approval is not final: gm gets a card, a supervisor
 *   cannot finish it, gm's approval does;
 * - a pending approval is reminded after 4 working hours (once, however often the job runs)
 *   and escalated to gm after 1 working day (the job run with explicit `now` values);
 * - a rejected contract is revised as a new version, sent for approval again, and /合同 <编号>
 *   shows both versions and every decision; then signed (with the SPEC clocks; not before the
 *   approval, not in the future), archived, CRM entry;
 * - nothing of a contract goes into a group: 提交, 列表, 待审 and /合同 <编号> asked there answer
 *   「已私信发给你」 and send the card (with the decision form, for an approver) by DM;
 * - a supervisor's deputy (/代理) decides on their behalf and the decision records both names;
 * - /合同 列表, /合同 待审, the form card (submitted once only), and bad input (amount ≤ 0,
 *   missing amount, unknown customer) answered in Chinese without writing a contract.
 */
import { cardCallbacks, cardNodes } from '../../src/platform/cards';
import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractsModule } from '../../src/modules/contracts';
import { contractsConfig } from '../../src/modules/contracts/contracts.config';
import { contractApprovals, contracts } from '../../src/modules/contracts/contracts.schema';
import { customers } from '../../src/modules/customers';
import { orders } from '../../src/modules/orders';
import type { FakeMessage } from '../../src/local/fake-openapi';
import { auditLog } from '../../src/platform/db/core.schema';
import { runJob } from '../../src/platform/jobs/runner';
import { deadlines } from '../../src/platform/sla/sla.schema';
import { GROUP, PEOPLE, startHarness, type Harness, type Person } from '../fakes/harness';

const { boss, boss2, li, zhang, gm } = PEOPLE;
const sh = (local: string) => new Date(`${local}:00+08:00`);
const approvalJob = contractsModule.jobs!.find((j) => j.name === 'contracts.approvals')!;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.setRole(boss, 'supervisor');
  await h.setRole(boss2, 'supervisor');
  await h.setRole(li, 'sales');
  await h.setRole(zhang, 'sales');
  await h.setRole(gm, 'gm');
  const t = sh('2026-11-01T09:00');
  await h.db.insert(customers).values([
    { name: '华强电子', ownerOpenId: li.openId, state: 'negotiation', stateEnteredAt: t, createdAt: t, updatedAt: t },
    { name: '远航机械', ownerOpenId: zhang.openId, state: 'contract', stateEnteredAt: t, createdAt: t, updatedAt: t },
  ]);
  // The order the first contract links to (订单= is checked against the orders module).
  const [hq] = await h.db.select().from(customers).where(eq(customers.name, '华强电子'));
  await h.db.insert(orders).values({
    id: 'DD-20261201-001', customerId: hq!.id, customerName: '华强电子', ownerOpenId: li.openId, product: '控制柜', qty: 10, unitPrice: 12_000, amount: 120_000,
    dueDate: '2026-12-31', payBy: '2027-01-30', state: 'received', receivedAt: t, confirmFrom: t, createdAt: t, updatedAt: t,
  });
});
afterAll(() => h.close());

// ---------------------------------------------------------------------------------------------
// helpers

const numberIn = (text: string) => /HT-\d{8}-\d{3}/.exec(text)?.[0] ?? '';

async function submit(from: Person, fields: string, opts: { createTime?: number } = {}): Promise<{ number: string; reply: string }> {
  const reply = await h.ask(from, `/合同 提交 ${fields}`, opts);
  const number = numberIn(reply);
  expect(number, reply).not.toBe('');
  return { number, reply };
}

const cardsFor = (p: Person, number: string): FakeMessage[] => h.fake.messagesIn(p.openId).filter((m) => m.msg_type === 'interactive' && m.content.includes(number));
/** The card with the decision form (the approval card) a person got for a contract, newest first. */
const approvalCard = (p: Person, number: string) => cardsFor(p, number).filter((m) => m.content.includes('contract.approve')).at(-1);

function buttonValue(card: unknown, name: string): Record<string, unknown> {
  const [button] = cardNodes(card, (o) => o.tag === 'button' && o.name === name);
  if (!button) throw new Error(`no button "${name}" in card`);
  return cardCallbacks(button)[0]!;
}
const valueOf = (m: FakeMessage, name: 'approve' | 'reject') => buttonValue(JSON.parse(m.content), name);

async function contract(number: string) {
  const [c] = await h.db.select().from(contracts).where(eq(contracts.number, number));
  return c!;
}
const decisionsOf = async (id: number) => h.db.select().from(contractApprovals).where(eq(contractApprovals.contractId, id));
const noticesTo = (p: Person, number: string, title: string) => cardsFor(p, number).filter((m) => m.content.includes(title));
const refusals = async (actor: Person, id: number) =>
  h.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.actor, actor.openId), eq(auditLog.subjectType, 'contract'), eq(auditLog.subjectId, String(id)), eq(auditLog.outcome, 'refused')));

// ---------------------------------------------------------------------------------------------

describe('submitting and approving from cards', () => {
  it('sends every supervisor an approval card; one approves with a comment; the submitter is notified and the other card shows the decision', async () => {
    const { number, reply } = await submit(li, '客户=华强电子 金额=12万 付款条件="预付30%，发货前付清" 交期=2026-12-31 订单=DD-20261201-001');
    expect(reply).toContain('待主管审批');
    expect(reply).toContain('已发给');

    const card1 = approvalCard(boss, number)!;
    const card2 = approvalCard(boss2, number)!;
    for (const card of [card1, card2]) {
      expect(card.content).toContain('华强电子');
      expect(card.content).toContain('¥120,000');
      expect(card.content).toContain('预付30%');
      expect(card.content).toContain('DD-20261201-001');
      expect(card.content).toContain('阶段：合同签署'); // the customer's pipeline stage (the submission moved it on from 商务谈判)
      expect(card.content).toContain('"name":"comment"');
    }
    expect(approvalCard(li, number)).toBeUndefined();
    expect(approvalCard(gm, number)).toBeUndefined(); // below the threshold: no gm level

    const res = await h.click(boss, card1, valueOf(card1, 'approve'), { comment: '价格合理，同意' });
    expect(res.status).toBe(200);
    expect(res.toast).toMatchObject({ type: 'success' });
    expect(res.toast!.content).toContain(number);
    const answered = JSON.stringify(res.card!.data);
    expect(answered).toContain('价格合理，同意');
    expect(answered).not.toContain('contract.approve');

    const c = await contract(number);
    expect(c.state).toBe('approved');
    expect(await decisionsOf(c.id)).toMatchObject([{ decision: 'approved', deciderOpenId: boss.openId, comment: '价格合理，同意', level: 1, onBehalfOf: null }]);

    const notice = noticesTo(li, number, '合同已批准');
    expect(notice).toHaveLength(1);
    expect(notice[0]!.content).toContain('王主管');
    expect(notice[0]!.content).toContain('价格合理，同意');

    const other = h.fake.messages.get(card2.message_id)!;
    expect(other.updates).toBeGreaterThan(0);
    expect(other.content).toContain('王主管');
    expect(other.content).toContain('批准');
    expect(other.content).toContain('价格合理，同意');
    expect(other.content).not.toContain('contract.approve'); // no buttons left to press

    const status = cardsFor(li, number).find((m) => m.content.includes('"合同 · '))!;
    expect(status.content).toContain('已批准');

    const sign = await h.db.select().from(deadlines).where(and(eq(deadlines.subjectType, 'contract'), eq(deadlines.subjectId, String(c.id)), eq(deadlines.step, 'sign')));
    expect(sign).toHaveLength(1);
    expect(sign[0]).toMatchObject({ status: 'open', ownerOpenId: li.openId });
  });

  it('records exactly one decision when approve and reject are clicked at the same time', async () => {
    const { number } = await submit(li, '客户=华强电子 金额=9.8万');
    const card1 = approvalCard(boss, number)!;
    const card2 = approvalCard(boss2, number)!;
    const [a, b] = await Promise.all([
      h.click(boss, card1, valueOf(card1, 'approve'), { comment: '同意' }),
      h.click(boss2, card2, valueOf(card2, 'reject'), { comment: '价格太低' }),
    ]);
    const toasts = [a.toast!, b.toast!];
    expect(toasts.filter((t) => t.type === 'success')).toHaveLength(1);
    expect(toasts.filter((t) => t.type === 'warning')).toHaveLength(1);

    const c = await contract(number);
    const decided = await decisionsOf(c.id);
    expect(decided).toHaveLength(1);
    expect(c.state).toBe(decided[0]!.decision === 'approved' ? 'approved' : 'rejected');
    const loser = a.toast!.type === 'warning' ? a : b;
    expect(loser.toast!.content).toContain('未生效');
    expect(JSON.stringify(loser.card!.data)).not.toContain('contract.approve');

    expect([...noticesTo(li, number, '合同已批准'), ...noticesTo(li, number, '合同被驳回')]).toHaveLength(1);
  });

  it('answers the loser with the current card when the other decision lands between its read and its write', async () => {
    const { number } = await submit(li, '客户=华强电子 金额=4.4万');
    const { id } = await contract(number);
    const card = approvalCard(boss, number)!;
    // Stands in for a second writer the database does not serialise: 陈主管's rejection is written
    // while 王主管's approval is on its way, and 王主管's UPDATE then finds the row changed.
    await h.db.run(
      sql.raw(`CREATE TRIGGER contract_race BEFORE UPDATE OF state ON contracts WHEN OLD.id = ${id} AND NEW.state = 'approved' BEGIN
        INSERT INTO contract_approvals (contract_id, revision, level, decision, comment, decider_open_id, decider_role, decided_at) VALUES (OLD.id, OLD.revision, 1, 'rejected', '价格太低', '${boss2.openId}', 'supervisor', ${Date.now()});
        UPDATE contracts SET state = 'rejected', level = 0, version = OLD.version + 1 WHERE id = OLD.id;
        SELECT RAISE(IGNORE);
      END`),
    );
    let res: Awaited<ReturnType<Harness['click']>>;
    try {
      res = await h.click(boss, card, valueOf(card, 'approve'), { comment: '同意' });
    } finally {
      await h.db.run(sql.raw('DROP TRIGGER contract_race'));
    }
    expect(res.toast).toMatchObject({ type: 'warning' });
    expect(res.toast!.content).toContain('陈主管');
    expect(res.toast!.content).toContain('未生效');
    const answered = JSON.stringify(res.card!.data);
    expect(answered).toContain('已驳回');
    expect(answered).toContain('价格太低');
    expect(answered).not.toContain('contract.approve');
    expect(await decisionsOf(id)).toMatchObject([{ decision: 'rejected', deciderOpenId: boss2.openId }]);
    expect((await contract(number)).state).toBe('rejected');
    expect(noticesTo(li, number, '合同已批准')).toHaveLength(0);
    expect((await refusals(boss, id)).map((r) => (r.detail as { code: string }).code)).toEqual(['STALE']);
  });
});

describe('refusals change nothing and are audited', () => {
  let number: string;
  let id: number;
  let card: FakeMessage;
  beforeAll(async () => {
    ({ number } = await submit(li, '客户=华强电子 金额=5万'));
    id = (await contract(number)).id;
    card = approvalCard(boss, number)!;
  });

  it('refuses a salesperson and the submitter clicking 批准 with a forged value', async () => {
    const before = await contract(number);
    const own = cardsFor(li, number)[0]!; // any card of theirs to click on
    const zhangMsg = (await h.say(zhang, '/合同 待审')).messageId;
    const zhangCard = h.repliesTo(zhangMsg)[0]!;
    const forged = { action: 'contract.approve', id, v: before.version };

    const bySales = await h.click(zhang, zhangCard, forged, { comment: '我来批' });
    expect(bySales.toast).toMatchObject({ type: 'error' });
    expect(bySales.toast!.content).toContain('没有权限');
    expect(bySales.card).toBeUndefined(); // nothing about someone else's contract is shown

    const bySubmitter = await h.click(li, own, forged);
    expect(bySubmitter.toast!.content).toContain('没有权限');

    expect(await contract(number)).toEqual(before);
    expect(await decisionsOf(id)).toHaveLength(0);
    expect(await refusals(zhang, id)).toMatchObject([{ action: 'contract.approve', detail: { code: 'NOT_ALLOWED' } }]);
    expect(await refusals(li, id)).toHaveLength(1);
  });

  it('refuses an outdated version with a toast and the current card, and a rejection without a comment', async () => {
    const before = await contract(number);
    const old = await h.click(boss, card, { action: 'contract.approve', id, v: before.version - 1 });
    expect(old.toast).toMatchObject({ type: 'warning' });
    expect(old.toast!.content).toContain('过期');
    expect(JSON.stringify(old.card!.data)).toContain(`"v":${before.version}`); // the current card carries the current version

    const empty = await h.click(boss, card, valueOf(card, 'reject'), { comment: '   ' });
    expect(empty.toast).toMatchObject({ type: 'warning' });
    expect(empty.toast!.content).toContain('审批意见');

    expect(await contract(number)).toEqual(before);
    expect(await decisionsOf(id)).toHaveLength(0);
    expect((await refusals(boss, id)).map((r) => (r.detail as { code: string }).code)).toEqual(['STALE', 'MISSING_FIELDS']);
  });

  it('refuses a forged value carrying another contract’s id for someone without the right', async () => {
    const { number: other } = await submit(zhang, '客户=远航机械 金额=3万');
    const otherId = (await contract(other)).id;
    const liCard = cardsFor(li, number)[0]!;
    const res = await h.click(li, liCard, { action: 'contract.reject', id: otherId, v: 2 }, { comment: '不行' });
    expect(res.toast!.content).toContain('没有权限');
    expect((await contract(other)).state).toBe('submitted');
    expect(await refusals(li, otherId)).toHaveLength(1);
  });
});

describe('two-level chain', () => {
  it('is not final until gm approves a contract above the threshold', async () => {
    const amount = contractsConfig.gmThreshold + 300_000;
    const { number } = await submit(li, `客户=华强电子 金额=${amount}`);
    const card = approvalCard(boss, number)!;
    expect(card.content).toContain('批准并转总经办');

    const first = await h.click(boss, card, valueOf(card, 'approve'), { comment: '同意，请总经办定' });
    expect(first.toast!.content).toContain('总经办');
    let c = await contract(number);
    expect(c.state).toBe('pending_gm');
    expect(noticesTo(li, number, '合同已批准')).toHaveLength(0);
    expect(noticesTo(li, number, '主管已批准，待总经办审批')).toHaveLength(1);

    // A supervisor cannot finish it, even with the current version.
    const bySupervisor = await h.click(boss2, approvalCard(boss2, number) ?? card, { action: 'contract.approve', id: c.id, v: c.version });
    expect(bySupervisor.toast!.content).toContain('总经办');
    expect((await contract(number)).state).toBe('pending_gm');

    const gmCard = approvalCard(gm, number)!;
    expect(gmCard.content).toContain('同意，请总经办定'); // the first level's decision is on gm's card
    const final = await h.click(gm, gmCard, valueOf(gmCard, 'approve'), { comment: '批准' });
    expect(final.toast).toMatchObject({ type: 'success' });
    c = await contract(number);
    expect(c.state).toBe('approved');
    expect((await decisionsOf(c.id)).map((d) => [d.level, d.deciderOpenId])).toEqual([
      [1, boss.openId],
      [2, gm.openId],
    ]);
    expect(noticesTo(li, number, '合同已批准')).toHaveLength(1);
  });
});

describe('silent approvers', () => {
  it('reminds after 4 working hours, once, and escalates to gm after 1 working day', async () => {
    const { number } = await submit(li, '客户=华强电子 金额=6万', { createTime: sh('2026-11-16T10:00').getTime() });
    const services = h.server.runtime.services;
    const reminders = (p: Person) => cardsFor(p, number).filter((m) => m.content.includes('催办'));
    const escalations = (p: Person) => cardsFor(p, number).filter((m) => m.content.includes('超时升级'));

    await runJob(services, approvalJob, sh('2026-11-16T15:25'));
    await h.settle();
    expect(reminders(boss)).toHaveLength(0);

    await runJob(services, approvalJob, sh('2026-11-16T15:30'));
    await runJob(services, approvalJob, sh('2026-11-16T15:35'));
    await h.settle();
    expect(reminders(boss)).toHaveLength(1);
    expect(reminders(boss2)).toHaveLength(1);
    expect(reminders(boss)[0]!.content).toContain('contract.approve'); // decide right from the reminder
    expect(escalations(gm)).toHaveLength(0);

    await runJob(services, approvalJob, sh('2026-11-17T10:00'));
    await h.settle();
    expect(escalations(gm)).toHaveLength(1);
    expect(escalations(gm)[0]!.content).not.toContain('contract.approve'); // gm is told, the supervisors decide
    expect(escalations(gm)[0]!.content).toContain('王主管');
    expect(reminders(boss)).toHaveLength(1);

    await runJob(services, approvalJob, sh('2026-11-17T15:30'));
    await h.settle();
    expect(reminders(boss)).toHaveLength(2); // daily after the first
    expect(escalations(gm)).toHaveLength(1);

    // Deciding from the reminder ends it: the next day brings nothing.
    const last = reminders(boss).at(-1)!;
    await h.click(boss, last, valueOf(last, 'approve'), { comment: '同意' });
    expect((await contract(number)).state).toBe('approved');
    const cards = cardsFor(boss, number).length;
    await runJob(services, approvalJob, sh('2026-11-18T15:30'));
    await h.settle();
    expect(cardsFor(boss, number)).toHaveLength(cards);
  });
});

describe('after the decision', () => {
  it('revises a rejected contract as a new version and shows the whole history', async () => {
    const { number } = await submit(li, '客户=华强电子 金额=20万 说明=首单');
    const card = approvalCard(boss, number)!;
    await h.click(boss, card, valueOf(card, 'reject'), { comment: '付款条件太松' });
    expect(noticesTo(li, number, '合同被驳回')[0]!.content).toContain('付款条件太松');

    expect(await h.ask(zhang, `/合同 修改 ${number} 金额=21万`)).toContain('没有权限');
    const revised = await h.ask(li, `/合同 修改 ${number} 金额=21万 付款条件=预付50%`);
    expect(revised).toContain('第 2 版');
    const c = await contract(number);
    expect(c).toMatchObject({ state: 'submitted', revision: 2, amount: 210_000, terms: '预付50%' });

    const again = approvalCard(boss, number)!;
    expect(again.message_id).not.toBe(card.message_id);
    await h.click(boss2, approvalCard(boss2, number)!, valueOf(approvalCard(boss2, number)!, 'approve'), { comment: '可以' });

    const history = await h.ask(li, `/合同 ${number}`);
    for (const s of ['第 1 版', '第 2 版', '付款条件太松', '可以', '王主管', '陈主管', '¥210,000', '原 ¥200,000']) expect(history).toContain(s);
  });

  it('signs with a date, then archives and records the CRM entry, with the SPEC clocks in between', async () => {
    const { number } = await submit(li, '客户=华强电子 金额=3万');
    const card = approvalCard(boss, number)!;
    await h.click(boss, card, valueOf(card, 'approve'));
    expect(await h.ask(li, `/合同 签署 ${number} 2099-01-01`)).toContain('还没到');
    const approvedOn = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
    expect(await h.ask(li, `/合同 签署 ${number} 2026-01-02`)).toContain(`签署日期 2026-01-02 早于合同批准日期 ${approvedOn}`);
    expect((await contract(number)).state).toBe('approved');
    const signed = await h.ask(li, `/合同 签署 ${number} 今天`);
    expect(signed).toContain('已登记签署');
    expect(signed).toContain('合同归档');
    expect(signed).toContain('CRM 录入');
    const c = await contract(number);
    const open = await h.db.select().from(deadlines).where(and(eq(deadlines.subjectType, 'contract'), eq(deadlines.subjectId, String(c.id))));
    expect(Object.fromEntries(open.map((d) => [d.step, d.status]))).toEqual({ sign: 'met', archive: 'open', crm_entry: 'open' });

    expect(await h.ask(li, `/合同 归档 ${number}`)).toContain('已归档');
    expect(await h.ask(li, `/合同 录入 ${number}`)).toContain('流程已完成');
    expect(await h.ask(li, `/合同 录入 ${number}`)).toContain('已于');
    const after = await h.db.select().from(deadlines).where(and(eq(deadlines.subjectType, 'contract'), eq(deadlines.subjectId, String(c.id))));
    expect(after.every((d) => d.status === 'met')).toBe(true);
    expect((await contract(number)).state).toBe('archived');
  });
});

describe('lists and forms', () => {
  it('lists what waits for me, and my own contracts', async () => {
    const { number } = await submit(li, '客户=华强电子 金额=7万');
    const pending = await h.ask(boss, '/合同 待审');
    expect(pending).toContain(number);
    expect(pending).toContain('contract.open');
    expect(await h.ask(gm, '/合同 待审')).not.toContain(number);
    expect(await h.ask(li, '/contract list status=pending')).toContain(number);
    expect(await h.ask(zhang, '/合同 列表')).not.toContain(number);
    expect(await h.ask(zhang, `/合同 ${number}`)).toContain('没有权限查看');
  });

  it('submits once from the form card', async () => {
    const form = await h.say(li, '/合同 提交');
    const card = h.repliesTo(form.messageId)[0]!;
    expect(card.content).toContain('select_static');
    const value = buttonValue(JSON.parse(card.content), 'submit');
    const res = await h.click(li, card, value, { customer: '华强电子', amount: '4.5万', terms: '', note: '表单提交' });
    expect(res.toast).toMatchObject({ type: 'success' });
    const number = numberIn(res.toast!.content);
    expect((await contract(number)).amount).toBe(45_000);
    expect(approvalCard(boss, number)).toBeDefined();
    const twice = await h.click(li, card, value, { customer: '华强电子', amount: '4.5万' });
    expect(twice.toast!.content).toContain('已经提交过');
    const bad = await h.click(li, card, value, { customer: '华强电子', amount: '0' });
    expect(bad.toast!.content).toContain('金额');
  });

  it('answers bad input in Chinese and writes no contract', async () => {
    const before = (await h.db.select({ n: count() }).from(contracts))[0]!.n;
    expect(await h.ask(li, '/合同 提交 客户=华强电子 金额=0')).toContain('须大于 0');
    expect(await h.ask(li, '/合同 提交 客户=华强电子 金额=-5')).toContain('不是有效金额');
    expect(await h.ask(li, '/contract submit customer=华强电子 amount=0')).toContain('须大于 0');
    expect(await h.ask(li, '/合同 提交 客户=华强电子')).toContain('缺少 金额');
    expect(await h.ask(li, '/合同 提交 客户=不存在的公司 金额=1万')).toContain('没有客户「不存在的公司」');
    expect(await h.ask(li, '/合同 提交 客户=远航机械 金额=1万')).toContain('不是你负责的客户');
    expect((await h.db.select({ n: count() }).from(contracts))[0]!.n).toBe(before);
  });
});

describe('group chats', () => {
  const botSaidInGroup = () => h.fake.messagesIn(GROUP).filter((m) => m.sender_type === 'app').map((m) => m.content).join('\n');

  it('keeps amounts, terms and the decision form out of the group: 提交, 列表, 待审 and /合同 <编号> go by DM', async () => {
    const submitted = await h.ask(li, '/合同 提交 客户=华强电子 金额=6.6万 付款条件=预付20%', { chat: 'group' });
    const number = numberIn(submitted);
    expect(submitted).toContain('待主管审批');
    expect(submitted).toContain('已私信发给你');
    expect(cardsFor(li, number).some((m) => m.content.includes('¥66,000') && m.content.includes('预付20%'))).toBe(true);

    expect(await h.ask(boss, '/合同 列表', { chat: 'group' })).toContain('已私信发给你');
    expect(h.fake.messagesIn(boss.openId).filter((m) => m.msg_type === 'interactive').at(-1)!.content).toContain('¥66,000');

    const before = cardsFor(boss, number).length;
    expect(await h.ask(boss, `/合同 ${number}`, { chat: 'group' })).toContain(`合同 ${number} 的审批卡片已私信发给你`);
    const mine = cardsFor(boss, number);
    expect(mine.length).toBe(before + 1);
    expect(mine.at(-1)!.content).toContain('contract.approve');

    expect(await h.ask(boss, '/合同 待审', { chat: 'group' })).toContain('已私信发给你');
    expect(h.fake.messagesIn(boss.openId).at(-1)!.content).toContain(number);
    expect(await h.ask(li, '/合同 提交', { chat: 'group' })).toContain('合同提交表单已私信发给你');
    expect(h.fake.messagesIn(li.openId).at(-1)!.content).toContain('contract.submit');

    const group = botSaidInGroup();
    expect(group).toContain(number); // the group hears what happened …
    for (const secret of ['¥', '6.6万', '预付20%', 'contract.approve', 'contract.submit', 'contract.open']) expect(group).not.toContain(secret); // … never the details
  });
});

describe('delegation', () => {
  it('lets a deputy approve on a supervisor’s behalf, recording both names', async () => {
    expect(await h.ask(li, '/代理 @张业务 至 30天后', { mentions: [zhang] })).toContain('没有权限');
    const set = await h.ask(boss, '/代理 @张业务 至 30天后', { mentions: [zhang] });
    expect(set).toContain('已设置代理');
    expect(h.fake.messagesIn(zhang.openId).some((m) => m.content.includes('委托你代为审批'))).toBe(true);

    const { number } = await submit(li, '客户=华强电子 金额=8万');
    const card = approvalCard(zhang, number)!;
    const res = await h.click(zhang, card, valueOf(card, 'approve'), { comment: '代王主管批准' });
    expect(res.toast).toMatchObject({ type: 'success' });
    const c = await contract(number);
    expect(await decisionsOf(c.id)).toMatchObject([{ deciderOpenId: zhang.openId, deciderRole: 'supervisor', onBehalfOf: boss.openId }]);
    expect(noticesTo(li, number, '合同已批准')[0]!.content).toContain('张业务（代 王主管）');

    // The deputy cannot decide on their own contract, and the delegation can be ended.
    const { number: own } = await submit(zhang, '客户=远航机械 金额=2万');
    expect(approvalCard(zhang, own)).toBeUndefined();
    expect(await h.ask(boss, '/代理 取消')).toContain('已结束');
    const { number: later } = await submit(li, '客户=华强电子 金额=1万');
    expect(approvalCard(zhang, later)).toBeUndefined();
  });
});
