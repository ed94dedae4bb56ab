import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { ms, json } from './columns';


/** Feishu users the bot has seen, with their department role (SPEC §1). */
export const users = sqliteTable('users', {
  openId: text('open_id').primaryKey(),
  name: text('name'),
  role: text('role'),
  roleAssignedBy: text('role_assigned_by'),
  hiredOn: text('hired_on'),
  nameFetchedAt: ms('name_fetched_at'),
  createdAt: ms('created_at').notNull(),
  updatedAt: ms('updated_at').notNull(),
});

/** Chats the bot is in; one of them may be bound as the department's team chat. */
export const chats = sqliteTable('chats', {
  chatId: text('chat_id').primaryKey(),
  chatType: text('chat_type').notNull(),
  name: text('name'),
  isTeam: integer('is_team', { mode: 'boolean' }).notNull().default(false),
  boundBy: text('bound_by'),
  createdAt: ms('created_at').notNull(),
});

/** Append-only: every state change and every refusal (who, when, from, to, why). */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: ms('at').notNull(),
    actor: text('actor'),
    action: text('action').notNull(),
    subjectType: text('subject_type'),
    subjectId: text('subject_id'),
    fromState: text('from_state'),
    toState: text('to_state'),
    outcome: text('outcome').notNull().default('ok'),
    detail: json<Record<string, unknown>>('detail'),
  },
  (t) => [index('audit_subject_idx').on(t.subjectType, t.subjectId, t.id)],
);

/** Durable inbox: committed before the 2xx, processed after it (FEISHU.md §1.7). */
export const inboxEvents = sqliteTable(
  'inbox_events',
  {
    eventId: text('event_id').primaryKey(),
    eventType: text('event_type').notNull(),
    /** message_id for messages: Feishu may re-deliver one message under a new event_id. */
    dedupeKey: text('dedupe_key'),
    payload: text('payload').notNull(),
    receivedAt: ms('received_at').notNull(),
    status: text('status', { enum: ['pending', 'processing', 'done', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    claimedBy: text('claimed_by'),
    claimedUntil: ms('claimed_until'),
    processedAt: ms('processed_at'),
    error: text('error'),
  },
  (t) => [
    uniqueIndex('inbox_dedupe_key_idx').on(t.dedupeKey),
    index('inbox_pending_idx').on(t.status, t.receivedAt),
  ],
);

/** Durable outbox: written in the same transaction as the change that causes it. */
export const outboxMessages = sqliteTable(
  'outbox_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ['send', 'reply', 'patch', 'card_update', 'file'] }).notNull(),
    /** send: open_id or chat_id; reply/patch: ignored. */
    receiveId: text('receive_id'),
    receiveIdType: text('receive_id_type'),
    /** reply: the message replied to; patch: the message to update (when known). */
    messageId: text('message_id'),
    /** Names a live card ("order:12@oc_x"): a send records its message id here, a patch looks it up. */
    cardKey: text('card_key'),
    msgType: text('msg_type').notNull(),
    content: text('content').notNull(),
    /** Feishu's idempotency field: a retry never posts twice. */
    uuid: text('uuid').notNull(),
    status: text('status', { enum: ['pending', 'sending', 'sent', 'dead'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ms('next_attempt_at').notNull(),
    claimedUntil: ms('claimed_until'),
    lastError: text('last_error'),
    resultMessageId: text('result_message_id'),
    createdAt: ms('created_at').notNull(),
    sentAt: ms('sent_at'),
  },
  (t) => [
    uniqueIndex('outbox_uuid_idx').on(t.uuid),
    index('outbox_due_idx').on(t.status, t.nextAttemptAt),
  ],
);

/** Live cards: which message shows a record in which chat, so changes PATCH it in place. */
export const cardMessages = sqliteTable('card_messages', {
  cardKey: text('card_key').primaryKey(),
  messageId: text('message_id').notNull(),
  sentAt: ms('sent_at').notNull(),
});

/** A job run for one scheduled moment: the lease that keeps two servers from running it twice. */
export const jobRuns = sqliteTable(
  'job_runs',
  {
    job: text('job').notNull(),
    slot: text('slot').notNull(),
    owner: text('owner').notNull(),
    startedAt: ms('started_at').notNull(),
    finishedAt: ms('finished_at'),
    status: text('status', { enum: ['running', 'ok', 'failed'] }).notNull(),
    summary: text('summary'),
  },
  (t) => [uniqueIndex('job_runs_slot_idx').on(t.job, t.slot), index('job_runs_started_idx').on(t.startedAt)],
);

/** Small key/value settings changed at run time by admins (e.g. calendar overrides). */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: json<unknown>('value').notNull(),
  updatedAt: ms('updated_at').notNull().default(sql`(unixepoch() * 1000)`),
});

/** Human-facing record numbers (DD-20261204-001): one counter per prefix and day. */
export const counters = sqliteTable('counters', {
  key: text('key').primaryKey(),
  value: integer('value').notNull(),
});
