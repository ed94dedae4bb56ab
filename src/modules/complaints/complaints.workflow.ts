/**
 * 客户服务流程 as data (SPEC §3.3, §5): the complaint workflow with its two clocks, the urgent
 * issue workflow, the service cadences, the cause categories and the cost-allocation table.
 * Every number here is a default held as data; the logic reads it, never repeats it.
 */
import type { Role } from '../../platform/roles';
import { defineWorkflow, type DeadlineRule } from '../../platform/workflow/workflow';
import type { CauseKey } from './complaints.schema';

const C = 'calendar' as const;

// ---------------------------------------------------------------------------------------------
// Causes and cost allocation (异常费用分摊, SPEC §5)

/** Who bears an allocated share: the responsible person named in the investigation, or the customer's salesperson. */
export type Bearer = 'responsible' | 'salesperson';

export interface CauseDef {
  label: string;
  /** Share of the loss allocated; 0 = nothing allocated. */
  share: number;
  bearer: Bearer | null;
  /** The investigation must name a responsible person. */
  needsResponsible: boolean;
  /** Workflow event that records this investigation (decides who may submit it). */
  event: 'INVESTIGATE' | 'INVESTIGATE_PRODUCT';
}

export const CAUSES: Readonly<Record<CauseKey, CauseDef>> = {
  service: { label: '服务质量', share: 0.5, bearer: 'responsible', needsResponsible: true, event: 'INVESTIGATE' },
  product: { label: '产品质量', share: 0.2, bearer: 'salesperson', needsResponsible: false, event: 'INVESTIGATE_PRODUCT' },
  communication: { label: '沟通不当', share: 0.3, bearer: 'responsible', needsResponsible: true, event: 'INVESTIGATE' },
  other: { label: '其他', share: 0, bearer: null, needsResponsible: false, event: 'INVESTIGATE' },
};

/** Spellings accepted for a cause (card select values, Chinese labels, English). */
export const CAUSE_WORDS: Readonly<Record<string, CauseKey>> = Object.fromEntries(
  Object.entries(CAUSES).flatMap(([key, c]) => [
    [key, key as CauseKey],
    [c.label, key as CauseKey],
  ]),
);

export interface Allocation {
  openId: string;
  bearer: Bearer;
  share: number;
  /** Yuan, rounded to the cent. */
  amount: number;
}

/**
 * The cost a complaint's cause allocates (SPEC §5), or null when nothing is allocated
 * (no loss, a cause without a share, or nobody to bear it). Pure.
 */
export function allocateCost(cause: CauseKey | null | undefined, loss: number | null | undefined, people: { responsible?: string | null; salesperson: string }): Allocation | null {
  if (!cause || !loss || loss <= 0) return null;
  const def = CAUSES[cause];
  if (!def.bearer || def.share <= 0) return null;
  const openId = def.bearer === 'responsible' ? people.responsible : people.salesperson;
  if (!openId) return null;
  return { openId, bearer: def.bearer, share: def.share, amount: Math.round(loss * def.share * 100) / 100 };
}

// ---------------------------------------------------------------------------------------------
// The complaint workflow

/** Every clock runs on calendar time: the customer keeps waiting over the weekend (SPEC §3). */
export const COMPLAINT_RULES = {
  acknowledge: { step: 'acknowledge', label: '受理投诉', limit: { hours: 24 }, clock: C, owner: 'owner' },
  investigation: { step: 'investigation', label: '投诉调查', limit: { hours: 24 }, clock: C, owner: 'owner', until: ['investigated'] },
  whole: { step: 'whole_complaint', label: '投诉整体处理（72小时）', limit: { hours: 72 }, clock: C, owner: 'owner', until: ['closed'] },
  resolution: { step: 'resolution', label: '投诉处理', limit: { hours: 48 }, clock: C, owner: 'owner' },
  /** Urgent (紧急) complaints: first response within 2 h, reminded and escalated even in quiet hours. */
  urgentResponse: { step: 'urgent_response', label: '紧急投诉响应（2小时）', limit: { hours: 2 }, clock: C, owner: 'owner', urgent: true },
} as const satisfies Record<string, DeadlineRule>;

const R = COMPLAINT_RULES;
/** Who may move a complaint on: the customer's owner and the supervisor. */
const STEP_ROLES = ['owner', 'supervisor'] as const;

