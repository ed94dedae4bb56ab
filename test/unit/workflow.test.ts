/**
 * Locks in: workflows are data checked when defined; transition() is pure and decides, for every
 * state × event, whether the move is allowed, who may make it, which fields it needs, and which
 * deadline steps close and open.
 */
import { describe, expect, it } from 'vitest';
import { allRules, availableEvents, defineWorkflow, transition, type Workflow } from '../../src/platform/workflow/workflow';
import { transitionRefusal } from '../../src/platform/workflow/refusals';
import { complaintWorkflow, contractWorkflow, customerWorkflow, inquiryWorkflow, orderWorkflow } from './support/spec-workflows';

const now = new Date('2026-03-09T02:00:00Z');
const owner = { role: 'sales' as const, isOwner: true };
const supervisor = { role: 'supervisor' as const, isOwner: false };
const gm = { role: 'gm' as const, isOwner: false };
const stranger = { role: 'sales' as const, isOwner: false };
const allData = { amount: 1, customer: 'x', comment: '价格太低', signed_at: '2026-03-10' };

/** Contract (§3.4): the expected outcome of every defined (state, event) pair. */
const expected: Record<string, Record<string, { to: string; actor: typeof owner | typeof supervisor | typeof gm; enter: string[]; leave: string[]; close?: 'cancelled' }>> = {
  draft: { SUBMIT: { to: 'submitted', actor: owner, enter: ['approval'], leave: ['contract_draft'] } },
  submitted: {
    APPROVE: { to: 'approved', actor: supervisor, enter: ['contract_signed'], leave: ['approval'] },
    REJECT: { to: 'rejected', actor: supervisor, enter: [], leave: ['approval'] },
    ESCALATE_TO_GM: { to: 'gm_review', actor: supervisor, enter: ['gm_approval'], leave: ['approval'] },
    WITHDRAW: { to: 'draft', actor: owner, enter: ['contract_draft'], leave: ['approval'], close: 'cancelled' },
  },
  gm_review: {
    GM_APPROVE: { to: 'approved', actor: gm, enter: ['contract_signed'], leave: ['gm_approval'] },
    GM_REJECT: { to: 'rejected', actor: gm, enter: [], leave: ['gm_approval'] },
  },
  rejected: { REVISE: { to: 'draft', actor: owner, enter: ['contract_draft'], leave: [] } },
  approved: { SIGN: { to: 'signed', actor: owner, enter: ['customer_archive', 'crm_entry'], leave: ['contract_signed'] } },
  signed: { ARCHIVE: { to: 'archived', actor: owner, enter: [], leave: ['customer_archive', 'crm_entry'] } },
  archived: {},
};

const events = [...new Set(Object.values(expected).flatMap((e) => Object.keys(e)))];

describe('transition (contract workflow, every state × event)', () => {
  for (const state of Object.keys(expected)) {
    for (const event of events) {
      const want = expected[state]![event];
      if (want) {
        it(`${state} --${event}--> ${want.to} opens [${want.enter}] and closes [${want.leave}]`, () => {
          const r = transition(contractWorkflow as Workflow, state, event, { now, actor: want.actor, data: allData });
          expect(r).toMatchObject({ ok: true, from: state, to: want.to, event, at: now, close: want.close ?? 'met', terminal: want.to === 'archived' });
          if (!r.ok) return;
          expect(r.enter.map((d) => d.step)).toEqual(want.enter);
          expect(r.leave).toEqual(want.leave);
        });
      } else {
        it(`${state} refuses ${event} as INVALID_TRANSITION`, () => {
          expect(transition(contractWorkflow as Workflow, state, event, { now, actor: supervisor, data: allData })).toEqual({ ok: false, code: 'INVALID_TRANSITION' });
        });
      }
    }
  }

  it('refuses an unknown state as INVALID_TRANSITION', () => {
    expect(transition(contractWorkflow as Workflow, 'nowhere', 'SUBMIT', { now, actor: owner })).toEqual({ ok: false, code: 'INVALID_TRANSITION' });
  });
});

