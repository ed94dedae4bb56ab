/**
 * 客户开发流程 (SPEC §3.1) as data: the pipeline stages, the fields each stage needs before it can
 * be left (entered on the stage's card form or as key=value in /客户 阶段), who may move it, and
 * every deadline the spec gives. The service only fires these events; nothing here touches I/O.
 */
import { defineWorkflow, type DeadlineRule, type Party } from '../../platform/workflow/workflow';

const W = 'working' as const;
const C = 'calendar' as const;

/** The pipeline in order; `lost` sits beside it. */
export const PIPELINE = ['prospect', 'contacted', 'needs', 'solution', 'demo', 'negotiation', 'contract', 'archived'] as const;
export type Stage = (typeof PIPELINE)[number] | 'lost';

/** Words a user may type for a stage in /客户 阶段 (Chinese first, then English). */
export const STAGE_WORDS: Record<Stage, string[]> = {
  prospect: ['目标客户', '目标', '重新跟进', 'prospect'],
  contacted: ['已拜访', '首次拜访', '初次拜访', 'contacted'],
  needs: ['需求分析', '需求', 'needs'],
  solution: ['解决方案', '方案', 'solution'],
  demo: ['方案演示', '演示', 'demo'],
  negotiation: ['商务谈判', '谈判', 'negotiation'],
  contract: ['合同签署', '合同', 'contract'],
  archived: ['客户建档', '建档', '归档', '已签约', 'archived'],
  lost: ['客户拒绝', '拒绝', '丢单', 'lost'],
};

export function parseStage(word: string): Stage | undefined {
  const w = word.trim().toLowerCase();
  return (Object.keys(STAGE_WORDS) as Stage[]).find((s) => STAGE_WORDS[s].some((x) => x.toLowerCase() === w));
}

export interface FieldSpec {
  /** Chinese name, used in forms and in "还缺少：…" refusals. */
  label: string;
  /** key=value spellings accepted by /客户 阶段. */
  keys: string[];
  kind: 'text' | 'date';
  /** Money terms: never shown in a group chat (SPEC §1). */
  financial?: boolean;
}

/** Exit-criteria fields (issue 4): needs 需求/决策人/采购流程; solution 方案摘要/报价; demo 日期; negotiation 结果/价格/付款条件; lost 原因. */
export const FIELDS = {
  requirement: { label: '需求', keys: ['需求', 'requirement'], kind: 'text' },
  decision_maker: { label: '决策人', keys: ['决策人', 'decision_maker'], kind: 'text' },
  procurement: { label: '采购流程', keys: ['采购流程', 'procurement'], kind: 'text' },
  solution_summary: { label: '方案摘要', keys: ['方案摘要', 'summary'], kind: 'text' },
  quote: { label: '报价', keys: ['报价', 'quote'], kind: 'text', financial: true },
  demo_at: { label: '演示日期', keys: ['日期', '演示日期', 'demo_at'], kind: 'date' },
  negotiation_at: { label: '谈判日期', keys: ['谈判日期', 'negotiation_at'], kind: 'date' },
  result: { label: '结果', keys: ['结果', 'result'], kind: 'text' },
  price: { label: '价格', keys: ['价格', 'price'], kind: 'text', financial: true },
  payment_terms: { label: '付款条件', keys: ['付款条件', 'payment_terms'], kind: 'text', financial: true },
  lost_reason: { label: '原因', keys: ['原因', 'reason'], kind: 'text' },
} as const satisfies Record<string, FieldSpec>;
export type FieldKey = keyof typeof FIELDS;
/** A field's spec, widened (so optional flags like `financial` can be read on any field). */
export const fieldSpec = (k: FieldKey): FieldSpec => FIELDS[k];
export const FIELD_KEYS = Object.keys(FIELDS) as FieldKey[];

/** Not a form field: present once /拜访 has logged the first visit. */
export const FIRST_VISIT = 'first_visit';

