/**
 * Targets, standards, assessment and people development (issue 8) over the webhook, with
 * encrypted, signed events; orders, visits, payments and surveys are seeded straight into their tables.
 * Behaviours locked in:
 * - /目标 sets personal and department targets (supervisor only; bad input explained, nothing written);
 * - the monthly job (1st, 09:00) fills in the computed indicators and sends one scoring card per
 *   person to the scorer (supervisor; the supervisor's own to 总经办); indicators without data are
 *   asked on the card; the submitted scores give the grades of the hand calculations below — for two
 *   salespeople and the supervisor, under the detailed preset and under the simple one (switched with
 *   /业绩 设置), with scores that differ for every indicator so a swapped weight would show; the
 *   result with its consequence and every weighted line reaches the person by DM, the team table the
 *   supervisor and 总经办, 月度之星 and 季度标兵 the team chat; a second click changes nothing; bad
 *   scores are refused;
 * - a December run adds the yearly roll-up to the results and the team table and announces 年度优秀;
 * - /业绩 设置 (supervisor or admin, audited): preset, sales rule (confirmed orders / payments
 *   received) and grade bands at run time — reports, /目标 and the monthly job follow; assessments
 *   already open keep their preset; bad values are explained and change nothing;
 * - nobody gets a scoring card they cannot submit: with neither supervisor nor 总经办 the admins get
 *   it (and can submit it); with no admin either, no card goes out until a later run finds a scorer;
 * - order confirmation ≤ 4 h counts the order-confirmation clock only, not the evaluation clock;
 * - two missed months trigger exactly one talk prompt; a third one training prompt; re-runs send nothing;
 * - /业绩 renders a card with VChart bar and line charts and a text table, under 30 KB — for a month,
 *   a quarter (2026-Q1) and this week (本周); a salesperson sees their own standards with pass/fail
 *   marks and "无数据" where nothing was decided; asked in the group, the card goes by DM; a team of
 *   150 still gets a card, its per-person tables cut short with a pointer to /导出 业绩;
 * - /导出 业绩|客户|订单 sends an .xlsx by DM that an independent reader opens: every zip entry's CRC
 *   and size, local and central headers agreeing, the content types and relationships resolving,
 *   and the sheet parsed back into the month's figures with their number formats;
 * - /入职 builds the 1 + 2 + 1 week and 1-month checklist, DMs it to the new hire and the mentor,
 *   reminds both when a step starts, and 完成 ticks a step; /晋升 lists eligibility with reasons:
 *   an eligible salesperson, the 5-years-as-supervisor rule for 销售经理, a 不合格 year blocking;
 * - training reminders go out once per period (January: the yearly one too); the morning slogan is
 *   off by default, and when on never repeats until every slogan was used.
 */
import { inflateRawSync } from 'node:zlib';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../../src/local/fake-openapi';
import { customers, visitPlans } from '../../src/modules/customers';
import { satisfactionSurveys } from '../../src/modules/complaints';
import { kpiAssessments, kpiConstraintPrompts, kpiHonours, kpiOnboardingItems, kpiTargets, SLOGANS } from '../../src/modules/kpi';
import { orderEvents, orderPayments, orders } from '../../src/modules/orders';
import { CARD_MAX_BYTES, cardCallbacks, cardNodes } from '../../src/platform/cards';
import { auditLog, settings, users } from '../../src/platform/db/core.schema';
import { runJob } from '../../src/platform/jobs/runner';
import { deadlines } from '../../src/platform/sla/sla.schema';
import { GROUP, PEOPLE, startHarness, type Harness, type Person } from '../fakes/harness';

const { boss, boss2, li, zhang, gm, admin, finance } = PEOPLE;
const T = (local: string) => new Date(`${local}:00+08:00`);

// ---------------------------------------------------------------------------------------------
// Helpers

const dmChat = (p: Person) => `oc_p2p_${p.openId}`;
const botCards = (h: Harness, chat: string) => [...h.fake.messages.values()].filter((m) => m.chat_id === chat && m.sender_type === 'app' && m.msg_type === 'interactive');
const json = (m: FakeMessage) => JSON.parse(m.content) as Record<string, unknown>;

const callbackOf = (card: unknown, action: string) => cardCallbacks(card).find((v) => v.action === action);
const inputsOf = (m: FakeMessage) => cardNodes(json(m), (o) => o.tag === 'input').map((o) => String(o.name));
const markdownOf = (card: unknown) => cardNodes(card, (o) => o.tag === 'markdown').map((o) => String(o.content)).join('\n');

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

/** Submits a scoring card with these scores (strings, as typed). */
async function score(h: Harness, scorer: Person, who: Person, inputs: Record<string, number>) {
  const card = scoringCard(h, scorer, who);
  return h.click(scorer, card, callbackOf(json(card), 'kpi.score')!, Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, String(v)])));
}

/** The monthly result card the person received, as text. */
const resultText = (h: Harness, who: Person, period: string) => h.fake.messagesIn(who.openId).map(h.textOf).find((t) => t.includes(`绩效考核结果 · ${period}`)) ?? '';

// ---------------------------------------------------------------------------------------------
// An .xlsx reader written here, sharing nothing with src/modules/kpi/xlsx.ts

/** CRC-32 (IEEE 802.3), bit by bit — not the writer's table. */
function crc32Bitwise(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Unzips every entry, checking what a strict reader checks: the end record, each central-directory
 * entry against its local header (method, CRC, sizes, name), entries back to back up to the central
 * directory, and each entry's inflated size and CRC-32.
 */
function unzip(buf: Buffer): Map<string, Buffer> {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd, 'end of central directory').toBeGreaterThan(0);
  expect(eocd + 22, 'nothing after the end record').toBe(buf.length);
  const entries = buf.readUInt16LE(eocd + 10);
  expect(buf.readUInt16LE(eocd + 8)).toBe(entries);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdStart = buf.readUInt32LE(eocd + 16);
  expect(cdStart + cdSize).toBe(eocd);
  let p = cdStart;
  let expectedLocal = 0;
  const out = new Map<string, Buffer>();
  for (let i = 0; i < entries; i++) {
    expect(buf.readUInt32LE(p)).toBe(0x02014b50);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extra = buf.readUInt16LE(p + 30);
    const comment = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    expect([0, 8], `${name}: stored or deflated`).toContain(method);
    expect(local, `${name}: entries back to back`).toBe(expectedLocal);
    expect(buf.readUInt32LE(local)).toBe(0x04034b50);
    expect({ method: buf.readUInt16LE(local + 8), crc: buf.readUInt32LE(local + 14), csize: buf.readUInt32LE(local + 18), size: buf.readUInt32LE(local + 22) }, `${name}: local header agrees`).toEqual({ method, crc, csize, size });
    const localNameLen = buf.readUInt16LE(local + 26);
    expect(buf.subarray(local + 30, local + 30 + localNameLen).toString('utf8')).toBe(name);
    const start = local + 30 + localNameLen + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + csize);
    const bytes = method === 8 ? inflateRawSync(data) : Buffer.from(data);
    expect(bytes.length, `${name}: size`).toBe(size);
    expect(crc32Bitwise(bytes), `${name}: CRC-32`).toBe(crc);
    expect(out.has(name), `${name}: once`).toBe(false);
    out.set(name, bytes);
    expectedLocal = start + csize;
    p += 46 + nameLen + extra + comment;
  }
  expect(expectedLocal, 'central directory right after the last entry').toBe(cdStart);
  return out;
}