export const complaintWorkflow = defineWorkflow({
  name: 'complaint',
  initial: 'received',
  fieldLabels: { cause: '原因类别', responsible: '责任人', findings: '调查结论', action: '处理措施', feedback: '客户反馈', satisfaction: '满意度', reason: '重新打开的原因' },
  states: {
    received: {
      label: '待受理',
      deadlines: [R.acknowledge, R.investigation, R.whole],
      on: { ACKNOWLEDGE: { to: 'acknowledged', roles: STEP_ROLES, label: '受理', meets: [R.urgentResponse.step] } },
    },
    acknowledged: {
      label: '已受理',
      on: {
        INVESTIGATE: { to: 'investigated', roles: STEP_ROLES, requires: ['cause', 'findings'], label: '调查' },
        /** Product-quality investigations may also be entered by 品质部. */
        INVESTIGATE_PRODUCT: { to: 'investigated', roles: [...STEP_ROLES, 'quality'], requires: ['cause', 'findings'], label: '调查（产品质量）' },
      },
    },
    investigated: {
      label: '已调查',
      deadlines: [R.resolution],
      on: { RESOLVE: { to: 'resolved', roles: STEP_ROLES, requires: ['action'], label: '处理' } },
    },
    resolved: {
      label: '已处理',
      on: { CLOSE: { to: 'closed', roles: STEP_ROLES, requires: ['feedback', 'satisfaction'], label: '结案' } },
    },
    closed: {
      label: '已结案',
      // Not terminal: a re-opened complaint is investigated again, on fresh clocks; history stays.
      on: {
        REOPEN: {
          to: 'acknowledged',
          roles: STEP_ROLES,
          requires: ['reason'],
          label: '重新打开',
          deadlines: [R.investigation, R.whole],
        },
      },
    },
  },
});

export type ComplaintState = keyof typeof complaintWorkflow.states;
export const COMPLAINT_STATES = Object.keys(complaintWorkflow.states) as ComplaintState[];
/** States in which a complaint is still being worked on. */
export const OPEN_STATES: readonly ComplaintState[] = ['received', 'acknowledged', 'investigated', 'resolved'];

// ---------------------------------------------------------------------------------------------
// Urgent issues (/紧急)

export const URGENT_RULE = { step: 'urgent_handling', label: '紧急问题处理（2小时）', limit: { hours: 2 }, clock: C, owner: 'owner', urgent: true } as const satisfies DeadlineRule;

export const urgentIssueWorkflow = defineWorkflow({
  name: 'urgent_issue',
  initial: 'open',
  fieldLabels: { result: '处理结果' },
  states: {
    open: { label: '待处理', deadlines: [URGENT_RULE], on: { HANDLE: { to: 'handled', roles: STEP_ROLES, requires: ['result'], label: '已处理' } } },
    handled: { label: '已处理', terminal: true },
  },
});

// ---------------------------------------------------------------------------------------------
// Service cadences (SPEC §3.3): not one record's workflow; the daily job opens them.

export const SERVICE = {
  /** Quality follow-up (品质回访) this many calendar days after delivery. */
  followUpAfterDays: 30,
  /** The job opens a follow-up's clock this many days before it is due (so it shows in /待办). */
  followUpLeadDays: 3,
  /** A customer counts as active when in one of these pipeline states, or delivered to within the last N days. */
  activeCustomerStates: ['archived'] as readonly string[],
  activeDeliveryDays: 365,
  /** A score at or above this counts as satisfied; the department standard is the share of satisfied scores. */
  satisfiedMinScore: 4,
  satisfactionTarget: 0.9,
} as const;

export const SERVICE_RULES = {
  /** Due on the follow-up day (anchor 'due'); escalates a week later. */
  qualityFollowUp: { step: 'quality_follow_up', label: '交付后品质回访', target: {}, limit: { days: 7 }, clock: C, owner: 'owner', anchor: 'due' },
  /** Reminded two weeks before the quarter ends; escalates at the quarter's end. */
  satisfactionSurvey: { step: 'satisfaction_survey', label: '季度满意度调查', target: { days: 14 }, limit: { days: 0 }, before: true, clock: C, owner: 'owner', anchor: 'quarter_end' },
} as const satisfies Record<string, DeadlineRule>;

/** Who sees every complaint; others see those of customers they own, reported or are responsible for. */
export const SEES_ALL_COMPLAINTS: readonly Role[] = ['supervisor', 'quality', 'gm'];
