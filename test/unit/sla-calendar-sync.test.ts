/**
 * Locks in that the business calendar is the database's, not one runtime's memory, and that it
 * is the configured one:
 * - two runtimes on one database file: a day override made through one is honoured by the other's
 *   next job run and next card click;
 * - a real server (inbox processing on its own thread, card clicks on the request thread): an
 *   override made by a command on the processing thread decides the very next 延后 click;
 * - BUSINESS_TZ=America/New_York with WORK_HOURS / WORK_DAYS / CHINESE_HOLIDAYS=false, end to end
 *   through the sweep and digest jobs and the fake Open API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config';
import { createRuntime, type Runtime } from '../../src/deps';
import { slaDigestJob } from '../../src/modules/reminders/sla-digest.job';
import { slaSweepJob } from '../../src/modules/reminders/sla-sweep.job';
import { startFakeOpenApi, type FakeOpenApi } from '../../src/local/fake-openapi';
import { cardActionEvent } from '../../src/local/feishu-events';
import { users } from '../../src/platform/db/core.schema';
import { writeTransaction } from '../../src/platform/db/write-lock';
import type { Inbound } from '../../src/platform/feishu/inbound';
import { runJob } from '../../src/platform/jobs/runner';
import { openDeadline } from '../../src/platform/sla/deadlines';
import { deadlines } from '../../src/platform/sla/sla.schema';
import { zonedTime } from '../../src/platform/time';
import type { DeadlineRule } from '../../src/platform/workflow/workflow';
import { PEOPLE, SECRETS, startHarness, type Harness } from '../fakes/harness';

/** Shanghai wall time → instant. */
const sh = (local: string) => new Date(`${local}:00+08:00`);
const task: DeadlineRule = { step: 'erp_entry', label: 'ERP 录入', target: { hours: 4 }, clock: 'working', owner: 'owner' };

describe('two runtimes on one database file', () => {
  let fake: FakeOpenApi;
  let dir: string;
  let a: Runtime;
  let b: Runtime;
  let n = 0;
  beforeAll(async () => {
    fake = await startFakeOpenApi({ appId: SECRETS.appId, appSecret: SECRETS.appSecret, botOpenId: 'ou_bot' });
    dir = mkdtempSync(join(tmpdir(), 'salesdesk-cal-sync-'));
    const config = parseConfig({
      DATABASE_URL: `file:${join(dir, 'shared.db')}`,
      FEISHU_APP_ID: SECRETS.appId,
      FEISHU_APP_SECRET: SECRETS.appSecret,
      FEISHU_VERIFICATION_TOKEN: SECRETS.verificationToken,
      FEISHU_BASE_URL: fake.url,
      ADMIN_OPEN_IDS: PEOPLE.admin.openId,
      LOG_LEVEL: 'silent',
    });
    a = await createRuntime(config, { processing: 'inline' });
    b = await createRuntime(config, { processing: 'inline' }); // loads its calendar now, before any override
    const t0 = sh('2026-11-01T09:00');
    await a.services.database.db.insert(users).values({ openId: PEOPLE.li.openId, name: PEOPLE.li.name, role: 'sales', createdAt: t0, updatedAt: t0 });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const command = (rt: Runtime, text: string, at: Date) =>
    writeTransaction(rt.services.database.db, (tx) =>
      rt.bot.handle({ kind: 'message', eventId: `ev_${++n}`, messageId: `om_${n}`, chatId: 'oc_p2p_admin', chatType: 'p2p', sender: PEOPLE.admin.openId, senderIsUser: true, text, mentionedOpenIds: [], botMentioned: false, at } as Extract<Inbound, { kind: 'message' }>, tx),
    );
  const click = (rt: Runtime, value: Record<string, unknown>, at: Date) =>
    writeTransaction(rt.services.database.db, (tx) => rt.bot.handleCardAction({ kind: 'card_action', eventId: `ev_${++n}`, operator: PEOPLE.li.openId, value, form: {}, at } as Extract<Inbound, { kind: 'card_action' }>, tx));

  it("runs the other runtime's digest on a Saturday made a working day, and skips a Monday made a day off", async () => {
    const d = await openDeadline(a.services.database.db, a.services.calendar, { subjectType: 'order', subjectId: 1, rule: task, ownerOpenId: PEOPLE.li.openId, anchorAt: sh('2026-11-27T09:00'), now: sh('2026-11-27T09:00') });
    await command(a, '/系统 日历 2026-11-28 上班', sh('2026-11-27T10:00'));
    await command(a, '/系统 日历 2026-11-30 休息', sh('2026-11-27T10:01'));

    const saturday = await runJob(b.services, slaDigestJob, sh('2026-11-28T09:00'));
    expect(saturday).toMatchObject({ ran: true, summary: { cards: 1 } });
    const monday = await runJob(b.services, slaDigestJob, sh('2026-11-30T09:00'));
    expect(monday).toMatchObject({ ran: true, summary: { skipped: '非工作日' } });

    // and the other runtime's next card click: 明早 from Friday is the Saturday now working
    const r = await click(b, { action: 'sla.snooze', id: d.id, v: d.version, until: 'tomorrow' }, sh('2026-11-27T15:00'));
    expect(r.toast).toEqual({ type: 'success', text: '已延后，11-28 09:00 再提醒。' });
  });
});

describe('a real server: commands on the processing thread, clicks on the request thread', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.setRole(PEOPLE.li, 'sales');
  });
  afterAll(() => h?.close());

  async function snoozeTomorrow(id: number, v: number, at: Date): Promise<string | undefined> {
    const res = await h.post(cardActionEvent(SECRETS, PEOPLE.li, { value: { action: 'sla.snooze', id, v, until: 'tomorrow' } }, { createTime: at.getTime() }));
    const body = (await res.json()) as { toast?: { content: string } };
    await h.settle();
    return body.toast?.content;
  }

  it('a day override sent as a command decides the next 延后 click, and so does taking it back', async () => {
    const d = await openDeadline(h.db, h.server.runtime.services.calendar, { subjectType: 'order', subjectId: 7, rule: task, ownerOpenId: PEOPLE.li.openId, anchorAt: sh('2026-11-27T09:00'), now: sh('2026-11-27T09:00') });
    expect(await h.ask(PEOPLE.admin, '/系统 日历 2026-11-28 上班')).toContain('2026-11-28 已设为上班。');
    expect(await snoozeTomorrow(d.id, d.version, sh('2026-11-27T15:00'))).toBe('已延后，11-28 09:00 再提醒。');
    expect(await h.ask(PEOPLE.admin, '/系统 日历 2026-11-28 恢复')).toContain('2026-11-28 已设为按法定日历。');
    expect(await snoozeTomorrow(d.id, d.version + 1, sh('2026-11-27T15:05'))).toBe('已延后，11-30 09:00 再提醒。');
  });
});

