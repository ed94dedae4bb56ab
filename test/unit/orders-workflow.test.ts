/**
 * Locks in (SPEC §3.2 and the order part of §5, as data):
 * - every state × event of the order workflow: where it goes, which clocks close and open, and that
 *   any other (state, event) pair is refused as INVALID_TRANSITION;
 * - who fires each event: engineering the technical step, PMC the production step, finance the
 *   price step, the owner the salesperson's steps — anyone else is refused as NOT_ALLOWED;
 * - important orders (flagged, or ≥ the configured amount) cannot reach price confirmation without
 *   a supervisor's review; the review is offered only for important, not yet reviewed orders;
 * - every target and hard limit of the §3.2 table, with its clock (W/C) and anchor, and the due
 *   times they give on the business calendar;
 * - the weekly customer notice of SPEC §3.3 is a deadline (7 calendar days, over weekends too);
 * - a 付款期限 before the 交期 is refused (payment counts from the shipment's invoice);
 * - the exception workflow (respond, close with a cause);
 * - the cost-allocation table and its pure function, with rounding and bad input.
 */
import { describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../src/platform/sla/calendar';
import { dueTimes } from '../../src/platform/sla/due';
import { transition, type TransitionActor, type Workflow } from '../../src/platform/workflow/workflow';
import { allocateCost, ORDER_COST_ALLOCATION } from '../../src/modules/orders/orders.allocation';
import { buttonEvents } from '../../src/modules/orders/orders.cards';
import { ORDER_CONFIG } from '../../src/modules/orders/orders.config';
import type { Order } from '../../src/modules/orders/orders.schema';
import { EVENT_GUARDS, exceptionWorkflow, isImportant, ORDER_RULES, orderWorkflow, payByProblem } from '../../src/modules/orders/orders.workflow';
import type { Role } from '../../src/platform/roles';

const now = new Date('2026-11-09T02:00:00Z');
const wf = orderWorkflow as Workflow;
type Who = 'owner' | Role;
const actorOf = (who: Who): TransitionActor => (who === 'owner' ? { role: 'sales', isOwner: true } : { role: who, isOwner: false });
const everyone: Who[] = ['owner', 'sales', 'senior', 'supervisor', 'finance', 'pmc', 'quality', 'engineering', 'logistics', 'hr', 'gm'];
const data = { note: '说明', supervisor_review: 'ok' };

interface Row {
  to: string;
  by: Who[];
  enter: string[];
  leave: string[];
  close?: 'cancelled';
}
const change = (leave: string[]): Row => ({ to: 'changed', by: ['owner', 'supervisor'], enter: ['change_response'], leave, close: 'cancelled' });
const cancel = (leave: string[]): Row => ({ to: 'cancelled', by: ['owner', 'supervisor'], enter: [], leave, close: 'cancelled' });
const reentry = ['evaluation', 'order_confirmation', 'whole_confirmation'];
const review = (here: string, leave: string[]): Record<string, Row> => ({
  REVIEW: { to: here, by: ['supervisor'], enter: [], leave: ['supervisor_review'] },
  REJECT_REVIEW: { to: 'received', by: ['supervisor'], enter: here === 'received' ? [] : reentry, leave: [...leave, 'supervisor_review'] },
});

/** SPEC §3.2: the expected outcome of every defined (state, event) pair. */
const expected: Record<string, Record<string, Row>> = {
  received: {
    EVALUATE: { to: 'evaluated', by: ['owner'], enter: ['tech_confirmation'], leave: ['evaluation', 'order_confirmation'] },
    ...review('received', []),
    REQUEST_CHANGE: change(['evaluation', 'order_confirmation']),
    CANCEL: cancel(['evaluation', 'order_confirmation']),
  },
  evaluated: {
    CONFIRM_TECH: { to: 'tech_confirmed', by: ['engineering'], enter: ['production_confirmation'], leave: ['tech_confirmation'] },
    REJECT_TECH: { to: 'received', by: ['engineering'], enter: reentry, leave: ['tech_confirmation'] },
    ...review('evaluated', ['tech_confirmation']),
    REQUEST_CHANGE: change(['tech_confirmation']),
    CANCEL: cancel(['tech_confirmation']),
  },
  tech_confirmed: {
    CONFIRM_PRODUCTION: { to: 'production_confirmed', by: ['pmc'], enter: ['price_confirmation'], leave: ['production_confirmation'] },
    REJECT_PRODUCTION: { to: 'received', by: ['pmc'], enter: reentry, leave: ['production_confirmation'] },
    ...review('tech_confirmed', ['production_confirmation']),
    REQUEST_CHANGE: change(['production_confirmation']),
    CANCEL: cancel(['production_confirmation']),
  },
  production_confirmed: {
    CONFIRM_PRICE: { to: 'price_confirmed', by: ['finance'], enter: [], leave: ['price_confirmation'] },
    REJECT_PRICE: { to: 'received', by: ['finance'], enter: reentry, leave: ['price_confirmation'] },
    ...review('production_confirmed', ['price_confirmation']),
    REQUEST_CHANGE: change(['price_confirmation']),
    CANCEL: cancel(['price_confirmation']),
  },
  price_confirmed: {
    CUSTOMER_CONFIRM: { to: 'customer_confirmed', by: ['owner'], enter: ['erp_entry'], leave: ['whole_confirmation'] },
    REQUEST_CHANGE: change([]),
    CANCEL: cancel([]),
  },
  customer_confirmed: {
    ENTER_ERP: { to: 'entered', by: ['owner'], enter: ['distribution'], leave: ['erp_entry'] },
    REQUEST_CHANGE: change(['erp_entry']),
    CANCEL: cancel(['erp_entry']),
  },
  entered: {
    DISTRIBUTE: { to: 'distributed', by: ['owner'], enter: [], leave: ['distribution'] },
    REQUEST_CHANGE: change(['distribution']),
    CANCEL: cancel(['distribution']),
  },
  distributed: {
    START_PRODUCTION: { to: 'in_production', by: ['pmc', 'owner'], enter: ['progress_update', 'customer_notice', 'shipping_prep', 'shipment'], leave: [] },
    REQUEST_CHANGE: change([]),
    CANCEL: cancel([]),
  },
  in_production: {
    LOG_PROGRESS: { to: 'in_production', by: ['owner', 'supervisor', 'pmc', 'quality', 'engineering', 'logistics'], enter: ['progress_update'], leave: ['progress_update'] },
    // A note the customer was told of meets the weekly customer notice too, and the next week starts.
    LOG_CUSTOMER_NOTICE: { to: 'in_production', by: ['owner', 'supervisor', 'pmc', 'quality', 'engineering', 'logistics'], enter: ['progress_update', 'customer_notice'], leave: ['progress_update', 'customer_notice'] },
    READY: { to: 'ready_to_ship', by: ['owner', 'pmc', 'logistics'], enter: [], leave: ['progress_update', 'customer_notice', 'shipping_prep'] },
    HOLD: { to: 'on_hold', by: ['owner', 'supervisor'], enter: [], leave: [] },
    REQUEST_CHANGE: change(['progress_update', 'customer_notice', 'shipping_prep']),
    CANCEL: cancel(['progress_update', 'customer_notice', 'shipping_prep']),
  },
  on_hold: {
    RESUME: { to: 'in_production', by: ['owner', 'supervisor'], enter: [], leave: [] },
    CANCEL: cancel([]),
  },
  ready_to_ship: {
    SHIP: { to: 'shipped', by: ['logistics', 'owner'], enter: ['payment'], leave: ['shipment'] },
    REQUEST_CHANGE: change([]),
    CANCEL: cancel([]),
  },
  shipped: {
    // Staying in `shipped` re-closes the shipment clock that already closed on entering it: a no-op.
    ARRIVED: { to: 'shipped', by: ['logistics', 'owner'], enter: ['receipt_confirmation'], leave: ['shipment'] },
    CONFIRM_RECEIPT: { to: 'delivered', by: ['owner'], enter: [], leave: ['receipt_confirmation'] },
  },
  delivered: { PAY_IN_FULL: { to: 'paid', by: ['owner', 'finance', 'supervisor'], enter: ['order_summary'], leave: ['payment'] } },
  paid: { SUMMARIZE: { to: 'summarized', by: ['owner'], enter: ['archive'], leave: ['order_summary'] } },
  summarized: { ARCHIVE: { to: 'archived', by: ['owner', 'supervisor'], enter: [], leave: ['archive'] } },
  changed: {
    REEVALUATE: { to: 'received', by: ['owner'], enter: reentry, leave: ['change_response'] },
    REQUEST_CHANGE: { to: 'changed', by: ['owner', 'supervisor'], enter: [], leave: [] },
    CANCEL: cancel(['change_response']),
  },
  archived: {},
  cancelled: {},
};
const allEvents = [...new Set(Object.values(expected).flatMap((e) => Object.keys(e)))];
const sorted = (a: readonly string[]) => [...a].sort();

describe('order workflow: every state × event', () => {
  it('covers exactly the states of SPEC §3.2 plus the side states', () => {
    expect(sorted(Object.keys(orderWorkflow.states))).toEqual(sorted(Object.keys(expected)));
    expect(orderWorkflow.initial).toBe('received');
  });

  for (const [state, events] of Object.entries(expected)) {
    for (const event of allEvents) {
      const row = events[event];
      if (!row) {
        it(`${state} × ${event} is refused as an invalid transition`, () => {
          expect(transition(wf, state, event, { now, actor: actorOf('supervisor'), data })).toEqual({ ok: false, code: 'INVALID_TRANSITION' });
        });
        continue;
      }
      it(`${state} × ${event} → ${row.to}, closing [${row.leave}] and opening [${row.enter}]`, () => {
        const r = transition(wf, state, event, { now, actor: actorOf(row.by[0]!), data });
        if (!r.ok) throw new Error(`refused: ${r.code}`);
        expect(r.to).toBe(row.to);
        expect(sorted(r.enter.map((d) => d.step))).toEqual(sorted(row.enter));
        expect(sorted(r.leave)).toEqual(sorted(row.leave));
        expect(r.close).toBe(row.close ?? 'met');
        expect(r.terminal).toBe(['archived', 'cancelled'].includes(row.to));
      });
      it(`${state} × ${event} may be fired only by ${row.by.join(', ')}`, () => {
        for (const who of everyone) {
          const r = transition(wf, state, event, { now, actor: actorOf(who), data });
          expect({ who, ok: r.ok }).toEqual({ who, ok: row.by.includes(who) });
          if (!r.ok) expect(r.code).toBe('NOT_ALLOWED');
        }
      });
    }
  }

  it('steps that send an order back or stop it need a note', () => {
    for (const [state, event] of [['in_production', 'LOG_CUSTOMER_NOTICE'], ['evaluated', 'REJECT_TECH'], ['tech_confirmed', 'REJECT_PRODUCTION'], ['production_confirmed', 'REJECT_PRICE'], ['received', 'REJECT_REVIEW'], ['received', 'CANCEL'], ['in_production', 'HOLD'], ['paid', 'SUMMARIZE'], ['received', 'REQUEST_CHANGE']] as const) {
      const by = expected[state]![event]!.by[0]!;
      expect(transition(wf, state, event, { now, actor: actorOf(by), data: { supervisor_review: 'ok' } })).toEqual({ ok: false, code: 'MISSING_FIELDS', missing: ['note'] });
    }
  });

  it('holding production pauses the clocks and resuming restarts them', () => {
    const hold = transition(wf, 'in_production', 'HOLD', { now, actor: actorOf('owner'), data });
    const resume = transition(wf, 'on_hold', 'RESUME', { now, actor: actorOf('owner'), data });
    expect(hold.ok && hold.clock).toBe('pause');
    expect(resume.ok && resume.clock).toBe('resume');
  });
});

const order = (o: Partial<Order>): Order =>
  ({ id: 'DD-20261109-001', ownerOpenId: 'ou_li', state: 'production_confirmed', important: false, reviewedAt: null, amount: 1000, paidAmount: 0, arrivedAt: null, version: 1, ...o }) as Order;

describe('important orders need the supervisor before price confirmation', () => {
  it('is important when flagged or at the configured amount, not below it', () => {
    expect(isImportant(ORDER_CONFIG.importantAmount, false)).toBe(true);
    expect(isImportant(ORDER_CONFIG.importantAmount - 0.01, false)).toBe(false);
    expect(isImportant(1, true)).toBe(true);
  });

  it('refuses finance price confirmation of an unreviewed important order, naming the missing review', () => {
    const r = transition(wf, 'production_confirmed', 'CONFIRM_PRICE', { now, actor: actorOf('finance'), data: { supervisor_review: undefined } });
    expect(r).toEqual({ ok: false, code: 'MISSING_FIELDS', missing: ['supervisor_review'] });
    expect(orderWorkflow.fieldLabels?.supervisor_review).toContain('主管审核');
  });

  it('offers the review only to supervisors, only on important orders that are not reviewed yet', () => {
    const supervisor = { openId: 'ou_boss', role: 'supervisor' as const, audience: 'private' as const };
    const finance = { openId: 'ou_fin', role: 'finance' as const, audience: 'private' as const };
    const has = (o: Order, v: typeof supervisor | typeof finance, e: string) => buttonEvents(o, v).some((b) => b.event === e);
    expect(has(order({ important: true }), supervisor, 'REVIEW')).toBe(true);
    expect(has(order({ important: false }), supervisor, 'REVIEW')).toBe(false);
    expect(has(order({ important: true, reviewedAt: now }), supervisor, 'REVIEW')).toBe(false);
    expect(has(order({ important: true }), finance, 'REVIEW')).toBe(false);
    expect(has(order({}), finance, 'CONFIRM_PRICE')).toBe(true);
    expect(EVENT_GUARDS.REVIEW!(order({ important: false }))).toContain('不是重要订单');
  });

  it('never shows buttons for command-only and automatic events', () => {
    const owner = { openId: 'ou_li', role: 'sales' as const, audience: 'private' as const };
    expect(buttonEvents(order({ state: 'in_production' }), owner).map((b) => b.event)).not.toContain('LOG_PROGRESS');
    expect(buttonEvents(order({ state: 'in_production' }), owner).map((b) => b.event)).not.toContain('LOG_CUSTOMER_NOTICE');
    expect(buttonEvents(order({ state: 'delivered', paidAmount: 1000 }), owner)).toEqual([]);
  });
});

describe('SPEC §3.2 deadlines as data', () => {
  const table: Array<[keyof typeof ORDER_RULES, { target?: object; limit?: object; clock: 'working' | 'calendar'; owner: string; anchor?: string }]> = [
    ['evaluation', { target: { hours: 4 }, clock: 'working', owner: 'owner' }],
    ['order_confirmation', { target: { hours: 2 }, limit: { hours: 4 }, clock: 'working', owner: 'owner' }],
    ['tech_confirmation', { target: { hours: 8 }, clock: 'working', owner: 'engineering' }],
    ['production_confirmation', { target: { hours: 4 }, clock: 'working', owner: 'pmc' }],
    ['price_confirmation', { target: { hours: 2 }, clock: 'working', owner: 'finance' }],
    ['whole_confirmation', { limit: { hours: 48 }, clock: 'working', owner: 'owner', anchor: 'confirm_from' }],
    ['erp_entry', { target: { hours: 2 }, limit: { hours: 4 }, clock: 'working', owner: 'owner' }],
    ['distribution', { target: { hours: 1 }, clock: 'working', owner: 'owner' }],
    ['progress_update', { target: { days: 1 }, clock: 'working', owner: 'owner' }],
    // SPEC §3.3 "at least weekly while producing": customer-facing, so calendar time; escalates 3 days late.
    ['customer_notice', { target: { days: 7 }, limit: { days: 10 }, clock: 'calendar', owner: 'owner' }],
    ['shipping_prep', { target: { days: 1 }, clock: 'working', owner: 'owner', anchor: 'due' }],
    ['shipment', { limit: {}, clock: 'calendar', owner: 'owner', anchor: 'due' }],
    ['receipt_confirmation', { target: { days: 1 }, clock: 'working', owner: 'owner' }],
    ['payment', { limit: {}, clock: 'calendar', owner: 'owner', anchor: 'pay_by' }],
    ['order_summary', { target: { days: 3 }, clock: 'working', owner: 'owner' }],
    ['archive', { target: { days: 1 }, clock: 'working', owner: 'owner' }],
    ['exception_response', { target: { hours: 4 }, limit: { hours: 8 }, clock: 'working', owner: 'owner' }],
    ['change_response', { target: { hours: 8 }, clock: 'working', owner: 'owner' }],
  ];
  for (const [step, want] of table) {
    it(`${step}: ${JSON.stringify(want)}`, () => {
      const r = ORDER_RULES[step] as Record<string, unknown>;
      expect({ target: r.target, limit: r.limit, clock: r.clock, owner: r.owner, anchor: r.anchor }).toEqual({ target: undefined, limit: undefined, anchor: undefined, ...want });
    });
  }

  const cal = defaultCalendar('Asia/Shanghai');
  const sh = (local: string) => new Date(`${local}:00+08:00`);
  const fmt = (d: Date | null) => (d ? new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ') : null);

  it('evaluation logged Monday 10:00 is due at 15:30 (lunch does not count); the 48 h limit falls on the next Tuesday 14:30', () => {
    expect(fmt(dueTimes(ORDER_RULES.evaluation, sh('2026-11-09T10:00'), cal).targetAt)).toBe('2026-11-09 15:30');
    expect(fmt(dueTimes(ORDER_RULES.whole_confirmation, sh('2026-11-09T10:00'), cal).limitAt)).toBe('2026-11-17 14:30');
  });

  it('order confirmation to the customer (SPEC §3.3): 2 h target and 4 h hard limit, counted in working time', () => {
    expect(dueTimes(ORDER_RULES.order_confirmation, sh('2026-11-02T17:00'), cal)).toMatchObject({ targetAt: sh('2026-11-03T10:00'), limitAt: sh('2026-11-03T12:00') });
  });

  it('the customer notice logged on a Friday is due again the next Friday, weekend included, and escalates the Monday after', () => {
    expect(dueTimes(ORDER_RULES.customer_notice, sh('2026-11-13T17:00'), cal)).toMatchObject({ targetAt: sh('2026-11-20T17:00'), limitAt: sh('2026-11-23T17:00') });
  });

  it('refuses a payment date before the due date, and accepts the same day or later, or none', () => {
    expect(payByProblem('2026-12-20', '2026-12-19')).toContain('付款期限 2026-12-19 早于交期 2026-12-20');
    expect(payByProblem('2026-12-20', '2026-12-20')).toBeNull();
    expect(payByProblem('2026-12-20', '2027-01-20')).toBeNull();
    expect(payByProblem('2026-12-20', undefined)).toBeNull();
  });

  it('shipping preparation is due one working day before a Monday due date; shipment on the due date itself', () => {
    expect(fmt(dueTimes(ORDER_RULES.shipping_prep, sh('2026-11-30T18:00'), cal).targetAt)).toBe('2026-11-27 18:00');
    expect(fmt(dueTimes(ORDER_RULES.shipment, sh('2026-11-30T18:00'), cal, sh('2026-11-20T10:00')).limitAt)).toBe('2026-11-30 18:00');
  });
});

describe('exception workflow', () => {
  const ex = exceptionWorkflow as Workflow;
  it('opens the 4 h response clock and the owner meets it by responding', () => {
    const r = transition(ex, 'open', 'RESPOND', { now, actor: actorOf('owner') });
    expect(r.ok && r.leave).toEqual(['exception_response']);
  });

  it('closes only with a cause, by the owner or a supervisor', () => {
    expect(transition(ex, 'responded', 'CLOSE', { now, actor: actorOf('owner'), data: {} })).toEqual({ ok: false, code: 'MISSING_FIELDS', missing: ['cause'] });
    expect(transition(ex, 'responded', 'CLOSE', { now, actor: actorOf('pmc'), data: { cause: 'none' } })).toEqual({ ok: false, code: 'NOT_ALLOWED' });
    const r = transition(ex, 'open', 'CLOSE', { now, actor: actorOf('supervisor'), data: { cause: 'order_error' } });
    expect(r.ok && { to: r.to, leave: r.leave, terminal: r.terminal }).toEqual({ to: 'closed', leave: ['exception_response'], terminal: true });
  });
});

describe('cost allocation (SPEC §5, order exceptions)', () => {
  it('holds the manual’s shares', () => {
    expect(Object.fromEntries(Object.entries(ORDER_COST_ALLOCATION).map(([k, v]) => [k, v.share]))).toEqual({
      order_error: 0.3,
      late_tracking: 0.2,
      wrong_info: 0.25,
      bad_debt: 0.1,
      late_collection: 0.5,
      contract_terms: 0.3,
      none: 0,
    });
  });

  it('allocates the share of the loss, rounded to the fen', () => {
    expect(allocateCost('order_error', 10_000)).toMatchObject({ amount: 3000, share: 0.3, label: '业务员下单错误' });
    expect(allocateCost('late_tracking', 8_000).amount).toBe(1600);
    expect(allocateCost('wrong_info', 1_234.57).amount).toBe(308.64);
    expect(allocateCost('bad_debt', 50_000).amount).toBe(5000);
    expect(allocateCost('late_collection', 333.33).amount).toBe(166.67);
    expect(allocateCost('contract_terms', 20_000).amount).toBe(6000);
    expect(allocateCost('none', 20_000).amount).toBe(0);
    expect(allocateCost('order_error', 0).amount).toBe(0);
  });

  it('refuses a negative or non-finite loss', () => {
    expect(() => allocateCost('order_error', -1)).toThrow(RangeError);
    expect(() => allocateCost('order_error', Number.NaN)).toThrow(RangeError);
  });
});
