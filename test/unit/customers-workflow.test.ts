/**
 * Locks in the customer development pipeline (SPEC §3.1) and the inquiry clocks (§3.3) as data:
 * - every stage × event: where it goes, which clocks open and close, and everything else refused;
 * - a stage does not advance while its exit criteria are missing, and the refusal names them in Chinese;
 * - only the owner or a supervisor moves a customer; another salesperson, finance or PMC cannot;
 * - /客户 阶段 walks forward stage by stage, never backwards, and lost / re-open work from anywhere sensible;
 * - the deadlines fall where the spec says on the business calendar (needs report 3 working days after
 *   the first visit, solution 5, quote 24 working hours, demo prep 2 working days before, negotiation
 *   plan 1 before, contract draft 3; inquiry answer 24 calendar hours, technical support 4 working hours);
 * - the monthly / quarterly duties count to the period's end; a planned visit is due by the end of its day;
 * - every row of SPEC §3.1's table is a rule with the spec's due, clock and anchor, opened by the right
 *   stage (or by the duties job, or — signing, archive, CRM entry — by the contracts module);
 * - the stage forms collect the stage's fields; typed values are read (dates in any accepted spelling);
 *   a demo or negotiation date may not be past, nor the negotiation before the demo;
 * - who sees what: full detail for the owner, supervisors, finance and the GM; name and owner for the
 *   rest; financial terms and credit never in a group chat.
 */
import { describe, expect, it } from 'vitest';
import { accessTo, checkStageDates, formFieldsFor, parseFieldValues, pathTo, periodsOf } from '../../src/modules/customers/customers.service';
import type { Customer } from '../../src/modules/customers/customers.schema';
import { customerWorkflow, parseStage, PIPELINE, RECURRING, RULES, STAGE_FORM, type Stage } from '../../src/modules/customers/customers.workflow';
import { INQUIRY_RULES, inquiryWorkflow } from '../../src/modules/customers/inquiries.workflow';
import { Refusal } from '../../src/platform/errors';
import { defaultCalendar } from '../../src/platform/sla/calendar';
import { dueTimes } from '../../src/platform/sla/due';
import { transitionRefusal } from '../../src/platform/workflow/refusals';
import { allRules, transition, type DeadlineRule, type TransitionActor, type Workflow } from '../../src/platform/workflow/workflow';
import { sh } from './support/sla-harness';

const wf = customerWorkflow as Workflow;
const now = sh('2026-03-09T10:00');
const owner: TransitionActor = { role: 'sales', isOwner: true };
const supervisor: TransitionActor = { role: 'supervisor', isOwner: false };
const otherSales: TransitionActor = { role: 'sales', isOwner: false };
const finance: TransitionActor = { role: 'finance', isOwner: false };
const allData = {
  first_visit: '2026-03-09T02:00:00.000Z',
  requirement: '年采购 5 万件',
  decision_maker: '采购总监',
  procurement: '招标',
  solution_summary: '定制驱动板',
  quote: '12.5 元/件',
  demo_at: '2026-03-18',
  negotiation_at: '2026-03-25',
  result: '接受',
  price: '12 元/件',
  payment_terms: '月结 30 天',
  lost_reason: '价格',
};

type Expect = { to: Stage; enter: string[]; leave: string[]; close?: 'cancelled' };
// Entering solution or lost closes the needs report wherever it is still running (its `until`).
const lose: Record<string, Expect> = { LOSE: { to: 'lost', enter: [], leave: ['needs_report'], close: 'cancelled' } };

