import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { customers } from '../customers';
import { ms } from '../../platform/db/columns';


/**
 * 合同 (SPEC §3.4): the current terms and where the approval stands. `revision` counts
 * submissions (a rejected contract revised and resubmitted is revision 2); `version` is the
 * optimistic lock every card button carries.
 */
export const contracts = sqliteTable(
  'contracts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** 合同编号 HT-YYYYMMDD-NNN. */
    number: text('number').notNull(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    submitterOpenId: text('submitter_open_id').notNull(),
    amount: real('amount').notNull(),
    /** 付款条件 */
    terms: text('terms'),
    /** 交期 (free text: a date or "收款后30天") */
    delivery: text('delivery'),
    /** 说明 */
    note: text('note'),
    /** 关联订单编号 (the orders module owns orders; only the number is kept here). */
    orderNumber: text('order_number'),
    state: text('state').notNull().default('draft'),
    revision: integer('revision').notNull().default(1),
    /** Approval level now waiting: 0 none, 1 supervisor, 2 gm. */
    level: integer('level').notNull().default(0),
    /** Since when the current level waits (reminders and escalation count from here). */
    levelSince: ms('level_since'),
    /** The negotiation the 7-day signing limit counts from (customer record, else submission). */
    negotiationAt: ms('negotiation_at').notNull(),
    /** 签署日期 'YYYY-MM-DD'. */
    signedOn: text('signed_on'),
    archivedAt: ms('archived_at'),
    crmEnteredAt: ms('crm_entered_at'),
    /** The form card a contract was submitted from: a second tap on the same form is refused. */
    formKey: text('form_key'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    uniqueIndex('contracts_number_idx').on(t.number),
    uniqueIndex('contracts_form_key_idx').on(t.formKey),
    index('contracts_state_idx').on(t.state, t.levelSince),
    index('contracts_submitter_idx').on(t.submitterOpenId, t.state),
  ],
);

/** Every submission as it was sent for approval: the history `/合同 <编号>` shows. */
export const contractVersions = sqliteTable(
  'contract_versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    contractId: integer('contract_id')
      .notNull()
      .references(() => contracts.id),
    revision: integer('revision').notNull(),
    amount: real('amount').notNull(),
    terms: text('terms'),
    delivery: text('delivery'),
    note: text('note'),
    orderNumber: text('order_number'),
    submittedBy: text('submitted_by').notNull(),
    submittedAt: ms('submitted_at').notNull(),
  },
  (t) => [uniqueIndex('contract_versions_rev_idx').on(t.contractId, t.revision)],
);

/**
 * One decision per contract, submission and level — the unique index is the last line of
 * defence behind the version lock. A deputy's decision names the supervisor it stands for.
 */
export const contractApprovals = sqliteTable(
  'contract_approvals',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    contractId: integer('contract_id')
      .notNull()
      .references(() => contracts.id),
    revision: integer('revision').notNull(),
    /** 1 supervisor, 2 gm. */
    level: integer('level').notNull(),
    decision: text('decision', { enum: ['approved', 'rejected'] }).notNull(),
    comment: text('comment'),
    deciderOpenId: text('decider_open_id').notNull(),
    /** The role the decision was made in ('supervisor' for a deputy too). */
    deciderRole: text('decider_role').notNull(),
    /** The supervisor a deputy decided for (代理审批), else NULL. */
    onBehalfOf: text('on_behalf_of'),
    decidedAt: ms('decided_at').notNull(),
  },
  (t) => [uniqueIndex('contract_approvals_once_idx').on(t.contractId, t.revision, t.level)],
);

/** 代理: a supervisor hands approvals to a deputy until the end of a day. */
export const contractDelegations = sqliteTable(
  'contract_delegations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    fromOpenId: text('from_open_id').notNull(),
    toOpenId: text('to_open_id').notNull(),
    /** Last day, 'YYYY-MM-DD' (inclusive). */
    untilDay: text('until_day').notNull(),
    /** End of that day in BUSINESS_TZ: the delegation is void from here. */
    untilAt: ms('until_at').notNull(),
    createdAt: ms('created_at').notNull(),
    revokedAt: ms('revoked_at'),
  },
  (t) => [index('contract_delegations_to_idx').on(t.toOpenId, t.untilAt), index('contract_delegations_from_idx').on(t.fromOpenId, t.untilAt)],
);

/** Every live card that shows a contract (approval cards, the submitter's status card): all are patched on a change. */
export const contractCards = sqliteTable(
  'contract_cards',
  {
    cardKey: text('card_key').primaryKey(),
    contractId: integer('contract_id')
      .notNull()
      .references(() => contracts.id),
    openId: text('open_id').notNull(),
    /** approval: shows the 批准/驳回 form while its round and level are the ones waiting; status: never. */
    kind: text('kind', { enum: ['approval', 'status'] }).notNull(),
    revision: integer('revision').notNull(),
    level: integer('level').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [index('contract_cards_contract_idx').on(t.contractId)],
);

export type Contract = typeof contracts.$inferSelect;
export type ContractVersion = typeof contractVersions.$inferSelect;
export type ContractApproval = typeof contractApprovals.$inferSelect;
export type ContractDelegation = typeof contractDelegations.$inferSelect;