describe('BUSINESS_TZ=America/New_York, WORK_HOURS=08:30-12:00,13:00-17:30, CHINESE_HOLIDAYS=false', () => {
  let h: Harness;
  /** New York wall time 'YYYY-MM-DDTHH:mm' → instant (EDT or EST as the date has it). */
  const ny = (local: string) => {
    const [y, mo, d, hh, mm] = local.split(/[-T:]/).map(Number);
    return zonedTime('America/New_York', y!, mo!, d!, hh!, mm!);
  };
  beforeAll(async () => {
    h = await startHarness({ BUSINESS_TZ: 'America/New_York', WORK_HOURS: '08:30-12:00,13:00-17:30', WORK_DAYS: '1-5', CHINESE_HOLIDAYS: 'false' });
    await h.setRole(PEOPLE.li, 'sales');
  });
  afterAll(() => h?.close());
  afterEach(() => h.fake.messages.clear());

  const services = () => h.server.runtime.services;
  const remindersToLi = () => h.fake.messagesIn(PEOPLE.li.openId).map((m) => h.textOf(m));

  it('4 working hours from Friday 16:00 fall due Monday 11:00 New York time; the sweep reminds then, not at the weekend', async () => {
    const d = await openDeadline(h.db, services().calendar, { subjectType: 'order', subjectId: 11, rule: task, ownerOpenId: PEOPLE.li.openId, anchorAt: ny('2026-11-20T16:00'), now: ny('2026-11-20T16:00') });
    expect(d.targetAt).toEqual(ny('2026-11-23T11:00')); // Fri 16:00–17:30 + Mon 08:30–11:00

    expect(await runJob(services(), slaSweepJob, ny('2026-11-21T11:00'))).toMatchObject({ ran: true, summary: { due: 0 } });
    expect(await runJob(services(), slaSweepJob, ny('2026-11-23T11:00'))).toMatchObject({ ran: true, summary: { reminded: 1, messages: 1 } });
    await h.settle();
    const [card] = remindersToLi();
    expect(card).toContain('ERP 录入');
    expect(card).toContain('截止 11-23 11:00'); // shown in New York time
    expect(card).toContain('明早8:30'); // the snooze button follows WORK_HOURS
  });

  it('the daily digest runs at 09:00 New York time on a weekday that is a Chinese holiday, and not on Saturday', async () => {
    await h.db.delete(deadlines);
    await openDeadline(h.db, services().calendar, { subjectType: 'order', subjectId: 12, rule: task, ownerOpenId: PEOPLE.li.openId, anchorAt: ny('2026-10-01T08:30'), now: ny('2026-10-01T08:30') });
    expect(await runJob(services(), slaDigestJob, ny('2026-10-01T09:00'))).toMatchObject({ ran: true, summary: { cards: 1 } }); // 国庆节 is a working day here
    await h.settle();
    expect(remindersToLi().join('\n')).toContain('今日待办 · Daily digest 2026-10-01');
    expect(await runJob(services(), slaDigestJob, ny('2026-10-03T09:00'))).toMatchObject({ ran: true, summary: { skipped: '非工作日' } });
  });
});
