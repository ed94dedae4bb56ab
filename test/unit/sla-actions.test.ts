/**
 * Locks in the reminder card buttons and /待办, driven through the real bot (createBot) on a real
 * database: 延后 moves only the next reminder (1 hour / tomorrow 09:00), is audited, and may pass
 * the hard limit only for a supervisor; a click on an outdated card changes nothing; 完成 shows
 * the record through its module's `subjects` entry; 查看 sends the details; /待办 lists mine and my
 * role's items soonest first with a countdown.
 */
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../src/bot';
import { remindersModule } from '../../src/modules/reminders';
import { snoozeUntil } from '../../src/modules/reminders/reminders.card-actions';
import { auditLog, users } from '../../src/platform/db/core.schema';
import { defaultCalendar } from '../../src/platform/sla/calendar';
import { Refusal } from '../../src/platform/errors';
import type { ModuleDef } from '../../src/platform/module';
import { meetDeadlines, openDeadline } from '../../src/platform/sla/deadlines';
import { deadlines, type DeadlineRow } from '../../src/platform/sla/sla.schema';
import type { DeadlineRule } from '../../src/platform/workflow/workflow';
import { cardText, harness, PEOPLE, sh, type Harness } from './support/sla-harness';

const erp: DeadlineRule = { step: 'erp_entry', label: 'ERP 录入', target: { hours: 2 }, limit: { hours: 4 }, clock: 'working', owner: 'owner' };
const orders: ModuleDef = {
  name: 'orders',
  subjects: { order: { label: '订单', show: async (_ctx, id) => ({ text: `订单 #${id} 的卡片` }) } },
};

let h: Harness;
let bot: Bot;
let d: DeadlineRow;
let n = 0;
beforeEach(async () => {
  h = await harness({ modules: [orders] });
  bot = createBot([remindersModule, orders, { name: 'quotes', subjects: { quote: { label: '报价单' } } }], h.services);
  d = await openDeadline(h.database.db, h.services.calendar, { subjectType: 'order', subjectId: 12, rule: erp, ownerOpenId: 'ou_li', anchorAt: sh('2026-03-09T09:00'), now: sh('2026-03-09T09:00') });
});
afterEach(() => h.close());

const click = (who: keyof typeof PEOPLE, value: Record<string, unknown>, at = '2026-03-09T11:05') =>
  h.database.db.transaction((tx) => bot.handleCardAction({ kind: 'card_action', eventId: `ev_${++n}`, operator: PEOPLE[who].openId, value, form: {}, at: sh(at) }, tx));
const current = async () => (await h.database.db.select().from(deadlines).where(eq(deadlines.id, d.id)))[0]!;
const audits = () => h.database.db.select().from(auditLog).where(eq(auditLog.action, 'sla.snooze'));