/** Every defined (stage, event), and what it does. Anything not listed is INVALID_TRANSITION. */
const expected: Record<Stage, Record<string, Expect>> = {
  prospect: { FIRST_VISIT: { to: 'contacted', enter: ['needs_report'], leave: [] }, ...lose },
  contacted: { START_NEEDS: { to: 'needs', enter: [], leave: [] }, LOSE: { to: 'lost', enter: [], leave: ['needs_report'], close: 'cancelled' } },
  needs: { NEEDS_DONE: { to: 'solution', enter: ['solution', 'quote'], leave: ['needs_report'] }, LOSE: { to: 'lost', enter: [], leave: ['needs_report'], close: 'cancelled' } },
  solution: {
    RECORD_QUOTE: { to: 'solution', enter: [], leave: ['quote', 'needs_report'] },
    SCHEDULE_DEMO: { to: 'demo', enter: ['demo_prep'], leave: ['solution', 'quote'] },
    LOSE: { to: 'lost', enter: [], leave: ['solution', 'quote', 'needs_report'], close: 'cancelled' },
  },
  demo: {
    RESCHEDULE_DEMO: { to: 'demo', enter: ['demo_prep'], leave: [] },
    DEMO_PREPARED: { to: 'demo', enter: [], leave: ['demo_prep'] },
    SCHEDULE_NEGOTIATION: { to: 'negotiation', enter: ['negotiation_plan'], leave: ['demo_prep'] },
    LOSE: { to: 'lost', enter: [], leave: ['demo_prep', 'needs_report'], close: 'cancelled' },
  },
  negotiation: {
    RESCHEDULE_NEGOTIATION: { to: 'negotiation', enter: ['negotiation_plan'], leave: [] },
    PLAN_READY: { to: 'negotiation', enter: [], leave: ['negotiation_plan'] },
    CONCLUDE: { to: 'contract', enter: ['contract_draft'], leave: ['negotiation_plan'] },
    LOSE: { to: 'lost', enter: [], leave: ['negotiation_plan', 'needs_report'], close: 'cancelled' },
  },
  contract: {
    CONFIRM_DRAFT: { to: 'contract', enter: [], leave: ['contract_draft'] },
    SIGN: { to: 'archived', enter: [], leave: ['contract_draft'] },
    LOSE: { to: 'lost', enter: [], leave: ['contract_draft', 'needs_report'], close: 'cancelled' },
  },
  archived: {},
  lost: { REOPEN: { to: 'prospect', enter: [], leave: [] } },
};

const events = [...new Set(Object.values(customerWorkflow.states).flatMap((s) => Object.keys(('on' in s ? s.on : undefined) ?? {})))];

describe('customer pipeline: every stage × event', () => {
  it('lists every stage of the spec, in order, plus lost', () => {
    expect(Object.keys(customerWorkflow.states).sort()).toEqual([...PIPELINE, 'lost'].sort());
    expect(Object.keys(expected).sort()).toEqual(Object.keys(customerWorkflow.states).sort());
  });

  for (const stage of Object.keys(expected) as Stage[]) {
    for (const event of events) {
      const want = expected[stage][event];
      if (want) {
        it(`${stage} --${event}--> ${want.to} opens [${want.enter}] and closes [${want.leave}]`, () => {
          const r = transition(wf, stage, event, { now, actor: owner, data: allData });
          expect(r).toMatchObject({ ok: true, from: stage, to: want.to, close: want.close ?? 'met', terminal: false });
          if (!r.ok) return;
          expect(r.enter.map((d) => d.step)).toEqual(want.enter);
          expect([...r.leave].sort()).toEqual([...want.leave].sort());
        });
      } else {
        it(`${stage} refuses ${event}`, () => {
          expect(transition(wf, stage, event, { now, actor: supervisor, data: allData })).toEqual({ ok: false, code: 'INVALID_TRANSITION' });
        });
      }
    }
  }

  it('lets a supervisor make every move the owner can', () => {
    for (const [stage, evs] of Object.entries(expected)) for (const event of Object.keys(evs)) expect(transition(wf, stage, event, { now, actor: supervisor, data: allData }).ok).toBe(true);
  });

  it('refuses another salesperson and finance every move, as NOT_ALLOWED', () => {
    for (const [stage, evs] of Object.entries(expected)) {
      for (const event of Object.keys(evs)) {
        expect(transition(wf, stage, event, { now, actor: otherSales, data: allData })).toEqual({ ok: false, code: 'NOT_ALLOWED' });
        expect(transition(wf, stage, event, { now, actor: finance, data: allData })).toEqual({ ok: false, code: 'NOT_ALLOWED' });
      }
    }
  });
});

