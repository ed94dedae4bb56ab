ALTER TABLE `complaints` ADD `form_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `complaints_form_key_idx` ON `complaints` (`form_key`);--> statement-breakpoint
DELETE FROM `satisfaction_surveys` WHERE `complaint_id` IS NOT NULL AND `id` NOT IN (SELECT max(`id`) FROM `satisfaction_surveys` WHERE `complaint_id` IS NOT NULL GROUP BY `complaint_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `satisfaction_surveys_complaint_idx` ON `satisfaction_surveys` (`complaint_id`);
