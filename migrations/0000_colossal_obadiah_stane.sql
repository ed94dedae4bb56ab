CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text,
	`action` text NOT NULL,
	`subject_type` text,
	`subject_id` text,
	`from_state` text,
	`to_state` text,
	`outcome` text DEFAULT 'ok' NOT NULL,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `audit_subject_idx` ON `audit_log` (`subject_type`,`subject_id`,`id`);--> statement-breakpoint
CREATE TABLE `card_messages` (
	`card_key` text PRIMARY KEY NOT NULL,
	`message_id` text NOT NULL,
	`sent_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `chats` (
	`chat_id` text PRIMARY KEY NOT NULL,
	`chat_type` text NOT NULL,
	`name` text,
	`is_team` integer DEFAULT false NOT NULL,
	`bound_by` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `inbox_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`event_type` text NOT NULL,
	`dedupe_key` text,
	`payload` text NOT NULL,
	`received_at` integer NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`claimed_by` text,
	`claimed_until` integer,
	`processed_at` integer,
	`error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbox_dedupe_key_idx` ON `inbox_events` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `inbox_pending_idx` ON `inbox_events` (`status`,`received_at`);--> statement-breakpoint
CREATE TABLE `job_runs` (
	`job` text NOT NULL,
	`slot` text NOT NULL,
	`owner` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`status` text NOT NULL,
	`summary` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `job_runs_slot_idx` ON `job_runs` (`job`,`slot`);--> statement-breakpoint
CREATE INDEX `job_runs_started_idx` ON `job_runs` (`started_at`);--> statement-breakpoint
CREATE TABLE `outbox_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`receive_id` text,
	`receive_id_type` text,
	`message_id` text,
	`card_key` text,
	`msg_type` text NOT NULL,
	`content` text NOT NULL,
	`uuid` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`claimed_until` integer,
	`last_error` text,
	`result_message_id` text,
	`created_at` integer NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_uuid_idx` ON `outbox_messages` (`uuid`);--> statement-breakpoint
CREATE INDEX `outbox_due_idx` ON `outbox_messages` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `users` (
	`open_id` text PRIMARY KEY NOT NULL,
	`name` text,
	`role` text,
	`role_assigned_by` text,
	`hired_on` text,
	`name_fetched_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `deadlines` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text NOT NULL,
	`step` text NOT NULL,
	`label` text NOT NULL,
	`owner_open_id` text,
	`owner_role` text,
	`anchor_at` integer NOT NULL,
	`target_at` integer,
	`limit_at` integer,
	`remind_at` integer NOT NULL,
	`clock` text NOT NULL,
	`urgent` integer DEFAULT false NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`paused_at` integer,
	`paused_ms` integer DEFAULT 0 NOT NULL,
	`pause_reason` text,
	`met_at` integer,
	`met_delta_ms` integer,
	`breached_at` integer,
	`closed_at` integer,
	`next_action_at` integer,
	`created_at` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `deadlines_next_action_idx` ON `deadlines` (`next_action_at`);--> statement-breakpoint
CREATE INDEX `deadlines_subject_idx` ON `deadlines` (`subject_type`,`subject_id`,`status`);--> statement-breakpoint
CREATE INDEX `deadlines_owner_idx` ON `deadlines` (`owner_open_id`,`status`);--> statement-breakpoint
CREATE INDEX `deadlines_role_idx` ON `deadlines` (`owner_role`,`status`);--> statement-breakpoint
CREATE TABLE `reminder_ledger` (
	`key` text PRIMARY KEY NOT NULL,
	`deadline_id` integer,
	`kind` text NOT NULL,
	`recipient` text NOT NULL,
	`sent_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `reminder_ledger_deadline_idx` ON `reminder_ledger` (`deadline_id`);