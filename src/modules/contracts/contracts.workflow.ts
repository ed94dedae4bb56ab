/**
 * The contract workflow as data (SPEC §3.4) and the pure rules around it: which event an
 * approval click fires (the two-level chain), who may decide at a level (roles and 代理), and
 * when a silent approver is reminded or escalated. Nothing here touches the database.
 */
import type { Role } from '../../platform/roles';
import { addDuration, type CalendarConfig } from '../../platform/sla/calendar';
import { parseHm } from '../../platform/time';
import { defineWorkflow, type DeadlineRule } from '../../platform/workflow/workflow';
import { contractsConfig, type ContractsConfig } from './contracts.config';

const W = 'working' as const;
const { deadlines: D } = contractsConfig;

/** The SIGN event starts the CRM-entry clock; it outlives `signed` and is met by CRM_ENTER. */
const crmEntry: DeadlineRule = { step: 'crm_entry', label: 'CRM 录入', limit: { days: D.crmDays }, clock: W, owner: 'owner' };
const crmEnter = { to: 'archived', roles: ['owner', 'supervisor'], label: '已录入 CRM', meets: ['crm_entry'] } as const;

export const contractWorkflow = defineWorkflow({
  name: 'contract',
  initial: 'draft',
  fieldLabels: { comment: '审批意见', signed_on: '签署日期' },
  states: {
    draft: { label: '草稿', on: { SUBMIT: { to: 'submitted', roles: ['owner'], label: '提交审批' } } },
    submitted: {
      label: '待主管审批',
      on: {
        APPROVE: { to: 'approved', roles: ['supervisor'], label: '批准' },
        APPROVE_TO_GM: { to: 'pending_gm', roles: ['supervisor'], label: '批准并转总经办' },
        REJECT: { to: 'rejected', roles: ['supervisor'], label: '驳回', requires: ['comment'] },
      },
    },
    pending_gm: {
      label: '待总经办审批',
      on: {
        APPROVE: { to: 'approved', roles: ['gm'], label: '批准' },
        REJECT: { to: 'rejected', roles: ['gm'], label: '驳回', requires: ['comment'] },
      },
    },
    approved: {
      label: '已批准，待签署',
      deadlines: [
        // "Signed within 2 days of the confirmed draft; hard limit 7 days after the negotiation" (SPEC §3.1).
        { step: 'sign', label: '合同签署', target: { days: D.signDays }, limit: { days: D.signLimitDaysAfterNegotiation }, limitAnchor: 'negotiation', clock: W, owner: 'owner' },
      ],
      on: { SIGN: { to: 'signed', roles: ['owner', 'supervisor'], label: '签署', requires: ['signed_on'], deadlines: [crmEntry] } },
    },
    rejected: { label: '已驳回', on: { REVISE: { to: 'submitted', roles: ['owner'], label: '修改后重新提交' } } },
    signed: {
      label: '已签署，待归档',
      deadlines: [{ step: 'archive', label: '合同归档', target: { days: D.archiveDays }, clock: W, owner: 'owner' }],
      on: { ARCHIVE: { to: 'archived', roles: ['owner', 'supervisor'], label: '归档' }, CRM_ENTER: { ...crmEnter, to: 'signed' } },
    },
    archived: { label: '已归档', on: { CRM_ENTER: crmEnter } },
  },
});

export type ContractState = keyof typeof contractWorkflow.states;
export const CONTRACT_STATES = Object.keys(contractWorkflow.states) as ContractState[];

// ---------------------------------------------------------------------------------------------
// The two-level chain

/** Approval level a state waits on: 1 supervisor, 2 gm, 0 none. */
export const levelOf = (state: string): 0 | 1 | 2 => (state === 'submitted' ? 1 : state === 'pending_gm' ? 2 : 0);

/** The role that decides at a level. */
export const LEVEL_ROLE: Record<1 | 2, Role> = { 1: 'supervisor', 2: 'gm' };

/** Above the threshold the supervisor's approval is not final: it forwards to gm. */
export const needsGm = (amount: number, cfg: Pick<ContractsConfig, 'gmThreshold'> = contractsConfig) => amount > cfg.gmThreshold;

