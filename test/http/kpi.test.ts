/**
 * Targets, standards, assessment and people development (issue 8) over the webhook, with
 * encrypted, signed events; orders, visits and surveys are seeded straight into their tables.
 * Behaviours locked in:
 * - /目标 sets personal and department targets (supervisor only; bad input explained, nothing written);
 * - the monthly job (1st, 09:00) fills in the computed indicators and sends one scoring card per
 *   person to the scorer (supervisor; the supervisor's own to 总经办); indicators without data are
 *   asked on the card; the submitted scores give the grades of the hand calculation below; the
 *   result with its consequence reaches the person by DM, the team table the supervisor and 总经办,
 *   月度之星 and 季度标兵 the team chat; a second click changes nothing; bad scores are refused;
 * - two missed months trigger exactly one talk prompt; a third one training prompt; re-runs send nothing;
 * - /业绩 renders a card with VChart bar and line charts and a text table, under 30 KB; a
 *   salesperson sees their own standards with pass/fail marks and "无数据" where nothing was decided;
 *   asked in the group, the card goes by DM;
 * - /导出 业绩|客户|订单 sends a valid .xlsx by DM (zip central directory, sheet1.xml has the figures);
 * - /入职 builds the 1 + 2 + 1 week and 1-month checklist, DMs it to the new hire and the mentor,
 *   reminds both when a step starts, and 完成 ticks a step; /晋升 lists eligibility with reasons;
 * - training reminders go out once per period; the morning slogan is off by default, and when on
 *   never repeats until every slogan was used.
 */
import { inflateRawSync } from 'node:zlib';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../../src/local/fake-openapi';
import { customers, visitPlans } from '../../src/modules/customers';
import { satisfactionSurveys } from '../../src/modules/complaints';
import { kpiAssessments, kpiConstraintPrompts, kpiHonours, kpiOnboardingItems, kpiTargets, SLOGANS } from '../../src/modules/kpi';
import { orderEvents, orders } from '../../src/modules/orders';
import { CARD_MAX_BYTES } from '../../src/platform/cards';
import { settings, users } from '../../src/platform/db/core.schema';
import { runJob } from '../../src/platform/jobs/runner';
import { deadlines } from '../../src/platform/sla/sla.schema';
import { GROUP, PEOPLE, startHarness, type Harness, type Person } from '../fakes/harness';

const { boss, li, zhang, gm, admin, finance } = PEOPLE;
const T = (local: string) => new Date(`${local}:00+08:00`);

// ---------------------------------------------------------------------------------------------
// Helpers

const dmChat = (p: Person) => `oc_p2p_${p.openId}`;
const botCards = (h: Harness, chat: string) => [...h.fake.messages.values()].filter((m) => m.chat_id === chat && m.sender_type === 'app' && m.msg_type === 'interactive');
const json = (m: FakeMessage) => JSON.parse(m.content) as Record<string, unknown>;

/** Every node of a card that matches. */
function nodes(card: unknown, match: (o: Record<string, unknown>) => boolean, out: Array<Record<string, unknown>> = []) {
  if (Array.isArray(card)) card.forEach((c) => nodes(c, match, out));
  else if (card && typeof card === 'object') {
    const o = card as Record<string, unknown>;
    if (match(o)) out.push(o);
    Object.values(o).forEach((v) => nodes(v, match, out));
  }
  return out;
}
const callbackOf = (card: unknown, action: string) => nodes(card, (o) => o.type === 'callback' && (o.value as { action?: string })?.action === action).map((o) => o.value as Record<string, unknown>)[0];

async function runNamed(h: Harness, name: string, at: Date) {
  const out = await runJob(h.server.runtime.services, h.server.runtime.bot.jobs.get(name)!, at);
  await h.settle();
  return { ...out, summary: out.ran ? out.summary : {} };
}

/** The scoring card for `who` in the scorer's DMs. */
function scoringCard(h: Harness, scorer: Person, who: Person): FakeMessage {
  const card = botCards(h, dmChat(scorer)).find((m) => m.content.includes('绩效评分') && m.content.includes(who.name));
  if (!card) throw new Error(`no scoring card for ${who.name} in ${scorer.name}'s chat`);
  return card;
}

