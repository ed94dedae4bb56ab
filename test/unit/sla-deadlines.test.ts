/**
 * Locks in: deadline rows on a real libSQL file — opening from rules (targets, limits, reminder
 * point, role owners), meeting with how early/late on the rule's clock, cancelling, pausing and
 * resuming without counting the pause, /待办 ordering; and applyTransition's one code path:
 * optimistic lock, audit row, closing the left state's clocks and opening the entered state's.
 */
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog } from '../../src/platform/db/core.schema';
import { Refusal } from '../../src/platform/errors';
import { sweep } from '../../src/modules/reminders/sla-sweep.job';
import { cancelDeadlines, deadlinesOf, meetDeadlines, openDeadline, openDeadlinesFor, pauseDeadline, resumeDeadline, snoozeDeadline } from '../../src/platform/sla/deadlines';
import { deadlines } from '../../src/platform/sla/sla.schema';
import { applyTransition, startWorkflow } from '../../src/platform/workflow/apply';
import type { DeadlineRule, Workflow } from '../../src/platform/workflow/workflow';
import { cardText, harness, sh, type Harness } from './support/sla-harness';
import { contractWorkflow, orderWorkflow } from './support/spec-workflows';

const HOUR = 3_600_000;
const evaluation: DeadlineRule = { step: 'evaluation', label: '订单评估', target: { hours: 4 }, clock: 'working', owner: 'owner' };
const ack: DeadlineRule = { step: 'acknowledge', label: '受理投诉', limit: { hours: 24 }, clock: 'calendar', owner: 'owner' };

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(() => h.close());

const tx = () => h.database.db;
const cal = () => h.services.calendar;

describe('openDeadline', () => {
  it('computes target and reminder on the working clock and schedules the reminder', async () => {
    const d = await openDeadline(tx(), cal(), { subjectType: 'order', subjectId: 7, rule: evaluation, ownerOpenId: 'ou_li', anchorAt: sh('2026-03-13T17:00'), now: sh('2026-03-13T17:00') });
    expect(d).toMatchObject({ subjectId: '7', step: 'evaluation', label: '订单评估', ownerOpenId: 'ou_li', ownerRole: null, status: 'open', clock: 'working', urgent: false, limitAt: null, version: 1 });
    expect(d.targetAt).toEqual(sh('2026-03-16T12:00'));
    expect(d.nextActionAt).toEqual(sh('2026-03-16T12:00'));
  });

  it('schedules a limit-only rule at 80 % of the way to the limit', async () => {
    const d = await openDeadline(tx(), cal(), { subjectType: 'complaint', subjectId: 1, rule: ack, ownerOpenId: 'ou_li', anchorAt: sh('2026-03-09T10:00'), now: sh('2026-03-09T10:00') });
    expect(d.limitAt).toEqual(sh('2026-03-10T10:00'));
    expect(d.nextActionAt!.getTime()).toBe(sh('2026-03-09T10:00').getTime() + 0.8 * 24 * HOUR);
  });

  it('gives a role-owned step to the role, not to a person', async () => {
    const d = await openDeadline(tx(), cal(), { subjectType: 'order', subjectId: 7, rule: { ...evaluation, step: 'price', owner: 'finance' }, ownerOpenId: 'ou_li', anchorAt: sh('2026-03-09T10:00'), now: sh('2026-03-09T10:00') });
    expect([d.ownerOpenId, d.ownerRole]).toEqual([null, 'finance']);
  });

  it('replaces a live clock of the same subject and step instead of running two', async () => {
    const input = { subjectType: 'order', subjectId: 7, rule: evaluation, ownerOpenId: 'ou_li', anchorAt: sh('2026-03-09T10:00'), now: sh('2026-03-09T10:00') };
    const first = await openDeadline(tx(), cal(), input);
    await openDeadline(tx(), cal(), { ...input, now: sh('2026-03-09T11:00'), anchorAt: sh('2026-03-09T11:00') });
    const rows = await deadlinesOf(tx(), { subjectType: 'order', subjectId: 7 });
    expect(rows.map((r) => r.status)).toEqual(['open', 'cancelled']);
    expect(rows[1]!.id).toBe(first.id);
    expect(rows[1]!.nextActionAt).toBeNull();
  });

  it('refuses to open an owner rule without an owner', async () => {
    await expect(openDeadline(tx(), cal(), { subjectType: 'order', subjectId: 7, rule: evaluation, anchorAt: sh('2026-03-09T10:00'), now: sh('2026-03-09T10:00') })).rejects.toThrow('no ownerOpenId');
  });
});

