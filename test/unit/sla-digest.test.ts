/**
 * Locks in the daily digest and the weekly nudge: one card per person (overdue / due today / due
 * this week), a team view for supervisors, nothing for someone with nothing, no digest on days
 * off (but one on a 调休 make-up Saturday), and at most one per person per day or week however
 * often the job runs. The nudge gathers modules' stalled-work lines plus overdue deadlines.
 */
import { count } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digest, slaDigestJob } from '../../src/modules/reminders/sla-digest.job';
import { slaWeeklyNudgeJob, weeklyNudge } from '../../src/modules/reminders/sla-nudge.job';
import { outboxMessages } from '../../src/platform/db/core.schema';
import { cronMatches } from '../../src/platform/jobs/job';
import { runJob } from '../../src/platform/jobs/runner';
import type { ModuleDef } from '../../src/platform/module';
import { openDeadline } from '../../src/platform/sla/deadlines';
import type { DeadlineRule } from '../../src/platform/workflow/workflow';
import { cardText, harness, sh, type Harness } from './support/sla-harness';

const rule = (label: string): DeadlineRule => ({ step: label, label, target: { hours: 1 }, clock: 'calendar', owner: 'owner' });
let h: Harness;
let id = 0;
/** A deadline whose target is `due` (Shanghai wall time). */
const dueAt = (owner: string | null, label: string, due: string, role?: 'finance') =>
  openDeadline(h.database.db, h.services.calendar, {
    subjectType: 'order',
    subjectId: ++id,
    rule: { ...rule(label), owner: role ?? 'owner' },
    ownerOpenId: owner,
    anchorAt: new Date(sh(due).getTime() - 3_600_000),
    now: sh('2026-03-01T09:00'),
  });
const byRecipient = async () => Object.fromEntries((await h.outbox()).map((m) => [m.to, cardText(m.json)]));
const cards = async () => (await h.database.db.select({ n: count() }).from(outboxMessages))[0]!.n;

const failing = { name: 'broken', nudges: { broken: async () => { throw new Error('boom'); } } } satisfies ModuleDef;
const stalled: ModuleDef = {
  name: 'customers',
  nudges: {
    stalled: async () => [
      { ownerOpenId: 'ou_li', section: '停滞的客户', line: '• 华星：在「需求分析」停留 21 天' },
      { ownerOpenId: 'ou_li', section: '本月未拜访的重点客户', line: '• 远航机械' },
      { ownerOpenId: 'ou_zhang', section: '停滞的客户', line: '• 东方电子：在「方案演示」停留 15 天' },
    ],
  },
};

beforeEach(async () => {
  h = await harness({ modules: [stalled, failing] });
  id = 0;
});
afterEach(() => h.close());

