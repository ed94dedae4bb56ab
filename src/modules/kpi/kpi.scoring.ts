/**
 * The arithmetic of assessment (SPEC §5), pure: no database, no clock. Measured values become
 * indicator scores (0–100), indicator scores and the supervisor's inputs become one weighted score,
 * the score a grade and its consequence. Also the constraint-rule streak and honours picks.
 */
import { GRADE_BANDS, GRADE_CONSEQUENCES, KPI_CONFIG, MANUAL_INPUTS, type Grade, type IndicatorDef, type MetricKey } from './kpi.config';

/** One measured value: a rate 0–1 or a count, against its target; `value: null` = no data. */
export interface Measured {
  value: number | null;
  target: number | null;
  /** How it was counted ("12/13", "¥92,000 / ¥100,000"). */
  detail: string;
}
export type MetricSet = Partial<Record<MetricKey, Measured>>;

/** One decimal, half up as by hand (89.55 → 89.6, whatever binary floating point makes of 89.55). */
export const round1 = (n: number) => Math.round(Number((n * 10).toFixed(6))) / 10;

/** num/den, or null when there is nothing to divide (no data — never 0 %). */
export const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

/** Pass / fail against a target; null when there is no data or no target. */
export const judge = (value: number | null, target: number | null): boolean | null => (value === null || target === null ? null : value >= target - 1e-9);

/** A measured value as points: 100 × value / target, capped; null without data or target. */
export function metricScore(m: Measured | undefined, cap = KPI_CONFIG.scoreCap): number | null {
  if (!m || m.value === null || m.target === null || m.target <= 0) return null;
  return Math.max(0, Math.min(cap, round1((100 * m.value) / m.target)));
}

/** A computed indicator: the mean of its metrics that have data; null = the scorer must score it. */
export function computedIndicator(ind: IndicatorDef, metrics: MetricSet): { score: number | null; detail: string } {
  const parts = (ind.metrics ?? []).map((k) => ({ k, m: metrics[k], s: metricScore(metrics[k]) })).filter((p) => p.s !== null);
  if (parts.length === 0) return { score: null, detail: '无数据' };
  const score = round1(parts.reduce((a, p) => a + p.s!, 0) / parts.length);
  return { score, detail: parts.map((p) => p.m!.detail).join('；') };
}

export interface InputNeed {
  key: string;
  label: string;
}

/**
 * What the scorer types on the card: every manual input of the scheme, plus — under the
 * indicator's own key — each computed indicator that has no data this time.
 */
export function inputsNeeded(indicators: readonly IndicatorDef[], computed: Record<string, number | null>): InputNeed[] {
  const out = new Map<string, string>();
  for (const ind of indicators) {
    if (ind.manual) for (const k of ind.manual) out.set(k, MANUAL_INPUTS[k]);
    else if (computed[ind.key] === null || computed[ind.key] === undefined) out.set(ind.key, ind.label);
  }
  return [...out].map(([key, label]) => ({ key, label }));
}

export interface ScoredLine {
  key: string;
  label: string;
  weight: number;
  score: number;
  source: 'computed' | 'manual';
}

/**
 * Σ weight × score / Σ weight, one decimal. Manual indicators take the mean of their inputs; a
 * computed indicator without data takes the input under its own key. A missing input throws.
 */
export function weightedScore(indicators: readonly IndicatorDef[], computed: Record<string, number | null>, inputs: Record<string, number>): { lines: ScoredLine[]; score: number } {
  const need = (k: string) => {
    const v = inputs[k];
    if (v === undefined) throw new Error(`missing input "${k}"`);
    return v;
  };
  const lines = indicators.map((ind): ScoredLine => {
    if (ind.manual) return { key: ind.key, label: ind.label, weight: ind.weight, score: round1(ind.manual.reduce((a, k) => a + need(k), 0) / ind.manual.length), source: 'manual' };
    const c = computed[ind.key];
    return c === null || c === undefined ? { key: ind.key, label: ind.label, weight: ind.weight, score: need(ind.key), source: 'manual' } : { key: ind.key, label: ind.label, weight: ind.weight, score: c, source: 'computed' };
  });
  const weights = lines.reduce((a, l) => a + l.weight, 0);
  return { lines, score: round1(lines.reduce((a, l) => a + l.weight * l.score, 0) / weights) };
}

export function gradeOf(score: number, bands = GRADE_BANDS): Grade {
  return bands.find((b) => score >= b.min)!.grade;
}

export const consequenceOf = (grade: Grade) => GRADE_CONSEQUENCES[grade];
export const consequenceText = (grade: Grade) => `${consequenceOf(grade).salary}，${consequenceOf(grade).bonus}`;

/** Quarterly / yearly roll-up: the mean of the monthly scores there are; null with none. */
export const rollUp = (scores: number[]): number | null => (scores.length ? round1(scores.reduce((a, b) => a + b, 0) / scores.length) : null);

/** A typed score: a number 0–100 (full-width digits and a trailing 分 accepted); else the reason. */
export function parseScore(raw: unknown): number | string {
  const s = String(raw ?? '')
    .trim()
    .replace(/[０-９．]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/分$/, '');
  if (s === '') return '未填写';
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0 || n > 100) return `「${String(raw)}」须是 0–100 的数字`;
  return round1(n);
}

// ---------------------------------------------------------------------------------------------
// Constraint rules and honours

export interface MonthResult {
  month: string;
  target: number | null;
  actual: number;
}

/**
 * Consecutive months below target, counting back from the last entry; a month without a target
 * ends the run (we cannot say it was missed). `start` is the run's first month.
 */
export function missedStreak(months: readonly MonthResult[]): { count: number; start: string | null } {
  let count = 0;
  let start: string | null = null;
  for (let i = months.length - 1; i >= 0; i--) {
    const m = months[i]!;
    if (m.target === null || m.target <= 0 || m.actual >= m.target) break;
    count++;
    start = m.month;
  }
  return { count, start };
}

/**
 * Which constraint prompts a run of `streak` missed months calls for, given those already recorded
 * for this run: the highest rule reached is sent; lower ones not yet recorded (a month the job
 * missed) are recorded as superseded so they never go out late.
 */
export function constraintsDue<R extends { key: string; months: number }>(streak: number, rules: readonly R[], recorded: ReadonlySet<string>): { send: R | null; supersede: R[] } {
  const reached = rules.filter((r) => streak >= r.months && !recorded.has(r.key)).sort((a, b) => a.months - b.months);
  const send = reached.at(-1) ?? null;
  return { send, supersede: reached.slice(0, -1) };
}

/** The best scores (ties share the honour), at least `minScore`. */
export function honourees<T extends { score: number | null }>(rows: readonly T[], minScore: number): T[] {
  const scored = rows.filter((r) => r.score !== null && r.score >= minScore);
  if (!scored.length) return [];
  const top = Math.max(...scored.map((r) => r.score!));
  return scored.filter((r) => r.score === top);
}

/** Whole years between two day keys (anniversary reached counts). */
export function yearsBetween(fromDay: string, toDay: string): number {
  const [fy, fm, fd] = fromDay.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = toDay.split('-').map(Number) as [number, number, number];
  return ty - fy - (tm < fm || (tm === fm && td < fd) ? 1 : 0);
}
