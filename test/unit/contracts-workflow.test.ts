/**
 * The contract workflow and its pure rules (SPEC §3.4, issue 7):
 * - every state × every event × every party: allowed exactly for the listed roles, to the listed
 *   state; otherwise INVALID_TRANSITION (no such event here) or NOT_ALLOWED (wrong party);
 *   a rejection without a comment and a signing without a date are MISSING_FIELDS;
 * - the two-level chain: at or below the gm threshold a supervisor's approval is final, above it
 *   the supervisor's approval forwards to pending_gm and only gm makes it final;
 * - deadlines: approval starts the signing clock (2 working days, hard limit 7 after the
 *   negotiation), signing starts archive (1 day) and CRM entry (2 days), each met by its step;
 * - delegation: a deputy decides as a supervisor on behalf of the delegator only while the
 *   delegation is in force and the delegator is still a supervisor; never at the gm level, never
 *   on their own or the delegator's contract; only a supervisor may delegate, not to themselves,
 *   not to someone without a role, not until a past day;
 * - silent approvers: first reminder after 4 working hours, then the same time each working day,
 *   escalation after 1 working day of working time; weekends and the National Day break do not
 *   count and do not pile up reminders;
 * - the negotiation anchor: the customer's concluded time, else its negotiation date, else the
 *   day it entered the contract stage, else the submission — never a time after the submission.
 */
import { describe, expect, it } from 'vitest';
import { ROLE_KEYS, type Role } from '../../src/platform/roles';
import { defaultCalendar } from '../../src/platform/sla/calendar';
import { dueTimes } from '../../src/platform/sla/due';
import { transition, type Party } from '../../src/platform/workflow/workflow';
import { contractsConfig } from '../../src/modules/contracts/contracts.config';
import { negotiationAnchor } from '../../src/modules/contracts/contracts.service';
import {
  approvalSchedule,
  authorityAt,
  CONTRACT_STATES,
  contractWorkflow,
  decisionEvent,
  delegationRefusal,
  levelOf,
  needsGm,
  workingDayMinutes,
  type Delegation,
} from '../../src/modules/contracts/contracts.workflow';

const sh = (local: string) => new Date(`${local}:00+08:00`);
const cal = defaultCalendar('Asia/Shanghai');
const now = sh('2026-11-16T10:00');

type Expect = { to: string; roles: Party[]; requires?: string[] };
const EXPECTED: Record<string, Record<string, Expect>> = {
  draft: { SUBMIT: { to: 'submitted', roles: ['owner'] } },
  submitted: {
    APPROVE: { to: 'approved', roles: ['supervisor'] },
    APPROVE_TO_GM: { to: 'pending_gm', roles: ['supervisor'] },
    REJECT: { to: 'rejected', roles: ['supervisor'], requires: ['comment'] },
  },
  pending_gm: {
    APPROVE: { to: 'approved', roles: ['gm'] },
    REJECT: { to: 'rejected', roles: ['gm'], requires: ['comment'] },
  },
  approved: { SIGN: { to: 'signed', roles: ['owner', 'supervisor'], requires: ['signed_on'] } },
  rejected: { REVISE: { to: 'submitted', roles: ['owner'] } },
  signed: { ARCHIVE: { to: 'archived', roles: ['owner', 'supervisor'] }, CRM_ENTER: { to: 'signed', roles: ['owner', 'supervisor'] } },
  archived: { CRM_ENTER: { to: 'archived', roles: ['owner', 'supervisor'] } },
};
const EVENTS = [...new Set(Object.values(EXPECTED).flatMap((e) => Object.keys(e)))];
/** Every party: each role as a non-owner, and a salesperson who owns the contract. */
const ACTORS: Array<{ party: Party; actor: { role: Role; isOwner: boolean } }> = [
  ...ROLE_KEYS.map((role) => ({ party: role as Party, actor: { role, isOwner: false } })),
  { party: 'owner', actor: { role: 'sales', isOwner: true } },
];
const FULL = { comment: '价格需再确认', signed_on: '2026-11-18' };