describe('meetDeadlines and cancelDeadlines', () => {
  const open = (rule = evaluation, at = '2026-03-13T17:00') => openDeadline(tx(), cal(), { subjectType: 'order', subjectId: 7, rule, ownerOpenId: 'ou_li', anchorAt: sh(at), now: sh(at) });

  it('records an early finish as negative working time (Friday 17:30 vs Monday 12:00 = −3.5 h)', async () => {
    await open();
    const [met] = await meetDeadlines(tx(), cal(), { subjectType: 'order', subjectId: 7 }, { now: sh('2026-03-13T17:30') });
    expect(met).toMatchObject({ status: 'met', metDeltaMs: -3.5 * HOUR, nextActionAt: null, version: 2 });
  });

  it('records a late finish on the working clock, not counting the night', async () => {
    await open();
    const [met] = await meetDeadlines(tx(), cal(), { subjectType: 'order', subjectId: 7 }, { now: sh('2026-03-17T10:00') });
    expect(met!.metDeltaMs).toBe(5.5 * HOUR); // target Mon 12:00; Mon 13:30–18:00 (4.5 h) + Tue 09:00–10:00
  });

  it('measures a limit-only rule against its limit', async () => {
    await open(ack, '2026-03-09T10:00');
    const [met] = await meetDeadlines(tx(), cal(), { subjectType: 'order', subjectId: 7 }, { now: sh('2026-03-10T12:00') });
    expect(met!.metDeltaMs).toBe(2 * HOUR);
  });

  it('meets only the named steps and cancels the rest on request', async () => {
    await open();
    await open(ack, '2026-03-09T10:00');
    expect((await meetDeadlines(tx(), cal(), { subjectType: 'order', subjectId: 7 }, { steps: ['acknowledge'], now: sh('2026-03-09T11:00') })).map((d) => d.step)).toEqual(['acknowledge']);
    expect(await cancelDeadlines(tx(), { subjectType: 'order', subjectId: 7 }, { now: sh('2026-03-09T11:00') })).toBe(1);
    expect((await deadlinesOf(tx(), { subjectType: 'order', subjectId: 7 })).map((d) => [d.step, d.status])).toEqual([
      ['acknowledge', 'met'],
      ['evaluation', 'cancelled'],
    ]);
  });
});