const unescapeXml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const attrs = (s: string) => Object.fromEntries([...s.matchAll(/([\w:]+)="([^"]*)"/g)].map((m) => [m[1]!, unescapeXml(m[2]!)]));

/** Tags open and close in order (a cheap well-formedness check). */
function expectWellFormed(xml: string, name: string) {
  expect(xml.startsWith('<?xml'), `${name}: XML declaration`).toBe(true);
  const stack: string[] = [];
  for (const m of xml.replace(/^<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([\w:]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) expect(stack.pop(), `${name}: </${m[2]}>`).toBe(m[2]);
    else stack.push(m[2]!);
  }
  expect(stack, `${name}: every tag closed`).toEqual([]);
}

const columnIndex = (letters: string) => [...letters].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;

/** A cell as read back: its value and, for numbers, the number format id its style points at. */
interface ReadCell {
  value: string | number;
  numFmt?: number;
}

/**
 * Opens an .xlsx: checks the package (content types cover every part, relationships resolve),
 * then reads each sheet into rows of cells by their references.
 */
function readXlsx(bytes: Buffer): { sheets: Map<string, Array<Array<ReadCell | undefined>>> } {
  const parts = unzip(bytes);
  for (const [name, data] of parts) if (name.endsWith('.xml') || name.endsWith('.rels')) expectWellFormed(data.toString('utf8'), name);
  const types = parts.get('[Content_Types].xml')!.toString('utf8');
  const overrides = [...types.matchAll(/<Override ([^>]*)\/>/g)].map((m) => attrs(m[1]!).PartName!.slice(1));
  for (const part of overrides) expect(parts.has(part), `content type for a missing part ${part}`).toBe(true);
  for (const name of parts.keys()) expect(overrides.includes(name) || /\.(rels|xml)$/.test(name), `${name} has a content type`).toBe(true);
  const rels = (path: string) => [...(parts.get(path)?.toString('utf8') ?? '').matchAll(/<Relationship ([^>]*)\/>/g)].map((m) => attrs(m[1]!));
  const root = rels('_rels/.rels').find((r) => r.Type!.endsWith('/officeDocument'))!;
  expect(parts.has(root.Target!)).toBe(true);
  const wbRels = rels('xl/_rels/workbook.xml.rels');
  for (const r of wbRels) expect(parts.has(`xl/${r.Target}`), `workbook relationship ${r.Target}`).toBe(true);
  const styles = parts.get('xl/styles.xml')!.toString('utf8');
  const xfs = [...(/<cellXfs[^>]*>([\s\S]*?)<\/cellXfs>/.exec(styles)?.[1] ?? '').matchAll(/<xf ([^>]*?)\/?>/g)].map((m) => Number(attrs(m[1]!).numFmtId ?? 0));
  const sheets = new Map<string, Array<Array<ReadCell | undefined>>>();
  const workbook = parts.get('xl/workbook.xml')!.toString('utf8');
  for (const m of workbook.matchAll(/<sheet ([^>]*)\/>/g)) {
    const a = attrs(m[1]!);
    const target = wbRels.find((r) => r.Id === a['r:id'])!.Target!;
    const xml = parts.get(`xl/${target}`)!.toString('utf8');
    const rows: Array<Array<ReadCell | undefined>> = [];
    for (const row of xml.matchAll(/<row ([^>]*)>([\s\S]*?)<\/row>/g)) {
      const r = Number(attrs(row[1]!).r);
      expect(r, 'rows in order, numbered from 1').toBe(rows.length + 1);
      const cells: Array<ReadCell | undefined> = [];
      for (const c of row[2]!.matchAll(/<c ([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
        const ca = attrs(c[1]!);
        const ref = /^([A-Z]+)(\d+)$/.exec(ca.r!)!;
        expect(Number(ref[2]), `${ca.r} is in row ${r}`).toBe(r);
        const body = c[2] ?? '';
        const cell: ReadCell =
          ca.t === 'inlineStr'
            ? { value: unescapeXml(/<t[^>]*>([\s\S]*?)<\/t>/.exec(body)?.[1] ?? '') }
            : { value: Number(/<v>([^<]*)<\/v>/.exec(body)![1]), numFmt: xfs[Number(ca.s ?? 0)] };
        cells[columnIndex(ref[1]!)] = cell;
      }
      rows.push(cells);
    }
    sheets.set(a.name!, rows);
  }
  return { sheets };
}

/** A sheet's rows as records keyed by the header row's text. */
function records(rows: Array<Array<ReadCell | undefined>>): Array<Record<string, ReadCell | undefined>> {
  const headers = rows[0]!.map((c) => String(c?.value));
  return rows.slice(1).map((r) => Object.fromEntries(headers.map((h, i) => [h, r[i]])));
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

/** A payment received (回款) on an order. */
async function payment(h: Harness, orderId: string, amount: number, at: Date, by: Person) {
  await h.db.insert(orderPayments).values({ orderId, amount, at, recordedBy: by.openId, onTime: true });
}

/** A met order-confirmation clock (hard limit 4 working hours), on time or an hour late. */
async function confirmationClock(h: Harness, orderId: string, owner: Person, targetAt: Date, onTime: boolean) {
  const metAt = new Date(targetAt.getTime() + (onTime ? -3_600_000 : 3_600_000));
  await h.db.insert(deadlines).values({ subjectType: 'order', subjectId: orderId, step: 'order_confirmation', label: '向客户确认订单', ownerOpenId: owner.openId, anchorAt: targetAt, limitAt: targetAt, remindAt: targetAt, clock: 'working', status: 'met', metAt, metDeltaMs: metAt.getTime() - targetAt.getTime(), createdAt: targetAt });
}

/** A breached evaluation clock (订单评估, 4 working hours): another step, not order confirmation. */
async function lateEvaluationClock(h: Harness, orderId: string, owner: Person, targetAt: Date) {
  const metAt = new Date(targetAt.getTime() + 2 * 3_600_000);
  await h.db.insert(deadlines).values({ subjectType: 'order', subjectId: orderId, step: 'evaluation', label: '订单评估', ownerOpenId: owner.openId, anchorAt: targetAt, targetAt, remindAt: targetAt, clock: 'working', status: 'met', metAt, breachedAt: targetAt, metDeltaMs: metAt.getTime() - targetAt.getTime(), createdAt: targetAt });
}

/** A finished monthly (or yearly) assessment from before the test's month. */
async function pastAssessment(h: Harness, who: Person, period: string, s: number, grade: string, o: { role?: string; kind?: 'month' | 'year' } = {}) {
  const role = o.role ?? 'sales';
  await h.db.insert(kpiAssessments).values({ openId: who.openId, period, kind: o.kind ?? 'month', scheme: role === 'supervisor' ? 'supervisor' : 'sales', preset: 'detailed', role, status: 'done', score: s, grade, createdAt: T('2026-01-01T09:00'), completedAt: T('2026-01-01T09:00') });
}

/**
 * The March 2026 records every assessment scenario starts from (targets set by the caller):
 * - 李业务: ¥80,000 + ¥12,000 confirmed in March = ¥92,000 (February's ¥30,000 and a cancelled
 *   ¥99,000 do not count); payments received in March ¥80,000 + ¥10,000 = ¥90,000 (¥30,000 in February);
 *   one new customer in March; 2/2 orders shipped on time; order confirmation 1 of 2 on time (and a
 *   late evaluation clock, which is not order confirmation); 9 of 10 surveys satisfied; 2/2 visit plans done;
 * - 张业务: ¥50,000 confirmed in March (due later), ¥20,000 received; no new customer, no surveys or plans.
 */
async function seedMarch(h: Harness) {
  const feb = T('2026-02-10T10:00');
  const hx = await customer(h, '华星电子', li, feb);
  const df = await customer(h, '东方精密', zhang, feb);
  await customer(h, '新锐科技', li, T('2026-03-03T10:00'));

  const o1 = await order(h, { owner: li, customerId: hx.id, amount: 80_000, confirmedAt: T('2026-03-05T10:00'), dueDate: '2026-03-20', payBy: '2026-03-25', state: 'paid', shippedOnTime: true, paidOnTime: true });
  const o2 = await order(h, { owner: li, customerId: hx.id, amount: 12_000, confirmedAt: T('2026-03-10T10:00'), dueDate: '2026-03-28', payBy: '2026-03-30', state: 'delivered', shippedOnTime: true });
  const o3 = await order(h, { owner: li, customerId: hx.id, amount: 30_000, confirmedAt: T('2026-02-20T10:00'), dueDate: '2026-04-10', payBy: '2026-05-10' });
  await order(h, { owner: li, customerId: hx.id, amount: 99_000, confirmedAt: T('2026-03-12T10:00'), dueDate: '2026-04-10', payBy: '2026-05-10', state: 'cancelled' });
  const z1 = await order(h, { owner: zhang, customerId: df.id, amount: 50_000, confirmedAt: T('2026-03-15T10:00'), dueDate: '2026-04-30', payBy: '2026-05-30' });
  await payment(h, o3, 30_000, T('2026-02-25T11:00'), finance);
  await payment(h, o1, 80_000, T('2026-03-24T11:00'), finance);
  await payment(h, o2, 10_000, T('2026-03-30T11:00'), finance);
  await payment(h, z1, 20_000, T('2026-03-28T11:00'), finance);

  await confirmationClock(h, o1, li, T('2026-03-04T14:00'), true);
  await confirmationClock(h, o2, li, T('2026-03-09T14:00'), false);
  await lateEvaluationClock(h, o1, li, T('2026-03-04T12:00'));
  await h.db.insert(satisfactionSurveys).values(Array.from({ length: 10 }, (_, i) => ({ customerId: hx.id, ownerOpenId: li.openId, score: i === 0 ? 3 : 5, source: 'survey' as const, recordedBy: li.openId, surveyedAt: T(`2026-03-${String(10 + i).padStart(2, '0')}T11:00`) })));
  for (const day of ['2026-03-10', '2026-03-17']) {
    await h.db.insert(visitPlans).values({ customerId: hx.id, ownerOpenId: li.openId, plannedOn: day, status: 'done', executedOn: day, createdAt: feb, updatedAt: feb });
  }
}

/** March targets: ¥100,000 each for 李业务 and 张业务, ¥200,000 for the department. */
async function marchTargets(h: Harness) {
  const at = T('2026-02-28T10:00');
  for (const [subject, amount] of [[li.openId, 100_000], [zhang.openId, 100_000], ['department', 200_000]] as const) {
    await h.db.insert(kpiTargets).values({ subject, month: '2026-03', amount, setBy: boss.openId, createdAt: at, updatedAt: at });
  }
}

/** The team for the assessment scenarios, with the team chat bound. */
async function team(h: Harness) {
  await h.setRole(boss, 'supervisor');
  await h.setRole(li, 'sales');
  await h.setRole(zhang, 'sales');
  await h.setRole(gm, 'gm');
  await h.setRole(finance, 'finance');
  await h.ask(admin, '/系统 绑定群', { chat: 'group' });
}

/** A server with the team, March's records and March's targets: where the settings scenarios start. */
async function marchWithTargets(): Promise<Harness> {
  const h = await startHarness();
  await team(h);
  await seedMarch(h);
  await marchTargets(h);
  return h;
}

// =============================================================================================

describe('targets, the monthly assessment and reports (detailed preset, the default)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    await team(h);
    await seedMarch(h);
  });
  afterAll(() => h.close());

  it('lets a supervisor set personal and department targets, and tells the person', async () => {
    expect(await h.ask(boss, '/目标 @李业务 2026-03 10万', { mentions: [li] })).toContain('已设定 李业务 2026-03 销售目标 ¥100,000');
    expect(await h.ask(boss, '/目标 @张业务 2026-03 100000', { mentions: [zhang] })).toContain('¥100,000');
    expect(await h.ask(boss, '/目标 部门 2026-03 20万')).toContain('已设定 部门 2026-03 销售目标 ¥200,000');
    expect(h.fake.messagesIn(li.openId).map(h.textOf).join('\n')).toContain('你的 2026-03 销售目标已设定为 ¥100,000（销售额按当月客户确认的订单金额计算）');
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
    const charts = cardNodes(card, (o) => o.tag === 'chart');
    expect(charts.map((c) => (c.chart_spec as { type: string }).type)).toEqual(['bar', 'line']);
    const bars = (charts[0]!.chart_spec as { data: Array<{ values: Array<{ x: string; series: string; value: number }> }> }).data[0]!.values;
    expect(bars).toContainEqual({ x: '李业务', series: '实际', value: 92_000 });
    expect(bars).toContainEqual({ x: '李业务', series: '目标', value: 100_000 });
    const line = (charts[1]!.chart_spec as { data: Array<{ values: Array<{ month: string; series: string; value: number }> }> }).data[0]!.values;
    expect(line.filter((v) => v.series === '实际').map((v) => v.month)).toEqual(['2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03']);
    expect(line).toContainEqual({ month: '2026-02', series: '实际', value: 30_000 });
    expect(line).toContainEqual({ month: '2026-03', series: '实际', value: 142_000 });
    const text = markdownOf(card);
    expect(text).toContain('| 李业务 | ¥100,000 | ¥92,000 | 92.0% | ❌ |');
    expect(text).toContain('| 2026-03 | ¥200,000 | ¥142,000 | 71.0% |');
    expect(text).toContain('❌ 销售目标完成率 **71.0%**（目标 ≥ 100%）');
    expect(text).toContain('✅ 客户满意度 **90.0%**（目标 ≥ 90%）');
    expect(text).toContain('❌ 回款及时率 **50.0%**');
    expect(text).toContain('➖ 投诉处理及时率 **无数据**');
    expect(text).toContain('客户信息准确率 **无数据来源**');
    expect(text).toContain('销售额 = 客户确认的订单金额');
    expect(text).not.toContain('未列出');
  });

  it('shows a salesperson their own standards with marks, and in the group sends the card by DM', async () => {
    const at = { createTime: T('2026-04-02T10:00').getTime() };
    const mine = await h.ask(li, '/业绩 2026-03', at);
    expect(mine).toContain('我的业绩');
    expect(mine).toContain('✅ 订单及时交付率 **100.0%**');
    // Order confirmation counts the order_confirmation clocks only (1 of 2 on time); the late
    // evaluation clock of the same order is another step (it would make this 1 of 3).
    expect(mine).toContain('❌ 订单 4 小时内确认 **50.0%**（目标 全部 ≤ 4 小时） · 1/2 单按时确认');
    expect(mine).toContain('✅ 拜访计划执行率 **100.0%**');
    expect(mine).not.toContain('张业务');
    const before = h.fake.messagesIn(li.openId).length;
    const inGroup = await h.ask(li, '/业绩 2026-03', { chat: 'group', ...at });
    expect(inGroup).toBe('2026-03 业绩已私信发给你。');
    expect(h.fake.messagesIn(li.openId).length).toBe(before + 1);
    expect(await h.ask(li, '/业绩 明年')).toContain('看不懂期间「明年」');
  });

  it('reports a quarter: the months’ sales and targets add up (/业绩 2026-Q1)', async () => {
    const at = { createTime: T('2026-04-02T10:00').getTime() };
    // 李业务 Q1: February ¥30,000 + March ¥92,000 = ¥122,000 against March's ¥100,000 (no January or February target).
    const mine = await h.ask(li, '/业绩 2026-Q1', at);
    expect(mine).toContain('我的业绩 · 2026 年第 1 季度');
    expect(mine).toContain('✅ 销售目标完成率 **122.0%**（目标 ≥ 100%） · ¥122,000 / ¥100,000');
    // New customers: 2 (华星电子 in February, 新锐科技 in March) against 2 a month × 3.
    expect(mine).toContain('❌ 新客户开发 **2 个**（目标 6 个）');
    const { messageId } = await h.say(boss, '/kpi 2026-Q1', at);
    const text = markdownOf(json(h.repliesTo(messageId).find((m) => m.msg_type === 'interactive')!));
    expect(text).toContain('| 李业务 | ¥100,000 | ¥122,000 | 122.0% | ✅ |');
    // Department: ¥30,000 + ¥142,000 = ¥172,000 against ¥200,000.
    expect(text).toContain('❌ 销售目标完成率 **86.0%**（目标 ≥ 100%）');
  });

  it('reports this week: the monthly target prorated by days (/业绩 本周)', async () => {
    // Wednesday 2026-03-11: the week of 03-09 … 03-15 holds ¥12,000 of 李业务's sales (03-10), against
    // ¥100,000 × 7 / 31 = ¥22,580.65; its one order-confirmation clock (03-09) was an hour late;
    // surveys 03-10 … 03-15: 5 of 6 satisfied.
    const mine = await h.ask(li, '/业绩 本周', { createTime: T('2026-03-11T10:00').getTime() });
    expect(mine).toContain('我的业绩 · 03-09 至 03-15 周');
    expect(mine).toContain('❌ 销售目标完成率 **53.1%**（目标 ≥ 100%） · ¥12,000 / ¥22,580.65');
    expect(mine).toContain('❌ 订单 4 小时内确认 **0.0%**');
    expect(mine).toContain('❌ 客户满意度 **83.3%**');
  });

  it('runs the monthly assessment: computed indicators in, one scoring card per person to the right scorer', async () => {
    const out = await runNamed(h, 'kpi.monthly_assessment', T('2026-04-01T09:00'));
    expect(out).toMatchObject({ ran: true, summary: { month: '2026-03', preset: 'detailed', salesRule: 'confirmed', people: 3, opened: 3, cards: 3 } });
    const liCard = scoringCard(h, boss, li);
    expect(liCard.content).toContain('销售目标达成率（35%）：**92 分**');
    expect(inputsOf(liCard)).toEqual(['attitude', 'discipline', 'teamwork', 'skills', 'learning']);
    // 张业务 has no surveys, visit plans or due orders: those indicators are scored by hand.
    expect(inputsOf(scoringCard(h, boss, zhang))).toEqual(['customer_maintenance', 'order_tracking', 'attitude', 'discipline', 'teamwork', 'skills', 'learning']);
    // The supervisor's own assessment goes to 总经办.
    expect(inputsOf(scoringCard(h, gm, boss))).toEqual(['team', 'plan', 'leadership', 'coordination']);
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
     * 李业务 (detailed preset, 业务员) — every indicator scores differently, so any two weights swapped
     * would change the total:
     *   目标达成 ¥92,000 / ¥100,000                         = 92    × 35 = 3220
     *   客户开发 1 / 月度目标 2                              = 50    × 15 =  750
     *   客户维护 mean(满意 9/10 ≥ 90% → 100, 拜访 2/2 → 100) = 100   × 10 = 1000
     *   订单跟踪 mean(交付 2/2 → 100, 4h 确认 1/2 → 50)      = 75    × 10 =  750
     *   态度 90×10 + 纪律 80×5 + 协作 88×5 + 技能 70×5 + 学习 66×5 = 900 + 400 + 440 + 350 + 330 = 2420
     *   8140 / 100 = 81.4 → 良好
     */
    let r = await score(h, boss, li, { attitude: 90, discipline: 80, teamwork: 88, skills: 70, learning: 66 });
    expect(r.toast?.content).toBe('已提交：李业务 81.4 分（良好），结果已私信本人。');
    const result = resultText(h, li, '2026-03');
    expect(result).toContain('81.4 分 · 良好');
    expect(result).toContain('基本工资上调 5–10%，绩效奖金 100–120%');
    for (const line of ['销售目标达成率（35%）92 分', '客户开发数量（15%）50 分', '客户维护质量（10%）100 分', '订单跟踪效果（10%）75 分', '工作态度（10%）90 分', '工作纪律（5%）80 分', '团队协作（5%）88 分', '专业技能（5%）70 分', '学习能力（5%）66 分']) {
      expect(result).toContain(`• ${line}`);
    }

    /*
     * 张业务: 目标达成 ¥50,000 / ¥100,000 = 50 × 35 = 1750; 客户开发 0 / 2 = 0 × 15 = 0;
     *   客户维护 (无数据，主管打分) 65 × 10 = 650; 订单跟踪 (无数据) 72 × 10 = 720;
     *   态度 68×10 + 纪律 56×5 + 协作 77×5 + 技能 61×5 + 学习 84×5 = 680 + 280 + 385 + 305 + 420 = 2070
     *   5190 / 100 = 51.9 → 不合格
     */
    r = await score(h, boss, zhang, { customer_maintenance: 65, order_tracking: 72, attitude: 68, discipline: 56, teamwork: 77, skills: 61, learning: 84 });
    expect(r.toast?.content).toContain('张业务 51.9 分（不合格）');
    expect(resultText(h, zhang, '2026-03')).toContain('基本工资下调 5%，绩效奖金 50–80%');
    // Not everyone is in yet: no team table.
    expect(botCards(h, dmChat(boss)).some((m) => m.content.includes('团队考核结果'))).toBe(false);

    /*
     * 王主管 (业务主管, the department's records):
     *   部门目标 ¥142,000 / ¥200,000 = 71 × 25 = 1775; 满意度 90% → 100 × 15 = 1500;
     *   市场开发 1 / 6 → 16.7 × 10 = 167; 回款及时 1/2 = 50% → 55.6 × 10 = 556;
     *   团队 86×15 + 计划 79×10 + 领导 83×8 + 协调 74×7 = 1290 + 790 + 664 + 518 = 3262
     *   7260 / 100 = 72.6 → 合格
     */
    r = await score(h, gm, boss, { team: 86, plan: 79, leadership: 83, coordination: 74 });
    expect(r.toast?.content).toContain('王主管 72.6 分（合格）');

    const rows = await h.db.select().from(kpiAssessments).where(eq(kpiAssessments.kind, 'month'));
    expect(Object.fromEntries(rows.map((a) => [a.openId, [a.preset, a.score, a.grade]]))).toEqual({ [li.openId]: ['detailed', 81.4, '良好'], [zhang.openId]: ['detailed', 51.9, '不合格'], [boss.openId]: ['detailed', 72.6, '合格'] });
  });

  it('sends the team table once all are in, with the quarterly roll-up, and announces the honours in the team chat', async () => {
    for (const p of [boss, gm]) {
      const table = botCards(h, dmChat(p)).filter((m) => m.content.includes('团队考核结果 · 2026-03'));
      expect(table).toHaveLength(1);
      expect(table[0]!.content).toContain('| 李业务 | 业务员 | 81.4 | 良好 |');
      expect(table[0]!.content).toContain('2026-Q1');
    }
    const group = h.fake.messagesIn(GROUP).map(h.textOf).join('\n');
    expect(group).toContain('月度之星');
    expect(group).toContain('李业务（81.4 分）');
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
    const r = await score(h, boss, li, { attitude: 10, discipline: 10, teamwork: 10, skills: 10, learning: 10 });
    expect(r.toast?.content).toBe('已评分：81.4 分（良好）');
    expect((await h.db.select().from(kpiAssessments).where(and(eq(kpiAssessments.openId, li.openId), eq(kpiAssessments.period, '2026-03'))))[0]!.score).toBe(81.4);
  });

  it('exports the month’s figures as an .xlsx that an independent reader opens and reads back', async () => {
    const reply = await h.ask(boss, '/导出 业绩 2026-03', { createTime: T('2026-04-02T10:00').getTime() });
    expect(reply).toBe('已私信发送 业绩-2026-03.xlsx（4 行）。');
    const file = [...h.fake.files.values()].find((f) => f.file_name === '业绩-2026-03.xlsx')!;
    expect(h.fake.messagesIn(boss.openId).some((m) => m.msg_type === 'file' && m.content.includes(file.file_key))).toBe(true);
    const { sheets } = readXlsx(file.bytes);
    expect([...sheets.keys()]).toEqual(['业绩 2026-03']);
    const rows = records(sheets.get('业绩 2026-03')!);
    const of = (name: string) => rows.find((r) => r['姓名']?.value === name)!;
    const MONEY = 4; // #,##0.00
    const PERCENT = 10; // 0.00%
    expect(rows.map((r) => r['姓名']?.value).sort()).toEqual(['张业务', '李业务', '王主管', '部门合计'].sort());
    expect(of('李业务')).toMatchObject({
      岗位: { value: '业务员' },
      期间: { value: '2026-03' },
      销售目标: { value: 100_000, numFmt: MONEY },
      实际销售: { value: 92_000, numFmt: MONEY },
      目标完成率: { value: 0.92, numFmt: PERCENT },
      客户满意度: { value: 0.9, numFmt: PERCENT },
      订单及时交付率: { value: 1, numFmt: PERCENT },
      回款及时率: { value: 0.5, numFmt: PERCENT },
      '订单 4 小时内确认': { value: 0.5, numFmt: PERCENT },
      拜访计划执行率: { value: 1, numFmt: PERCENT },
      新客户开发: { value: 1 },
      投诉处理及时率: { value: '无数据' },
      考核得分: { value: 81.4 },
      等级: { value: '良好' },
      薪酬调整: { value: '基本工资上调 5–10%' },
      绩效奖金: { value: '绩效奖金 100–120%' },
    });
    expect(of('张业务')).toMatchObject({ 实际销售: { value: 50_000 }, 目标完成率: { value: 0.5 }, 考核得分: { value: 51.9 }, 等级: { value: '不合格' } });
    expect(of('王主管')).toMatchObject({ 岗位: { value: '主管' }, 考核得分: { value: 72.6 }, 等级: { value: '合格' } });
    expect(of('部门合计')).toMatchObject({ 销售目标: { value: 200_000 }, 实际销售: { value: 142_000 }, 目标完成率: { value: 0.71 }, 回款及时率: { value: 0.5 }, 新客户开发: { value: 1 } });
    expect(of('部门合计')['考核得分']).toBeUndefined();

    expect(await h.ask(boss, '/导出 订单 2026-03')).toContain('订单-2026-03.xlsx');
    expect(await h.ask(boss, '/export customers')).toContain('客户-全部.xlsx（3 行）');
    const orderRows = records(readXlsx([...h.fake.files.values()].find((f) => f.file_name === '订单-2026-03.xlsx')!.bytes).sheets.get('订单 2026-03')!);
    expect(orderRows.map((r) => [r['负责人']?.value, r['金额']?.value, r['已回款']?.value])).toEqual([
      ['李业务', 80_000, 80_000],
      ['李业务', 12_000, 0],
      ['李业务', 99_000, 0],
      ['张业务', 50_000, 0],
    ]);
    const customerRows = records(readXlsx([...h.fake.files.values()].find((f) => f.file_name === '客户-全部.xlsx')!.bytes).sheets.get('客户')!);
    expect(customerRows.map((r) => [r['客户名称']?.value, r['负责人']?.value])).toEqual([
      ['华星电子', '李业务'],
      ['东方精密', '张业务'],
      ['新锐科技', '李业务'],
    ]);
    expect(await h.ask(li, '/导出 业绩 2026-03')).toContain('没有权限');
    expect(await h.ask(boss, '/导出 合同')).toContain('导出内容「合同」不在可选范围');
  });
});

// =============================================================================================

describe('the simple preset (部门管理手册 50/20/15/10/5 and 40/20/15/15/10), switched at run time', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await marchWithTargets();
  });
  afterAll(() => h.close());

  it('lets the supervisor switch the preset, and records who did it', async () => {
    const reply = await h.ask(boss, '/业绩 设置 方案=简化', { createTime: T('2026-03-31T18:00').getTime() });
    expect(reply).toContain('已更新绩效设置');
    expect(reply).toContain('方案 详细 → 简化（下次月度考核起生效；已开启的考核仍按原方案）');
    const [row] = await h.db.select().from(settings).where(eq(settings.key, 'kpi.rules'));
    expect(row!.value).toMatchObject({ preset: 'simple', salesRule: 'confirmed' });
    const [audit] = await h.db.select().from(auditLog).where(eq(auditLog.action, 'kpi.settings'));
    expect(audit).toMatchObject({ actor: boss.openId, subjectId: 'kpi.rules', outcome: 'ok' });
    expect(JSON.parse(audit!.fromState!)).toMatchObject({ preset: 'detailed' });
    expect(JSON.parse(audit!.toState!)).toMatchObject({ preset: 'simple' });
    expect(await h.ask(boss, '/业绩 设置')).toContain('方案：简化方案（部门管理手册） · 业务员 50/20/15/10/5，业务主管 40/20/15/15/10');
  });

  it('opens the month under the simple preset: its indicators computed, the rest on the card', async () => {
    const out = await runNamed(h, 'kpi.monthly_assessment', T('2026-04-01T09:00'));
    expect(out.summary).toMatchObject({ month: '2026-03', preset: 'simple', opened: 3, cards: 3 });
    const liCard = scoringCard(h, boss, li);
    expect(liCard.content).toContain('简化方案（部门管理手册）');
    expect(liCard.content).toContain('个人销售目标达成率（50%）：**92 分**');
    expect(liCard.content).toContain('客户维护质量（15%）：**100 分**');
    expect(inputsOf(liCard)).toEqual(['attitude', 'discipline', 'teamwork']);
    expect(inputsOf(scoringCard(h, boss, zhang))).toEqual(['customer_maintenance', 'attitude', 'discipline', 'teamwork']);
    expect(inputsOf(scoringCard(h, gm, boss))).toEqual(['team', 'plan']);
    // Switching back now changes the next month, not the assessments already open.
    expect(await h.ask(boss, '/业绩 设置 方案=详细')).toContain('方案 简化 → 详细');
  });

  it('produces the grades of the hand calculation for the simple preset', async () => {
    /*
     * 李业务 (simple preset, 业务员):
     *   个人销售目标达成率 ¥92,000 / ¥100,000 = 92 × 50 = 4600
     *   客户开发数量 1 / 2                      = 50 × 20 = 1000
     *   客户维护质量 mean(100, 100)             = 100 × 15 = 1500
     *   工作态度和纪律 mean(态度 90, 纪律 80)     = 85 × 10 =  850
     *   团队协作精神                            = 88 ×  5 =  440
     *   8390 / 100 = 83.9 → 良好   (detailed preset, same records and scores: 81.4)
     */
    let r = await score(h, boss, li, { attitude: 90, discipline: 80, teamwork: 88 });
    expect(r.toast?.content).toBe('已提交：李业务 83.9 分（良好），结果已私信本人。');
    const result = resultText(h, li, '2026-03');
    for (const line of ['个人销售目标达成率（50%）92 分', '客户开发数量（20%）50 分', '客户维护质量（15%）100 分', '工作态度和纪律（10%）85 分', '团队协作精神（5%）88 分']) expect(result).toContain(`• ${line}`);

    /*
     * 张业务 (simple preset):
     *   个人销售目标达成率 ¥50,000 / ¥100,000 = 50 × 50 = 2500
     *   客户开发数量 0 / 2                      =  0 × 20 =    0
     *   客户维护质量 (无数据，主管打分)          = 65 × 15 =  975
     *   工作态度和纪律 mean(态度 68, 纪律 56)     = 62 × 10 =  620
     *   团队协作精神                            = 77 ×  5 =  385
     *   4480 / 100 = 44.8 → 不合格   (detailed: 51.9)
     */
    r = await score(h, boss, zhang, { customer_maintenance: 65, attitude: 68, discipline: 56, teamwork: 77 });
    expect(r.toast?.content).toContain('张业务 44.8 分（不合格）');

    /*
     * 王主管 (simple preset, 业务主管):
     *   部门销售目标达成率 ¥142,000 / ¥200,000 = 71 × 40 = 2840
     *   团队管理效果                            = 86 × 20 = 1720
     *   客户满意度 90% → 100                    = 100 × 15 = 1500
     *   市场开发成效 1 / 6 → 16.7               = 16.7 × 15 = 250.5
     *   工作计划执行情况                         = 79 × 10 =  790
     *   7100.5 / 100 = 71.005 → 71.0 → 合格   (detailed: 72.6)
     */
    r = await score(h, gm, boss, { team: 86, plan: 79 });
    expect(r.toast?.content).toContain('王主管 71 分（合格）');

    const rows = await h.db.select().from(kpiAssessments).where(eq(kpiAssessments.kind, 'month'));
    expect(Object.fromEntries(rows.map((a) => [a.openId, [a.preset, a.score, a.grade]]))).toEqual({ [li.openId]: ['simple', 83.9, '良好'], [zhang.openId]: ['simple', 44.8, '不合格'], [boss.openId]: ['simple', 71, '合格'] });
    expect(botCards(h, dmChat(boss)).filter((m) => m.content.includes('团队考核结果 · 2026-03'))).toHaveLength(1);
  });
});

