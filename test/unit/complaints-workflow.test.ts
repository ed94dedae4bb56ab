/**
 * Locks in the complaint workflow as data (SPEC §3.3) and the cost-allocation table (SPEC §5):
 * - every state × event of the complaint workflow either moves to the expected state, closing and
 *   opening the expected clocks, or is refused as INVALID_TRANSITION;
 * - only the customer's owner and the supervisor may acknowledge, investigate, resolve, close and
 *   reopen; 品质部 may only enter a product-quality investigation; other salespeople may do nothing;
 * - each step refuses to fire without its required fields, naming them in Chinese;
 * - the clocks are calendar time: acknowledge 24 h and investigation 24 h from receipt, resolution
 *   48 h after the investigation, the whole complaint 72 h; an urgent complaint's response is 2 h
 *   and ignores quiet hours; acknowledging stops the acknowledge and urgent clocks only;
 * - a closed complaint can be reopened, on fresh investigation and 72 h clocks;
 * - allocation: 服务质量 50 % to the responsible person, 产品质量 20 % to the salesperson,
 *   沟通不当 30 % to the responsible person, 其他 nothing; no loss or nobody to bear it → nothing;
 * - urgent issues (/紧急) run one 2 h urgent clock, handled by the owner or a supervisor;
 * - quarters and the quarterly survey clock: reminded two weeks before the quarter ends, due at its end;
 *   the quality follow-up is due on its day; order confirmation is 2 h / 4 h of working time.
 */
import { describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../src/platform/sla/calendar';
import { dueTimes } from '../../src/platform/sla/due';
import { transitionRefusal } from '../../src/platform/workflow/refusals';
import { allRules, availableEvents, transition, type TransitionActor, type Workflow } from '../../src/platform/workflow/workflow';
import { CAUSE_KEYS } from '../../src/modules/complaints/complaints.schema';
import { quarterOf } from '../../src/modules/complaints/complaints.service';
import { allocateCost, CAUSE_WORDS, CAUSES, COMPLAINT_RULES, complaintWorkflow, SERVICE_RULES, urgentIssueWorkflow } from '../../src/modules/complaints/complaints.workflow';

const wf = complaintWorkflow as Workflow;
const now = new Date('2026-11-02T02:00:00Z'); // 10:00 in Shanghai
const cal = defaultCalendar('Asia/Shanghai');
const H = 3_600_000;

const owner: TransitionActor = { role: 'sales', isOwner: true };
const supervisor: TransitionActor = { role: 'supervisor', isOwner: false };
const quality: TransitionActor = { role: 'quality', isOwner: false };
const otherSales: TransitionActor = { role: 'senior', isOwner: false };
const finance: TransitionActor = { role: 'finance', isOwner: false };
const admin: TransitionActor = { role: null, isOwner: false, isAdmin: true };

const allData = { cause: 'service', responsible: 'ou_zhang', loss: 1000, findings: '交期沟通遗漏', action: '补发并道歉', feedback: '满意', satisfaction: 4, reason: '客户再次投诉' };

/** The expected outcome of every defined (state, event) pair. */
const expected: Record<string, Record<string, { to: string; enter: string[]; leave: string[] }>> = {
  received: { ACKNOWLEDGE: { to: 'acknowledged', enter: [], leave: ['acknowledge', 'urgent_response'] } },
  acknowledged: {
    INVESTIGATE: { to: 'investigated', enter: ['resolution'], leave: ['investigation'] },
    INVESTIGATE_PRODUCT: { to: 'investigated', enter: ['resolution'], leave: ['investigation'] },
  },
  investigated: { RESOLVE: { to: 'resolved', enter: [], leave: ['resolution'] } },
  resolved: { CLOSE: { to: 'closed', enter: [], leave: ['whole_complaint'] } },
  closed: { REOPEN: { to: 'acknowledged', enter: ['investigation', 'whole_complaint'], leave: [] } },
};
const states = Object.keys(expected);
const events = [...new Set(Object.values(expected).flatMap((e) => Object.keys(e)))];

describe('complaint workflow: every state × event', () => {
  it('declares exactly the states of SPEC §3.3', () => {
    expect(Object.keys(complaintWorkflow.states)).toEqual(states);
    expect(complaintWorkflow.initial).toBe('received');
  });

  for (const state of states) {
    for (const event of events) {
      const want = expected[state]![event];
      if (want) {
        it(`${state} --${event}--> ${want.to} opens [${want.enter}] and closes [${want.leave}]`, () => {
          const r = transition(wf, state, event, { now, actor: supervisor, data: allData });
          expect(r).toMatchObject({ ok: true, from: state, to: want.to, close: 'met', terminal: false });
          if (!r.ok) return;
          expect(r.enter.map((d) => d.step)).toEqual(want.enter);
          expect(r.leave).toEqual(want.leave);
        });
      } else {
        it(`${state} refuses ${event} as INVALID_TRANSITION`, () => {
          expect(transition(wf, state, event, { now, actor: supervisor, data: allData })).toEqual({ ok: false, code: 'INVALID_TRANSITION' });
        });
      }
    }
  }

  it('a new complaint starts the acknowledge, investigation and whole-complaint clocks', () => {
    expect((complaintWorkflow.states.received.deadlines ?? []).map((d) => d.step)).toEqual(['acknowledge', 'investigation', 'whole_complaint']);
  });

  it('is never stuck: closed is not terminal, so a complaint can be reopened', () => {
    expect(complaintWorkflow.states.closed.terminal).toBeFalsy();
    expect(availableEvents(wf, 'closed', owner).map((e) => e.event)).toEqual(['REOPEN']);
  });
});

describe('complaint workflow: who may click each step', () => {
  const steps: Array<[state: string, event: string]> = states.flatMap((s) => Object.keys(expected[s]!).map((e): [string, string] => [s, e]));

  for (const [state, event] of steps) {
    it(`the owner and the supervisor may ${event} in ${state}`, () => {
      for (const actor of [owner, supervisor]) expect(transition(wf, state, event, { now, actor, data: allData }).ok).toBe(true);
    });
    it(`another salesperson and finance may not ${event} in ${state}`, () => {
      for (const actor of [otherSales, finance]) expect(transition(wf, state, event, { now, actor, data: allData })).toEqual({ ok: false, code: 'NOT_ALLOWED' });
    });
  }

  it('品质部 may enter a product-quality investigation but nothing else', () => {
    expect(transition(wf, 'acknowledged', 'INVESTIGATE_PRODUCT', { now, actor: quality, data: allData }).ok).toBe(true);
    for (const [state, event] of steps.filter(([, e]) => e !== 'INVESTIGATE_PRODUCT')) {
      expect(transition(wf, state, event, { now, actor: quality, data: allData }), `${state}/${event}`).toEqual({ ok: false, code: 'NOT_ALLOWED' });
    }
  });

  it('routes each cause to the event that decides who may submit it', () => {
    expect(Object.fromEntries(CAUSE_KEYS.map((k) => [k, CAUSES[k].event]))).toEqual({ service: 'INVESTIGATE', product: 'INVESTIGATE_PRODUCT', communication: 'INVESTIGATE', other: 'INVESTIGATE' });
  });

  it('an admin who is not the owner or supervisor may not move a complaint', () => {
    expect(transition(wf, 'received', 'ACKNOWLEDGE', { now, actor: admin })).toEqual({ ok: false, code: 'NOT_ALLOWED' });
  });

  it('explains a refused acknowledge in Chinese, naming who may do it', () => {
    const r = transition(wf, 'received', 'ACKNOWLEDGE', { now, actor: otherSales });
    if (r.ok) throw new Error('expected a refusal');
    expect(transitionRefusal(wf, 'received', 'ACKNOWLEDGE', r).text).toBe('没有权限：「受理」只限负责人、主管操作。');
  });
});

describe('complaint workflow: required fields', () => {
  const cases: Array<[state: string, event: string, missing: string[], words: string]> = [
    ['acknowledged', 'INVESTIGATE', ['cause', 'findings'], '原因类别、调查结论'],
    ['acknowledged', 'INVESTIGATE_PRODUCT', ['cause', 'findings'], '原因类别、调查结论'],
    ['investigated', 'RESOLVE', ['action'], '处理措施'],
    ['resolved', 'CLOSE', ['feedback', 'satisfaction'], '客户反馈、满意度'],
    ['closed', 'REOPEN', ['reason'], '重新打开的原因'],
  ];
  for (const [state, event, missing, words] of cases) {
    it(`${event} without ${missing.join(', ')} is refused as MISSING_FIELDS (还缺少：${words})`, () => {
      const r = transition(wf, state, event, { now, actor: owner, data: { findings: '  ' } });
      expect(r).toEqual({ ok: false, code: 'MISSING_FIELDS', missing });
      if (!r.ok) expect(transitionRefusal(wf, state, event, r).text).toContain(`还缺少：${words}`);
    });
  }

  it('acknowledging needs no fields', () => {
    expect(transition(wf, 'received', 'ACKNOWLEDGE', { now, actor: owner }).ok).toBe(true);
  });
});

describe('complaint clocks (SPEC §3.3)', () => {
  const at = (step: string) => allRules(wf).find((r) => r.step === step)!;

  it('counts every complaint clock in calendar time, owned by the customer’s owner', () => {
    for (const r of [...allRules(wf), COMPLAINT_RULES.urgentResponse]) {
      expect(r.clock, r.step).toBe('calendar');
      expect(r.owner, r.step).toBe('owner');
    }
  });

  it('acknowledge 24 h, investigation 24 h, resolution 48 h and the whole complaint 72 h, each a hard limit', () => {
    const limits = Object.fromEntries(['acknowledge', 'investigation', 'resolution', 'whole_complaint'].map((s) => [s, dueTimes(at(s), now, cal).limitAt!.getTime() - now.getTime()]));
    expect(limits).toEqual({ acknowledge: 24 * H, investigation: 24 * H, resolution: 48 * H, whole_complaint: 72 * H });
  });

  it('the investigation clock runs until investigated and the 72 h clock until closed', () => {
    expect(at('investigation').until).toEqual(['investigated']);
    expect(at('whole_complaint').until).toEqual(['closed']);
  });

  it('an urgent complaint must be answered within 2 h, ignoring quiet hours, and 受理 meets it', () => {
    const u = COMPLAINT_RULES.urgentResponse;
    expect(u.urgent).toBe(true);
    expect(dueTimes(u, now, cal).limitAt!.getTime() - now.getTime()).toBe(2 * H);
    expect(complaintWorkflow.states.received.on?.ACKNOWLEDGE?.meets).toEqual(['urgent_response']);
  });

  it('the 24 h acknowledge clock is reminded at 80 % of the way (19 h 12 min after receipt)', () => {
    expect(dueTimes(at('acknowledge'), now, cal).remindAt.getTime() - now.getTime()).toBe((19 * 60 + 12) * 60_000);
  });
});

describe('cost allocation (SPEC §5)', () => {
  const people = { responsible: 'ou_zhang', salesperson: 'ou_li' };

  it('service quality: 50 % of the loss to the responsible person', () => {
    expect(allocateCost('service', 1000, people)).toEqual({ openId: 'ou_zhang', bearer: 'responsible', share: 0.5, amount: 500 });
  });

  it('product quality: 20 % of the loss to the salesperson', () => {
    expect(allocateCost('product', 1000, people)).toEqual({ openId: 'ou_li', bearer: 'salesperson', share: 0.2, amount: 200 });
  });

  it('miscommunication: 30 % of the loss to the responsible person', () => {
    expect(allocateCost('communication', 1000, people)).toEqual({ openId: 'ou_zhang', bearer: 'responsible', share: 0.3, amount: 300 });
  });

  it('other causes allocate nothing', () => {
    expect(allocateCost('other', 1000, people)).toBeNull();
  });

  it('no cause, no loss or a zero loss allocates nothing', () => {
    expect(allocateCost(null, 1000, people)).toBeNull();
    expect(allocateCost('service', 0, people)).toBeNull();
    expect(allocateCost('service', null, people)).toBeNull();
  });

  it('a responsible-person share with nobody named allocates nothing (the investigation form requires one)', () => {
    expect(allocateCost('service', 1000, { salesperson: 'ou_li' })).toBeNull();
    expect(CAUSES.service.needsResponsible && CAUSES.communication.needsResponsible).toBe(true);
  });

  it('rounds to the cent', () => {
    expect(allocateCost('communication', 333.33, people)!.amount).toBe(100);
    expect(allocateCost('product', 0.05, people)!.amount).toBe(0.01);
  });

  it('has a row for every cause, labelled in Chinese, each reachable by its label', () => {
    expect(Object.keys(CAUSES).sort()).toEqual([...CAUSE_KEYS].sort());
    expect(Object.values(CAUSES).map((c) => c.label)).toEqual(['服务质量', '产品质量', '沟通不当', '其他']);
    for (const k of CAUSE_KEYS) expect(CAUSE_WORDS[CAUSES[k].label]).toBe(k);
  });
});

describe('urgent issue workflow (/紧急)', () => {
  const u = urgentIssueWorkflow as Workflow;

  it('opens one urgent 2 h calendar clock and closes it when handled', () => {
    const rules = u.states.open!.deadlines!;
    expect(rules.map((r) => [r.step, r.urgent, r.clock])).toEqual([['urgent_handling', true, 'calendar']]);
    expect(dueTimes(rules[0]!, now, cal).limitAt!.getTime() - now.getTime()).toBe(2 * H);
    const r = transition(u, 'open', 'HANDLE', { now, actor: owner, data: { result: '已更换' } });
    expect(r).toMatchObject({ ok: true, to: 'handled', leave: ['urgent_handling'], terminal: true });
  });

  it('is handled by the owner or a supervisor, with a result', () => {
    expect(transition(u, 'open', 'HANDLE', { now, actor: supervisor, data: { result: 'x' } }).ok).toBe(true);
    expect(transition(u, 'open', 'HANDLE', { now, actor: otherSales, data: { result: 'x' } })).toEqual({ ok: false, code: 'NOT_ALLOWED' });
    expect(transition(u, 'open', 'HANDLE', { now, actor: owner })).toEqual({ ok: false, code: 'MISSING_FIELDS', missing: ['result'] });
    expect(transition(u, 'handled', 'HANDLE', { now, actor: owner, data: { result: 'x' } })).toEqual({ ok: false, code: 'INVALID_TRANSITION' });
  });
});

describe('quarterly satisfaction survey', () => {
  it('finds the business-time-zone quarter of a moment', () => {
    const q = quarterOf(new Date('2026-12-31T17:00:00Z'), 'Asia/Shanghai'); // 2027-01-01 01:00 in Shanghai
    expect(q.key).toBe('2027Q1');
    const q4 = quarterOf(now, 'Asia/Shanghai');
    expect(q4).toEqual({ key: '2026Q4', start: new Date('2026-09-30T16:00:00Z'), end: new Date('2026-12-31T16:00:00Z') });
  });

  it('reminds two weeks before the quarter ends and escalates at its end', () => {
    const end = quarterOf(now, 'Asia/Shanghai').end;
    const due = dueTimes(SERVICE_RULES.satisfactionSurvey, end, cal, now);
    expect(due.limitAt).toEqual(end);
    expect(end.getTime() - due.targetAt!.getTime()).toBe(14 * 24 * H);
  });

  it('the quality follow-up is due on its day and escalates a week later', () => {
    const day = new Date('2026-12-02T01:00:00Z');
    const due = dueTimes(SERVICE_RULES.qualityFollowUp, day, cal);
    expect(due.targetAt).toEqual(day);
    expect(due.limitAt!.getTime() - day.getTime()).toBe(7 * 24 * H);
  });
});
