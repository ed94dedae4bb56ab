import type { Role } from '../../platform/roles';

/**
 * Every number and list the order rules use, in one place (SPEC: "everything numeric is a default
 * held as data"). The step deadlines themselves live in orders.workflow.ts, next to their states.
 */
export const ORDER_CONFIG = {
  /** Order numbers: DD-YYYYMMDD-NNN (订单). */
  numberPrefix: 'DD',
  /** 重要订单: an order of at least this amount (yuan) needs a supervisor's review before price confirmation. */
  importantAmount: 100_000,
  /** No 付款期限 given: payment is due this many calendar days after the due date (交期). */
  defaultPaymentDays: 30,
  /** A due date / payment date means "by this local time on that day" (the end of the default working day). */
  cutoffMinutes: 18 * 60,
  /** Who sees prices, amounts, payments and credit figures (besides the order's owner), in private chats only. */
  moneyRoles: ['supervisor', 'finance', 'gm'] as readonly Role[],
  /** Who may record a payment (besides the order's owner). */
  paymentRoles: ['finance', 'supervisor'] as readonly Role[],
  /** 下发: the departments that get the order card when it is distributed (PMC/采购/品质/财务). */
  distributeTo: ['pmc', 'quality', 'finance'] as readonly Role[],
  /**
   * Who may open any order (its card, history, progress and exceptions) besides its owner (SPEC §1
   * 信息保密): supervisors and the departments that work on orders. Another salesperson may not.
   */
  viewerRoles: ['supervisor', 'finance', 'pmc', 'engineering', 'quality', 'logistics', 'gm'] as readonly Role[],
  /** Weekly nudge: an in-production order without any progress note for this many days is "stalled". */
  stalledProgressDays: 3,
  /** Lines on /订单 列表 and on job cards; the rest are counted. */
  listLimit: 20,
  /** Latest notes on an order card, and history lines in its collapsible panel. */
  notesShown: 3,
  historyShown: 40,
  /** Entries per page of /订单 <编号> 历史: full notes (≤ 500 characters each) stay far under Feishu's 30 KB. */
  historyPageSize: 10,
} as const;