describe('contract workflow: every state × event × party', () => {
  it('has exactly the states of SPEC §3.4 plus the gm level', () => {
    expect(CONTRACT_STATES).toEqual(Object.keys(EXPECTED));
    expect(contractWorkflow.initial).toBe('draft');
  });

  it.each(Object.keys(EXPECTED))('in %s, each event moves only for its roles and is refused otherwise', (state) => {
    for (const event of EVENTS) {
      const exp = EXPECTED[state]![event];
      for (const { party, actor } of ACTORS) {
        const r = transition(contractWorkflow, state, event, { now, actor, data: FULL });
        const where = `${state} ${event} by ${party}`;
        if (!exp) expect(r, where).toEqual({ ok: false, code: 'INVALID_TRANSITION' });
        else if (exp.roles.includes(party)) expect(r.ok && r.to, where).toBe(exp.to);
        else expect(r, where).toEqual({ ok: false, code: 'NOT_ALLOWED' });
      }
    }
  });

  it('refuses a rejection without a comment and a signing without a date, naming the field', () => {
    for (const [state, events] of Object.entries(EXPECTED)) {
      for (const [event, exp] of Object.entries(events)) {
        const allowed = ACTORS.find((a) => exp.roles.includes(a.party))!.actor;
        const r = transition(contractWorkflow, state, event, { now, actor: allowed, data: { comment: '  ' } });
        if (exp.requires) expect(r, `${state} ${event}`).toEqual({ ok: false, code: 'MISSING_FIELDS', missing: exp.requires });
        else expect(r.ok, `${state} ${event}`).toBe(true);
      }
    }
  });
});

describe('two-level chain', () => {
  const T = contractsConfig.gmThreshold;

  it('makes a supervisor approval final at or below the threshold', () => {
    expect(needsGm(T)).toBe(false);
    expect(decisionEvent('submitted', 'approve', T)).toBe('APPROVE');
    expect(transition(contractWorkflow, 'submitted', 'APPROVE', { now, actor: { role: 'supervisor', isOwner: false } })).toMatchObject({ ok: true, to: 'approved' });
  });

  it('forwards a supervisor approval above the threshold to gm, where only gm makes it final', () => {
    expect(decisionEvent('submitted', 'approve', T + 0.01)).toBe('APPROVE_TO_GM');
    expect(levelOf('pending_gm')).toBe(2);
    expect(decisionEvent('pending_gm', 'approve', T + 1)).toBe('APPROVE');
    expect(transition(contractWorkflow, 'pending_gm', 'APPROVE', { now, actor: { role: 'supervisor', isOwner: false } })).toEqual({ ok: false, code: 'NOT_ALLOWED' });
    expect(transition(contractWorkflow, 'pending_gm', 'APPROVE', { now, actor: { role: 'gm', isOwner: false } })).toMatchObject({ ok: true, to: 'approved' });
  });

  it('rejects at either level and has nothing to decide outside the approval states', () => {
    expect(decisionEvent('submitted', 'reject', 1)).toBe('REJECT');
    expect(decisionEvent('pending_gm', 'reject', T + 1)).toBe('REJECT');
    for (const s of ['draft', 'approved', 'rejected', 'signed', 'archived']) {
      expect(levelOf(s)).toBe(0);
      expect(decisionEvent(s, 'approve', 1)).toBeUndefined();
    }
  });
});