describe('pause and resume', () => {
  it('does not count paused calendar time: a 24 h limit paused 5 hours moves 5 hours', async () => {
    const d = await openDeadline(tx(), cal(), { subjectType: 'complaint', subjectId: 1, rule: ack, ownerOpenId: 'ou_li', anchorAt: sh('2026-03-09T10:00'), now: sh('2026-03-09T10:00') });
    const paused = await pauseDeadline(tx(), { id: d.id, reason: '等待客户回复', now: sh('2026-03-09T12:00') });
    expect(paused).toMatchObject({ status: 'paused', pauseReason: '等待客户回复', nextActionAt: null });
    const resumed = await resumeDeadline(tx(), cal(), { id: d.id, now: sh('2026-03-09T17:00') });
    expect(resumed).toMatchObject({ status: 'open', pausedAt: null, pausedMs: 5 * HOUR });
    expect(resumed!.limitAt).toEqual(sh('2026-03-10T15:00'));
    expect(resumed!.nextActionAt!.getTime()).toBe(d.nextActionAt!.getTime() + 5 * HOUR);
  });

  it('on the working clock, only working time counts as paused', async () => {
    const d = await openDeadline(tx(), cal(), { subjectType: 'order', subjectId: 7, rule: evaluation, ownerOpenId: 'ou_li', anchorAt: sh('2026-03-13T17:00'), now: sh('2026-03-13T17:00') });
    await pauseDeadline(tx(), { id: d.id, reason: '等客户图纸', now: sh('2026-03-13T17:30') }); // 3.5 working hours left
    const resumed = await resumeDeadline(tx(), cal(), { id: d.id, now: sh('2026-03-17T09:00') });
    expect(resumed!.targetAt).toEqual(sh('2026-03-17T14:00')); // 3.5 h left: Tue 09–12 + 13:30–14:00
    expect(resumed!.pausedMs).toBe(0.5 * HOUR + 7.5 * HOUR); // Fri 17:30–18:00 + all of Monday
  });

  it('refuses to pause what is not open and to resume what is not paused', async () => {
    const d = await openDeadline(tx(), cal(), { subjectType: 'order', subjectId: 7, rule: evaluation, ownerOpenId: 'ou_li', anchorAt: sh('2026-03-09T10:00'), now: sh('2026-03-09T10:00') });
    expect(await resumeDeadline(tx(), cal(), { id: d.id, now: sh('2026-03-09T11:00') })).toBeUndefined();
    await meetDeadlines(tx(), cal(), { subjectType: 'order', subjectId: 7 }, { now: sh('2026-03-09T11:00') });
    expect(await pauseDeadline(tx(), { id: d.id, reason: 'x', now: sh('2026-03-09T12:00') })).toBeUndefined();
  });

  it('a reminder already sent before the pause is not sent again after resuming: the limit is next', async () => {
    const d = await openDeadline(tx(), cal(), { subjectType: 'complaint', subjectId: 1, rule: ack, ownerOpenId: 'ou_li', anchorAt: sh('2026-03-09T10:00'), now: sh('2026-03-09T10:00') }); // reminder 03-10 05:12
    expect(await sweep(h.services, sh('2026-03-10T08:00'))).toMatchObject({ reminded: 1, messages: 1 }); // held by quiet hours until 08:00, then sent
    await pauseDeadline(tx(), { id: d.id, reason: '等待客户', now: sh('2026-03-10T08:30') });
    const resumed = await resumeDeadline(tx(), cal(), { id: d.id, now: sh('2026-03-10T09:00') });
    expect(resumed!.nextActionAt).toEqual(resumed!.limitAt);
    expect(resumed!.limitAt).toEqual(sh('2026-03-10T10:30'));
    expect(await sweep(h.services, sh('2026-03-10T09:05'))).toMatchObject({ due: 0, messages: 0 });
  });

  it('a reminder held back by quiet hours and then paused still goes out after resuming', async () => {
    const d = await openDeadline(tx(), cal(), { subjectType: 'complaint', subjectId: 1, rule: ack, ownerOpenId: 'ou_li', anchorAt: sh('2026-03-09T10:00'), now: sh('2026-03-09T10:00') }); // reminder 03-10 05:12
    expect(await sweep(h.services, sh('2026-03-10T05:15'))).toMatchObject({ held: 1, messages: 0 }); // quiet hours: wait for 08:00
    await pauseDeadline(tx(), { id: d.id, reason: '等待客户', now: sh('2026-03-10T07:00') });
    expect(await sweep(h.services, sh('2026-03-10T08:00'))).toMatchObject({ due: 0 }); // nothing while paused
    const resumed = await resumeDeadline(tx(), cal(), { id: d.id, now: sh('2026-03-10T14:00') });
    expect(resumed!.limitAt).toEqual(sh('2026-03-10T17:00')); // 3 h were left at 07:00
    expect(await sweep(h.services, sh('2026-03-10T14:05'))).toMatchObject({ reminded: 1, messages: 1 });
    const [m] = await h.outbox();
    expect(m!.to).toBe('ou_li');
    expect(cardText(m!.json)).toContain('受理投诉');
  });

  it('a reminder paused before it was due moves by the paused time; a snoozed one goes out after resuming', async () => {
    const a = await openDeadline(tx(), cal(), { subjectType: 'complaint', subjectId: 1, rule: ack, ownerOpenId: 'ou_li', anchorAt: sh('2026-03-09T10:00'), now: sh('2026-03-09T10:00') }); // reminder 03-10 05:12
    await pauseDeadline(tx(), { id: a.id, reason: '等待客户', now: sh('2026-03-09T12:00') });
    const ra = await resumeDeadline(tx(), cal(), { id: a.id, now: sh('2026-03-09T14:00') });
    expect(ra!.nextActionAt).toEqual(sh('2026-03-10T07:12'));

    const b = await openDeadline(tx(), cal(), { subjectType: 'complaint', subjectId: 2, rule: ack, ownerOpenId: 'ou_li', anchorAt: sh('2026-03-09T10:00'), now: sh('2026-03-09T10:00') });
    await sweep(h.services, sh('2026-03-10T08:00')); // reminded
    await snoozeDeadline(tx(), { id: b.id, version: (await deadlinesOf(tx(), { subjectType: 'complaint', subjectId: 2 }))[0]!.version, until: sh('2026-03-10T09:00') });
    await pauseDeadline(tx(), { id: b.id, reason: '等待客户', now: sh('2026-03-10T08:30') });
    const rb = await resumeDeadline(tx(), cal(), { id: b.id, now: sh('2026-03-10T09:30') });
    expect(rb!.nextActionAt).toEqual(sh('2026-03-10T08:30')); // due: the next sweep reminds
    expect(await sweep(h.services, sh('2026-03-10T09:35'))).toMatchObject({ reminded: 1 });
  });
});