/** A minimal unzip: reads the central directory, inflates each entry. */
function unzip(buf: Buffer): Map<string, Buffer> {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd).toBeGreaterThan(0);
  const entries = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < entries; i++) {
    expect(buf.readUInt32LE(p)).toBe(0x02014b50);
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extra = buf.readUInt16LE(p + 30);
    const comment = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    expect(buf.readUInt32LE(local)).toBe(0x04034b50);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + csize);
    const bytes = method === 8 ? inflateRawSync(data) : Buffer.from(data);
    expect(bytes.length).toBe(size);
    out.set(name, bytes);
    p += 46 + nameLen + extra + comment;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Seeding (straight into the other modules' tables)

let seq = 0;
async function customer(h: Harness, name: string, owner: Person, createdAt: Date) {
  const [c] = await h.db.insert(customers).values({ name, ownerOpenId: owner.openId, createdByOpenId: owner.openId, state: 'archived', stateEnteredAt: createdAt, createdAt, updatedAt: createdAt }).returning();
  return c!;
}

async function order(
  h: Harness,
  o: { owner: Person; customerId: number; amount: number; confirmedAt?: Date; dueDate: string; payBy: string; state?: string; shippedOnTime?: boolean; paidOnTime?: boolean },
) {
  const id = `DD-TEST-${++seq}`;
  const at = o.confirmedAt ?? T('2026-01-05T10:00');
  await h.db.insert(orders).values({
    id,
    customerId: o.customerId,
    customerName: '客户',
    ownerOpenId: o.owner.openId,
    product: '连接器',
    qty: 1,
    unitPrice: o.amount,
    amount: o.amount,
    dueDate: o.dueDate,
    payBy: o.payBy,
    state: o.state ?? 'in_production',
    receivedAt: at,
    confirmFrom: at,
    createdAt: at,
    updatedAt: at,
    shippedAt: o.shippedOnTime === undefined ? null : at,
    onTimeDelivery: o.shippedOnTime ?? null,
    paidAt: o.paidOnTime === undefined ? null : at,
    onTimePayment: o.paidOnTime ?? null,
    paidAmount: o.paidOnTime === undefined ? 0 : o.amount,
  });
  if (o.confirmedAt) await h.db.insert(orderEvents).values({ orderId: id, at: o.confirmedAt, actorOpenId: o.owner.openId, kind: 'step', event: 'CUSTOMER_CONFIRM', fromState: 'price_confirmed', toState: 'customer_confirmed' });
  return id;
}

/** A met order-confirmation clock (hard limit 4 working hours), on time or an hour late. */
async function confirmationClock(h: Harness, orderId: string, owner: Person, targetAt: Date, onTime: boolean) {
  const metAt = new Date(targetAt.getTime() + (onTime ? -3_600_000 : 3_600_000));
  await h.db.insert(deadlines).values({ subjectType: 'order', subjectId: orderId, step: 'order_confirmation', label: '向客户确认订单', ownerOpenId: owner.openId, anchorAt: targetAt, limitAt: targetAt, remindAt: targetAt, clock: 'working', status: 'met', metAt, metDeltaMs: metAt.getTime() - targetAt.getTime(), createdAt: targetAt });
}

// =============================================================================================

describe('targets, the monthly assessment and reports', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    await h.setRole(boss, 'supervisor');
    await h.setRole(li, 'sales');
    await h.setRole(zhang, 'sales');
    await h.setRole(gm, 'gm');
    await h.setRole(finance, 'finance');
    await h.ask(admin, '/系统 绑定群', { chat: 'group' });

    const feb = T('2026-02-10T10:00');
    const hx = await customer(h, '华星电子', li, feb);
    const df = await customer(h, '东方精密', zhang, feb);
    await customer(h, '新锐科技', li, T('2026-03-03T10:00')); // li's one new customer in March

    // 李业务: ¥80,000 + ¥12,000 confirmed in March = ¥92,000 (February's and the cancelled one do not count).
    const o1 = await order(h, { owner: li, customerId: hx.id, amount: 80_000, confirmedAt: T('2026-03-05T10:00'), dueDate: '2026-03-20', payBy: '2026-03-25', state: 'paid', shippedOnTime: true, paidOnTime: true });
    const o2 = await order(h, { owner: li, customerId: hx.id, amount: 12_000, confirmedAt: T('2026-03-10T10:00'), dueDate: '2026-03-28', payBy: '2026-03-30', state: 'delivered', shippedOnTime: true });
    await order(h, { owner: li, customerId: hx.id, amount: 30_000, confirmedAt: T('2026-02-20T10:00'), dueDate: '2026-04-10', payBy: '2026-05-10' });
    await order(h, { owner: li, customerId: hx.id, amount: 99_000, confirmedAt: T('2026-03-12T10:00'), dueDate: '2026-04-10', payBy: '2026-05-10', state: 'cancelled' });
    // 张业务: ¥50,000 confirmed in March, due later.
    await order(h, { owner: zhang, customerId: df.id, amount: 50_000, confirmedAt: T('2026-03-15T10:00'), dueDate: '2026-04-30', payBy: '2026-05-30' });

    await confirmationClock(h, o1, li, T('2026-03-04T14:00'), true);
    await confirmationClock(h, o2, li, T('2026-03-09T14:00'), false);
    // 9 of 10 surveys satisfied (≥ 4); both visit plans carried out on their day.
    await h.db.insert(satisfactionSurveys).values(Array.from({ length: 10 }, (_, i) => ({ customerId: hx.id, ownerOpenId: li.openId, score: i === 0 ? 3 : 5, source: 'survey' as const, recordedBy: li.openId, surveyedAt: T(`2026-03-${String(10 + i).padStart(2, '0')}T11:00`) })));
    for (const day of ['2026-03-10', '2026-03-17']) {
      await h.db.insert(visitPlans).values({ customerId: hx.id, ownerOpenId: li.openId, plannedOn: day, status: 'done', executedOn: day, createdAt: feb, updatedAt: feb });
    }
  });
  afterAll(() => h.close());

  it('lets a supervisor set personal and department targets, and tells the person', async () => {
    expect(await h.ask(boss, '/目标 @李业务 2026-03 10万', { mentions: [li] })).toContain('已设定 李业务 2026-03 销售目标 ¥100,000');
    expect(await h.ask(boss, '/目标 @张业务 2026-03 100000', { mentions: [zhang] })).toContain('¥100,000');
    expect(await h.ask(boss, '/目标 部门 2026-03 20万')).toContain('已设定 部门 2026-03 销售目标 ¥200,000');
    expect(h.fake.messagesIn(li.openId).map(h.textOf).join('\n')).toContain('你的 2026-03 销售目标已设定为 ¥100,000');
    // Changing a target says what it was.
    expect(await h.ask(boss, '/target @李业务 2026-03 10万', { mentions: [li] })).toContain('（原 ¥100,000）');
    expect(await h.db.select().from(kpiTargets)).toHaveLength(3);
  });

  it('explains bad target input in Chinese and writes nothing', async () => {
    expect(await h.ask(boss, '/目标 2026-03 10万')).toContain('请 @ 一位同事，或写「部门」');
    expect(await h.ask(boss, '/目标 @李业务 2026-13 10万', { mentions: [li] })).toContain('月份 请写成 YYYY-MM');
    expect(await h.ask(boss, '/目标 @李业务 2026-04 很多', { mentions: [li] })).toContain('金额「很多」不是有效金额');
    expect(await h.ask(boss, '/目标 @钱财务 2026-04 1万', { mentions: [finance] })).toContain('不是业务人员');
    expect(await h.ask(li, '/目标 @张业务 2026-04 1万', { mentions: [zhang] })).toContain('没有权限');
    expect(await h.db.select().from(kpiTargets)).toHaveLength(3);
  });

  it('shows the team a chart card with bar and line charts and text tables, under the 30 KB limit', async () => {
    const { messageId } = await h.say(boss, '/业绩 2026-03', { createTime: T('2026-03-31T17:00').getTime() });
    const reply = h.repliesTo(messageId).find((m) => m.msg_type === 'interactive')!;
    expect(Buffer.byteLength(reply.content)).toBeLessThan(CARD_MAX_BYTES);
    const card = json(reply);
    const charts = nodes(card, (o) => o.tag === 'chart');
    expect(charts.map((c) => (c.chart_spec as { type: string }).type)).toEqual(['bar', 'line']);
    const bars = (charts[0]!.chart_spec as { data: Array<{ values: Array<{ x: string; series: string; value: number }> }> }).data[0]!.values;
    expect(bars).toContainEqual({ x: '李业务', series: '实际', value: 92_000 });
    expect(bars).toContainEqual({ x: '李业务', series: '目标', value: 100_000 });
    const line = (charts[1]!.chart_spec as { data: Array<{ values: Array<{ month: string; series: string; value: number }> }> }).data[0]!.values;
    expect(line.filter((v) => v.series === '实际').map((v) => v.month)).toEqual(['2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03']);
    expect(line).toContainEqual({ month: '2026-02', series: '实际', value: 30_000 });
    expect(line).toContainEqual({ month: '2026-03', series: '实际', value: 142_000 });
    const text = nodes(card, (o) => o.tag === 'markdown').map((o) => String(o.content)).join('\n');
    expect(text).toContain('| 李业务 | ¥100,000 | ¥92,000 | 92.0% | ❌ |');
    expect(text).toContain('| 2026-03 | ¥200,000 | ¥142,000 | 71.0% |');
    expect(text).toContain('❌ 销售目标完成率 **71.0%**（目标 ≥ 100%）');
    expect(text).toContain('✅ 客户满意度 **90.0%**（目标 ≥ 90%）');
    expect(text).toContain('❌ 回款及时率 **50.0%**');
    expect(text).toContain('➖ 投诉处理及时率 **无数据**');
    expect(text).toContain('客户信息准确率 **无数据来源**');
  });

  it('shows a salesperson their own standards with marks, and in the group sends the card by DM', async () => {
    const at = { createTime: T('2026-04-02T10:00').getTime() };
    const mine = await h.ask(li, '/业绩 2026-03', at);
    expect(mine).toContain('我的业绩');
    expect(mine).toContain('✅ 订单及时交付率 **100.0%**');
    expect(mine).toContain('❌ 订单 4 小时内确认 **50.0%**');
    expect(mine).toContain('✅ 拜访计划执行率 **100.0%**');
    expect(mine).not.toContain('张业务');
    const before = h.fake.messagesIn(li.openId).length;
    const inGroup = await h.ask(li, '/业绩 2026-03', { chat: 'group', ...at });
    expect(inGroup).toBe('2026-03 业绩已私信发给你。');
    expect(h.fake.messagesIn(li.openId).length).toBe(before + 1);
    expect(await h.ask(li, '/业绩 明年')).toContain('看不懂期间「明年」');
  });

  it('runs the monthly assessment: computed indicators in, one scoring card per person to the right scorer', async () => {
    const out = await runNamed(h, 'kpi.monthly_assessment', T('2026-04-01T09:00'));
    expect(out).toMatchObject({ ran: true, summary: { month: '2026-03', people: 3, opened: 3, cards: 3 } });
    const liCard = json(scoringCard(h, boss, li));
    expect(JSON.stringify(liCard)).toContain('**92 分**');
    expect(nodes(liCard, (o) => o.tag === 'input').map((o) => o.name)).toEqual(['attitude', 'discipline', 'teamwork', 'skills', 'learning']);
    // 张业务 has no surveys, visit plans or due orders: those indicators are scored by hand.
    expect(nodes(json(scoringCard(h, boss, zhang)), (o) => o.tag === 'input').map((o) => o.name)).toEqual(['customer_maintenance', 'order_tracking', 'attitude', 'discipline', 'teamwork', 'skills', 'learning']);
    // The supervisor's own assessment goes to 总经办.
    expect(nodes(json(scoringCard(h, gm, boss)), (o) => o.tag === 'input').map((o) => o.name)).toEqual(['team', 'plan', 'leadership', 'coordination']);
    // A second run for the same month opens nothing again.
    expect((await runNamed(h, 'kpi.monthly_assessment', T('2026-04-01T09:05'))).summary).toMatchObject({ opened: 0, cards: 0 });
  });

  it('refuses out-of-range scores and changes nothing', async () => {
    const card = scoringCard(h, boss, li);
    const r = await h.click(boss, card, callbackOf(json(card), 'kpi.score')!, { attitude: '120', discipline: '80', teamwork: '85', skills: '', learning: '75' });
    expect(r.toast?.type).toBe('error');
    expect(r.toast?.content).toContain('工作态度：「120」须是 0–100 的数字');
    expect(r.toast?.content).toContain('专业技能：未填写');
    expect((await h.db.select().from(kpiAssessments).where(eq(kpiAssessments.openId, li.openId)))[0]!.status).toBe('scoring');
    // Only the person's scorer may submit.
    expect((await h.click(gm, card, callbackOf(json(card), 'kpi.score')!, { attitude: '90' })).toast?.content).toContain('不由你评分');
  });

  it('produces the grades of the hand calculation and sends each result with its consequence', async () => {
    /*
     * 李业务 (detailed preset, 业务员):
     *   目标达成 ¥92,000 / ¥100,000                         = 92    × 35 = 3220
     *   客户开发 1 / 月度目标 2                              = 50    × 15 =  750
     *   客户维护 mean(满意 9/10 ≥ 90% → 100, 拜访 2/2 → 100) = 100   × 10 = 1000
     *   订单跟踪 mean(交付 2/2 → 100, 4h 确认 1/2 → 50)      = 75    × 10 =  750
     *   态度 90×10 + 纪律 80×5 + 协作 85×5 + 技能 70×5 + 学习 75×5          = 2450
     *   8170 / 100 = 81.7 → 良好
     */
    const liCard = scoringCard(h, boss, li);
    let r = await h.click(boss, liCard, callbackOf(json(liCard), 'kpi.score')!, { attitude: '90', discipline: '80', teamwork: '85', skills: '70', learning: '75' });
    expect(r.toast?.content).toBe('已提交：李业务 81.7 分（良好），结果已私信本人。');
    const result = h.fake.messagesIn(li.openId).map(h.textOf).find((t) => t.includes('绩效考核结果 · 2026-03'))!;
    expect(result).toContain('81.7 分 · 良好');
    expect(result).toContain('基本工资上调 5–10%，绩效奖金 100–120%');

    /*
     * 张业务: 目标达成 ¥50,000 / ¥100,000 = 50 × 35 = 1750; 客户开发 0 / 2 = 0 × 15 = 0;
     *   客户维护 (无数据，主管打分) 60 × 10 = 600; 订单跟踪 (无数据) 70 × 10 = 700;
     *   态度 70×10 + 纪律 70×5 + 协作 70×5 + 技能 60×5 + 学习 60×5 = 2000
     *   5050 / 100 = 50.5 → 不合格
     */
    const zCard = scoringCard(h, boss, zhang);
    r = await h.click(boss, zCard, callbackOf(json(zCard), 'kpi.score')!, { customer_maintenance: '60', order_tracking: '70', attitude: '70', discipline: '70', teamwork: '70', skills: '60', learning: '60' });
    expect(r.toast?.content).toContain('张业务 50.5 分（不合格）');
    expect(h.fake.messagesIn(zhang.openId).map(h.textOf).join('\n')).toContain('基本工资下调 5%，绩效奖金 50–80%');
    // Not everyone is in yet: no team table.
    expect(botCards(h, dmChat(boss)).some((m) => m.content.includes('团队考核结果'))).toBe(false);

    /*
     * 王主管 (业务主管, the department's records):
     *   部门目标 ¥142,000 / ¥200,000 = 71 × 25 = 1775; 满意度 90% → 100 × 15 = 1500;
     *   市场开发 1 / 6 → 16.7 × 10 = 167; 回款及时 1/2 = 50% → 55.6 × 10 = 556;
     *   团队 80×15 + 计划 80×10 + 领导 80×8 + 协调 80×7 = 3200
     *   7198 / 100 = 71.98 → 72.0 → 合格
     */
    const bCard = scoringCard(h, gm, boss);
    r = await h.click(gm, bCard, callbackOf(json(bCard), 'kpi.score')!, { team: '80', plan: '80', leadership: '80', coordination: '80' });
    expect(r.toast?.content).toContain('王主管 72 分（合格）');

    const rows = await h.db.select().from(kpiAssessments).where(eq(kpiAssessments.kind, 'month'));
    expect(Object.fromEntries(rows.map((a) => [a.openId, [a.score, a.grade]]))).toEqual({ [li.openId]: [81.7, '良好'], [zhang.openId]: [50.5, '不合格'], [boss.openId]: [72, '合格'] });
  });

  it('sends the team table once all are in, with the quarterly roll-up, and announces the honours in the team chat', async () => {
    for (const p of [boss, gm]) {
      const table = botCards(h, dmChat(p)).filter((m) => m.content.includes('团队考核结果 · 2026-03'));
      expect(table).toHaveLength(1);
      expect(table[0]!.content).toContain('| 李业务 | 业务员 | 81.7 | 良好 |');
      expect(table[0]!.content).toContain('2026-Q1');
    }
    const group = h.fake.messagesIn(GROUP).map(h.textOf).join('\n');
    expect(group).toContain('月度之星');
    expect(group).toContain('李业务（81.7 分）');
    expect(group).toContain('季度标兵');
    const honours = await h.db.select().from(kpiHonours);
    expect(honours.map((x) => [x.kind, x.period, x.openId])).toEqual([
      ['month_star', '2026-03', li.openId],
      ['quarter_model', '2026-Q1', li.openId],
    ]);
    const q = await h.db.select().from(kpiAssessments).where(eq(kpiAssessments.period, '2026-Q1'));
    expect(q).toHaveLength(3);
  });

  it('answers a second click on a scored card with the result and changes nothing', async () => {
    const card = scoringCard(h, boss, li);
    const r = await h.click(boss, card, callbackOf(json(card), 'kpi.score')!, { attitude: '10', discipline: '10', teamwork: '10', skills: '10', learning: '10' });
    expect(r.toast?.content).toBe('已评分：81.7 分（良好）');
    expect((await h.db.select().from(kpiAssessments).where(and(eq(kpiAssessments.openId, li.openId), eq(kpiAssessments.period, '2026-03'))))[0]!.score).toBe(81.7);
  });

  it('exports the month’s figures as a valid .xlsx by DM', async () => {
    const reply = await h.ask(boss, '/导出 业绩 2026-03', { createTime: T('2026-04-02T10:00').getTime() });
    expect(reply).toBe('已私信发送 业绩-2026-03.xlsx（4 行）。');
    const file = [...h.fake.files.values()].find((f) => f.file_name === '业绩-2026-03.xlsx')!;
    expect(h.fake.messagesIn(boss.openId).some((m) => m.msg_type === 'file' && m.content.includes(file.file_key))).toBe(true);
    const parts = unzip(file.bytes);
    expect([...parts.keys()].sort()).toEqual(['[Content_Types].xml', '_rels/.rels', 'xl/_rels/workbook.xml.rels', 'xl/styles.xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml']);
    const sheet = parts.get('xl/worksheets/sheet1.xml')!.toString('utf8');
    expect(sheet).toContain('<t xml:space="preserve">李业务</t>');
    expect(sheet).toContain('<v>92000</v>');
    expect(sheet).toContain('<v>100000</v>');
    expect(sheet).toContain('<v>81.7</v>');
    expect(sheet).toContain('部门合计');
    expect(parts.get('xl/workbook.xml')!.toString('utf8')).toContain('name="业绩 2026-03"');

    expect(await h.ask(boss, '/导出 订单 2026-03')).toContain('订单-2026-03.xlsx');
    expect(await h.ask(boss, '/export customers')).toContain('客户-全部.xlsx（3 行）');
    const orderSheet = unzip([...h.fake.files.values()].find((f) => f.file_name === '订单-2026-03.xlsx')!.bytes).get('xl/worksheets/sheet1.xml')!.toString('utf8');
    expect(orderSheet).toContain('<v>80000</v>');
    expect(await h.ask(li, '/导出 业绩 2026-03')).toContain('没有权限');
    expect(await h.ask(boss, '/导出 合同')).toContain('导出内容「合同」不在可选范围');
  });
});