/** The fields each stage's card form collects (its exit criteria, plus the next meeting's date). */
export const STAGE_FORM: Record<Stage, FieldKey[]> = {
  prospect: [],
  contacted: [],
  needs: ['requirement', 'decision_maker', 'procurement'],
  solution: ['solution_summary', 'quote', 'demo_at'],
  demo: ['demo_at', 'negotiation_at'],
  negotiation: ['negotiation_at', 'result', 'price', 'payment_terms'],
  contract: [],
  archived: [],
  lost: ['lost_reason'],
};

/**
 * Saving a field while the customer is in `stage` fires `event` (the quote meets the 24 h quote
 * clock; a new demo or negotiation date moves its preparation clock).
 */
export const ON_SAVE: Array<{ field: FieldKey; stage: Stage; event: string; kind: 'meets' | 'reschedule' }> = [
  { field: 'quote', stage: 'solution', event: 'RECORD_QUOTE', kind: 'meets' },
  { field: 'demo_at', stage: 'demo', event: 'RESCHEDULE_DEMO', kind: 'reschedule' },
  { field: 'negotiation_at', stage: 'negotiation', event: 'RESCHEDULE_NEGOTIATION', kind: 'reschedule' },
];

/** Days in a stage after which the weekly nudge lists the customer as stalled. */
export const STALL_DAYS: Partial<Record<Stage, number>> = {
  prospect: 30,
  contacted: 14,
  needs: 14,
  solution: 14,
  demo: 14,
  negotiation: 14,
  contract: 7,
};

/**
 * SPEC §3.1 deadlines of one customer, plus the §3.3 quote clock. The clocks after the draft —
 * contract signed (2 working days, hard limit 7 after the negotiation), customer archive and CRM
 * entry — belong to the contract record and are opened by the contracts module (/合同 签署 …):
 * opening them here too would remind twice for one act.
 */
export const RULES = {
  needs_report: { step: 'needs_report', label: '需求分析报告', target: { days: 3 }, clock: W, owner: 'owner', anchor: 'first_visit', until: ['solution', 'lost'] },
  solution: { step: 'solution', label: '解决方案', target: { days: 5 }, clock: W, owner: 'owner' },
  quote: { step: 'quote', label: '报价', target: { hours: 24 }, clock: W, owner: 'owner' },
  demo_prep: { step: 'demo_prep', label: '演示准备', target: { days: 2 }, before: true, clock: W, owner: 'owner', anchor: 'demo_at' },
  negotiation_plan: { step: 'negotiation_plan', label: '谈判方案', target: { days: 1 }, before: true, clock: W, owner: 'owner', anchor: 'negotiation_at' },
  contract_draft: { step: 'contract_draft', label: '合同草案', target: { days: 3 }, clock: W, owner: 'owner' },
} as const satisfies Record<string, DeadlineRule>;

/**
 * Cadences that are not one transition's: opened per period by the customers.duties job (the
 * step gets the period or person appended, so each period has its own clock and record).
 */
export const RECURRING = {
  /** Monthly target-list refresh: within the first week, at the latest by the month's end. */
  target_list_refresh: { step: 'target_list_refresh', label: '目标客户清单更新', target: { days: 7 }, anchor: 'month_start', limit: {}, limitAnchor: 'month_end', clock: C, owner: 'owner' },
  /** Quarterly market-research report, by the quarter's end. */
  market_research: { step: 'market_research', label: '市场调研报告', limit: {}, anchor: 'quarter_end', clock: C, owner: 'owner' },
  /** Important customers: at least one visit per calendar month. */
  important_visit: { step: 'important_visit', label: '重点客户月度拜访', limit: {}, anchor: 'month_end', clock: C, owner: 'owner' },
  /** A planned visit is done and recorded by the end of the planned working day. */
  visit_record: { step: 'visit_record', label: '按计划拜访并记录', target: { days: 0 }, anchor: 'visit', clock: W, owner: 'owner' },
} as const satisfies Record<string, DeadlineRule>;