describe('延后 (sla.snooze)', () => {
  it('moves the next reminder by one hour for the owner and audits it', async () => {
    const r = await click('li', { action: 'sla.snooze', id: d.id, v: d.version, until: 'hour' });
    expect(r.toast).toEqual({ type: 'success', text: '已延后，03-09 12:05 再提醒。' });
    expect(await current()).toMatchObject({ nextActionAt: sh('2026-03-09T12:05'), version: 2, targetAt: d.targetAt, limitAt: d.limitAt });
    const [a] = await audits();
    expect(a).toMatchObject({ actor: 'ou_li', subjectType: 'deadline', subjectId: String(d.id), outcome: 'ok' });
    expect(a!.detail).toMatchObject({ subject: 'order:12', step: 'erp_entry', choice: 'hour' });
  });

  it('refuses a salesperson snoozing past the hard limit (tomorrow 09:00 > today 14:30), audited', async () => {
    const r = await click('li', { action: 'sla.snooze', id: d.id, v: d.version, until: 'tomorrow' });
    expect(r.toast?.type).toBe('error');
    expect(r.toast?.text).toBe('不能延后到 03-10 09:00：超过了硬性期限 03-09 14:30，只有主管可以这样延后。');
    expect((await current()).nextActionAt).toEqual(d.nextActionAt);
    expect((await audits())[0]).toMatchObject({ outcome: 'refused' });
  });

  it('lets a supervisor snooze past the hard limit', async () => {
    const r = await click('boss', { action: 'sla.snooze', id: d.id, v: d.version, until: 'tomorrow' });
    expect(r.toast?.type).toBe('success');
    expect((await current()).nextActionAt).toEqual(sh('2026-03-10T09:00'));
  });

  it('refuses a click on an outdated card and changes nothing', async () => {
    await click('li', { action: 'sla.snooze', id: d.id, v: d.version, until: 'hour' });
    const r = await click('li', { action: 'sla.snooze', id: d.id, v: d.version, until: 'hour' }, '2026-03-09T11:10');
    expect(r.toast?.type).toBe('warning');
    expect((await current()).nextActionAt).toEqual(sh('2026-03-09T12:05'));
  });

  it('refuses another salesperson with a Chinese NOT_ALLOWED', async () => {
    await expect(click('zhang', { action: 'sla.snooze', id: d.id, v: d.version, until: 'hour' })).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    await expect(click('zhang', { action: 'sla.snooze', id: d.id, v: d.version, until: 'hour' })).rejects.toBeInstanceOf(Refusal);
  });

  it('says so when the item was already done', async () => {
    await meetDeadlines(h.database.db, h.services.calendar, { subjectType: 'order', subjectId: 12 }, { now: sh('2026-03-09T10:00') });
    expect((await click('li', { action: 'sla.snooze', id: d.id, v: 2, until: 'hour' })).toast).toEqual({ type: 'info', text: '「ERP 录入」已完成，无需操作。' });
  });

  it('lets anyone holding the owning role snooze a role-owned step', async () => {
    const price = await openDeadline(h.database.db, h.services.calendar, { subjectType: 'order', subjectId: 12, rule: { ...erp, step: 'price', owner: 'finance' }, anchorAt: sh('2026-03-09T09:00'), now: sh('2026-03-09T09:00') });
    expect((await click('qian2', { action: 'sla.snooze', id: price.id, v: price.version, until: 'hour' })).toast?.type).toBe('success');
  });
});

describe('snoozeUntil', () => {
  const cal = defaultCalendar('Asia/Shanghai');
  it('means tomorrow 09:00 during the day and this morning 09:00 after midnight', () => {
    expect(snoozeUntil('tomorrow', sh('2026-03-09T15:00'), cal, 'calendar')).toEqual(sh('2026-03-10T09:00'));
    expect(snoozeUntil('tomorrow', sh('2026-03-10T02:00'), cal, 'calendar')).toEqual(sh('2026-03-10T09:00'));
    expect(snoozeUntil('hour', sh('2026-03-09T23:30'), cal, 'calendar')).toEqual(sh('2026-03-10T00:30'));
  });

  it('for a working-time item means the next working day: Friday → Monday 09:00, over a holiday, onto a 调休 Saturday', () => {
    expect(snoozeUntil('tomorrow', sh('2026-03-13T15:00'), cal, 'working')).toEqual(sh('2026-03-16T09:00'));
    expect(snoozeUntil('tomorrow', sh('2026-03-14T10:00'), cal, 'working')).toEqual(sh('2026-03-16T09:00'));
    expect(snoozeUntil('tomorrow', sh('2026-03-10T02:00'), cal, 'working')).toEqual(sh('2026-03-10T09:00'));
    expect(snoozeUntil('tomorrow', sh('2026-09-30T16:00'), cal, 'working')).toEqual(sh('2026-10-08T09:00')); // National Day week
    expect(snoozeUntil('tomorrow', sh('2026-02-13T16:00'), cal, 'working')).toEqual(sh('2026-02-14T09:00')); // make-up Saturday
    // a calendar-clock item keeps running at weekends: Saturday morning it is
    expect(snoozeUntil('tomorrow', sh('2026-03-13T15:00'), cal, 'calendar')).toEqual(sh('2026-03-14T09:00'));
  });

  it('follows the configured working hours', () => {
    const early = { ...cal, workHours: [['08:30', '17:30']] as Array<[string, string]> };
    expect(snoozeUntil('tomorrow', sh('2026-03-13T15:00'), early, 'working')).toEqual(sh('2026-03-16T08:30'));
    expect(snoozeUntil('tomorrow', sh('2026-03-13T15:00'), early, 'calendar')).toEqual(sh('2026-03-14T08:30'));
  });
});