// =============================================================================================

describe('constraint rules: consecutive missed targets', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.setRole(boss, 'supervisor');
    await h.setRole(li, 'sales');
    const c = await customer(h, '华星电子', li, T('2025-12-01T10:00'));
    for (const month of ['2026-01', '2026-02', '2026-03']) await h.ask(boss, `/目标 @李业务 ${month} 10万`, { mentions: [li] });
    await order(h, { owner: li, customerId: c.id, amount: 50_000, confirmedAt: T('2026-01-20T10:00'), dueDate: '2026-06-01', payBy: '2026-07-01' });
  });
  afterAll(() => h.close());

  const prompts = (h: Harness) => botCards(h, dmChat(boss)).map((m) => m.content).filter((c) => c.includes('连续'));

  it('sends nothing after one missed month', async () => {
    await runNamed(h, 'kpi.monthly_assessment', T('2026-02-01T09:00'));
    expect(prompts(h)).toHaveLength(0);
  });

  it('asks the supervisor for exactly one talk after two missed months', async () => {
    const out = await runNamed(h, 'kpi.monthly_assessment', T('2026-03-01T09:00'));
    expect(out.ran && out.summary.prompts).toBe(1);
    await runNamed(h, 'kpi.monthly_assessment', T('2026-03-01T09:05'));
    expect(prompts(h)).toHaveLength(1);
    expect(prompts(h)[0]).toContain('谈话提醒：李业务 已连续 2 个月未完成销售目标');
    expect(prompts(h)[0]).toContain('2026-01 ¥50,000 / ¥100,000');
  });

  it('asks for one training plan after the third, and no second talk', async () => {
    await runNamed(h, 'kpi.monthly_assessment', T('2026-04-01T09:00'));
    await runNamed(h, 'kpi.monthly_assessment', T('2026-04-01T09:30'));
    const all = prompts(h);
    expect(all).toHaveLength(2);
    expect(all[1]).toContain('培训改进：李业务 已连续 3 个月未完成销售目标');
    expect(all.filter((c) => c.includes('谈话提醒'))).toHaveLength(1);
    const rows = await h.db.select().from(kpiConstraintPrompts);
    expect(rows.map((r) => [r.rule, r.streakStart, r.months, r.status])).toEqual([
      ['talk', '2026-01', 2, 'sent'],
      ['training', '2026-01', 3, 'sent'],
    ]);
  });
});