const movers: readonly Party[] = ['owner', 'supervisor'];

/**
 * Fired only by the contracts module (/合同 签署 files the customer and opens the archive and
 * CRM-entry clocks); a person moving the customer to 客户建档 by hand is refused.
 */
export const BY_CONTRACT: ReadonlySet<string> = new Set(['SIGN']);

const lose = {
  LOSE: { to: 'lost', roles: movers, requires: ['lost_reason'], label: '客户拒绝', cancels: true },
} as const;

export const customerWorkflow = defineWorkflow({
  name: 'customer',
  initial: 'prospect',
  fieldLabels: { ...Object.fromEntries(FIELD_KEYS.map((k) => [k, FIELDS[k].label])), [FIRST_VISIT]: '首次拜访（请先用 /拜访 记录）' },
  states: {
    prospect: {
      label: '目标客户',
      on: { FIRST_VISIT: { to: 'contacted', roles: movers, requires: [FIRST_VISIT], label: '首次拜访' }, ...lose },
    },
    contacted: {
      label: '已拜访',
      deadlines: [RULES.needs_report],
      on: { START_NEEDS: { to: 'needs', roles: movers, label: '开始需求分析' }, ...lose },
    },
    needs: {
      label: '需求分析',
      on: { NEEDS_DONE: { to: 'solution', roles: movers, requires: ['requirement', 'decision_maker', 'procurement'], label: '需求确认，进入方案' }, ...lose },
    },
    solution: {
      label: '解决方案',
      deadlines: [RULES.solution, RULES.quote],
      on: {
        RECORD_QUOTE: { to: 'solution', roles: movers, requires: ['quote'], meets: [RULES.quote.step], label: '已报价' },
        SCHEDULE_DEMO: { to: 'demo', roles: movers, requires: ['solution_summary', 'quote', 'demo_at'], label: '安排方案演示' },
        ...lose,
      },
    },
    demo: {
      label: '方案演示',
      deadlines: [RULES.demo_prep],
      on: {
        RESCHEDULE_DEMO: { to: 'demo', roles: movers, requires: ['demo_at'], deadlines: [RULES.demo_prep], label: '演示改期' },
        DEMO_PREPARED: { to: 'demo', roles: movers, meets: [RULES.demo_prep.step], label: '演示准备完成' },
        SCHEDULE_NEGOTIATION: { to: 'negotiation', roles: movers, requires: ['demo_at', 'negotiation_at'], label: '演示完成，安排谈判' },
        ...lose,
      },
    },
    negotiation: {
      label: '商务谈判',
      deadlines: [RULES.negotiation_plan],
      on: {
        RESCHEDULE_NEGOTIATION: { to: 'negotiation', roles: movers, requires: ['negotiation_at'], deadlines: [RULES.negotiation_plan], label: '谈判改期' },
        PLAN_READY: { to: 'negotiation', roles: movers, meets: [RULES.negotiation_plan.step], label: '谈判方案已备好' },
        CONCLUDE: { to: 'contract', roles: movers, requires: ['result', 'price', 'payment_terms'], label: '谈判完成，进入合同' },
        ...lose,
      },
    },
    contract: {
      label: '合同签署',
      deadlines: [RULES.contract_draft],
      on: {
        CONFIRM_DRAFT: { to: 'contract', roles: movers, meets: [RULES.contract_draft.step], label: '合同草案已确认' },
        SIGN: { to: 'archived', roles: movers, label: '合同已签署' },
        ...lose,
      },
    },
    // Signed and filed as a customer (客户建档); visits and service go on, so not terminal.
    archived: { label: '客户建档' },
    lost: {
      label: '客户拒绝',
      on: { REOPEN: { to: 'prospect', roles: movers, label: '重新跟进' } },
    },
  },
});

/** Events fired by other commands, not offered as buttons (the first visit comes from /拜访). */
export const NOT_A_BUTTON = new Set(['FIRST_VISIT', ...BY_CONTRACT]);