// =============================================================================================

describe('the payments rule and grade bands at run time', () => {
  let h: Harness;
  const at = (local: string) => ({ createTime: T(local).getTime() });

  beforeAll(async () => {
    h = await marchWithTargets();
  });
  afterAll(() => h.close());

  it('lets only a supervisor or an admin change the settings, and explains bad values without saving', async () => {
    expect(await h.ask(li, '/业绩 设置 口径=回款')).toContain('没有权限');
    expect(await h.ask(gm, '/业绩 设置 口径=回款')).toContain('没有权限');
    expect(await h.ask(boss, '/业绩 设置 方案=复杂')).toContain('方案「复杂」不在可选范围：详细 / 简化');
    expect(await h.ask(boss, '/业绩 设置 口径=发货')).toContain('口径「发货」不在可选范围');
    expect(await h.ask(boss, '/业绩 设置 优秀=80 良好=85')).toContain('分档须满足 优秀 > 良好 > 合格（现为 优秀 80、良好 85、合格 60）');
    expect(await h.ask(boss, '/业绩 设置 合格=120')).toContain('合格「120」须是 0–100 的分数');
    expect(await h.ask(boss, '/业绩 设置 方案=详细')).toContain('设置没有变化');
    expect(await h.db.select().from(settings).where(eq(settings.key, 'kpi.rules'))).toEqual([]);
    const shown = await h.ask(boss, '/业绩 设置');
    expect(shown).toContain('口径：确认订单 · 销售额按当月客户确认的订单金额计算（默认）');
    expect(shown).toContain('分档：≥ 90 优秀，≥ 80 良好，≥ 60 合格，其余 不合格（默认）');
  });

  it('counts payments received once an admin switches the sales rule: reports and target replies follow at once', async () => {
    const reply = await h.ask(admin, '/业绩 设置 口径=回款 优秀=85 良好=75 合格=55');
    expect(reply).toContain('口径 确认订单 → 回款');
    expect(reply).toContain('分档 ≥ 90 优秀，≥ 80 良好，≥ 60 合格，其余 不合格 → ≥ 85 优秀，≥ 75 良好，≥ 55 合格，其余 不合格');
    const [audit] = await h.db.select().from(auditLog).where(eq(auditLog.action, 'kpi.settings'));
    expect(audit!.actor).toBe(admin.openId);
    expect(JSON.parse(audit!.toState!)).toEqual({ preset: 'detailed', salesRule: 'payments', bands: { 优秀: 85, 良好: 75, 合格: 55 } });

    // March received: 李业务 ¥80,000 + ¥10,000 = ¥90,000, 张业务 ¥20,000; February: ¥30,000.
    const { messageId } = await h.say(boss, '/业绩 2026-03', at('2026-03-31T17:00'));
    const card = json(h.repliesTo(messageId).find((m) => m.msg_type === 'interactive')!);
    const text = markdownOf(card);
    expect(text).toContain('| 李业务 | ¥100,000 | ¥90,000 | 90.0% | ❌ |');
    expect(text).toContain('| 张业务 | ¥100,000 | ¥20,000 | 20.0% | ❌ |');
    expect(text).toContain('| 2026-03 | ¥200,000 | ¥110,000 | 55.0% |');
    expect(text).toContain('| 2026-02 | — | ¥30,000 | — |');
    expect(text).toContain('销售额 = 回款金额（按到账时间计入）');
    expect(await h.ask(li, '/业绩 2026-03', at('2026-04-02T10:00'))).toContain('❌ 销售目标完成率 **90.0%**（目标 ≥ 100%） · ¥90,000 / ¥100,000');
    expect(await h.ask(boss, '/目标 @李业务 2026-04 10万', { mentions: [li] })).toContain('销售额按当月回款金额计算');

    // The export reads the same rule.
    await h.ask(boss, '/导出 业绩 2026-03', at('2026-04-02T10:00'));
    const rows = records(readXlsx([...h.fake.files.values()].find((f) => f.file_name === '业绩-2026-03.xlsx')!.bytes).sheets.get('业绩 2026-03')!);
    expect(rows.find((r) => r['姓名']?.value === '李业务')!['实际销售']?.value).toBe(90_000);
  });

  it('assesses the month by payments received and grades by the bands in force', async () => {
    const out = await runNamed(h, 'kpi.monthly_assessment', T('2026-04-01T09:00'));
    expect(out.summary).toMatchObject({ salesRule: 'payments', opened: 3 });
    expect(scoringCard(h, boss, li).content).toContain('销售目标达成率（35%）：**90 分** · ¥90,000 / ¥100,000');
    /*
     * 李业务 (detailed preset, payments received):
     *   目标达成 ¥90,000 / ¥100,000 = 90 × 35 = 3150; 客户开发 50 × 15 = 750; 客户维护 100 × 10 = 1000;
     *   订单跟踪 75 × 10 = 750; 态度 70×10 + 纪律 65×5 + 协作 72×5 + 技能 68×5 + 学习 62×5 = 700 + 325 + 360 + 340 + 310 = 2035
     *   7685 / 100 = 76.85 → 76.9 → 良好 under 优秀 85 / 良好 75 / 合格 55 (合格 under the default bands)
     */
    const r = await score(h, boss, li, { attitude: 70, discipline: 65, teamwork: 72, skills: 68, learning: 62 });
    expect(r.toast?.content).toBe('已提交：李业务 76.9 分（良好），结果已私信本人。');
    expect(resultText(h, li, '2026-03')).toContain('76.9 分 · 良好');
  });

  it('goes back to the defaults with 恢复默认', async () => {
    expect(await h.ask(boss, '/业绩 设置 恢复默认')).toContain('口径 回款 → 确认订单');
    expect((await h.db.select().from(settings).where(eq(settings.key, 'kpi.rules')))[0]!.value).toEqual({ preset: 'detailed', salesRule: 'confirmed', bands: { 优秀: 90, 良好: 80, 合格: 60 } });
    expect(await h.ask(li, '/业绩 2026-03', at('2026-04-02T10:00'))).toContain('¥92,000 / ¥100,000');
    expect(await h.ask(boss, '/业绩 设置 恢复默认 口径=回款')).toContain('「恢复默认」不能和其他设置同时写');
  });
});