// =============================================================================================

describe('people development, training and culture', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.setRole(boss, 'supervisor');
    await h.setRole(li, 'sales');
    await h.setRole(zhang, 'sales');
    await h.ask(admin, '/系统 绑定群', { chat: 'group' });
  });
  afterAll(() => h.close());

  it('builds the onboarding checklist, DMs it to the new hire and the mentor, and records the hire date', async () => {
    const reply = await h.ask(boss, '/入职 @张业务 2026-04-06 @李业务', { mentions: [zhang, li], createTime: T('2026-04-03T10:00').getTime() });
    expect(reply).toContain('已为 张业务 建立入职培训计划（导师 李业务）');
    expect(reply).toContain('1. 公司文化和制度培训：2026-04-06 至 2026-04-12');
    expect(reply).toContain('4. 跟岗实习和导师指导：2026-05-04 至 2026-06-03');
    for (const p of [zhang, li]) expect(botCards(h, dmChat(p)).some((m) => m.content.includes('入职培训计划 · 张业务'))).toBe(true);
    expect((await h.db.select().from(users).where(eq(users.openId, zhang.openId)))[0]!.hiredOn).toBe('2026-04-06');
    expect(await h.ask(boss, '/入职 @张业务 2026-04-06', { mentions: [zhang] })).toContain('已有入职计划');
    expect(await h.ask(li, '/入职 @张业务 2026-04-06', { mentions: [zhang] })).toContain('没有权限');
  });

  it('reminds the new hire and the mentor once when a step starts and when it is due', async () => {
    await runNamed(h, 'kpi.onboarding_reminders', T('2026-04-06T09:00'));
    await runNamed(h, 'kpi.onboarding_reminders', T('2026-04-06T09:10'));
    for (const p of [zhang, li]) expect(h.fake.messagesIn(p.openId).map(h.textOf).filter((t) => t.includes('今天开始「公司文化和制度培训」'))).toHaveLength(1);
    await runNamed(h, 'kpi.onboarding_reminders', T('2026-04-13T09:00'));
    const texts = h.fake.messagesIn(zhang.openId).map(h.textOf);
    expect(texts.some((t) => t.includes('「公司文化和制度培训」已于 2026-04-12 到期'))).toBe(true);
    expect(texts.some((t) => t.includes('今天开始「产品知识和技术培训」'))).toBe(true);
  });

  it('ticks a step with 完成 and refreshes the card; an outsider may not', async () => {
    const card = botCards(h, dmChat(zhang)).find((m) => m.content.includes('入职培训计划'))!;
    const value = callbackOf(json(card), 'kpi.onboarding_done')!;
    expect((await h.click(PEOPLE.gm, card, value)).toast?.content).toContain('没有权限');
    const r = await h.click(zhang, card, value);
    expect(r.toast?.content).toBe('已完成「公司文化和制度培训」');
    expect(JSON.stringify(r.card)).toContain('进度 1/4');
    const items = await h.db.select().from(kpiOnboardingItems);
    expect(items.filter((i) => i.doneAt)).toHaveLength(1);
  });

  it('lists promotion eligibility with the reasons', async () => {
    await h.db.update(users).set({ hiredOn: '2023-01-10' }).where(eq(users.openId, li.openId));
    const text = await h.ask(boss, '/晋升', { createTime: T('2026-04-20T10:00').getTime() });
    expect(text).toContain('晋升资格');
    expect(text).toContain('| 李业务 | 业务员 | 3 年 |');
    expect(text).toContain('考核记录 0 个月，至少需 3 个月');
    expect(text).toContain('司龄 0 年，需满 2 年');
    expect(await h.ask(li, '/晋升')).toContain('没有权限');
  });

  it('announces the month’s and the quarter’s training once', async () => {
    await runNamed(h, 'kpi.training_reminders', T('2026-04-01T09:30'));
    await runNamed(h, 'kpi.training_reminders', T('2026-04-01T09:35'));
    const group = h.fake.messagesIn(GROUP).map(h.textOf);
    expect(group.filter((t) => t.includes('销售技能专题培训'))).toHaveLength(1);
    expect(group.filter((t) => t.includes('行业知识更新培训'))).toHaveLength(1);
    expect(group.some((t) => t.includes('管理能力提升培训'))).toBe(false);
  });

  it('sends no slogan by default; switched on, one a day without repeats until all were used', async () => {
    expect((await runNamed(h, 'kpi.slogan', T('2026-04-01T08:30'))).summary).toEqual({ skipped: '未开启' });
    await h.db.insert(settings).values({ key: 'kpi.slogan', value: { enabled: true }, updatedAt: new Date() });
    const sent: string[] = [];
    const day = (i: number) => new Date(T('2026-04-01T08:30').getTime() + i * 86_400_000);
    for (let i = 1; sent.length < SLOGANS.length + 1 && i < 120; i++) {
      const first = await runNamed(h, 'kpi.slogan', day(i));
      const again = await runNamed(h, 'kpi.slogan', new Date(day(i).getTime() + 60_000));
      expect(again.summary.sent).toBeUndefined(); // a re-run that day sends nothing
      if (first.summary.sent) sent.push(SLOGANS[Number(first.summary.slogan)]!);
    }
    const texts = h.fake.messagesIn(GROUP).map(h.textOf).filter((t) => t.startsWith('☀️ 早安'));
    expect(texts).toHaveLength(SLOGANS.length + 1);
    expect(new Set(sent.slice(0, SLOGANS.length)).size).toBe(SLOGANS.length);
    expect(SLOGANS).toContain(sent.at(-1));
  });
});
