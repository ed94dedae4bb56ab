import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { ms } from '../../platform/db/columns';


/** 客户档案 (SPEC §2): one row per customer, its pipeline stage and the stage's exit-criteria data. */
export const customers = sqliteTable(
  'customers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    grade: text('grade', { enum: ['A', 'B', 'C'] }).notNull().default('C'),
    important: integer('important', { mode: 'boolean' }).notNull().default(false),
    ownerOpenId: text('owner_open_id').notNull(),
    /** Pipeline state (SPEC §3.1): prospect … archived, lost. */
    state: text('state').notNull().default('prospect'),
    stateEnteredAt: ms('state_entered_at').notNull(),
    /** Exit criteria entered per stage (需求, 决策人, 方案摘要, 报价 …), keyed by field. */
    stageData: text('stage_data', { mode: 'json' }).$type<Record<string, string>>().notNull().default({}),
    contactName: text('contact_name'),
    phone: text('phone'),
    creditRating: text('credit_rating'),
    creditLimit: real('credit_limit'),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default([]),
    lastVisitAt: ms('last_visit_at'),
    /** Anchor of the needs-analysis clock (SPEC §3.1: 3 working days after the first visit). */
    firstVisitAt: ms('first_visit_at'),
    /** The next step agreed at the last visit (/拜访 … 下次=…). */
    nextStep: text('next_step'),
    /** When the negotiation concluded (CONCLUDE): the contract's 7-working-day signing limit counts from it. */
    negotiationConcludedAt: ms('negotiation_concluded_at'),
    /** Who developed the customer (KPI "new customers"); the owner may change by transfer. */
    createdByOpenId: text('created_by_open_id'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    uniqueIndex('customers_name_idx').on(t.name),
    index('customers_owner_idx').on(t.ownerOpenId, t.state),
    index('customers_created_idx').on(t.createdAt),
  ],
);

export type Customer = typeof customers.$inferSelect;

/** 客户拜访记录: time, place, participants, content, feedback, next step. */
export const visits = sqliteTable(
  'visits',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    /** The salesperson who made (and logged) the visit. */
    ownerOpenId: text('owner_open_id').notNull(),
    visitedAt: ms('visited_at').notNull(),
    place: text('place'),
    /** Colleagues who came along (the people @-mentioned in /拜访). */
    participants: text('participants', { mode: 'json' }).$type<string[]>().notNull().default([]),
    content: text('content').notNull(),
    feedback: text('feedback'),
    nextStep: text('next_step'),
    /** The visit plan this visit carried out, if any. */
    planId: integer('plan_id'),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [index('visits_customer_idx').on(t.customerId, t.visitedAt), index('visits_owner_idx').on(t.ownerOpenId, t.visitedAt)],
);

export type Visit = typeof visits.$inferSelect;

/** 拜访计划: planned visits, for the "visit plan executed ≥ 95 %" standard (SPEC §4). */
export const visitPlans = sqliteTable(
  'visit_plans',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    ownerOpenId: text('owner_open_id').notNull(),
    /** 'YYYY-MM-DD' in the business time zone. */
    plannedOn: text('planned_on').notNull(),
    note: text('note'),
    /** cancelled: the customer was lost (restored to planned on re-open while the day is ahead). */
    status: text('status', { enum: ['planned', 'done', 'cancelled'] }).notNull().default('planned'),
    visitId: integer('visit_id'),
    /** The day of the visit that carried the plan out ('YYYY-MM-DD'); on time when ≤ planned_on. */
    executedOn: text('executed_on'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [index('visit_plans_owner_idx').on(t.ownerOpenId, t.plannedOn), index('visit_plans_customer_idx').on(t.customerId, t.status)],
);

export type VisitPlan = typeof visitPlans.$inferSelect;

/**
 * 客户咨询记录 (SPEC §3.3): answer within 24 h (calendar), technical support within 4 working
 * hours. The id is the human number (ZX-20260309-001), so reminders name it.
 */
export const inquiries = sqliteTable(
  'inquiries',
  {
    id: text('id').primaryKey(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    /** Who must answer: the customer's owner. */
    ownerOpenId: text('owner_open_id').notNull(),
    createdByOpenId: text('created_by_open_id').notNull(),
    content: text('content').notNull(),
    technical: integer('technical', { mode: 'boolean' }).notNull().default(false),
    /** Workflow state: received → answered. */
    state: text('state').notNull().default('received'),
    receivedAt: ms('received_at').notNull(),
    answer: text('answer'),
    answeredByOpenId: text('answered_by_open_id'),
    answeredAt: ms('answered_at'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [index('inquiries_owner_idx').on(t.ownerOpenId, t.receivedAt), index('inquiries_customer_idx').on(t.customerId)],
);

export type Inquiry = typeof inquiries.$inferSelect;

/** 市场调研记录: one report per salesperson per quarter is expected (SPEC §3.1). */
export const marketResearch = sqliteTable(
  'market_research',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    authorOpenId: text('author_open_id').notNull(),
    /** 'YYYY-Qn' in the business time zone. */
    period: text('period').notNull(),
    content: text('content').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [index('market_research_author_idx').on(t.authorOpenId, t.period)],
);