describe('deadlines of SPEC §3.1 on the contract', () => {
  it('starts the signing clock on approval: 2 working days, hard limit 7 working days after the negotiation', () => {
    const r = transition(contractWorkflow, 'submitted', 'APPROVE', { now, actor: { role: 'supervisor', isOwner: false } });
    if (!r.ok) throw new Error('approve refused');
    const sign = r.enter.find((d) => d.step === 'sign')!;
    expect(sign).toMatchObject({ clock: 'working', owner: 'owner', limitAnchor: 'negotiation' });
    // Approved Monday 10:00, negotiated the Thursday before.
    const due = dueTimes(sign, now, cal, now, sh('2026-11-12T15:00'));
    expect(due.targetAt).toEqual(sh('2026-11-18T18:00'));
    expect(due.limitAt).toEqual(sh('2026-11-23T18:00'));
  });

  it('opens archive (1 day) and CRM entry (2 days) on signing; archiving and CRM entry meet them', () => {
    const sign = transition(contractWorkflow, 'approved', 'SIGN', { now, actor: { role: 'sales', isOwner: true }, data: FULL });
    if (!sign.ok) throw new Error('sign refused');
    expect(sign.leave).toEqual(['sign']);
    expect(sign.enter.map((d) => [d.step, d.target ?? d.limit])).toEqual([
      ['archive', { days: 1 }],
      ['crm_entry', { days: 2 }],
    ]);
    const archive = transition(contractWorkflow, 'signed', 'ARCHIVE', { now, actor: { role: 'sales', isOwner: true } });
    expect(archive.ok && archive.leave).toEqual(['archive']);
    for (const s of ['signed', 'archived']) {
      const crm = transition(contractWorkflow, s, 'CRM_ENTER', { now, actor: { role: 'supervisor', isOwner: false } });
      expect(crm.ok && [crm.to, crm.leave]).toEqual([s, ['crm_entry']]);
    }
  });
});

describe('delegation (代理)', () => {
  const boss = { openId: 'ou_boss', role: 'supervisor' as Role };
  const deputy = { openId: 'ou_dep', role: 'senior' as Role };
  const gm = { openId: 'ou_gm', role: 'gm' as Role };
  const supervisors = new Set(['ou_boss', 'ou_boss2']);
  const d = (o: Partial<Delegation> = {}): Delegation => ({ fromOpenId: 'ou_boss', toOpenId: 'ou_dep', createdAt: sh('2026-11-10T09:00'), untilAt: sh('2026-11-21T00:00'), revokedAt: null, ...o });
  const ask = (level: 0 | 1 | 2, actor: { openId: string; role: Role | null }, delegations: Delegation[], o: { submitter?: string; at?: Date } = {}) =>
    authorityAt(level, actor, { submitter: o.submitter ?? 'ou_li', delegations, isSupervisor: (id) => supervisors.has(id), now: o.at ?? now });

  it('lets a supervisor decide level 1 and gm decide level 2 in their own name', () => {
    expect(ask(1, boss, [])).toEqual({ role: 'supervisor' });
    expect(ask(2, gm, [])).toEqual({ role: 'gm' });
    expect(ask(2, boss, [])).toBeNull();
    expect(ask(1, gm, [])).toBeNull();
    expect(ask(0, boss, [])).toBeNull();
  });

  it('lets a deputy decide level 1 as a supervisor on behalf of the delegator while the delegation is in force', () => {
    expect(ask(1, deputy, [d()])).toEqual({ role: 'supervisor', onBehalfOf: 'ou_boss' });
    expect(ask(1, deputy, [d()], { at: sh('2026-11-20T23:59') })).not.toBeNull();
  });

  it('refuses a deputy after the last day, before the delegation was made, after it was revoked, or at the gm level', () => {
    expect(ask(1, deputy, [d()], { at: sh('2026-11-21T00:00') })).toBeNull();
    expect(ask(1, deputy, [d()], { at: sh('2026-11-09T12:00') })).toBeNull();
    expect(ask(1, deputy, [d({ revokedAt: sh('2026-11-12T09:00') })])).toBeNull();
    expect(ask(2, deputy, [d()])).toBeNull();
  });

  it('voids a delegation whose delegator is no longer a supervisor, and picks the earliest valid one', () => {
    expect(ask(1, deputy, [d({ fromOpenId: 'ou_former' })])).toBeNull();
    const later = d({ fromOpenId: 'ou_boss2', createdAt: sh('2026-11-11T09:00') });
    expect(ask(1, deputy, [later, d()])).toEqual({ role: 'supervisor', onBehalfOf: 'ou_boss' });
  });

  it('never lets anyone decide on their own contract, nor a deputy on the delegator’s', () => {
    expect(ask(1, boss, [], { submitter: 'ou_boss' })).toBeNull();
    expect(ask(1, deputy, [d()], { submitter: 'ou_dep' })).toBeNull();
    expect(ask(1, deputy, [d()], { submitter: 'ou_boss' })).toBeNull();
  });

  it('lets only a supervisor delegate, to someone else with a role, until today or later', () => {
    expect(delegationRefusal(boss, deputy, '2026-11-20', '2026-11-16')).toBeUndefined();
    expect(delegationRefusal(boss, deputy, '2026-11-16', '2026-11-16')).toBeUndefined();
    expect(delegationRefusal({ openId: 'ou_li', role: 'sales' }, deputy, '2026-11-20', '2026-11-16')).toContain('只有主管');
    expect(delegationRefusal(boss, boss, '2026-11-20', '2026-11-16')).toContain('自己');
    expect(delegationRefusal(boss, { openId: 'ou_x', role: null }, '2026-11-20', '2026-11-16')).toContain('角色');
    expect(delegationRefusal(boss, deputy, '2026-11-15', '2026-11-16')).toContain('已经过去');
  });
});