// =============================================================================================

describe('scoring cards go only to people who can submit them', () => {
  it('sends a salesperson’s card to the admins when there is neither supervisor nor 总经办, and lets them submit it', async () => {
    const h = await startHarness();
    try {
      await h.setRole(li, 'sales');
      const out = await runNamed(h, 'kpi.monthly_assessment', T('2026-04-01T09:00'));
      expect(out.summary).toMatchObject({ people: 1, opened: 1, cards: 1 });
      expect(botCards(h, dmChat(li)).some((m) => m.content.includes('绩效评分'))).toBe(false);
      const card = scoringCard(h, admin, li);
      expect(card.content).toContain('管理员代评');
      expect(card.content).toContain('没有业务主管或总经办可为 李业务 评分，所以发给管理员');
      // No target, no records: every indicator but new customers (0 of 2 → 0) is typed in.
      const inputs = inputsOf(card);
      expect(inputs).toEqual(['target_completion', 'customer_maintenance', 'order_tracking', 'attitude', 'discipline', 'teamwork', 'skills', 'learning']);
      // 0 × 15 + 80 × 85 = 6800 → 68 → 合格
      const r = await score(h, admin, li, Object.fromEntries(inputs.map((k) => [k, 80])));
      expect(r.toast?.content).toBe('已提交：李业务 68 分（合格），结果已私信本人。');
      expect(resultText(h, li, '2026-03')).toContain('68 分 · 合格');
    } finally {
      await h.close();
    }
  });

  it('with no admin either sends no card, and a later run sends it once someone can score', async () => {
    const h = await startHarness({ ADMIN_OPEN_IDS: '' });
    try {
      await h.setRole(li, 'sales');
      const first = await runNamed(h, 'kpi.monthly_assessment', T('2026-04-01T09:00'));
      expect(first.summary).toMatchObject({ opened: 1, cards: 0, unscored: '李业务' });
      expect([...h.fake.messages.values()].filter((m) => m.sender_type === 'app')).toEqual([]);
      // A supervisor is bound; the job is run again: 李业务's card goes to them, and the supervisor's
      // own month (no 总经办, no other supervisor) is a self-assessment they can submit.
      await h.setRole(boss, 'supervisor');
      const again = await runNamed(h, 'kpi.monthly_assessment', T('2026-04-01T11:00'));
      expect(again.summary).toMatchObject({ opened: 1, cards: 2 });
      expect(again.summary.unscored).toBeUndefined();
      expect(inputsOf(scoringCard(h, boss, li))).toContain('attitude');
      const own = botCards(h, dmChat(boss)).find((m) => m.content.includes('绩效评分 · 王主管'))!;
      expect(own.content).toContain('自评（没有其他评分人）');
      const r = await h.click(boss, own, callbackOf(json(own), 'kpi.score')!, Object.fromEntries(inputsOf(own).map((k) => [k, '85'])));
      expect(r.toast?.type).toBe('success');
    } finally {
      await h.close();
    }
  });
});

