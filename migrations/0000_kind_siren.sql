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
CREATE TABLE `counters` (
	`key` text PRIMARY KEY NOT NULL,
	`value` integer NOT NULL
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
CREATE INDEX `reminder_ledger_deadline_idx` ON `reminder_ledger` (`deadline_id`);--> statement-breakpoint
CREATE TABLE `complaints` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`number` text NOT NULL,
	`customer_id` integer NOT NULL,
	`order_number` text,
	`content` text NOT NULL,
	`urgent` integer DEFAULT false NOT NULL,
	`owner_open_id` text NOT NULL,
	`reported_by` text NOT NULL,
	`chat_id` text,
	`state` text DEFAULT 'received' NOT NULL,
	`received_at` integer NOT NULL,
	`acknowledged_at` integer,
	`acknowledged_by` text,
	`investigated_at` integer,
	`cause` text,
	`responsible_open_id` text,
	`loss` real,
	`findings` text,
	`resolved_at` integer,
	`action` text,
	`closed_at` integer,
	`feedback` text,
	`satisfaction` integer,
	`allocation_open_id` text,
	`allocation_share` real,
	`allocation_amount` real,
	`reopen_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `complaints_number_idx` ON `complaints` (`number`);--> statement-breakpoint
CREATE INDEX `complaints_state_idx` ON `complaints` (`state`,`received_at`);--> statement-breakpoint
CREATE INDEX `complaints_owner_idx` ON `complaints` (`owner_open_id`,`state`);--> statement-breakpoint
CREATE INDEX `complaints_customer_idx` ON `complaints` (`customer_id`);--> statement-breakpoint
CREATE TABLE `follow_ups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text DEFAULT 'quality' NOT NULL,
	`customer_id` integer NOT NULL,
	`order_number` text,
	`owner_open_id` text,
	`delivered_at` integer NOT NULL,
	`due_at` integer NOT NULL,
	`status` text DEFAULT 'scheduled' NOT NULL,
	`note` text,
	`done_at` integer,
	`done_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `follow_ups_due_idx` ON `follow_ups` (`status`,`due_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `follow_ups_order_idx` ON `follow_ups` (`kind`,`order_number`);--> statement-breakpoint
CREATE TABLE `satisfaction_surveys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`customer_id` integer NOT NULL,
	`owner_open_id` text NOT NULL,
	`score` integer NOT NULL,
	`comment` text,
	`source` text DEFAULT 'survey' NOT NULL,
	`complaint_id` integer,
	`recorded_by` text NOT NULL,
	`surveyed_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `satisfaction_surveys_at_idx` ON `satisfaction_surveys` (`surveyed_at`);--> statement-breakpoint
CREATE INDEX `satisfaction_surveys_customer_idx` ON `satisfaction_surveys` (`customer_id`,`surveyed_at`);--> statement-breakpoint
CREATE TABLE `urgent_issues` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`number` text NOT NULL,
	`customer_id` integer NOT NULL,
	`content` text NOT NULL,
	`owner_open_id` text NOT NULL,
	`reported_by` text NOT NULL,
	`chat_id` text,
	`state` text DEFAULT 'open' NOT NULL,
	`received_at` integer NOT NULL,
	`handled_at` integer,
	`handled_by` text,
	`result` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `urgent_issues_number_idx` ON `urgent_issues` (`number`);--> statement-breakpoint
CREATE INDEX `urgent_issues_state_idx` ON `urgent_issues` (`state`);--> statement-breakpoint
CREATE TABLE `contract_approvals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`contract_id` integer NOT NULL,
	`revision` integer NOT NULL,
	`level` integer NOT NULL,
	`decision` text NOT NULL,
	`comment` text,
	`decider_open_id` text NOT NULL,
	`decider_role` text NOT NULL,
	`on_behalf_of` text,
	`decided_at` integer NOT NULL,
	FOREIGN KEY (`contract_id`) REFERENCES `contracts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contract_approvals_once_idx` ON `contract_approvals` (`contract_id`,`revision`,`level`);--> statement-breakpoint
CREATE TABLE `contract_cards` (
	`card_key` text PRIMARY KEY NOT NULL,
	`contract_id` integer NOT NULL,
	`open_id` text NOT NULL,
	`kind` text NOT NULL,
	`revision` integer NOT NULL,
	`level` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`contract_id`) REFERENCES `contracts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `contract_cards_contract_idx` ON `contract_cards` (`contract_id`);--> statement-breakpoint
CREATE TABLE `contract_delegations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`from_open_id` text NOT NULL,
	`to_open_id` text NOT NULL,
	`until_day` text NOT NULL,
	`until_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE INDEX `contract_delegations_to_idx` ON `contract_delegations` (`to_open_id`,`until_at`);--> statement-breakpoint
CREATE INDEX `contract_delegations_from_idx` ON `contract_delegations` (`from_open_id`,`until_at`);--> statement-breakpoint
CREATE TABLE `contract_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`contract_id` integer NOT NULL,
	`revision` integer NOT NULL,
	`amount` real NOT NULL,
	`terms` text,
	`delivery` text,
	`note` text,
	`order_number` text,
	`submitted_by` text NOT NULL,
	`submitted_at` integer NOT NULL,
	FOREIGN KEY (`contract_id`) REFERENCES `contracts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contract_versions_rev_idx` ON `contract_versions` (`contract_id`,`revision`);--> statement-breakpoint
CREATE TABLE `contracts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`number` text NOT NULL,
	`customer_id` integer NOT NULL,
	`submitter_open_id` text NOT NULL,
	`amount` real NOT NULL,
	`terms` text,
	`delivery` text,
	`note` text,
	`order_number` text,
	`state` text DEFAULT 'draft' NOT NULL,
	`revision` integer DEFAULT 1 NOT NULL,
	`level` integer DEFAULT 0 NOT NULL,
	`level_since` integer,
	`negotiation_at` integer NOT NULL,
	`signed_on` text,
	`archived_at` integer,
	`crm_entered_at` integer,
	`form_key` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contracts_number_idx` ON `contracts` (`number`);--> statement-breakpoint
CREATE UNIQUE INDEX `contracts_form_key_idx` ON `contracts` (`form_key`);--> statement-breakpoint
CREATE INDEX `contracts_state_idx` ON `contracts` (`state`,`level_since`);--> statement-breakpoint
CREATE INDEX `contracts_submitter_idx` ON `contracts` (`submitter_open_id`,`state`);--> statement-breakpoint
CREATE TABLE `customers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`grade` text DEFAULT 'C' NOT NULL,
	`important` integer DEFAULT false NOT NULL,
	`owner_open_id` text NOT NULL,
	`state` text DEFAULT 'prospect' NOT NULL,
	`state_entered_at` integer NOT NULL,
	`stage_data` text DEFAULT '{}' NOT NULL,
	`contact_name` text,
	`phone` text,
	`credit_rating` text,
	`credit_limit` real,
	`tags` text DEFAULT '[]' NOT NULL,
	`last_visit_at` integer,
	`first_visit_at` integer,
	`next_step` text,
	`negotiation_concluded_at` integer,
	`created_by_open_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customers_name_idx` ON `customers` (`name`);--> statement-breakpoint
CREATE INDEX `customers_owner_idx` ON `customers` (`owner_open_id`,`state`);--> statement-breakpoint
CREATE INDEX `customers_created_idx` ON `customers` (`created_at`);--> statement-breakpoint
CREATE TABLE `inquiries` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` integer NOT NULL,
	`owner_open_id` text NOT NULL,
	`created_by_open_id` text NOT NULL,
	`content` text NOT NULL,
	`technical` integer DEFAULT false NOT NULL,
	`state` text DEFAULT 'received' NOT NULL,
	`received_at` integer NOT NULL,
	`answer` text,
	`answered_by_open_id` text,
	`answered_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `inquiries_owner_idx` ON `inquiries` (`owner_open_id`,`received_at`);--> statement-breakpoint
CREATE INDEX `inquiries_customer_idx` ON `inquiries` (`customer_id`);--> statement-breakpoint
CREATE TABLE `market_research` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`author_open_id` text NOT NULL,
	`period` text NOT NULL,
	`content` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `market_research_author_idx` ON `market_research` (`author_open_id`,`period`);--> statement-breakpoint
CREATE TABLE `visit_plans` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`customer_id` integer NOT NULL,
	`owner_open_id` text NOT NULL,
	`planned_on` text NOT NULL,
	`note` text,
	`status` text DEFAULT 'planned' NOT NULL,
	`visit_id` integer,
	`executed_on` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `visit_plans_owner_idx` ON `visit_plans` (`owner_open_id`,`planned_on`);--> statement-breakpoint
CREATE INDEX `visit_plans_customer_idx` ON `visit_plans` (`customer_id`,`status`);--> statement-breakpoint
CREATE TABLE `visits` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`customer_id` integer NOT NULL,
	`owner_open_id` text NOT NULL,
	`visited_at` integer NOT NULL,
	`place` text,
	`participants` text DEFAULT '[]' NOT NULL,
	`content` text NOT NULL,
	`feedback` text,
	`next_step` text,
	`plan_id` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `visits_customer_idx` ON `visits` (`customer_id`,`visited_at`);--> statement-breakpoint
CREATE INDEX `visits_owner_idx` ON `visits` (`owner_open_id`,`visited_at`);--> statement-breakpoint
CREATE TABLE `kpi_assessments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`open_id` text NOT NULL,
	`period` text NOT NULL,
	`kind` text NOT NULL,
	`scheme` text NOT NULL,
	`preset` text NOT NULL,
	`role` text NOT NULL,
	`status` text DEFAULT 'scoring' NOT NULL,
	`needs` text DEFAULT '[]' NOT NULL,
	`scorers` text DEFAULT '[]' NOT NULL,
	`breakdown` text,
	`score` real,
	`grade` text,
	`scored_by` text,
	`created_at` integer NOT NULL,
	`completed_at` integer,
	`version` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kpi_assessments_person_period_idx` ON `kpi_assessments` (`open_id`,`period`);--> statement-breakpoint
CREATE INDEX `kpi_assessments_period_idx` ON `kpi_assessments` (`period`,`status`);--> statement-breakpoint
CREATE TABLE `kpi_constraint_prompts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`open_id` text NOT NULL,
	`rule` text NOT NULL,
	`streak_start` text NOT NULL,
	`month` text NOT NULL,
	`months` integer NOT NULL,
	`status` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kpi_constraint_once_idx` ON `kpi_constraint_prompts` (`open_id`,`rule`,`streak_start`);--> statement-breakpoint
CREATE TABLE `kpi_honours` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`period` text NOT NULL,
	`open_id` text NOT NULL,
	`score` real NOT NULL,
	`announced_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kpi_honours_once_idx` ON `kpi_honours` (`kind`,`period`,`open_id`);--> statement-breakpoint
CREATE TABLE `kpi_notices` (
	`key` text PRIMARY KEY NOT NULL,
	`sent_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `kpi_onboarding_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`plan_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`key` text NOT NULL,
	`label` text NOT NULL,
	`starts_on` text NOT NULL,
	`due_on` text NOT NULL,
	`done_at` integer,
	`done_by` text,
	`start_notified_at` integer,
	`due_notified_at` integer,
	FOREIGN KEY (`plan_id`) REFERENCES `kpi_onboarding_plans`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kpi_onboarding_items_plan_seq_idx` ON `kpi_onboarding_items` (`plan_id`,`seq`);--> statement-breakpoint
CREATE INDEX `kpi_onboarding_items_due_idx` ON `kpi_onboarding_items` (`due_on`);--> statement-breakpoint
CREATE TABLE `kpi_onboarding_plans` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`open_id` text NOT NULL,
	`mentor_open_id` text NOT NULL,
	`start_on` text NOT NULL,
	`created_by` text NOT NULL,
	`completed_at` integer,
	`created_at` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kpi_onboarding_plans_open_id_unique` ON `kpi_onboarding_plans` (`open_id`);--> statement-breakpoint
CREATE TABLE `kpi_scores` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`assessment_id` integer NOT NULL,
	`indicator` text NOT NULL,
	`score` real NOT NULL,
	`source` text NOT NULL,
	`detail` text,
	`scored_by` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`assessment_id`) REFERENCES `kpi_assessments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kpi_scores_assessment_indicator_idx` ON `kpi_scores` (`assessment_id`,`indicator`);--> statement-breakpoint
CREATE TABLE `kpi_slogans` (
	`day` text PRIMARY KEY NOT NULL,
	`cycle` integer NOT NULL,
	`idx` integer NOT NULL,
	`chat_id` text NOT NULL,
	`sent_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kpi_slogans_cycle_idx` ON `kpi_slogans` (`cycle`,`idx`);--> statement-breakpoint
CREATE TABLE `kpi_targets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subject` text NOT NULL,
	`month` text NOT NULL,
	`amount` real NOT NULL,
	`set_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kpi_targets_subject_month_idx` ON `kpi_targets` (`subject`,`month`);--> statement-breakpoint
CREATE INDEX `kpi_targets_month_idx` ON `kpi_targets` (`month`);--> statement-breakpoint
CREATE TABLE `order_cards` (
	`card_key` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`exception_id` text,
	`viewer_open_id` text NOT NULL,
	`audience` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `order_cards_order_idx` ON `order_cards` (`order_id`);--> statement-breakpoint
CREATE TABLE `order_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_id` text NOT NULL,
	`at` integer NOT NULL,
	`actor_open_id` text NOT NULL,
	`kind` text NOT NULL,
	`event` text,
	`from_state` text,
	`to_state` text,
	`note` text,
	`customer_notified` integer DEFAULT false NOT NULL,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `order_events_order_idx` ON `order_events` (`order_id`,`id`);--> statement-breakpoint
CREATE INDEX `order_events_kind_idx` ON `order_events` (`kind`,`at`);--> statement-breakpoint
CREATE TABLE `order_exceptions` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`description` text NOT NULL,
	`state` text DEFAULT 'open' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`logged_by` text NOT NULL,
	`logged_at` integer NOT NULL,
	`responded_at` integer,
	`cause` text,
	`loss` real,
	`share` real,
	`allocated_amount` real,
	`responsible_open_id` text,
	`closed_by` text,
	`closed_at` integer,
	`closing_note` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `order_exceptions_order_idx` ON `order_exceptions` (`order_id`);--> statement-breakpoint
CREATE TABLE `order_payments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_id` text NOT NULL,
	`amount` real NOT NULL,
	`at` integer NOT NULL,
	`recorded_by` text NOT NULL,
	`note` text,
	`on_time` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `order_payments_order_idx` ON `order_payments` (`order_id`);--> statement-breakpoint
CREATE TABLE `orders` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` integer NOT NULL,
	`customer_name` text NOT NULL,
	`owner_open_id` text NOT NULL,
	`product` text NOT NULL,
	`spec` text,
	`qty` real NOT NULL,
	`unit_price` real NOT NULL,
	`amount` real NOT NULL,
	`due_date` text NOT NULL,
	`pay_by` text NOT NULL,
	`note` text,
	`flagged` integer DEFAULT false NOT NULL,
	`important` integer DEFAULT false NOT NULL,
	`reviewed_by` text,
	`reviewed_at` integer,
	`state` text DEFAULT 'received' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`chat_id` text,
	`received_at` integer NOT NULL,
	`confirm_from` integer NOT NULL,
	`paid_amount` real DEFAULT 0 NOT NULL,
	`shipped_at` integer,
	`arrived_at` integer,
	`delivered_at` integer,
	`paid_at` integer,
	`on_time_delivery` integer,
	`on_time_payment` integer,
	`source_key` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `orders_owner_idx` ON `orders` (`owner_open_id`,`state`);--> statement-breakpoint
CREATE INDEX `orders_customer_idx` ON `orders` (`customer_id`);--> statement-breakpoint
CREATE INDEX `orders_state_idx` ON `orders` (`state`);--> statement-breakpoint
CREATE UNIQUE INDEX `orders_source_idx` ON `orders` (`source_key`);