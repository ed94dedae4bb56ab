import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { customers } from '../customers';
import { ms } from '../../platform/db/columns';


/** Cause categories of a complaint (SPEC §3.3, §5); labels and cost shares live in complaints.workflow.ts. */
export const CAUSE_KEYS = ['service', 'product', 'communication', 'other'] as const;
export type CauseKey = (typeof CAUSE_KEYS)[number];

/**
 * 客户投诉 (SPEC §3.3). One row per complaint; every step is also an audit_log row
 * (subject_type 'complaint'), which is the complaint's history. Re-opening overwrites the
 * step columns; the earlier values stay in the audit log.
 */
export const complaints = sqliteTable(
  'complaints',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** TS-20261204-001 */
    number: text('number').notNull(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    /** The order it is about (DD-20261204-001), as text: the orders module is not imported. */
    orderNumber: text('order_number'),
    content: text('content').notNull(),
    urgent: integer('urgent', { mode: 'boolean' }).notNull().default(false),
    /** The customer's owner when the complaint came in: owns the clocks, may act as 'owner'. */
    ownerOpenId: text('owner_open_id').notNull(),
    reportedBy: text('reported_by').notNull(),
    /** Chat where it was logged (its card lives there). */
    chatId: text('chat_id'),
    state: text('state').notNull().default('received'),
    /** When the customer's complaint reached us (the message time), not when the row was written. */
    receivedAt: ms('received_at').notNull(),
    /** First response (受理). */
    acknowledgedAt: ms('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
    investigatedAt: ms('investigated_at'),
    cause: text('cause', { enum: CAUSE_KEYS }),
    responsibleOpenId: text('responsible_open_id'),
    loss: real('loss'),
    findings: text('findings'),
    resolvedAt: ms('resolved_at'),
    action: text('action'),
    closedAt: ms('closed_at'),
    feedback: text('feedback'),
    satisfaction: integer('satisfaction'),
    /** Cost allocation (SPEC §5), computed at closing; confidential (DM to supervisors and the bearer only). */
    allocationOpenId: text('allocation_open_id'),
    allocationShare: real('allocation_share'),
    allocationAmount: real('allocation_amount'),
    reopenCount: integer('reopen_count').notNull().default(0),
    /** The form card it was submitted from (`form:<event id>`): a second submission of one form is refused. */
    formKey: text('form_key'),
    createdAt: ms('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    uniqueIndex('complaints_number_idx').on(t.number),
    index('complaints_state_idx').on(t.state, t.receivedAt),
    index('complaints_owner_idx').on(t.ownerOpenId, t.state),
    index('complaints_customer_idx').on(t.customerId),
    uniqueIndex('complaints_form_key_idx').on(t.formKey),
  ],
);

/**
 * 客户满意度调查: one score 1–5 per survey; closing a complaint also records one (source 'complaint'),
 * one row per complaint — closing it again after a reopen replaces the score.
 */
export const satisfactionSurveys = sqliteTable(
  'satisfaction_surveys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    /** The customer's owner at the time: the person this score counts for in KPIs. */
    ownerOpenId: text('owner_open_id').notNull(),
    score: integer('score').notNull(),
    comment: text('comment'),
    source: text('source', { enum: ['survey', 'complaint'] }).notNull().default('survey'),
    complaintId: integer('complaint_id'),
    recordedBy: text('recorded_by').notNull(),
    surveyedAt: ms('surveyed_at').notNull(),
  },
  (t) => [
    index('satisfaction_surveys_at_idx').on(t.surveyedAt),
    index('satisfaction_surveys_customer_idx').on(t.customerId, t.surveyedAt),
    uniqueIndex('satisfaction_surveys_complaint_idx').on(t.complaintId),
  ],
);

/** 紧急问题 (/紧急): handled within 2 h, reminded and escalated even in quiet hours. */
export const urgentIssues = sqliteTable(
  'urgent_issues',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** JJ-20261204-001 */
    number: text('number').notNull(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    content: text('content').notNull(),
    ownerOpenId: text('owner_open_id').notNull(),
    reportedBy: text('reported_by').notNull(),
    chatId: text('chat_id'),
    state: text('state').notNull().default('open'),
    receivedAt: ms('received_at').notNull(),
    handledAt: ms('handled_at'),
    handledBy: text('handled_by'),
    result: text('result'),
    createdAt: ms('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [uniqueIndex('urgent_issues_number_idx').on(t.number), index('urgent_issues_state_idx').on(t.state)],
);

/**
 * Follow-ups other modules schedule (a quality follow-up a month after delivery). The daily
 * `complaints.service-clocks` job turns a due row into an SLA clock for the customer's owner.
 */
export const followUps = sqliteTable(
  'follow_ups',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ['quality'] }).notNull().default('quality'),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    orderNumber: text('order_number'),
    /** Who follows up; NULL = the customer's owner when the clock opens. */
    ownerOpenId: text('owner_open_id'),
    deliveredAt: ms('delivered_at').notNull(),
    dueAt: ms('due_at').notNull(),
    status: text('status', { enum: ['scheduled', 'open', 'done', 'cancelled'] }).notNull().default('scheduled'),
    note: text('note'),
    doneAt: ms('done_at'),
    doneBy: text('done_by'),
    createdAt: ms('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [index('follow_ups_due_idx').on(t.status, t.dueAt), uniqueIndex('follow_ups_order_idx').on(t.kind, t.orderNumber)],
);

export type Complaint = typeof complaints.$inferSelect;
export type SatisfactionSurvey = typeof satisfactionSurveys.$inferSelect;
export type UrgentIssue = typeof urgentIssues.$inferSelect;
export type FollowUp = typeof followUps.$inferSelect;