describe('exit criteria: a stage does not advance while its fields are missing', () => {
  const cases: Array<[Stage, string, string[], string]> = [
    ['prospect', 'FIRST_VISIT', ['first_visit'], '首次拜访（请先用 /拜访 记录）'],
    ['needs', 'NEEDS_DONE', ['requirement', 'decision_maker', 'procurement'], '需求、决策人、采购流程'],
    ['solution', 'SCHEDULE_DEMO', ['solution_summary', 'quote', 'demo_at'], '方案摘要、报价、演示日期'],
    ['solution', 'RECORD_QUOTE', ['quote'], '报价'],
    ['demo', 'SCHEDULE_NEGOTIATION', ['demo_at', 'negotiation_at'], '演示日期、谈判日期'],
    ['negotiation', 'CONCLUDE', ['result', 'price', 'payment_terms'], '结果、价格、付款条件'],
    ['contacted', 'LOSE', ['lost_reason'], '原因'],
  ];
  for (const [stage, event, missing, words] of cases) {
    it(`${stage} ${event} needs ${words}`, () => {
      const r = transition(wf, stage, event, { now, actor: owner, data: { requirement: '  ' } });
      expect(r).toEqual({ ok: false, code: 'MISSING_FIELDS', missing });
      if (r.ok) return;
      expect(transitionRefusal(wf, stage, event, r).text).toContain(`还缺少：${words}`);
    });
  }

  it('names only what is still missing', () => {
    const r = transition(wf, 'needs', 'NEEDS_DONE', { now, actor: owner, data: { requirement: '5 万件' } });
    if (r.ok) throw new Error('should refuse');
    expect(transitionRefusal(wf, 'needs', 'NEEDS_DONE', r).text).toBe('「需求确认，进入方案」还缺少：决策人、采购流程。');
  });
});

const customer = (state: Stage): Customer => ({ id: 1, name: '华星科技', state, version: 1 }) as Customer;
const refusalText = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof Refusal) return e.text;
    throw e;
  }
  throw new Error('expected a refusal');
};

describe('/客户 阶段 walks the pipeline', () => {
  it('walks forward one event per stage', () => {
    expect(pathTo(customer('contacted'), 'solution')).toEqual(['START_NEEDS', 'NEEDS_DONE']);
    expect(pathTo(customer('prospect'), 'archived')).toEqual(['FIRST_VISIT', 'START_NEEDS', 'NEEDS_DONE', 'SCHEDULE_DEMO', 'SCHEDULE_NEGOTIATION', 'CONCLUDE', 'SIGN']);
  });

  it('marks lost from any open stage and re-opens to the target list only', () => {
    expect(pathTo(customer('demo'), 'lost')).toEqual(['LOSE']);
    expect(pathTo(customer('lost'), 'prospect')).toEqual(['REOPEN']);
    expect(refusalText(() => pathTo(customer('lost'), 'solution'))).toContain('目标客户 重新跟进');
    expect(refusalText(() => pathTo(customer('archived'), 'lost'))).toContain('已签约建档');
  });

  it('never goes backwards and says so', () => {
    expect(refusalText(() => pathTo(customer('solution'), 'needs'))).toBe('客户「华星科技」不能从「解决方案」退回「需求分析」。');
    expect(refusalText(() => pathTo(customer('solution'), 'solution'))).toContain('已经在「解决方案」阶段');
  });

  it('reads stage words in Chinese and English', () => {
    expect(['方案', '解决方案', 'solution', '谈判', '拒绝', '目标客户', '建档'].map(parseStage)).toEqual(['solution', 'solution', 'solution', 'negotiation', 'lost', 'prospect', 'archived']);
    expect(parseStage('火星')).toBeUndefined();
  });
});