describe('明早 on a working-time item (sla.snooze)', () => {
  it('clicked on Friday afternoon moves the reminder to Monday 09:00, not Saturday', async () => {
    const fri = await openDeadline(h.database.db, h.services.calendar, { subjectType: 'order', subjectId: 30, rule: { ...erp, step: 'fri', limit: undefined }, ownerOpenId: 'ou_li', anchorAt: sh('2026-03-13T09:00'), now: sh('2026-03-13T09:00') });
    const r = await click('li', { action: 'sla.snooze', id: fri.id, v: fri.version, until: 'tomorrow' }, '2026-03-13T15:00');
    expect(r.toast).toEqual({ type: 'success', text: '已延后，03-16 09:00 再提醒。' });
    const [row] = await h.database.db.select().from(deadlines).where(eq(deadlines.id, fri.id));
    expect(row!.nextActionAt).toEqual(sh('2026-03-16T09:00'));
  });
});

describe('完成 (sla.done) and 查看 (sla.view)', () => {
  it('完成 sends the record card its module shows', async () => {
    const r = await click('li', { action: 'sla.done', id: d.id, v: d.version });
    expect(r.toast?.text).toBe('已发来订单 #12，在卡片上完成「ERP 录入」。');
    expect((await h.outbox()).map((m) => [m.to, m.body])).toEqual([['ou_li', '订单 #12 的卡片']]);
  });

  it('完成 explains where to act when the module shows no card', async () => {
    const q = await openDeadline(h.database.db, h.services.calendar, { subjectType: 'quote', subjectId: 3, rule: erp, ownerOpenId: 'ou_li', anchorAt: sh('2026-03-09T09:00'), now: sh('2026-03-09T09:00') });
    expect((await click('li', { action: 'sla.done', id: q.id })).toast?.text).toBe('请在报价单 #3上完成「ERP 录入」，完成后提醒会自动关闭。');
  });

  it('完成 and 查看 are refused to someone who may not see the item, and show nothing', async () => {
    await expect(click('zhang', { action: 'sla.view', id: d.id })).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    await expect(click('zhang', { action: 'sla.done', id: d.id, v: d.version })).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    await expect(click('qian', { action: 'sla.view', id: d.id })).rejects.toBeInstanceOf(Refusal);
    expect(await h.outbox()).toEqual([]);
  });

  it('查看 is open to the owner’s supervisor and the general manager’s office', async () => {
    await h.database.db.insert(users).values({ openId: 'ou_gm', name: '郑总', role: 'gm', createdAt: sh('2026-01-01T00:00'), updatedAt: sh('2026-01-01T00:00') });
    await click('boss', { action: 'sla.view', id: d.id });
    await h.database.db.transaction((tx) => bot.handleCardAction({ kind: 'card_action', eventId: `ev_${++n}`, operator: 'ou_gm', value: { action: 'sla.view', id: d.id }, form: {}, at: sh('2026-03-09T11:05') }, tx));
    expect((await h.outbox()).map((m) => m.to)).toEqual(['ou_boss', 'ou_gm']);
  });

  it('查看 sends the deadline in full', async () => {
    await click('li', { action: 'sla.view', id: d.id });
    const [m] = await h.outbox();
    const text = cardText(m!.json);
    expect(text).toContain('订单 #12「ERP 录入」');
    expect(text).toContain('负责人：李业务');
    expect(text).toContain('目标：03-09 11:00');
    expect(text).toContain('硬性期限：03-09 14:30');
    expect(text).toContain('工作时间');
  });
});