describe('transition permissions and required fields', () => {
  it('lets only a supervisor approve, not the owner nor another salesperson', () => {
    const wf = contractWorkflow as Workflow;
    expect(transition(wf, 'submitted', 'APPROVE', { now, actor: owner }).ok).toBe(false);
    expect(transition(wf, 'submitted', 'APPROVE', { now, actor: owner })).toEqual({ ok: false, code: 'NOT_ALLOWED' });
    expect(transition(wf, 'draft', 'SUBMIT', { now, actor: stranger, data: allData })).toEqual({ ok: false, code: 'NOT_ALLOWED' });
  });

  it('lets an admin fire only events that list admin', () => {
    const wf = defineWorkflow({ name: 't', initial: 'a', states: { a: { label: 'A', on: { FIX: { to: 'b', roles: ['admin'] }, GO: { to: 'b', roles: ['supervisor'] } } }, b: { label: 'B' } } });
    const admin = { role: null, isOwner: false, isAdmin: true };
    expect(transition(wf as Workflow, 'a', 'FIX', { now, actor: admin }).ok).toBe(true);
    expect(transition(wf as Workflow, 'a', 'GO', { now, actor: admin })).toEqual({ ok: false, code: 'NOT_ALLOWED' });
  });

  it('names every missing field, treating blank strings and null as missing', () => {
    const r = transition(contractWorkflow as Workflow, 'draft', 'SUBMIT', { now, actor: owner, data: { amount: null, customer: '  ' } });
    expect(r).toEqual({ ok: false, code: 'MISSING_FIELDS', missing: ['amount', 'customer'] });
  });

  it('checks permission before fields, so a stranger learns nothing about the record', () => {
    expect(transition(contractWorkflow as Workflow, 'draft', 'SUBMIT', { now, actor: stranger })).toEqual({ ok: false, code: 'NOT_ALLOWED' });
  });

  it('explains refusals in Chinese, with field labels', () => {
    const wf = contractWorkflow as Workflow;
    const missing = transition(wf, 'draft', 'SUBMIT', { now, actor: owner, data: {} });
    const notAllowed = transition(wf, 'submitted', 'APPROVE', { now, actor: owner });
    const invalid = transition(wf, 'archived', 'SIGN', { now, actor: owner });
    if (missing.ok || notAllowed.ok || invalid.ok) throw new Error('expected refusals');
    expect(transitionRefusal(wf, 'draft', 'SUBMIT', missing).text).toBe('「提交审批」还缺少：金额、客户。');
    expect(transitionRefusal(wf, 'submitted', 'APPROVE', notAllowed)).toMatchObject({ code: 'NOT_ALLOWED', text: '没有权限：「批准」只限主管操作。' });
    expect(transitionRefusal(wf, 'archived', 'SIGN', invalid).text).toBe('当前状态「已归档」下不能「已签订」。');
  });
});

describe('availableEvents', () => {
  it('shows the owner only the buttons the owner may press', () => {
    expect(availableEvents(contractWorkflow as Workflow, 'submitted', owner).map((e) => e.event)).toEqual(['WITHDRAW']);
    expect(availableEvents(contractWorkflow as Workflow, 'submitted', supervisor).map((e) => [e.event, e.label])).toEqual([
      ['APPROVE', '批准'],
      ['REJECT', '驳回'],
      ['ESCALATE_TO_GM', '转总经办审批'],
    ]);
    expect(availableEvents(contractWorkflow as Workflow, 'archived', supervisor)).toEqual([]);
  });

  it('lists what an event requires so a card can ask for it', () => {
    expect(availableEvents(contractWorkflow as Workflow, 'submitted', supervisor).find((e) => e.event === 'REJECT')?.requires).toEqual(['comment']);
  });
});

describe('deadline bookkeeping in transitions', () => {
  const wf = orderWorkflow as Workflow;
  const pmc = { role: 'pmc' as const, isOwner: false };

  it('keeps an `until` rule open across states and closes it where it ends', () => {
    const evaluate = transition(wf, 'received', 'EVALUATE', { now, actor: owner });
    expect(evaluate.ok && evaluate.leave).toEqual(['evaluation']);
    const confirm = transition(wf, 'price_confirmed', 'CUSTOMER_CONFIRM', { now, actor: owner });
    expect(confirm.ok && confirm.leave).toEqual(['whole_confirmation']);
    expect(confirm.ok && confirm.enter.map((d) => d.step)).toEqual(['erp_entry']);
  });

  it('a self-loop event meets its step and restarts it without touching the state rules', () => {
    const r = transition(wf, 'in_production', 'LOG_PROGRESS', { now, actor: owner, data: { progress: '完成 60%' } });
    expect(r).toMatchObject({ ok: true, to: 'in_production', leave: ['progress_update'] });
    expect(r.ok && r.enter.map((d) => d.step)).toEqual(['progress_update']);
  });

  it('an event may start its own clock (an exception must be answered in 4 working hours)', () => {
    const r = transition(wf, 'in_production', 'LOG_EXCEPTION', { now, actor: pmc });
    expect(r.ok && r.enter).toEqual([{ step: 'exception_response', label: '异常响应', target: { hours: 4 }, clock: 'working', owner: 'owner' }]);
    expect(r.ok && r.leave).toEqual([]);
  });

  it('cancelling closes the left steps as cancelled and marks the target terminal', () => {
    const r = transition(wf, 'evaluated', 'CANCEL', { now, actor: owner, data: { reason: '客户撤单' } });
    expect(r).toMatchObject({ ok: true, to: 'cancelled', close: 'cancelled', terminal: true, leave: ['tech_confirmation'] });
  });

  it('putting on hold pauses the clocks: nothing opens or closes', () => {
    expect(transition(wf, 'in_production', 'HOLD', { now, actor: owner })).toMatchObject({ ok: true, to: 'on_hold', clock: 'pause', enter: [], leave: [] });
    expect(transition(wf, 'on_hold', 'RESUME', { now, actor: owner })).toMatchObject({ ok: true, to: 'in_production', clock: 'resume', enter: [] });
  });

  it('a change request returns the order to evaluation via `changed`', () => {
    const r = transition(wf, 'tech_confirmed', 'REQUEST_CHANGE', { now, actor: owner, data: { change: '数量 +100' } });
    expect(r.ok && [r.to, r.leave, r.enter.map((d) => d.step)]).toEqual(['changed', ['production_confirmation'], ['change_response']]);
    const back = transition(wf, 'changed', 'REEVALUATE', { now, actor: owner });
    expect(back.ok && back.enter.map((d) => d.step)).toEqual(['evaluation', 'whole_confirmation']);
  });
});