describe('daily digest', () => {
  beforeEach(async () => {
    await dueAt('ou_li', '旧报价', '2026-03-06T18:00');
    await dueAt('ou_li', 'ERP 录入', '2026-03-09T15:00');
    await dueAt('ou_li', '订单总结', '2026-03-12T18:00');
    await dueAt('ou_li', '下周的事', '2026-03-17T10:00');
    await dueAt('ou_zhang', '下周的事', '2026-03-18T10:00');
    await dueAt(null, '价格审核', '2026-03-09T11:00', 'finance');
  });

  it('sends one card per person with overdue, due today and due this week — nothing beyond Sunday', async () => {
    expect(await digest(h.services, sh('2026-03-09T09:00'))).toMatchObject({ cards: 4 });
    const sent = await byRecipient();
    expect(Object.keys(sent).sort()).toEqual(['ou_boss', 'ou_li', 'ou_qian', 'ou_qian2']);
    const li = sent.ou_li!;
    expect(li).toContain('今日待办 · Daily digest 2026-03-09');
    expect(li).toContain('已超时 1 · 今天到期 1 · 本周到期 1');
    expect(li).toMatch(/已超时（1）[\s\S]*旧报价[\s\S]*今天到期（1）[\s\S]*ERP 录入[\s\S]*本周到期（1）[\s\S]*订单总结/);
    expect(li).not.toContain('下周的事');
    expect(li).not.toContain('团队视图');
    expect(sent.ou_qian).toContain('价格审核');
  });

  it('gives supervisors the team view, worst first, even with nothing of their own', async () => {
    await digest(h.services, sh('2026-03-09T09:00'));
    const boss = (await byRecipient()).ou_boss!;
    expect(boss).toContain('我的待办：无');
    expect(boss).toContain('团队视图（3 人）');
    expect(boss).toMatch(/• 李业务：已超时 1 · 今天到期 1 · 本周到期 1\n• (钱财务|孙财务)：已超时 0 · 今天到期 1/);
    expect(boss).toContain('团队超时明细');
    expect(boss).toContain('「旧报价」');
  });

  it('sends nobody a card when nobody has anything due this week', async () => {
    h.close();
    h = await harness();
    await dueAt('ou_li', '下周的事', '2026-03-17T10:00');
    expect(await digest(h.services, sh('2026-03-09T09:00'))).toMatchObject({ cards: 0 });
    expect(await cards()).toBe(0);
  });

  it('skips weekends and statutory holidays but runs on a 调休 make-up Saturday', async () => {
    expect(await digest(h.services, sh('2026-03-07T09:00'))).toEqual({ skipped: '非工作日', cards: 0 });
    expect(await digest(h.services, sh('2026-02-16T09:00'))).toMatchObject({ skipped: '非工作日' });
    await dueAt('ou_li', '调休日事项', '2026-02-28T15:00');
    expect(await digest(h.services, sh('2026-02-28T09:00'))).toEqual({ deadlines: 1, people: 1, cards: 2 }); // li and the supervisor
  });

  it('fires at 09:00 every day in the business time zone (the calendar decides which days count)', () => {
    expect(cronMatches(slaDigestJob.schedule, sh('2026-02-28T09:00'), 'Asia/Shanghai')).toBe(true);
    expect(cronMatches(slaDigestJob.schedule, sh('2026-03-09T09:05'), 'Asia/Shanghai')).toBe(false);
  });

  it('sends each person one digest a day however often the job runs', async () => {
    await runJob(h.services, slaDigestJob, sh('2026-03-09T09:00'));
    await runJob(h.services, slaDigestJob, sh('2026-03-09T09:00'));
    await runJob(h.services, slaDigestJob, sh('2026-03-09T11:30')); // a manual rerun later that day
    expect(await cards()).toBe(4);
    await runJob(h.services, slaDigestJob, sh('2026-03-10T09:00'));
    expect(await cards()).toBe(8);
  });
});

describe('weekly nudge', () => {
  beforeEach(async () => {
    await dueAt('ou_li', '旧报价', '2026-03-06T18:00');
    await dueAt(null, '价格审核', '2026-03-06T11:00', 'finance');
  });

  it('gives each salesperson one card with the stalled work modules report and their overdue items', async () => {
    const summary = await weeklyNudge(h.services, sh('2026-03-09T09:30'));
    expect(summary).toMatchObject({ nudges: 3, cards: 3, failedProviders: 1 });
    const sent = await byRecipient();
    expect(Object.keys(sent).sort()).toEqual(['ou_boss', 'ou_li', 'ou_zhang']); // finance is not nudged about customers
    expect(sent.ou_li).toContain('每周跟进提醒');
    expect(sent.ou_li).toContain('**停滞的客户（1）**\n• 华星：在「需求分析」停留 21 天');
    expect(sent.ou_li).toContain('**本月未拜访的重点客户（1）**\n• 远航机械');
    expect(sent.ou_li).toMatch(/超时待办（1）[\s\S]*旧报价/);
    expect(sent.ou_zhang).toContain('东方电子');
    expect(sent.ou_zhang).not.toContain('华星');
  });

  it('gives supervisors the team roll-up', async () => {
    await weeklyNudge(h.services, sh('2026-03-09T09:30'));
    const boss = (await byRecipient()).ou_boss!;
    expect(boss).toContain('我名下没有停滞事项。');
    expect(boss).toContain('团队汇总（2 人）');
    expect(boss).toContain('• 李业务：停滞的客户 1 · 本月未拜访的重点客户 1 · 超时待办 1');
    expect(boss).toContain('• 张业务：停滞的客户 1');
  });

  it('sends each person one nudge a week and runs Mondays at 09:30', async () => {
    await runJob(h.services, slaWeeklyNudgeJob, sh('2026-03-09T09:30'));
    await runJob(h.services, slaWeeklyNudgeJob, sh('2026-03-10T09:30'));
    expect(await cards()).toBe(3);
    expect(cronMatches(slaWeeklyNudgeJob.schedule, sh('2026-03-09T09:30'), 'Asia/Shanghai')).toBe(true);
    expect(cronMatches(slaWeeklyNudgeJob.schedule, sh('2026-03-10T09:30'), 'Asia/Shanghai')).toBe(false);
  });
});
