import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const ms = (name: string) => integer(name, { mode: 'timestamp_ms' });

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
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [uniqueIndex('customers_name_idx').on(t.name), index('customers_owner_idx').on(t.ownerOpenId, t.state)],
);

export type Customer = typeof customers.$inferSelect;