describe('silent approvers', () => {
  const since = sh('2026-11-16T10:00'); // Monday
  const at = (t: string) => approvalSchedule(since, sh(t), cal);

  it('counts a working day as the configured working hours (09:00–12:00, 13:30–18:00 = 7.5 h)', () => {
    expect(workingDayMinutes(cal)).toBe(450);
  });

  it('reminds first after 4 working hours, then at the same time each working day', () => {
    expect(at('2026-11-16T15:29').reminder).toBeNull();
    expect(at('2026-11-16T15:30')).toMatchObject({ reminder: 0, nextReminderAt: sh('2026-11-17T15:30') });
    expect(at('2026-11-17T15:29').reminder).toBe(0);
    expect(at('2026-11-17T15:30').reminder).toBe(1);
  });

  it('escalates after 1 working day of waiting', () => {
    expect(at('2026-11-17T09:59')).toMatchObject({ escalate: false, escalateAt: sh('2026-11-17T10:00') });
    expect(at('2026-11-17T10:00').escalate).toBe(true);
  });

  it('does not count the weekend', () => {
    const fri = approvalSchedule(sh('2026-11-20T16:00'), sh('2026-11-23T10:59'), cal);
    expect(fri.reminder).toBeNull();
    expect(fri.nextReminderAt).toEqual(sh('2026-11-23T11:00'));
    expect(fri.escalateAt).toEqual(sh('2026-11-23T16:00'));
  });

  it('does not pile up reminders over the National Day break', () => {
    const s = approvalSchedule(sh('2026-09-30T10:00'), sh('2026-10-08T09:30'), cal);
    expect(s.reminder).toBe(0);
    expect(s.escalate).toBe(false);
    expect(s.escalateAt).toEqual(sh('2026-10-08T10:00'));
  });

  it('takes its thresholds from the config', () => {
    const s = approvalSchedule(since, sh('2026-11-16T11:00'), cal, { remindAfterHours: 1, remindEveryWorkingDays: 1, escalateAfterWorkingDays: 2 });
    expect(s.reminder).toBe(0);
    expect(s.escalateAt).toEqual(sh('2026-11-18T10:00'));
  });
});

describe('negotiation anchor of the signing limit', () => {
  const submitted = sh('2026-11-16T10:00');
  const base = { stageData: {}, state: 'negotiation', stateEnteredAt: sh('2026-11-01T10:00') };

  it('uses the customer’s concluded time, else its negotiation date, else entering the contract stage', () => {
    expect(negotiationAnchor({ ...base, negotiationConcludedAt: sh('2026-11-12T15:00'), stageData: { negotiation_at: '2026-11-10' } }, submitted, 'Asia/Shanghai')).toEqual(sh('2026-11-12T15:00'));
    expect(negotiationAnchor({ ...base, stageData: { negotiation_at: '2026-11-10' } }, submitted, 'Asia/Shanghai')).toEqual(sh('2026-11-10T00:00'));
    expect(negotiationAnchor({ ...base, state: 'contract' }, submitted, 'Asia/Shanghai')).toEqual(sh('2026-11-01T10:00'));
  });

  it('falls back to the submission, and never uses a negotiation after it', () => {
    expect(negotiationAnchor(base, submitted, 'Asia/Shanghai')).toEqual(submitted);
    expect(negotiationAnchor({ ...base, stageData: { negotiation_at: '2026-12-01' } }, submitted, 'Asia/Shanghai')).toEqual(submitted);
  });
});
