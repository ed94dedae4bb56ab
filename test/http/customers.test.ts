/**
 * Customers, visits, inquiries and the development pipeline over the webhook (encrypted, signed
 * events in; fake Open API calls and database rows out). Locks in:
 * - a salesperson creates a customer, logs the first visit (prospect → contacted) and the
 *   needs-analysis report (3 working days) appears in /待办;
 * - moving to solution without 需求/决策人/采购流程 is refused naming them, and writes nothing;
 *   with them it moves, meets the needs report and starts the solution and quote clocks;
 * - another salesperson sees name and owner only; the supervisor sees everything;
 * - credit asked for in a group is refused there and offered by DM (view and set); a group card
 *   never shows credit or money terms; the DM offer's button sets the credit;
 * - an important customer with no visit this month shows up in the weekly nudge; a visited one does not;
 * - /客户 新建 with a near-duplicate name warns and creates nothing; 强制 or 仍然新建 creates it;
 * - inquiries: 24 h calendar answer clock, technical support 4 working hours for engineering;
 *   /咨询 回复 closes both and records the response time; a second reply is refused;
 * - card buttons move the pipeline, ask for the stage form by DM, name missing fields, refuse stale cards;
 *   saving the quote meets the quote clock; a new demo date moves the preparation clock;
 * - customers stalled in a stage longer than its limit show up in the weekly nudge;
 * - a visit plan is tracked and carried out by the visit; monthly / quarterly duties open once;
 *   /调研 meets the quarter's research; transfer moves the customer's open clocks to the new owner;
 * - bad input gets a Chinese explanation and the usage, never silence, never a half-written record.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, inquiryResponseTimes, newCustomersPerOwner, visitPlanExecution, visitPlans, visits } from '../../src/modules/customers';
import { dutiesJob } from '../../src/modules/customers/duties';
import { slaWeeklyNudgeJob } from '../../src/modules/reminders/sla-nudge.job';
import { runJob } from '../../src/platform/jobs/runner';
import { complaints } from '../../src/modules/complaints';
import { orders } from '../../src/modules/orders';
import { auditLog } from '../../src/platform/db/core.schema';
import { deadlines } from '../../src/platform/sla/sla.schema';
import type { FakeMessage } from '../../src/local/fake-openapi';
import { PEOPLE, startHarness, type Harness, type Person } from '../fakes/harness';
import { cardCallbacks } from '../../src/platform/cards';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.setRole(PEOPLE.li, 'sales');
  await h.setRole(PEOPLE.zhang, 'sales');
  await h.setRole(PEOPLE.boss, 'supervisor');
  await h.setRole(PEOPLE.finance, 'finance');
  await h.setRole(PEOPLE.eng, 'engineering');
});
afterAll(() => h.close());

/** Shanghai wall time → the message's create_time (ms). */
const at = (local: string) => new Date(`${local}:00+08:00`).getTime();
const sh = (local: string) => new Date(at(local));
const fmt = (d: Date | null | undefined) => (d ? new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ') : null);

const customer = async (name: string) => (await h.db.select().from(customers).where(eq(customers.name, name)))[0];
const clocksOf = (subjectType: string, subjectId: string | number) =>
  h.db.select().from(deadlines).where(and(eq(deadlines.subjectType, subjectType), eq(deadlines.subjectId, String(subjectId))));
/** What the bot sent into a person's private chat, oldest first, as text (cards as JSON). */
const dms = (p: Person) => h.fake.messagesIn(p.openId).filter((m) => m.sender_type === 'app');
const dmText = (p: Person) => dms(p).map(h.textOf).join('\n');

/** The bot's card reply to a command, and the `value` of one of its buttons. */
async function cardReply(from: Person, text: string, opts: Parameters<Harness['say']>[2] = {}): Promise<FakeMessage> {
  const { messageId } = await h.say(from, text, opts);
  const [reply] = h.repliesTo(messageId);
  if (!reply) throw new Error(`no reply to ${text}`);
  return reply;
}
const buttonValue = (m: FakeMessage, match: (v: Record<string, unknown>) => boolean) => cardCallbacks(JSON.parse(m.content)).find(match);

describe('a salesperson develops a customer', () => {
  it('creates a customer, logs the first visit, and the 3-day needs-analysis report appears in /待办', async () => {
    const created = await h.ask(PEOPLE.li, '/客户 新建 华星科技 等级=A 重点 联系人=王经理 电话=13800000000', { createTime: at('2026-03-09T09:30') });
    expect(created).toContain('已新建客户「华星科技」');
    expect((await customer('华星科技'))).toMatchObject({ ownerOpenId: PEOPLE.li.openId, grade: 'A', important: true, state: 'prospect', contactName: '王经理' });

    const visited = await h.ask(PEOPLE.li, '/拜访 华星科技 见了采购经理介绍新品 下次=下周送样 @张业务', { createTime: at('2026-03-09T10:00'), mentions: [PEOPLE.zhang] });
    expect(visited).toContain('已记录拜访');
    expect(visited).toContain('同行 张业务');
    expect(visited).toContain('首次拜访：客户进入「已拜访」阶段');
    const c = (await customer('华星科技'))!;
    expect(c.state).toBe('contacted');
    expect(fmt(c.firstVisitAt)).toBe('2026-03-09 10:00');
    expect(c.nextStep).toBe('下周送样');
    const [v] = await h.db.select().from(visits).where(eq(visits.customerId, c.id));
    expect(v).toMatchObject({ ownerOpenId: PEOPLE.li.openId, participants: [PEOPLE.zhang.openId], content: '见了采购经理介绍新品' });

    const todo = await h.ask(PEOPLE.li, '/待办', { createTime: at('2026-03-09T10:05') });
    expect(todo).toContain('需求分析报告');
    expect(todo).toContain('截止 03-12 18:00');
    // The visit met this month's important-customer visit.
    const monthly = (await clocksOf('customer', c.id)).find((d) => d.step === 'important_visit:2026-03');
    expect(monthly?.status).toBe('met');
  });

  it('refuses to move to solution without the needs fields, naming them, and writes nothing', async () => {
    const before = (await customer('华星科技'))!;
    const refused = await h.ask(PEOPLE.li, '/客户 阶段 华星科技 方案 需求=年采购5万件', { createTime: at('2026-03-10T10:00') });
    expect(refused).toBe('「需求确认，进入方案」还缺少：决策人、采购流程。');
    const after = (await customer('华星科技'))!;
    expect(after.state).toBe('contacted');
    expect(after.stageData).toEqual(before.stageData);
    expect(after.version).toBe(before.version);
  });

  it('moves to solution with the needs fields: the report is met, the solution and quote clocks start', async () => {
    const card = await h.ask(PEOPLE.li, '/客户 阶段 华星科技 方案 需求=年采购5万件 决策人=采购总监 采购流程=招标', { createTime: at('2026-03-11T10:00') });
    expect(card).toContain('解决方案 · 负责人 李业务');
    const c = (await customer('华星科技'))!;
    expect(c.state).toBe('solution');
    expect(c.stageData).toMatchObject({ requirement: '年采购5万件', decision_maker: '采购总监', procurement: '招标' });
    const clocks = await clocksOf('customer', c.id);
    expect(clocks.find((d) => d.step === 'needs_report')).toMatchObject({ status: 'met' });
    expect(fmt(clocks.find((d) => d.step === 'solution' && d.status === 'open')?.targetAt)).toBe('2026-03-18 18:00');
    expect(fmt(clocks.find((d) => d.step === 'quote' && d.status === 'open')?.targetAt)).toBe('2026-03-16 11:30');
  });

  it('schedules the demo with the solution fields: the quote clock is met and demo preparation is due 2 working days before', async () => {
    await h.ask(PEOPLE.li, '/客户 阶段 华星科技 演示 方案摘要=定制驱动板 报价=12.5元/件 日期=2026-03-20', { createTime: at('2026-03-12T10:00') });
    const c = (await customer('华星科技'))!;
    expect(c.state).toBe('demo');
    const clocks = await clocksOf('customer', c.id);
    expect(clocks.filter((d) => ['solution', 'quote'].includes(d.step)).map((d) => d.status)).toEqual(['met', 'met']);
    expect(fmt(clocks.find((d) => d.step === 'demo_prep' && d.status === 'open')?.targetAt)).toBe('2026-03-18 18:00');
  });

  it('moves the demo-preparation clock when the demo is rescheduled in the same stage', async () => {
    await h.ask(PEOPLE.li, '/客户 阶段 华星科技 演示 日期=2026-03-24', { createTime: at('2026-03-12T10:30') });
    const c = (await customer('华星科技'))!;
    expect(c).toMatchObject({ state: 'demo', stageData: { demo_at: '2026-03-24' } });
    const prep = (await clocksOf('customer', c.id)).filter((d) => d.step === 'demo_prep');
    expect(prep.map((d) => [d.status, fmt(d.targetAt)])).toEqual([
      ['cancelled', '2026-03-18 18:00'],
      ['open', '2026-03-20 18:00'],
    ]);
  });
});

describe('confidentiality (SPEC §1)', () => {
  it('shows another salesperson the name and owner only', async () => {
    const seen = await h.ask(PEOPLE.zhang, '/客户 华星科技', { createTime: at('2026-03-12T11:00') });
    expect(seen).toContain('华星科技');
    expect(seen).toContain('负责人 李业务');
    for (const secret of ['方案演示', '王经理', '13800000000', '采购总监', '12.5元', '信用', '拜访', 'customer.move']) expect(seen).not.toContain(secret);
  });

  it('shows the supervisor everything in a private chat, credit included', async () => {
    await h.ask(PEOPLE.boss, '/客户 信用 华星科技 评级=A 额度=50万', { createTime: at('2026-03-12T11:00') });
    const seen = await h.ask(PEOPLE.boss, '/客户 华星科技', { createTime: at('2026-03-12T11:05') });
    for (const detail of ['方案演示', '王经理', '13800000000', '采购总监', '12.5元/件', '评级 A', '¥500,000', '最近拜访']) expect(seen).toContain(detail);
  });

  it('refuses credit in a group and offers it by DM; setting it there writes nothing until confirmed in private', async () => {
    const before = dms(PEOPLE.boss).length;
    const inGroup = await h.ask(PEOPLE.boss, '/客户 信用 华星科技', { chat: 'group', createTime: at('2026-03-12T11:10') });
    expect(inGroup).toContain('只在私聊中显示');
    expect(inGroup).not.toContain('500,000');
    const offered = dms(PEOPLE.boss).slice(before).map(h.textOf).join('\n');
    expect(offered).toContain('¥500,000');

    const setInGroup = await h.ask(PEOPLE.boss, '/客户 信用 华星科技 额度=80万', { chat: 'group', createTime: at('2026-03-12T11:15') });
    expect(setInGroup).toContain('只在私聊中设置');
    expect((await customer('华星科技'))!.creditLimit).toBe(500000);
    const offer = dms(PEOPLE.boss).at(-1)!;
    const confirm = buttonValue(offer, (v) => v.action === 'customer.credit_set')!;
    expect(confirm).toMatchObject({ limit: 800000 });
    const res = await h.click(PEOPLE.boss, offer, confirm);
    expect(res.toast?.content).toContain('信用已更新');
    expect((await customer('华星科技'))!.creditLimit).toBe(800000);
  });

  it("never shows credit or money terms on a group card, even to the owner, but offers the credit by DM", async () => {
    const card = await cardReply(PEOPLE.li, '/客户 华星科技', { chat: 'group', createTime: at('2026-03-12T11:20') });
    const text = h.textOf(card);
    expect(text).toContain('方案演示');
    expect(text).toContain('报价：仅私聊可见');
    for (const secret of ['12.5元', '800,000', '评级 A']) expect(text).not.toContain(secret);
    const offer = buttonValue(card, (v) => v.action === 'customer.credit_dm')!;
    const before = dms(PEOPLE.li).length;
    const res = await h.click(PEOPLE.li, card, offer);
    expect(res.toast?.content).toContain('已私聊发你');
    expect(dms(PEOPLE.li).slice(before).map(h.textOf).join('\n')).toContain('¥800,000');

    const other = await h.click(PEOPLE.zhang, card, offer);
    expect(other.toast?.content).toContain('没有权限');
  });

  it('does not let a salesperson set credit or read the list of someone else', async () => {
    expect(await h.ask(PEOPLE.li, '/客户 信用 华星科技 额度=1', { createTime: at('2026-03-12T11:30') })).toContain('没有权限');
    expect(await h.ask(PEOPLE.zhang, '/客户 列表 @李业务', { mentions: [PEOPLE.li], createTime: at('2026-03-12T11:30') })).toContain('只能查看自己的客户列表');
    const all = await h.ask(PEOPLE.boss, '/客户 列表 阶段=演示', { createTime: at('2026-03-12T11:30') });
    expect(all).toContain('华星科技');
    expect(all).toContain('李业务');
  });
});

describe('weekly nudge', () => {
  it('lists an important customer with no visit this month, not a visited one', async () => {
    await h.ask(PEOPLE.li, '/客户 新建 远航物流 重点', { createTime: at('2026-03-02T09:00') });
    await runJob(h.server.runtime.services, slaWeeklyNudgeJob, sh('2026-03-16T09:30'));
    await h.settle();
    const nudge = dms(PEOPLE.li).map(h.textOf).find((t) => t.includes('每周跟进提醒'));
    expect(nudge).toBeDefined();
    expect(nudge).toContain('本月未拜访的重点客户');
    expect(nudge).toContain('远航物流：2026-03 还没有拜访（从未拜访）');
    expect(nudge).not.toContain('华星科技：2026-03');
    // The supervisor's roll-up counts it.
    expect(dmText(PEOPLE.boss)).toContain('本月未拜访的重点客户 1');
  });
});

describe('查重 on /客户 新建', () => {
  it('warns about a near-duplicate, shows the match and creates nothing', async () => {
    const warned = await h.ask(PEOPLE.zhang, '/客户 新建 华星科技有限公司', { createTime: at('2026-03-12T12:00') });
    expect(warned).toContain('疑似重复客户');
    expect(warned).toContain('华星科技**（负责人 李业务）');
    expect(warned).toContain('没有新建');
    expect(await customer('华星科技有限公司')).toBeUndefined();
  });

  it('refuses an exact duplicate outright, even with 强制', async () => {
    expect(await h.ask(PEOPLE.zhang, '/客户 新建 华星科技 强制', { createTime: at('2026-03-12T12:00') })).toContain('已存在（负责人 李业务）');
  });

  it('creates it anyway with 强制, or with the warning card’s 仍然新建 button', async () => {
    expect(await h.ask(PEOPLE.zhang, '/客户 新建 华星科技有限公司 强制', { createTime: at('2026-03-12T12:01') })).toContain('已新建客户「华星科技有限公司」');
    const warning = await cardReply(PEOPLE.zhang, '/客户 新建 华星科技集团 等级=B', { createTime: at('2026-03-12T12:02') });
    const res = await h.click(PEOPLE.zhang, warning, buttonValue(warning, (v) => v.action === 'customer.create')!);
    expect(res.toast?.content).toContain('已新建客户「华星科技集团」');
    expect(await customer('华星科技集团')).toMatchObject({ ownerOpenId: PEOPLE.zhang.openId, grade: 'B' });
  });
});

describe('inquiries', () => {
  it('starts a 24 h calendar answer clock and a 4 working-hour technical clock for engineering; the reply closes both', async () => {
    const logged = await h.ask(PEOPLE.li, '/咨询 华星科技 A3 型号耐温多少 技术=是', { createTime: at('2026-03-13T16:00') });
    expect(logged).toContain('已登记咨询 ZX-20260313-001');
    const clocks = await clocksOf('inquiry', 'ZX-20260313-001');
    const answer = clocks.find((d) => d.step === 'answer')!;
    const tech = clocks.find((d) => d.step === 'tech_support')!;
    expect({ target: fmt(answer.targetAt), clock: answer.clock, owner: answer.ownerOpenId }).toEqual({ target: '2026-03-14 16:00', clock: 'calendar', owner: PEOPLE.li.openId });
    expect({ target: fmt(tech.targetAt), clock: tech.clock, role: tech.ownerRole }).toEqual({ target: '2026-03-16 11:00', clock: 'working', role: 'engineering' });
    expect(dmText(PEOPLE.eng)).toContain('技术支持');

    const replied = await h.ask(PEOPLE.li, '/咨询 回复 ZX-20260313-001 耐温 -40~120℃，已发规格书', { createTime: at('2026-03-13T18:15') });
    expect(replied).toContain('已答复咨询 ZX-20260313-001，用时 2 小时 15 分，按时');
    expect((await clocksOf('inquiry', 'ZX-20260313-001')).map((d) => d.status)).toEqual(['met', 'met']);
    const [kpi] = await inquiryResponseTimes(h.db, { from: sh('2026-03-13T00:00'), to: sh('2026-03-14T00:00') });
    expect(kpi).toMatchObject({ number: 'ZX-20260313-001', technical: true, responseMs: 135 * 60_000 });

    expect(await h.ask(PEOPLE.li, '/咨询 回复 zx-20260313-001 再说一次', { createTime: at('2026-03-13T18:20') })).toContain('已于 03-13 18:15 由 李业务 答复');
  });

  it('opens only the answer clock for an ordinary inquiry and lets only the owner side answer', async () => {
    await h.ask(PEOPLE.li, '/咨询 华星科技 交期多久', { createTime: at('2026-03-13T17:00') });
    expect((await clocksOf('inquiry', 'ZX-20260313-002')).map((d) => d.step)).toEqual(['answer']);
    expect(await h.ask(PEOPLE.zhang, '/咨询 回复 ZX-20260313-002 四周', { createTime: at('2026-03-13T17:10') })).toContain('没有权限');
    expect(await h.ask(PEOPLE.eng, '/咨询 回复 ZX-20260313-002 四周', { createTime: at('2026-03-13T17:10') })).toContain('不是技术问题');
  });
});

describe('card buttons and the stage form', () => {
  let id: number;
  it('moves on a button, refuses a stale card with the fresh one, and sends the needs form by DM', async () => {
    await h.ask(PEOPLE.li, '/客户 新建 星河电子', { createTime: at('2026-03-16T09:00') });
    await h.ask(PEOPLE.li, '/拜访 星河电子 初次见面', { createTime: at('2026-03-16T10:00') });
    const card = await cardReply(PEOPLE.li, '/客户 星河电子', { createTime: at('2026-03-16T10:05') });
    const start = buttonValue(card, (v) => v.event === 'START_NEEDS')!;
    id = start.id as number;
    expect(buttonValue(card, (v) => v.event === 'FIRST_VISIT')).toBeUndefined();

    const moved = await h.click(PEOPLE.li, card, start);
    expect(moved.toast?.content).toContain('开始需求分析');
    expect(JSON.stringify(moved.card)).toContain('需求分析 · 负责人 李业务');
    expect((await customer('星河电子'))!.state).toBe('needs');

    const stale = await h.click(PEOPLE.li, card, start);
    expect(stale.toast?.content).toContain('已过期');
    expect(JSON.stringify(stale.card)).toContain('NEEDS_DONE');

    const fresh = (await customer('星河电子'))!;
    const notMine = await h.click(PEOPLE.zhang, card, { action: 'customer.move', id, v: fresh.version, event: 'LOSE' });
    expect(notMine.toast?.content).toContain('没有权限：客户「星河电子」的负责人是 李业务');

    const before = dms(PEOPLE.li).length;
    const ask = await h.click(PEOPLE.li, card, { action: 'customer.move', id, v: fresh.version, event: 'NEEDS_DONE' });
    expect(ask.toast?.content).toContain('表单');
    const form = dms(PEOPLE.li).slice(before).at(-1)!;
    expect(h.textOf(form)).toContain('"tag":"form"');
    for (const f of ['requirement', 'decision_maker', 'procurement']) expect(h.textOf(form)).toContain(`"name":"${f}"`);

    const submit = buttonValue(form, (v) => v.action === 'customer.submit' && v.to === 'solution')!;
    const missing = await h.click(PEOPLE.li, form, submit, { requirement: '替换旧型号' });
    expect(missing.toast?.content).toBe('「需求确认，进入方案」还缺少：决策人、采购流程。');
    expect((await customer('星河电子'))!.stageData).toEqual({});

    const done = await h.click(PEOPLE.li, form, submit, { requirement: '替换旧型号', decision_maker: '厂长', procurement: '比价' });
    expect(done.toast?.content).toContain('已推进到「解决方案」');
    expect((await customer('星河电子'))!).toMatchObject({ state: 'solution', stageData: { requirement: '替换旧型号', decision_maker: '厂长', procurement: '比价' } });

    // 填写资料: saving the quote while in solution meets the 24-working-hour quote clock.
    const solution = (await customer('星河电子'))!;
    const before2 = dms(PEOPLE.li).length;
    await h.click(PEOPLE.li, card, { action: 'customer.form', id, v: solution.version });
    const edit = dms(PEOPLE.li).slice(before2).at(-1)!;
    expect(buttonValue(edit, (v) => v.action === 'customer.submit' && v.to !== undefined)).toBeUndefined();
    const saved = await h.click(PEOPLE.li, edit, buttonValue(edit, (v) => v.action === 'customer.submit')!, { quote: '8 元/件' });
    expect(saved.toast?.content).toContain('资料已保存');
    expect((await clocksOf('customer', id)).find((d) => d.step === 'quote')?.status).toBe('met');
    expect((await customer('星河电子'))!.state).toBe('solution');
  });

  it('marks a customer lost with a reason through the form, and re-opens it', async () => {
    const c = (await customer('星河电子'))!;
    const card = await cardReply(PEOPLE.li, '/客户 星河电子', { createTime: at('2026-03-17T09:00') });
    const before = dms(PEOPLE.li).length;
    await h.click(PEOPLE.li, card, buttonValue(card, (v) => v.event === 'LOSE')!);
    const form = dms(PEOPLE.li).slice(before).at(-1)!;
    const res = await h.click(PEOPLE.li, form, buttonValue(form, (v) => v.to === 'lost')!, { lost_reason: '预算取消' });
    expect(res.toast?.content).toContain('客户拒绝');
    expect((await clocksOf('customer', c.id)).filter((d) => ['open', 'breached'].includes(d.status))).toEqual([]);
    const reopened = await h.ask(PEOPLE.li, '/客户 阶段 星河电子 目标客户', { createTime: at('2026-03-18T09:00') });
    expect(reopened).toContain('目标客户 · 负责人 李业务');
    expect((await customer('星河电子'))!).toMatchObject({ state: 'prospect', firstVisitAt: null });
  });
});

describe('visit plans, duties and transfer', () => {
  it('tracks a visit plan: due the end of the planned day, carried out by the visit', async () => {
    const planned = await h.ask(PEOPLE.li, '/拜访 计划 星河电子 2026-03-20', { createTime: at('2026-03-18T10:00') });
    expect(planned).toContain('已计划拜访');
    expect(planned).toContain('截止 03-20 18:00');
    const [plan] = await h.db.select().from(visitPlans).where(eq(visitPlans.plannedOn, '2026-03-20'));
    const visited = await h.ask(PEOPLE.li, '/拜访 星河电子 重新沟通预算', { createTime: at('2026-03-19T15:00') });
    expect(visited).toContain(`已完成拜访计划 #${plan!.id}`);
    expect(visited).toContain('首次拜访：客户进入「已拜访」阶段');
    expect((await clocksOf('visit_plan', plan!.id))[0]!.status).toBe('met');
    expect(await visitPlanExecution(h.db, { from: sh('2026-03-01T00:00'), to: sh('2026-04-01T00:00') }, 'Asia/Shanghai')).toEqual([{ ownerOpenId: PEOPLE.li.openId, planned: 1, executed: 1, rate: 1 }]);
  });

  it('opens the month’s list refresh and the quarter’s research once per salesperson; /调研 and the list button meet them', async () => {
    const services = h.server.runtime.services;
    await runJob(services, dutiesJob, sh('2026-04-01T00:05'));
    await runJob(services, dutiesJob, sh('2026-04-02T00:05'));
    await h.settle();
    const list = await clocksOf('sales_duty', '2026-04');
    const research = await clocksOf('sales_duty', '2026-Q2');
    expect(list.filter((d) => d.ownerOpenId === PEOPLE.li.openId).map((d) => [d.step, fmt(d.targetAt), fmt(d.limitAt)])).toEqual([['target_list_refresh:ou_li', '2026-04-08 00:00', '2026-05-01 00:00']]);
    expect(research.filter((d) => d.ownerOpenId === PEOPLE.li.openId).map((d) => [d.step, fmt(d.limitAt)])).toEqual([['market_research:ou_li', '2026-07-01 00:00']]);
    expect(dms(PEOPLE.li).map(h.textOf).filter((t) => t.includes('本期例行工作'))).toHaveLength(1);
    // The important customers not visited in April owe a visit by the month's end.
    const yuanhang = (await customer('远航物流'))!;
    expect((await clocksOf('customer', yuanhang.id)).map((d) => d.step)).toContain('important_visit:2026-04');

    expect(await h.ask(PEOPLE.li, '/调研 华南 LED 驱动需求上升', { createTime: at('2026-04-02T10:00') })).toContain('本季度调研待办已完成');
    const listCard = await cardReply(PEOPLE.li, '/客户 列表', { createTime: at('2026-04-02T10:05') });
    const res = await h.click(PEOPLE.li, listCard, buttonValue(listCard, (v) => v.action === 'customer.list_refreshed')!);
    expect(res.toast?.content).toContain('2026-04 目标客户清单已更新');
    const statuses = [...(await clocksOf('sales_duty', '2026-04')), ...(await clocksOf('sales_duty', '2026-Q2'))].filter((d) => d.ownerOpenId === PEOPLE.li.openId).map((d) => d.status);
    expect(statuses).toEqual(['met', 'met']);
  });

  it('lets the supervisor transfer a customer: the open clocks follow the new owner', async () => {
    const c = (await customer('星河电子'))!;
    const reply = await h.ask(PEOPLE.boss, '/客户 转交 星河电子 @张业务', { mentions: [PEOPLE.zhang], createTime: at('2026-04-02T11:00') });
    expect(reply).toContain('从 李业务 转交给 张业务');
    expect((await customer('星河电子'))!.ownerOpenId).toBe(PEOPLE.zhang.openId);
    const live = (await clocksOf('customer', c.id)).filter((d) => d.status === 'open');
    expect(live.length).toBeGreaterThan(0);
    expect(live.every((d) => d.ownerOpenId === PEOPLE.zhang.openId)).toBe(true);
    expect(dmText(PEOPLE.zhang)).toContain('把客户「星河电子」转交给你');
    expect(await h.ask(PEOPLE.li, '/客户 转交 华星科技 @张业务', { mentions: [PEOPLE.zhang] })).toContain('没有权限');
  });

  it('lists a customer stalled in a stage longer than its limit in the weekly nudge', async () => {
    await runJob(h.server.runtime.services, slaWeeklyNudgeJob, sh('2026-04-20T09:30'));
    await h.settle();
    const nudge = dms(PEOPLE.li).map(h.textOf).filter((t) => t.includes('每周跟进提醒')).at(-1)!;
    expect(nudge).toContain('停滞的客户');
    expect(nudge).toContain('远航物流：停在「目标客户」已 49 天（超过 30 天）');
  });

  it('counts new customers per salesperson for the KPI', async () => {
    // (The customer created by the 仍然新建 click counts on the day of the click, not in March.)
    const rows = await newCustomersPerOwner(h.db, { from: sh('2026-03-01T00:00'), to: sh('2026-04-01T00:00') });
    expect(Object.fromEntries(rows.map((r) => [r.ownerOpenId, r.count]))).toEqual({ [PEOPLE.li.openId]: 3, [PEOPLE.zhang.openId]: 1 });
  });
});

describe('bad input', () => {
  const cases: Array<[string, Person, string, string[]]> = [
    ['a missing name', PEOPLE.li, '/客户 新建', ['缺少 客户名称', '用法：/客户 新建']],
    ['an unknown grade', PEOPLE.li, '/客户 新建 新客户 等级=D', ['等级「D」不在可选范围']],
    ['an unknown stage', PEOPLE.li, '/客户 阶段 华星科技 火星', ['没有阶段「火星」', '用法：/客户 阶段']],
    ['a misspelt customer', PEOPLE.li, '/拜访 华星科技公司 聊了聊', ['没有客户「华星科技公司」', '你是不是指「华星科技」']],
    ['a visit to someone else’s customer', PEOPLE.zhang, '/拜访 华星科技 顺路看看', ['没有权限', '负责人是 李业务']],
    ['a visit without content', PEOPLE.li, '/拜访 华星科技', ['缺少 拜访内容']],
    ['a visit dated in the future', PEOPLE.li, '/拜访 华星科技 谈价格 日期=2099-01-01', ['还没到', '/拜访 计划']],
    ['a plan in the past', PEOPLE.li, '/拜访 计划 华星科技 2020-01-01', ['已经过去了']],
    ['a bad amount', PEOPLE.boss, '/客户 信用 华星科技 额度=很多', ['额度「很多」不是有效金额']],
    ['a bad stage date', PEOPLE.li, '/客户 阶段 华星科技 谈判 谈判日期=某天', ['谈判日期「某天」不是有效日期']],
    ['an unknown inquiry', PEOPLE.li, '/咨询 回复 ZX-19990101-001 好的', ['没有咨询 ZX-19990101-001']],
    ['a backwards move', PEOPLE.li, '/客户 阶段 华星科技 需求', ['不能从「方案演示」退回「需求分析」']],
    ['an unknown field', PEOPLE.li, '/客户 新建 新客户 邮箱=a@b.c', ['不认识的字段「邮箱」']],
  ];
  for (const [what, who, text, says] of cases) {
    it(`explains ${what}`, async () => {
      const before = await h.db.select().from(customers);
      const reply = await h.ask(who, text, { createTime: at('2026-04-03T10:00') });
      for (const s of says) expect(reply).toContain(s);
      expect(await h.db.select().from(customers)).toEqual(before);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// From the audit (issue 4 follow-up). Dates from Tue 2026-04-07 (04-04…06 is 清明).

const audits = (action: string, subjectId?: number) =>
  h.db.select().from(auditLog).where(and(eq(auditLog.action, action), subjectId === undefined ? undefined : eq(auditLog.subjectId, String(subjectId))));
const live = <T extends { status: string }>(rows: T[]) => rows.filter((d) => ['open', 'breached', 'paused'].includes(d.status));

describe('查重 catches the same brand written another way', () => {
  for (const [name, why] of [
    ['深圳市华星科技有限公司', 'a city prefix and the legal form'],
    ['華星科技', 'traditional characters'],
    ['华星电子', 'another trade'],
  ] as const) {
    it(`warns about ${name} (${why}) next to 华星科技, and creates nothing`, async () => {
      const warned = await h.ask(PEOPLE.zhang, `/客户 新建 ${name}`, { createTime: at('2026-04-07T09:00') });
      expect(warned).toContain('疑似重复客户');
      expect(warned).toContain('华星科技**（负责人 李业务）');
      expect(await customer(name)).toBeUndefined();
    });
  }

  it('does not hold back a different brand that shares a character (华为电子)', async () => {
    expect(await h.ask(PEOPLE.zhang, '/客户 新建 华为电子', { createTime: at('2026-04-07T09:01') })).toContain('已新建客户「华为电子」');
  });
});

describe('仍然新建 belongs to whoever asked', () => {
  it('refuses another person’s click on the group warning card, and creates it for the requester', async () => {
    const warning = await cardReply(PEOPLE.zhang, '/客户 新建 华星电子 等级=B', { chat: 'group', createTime: at('2026-04-07T09:05') });
    const anyway = buttonValue(warning, (v) => v.action === 'customer.create')!;
    const other = await h.click(PEOPLE.li, warning, anyway);
    expect(other.toast?.content).toContain('只有发起新建的 张业务 可以点「仍然新建」');
    expect(await customer('华星电子')).toBeUndefined();
    expect((await audits('customer.create')).some((a) => a.outcome === 'refused' && a.actor === PEOPLE.li.openId)).toBe(true);

    const own = await h.click(PEOPLE.zhang, warning, anyway);
    expect(own.toast?.content).toContain('已新建客户「华星电子」');
    expect(await customer('华星电子')).toMatchObject({ ownerOpenId: PEOPLE.zhang.openId, grade: 'B' });
  });
});

describe('command words are not customer names', () => {
  for (const [text, word] of [
    ['/客户 新建 列表', '列表'],
    ['/客户 新建 新建', '新建'],
    ['/客户 新建 修改', '修改'],
    ['/客户 新建 转交 科技', '转交'],
    ['/customer new list', 'list'],
    ['/客户 新建 Credit', 'Credit'],
  ] as const) {
    it(`refuses ${text}`, async () => {
      const before = await h.db.select().from(customers);
      expect(await h.ask(PEOPLE.li, text, { createTime: at('2026-04-07T09:10') })).toContain(`客户名称不能以命令词「${word}」开头`);
      expect(await h.db.select().from(customers)).toEqual(before);
    });
  }
});

describe('a lost customer owes no visits', () => {
  it('cancels the month’s important-customer visit and the open visit plans when the customer is lost', async () => {
    await h.ask(PEOPLE.li, '/客户 新建 蓝天照明 重点', { createTime: at('2026-04-07T10:00') });
    await h.ask(PEOPLE.li, '/拜访 计划 蓝天照明 2026-04-08', { createTime: at('2026-04-07T10:05') });
    await h.ask(PEOPLE.li, '/拜访 计划 蓝天照明 2026-04-09', { createTime: at('2026-04-07T10:06') });
    const c = (await customer('蓝天照明'))!;
    const before = await cardReply(PEOPLE.li, '/客户 蓝天照明', { createTime: at('2026-04-07T10:10') });
    expect(h.textOf(before)).toContain('**下一步**：重点客户月度拜访（2026-04）');

    await h.ask(PEOPLE.li, '/客户 阶段 蓝天照明 拒绝 原因=预算取消', { createTime: at('2026-04-07T11:00') });
    expect(live(await clocksOf('customer', c.id))).toEqual([]);
    const plans = await h.db.select().from(visitPlans).where(eq(visitPlans.customerId, c.id));
    expect(plans.map((p) => p.status)).toEqual(['cancelled', 'cancelled']);
    for (const p of plans) expect(live(await clocksOf('visit_plan', p.id))).toEqual([]);
    const card = h.textOf(await cardReply(PEOPLE.li, '/客户 蓝天照明', { createTime: at('2026-04-07T11:05') }));
    expect(card).not.toContain('重点客户月度拜访');
    expect(card).toContain('**下一步**：如客户重新有意向');
    expect(await h.ask(PEOPLE.li, '/待办', { createTime: at('2026-04-07T11:06') })).not.toContain('蓝天照明');

    // The daily duties job does not open it again, and the cancelled plans count for nobody.
    await runJob(h.server.runtime.services, dutiesJob, sh('2026-04-08T00:05'));
    await h.settle();
    expect(live(await clocksOf('customer', c.id))).toEqual([]);
    expect(await visitPlanExecution(h.db, { from: sh('2026-04-08T00:00'), to: sh('2026-04-09T00:00') }, 'Asia/Shanghai')).toEqual([]);
  });

  it('re-opened: the month’s visit is due again and the plans still ahead come back; a passed one stays cancelled', async () => {
    const c = (await customer('蓝天照明'))!;
    await h.ask(PEOPLE.li, '/客户 阶段 蓝天照明 目标客户', { createTime: at('2026-04-09T09:00') });
    const monthly = live(await clocksOf('customer', c.id));
    expect(monthly.map((d) => [d.step, fmt(d.limitAt), d.ownerOpenId])).toEqual([['important_visit:2026-04', '2026-05-01 00:00', PEOPLE.li.openId]]);
    const plans = await h.db.select().from(visitPlans).where(eq(visitPlans.customerId, c.id));
    expect(plans.map((p) => [p.plannedOn, p.status])).toEqual([
      ['2026-04-08', 'cancelled'],
      ['2026-04-09', 'planned'],
    ]);
    expect(live(await clocksOf('visit_plan', plans[1]!.id)).map((d) => fmt(d.targetAt))).toEqual(['2026-04-09 18:00']);

    expect(await h.ask(PEOPLE.li, '/拜访 蓝天照明 重新谈预算', { createTime: at('2026-04-09T15:00') })).toContain(`已完成拜访计划 #${plans[1]!.id}`);
    expect(await visitPlanExecution(h.db, { from: sh('2026-04-08T00:00'), to: sh('2026-04-10T00:00') }, 'Asia/Shanghai')).toEqual([{ ownerOpenId: PEOPLE.li.openId, planned: 1, executed: 1, rate: 1 }]);
  });
});

describe('stage dates', () => {
  it('refuses a demo date in the past, naming the field, and writes nothing', async () => {
    await h.ask(PEOPLE.li, '/客户 新建 东方精密', { createTime: at('2026-04-07T13:00') });
    await h.ask(PEOPLE.li, '/拜访 东方精密 初次见面', { createTime: at('2026-04-07T13:30') });
    await h.ask(PEOPLE.li, '/客户 阶段 东方精密 方案 需求=精密轴承 决策人=厂长 采购流程=比价', { createTime: at('2026-04-07T14:00') });
    const before = (await customer('东方精密'))!;
    const refused = await h.ask(PEOPLE.li, '/客户 阶段 东方精密 演示 方案摘要=轴承替换 报价=3元/件 日期=2020-01-01', { createTime: at('2026-04-08T10:00') });
    expect(refused).toContain('演示日期 2020-01-01 已经过去了（今天是 2026-04-08）');
    const after = (await customer('东方精密'))!;
    expect(after).toMatchObject({ state: 'solution', version: before.version, stageData: before.stageData });
    expect((await clocksOf('customer', after.id)).some((d) => d.step === 'demo_prep')).toBe(false);
  });

  it('refuses a negotiation before the demo; dates already saved are not checked again once they pass', async () => {
    await h.ask(PEOPLE.li, '/客户 阶段 东方精密 演示 方案摘要=轴承替换 报价=3元/件 日期=2026-04-20', { createTime: at('2026-04-08T10:05') });
    expect((await customer('东方精密'))!.state).toBe('demo');
    const early = await h.ask(PEOPLE.li, '/客户 阶段 东方精密 谈判 谈判日期=2026-04-15', { createTime: at('2026-04-08T10:10') });
    expect(early).toContain('谈判日期 2026-04-15 早于演示日期 2026-04-20');
    expect((await customer('东方精密'))!.state).toBe('demo');

    const card = await h.ask(PEOPLE.li, '/客户 阶段 东方精密 谈判 日期=2026-04-20 谈判日期=2026-04-22', { createTime: at('2026-04-21T10:00') });
    expect(card).toContain('商务谈判 · 负责人 李业务');
    expect((await customer('东方精密'))!.stageData).toMatchObject({ demo_at: '2026-04-20', negotiation_at: '2026-04-22' });
  });
});

describe('客户建档 follows the signed contract', () => {
  it('refuses /客户 阶段 … 建档 and offers no 合同已签署 button; the contract stage points to /合同 签署', async () => {
    const refused = await h.ask(PEOPLE.li, '/客户 阶段 东方精密 建档', { createTime: at('2026-04-21T11:00') });
    expect(refused).toContain('/合同 签署');
    expect((await customer('东方精密'))!.state).toBe('negotiation');

    await h.ask(PEOPLE.li, '/客户 阶段 东方精密 合同 结果=接受 价格=2.8元/件 付款条件=月结30天', { createTime: at('2026-04-22T11:00') });
    const c = (await customer('东方精密'))!;
    expect(c.state).toBe('contract');
    const card = await cardReply(PEOPLE.li, '/客户 东方精密', { createTime: at('2026-04-22T11:05') });
    expect(buttonValue(card, (v) => v.event === 'SIGN')).toBeUndefined();
    expect(buttonValue(card, (v) => v.event === 'CONFIRM_DRAFT')).toBeDefined();
    expect(h.textOf(card)).toContain('/合同 签署');
    const clicked = await h.click(PEOPLE.boss, card, { action: 'customer.move', id: c.id, v: c.version, event: 'SIGN' });
    expect(clicked.toast?.content).toContain('随合同签署建档');
    expect(await h.ask(PEOPLE.boss, '/客户 阶段 东方精密 建档', { createTime: at('2026-04-22T11:10') })).toContain('/合同 签署');
    expect((await customer('东方精密'))!.state).toBe('contract');
  });
});

describe('transfer takes the whole customer along', () => {
  it('shows the open order and complaint on the card, and moves them, the visit plan and all their clocks to the new owner', async () => {
    await h.ask(PEOPLE.li, '/客户 新建 金桥贸易', { createTime: at('2026-04-07T15:00') });
    await h.ask(PEOPLE.li, '/拜访 计划 金桥贸易 2026-04-14', { createTime: at('2026-04-07T15:05') });
    const { messageId: orderCommand } = await h.say(PEOPLE.li, '/订单 新建 客户=金桥贸易 产品=电源 数量=10 单价=100 交期=2026-05-29', { createTime: at('2026-04-07T15:10') });
    const orderCard = h.repliesTo(orderCommand).find((m) => m.msg_type === 'interactive')!;
    const orderId = /DD-\d{8}-\d{3}/.exec(h.textOf(orderCard))![0];
    const ownerButtons = cardCallbacks(JSON.parse(orderCard.content)).filter((v) => v.action === 'orders.step');
    expect(ownerButtons.length).toBeGreaterThan(0);
    expect(h.textOf(orderCard)).toContain('¥1,000');
    const { messageId: complaintCommand } = await h.say(PEOPLE.li, '/投诉 新建 客户=金桥贸易 内容=外箱破损', { createTime: at('2026-04-07T15:20') });
    const complaintCard = h.repliesTo(complaintCommand).find((m) => m.msg_type === 'interactive')!;
    const complaintSteps = (m: { content: string }) => cardCallbacks(JSON.parse(m.content)).filter((v) => String(v.action).startsWith('complaint.'));
    expect(complaintSteps(complaintCard).length).toBeGreaterThan(0); // the owner's steps on li's own copy
    const c = (await customer('金桥贸易'))!;
    const [complaint] = await h.db.select().from(complaints).where(eq(complaints.customerId, c.id));

    const card = await h.ask(PEOPLE.li, '/客户 金桥贸易', { createTime: at('2026-04-07T15:30') });
    expect(card).toContain('**订单/投诉**：进行中订单 1 · 未结投诉 1');

    const reply = await h.ask(PEOPLE.boss, '/客户 转交 金桥贸易 @张业务', { mentions: [PEOPLE.zhang], createTime: at('2026-04-07T16:00') });
    expect(reply).toContain('从 李业务 转交给 张业务');
    for (const what of ['1 个拜访计划', '1 个进行中订单', '1 条未结投诉']) expect(reply).toContain(what);
    expect(reply).not.toContain('0 项');
    const [plan] = await h.db.select().from(visitPlans).where(eq(visitPlans.customerId, c.id));
    expect(plan!.ownerOpenId).toBe(PEOPLE.zhang.openId);
    expect((await h.db.select().from(orders).where(eq(orders.id, orderId)))[0]!.ownerOpenId).toBe(PEOPLE.zhang.openId);
    expect((await h.db.select().from(complaints).where(eq(complaints.id, complaint!.id)))[0]!.ownerOpenId).toBe(PEOPLE.zhang.openId);
    for (const [type, id] of [['visit_plan', plan!.id], ['order', orderId], ['complaint', complaint!.id]] as const) {
      const clocks = live(await clocksOf(type, id));
      expect(clocks.some((d) => d.ownerOpenId === PEOPLE.zhang.openId)).toBe(true);
      expect(clocks.some((d) => d.ownerOpenId === PEOPLE.li.openId)).toBe(false);
    }
    expect(dmText(PEOPLE.zhang)).toMatch(/1 个拜访计划、.*1 个进行中订单.*已转到你名下/);
    // The previous owner's order card was re-rendered for them: no owner's buttons, no amounts.
    const refreshed = h.fake.messages.get(orderCard.message_id)!;
    expect(cardCallbacks(JSON.parse(refreshed.content)).filter((v) => v.action === 'orders.step')).toHaveLength(0);
    expect(h.textOf(refreshed)).not.toContain('¥1,000');
    expect(h.textOf(refreshed)).toContain(orderId);
    // So was his copy of the complaint card: the steps are the new owner's now.
    const complaintNow = h.fake.messages.get(complaintCard.message_id)!;
    expect(h.textOf(complaintNow)).toContain(complaint!.number);
    expect(complaintSteps(complaintNow)).toEqual([]);

    // The new owner carries out the plan; the old one may no longer log the visit.
    expect(await h.ask(PEOPLE.li, '/拜访 金桥贸易 顺路看看', { createTime: at('2026-04-14T10:00') })).toContain('没有权限');
    expect(await h.ask(PEOPLE.zhang, '/拜访 金桥贸易 介绍新品', { createTime: at('2026-04-14T10:30') })).toContain(`已完成拜访计划 #${plan!.id}`);
  });
});

describe('/客户 修改', () => {
  it('lets the owner make a customer important: the month’s visit is due at once; clearing it cancels that', async () => {
    await h.ask(PEOPLE.li, '/客户 新建 海鸥家具 等级=C', { createTime: at('2026-04-07T16:30') });
    const c = (await customer('海鸥家具'))!;
    const set = await h.ask(PEOPLE.li, '/客户 修改 海鸥家具 重点=是 等级=A 联系人=陈经理', { createTime: at('2026-04-08T09:00') });
    expect(set).toContain('已修改客户「海鸥家具」');
    expect(set).toContain('等级：C 级 → A 级');
    expect(set).toContain('重点客户：否 → 是');
    expect(set).toContain('本月拜访已记入待办');
    expect(await customer('海鸥家具')).toMatchObject({ important: true, grade: 'A', contactName: '陈经理', version: c.version + 1 });
    expect(live(await clocksOf('customer', c.id)).map((d) => d.step)).toEqual(['important_visit:2026-04']);
    expect(await h.ask(PEOPLE.li, '/待办', { createTime: at('2026-04-08T09:01') })).toContain('海鸥家具');

    const cleared = await h.ask(PEOPLE.boss, '/客户 修改 海鸥家具 重点=否', { createTime: at('2026-04-08T09:10') });
    expect(cleared).toContain('本月的重点客户拜访待办已取消');
    expect(live(await clocksOf('customer', c.id))).toEqual([]);
    const trail = await audits('customer.edit', c.id);
    expect(trail.map((a) => [a.actor, a.detail])).toEqual([
      [PEOPLE.li.openId, { grade: ['C', 'A'], important: [false, true], contactName: [null, '陈经理'] }],
      [PEOPLE.boss.openId, { important: [true, false] }],
    ]);
  });

  it('refuses another salesperson and finance, an empty change and a bad value', async () => {
    const before = (await customer('海鸥家具'))!;
    expect(await h.ask(PEOPLE.zhang, '/客户 修改 海鸥家具 等级=B', { createTime: at('2026-04-08T09:20') })).toContain('没有权限');
    expect(await h.ask(PEOPLE.finance, '/客户 修改 海鸥家具 等级=B', { createTime: at('2026-04-08T09:20') })).toContain('没有权限');
    expect(await h.ask(PEOPLE.li, '/客户 修改 海鸥家具', { createTime: at('2026-04-08T09:20') })).toContain('没有要修改的内容');
    expect(await h.ask(PEOPLE.li, '/客户 修改 海鸥家具 重点=也许', { createTime: at('2026-04-08T09:20') })).toContain('重点「也许」请写 是 或 否');
    expect(await h.ask(PEOPLE.li, '/客户 修改 海鸥家具 电话=abc', { createTime: at('2026-04-08T09:20') })).toContain('电话 格式不对');
    expect(await customer('海鸥家具')).toEqual(before);
  });

  it('is listed in /帮助', async () => {
    expect(await h.ask(PEOPLE.li, '/帮助 客户 修改', { createTime: at('2026-04-08T09:30') })).toContain('/客户 修改 <名称> [等级=A|B|C] [重点=是|否] [联系人=…] [电话=…]');
  });
});

describe('visit plans on a weekend', () => {
  it('a Saturday plan is due on Monday, and a Monday visit counts as executed — the clock and the KPI agree', async () => {
    const planned = await h.ask(PEOPLE.li, '/拜访 计划 海鸥家具 2026-04-11', { createTime: at('2026-04-10T10:00') });
    expect(planned).toContain('截止 04-13 18:00');
    const [plan] = await h.db.select().from(visitPlans).where(eq(visitPlans.plannedOn, '2026-04-11'));
    await h.ask(PEOPLE.li, '/拜访 海鸥家具 看样品', { createTime: at('2026-04-13T10:00') });
    const [clock] = await clocksOf('visit_plan', plan!.id);
    expect(clock).toMatchObject({ status: 'met' });
    expect(clock!.metDeltaMs!).toBeLessThan(0);
    expect(await visitPlanExecution(h.db, { from: sh('2026-04-11T00:00'), to: sh('2026-04-12T00:00') }, 'Asia/Shanghai')).toEqual([{ ownerOpenId: PEOPLE.li.openId, planned: 1, executed: 1, rate: 1 }]);
  });

  it('a Saturday plan visited on Tuesday is late on the clock and not executed in the KPI', async () => {
    await h.ask(PEOPLE.li, '/拜访 计划 海鸥家具 2026-04-18', { createTime: at('2026-04-17T10:00') });
    const [plan] = await h.db.select().from(visitPlans).where(eq(visitPlans.plannedOn, '2026-04-18'));
    await h.ask(PEOPLE.li, '/拜访 海鸥家具 补上拜访', { createTime: at('2026-04-21T10:00') });
    const [clock] = await clocksOf('visit_plan', plan!.id);
    expect(clock).toMatchObject({ status: 'met' });
    expect(clock!.metDeltaMs!).toBeGreaterThan(0);
    expect(await visitPlanExecution(h.db, { from: sh('2026-04-18T00:00'), to: sh('2026-04-19T00:00') }, 'Asia/Shanghai')).toEqual([{ ownerOpenId: PEOPLE.li.openId, planned: 1, executed: 0, rate: 0 }]);
  });
});

describe('finance and the supervisor', () => {
  it('lets finance set credit in a private chat; the owner is told', async () => {
    const card = await h.ask(PEOPLE.finance, '/客户 信用 华星科技 评级=B 额度=30万', { createTime: at('2026-04-08T10:00') });
    expect(card).toContain('¥300,000');
    expect(await customer('华星科技')).toMatchObject({ creditRating: 'B', creditLimit: 300000 });
    expect(dmText(PEOPLE.li)).toContain('客户「华星科技」的信用已更新：评级 B，额度 ¥300,000');
    const trail = await audits('customer.credit', (await customer('华星科技'))!.id);
    expect(trail.at(-1)).toMatchObject({ actor: PEOPLE.finance.openId, outcome: 'ok' });
  });

  it('lets the supervisor list one salesperson’s customers, by @ or by name, with a stage', async () => {
    const zhangs = await h.ask(PEOPLE.boss, '/客户 列表 @张业务', { mentions: [PEOPLE.zhang], createTime: at('2026-04-08T10:05') });
    expect(zhangs).toContain('张业务 的客户');
    for (const name of ['华星科技集团', '华星电子', '金桥贸易']) expect(zhangs).toContain(`**${name}**`);
    for (const name of ['远航物流', '海鸥家具', '**华星科技**']) expect(zhangs).not.toContain(name);

    const lis = await h.ask(PEOPLE.boss, '/客户 列表 负责人=李业务 阶段=目标客户', { createTime: at('2026-04-08T10:06') });
    expect(lis).toContain('李业务 的客户 · 目标客户');
    expect(lis).toContain('**远航物流**');
    expect(lis).not.toContain('华星科技集团');
    expect(lis).not.toContain('**东方精密**');
  });
});