describe('/待办', () => {
  const say = (who: keyof typeof PEOPLE, text: string, at = '2026-03-09T11:30') =>
    h.database.db.transaction((tx) =>
      bot.handle({ kind: 'message', eventId: `ev_${++n}`, messageId: `om_${n}`, chatId: `oc_p2p_${who}`, chatType: 'p2p', sender: PEOPLE[who].openId, senderIsUser: true, text, mentionedOpenIds: [], botMentioned: false, at: sh(at) }, tx),
    );

  it('lists my items and my role’s soonest first, with countdowns', async () => {
    const base = { subjectType: 'order', now: sh('2026-03-09T09:00') };
    await openDeadline(h.database.db, h.services.calendar, { ...base, subjectId: 20, rule: { ...erp, step: 'x', label: '旧事项', target: { days: 1 }, limit: undefined }, ownerOpenId: 'ou_qian', anchorAt: sh('2026-03-05T09:00') });
    await openDeadline(h.database.db, h.services.calendar, { ...base, subjectId: 21, rule: { ...erp, step: 'price', label: '价格审核', target: { hours: 5 }, limit: undefined, owner: 'finance' }, anchorAt: sh('2026-03-09T09:00') });
    await say('qian', '/待办');
    const [m] = await h.outbox();
    expect(m!.to).toBe(`oc_p2p_qian`);
    const text = cardText(m!.json);
    expect(text).toContain('2 项 · 1 项已超时');
    const lines = text.split('\n').filter((l) => l.startsWith('•'));
    expect(lines).toEqual(['• 订单 #20「旧事项」截止 03-06 18:00（已超时 2 天）', '• 订单 #21「价格审核」截止 03-09 15:30（剩 4 小时）']);
  });

  it('answers /todo in English spelling too, and says when there is nothing', async () => {
    await say('zhang', '/todo');
    expect((await h.outbox())[0]!.body).toBe('你目前没有待办。Nothing due.');
  });

  it('pages a long list 20 at a time, so every item can be seen', async () => {
    await h.database.db.delete(deadlines);
    for (let i = 1; i <= 45; i++) {
      await openDeadline(h.database.db, h.services.calendar, { subjectType: 'order', subjectId: 100 + i, rule: { ...erp, step: `s${i}`, label: `事项${i}`, target: { hours: i }, limit: undefined }, ownerOpenId: 'ou_li', anchorAt: sh('2026-03-09T09:00'), now: sh('2026-03-09T09:00') });
    }
    const lines = (card: unknown) => cardText(card).split('\n').filter((l) => l.startsWith('•'));
    await say('li', '/待办');
    const first = (await h.outbox())[0]!.json;
    expect(lines(first)).toHaveLength(20);
    expect(lines(first)[0]).toContain('事项1」');
    expect(cardText(first)).toContain('待办（45）');
    expect(cardText(first)).toContain('第 1/3 页（第 1–20 项），发送 /待办 2 查看下一页');
    expect(cardText(first)).not.toContain('查看全部');
    expect(JSON.stringify(first)).toContain('"下一页"');

    await say('li', '/待办 3');
    const last = (await h.outbox())[1]!.json;
    expect(lines(last).map((l) => l.match(/事项\d+/)![0])).toEqual(['事项41', '事项42', '事项43', '事项44', '事项45']);
    expect(cardText(last)).toContain('第 3/3 页（第 41–45 项）');
    expect(JSON.stringify(last)).toContain('"上一页"');
    expect(JSON.stringify(last)).not.toContain('"下一页"');

    // 下一页 turns the card itself to page 2; every item of the 45 is on exactly one page
    const turned = await click('li', { action: 'sla.todo_page', page: 2, owner: 'ou_li' }, '2026-03-09T11:30');
    expect(lines(turned.card).map((l) => l.match(/事项\d+/)![0])).toEqual(Array.from({ length: 20 }, (_, i) => `事项${21 + i}`));
    expect((await click('zhang', { action: 'sla.todo_page', page: 2, owner: 'ou_li' })).toast?.text).toBe('这是别人的待办列表；发送 /待办 查看你自己的。');

    await say('li', '/待办 9');
    expect((await h.outbox())[2]!.body).toBe('你的待办只有 3 页（共 45 项），发送 /待办 3 查看最后一页。');
  });

  it('shows a paused item as paused with its reason', async () => {
    await h.database.db.update(deadlines).set({ status: 'paused', pauseReason: '等客户图纸', nextActionAt: null }).where(and(eq(deadlines.id, d.id)));
    await say('li', '/待办');
    expect(cardText((await h.outbox())[0]!.json)).toContain('已暂停：等客户图纸（原定 03-09 11:00）');
  });
});