describe('openDeadlinesFor (/待办)', () => {
  it("lists a person's own and their role's live clocks, soonest first", async () => {
    const base = { subjectType: 'order', ownerOpenId: 'ou_qian', now: sh('2026-03-09T09:00') };
    await openDeadline(tx(), cal(), { ...base, subjectId: 1, rule: { ...evaluation, target: { hours: 6 } }, anchorAt: sh('2026-03-09T09:00') });
    await openDeadline(tx(), cal(), { ...base, subjectId: 2, rule: { ...evaluation, step: 'price', owner: 'finance', target: { hours: 2 } }, anchorAt: sh('2026-03-09T09:00') });
    await openDeadline(tx(), cal(), { ...base, subjectId: 3, rule: { ...evaluation, step: 'pmc', owner: 'pmc' }, anchorAt: sh('2026-03-09T09:00') });
    await openDeadline(tx(), cal(), { ...base, subjectId: 4, ownerOpenId: 'ou_li', rule: evaluation, anchorAt: sh('2026-03-09T09:00') });
    expect((await openDeadlinesFor(tx(), 'ou_qian', 'finance')).map((d) => d.subjectId)).toEqual(['2', '1']);
    expect((await openDeadlinesFor(tx(), 'ou_qian')).map((d) => d.subjectId)).toEqual(['1']);
  });
});

