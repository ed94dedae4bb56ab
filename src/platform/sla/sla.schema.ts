import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { ms } from '../db/columns';


export type DeadlineStatus = 'open' | 'met' | 'breached' | 'cancelled' | 'paused';

/**
 * One clock per workflow step (SPEC §3): who owes what by when. `next_action_at` is the only
 * thing the sweep looks at — NULL once nothing is left to do (met, cancelled, paused), so a
 * sweep's cost follows the due items, not the size of the table.
 */
export const deadlines = sqliteTable(
  'deadlines',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    step: text('step').notNull(),
    label: text('label').notNull(),
    /** A person (the record's owner), or NULL when the step belongs to everyone with `owner_role`. */
    ownerOpenId: text('owner_open_id'),
    ownerRole: text('owner_role'),
    anchorAt: ms('anchor_at').notNull(),
    targetAt: ms('target_at'),
    limitAt: ms('limit_at'),
    /** When the owner is reminded: the target, or 80 % of the way to the limit. Shifted by pauses. */
    remindAt: ms('remind_at').notNull(),
    clock: text('clock', { enum: ['calendar', 'working'] }).notNull(),
    urgent: integer('urgent', { mode: 'boolean' }).notNull().default(false),
    status: text('status', { enum: ['open', 'met', 'breached', 'cancelled', 'paused'] }).notNull().default('open'),
    pausedAt: ms('paused_at'),
    /** Total paused time, on the rule's clock. */
    pausedMs: integer('paused_ms').notNull().default(0),
    pauseReason: text('pause_reason'),
    metAt: ms('met_at'),
    /** met_at − target (or limit) on the rule's clock: negative = early. Read by the KPI module. */
    metDeltaMs: integer('met_delta_ms'),
    /** The limit time, not the time the sweep noticed. */
    breachedAt: ms('breached_at'),
    closedAt: ms('closed_at'),
    nextActionAt: ms('next_action_at'),
    createdAt: ms('created_at').notNull(),
    /** Bumped by user-visible changes (meet, snooze, pause …): a click on an older card is refused. */
    version: integer('version').notNull().default(1),
  },
  (t) => [
    index('deadlines_next_action_idx').on(t.nextActionAt),
    index('deadlines_subject_idx').on(t.subjectType, t.subjectId, t.status),
    index('deadlines_owner_idx').on(t.ownerOpenId, t.status),
    index('deadlines_role_idx').on(t.ownerRole, t.status),
  ],
);

/**
 * Every reminder, breach escalation and digest ever queued. The key names one occurrence
 * (deadline, kind, recipient, moment), so a second sweep — in this process or another — finds it
 * taken and sends nothing.
 */
export const reminderLedger = sqliteTable(
  'reminder_ledger',
  {
    key: text('key').primaryKey(),
    deadlineId: integer('deadline_id'),
    kind: text('kind', { enum: ['remind', 'breach', 'digest', 'nudge'] }).notNull(),
    recipient: text('recipient').notNull(),
    sentAt: ms('sent_at').notNull(),
  },
  (t) => [index('reminder_ledger_deadline_idx').on(t.deadlineId)],
);

export type DeadlineRow = typeof deadlines.$inferSelect;