// =============================================================================================

describe('a December run: the yearly roll-up and 年度优秀', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await team(h);
    // Earlier months of 2026, already assessed.
    await pastAssessment(h, li, '2026-06', 70, '合格');
    await pastAssessment(h, li, '2026-10', 88, '良好');
    await pastAssessment(h, li, '2026-11', 90, '优秀');
    await pastAssessment(h, zhang, '2026-10', 70, '合格');
    await pastAssessment(h, zhang, '2026-11', 75, '合格');
    await pastAssessment(h, boss, '2026-10', 80, '良好', { role: 'supervisor' });
    await pastAssessment(h, boss, '2026-11', 82, '良好', { role: 'supervisor' });
  });
  afterAll(() => h.close());

  it('adds the quarter and the year to each result and the team table, and announces 年度优秀 in the team chat', async () => {
    await runNamed(h, 'kpi.monthly_assessment', T('2027-01-01T09:00'));
    // No December records: everything but new customers (0 → 0 points) is typed in.
    // 李业务 all 96: 15 × 0 + 85 × 96 = 8160 → 81.6; 张业务 all 80 → 68; 王主管 all 85 (market development 0 × 10) → 76.5.
    const fill = async (scorer: Person, who: Person, v: number) => score(h, scorer, who, Object.fromEntries(inputsOf(scoringCard(h, scorer, who)).map((k) => [k, v])));
    expect((await fill(boss, li, 96)).toast?.content).toContain('81.6 分（良好）');
    expect((await fill(boss, zhang, 80)).toast?.content).toContain('68 分（合格）');
    expect((await fill(gm, boss, 85)).toast?.content).toContain('76.5 分（合格）');

    /*
     * Roll-ups = the mean of the months assessed:
     *   李业务 2026-Q4 (88 + 90 + 81.6) / 3 = 86.5 良好; 2026 (70 + 88 + 90 + 81.6) / 4 = 82.4 良好
     *   张业务 2026-Q4 = 2026 = (70 + 75 + 68) / 3 = 71 合格
     *   王主管 2026-Q4 = 2026 = (80 + 82 + 76.5) / 3 = 79.5 合格
     */
    const year = await h.db.select().from(kpiAssessments).where(eq(kpiAssessments.period, '2026'));
    expect(Object.fromEntries(year.map((a) => [a.openId, [a.kind, a.score, a.grade]]))).toEqual({ [li.openId]: ['year', 82.4, '良好'], [zhang.openId]: ['year', 71, '合格'], [boss.openId]: ['year', 79.5, '合格'] });
    const liYear = h.fake.messagesIn(li.openId).map(h.textOf).find((t) => t.includes('年度考核（2026）'))!;
    expect(liYear).toContain('年度考核（2026）：**82.4 分 · 良好**');
    expect(liYear).toContain('由当期各月考核得分平均得出');

    const table = botCards(h, dmChat(boss)).find((m) => m.content.includes('团队考核结果 · 2026-12'))!;
    expect(table.content).toContain('| 姓名 | 岗位 | 得分 | 等级 | 薪酬 / 奖金 | 2026-Q4 | 2026 |');
    expect(table.content).toContain('| 李业务 | 业务员 | 81.6 | 良好 | 基本工资上调 5–10%，绩效奖金 100–120% | 86.5（良好） | 82.4（良好） |');
    expect(table.content).toContain('年度优秀**（2026）：李业务（82.4 分）');

    const group = h.fake.messagesIn(GROUP).map(h.textOf).join('\n');
    expect(group).toContain('年度优秀**（2026）：李业务（82.4 分）');
    expect(group).toContain('季度标兵**（2026-Q4）：李业务（86.5 分）');
    expect(group).toContain('月度之星**（2026-12）：李业务（81.6 分）');
    const honours = await h.db.select().from(kpiHonours);
    expect(honours.map((x) => [x.kind, x.period, x.openId])).toEqual([
      ['month_star', '2026-12', li.openId],
      ['quarter_model', '2026-Q4', li.openId],
      ['year_excellent', '2026', li.openId],
    ]);
  });

  it('announces January’s trainings, the yearly management training among them, once', async () => {
    const out = await runNamed(h, 'kpi.training_reminders', T('2027-01-01T09:30'));
    expect(out.summary).toEqual({ trainings: 3, sent: 3 });
    await runNamed(h, 'kpi.training_reminders', T('2027-01-01T09:40'));
    const group = h.fake.messagesIn(GROUP).map(h.textOf).filter((t) => t.startsWith('📚'));
    expect(group).toEqual([
      '📚 本月培训：销售技能专题培训（2027-01）。具体时间地点由主管另行通知，请大家预留时间参加。',
      '📚 本季度培训：行业知识更新培训（2027-Q1）。具体时间地点由主管另行通知，请大家预留时间参加。',
      '📚 本年度培训：管理能力提升培训（2027）。具体时间地点由主管另行通知，请大家预留时间参加。',
    ]);
    expect(h.fake.messagesIn(boss.openId).map(h.textOf)).toContain('🗓 请安排本年度的「管理能力提升培训」，并在团队群通知时间和地点。');
  });
});

