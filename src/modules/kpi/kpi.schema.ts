import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { ms, json } from '../../platform/db/columns';


/** The department's own target row uses this instead of an open_id. */
export const DEPARTMENT = 'department';

/** 销售目标: one amount per person (open_id) or the department, per month 'YYYY-MM'. */
export const kpiTargets = sqliteTable(
  'kpi_targets',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** An open_id, or DEPARTMENT. */
    subject: text('subject').notNull(),
    month: text('month').notNull(),
    amount: real('amount').notNull(),
    setBy: text('set_by').notNull(),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [uniqueIndex('kpi_targets_subject_month_idx').on(t.subject, t.month), index('kpi_targets_month_idx').on(t.month)],
);

/**
 * 绩效考核: one per person and period ('YYYY-MM' monthly; 'YYYY-Qn' and 'YYYY' roll-ups). A monthly
 * one waits in `scoring` until a scorer submits the card's manual scores.
 */
export const kpiAssessments = sqliteTable(
  'kpi_assessments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    openId: text('open_id').notNull(),
    period: text('period').notNull(),
    kind: text('kind', { enum: ['month', 'quarter', 'year'] }).notNull(),
    scheme: text('scheme', { enum: ['sales', 'supervisor'] }).notNull(),
    preset: text('preset').notNull(),
    /** The role when assessed (honours and constraint rules go by it). */
    role: text('role').notNull(),
    status: text('status', { enum: ['scoring', 'done'] }).notNull().default('scoring'),
    /** Manual inputs still awaited (keys of MANUAL_INPUTS or of indicators without data). */
    needs: json<string[]>('needs').notNull().default([]),
    /** Who may submit the scoring card. */
    scorers: json<string[]>('scorers').notNull().default([]),
    /** Indicator lines as scored: key, label, weight, score, source. */
    breakdown: json<Array<{ key: string; label: string; weight: number; score: number; source: 'computed' | 'manual'; detail: string }>>('breakdown'),
    score: real('score'),
    grade: text('grade'),
    scoredBy: text('scored_by'),
    createdAt: ms('created_at').notNull(),
    completedAt: ms('completed_at'),
    version: integer('version').notNull().default(1),
  },
  (t) => [uniqueIndex('kpi_assessments_person_period_idx').on(t.openId, t.period), index('kpi_assessments_period_idx').on(t.period, t.status)],
);

/** Indicator scores of an assessment: computed from records, or typed by the scorer (one row per input). */
export const kpiScores = sqliteTable(
  'kpi_scores',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    assessmentId: integer('assessment_id')
      .notNull()
      .references(() => kpiAssessments.id),
    /** An indicator key (computed) or a manual input key. */
    indicator: text('indicator').notNull(),
    score: real('score').notNull(),
    source: text('source', { enum: ['computed', 'manual'] }).notNull(),
    /** What the computed score came from ("¥92,000 / ¥100,000"). */
    detail: text('detail'),
    scoredBy: text('scored_by'),
    at: ms('at').notNull(),
  },
  (t) => [uniqueIndex('kpi_scores_assessment_indicator_idx').on(t.assessmentId, t.indicator)],
);

/** 约束机制 ledger: each rule at most once per run of missed months (streak_start = its first month). */
export const kpiConstraintPrompts = sqliteTable(
  'kpi_constraint_prompts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    openId: text('open_id').notNull(),
    rule: text('rule').notNull(),
    streakStart: text('streak_start').notNull(),
    /** The month whose result triggered it, and how many months were missed by then. */
    month: text('month').notNull(),
    months: integer('months').notNull(),
    /** `superseded` = a later rule was reached first (the job missed a month): recorded, not sent. */
    status: text('status', { enum: ['sent', 'superseded'] }).notNull(),
    at: ms('at').notNull(),
  },
  (t) => [uniqueIndex('kpi_constraint_once_idx').on(t.openId, t.rule, t.streakStart)],
);

/** 荣誉表彰: 月度之星, 季度标兵, 年度优秀. */
export const kpiHonours = sqliteTable(
  'kpi_honours',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind').notNull(),
    period: text('period').notNull(),
    openId: text('open_id').notNull(),
    score: real('score').notNull(),
    announcedAt: ms('announced_at').notNull(),
  },
  (t) => [uniqueIndex('kpi_honours_once_idx').on(t.kind, t.period, t.openId)],
);

/** One-off notices (team tables, training reminders): the key is taken once, so nothing goes out twice. */
export const kpiNotices = sqliteTable('kpi_notices', {
  key: text('key').primaryKey(),
  sentAt: ms('sent_at').notNull(),
});

/** 新员工入职计划: one per new hire. */
export const kpiOnboardingPlans = sqliteTable('kpi_onboarding_plans', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  openId: text('open_id').notNull().unique(),
  mentorOpenId: text('mentor_open_id').notNull(),
  /** 'YYYY-MM-DD' */
  startOn: text('start_on').notNull(),
  createdBy: text('created_by').notNull(),
  completedAt: ms('completed_at'),
  createdAt: ms('created_at').notNull(),
  version: integer('version').notNull().default(1),
});

/** The plan's checklist: consecutive steps with their days; reminders are stamped so each goes once. */
export const kpiOnboardingItems = sqliteTable(
  'kpi_onboarding_items',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    planId: integer('plan_id')
      .notNull()
      .references(() => kpiOnboardingPlans.id),
    seq: integer('seq').notNull(),
    key: text('key').notNull(),
    label: text('label').notNull(),
    startsOn: text('starts_on').notNull(),
    /** Last day of the step (inclusive). */
    dueOn: text('due_on').notNull(),
    doneAt: ms('done_at'),
    doneBy: text('done_by'),
    startNotifiedAt: ms('start_notified_at'),
    dueNotifiedAt: ms('due_notified_at'),
  },
  (t) => [uniqueIndex('kpi_onboarding_items_plan_seq_idx').on(t.planId, t.seq), index('kpi_onboarding_items_due_idx').on(t.dueOn)],
);

/** 上墙标语 rotation: one row per day sent; `cycle` counts passes through the list (no repeats within one). */
export const kpiSlogans = sqliteTable(
  'kpi_slogans',
  {
    day: text('day').primaryKey(),
    cycle: integer('cycle').notNull(),
    idx: integer('idx').notNull(),
    chatId: text('chat_id').notNull(),
    sentAt: ms('sent_at').notNull(),
  },
  (t) => [uniqueIndex('kpi_slogans_cycle_idx').on(t.cycle, t.idx)],
);

export type Target = typeof kpiTargets.$inferSelect;
export type Assessment = typeof kpiAssessments.$inferSelect;
export type KpiScore = typeof kpiScores.$inferSelect;
export type OnboardingPlan = typeof kpiOnboardingPlans.$inferSelect;
export type OnboardingItem = typeof kpiOnboardingItems.$inferSelect;