const cal = defaultCalendar('Asia/Shanghai');
const fmt = (d: Date | null) => (d ? new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ') : null);
const due = (r: DeadlineRule, anchor: Date, limitAnchor?: Date) => {
  const t = dueTimes(r, anchor, cal, anchor, limitAnchor);
  return { target: fmt(t.targetAt), limit: fmt(t.limitAt) };
};

describe('deadlines fall where SPEC §3.1 / §3.3 say (Mon 2026-03-09, Asia/Shanghai)', () => {
  /**
   * SPEC §3.1's table, typed out from the spec (not read from RULES): step, due, clock, anchor, and
   * the stage whose entry starts it. `by` names where a row lives when this workflow does not open it.
   */
  const SPEC_3_1: Array<{ row: string; step: string; due: Partial<DeadlineRule>; clock: 'working' | 'calendar'; anchor?: string; opensOn?: Stage; by?: 'recurring' | 'contracts' }> = [
    { row: 'visit record — same day, W, visit', step: 'visit_record', due: { target: { days: 0 } }, clock: 'working', anchor: 'visit', by: 'recurring' },
    { row: 'needs analysis report — 3 days, W, first visit', step: 'needs_report', due: { target: { days: 3 } }, clock: 'working', anchor: 'first_visit', opensOn: 'contacted' },
    { row: 'solution — 5 days, W, needs analysis done', step: 'solution', due: { target: { days: 5 } }, clock: 'working', opensOn: 'solution' },
    { row: 'demo preparation — 2 days before, W, scheduled demo', step: 'demo_prep', due: { target: { days: 2 }, before: true }, clock: 'working', anchor: 'demo_at', opensOn: 'demo' },
    { row: 'negotiation plan — 1 day before, W, scheduled negotiation', step: 'negotiation_plan', due: { target: { days: 1 }, before: true }, clock: 'working', anchor: 'negotiation_at', opensOn: 'negotiation' },
    { row: 'contract draft — 3 days, W, negotiation concluded', step: 'contract_draft', due: { target: { days: 3 } }, clock: 'working', opensOn: 'contract' },
    { row: 'contract signed / customer archive / CRM entry — the contract record', step: 'contract_sign', due: {}, clock: 'working', by: 'contracts' },
    { row: 'target customer list refresh — monthly, C', step: 'target_list_refresh', due: { limit: {} }, clock: 'calendar', anchor: 'month_start', by: 'recurring' },
    { row: 'market research report — quarterly, C', step: 'market_research', due: { limit: {} }, clock: 'calendar', anchor: 'quarter_end', by: 'recurring' },
    { row: 'important customer visit — once per calendar month, C', step: 'important_visit', due: { limit: {} }, clock: 'calendar', anchor: 'month_end', by: 'recurring' },
    // §3.3, opened by this workflow: quote within 24 h after the needs are confirmed (W).
    { row: 'quote — 24 h, W, needs confirmed (§3.3)', step: 'quote', due: { target: { hours: 24 } }, clock: 'working', opensOn: 'solution' },
  ];

  for (const r of SPEC_3_1) {
    it(`SPEC §3.1: ${r.row}`, () => {
      const opened = allRules(wf).filter((x) => x.step === r.step);
      if (r.by === 'contracts') {
        // Signing, archive and CRM entry are the contract's clocks: opening them here would remind twice.
        expect(opened).toEqual([]);
        expect(allRules(wf).some((x) => /sign|archive|crm/.test(x.step))).toBe(false);
        return;
      }
      const rule = r.by === 'recurring' ? Object.values(RECURRING).find((x) => x.step === r.step) : opened[0];
      expect(rule, r.step).toBeDefined();
      expect(rule).toMatchObject({ ...r.due, clock: r.clock, owner: 'owner' });
      expect((rule as DeadlineRule).anchor).toBe(r.anchor);
      if (r.opensOn) expect(customerWorkflow.states[r.opensOn].deadlines?.map((d) => d.step)).toContain(r.step);
    });
  }

  it('opens nothing SPEC §3.1 / §3.3 does not list', () => {
    expect([...new Set(allRules(wf).map((r) => r.step))].sort()).toEqual(SPEC_3_1.filter((r) => r.opensOn).map((r) => r.step).sort());
  });

  it('needs-analysis report: 3 working days after the first visit', () => {
    expect(due(RULES.needs_report, sh('2026-03-09T10:00')).target).toBe('2026-03-12 18:00');
    expect(due(RULES.needs_report, sh('2026-03-13T16:00')).target).toBe('2026-03-18 18:00');
  });

  it('solution 5 working days after the needs are done; quote 24 working hours', () => {
    expect(due(RULES.solution, sh('2026-03-09T10:00')).target).toBe('2026-03-16 18:00');
    expect(due(RULES.quote, sh('2026-03-09T09:00')).target).toBe('2026-03-12 10:30');
  });

  it('demo preparation 2 working days before the demo; negotiation plan 1 before (skipping weekends)', () => {
    expect(due(RULES.demo_prep, sh('2026-03-10T18:00')).target).toBe('2026-03-06 18:00');
    expect(due(RULES.negotiation_plan, sh('2026-03-16T18:00')).target).toBe('2026-03-13 18:00');
  });

  it('contract draft 3 working days after the negotiation concluded', () => {
    expect(due(RULES.contract_draft, sh('2026-03-20T11:00')).target).toBe('2026-03-25 18:00');
  });

  it('inquiry: answer in 24 calendar hours (over the weekend); technical support in 4 working hours', () => {
    const rules = allRules(inquiryWorkflow as Workflow);
    expect(rules.map((r) => r.step).sort()).toEqual(['answer', 'tech_support']);
    expect(due(INQUIRY_RULES.answer, sh('2026-03-07T10:00')).target).toBe('2026-03-08 10:00');
    expect(due(INQUIRY_RULES.tech_support, sh('2026-03-09T16:00')).target).toBe('2026-03-10 11:00');
    expect(due(INQUIRY_RULES.tech_support, sh('2026-03-07T10:00')).target).toBe('2026-03-09 14:30');
  });

  it('inquiry: answering closes both clocks', () => {
    const r = transition(inquiryWorkflow as Workflow, 'received', 'ANSWER', { now, actor: owner, data: { answer: '已回复' } });
    expect(r).toMatchObject({ ok: true, to: 'answered', terminal: true, leave: expect.arrayContaining(['answer', 'tech_support']) });
    expect(transition(inquiryWorkflow as Workflow, 'received', 'ANSWER', { now, actor: owner, data: {} })).toEqual({ ok: false, code: 'MISSING_FIELDS', missing: ['answer'] });
  });

  it('monthly list refresh: first week, hard limit month end; research by quarter end; important visit by month end', () => {
    const p = periodsOf(sh('2026-03-09T10:00'), 'Asia/Shanghai');
    expect(p).toMatchObject({ month: '2026-03', quarter: '2026-Q1' });
    expect(fmt(p.monthEnd)).toBe('2026-04-01 00:00');
    expect(fmt(p.quarterEnd)).toBe('2026-04-01 00:00');
    expect(due(RECURRING.target_list_refresh, p.monthStart, p.monthEnd)).toEqual({ target: '2026-03-08 00:00', limit: '2026-04-01 00:00' });
    expect(due(RECURRING.market_research, p.quarterEnd).limit).toBe('2026-04-01 00:00');
    expect(due(RECURRING.important_visit, p.monthEnd).limit).toBe('2026-04-01 00:00');
    const dec = periodsOf(sh('2026-12-15T10:00'), 'Asia/Shanghai');
    expect(dec).toMatchObject({ month: '2026-12', quarter: '2026-Q4' });
    expect(fmt(dec.monthEnd)).toBe('2027-01-01 00:00');
  });

  it('a planned visit is due (done and recorded) by the end of the planned working day', () => {
    expect(due(RECURRING.visit_record, sh('2026-03-11T00:00')).target).toBe('2026-03-11 18:00');
    expect(due(RECURRING.visit_record, sh('2026-03-14T00:00')).target).toBe('2026-03-16 18:00');
  });
});

describe('stage forms and typed fields', () => {
  it('each stage form collects its exit criteria; lost asks only for the reason', () => {
    expect(STAGE_FORM.needs).toEqual(['requirement', 'decision_maker', 'procurement']);
    expect(formFieldsFor('needs', 'NEEDS_DONE')).toEqual(['requirement', 'decision_maker', 'procurement']);
    expect(formFieldsFor('solution', 'SCHEDULE_DEMO')).toEqual(['solution_summary', 'quote', 'demo_at']);
    expect(formFieldsFor('negotiation', 'CONCLUDE')).toEqual(['negotiation_at', 'result', 'price', 'payment_terms']);
    expect(formFieldsFor('demo', 'LOSE')).toEqual(['lost_reason']);
    expect(formFieldsFor('contacted', 'START_NEEDS')).toEqual([]);
  });

  it('reads dates from key=value and from the date picker, trims text, ignores blanks', () => {
    expect(parseFieldValues({ demo_at: '2026-03-18 +0800', negotiation_at: '3天后', requirement: '  5 万件 ', quote: '' }, '2026-03-09')).toEqual({
      demo_at: '2026-03-18',
      negotiation_at: '2026-03-12',
      requirement: '5 万件',
    });
  });

  it('refuses a bad date by its Chinese name', () => {
    expect(refusalText(() => parseFieldValues({ demo_at: '下辈子' }, '2026-03-09'))).toContain('演示日期「下辈子」不是有效日期');
  });

  it('refuses a demo or negotiation date in the past, and a negotiation before the demo', () => {
    const none = { stageData: {} };
    expect(refusalText(() => checkStageDates(none, { demo_at: '2020-01-01' }, '2026-03-09'))).toBe('演示日期 2020-01-01 已经过去了（今天是 2026-03-09），请填写今天或以后的日期。');
    expect(refusalText(() => checkStageDates(none, { negotiation_at: '2026-03-08' }, '2026-03-09'))).toContain('谈判日期 2026-03-08 已经过去了');
    expect(refusalText(() => checkStageDates({ stageData: { demo_at: '2026-03-20' } }, { negotiation_at: '2026-03-18' }, '2026-03-09'))).toBe('谈判日期 2026-03-18 早于演示日期 2026-03-20：商务谈判应在方案演示之后。');
    expect(refusalText(() => checkStageDates({ stageData: { negotiation_at: '2026-03-18' } }, { demo_at: '2026-03-20' }, '2026-03-09'))).toContain('早于演示日期 2026-03-20');
    expect(() => checkStageDates(none, { demo_at: '2026-03-09', negotiation_at: '2026-03-09' }, '2026-03-09')).not.toThrow();
  });

  it('does not re-check dates already saved (a form sends them back after the day has passed)', () => {
    const saved = { stageData: { demo_at: '2026-03-05', negotiation_at: '2026-03-04' } };
    expect(() => checkStageDates(saved, { demo_at: '2026-03-05', result: '接受' }, '2026-03-09')).not.toThrow();
    expect(() => checkStageDates({ stageData: { demo_at: '2026-03-05' } }, { demo_at: '2026-03-05', negotiation_at: '2026-03-10' }, '2026-03-09')).not.toThrow();
  });
});

describe('who sees what (SPEC §1)', () => {
  const c = { ownerOpenId: 'ou_li' };
  it('the owner sees everything in private, but no money terms or credit in a group', () => {
    expect(accessTo({ openId: 'ou_li', role: 'sales' }, c, 'private')).toMatchObject({ full: true, financials: true, credit: true, canAct: true });
    expect(accessTo({ openId: 'ou_li', role: 'sales' }, c, 'group')).toMatchObject({ full: true, financials: false, credit: false, creditByDm: true });
  });

  it('another salesperson, PMC or engineering see name and owner only, and may not act', () => {
    for (const role of ['sales', 'senior', 'pmc', 'engineering'] as const) {
      expect(accessTo({ openId: 'ou_zhang', role }, c, 'private')).toMatchObject({ full: false, financials: false, credit: false, creditByDm: false, canAct: false });
    }
  });

  it('supervisors, finance and the GM see everything; only supervisors act', () => {
    expect(accessTo({ openId: 'ou_boss', role: 'supervisor' }, c, 'private')).toMatchObject({ full: true, credit: true, canAct: true });
    expect(accessTo({ openId: 'ou_fin', role: 'finance' }, c, 'private')).toMatchObject({ full: true, credit: true, canAct: false });
    expect(accessTo({ openId: 'ou_gm', role: 'gm' }, c, 'group')).toMatchObject({ full: true, credit: false, creditByDm: true, canAct: false });
  });
});
