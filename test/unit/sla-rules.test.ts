/**
 * Locks in: the SPEC §3.1–3.4 deadline tables, written as rules, give the due times the department
 * expects on its calendar (09:00–12:00 / 13:30–18:00, Mon–Fri, Chinese holidays and 调休 make-up
 * days, Asia/Shanghai). Rules without a target remind at 80 % of the way to the hard limit.
 */
import { describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../src/platform/sla/calendar';
import { dueTimes, partWay, shiftAfterPause } from '../../src/platform/sla/due';
import { allRules, type DeadlineRule, type Workflow } from '../../src/platform/workflow/workflow';
import { sh } from './support/sla-harness';
import { complaintWorkflow, contractWorkflow, customerRecurring, customerWorkflow, inquiryWorkflow, orderWorkflow, serviceRecurring } from './support/spec-workflows';

const cal = defaultCalendar('Asia/Shanghai');
const rule = (wf: Workflow, step: string): DeadlineRule => allRules(wf).find((r) => r.step === step)!;
const fmt = (d: Date | null) => (d ? new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ') : null);
const due = (r: DeadlineRule, anchor: string, opts: { opened?: string; limitAnchor?: string } = {}) => {
  const t = dueTimes(r, sh(anchor), cal, opts.opened ? sh(opts.opened) : undefined, opts.limitAnchor ? sh(opts.limitAnchor) : undefined);
  return { target: fmt(t.targetAt), limit: fmt(t.limitAt), remind: fmt(t.remindAt) };
};

// 2026-03-09 is a Monday; 2026-02-14 and 02-28 are 调休 make-up Saturdays; 02-15…02-23 Spring Festival.

describe('§3.2 orders', () => {
  const order = orderWorkflow as Workflow;

  it('evaluation: 4 working hours after Friday 17:00 falls due Monday 12:00', () => {
    expect(due(rule(order, 'evaluation'), '2026-03-13T17:00')).toEqual({ target: '2026-03-16 12:00', limit: null, remind: '2026-03-16 12:00' });
  });

  it('evaluation over the Spring Festival: Fri 17:00 → the make-up Saturday 02-14 at 12:00', () => {
    expect(due(rule(order, 'evaluation'), '2026-02-13T17:00').target).toBe('2026-02-14 12:00');
  });

  it('evaluation from the make-up Saturday afternoon skips the whole break to Tuesday 02-24', () => {
    expect(due(rule(order, 'evaluation'), '2026-02-14T16:00').target).toBe('2026-02-24 11:00');
  });

  it('technical confirmation (8 h W) skips the lunch break and the night', () => {
    expect(due(rule(order, 'tech_confirmation'), '2026-03-09T11:00').target).toBe('2026-03-10 11:30');
  });

  it('whole confirmation has only a 48 h W limit, so it reminds at 80 % (38.4 working hours)', () => {
    expect(due(rule(order, 'whole_confirmation'), '2026-03-09T09:00')).toEqual({ target: null, limit: '2026-03-17 12:00', remind: '2026-03-16 09:54' });
  });

  it('ERP entry: target 2 h, hard limit 4 h, both on working time', () => {
    expect(due(rule(order, 'erp_entry'), '2026-03-09T11:00')).toEqual({ target: '2026-03-09 14:30', limit: '2026-03-09 16:30', remind: '2026-03-09 14:30' });
  });

  it('shipping preparation is due one working day before the promised date, shipment on it', () => {
    expect(due(rule(order, 'shipping_prep'), '2026-03-16T17:00').target).toBe('2026-03-13 17:00'); // Monday's → Friday
    expect(due(rule(order, 'shipment'), '2026-03-16T17:00', { opened: '2026-03-06T17:00' })).toEqual({ target: null, limit: '2026-03-16 17:00', remind: '2026-03-14 17:00' });
  });

  it('payment is due on the contract date (calendar time), reminded at 80 % of the wait', () => {
    expect(due(rule(order, 'payment'), '2026-04-10T00:00', { opened: '2026-03-11T00:00' })).toEqual({ target: null, limit: '2026-04-10 00:00', remind: '2026-04-04 00:00' });
  });

  it('distribution within 1 working hour, order summary in 3 working days, archive in 1', () => {
    expect(due(rule(order, 'distribution'), '2026-03-09T17:30').target).toBe('2026-03-10 09:30');
    expect(due(rule(order, 'order_summary'), '2026-03-12T10:00').target).toBe('2026-03-17 18:00');
    expect(due(rule(order, 'archive'), '2026-03-13T10:00').target).toBe('2026-03-16 18:00');
  });

  it('exceptions are answered within 4 working hours, change requests within 8', () => {
    expect(due(rule(order, 'exception_response'), '2026-03-09T16:00').target).toBe('2026-03-10 11:00');
    expect(due(rule(order, 'change_response'), '2026-03-09T16:00').target).toBe('2026-03-10 16:30');
  });
});

describe('§3.3 customer service and complaints (calendar clocks)', () => {
  it('an inquiry received on Saturday morning is answered by Sunday morning: the customer keeps waiting', () => {
    expect(due(rule(inquiryWorkflow as Workflow, 'answer'), '2026-03-07T10:00').target).toBe('2026-03-08 10:00');
  });

  it('technical support within 4 working hours; quote 24 working hours; order confirmation 2 h / 4 h W', () => {
    expect(due(rule(inquiryWorkflow as Workflow, 'tech_support'), '2026-03-07T10:00').target).toBe('2026-03-09 14:30');
    expect(due(rule(inquiryWorkflow as Workflow, 'quote'), '2026-03-09T09:00').target).toBe('2026-03-12 10:30');
    expect(due(rule(inquiryWorkflow as Workflow, 'order_confirmation'), '2026-03-09T17:00')).toMatchObject({ target: '2026-03-10 10:00', limit: '2026-03-10 12:00' });
  });

  it('urgent issues have a 2-hour calendar limit and are marked urgent (never wait for quiet hours)', () => {
    const urgent = rule(inquiryWorkflow as Workflow, 'urgent');
    expect(urgent.urgent).toBe(true);
    expect(due(urgent, '2026-03-07T22:00')).toEqual({ target: null, limit: '2026-03-08 00:00', remind: '2026-03-07 23:36' });
  });

  it('complaint: acknowledge 24 h, investigate 24 h, whole complaint 72 h from receipt; resolution 48 h after investigation', () => {
    const c = complaintWorkflow as Workflow;
    expect(due(rule(c, 'acknowledge'), '2026-03-06T18:00').limit).toBe('2026-03-07 18:00');
    expect(due(rule(c, 'investigation'), '2026-03-06T18:00').limit).toBe('2026-03-07 18:00');
    expect(due(rule(c, 'whole_complaint'), '2026-03-06T18:00').limit).toBe('2026-03-09 18:00');
    expect(due(rule(c, 'resolution'), '2026-03-07T12:00').limit).toBe('2026-03-09 12:00');
    expect(allRules(c).every((r) => r.clock === 'calendar' && r.limit)).toBe(true);
  });

  it('recurring cadences count to the end of the period the caller names', () => {
    expect(due(serviceRecurring.quality_follow_up!, '2026-04-01T00:00').target).toBe('2026-04-01 00:00');
    expect(due(serviceRecurring.progress_notice!, '2026-03-09T10:00').target).toBe('2026-03-16 10:00');
    expect(serviceRecurring.satisfaction_survey!.anchor).toBe('quarter_end');
  });
});

describe('§3.1 customer development and §3.4 contracts', () => {
  const cust = customerWorkflow as Workflow;

  it('a visit record is due by the end of the visit day; the needs report 3 working days after', () => {
    expect(due(rule(cust, 'visit_record'), '2026-03-09T15:00').target).toBe('2026-03-09 18:00');
    expect(due(rule(cust, 'needs_report'), '2026-03-09T15:00').target).toBe('2026-03-12 18:00');
  });

  it('demo preparation is due 2 working days before the demo, skipping the weekend', () => {
    expect(due(rule(cust, 'demo_prep'), '2026-03-10T14:00').target).toBe('2026-03-06 14:00');
  });

  it('the negotiation plan is due 1 working day before the negotiation', () => {
    expect(due(rule(cust, 'negotiation_plan'), '2026-03-16T10:00').target).toBe('2026-03-13 10:00');
  });

  it('contract signing: 2 working days after the draft, but at most 7 working days after the negotiation', () => {
    const r = rule(contractWorkflow as Workflow, 'contract_signed');
    expect(due(r, '2026-03-10T10:00', { limitAnchor: '2026-03-09T15:00' })).toEqual({ target: '2026-03-12 18:00', limit: '2026-03-18 18:00', remind: '2026-03-12 18:00' });
  });

  it('customer archive 1 working day, CRM entry 1 more (hard limit 2) after signing', () => {
    const c = contractWorkflow as Workflow;
    expect(due(rule(c, 'customer_archive'), '2026-03-12T10:00').target).toBe('2026-03-13 18:00');
    expect(due(rule(c, 'crm_entry'), '2026-03-12T10:00')).toMatchObject({ target: '2026-03-16 18:00', limit: '2026-03-16 18:00' });
  });

  it('important customers are visited at least once per calendar month; lists and research on their cadence', () => {
    expect(due(customerRecurring.important_visit!, '2026-04-01T00:00', { opened: '2026-03-01T00:00' })).toEqual({ target: null, limit: '2026-04-01 00:00', remind: '2026-03-25 19:12' });
    expect(customerRecurring.target_list_refresh!.clock).toBe('calendar');
    expect(customerRecurring.market_research!.anchor).toBe('quarter_end');
  });
});

describe('reminder point and pauses', () => {
  it('partWay on the working clock counts only working time', () => {
    // Friday 17:00 → Monday 17:00 is 7.5 working hours (1 + 3 + 3.5); 80 % = 6 h → Monday 15:30.
    expect(fmt(partWay(sh('2026-03-13T17:00'), sh('2026-03-16T17:00'), 0.8, 'working', cal))).toBe('2026-03-16 15:30');
  });

  it('a paused working clock keeps the working time it had left', () => {
    // Paused Friday 17:00 with a Monday 10:00 target (2 working hours left), resumed Tuesday 11:00 → 14:30.
    expect(fmt(shiftAfterPause(sh('2026-03-16T10:00'), sh('2026-03-13T17:00'), sh('2026-03-17T11:00'), 'working', cal))).toBe('2026-03-17 14:30');
  });

  it('a paused calendar clock moves by the paused time', () => {
    expect(fmt(shiftAfterPause(sh('2026-03-10T10:00'), sh('2026-03-09T10:00'), sh('2026-03-09T16:00'), 'calendar', cal))).toBe('2026-03-10 16:00');
  });

  it('a clock already overdue when paused stays overdue', () => {
    expect(fmt(shiftAfterPause(sh('2026-03-09T08:00'), sh('2026-03-09T10:00'), sh('2026-03-09T16:00'), 'calendar', cal))).toBe('2026-03-09 08:00');
  });

  it('works in another business time zone', () => {
    const ny = { ...defaultCalendar('America/New_York'), useChineseHolidays: false };
    const t = dueTimes({ target: { hours: 4 }, clock: 'working' }, new Date('2026-03-13T17:00:00-04:00'), ny);
    expect(t.targetAt!.toISOString()).toBe(new Date('2026-03-16T12:00:00-04:00').toISOString());
  });
});
