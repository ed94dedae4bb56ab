/**
 * 绩效考核 · 激励约束 · 人员发展 (SPEC §4–§7, issue 8): targets, standards, the monthly assessment
 * with its scoring cards, constraint prompts, honours, exports, promotion eligibility, onboarding,
 * training reminders and the morning slogan. See README.md in this folder.
 */
import { defineModule } from '../../platform/module';
import { kpiCardActions } from './kpi.card-actions';
import { kpiCommands } from './kpi.commands';
import { kpiJobs } from './kpi.jobs';

export const kpiModule = defineModule({
  name: 'kpi',
  commands: kpiCommands,
  cardActions: kpiCardActions,
  jobs: kpiJobs,
  menu: { kpi: '/业绩' },
});

// What other modules (and tests) may use.
export { KPI_CONFIG, PRESETS, STANDARDS, GRADE_BANDS, GRADE_CONSEQUENCES, MANUAL_INPUTS, type Grade, type PresetName, type SalesRule, type Scheme, type MetricKey } from './kpi.config';
export { kpiTargets, kpiAssessments, kpiScores, kpiConstraintPrompts, kpiHonours, kpiNotices, kpiOnboardingPlans, kpiOnboardingItems, kpiSlogans, DEPARTMENT, type Assessment, type Target } from './kpi.schema';
export { weightedScore, gradeOf, consequenceOf, computedIndicator, inputsNeeded, metricScore, missedStreak, constraintsDue, honourees, rollUp, ratio, judge } from './kpi.scoring';
export { loadFacts, metricsOf, standardsOf, type Facts, type StandardResult } from './standards';
export { salesBetween, loadTargets, periodTarget } from './kpi.data';
export { monthPeriod, quarterPeriod, weekPeriod, parsePeriod, type Period } from './kpi.periods';
export { xlsx, zip, crc32 } from './xlsx';
export { loadRules, DEFAULT_RULES, KPI_RULES_KEY, type KpiRules, type Bands } from './kpi.settings';
export { SLOGANS } from './kpi.slogans';