// =============================================================================================

describe('a team too large for one card', () => {
  let h: Harness;
  const N = 150;
  beforeAll(async () => {
    h = await startHarness();
    await h.setRole(boss, 'supervisor');
    const now = new Date();
    const people = Array.from({ length: N }, (_, i) => ({ openId: `ou_sales_${i}`, name: `业务员${String(i + 1).padStart(3, '0')}号`, role: 'sales', createdAt: now, updatedAt: now }));
    await h.db.insert(users).values(people);
    await h.db.insert(kpiTargets).values(people.map((p) => ({ subject: p.openId, month: '2026-03', amount: 123_456.78, setBy: boss.openId, createdAt: now, updatedAt: now })));
  });
  afterAll(() => h.close());

  it(`still gets its /业绩 card (${N} people): the tables cut short, the rest pointed to /导出 业绩`, async () => {
    const { messageId } = await h.say(boss, '/业绩 2026-03', { createTime: T('2026-03-31T17:00').getTime() });
    const reply = h.repliesTo(messageId).find((m) => m.msg_type === 'interactive');
    expect(reply, 'the card reached Feishu').toBeDefined();
    expect(Buffer.byteLength(reply!.content)).toBeLessThan(CARD_MAX_BYTES);
    const text = markdownOf(json(reply!));
    const listed = [...text.matchAll(/^\| (业务员\d{3}号) \| ¥123,456.78 \|/gm)].map((m) => m[1]);
    expect(listed.length).toBeGreaterThan(20);
    expect(listed.length).toBeLessThan(N);
    expect(listed[0]).toBe('业务员001号');
    expect(text).toContain(`**另有 ${N - listed.length} 人未列出**（卡片大小有限），完整名单请发送 /导出 业绩 2026-03。`);
    // Everyone is in the export the card points to.
    expect(await h.ask(boss, '/导出 业绩 2026-03')).toContain(`（${N + 2} 行）`);
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

  it('shows who is eligible: a salesperson with the years and the scores, a supervisor after 5 years in the role; a 不合格 year blocks', async () => {
    const sun = { openId: 'ou_sun', name: '孙业务' };
    await h.setRole(boss2, 'supervisor');
    await h.setRole(sun, 'sales');
    await h.db.update(users).set({ hiredOn: '2019-07-01' }).where(eq(users.openId, sun.openId));
    // 李业务 (hired 2023-01-10): 85, 88, 90 → 87.7 ≥ 80 over 3 assessed months.
    for (const [month, s] of [['2026-01', 85], ['2026-02', 88], ['2026-03', 90]] as const) await pastAssessment(h, li, month, s, s >= 90 ? '优秀' : '良好');
    // 孙业务: 6 years, 85 a month, but the 2025 year was 不合格.
    for (const month of ['2026-01', '2026-02', '2026-03']) await pastAssessment(h, sun, month, 85, '良好');
    await pastAssessment(h, sun, '2025', 55, '不合格', { kind: 'year' });
    // Supervisors: the role since the last role.assign — 王主管 2020-03-01 (6 years), 陈主管 2023-05-01 (2 years).
    for (const [who, day] of [[boss, '2020-03-01'], [boss2, '2023-05-01']] as const) {
      await h.db.insert(auditLog).values({ at: T(`${day}T10:00`), actor: admin.openId, action: 'role.assign', subjectType: 'user', subjectId: who.openId, fromState: 'sales', toState: 'supervisor' });
    }
    const { messageId } = await h.say(boss, '/晋升', { createTime: T('2026-04-20T10:00').getTime() });
    const card = json(h.repliesTo(messageId).find((m) => m.msg_type === 'interactive')!);
    expect(JSON.stringify(card)).toContain('符合条件 2 人');
    const rows = markdownOf(card).split('\n').filter((l) => /^\| (?!姓名|---)/.test(l));
    expect(rows.slice(0, 2)).toEqual(['| 李业务 | 业务员 | 3 年 | — | 87.7（3 个月） | 高级业务员 | ✅ 符合 |', '| 王主管 | 主管 | 未登记 | 6 年 | — | 销售经理 | ✅ 符合 |']);
    expect(rows).toContain('| 陈主管 | 主管 | 未登记 | 2 年 | — | 销售经理 | ❌ 任主管 2 年，需满 5 年 |');
    expect(rows).toContain('| 孙业务 | 业务员 | 6 年 | — | 85（3 个月） | 高级业务员 | ❌ 2025 年度考核不合格，不予晋升 |');
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