describe('applyTransition', () => {
  const wf = contractWorkflow as Workflow;
  const anchors = { negotiation_concluded: sh('2026-03-06T15:00') };
  beforeEach(async () => {
    await h.database.client.execute('CREATE TABLE test_contracts (id integer primary key, state text not null, version integer not null, updated_at integer not null)');
    await h.database.client.execute(`INSERT INTO test_contracts VALUES (1, 'draft', 1, 0)`);
  });
  const row = async () => (await h.database.client.execute('SELECT state, version, updated_at FROM test_contracts WHERE id = 1')).rows[0]!;
  const apply = (who: 'li' | 'boss' | 'zhang', event: string, version: number, data?: Record<string, unknown>) =>
    applyTransition(h.ctx(who, { now: sh('2026-03-09T10:00') }), { workflow: wf, subjectType: 'contract', table: 'test_contracts', id: 1, version, event, ownerOpenId: 'ou_li', data, anchors });

  it('starts a new record with its initial clocks', async () => {
    const opened = await startWorkflow(h.ctx('li', { now: sh('2026-03-09T09:00') }), { workflow: wf, subjectType: 'contract', id: 1, ownerOpenId: 'ou_li', anchors });
    expect(opened.map((d) => [d.step, d.ownerOpenId])).toEqual([['contract_draft', 'ou_li']]);
    expect(opened[0]!.targetAt).toEqual(sh('2026-03-11T18:00'));
  });

  it('moves the record, bumps its version, audits, meets the left clocks and opens the new ones for their role', async () => {
    await startWorkflow(h.ctx('li', { now: sh('2026-03-09T09:00') }), { workflow: wf, subjectType: 'contract', id: 1, ownerOpenId: 'ou_li', anchors });
    const r = await apply('li', 'SUBMIT', 1, { amount: 120000, customer: '华星' });
    expect(r).toMatchObject({ from: 'draft', to: 'submitted', version: 2 });
    expect(r.met.map((d) => [d.step, d.metDeltaMs! < 0])).toEqual([['contract_draft', true]]);
    expect(r.opened.map((d) => [d.step, d.ownerRole, d.ownerOpenId])).toEqual([['approval', 'supervisor', null]]);
    expect(await row()).toMatchObject({ state: 'submitted', version: 2, updated_at: sh('2026-03-09T10:00').getTime() });
    const [audit] = await tx().select().from(auditLog).where(eq(auditLog.action, 'contract.SUBMIT'));
    expect(audit).toMatchObject({ actor: 'ou_li', subjectType: 'contract', subjectId: '1', fromState: 'draft', toState: 'submitted', outcome: 'ok' });
    expect(audit!.detail).toMatchObject({ workflow: 'contract', event: 'SUBMIT', data: { amount: 120000 } });
  });

  it('tells the new owners about their new task (the supervisor gets "新待办"), not the actor', async () => {
    await apply('li', 'SUBMIT', 1, { amount: 1, customer: 'x' });
    const sent = await h.outbox();
    expect(sent.map((m) => m.to)).toEqual(['ou_boss']);
    expect(cardText(sent[0]!.json)).toContain('合同审批');
    expect(cardText(sent[0]!.json)).toContain('草稿 → 待主管审批');
  });

  it('refuses a stale version with STALE and changes nothing', async () => {
    await apply('li', 'SUBMIT', 1, { amount: 1, customer: 'x' });
    const err = await apply('li', 'SUBMIT', 1, { amount: 1, customer: 'x' }).catch((e) => e);
    expect(err).toBeInstanceOf(Refusal);
    expect(err).toMatchObject({ code: 'STALE' });
    expect((err as Refusal).text).toContain('已被他人更新');
    expect(await row()).toMatchObject({ state: 'submitted', version: 2 });
  });

  it('refuses a salesperson approving with a Chinese NOT_ALLOWED, and missing fields by name', async () => {
    await apply('li', 'SUBMIT', 1, { amount: 1, customer: 'x' });
    await expect(apply('li', 'APPROVE', 2)).rejects.toMatchObject({ code: 'NOT_ALLOWED', text: '没有权限：「批准」只限主管操作。' });
    await expect(apply('boss', 'REJECT', 2, {})).rejects.toMatchObject({ code: 'MISSING_FIELDS', text: '「驳回」还缺少：意见。' });
    await expect(apply('boss', 'SIGN', 2)).rejects.toMatchObject({ code: 'INVALID_TRANSITION' });
  });

  it('someone else\'s contract: a second salesperson may not submit it', async () => {
    await expect(apply('zhang', 'SUBMIT', 1, { amount: 1, customer: 'x' })).rejects.toMatchObject({ code: 'NOT_ALLOWED', text: '没有权限：「提交审批」只限负责人操作。' });
  });

  it('the hard limit of contract signing counts from the negotiation anchor', async () => {
    await apply('li', 'SUBMIT', 1, { amount: 1, customer: 'x' });
    const r = await apply('boss', 'APPROVE', 2);
    expect(r.opened[0]).toMatchObject({ step: 'contract_signed', ownerOpenId: 'ou_li' });
    expect(r.opened[0]!.targetAt).toEqual(sh('2026-03-11T18:00'));
    expect(r.opened[0]!.limitAt).toEqual(sh('2026-03-17T18:00'));
  });

  it('entering a terminal state cancels whatever is still open', async () => {
    await h.database.client.execute(`CREATE TABLE test_orders (id integer primary key, state text not null, version integer not null, updated_at integer not null)`);
    await h.database.client.execute(`INSERT INTO test_orders VALUES (1, 'received', 1, 0)`);
    const ctx = h.ctx('li', { now: sh('2026-03-09T10:00') });
    await startWorkflow(ctx, { workflow: orderWorkflow as Workflow, subjectType: 'order', id: 1, ownerOpenId: 'ou_li' });
    await applyTransition(ctx, { workflow: orderWorkflow as Workflow, subjectType: 'order', table: 'test_orders', id: 1, version: 1, event: 'CANCEL', ownerOpenId: 'ou_li', data: { reason: '客户撤单' } });
    const rows = await tx().select().from(deadlines).where(and(eq(deadlines.subjectType, 'order'), eq(deadlines.subjectId, '1')));
    expect(rows.map((d) => [d.step, d.status])).toEqual([
      ['evaluation', 'cancelled'],
      ['whole_confirmation', 'cancelled'],
    ]);
  });

  it('on hold pauses every clock of the order and resuming restarts them', async () => {
    await h.database.client.execute(`CREATE TABLE test_orders (id integer primary key, state text not null, version integer not null, updated_at integer not null)`);
    await h.database.client.execute(`INSERT INTO test_orders VALUES (1, 'in_production', 1, 0)`);
    const at = (t: string) => h.ctx('li', { now: sh(t) });
    await openDeadline(tx(), cal(), { subjectType: 'order', subjectId: 1, rule: { step: 'progress_update', label: '进度', target: { days: 1 }, clock: 'working', owner: 'owner' }, ownerOpenId: 'ou_li', anchorAt: sh('2026-03-09T10:00'), now: sh('2026-03-09T10:00') });
    const base = { workflow: orderWorkflow as Workflow, subjectType: 'order', table: 'test_orders', id: 1, ownerOpenId: 'ou_li' };
    await applyTransition(at('2026-03-09T11:00'), { ...base, version: 1, event: 'HOLD', reason: '客户暂停' });
    expect((await deadlinesOf(tx(), { subjectType: 'order', subjectId: 1 }))[0]).toMatchObject({ status: 'paused', pauseReason: '客户暂停' });
    await applyTransition(at('2026-03-11T11:00'), { ...base, version: 2, event: 'RESUME' });
    const [d] = await deadlinesOf(tx(), { subjectType: 'order', subjectId: 1 });
    expect(d).toMatchObject({ status: 'open', pausedMs: 15 * HOUR });
    expect(d!.targetAt).toEqual(sh('2026-03-12T18:00'));
  });
});
