/**
 * Locks in the sweep: owners are reminded at the reminder time; at the hard limit the deadline is
 * breached (breached_at = the limit) and escalated — a DM to every supervisor and an @-mention of
 * the owner in the team chat — then repeated at most every 4 hours. Non-urgent notifications wait
 * out quiet hours (working-clock ones until the next working start); urgent ones never wait.
 * Every notification goes out exactly once: double runs of one moment, two processes sweeping one
 * database together, and a crash between sending and bookkeeping all send it once. After downtime
 * the missed reminders of one person arrive as one card.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { count, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { slaSweepJob, sweep } from '../../src/modules/reminders/sla-sweep.job';
import { outboxMessages } from '../../src/platform/db/core.schema';
import { runJob } from '../../src/platform/jobs/runner';
import { openDeadline } from '../../src/platform/sla/deadlines';
import { deadlines, reminderLedger } from '../../src/platform/sla/sla.schema';
import type { DeadlineRule } from '../../src/platform/workflow/workflow';
import { cardText, harness, sh, TEAM_CHAT, type Harness } from './support/sla-harness';

const HOUR = 3_600_000;
const erp: DeadlineRule = { step: 'erp_entry', label: 'ERP 录入', target: { hours: 2 }, limit: { hours: 4 }, clock: 'working', owner: 'owner' };
const answer: DeadlineRule = { step: 'answer', label: '答复咨询', target: { hours: 24 }, clock: 'calendar', owner: 'owner' };
const urgent: DeadlineRule = { step: 'urgent', label: '紧急问题处理', limit: { hours: 2 }, clock: 'calendar', owner: 'owner', urgent: true };
const complaint: DeadlineRule = { step: 'acknowledge', label: '受理投诉', limit: { hours: 24 }, clock: 'calendar', owner: 'owner' };

let h: Harness;
let seq = 0;
const open = (rule: DeadlineRule, at: string, owner: string | null = 'ou_li', subjectId: number = ++seq) =>
  openDeadline(h.database.db, h.services.calendar, { subjectType: 'order', subjectId, rule, ownerOpenId: owner, anchorAt: sh(at), now: sh(at) });
const run = (at: string) => sweep(h.services, sh(at));
const row = async (id: number) => (await h.database.db.select().from(deadlines).where(eq(deadlines.id, id)))[0]!;
const outboxCount = async () => (await h.database.db.select({ n: count() }).from(outboxMessages))[0]!.n;

beforeEach(async () => {
  h = await harness();
  seq = 0;
});
afterEach(() => h.close());

describe('reminders', () => {
  it('reminds the owner at the target, not before, with 完成 / 延后 / 查看 buttons', async () => {
    const d = await open(erp, '2026-03-09T09:00'); // target 11:00, limit 14:30
    expect(await run('2026-03-09T10:55')).toMatchObject({ due: 0 });
    expect(await h.outbox()).toEqual([]);
    expect(await run('2026-03-09T11:00')).toMatchObject({ due: 1, reminded: 1, messages: 1 });
    const [m] = await h.outbox();
    expect(m!.to).toBe('ou_li');
    const text = cardText(m!.json);
    expect(text).toContain('待办提醒');
    expect(text).toContain('order #1「ERP 录入」截止 03-09 11:00（现在到期，最迟 03-09 14:30）');
    expect(text).toContain('完成');
    expect(text).toContain('延后1小时');
    expect(text).toContain('明早9点');
    expect(text).toContain('查看');
    expect((await row(d.id)).nextActionAt).toEqual(sh('2026-03-09T14:30'));
  });

  it('names the record with the label its module registered', async () => {
    const named = await harness({ modules: [{ name: 'orders', subjects: { order: { label: '订单' } } }] });
    try {
      await openDeadline(named.database.db, named.services.calendar, { subjectType: 'order', subjectId: 12, rule: erp, ownerOpenId: 'ou_li', anchorAt: sh('2026-03-09T09:00'), now: sh('2026-03-09T09:00') });
      await sweep(named.services, sh('2026-03-09T11:00'));
      expect(cardText((await named.outbox())[0]!.json)).toContain('订单 #12「ERP 录入」');
    } finally {
      named.close();
    }
  });

  it('reminds a limit-only deadline at 80 % of the way to the limit', async () => {
    await open(complaint, '2026-03-09T09:00'); // limit 03-10 09:00 → reminder 03-10 04:12 is quiet → 08:00
    expect(await run('2026-03-10T04:12')).toMatchObject({ held: 1, messages: 0 });
    expect(await run('2026-03-10T08:00')).toMatchObject({ reminded: 1, messages: 1 });
  });

  it('sends a role-owned step to everyone holding the role', async () => {
    await open({ ...erp, step: 'price', label: '价格审核', owner: 'finance' }, '2026-03-09T09:00', null);
    await run('2026-03-09T11:00');
    expect((await h.outbox()).map((m) => m.to).sort()).toEqual(['ou_qian', 'ou_qian2']);
  });

  it('sends a step of a role nobody holds to the supervisors, so it is not lost', async () => {
    await open({ ...erp, step: 'qc', label: '品质确认', owner: 'quality' }, '2026-03-09T09:00', null);
    await run('2026-03-09T11:00');
    const [m] = await h.outbox();
    expect(m!.to).toBe('ou_boss');
    expect(cardText(m!.json)).toContain('待分派');
  });
});

describe('breach and escalation', () => {
  it('marks the breach at the limit time and escalates to supervisors and the team chat', async () => {
    const d = await open(erp, '2026-03-09T09:00');
    await run('2026-03-09T11:00');
    const summary = await run('2026-03-09T14:33');
    expect(summary).toMatchObject({ breached: 1, escalated: 1, messages: 2 });
    const r = await row(d.id);
    expect(r.status).toBe('breached');
    expect(r.breachedAt).toEqual(sh('2026-03-09T14:30')); // the limit, not the sweep time
    expect(r.nextActionAt).toEqual(new Date(sh('2026-03-09T14:33').getTime() + 4 * HOUR));
    const sent = (await h.outbox()).slice(1);
    const boss = sent.find((m) => m.to === 'ou_boss')!;
    expect(cardText(boss.json)).toContain('超时升级');
    expect(cardText(boss.json)).toContain('负责人 李业务');
    const team = sent.find((m) => m.to === TEAM_CHAT)!;
    expect(team.type).toBe('text');
    expect(team.body).toContain('<at user_id="ou_li"></at> order #1「ERP 录入」');
    expect(team.body).toContain('超过硬性期限');
    expect(sent.map((m) => m.to)).not.toContain('ou_li');
  });

  it('DMs the owner when no team chat is bound', async () => {
    h.close();
    h = await harness({ team: false });
    await open(erp, '2026-03-09T09:00');
    await run('2026-03-09T14:30');
    expect((await h.outbox()).map((m) => m.to).sort()).toEqual(['ou_boss', 'ou_li']);
  });

  it('repeats an open breach at most every 4 hours', async () => {
    await open(urgent, '2026-03-09T08:00'); // limit 10:00
    await run('2026-03-09T10:00');
    const after = await outboxCount();
    for (const t of ['2026-03-09T10:05', '2026-03-09T11:00', '2026-03-09T13:55']) expect(await run(t)).toMatchObject({ due: 0 });
    expect(await outboxCount()).toBe(after);
    expect(await run('2026-03-09T14:00')).toMatchObject({ escalated: 1, breached: 0 });
    expect(await outboxCount()).toBe(after * 2);
  });

  it('stops escalating once the step is met', async () => {
    const d = await open(urgent, '2026-03-09T08:00');
    await run('2026-03-09T10:00');
    await h.database.db.update(deadlines).set({ status: 'met', nextActionAt: null }).where(eq(deadlines.id, d.id));
    expect(await run('2026-03-09T18:00')).toMatchObject({ due: 0 });
  });
});

describe('quiet hours (21:00–08:00)', () => {
  it('holds a calendar-clock reminder until 08:00', async () => {
    const d = await open(answer, '2026-03-08T22:00'); // target Mon 03-09 22:00
    expect(await run('2026-03-09T22:00')).toMatchObject({ held: 1, messages: 0 });
    expect((await row(d.id)).nextActionAt).toEqual(sh('2026-03-10T08:00'));
    expect(await run('2026-03-10T07:55')).toMatchObject({ due: 0 });
    expect(await run('2026-03-10T08:00')).toMatchObject({ reminded: 1, messages: 1 });
  });

  it('holds a working-clock reminder until the next working start (Friday night → Monday 09:00)', async () => {
    const d = await open(erp, '2026-03-13T09:00');
    await h.database.db.update(deadlines).set({ nextActionAt: sh('2026-03-13T22:00'), limitAt: sh('2026-03-16T14:00') }).where(eq(deadlines.id, d.id));
    expect(await run('2026-03-13T22:00')).toMatchObject({ held: 1 });
    expect((await row(d.id)).nextActionAt).toEqual(sh('2026-03-16T09:00'));
  });

  it('marks a non-urgent breach at the limit but escalates only after quiet hours', async () => {
    const d = await open(complaint, '2026-03-08T23:00'); // limit Mon 23:00
    await h.database.db.update(deadlines).set({ nextActionAt: sh('2026-03-09T23:00') }).where(eq(deadlines.id, d.id));
    expect(await run('2026-03-09T23:00')).toMatchObject({ breached: 1, held: 1, messages: 0 });
    expect(await row(d.id)).toMatchObject({ status: 'breached', breachedAt: sh('2026-03-09T23:00'), nextActionAt: sh('2026-03-10T08:00') });
    expect(await run('2026-03-10T08:00')).toMatchObject({ escalated: 1, messages: 2 });
  });

  it('never holds an urgent item', async () => {
    await open(urgent, '2026-03-09T21:30'); // limit 23:30
    expect(await run('2026-03-09T23:30')).toMatchObject({ breached: 1, escalated: 1, held: 0, messages: 2 });
  });

  it('honours a configured QUIET_HOURS', async () => {
    h.close();
    h = await harness({ env: { QUIET_HOURS: '20:00-09:30' } });
    const d = await open(answer, '2026-03-08T20:30');
    expect(await run('2026-03-09T20:30')).toMatchObject({ held: 1 });
    expect((await row(d.id)).nextActionAt).toEqual(sh('2026-03-10T09:30'));
  });
});

describe('exactly once', () => {
  it('running the sweep job twice for the same moment sends each reminder once', async () => {
    await open(erp, '2026-03-09T09:00');
    const first = await runJob(h.services, slaSweepJob, sh('2026-03-09T11:00'));
    const second = await runJob(h.services, slaSweepJob, sh('2026-03-09T11:00'));
    expect(first).toMatchObject({ ran: true, summary: { messages: 1 } });
    expect(second).toEqual({ ran: false, reason: 'already_ran' });
    expect(await outboxCount()).toBe(1);
  });

  it('a rerun after a crash between sending and bookkeeping finds the ledger taken and sends nothing', async () => {
    const d = await open(erp, '2026-03-09T09:00');
    await run('2026-03-09T11:00');
    // The crash: the deadline never moved on.
    await h.database.db.update(deadlines).set({ nextActionAt: sh('2026-03-09T11:00') }).where(eq(deadlines.id, d.id));
    expect(await run('2026-03-09T11:01')).toMatchObject({ reminded: 1, messages: 0, duplicates: 1 });
    expect(await outboxCount()).toBe(1);
    expect((await row(d.id)).nextActionAt).toEqual(sh('2026-03-09T14:30'));
  });

  it('two clients sweeping one database file at once send every notification once', async () => {
    const other = await h.second();
    for (let i = 0; i < 12; i++) await open(erp, '2026-03-09T09:00', i % 2 ? 'ou_li' : 'ou_zhang');
    for (let i = 0; i < 6; i++) await open(urgent, '2026-03-09T08:00', i % 2 ? 'ou_li' : 'ou_zhang'); // breached at 10:00
    for (let i = 0; i < 4; i++) await open({ ...erp, step: 'price', owner: 'finance' }, '2026-03-09T09:00', null);
    const [a, b] = await Promise.all([sweep(h.services, sh('2026-03-09T11:00')), sweep(other, sh('2026-03-09T11:00'))]);
    expect(Number(a.messages) + Number(b.messages)).toBe(6); // li, zhang, qian, qian2, boss, team chat
    const ledger = await h.database.db.select().from(reminderLedger);
    expect(ledger.length).toBe(12 + 6 * 2 + 4 * 2);
    const sent = await h.outbox();
    expect(sent.map((m) => m.to).sort()).toEqual(['oc_team', 'ou_boss', 'ou_li', 'ou_qian', 'ou_qian2', 'ou_zhang']);
    // Each item appears in exactly one card of its recipient.
    const li = sent.filter((m) => m.to === 'ou_li').map((m) => cardText(m.json)).join('\n');
    expect(li.match(/「ERP 录入」/g)!.length).toBe(6);
    expect(li).not.toContain('紧急问题处理'); // breaches go to supervisors and the team chat
    const states = await h.database.db.select({ status: deadlines.status, n: count() }).from(deadlines).groupBy(deadlines.status);
    expect(Object.fromEntries(states.map((s) => [s.status, s.n]))).toEqual({ open: 16, breached: 6 });
  });

  it('two real processes sweeping one database file at the same moment send every notification once', async () => {
    for (let i = 0; i < 40; i++) await open(erp, '2026-03-09T09:00', ['ou_li', 'ou_zhang'][i % 2]);
    for (let i = 0; i < 10; i++) await open(urgent, '2026-03-09T08:00', 'ou_li');
    const child = new URL('./support/sweep-child.ts', import.meta.url).pathname;
    const barrier = mkdtempSync(join(tmpdir(), 'barrier-'));
    const runChild = () => promisify(execFile)(process.execPath, ['--import', 'tsx', child, h.file, sh('2026-03-09T11:00').toISOString(), barrier, '2'], { cwd: process.cwd() });
    const results = (await Promise.all([runChild(), runChild()])).map((r) => JSON.parse(r.stdout));
    expect(results.reduce((n, r) => n + r.messages, 0)).toBe(4); // li, zhang, boss, team chat
    expect((await h.database.db.select().from(reminderLedger)).length).toBe(40 + 10 * 2);
    expect((await h.outbox()).map((m) => m.to).sort()).toEqual(['oc_team', 'ou_boss', 'ou_li', 'ou_zhang']);
  }, 30_000);

  it('two processes running the sweep job for the same tick: one runs, the other stands down', async () => {
    const other = await h.second();
    await open(erp, '2026-03-09T09:00');
    const outcomes = await Promise.all([runJob(h.services, slaSweepJob, sh('2026-03-09T11:00')), runJob(other, slaSweepJob, sh('2026-03-09T11:00'))]);
    expect(outcomes.filter((o) => o.ran).length).toBe(1);
    expect(await outboxCount()).toBe(1);
  });
});

describe('catch-up after downtime', () => {
  it('collapses 10 missed reminders of one person into one card', async () => {
    for (let i = 0; i < 10; i++) await open({ ...answer, step: `answer${i}`, target: { hours: 1 + i } }, '2026-03-07T09:00');
    const summary = await run('2026-03-09T09:00');
    expect(summary).toMatchObject({ due: 10, reminded: 10, messages: 1 });
    const sent = await h.outbox();
    expect(sent).toHaveLength(1);
    const text = cardText(sent[0]!.json);
    expect(text.match(/「答复咨询」/g)!.length).toBe(10);
    expect(text).toContain('截止 03-07 10:00（已超时 47 小时）');
  });

  it('caps a huge backlog at a readable card and points to /待办', async () => {
    for (let i = 0; i < 30; i++) await open(answer, '2026-03-06T09:00');
    await run('2026-03-09T09:00');
    const text = cardText((await h.outbox())[0]!.json);
    expect(text).toContain('…还有 10 项，发送 /待办 查看全部。');
    expect(JSON.stringify((await h.outbox())[0]!.json).length).toBeLessThan(30 * 1024);
  });
});