describe('defineWorkflow checks the data when it is defined', () => {
  const bad = (states: Record<string, unknown>, initial = 'a') => () => defineWorkflow({ name: 'demo', initial, states } as never);

  it('throws on an unknown target state, naming state, event and the known states', () => {
    expect(bad({ a: { label: 'A', on: { GO: { to: 'nowhere', roles: ['owner'] } } } })).toThrow('workflow "demo": state "a", event GO: unknown target state "nowhere"; known states: a.');
  });
  it('throws on an unknown initial state', () => {
    expect(bad({ a: { label: 'A' } }, 'zz')).toThrow('initial state "zz" is not one of its states (a)');
  });
  it('throws on a terminal state with events', () => {
    expect(bad({ a: { label: 'A', terminal: true, on: { GO: { to: 'a', roles: ['owner'] } } } })).toThrow('terminal state "a" must not have events (GO)');
  });
  it('throws on an unknown role and on an empty role list', () => {
    expect(bad({ a: { label: 'A', on: { GO: { to: 'a', roles: ['boss'] } } } })).toThrow('unknown role "boss"');
    expect(bad({ a: { label: 'A', on: { GO: { to: 'a', roles: [] } } } })).toThrow('roles is empty');
  });
  it('throws on badly named states and events', () => {
    expect(bad({ A: { label: 'A' } }, 'A')).toThrow('state "A" must be lower_snake_case');
    expect(bad({ a: { label: 'A', on: { go: { to: 'a', roles: ['owner'] } } } })).toThrow('SCREAMING_SNAKE_CASE');
  });
  it('throws on deadline rules that could never work', () => {
    const rule = (r: object) => bad({ a: { label: 'A', deadlines: [{ step: 's', label: 'S', clock: 'working', owner: 'owner', ...r }] } });
    expect(rule({})).toThrow('deadline "s": needs a target or a limit');
    expect(rule({ target: { days: 1 }, before: true })).toThrow('"before" needs a named anchor');
    expect(rule({ target: { hours: 2 }, before: true, anchor: 'x' })).toThrow('whole working days only');
    expect(rule({ target: { days: 1.5 } })).toThrow('working days must be whole days');
    expect(rule({ target: { hours: -1 } })).toThrow('must not be negative');
    expect(rule({ target: { days: 1 }, until: ['zz'] })).toThrow('"until" names unknown state "zz"');
    expect(rule({ target: { days: 1 }, owner: 'boss' })).toThrow('unknown owner "boss"');
    expect(bad({ a: { label: 'A', deadlines: [{ step: 's', label: 'S', clock: 'calendar', owner: 'owner', target: {} }, { step: 's', label: 'S', clock: 'calendar', owner: 'owner', target: {} }] } })).toThrow('step appears twice');
  });
});

describe('SPEC §3 workflows', () => {
  it('define without errors and start from their documented initial states', () => {
    expect([customerWorkflow.initial, orderWorkflow.initial, inquiryWorkflow.initial, complaintWorkflow.initial, contractWorkflow.initial]).toEqual(['prospect', 'received', 'received', 'received', 'draft']);
  });

  it('cover every step of the §3.2 order table', () => {
    const steps = allRules(orderWorkflow as Workflow).map((r) => r.step);
    for (const s of ['evaluation', 'tech_confirmation', 'production_confirmation', 'price_confirmation', 'whole_confirmation', 'erp_entry', 'distribution', 'progress_update', 'shipping_prep', 'shipment', 'receipt_confirmation', 'payment', 'order_summary', 'archive', 'exception_response', 'change_response']) {
      expect(steps, s).toContain(s);
    }
  });

  it('assigns internal steps to the department that confirms them', () => {
    const owners = Object.fromEntries(allRules(orderWorkflow as Workflow).map((r) => [r.step, r.owner]));
    expect([owners.tech_confirmation, owners.production_confirmation, owners.price_confirmation]).toEqual(['engineering', 'pmc', 'finance']);
  });
});