/** The workflow event a 批准 / 驳回 click fires in a state (undefined: nothing to decide there). */
export function decisionEvent(state: string, decision: 'approve' | 'reject', amount: number, cfg: Pick<ContractsConfig, 'gmThreshold'> = contractsConfig): string | undefined {
  const level = levelOf(state);
  if (level === 0) return undefined;
  if (decision === 'reject') return 'REJECT';
  return level === 1 && needsGm(amount, cfg) ? 'APPROVE_TO_GM' : 'APPROVE';
}

// ---------------------------------------------------------------------------------------------
// Who may decide: the role itself, or a supervisor's deputy (代理)

export interface Delegation {
  fromOpenId: string;
  toOpenId: string;
  createdAt: Date;
  untilAt: Date;
  revokedAt: Date | null;
}

export interface Authority {
  /** The role the decision is made in. */
  role: Role;
  /** The supervisor a deputy stands for. */
  onBehalfOf?: string;
}

/** A delegation counts from its creation until the end of its last day, unless revoked. */
export const delegationActive = (d: Delegation, now: Date) => !d.revokedAt && d.createdAt.getTime() <= now.getTime() && now.getTime() < d.untilAt.getTime();

/**
 * Who `actor` may decide as at `level`. Level 1: a supervisor, or the deputy of someone who is
 * still a supervisor (the earliest such delegation). Level 2: gm only — 代理 covers supervisor
 * approvals, not the gm's. Nobody decides on a contract they submitted.
 */
export function authorityAt(
  level: 0 | 1 | 2,
  actor: { openId: string; role: Role | null },
  o: { submitter: string; delegations: readonly Delegation[]; isSupervisor: (openId: string) => boolean; now: Date },
): Authority | null {
  if (level === 0 || actor.openId === o.submitter) return null;
  if (actor.role === LEVEL_ROLE[level]) return { role: actor.role };
  if (level !== 1) return null;
  const d = o.delegations
    .filter((x) => x.toOpenId === actor.openId && x.fromOpenId !== o.submitter && delegationActive(x, o.now) && o.isSupervisor(x.fromOpenId))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())[0];
  return d ? { role: 'supervisor', onBehalfOf: d.fromOpenId } : null;
}

/** Whether a delegation may be made: supervisor → someone else who has a role, until a day not yet past. */
export function delegationRefusal(from: { openId: string; role: Role | null }, to: { openId: string; role: Role | null }, untilDay: string, today: string): string | undefined {
  if (from.role !== 'supervisor') return '只有主管可以设置代理审批。';
  if (to.openId === from.openId) return '不能把审批代理给自己。';
  if (to.role === null) return '对方还没有角色，请管理员先用 /角色 绑定后再设置代理。';
  if (untilDay < today) return `结束日期 ${untilDay} 已经过去了。`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Silent approvers

/** Working minutes in one working day of the calendar (09:00–12:00 + 13:30–18:00 = 450). */
export const workingDayMinutes = (cal: CalendarConfig) => cal.workHours.reduce((n, [s, e]) => n + parseHm(e) - parseHm(s), 0);

export interface ApprovalSchedule {
  /** Index of the latest reminder due by `now` (0 = the first), or null when none is due yet. */
  reminder: number | null;
  /** When reminder number `reminder + 1` falls due. */
  nextReminderAt: Date;
  escalateAt: Date;
  escalate: boolean;
}

/**
 * Reminders at `remindAfterHours` working hours after the request and then every
 * `remindEveryWorkingDays` (the same time on the next working day); escalation after
 * `escalateAfterWorkingDays` of working time. All on the working clock.
 */
export interface ApprovalThresholds {
  remindAfterHours: number;
  remindEveryWorkingDays: number;
  escalateAfterWorkingDays: number;
}

export function approvalSchedule(since: Date, now: Date, cal: CalendarConfig, cfg: ApprovalThresholds = contractsConfig.approval): ApprovalSchedule {
  const day = workingDayMinutes(cal);
  const at = (minutes: number) => addDuration(since, { minutes }, 'working', cal);
  const first = cfg.remindAfterHours * 60;
  const every = Math.max(1, cfg.remindEveryWorkingDays * day);
  const escalateAt = at(cfg.escalateAfterWorkingDays * day);
  let reminder: number | null = null;
  let next = at(first);
  // Count only working time elapsed: a week's holiday does not pile up five reminders.
  for (let k = 0; next.getTime() <= now.getTime() && k < 10_000; k++) {
    reminder = k;
    next = at(first + (k + 1) * every);
  }
  return { reminder, nextReminderAt: next, escalateAt, escalate: now.getTime() >= escalateAt.getTime() };
}
