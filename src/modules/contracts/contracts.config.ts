/**
 * Every number of the contract flow in one place (SPEC §3.4, issue 7). Defaults, not logic:
 * change them here and the workflow, the cards and the approval sweep follow.
 */
export const contractsConfig = {
  /** Contracts ABOVE this amount (yuan) need a second approval by 总经办 (gm) after the supervisor. */
  gmThreshold: 500_000,
  /** Silent approvers (the `contracts.approvals` job). Counted in working time from the request. */
  approval: {
    /** First reminder after this many working hours of waiting. */
    remindAfterHours: 4,
    /** Then again every N working days (same time of day on the next working day). */
    remindEveryWorkingDays: 1,
    /** A supervisor-level approval still pending after this many working days is escalated to gm. */
    escalateAfterWorkingDays: 1,
  },
  /** SPEC §3.1 deadlines, working days. */
  deadlines: {
    /** Signed within N working days of the approval (the confirmed draft) … */
    signDays: 2,
    /** … and at most N working days after the negotiation. */
    signLimitDaysAfterNegotiation: 7,
    /** Archived within N working days of signing. */
    archiveDays: 1,
    /** CRM entry: hard limit N working days after signing (the day after the archive). */
    crmDays: 2,
  },
  /** Rows in /合同 列表 and /合同 待审. */
  listLimit: 20,
  /** Longest approval comment and free-text field. */
  commentMax: 500,
  textMax: 200,
} as const;

export type ContractsConfig = typeof contractsConfig;
