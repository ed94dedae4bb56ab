/**
 * KPI arithmetic (SPEC §4–§6), pure functions only. Behaviours locked in:
 * - the weighted score of a salesperson and of a supervisor equals the hand calculation from the
 *   SPEC §5 weights, under both presets (detailed default and the manual's simple 50/20/15/10/5
 *   and 40/20/15/15/10), shown line by line below;
 * - each preset's weight table is the SPEC's, indicator by indicator and group by group; the
 *   fixture scores every indicator differently, so swapping any two unequal weights changes the total;
 * - grade bands: ≥ 90 优秀, ≥ 80 良好, ≥ 60 合格, below 不合格, at the exact edges too, and the bands
 *   set at run time (优秀 > 良好 > 合格, 0–100, else refused); each grade carries its salary / bonus consequence;
 * - scorers: supervisors (else 总经办) for salespeople, 总经办 (else other supervisors, else self) for
 *   supervisors, the admins when nobody else can — and whoever is picked may press 提交评分;
 * - a computed indicator scores 100 × value / target, capped at 100, the mean over its metrics
 *   with data; with no data it is left to the scorer (an input under its own key);
 * - standards: a rate with nothing decided is "no data", never 0 %; pass/fail against the target;
 *   a standard without records is "无数据来源";
 * - targets: months add up, a week is prorated by days, the department falls back to the sum of
 *   personal targets, no target = no data;
 * - constraint rules: the run of missed months, the one prompt due, superseded lower prompts;
 * - honours go to the best score (ties share), at least the minimum; typed scores 0–100 only;
 * - onboarding checklist days: culture 1 week, product 2 weeks, sales skills 1 week, shadowing 1 month.
 */
import { describe, expect, it } from 'vitest';
import { GRADE_BANDS, KPI_CONFIG, PRESETS, STANDARDS, type MetricKey } from '../../src/modules/kpi/kpi.config';
import { periodTarget, type TargetBook } from '../../src/modules/kpi/kpi.data';
import { addMonths, monthPeriod, parsePeriod, quarterPeriod, weekPeriod } from '../../src/modules/kpi/kpi.periods';
import { DEPARTMENT } from '../../src/modules/kpi/kpi.schema';
import {
  computedIndicator,
  consequenceOf,
  consequenceText,
  constraintsDue,
  gradeOf,
  honourees,
  inputsNeeded,
  judge,
  metricScore,
  missedStreak,
  parseScore,
  ratio,
  rollUp,
  weightedScore,
  yearsBetween,
  type Measured,
  type MetricSet,
} from '../../src/modules/kpi/kpi.scoring';
import { computeIndicators, SCORER_ROLES, scorersFor } from '../../src/modules/kpi/kpi.assessment';
import { scoreAction } from '../../src/modules/kpi/kpi.card-actions';
import type { Member } from '../../src/modules/kpi/kpi.data';
import { bandList, bandsProblem, DEFAULT_RULES } from '../../src/modules/kpi/kpi.settings';
import { judgeStandard } from '../../src/modules/kpi/standards';
import { planItems } from '../../src/modules/kpi/people-dev';

const TZ = 'Asia/Shanghai';
const m = (value: number | null, target: number | null, detail = ''): Measured => ({ value, target, detail });

/**
 * 李业务 (业务员), March — every indicator scores differently (a swapped weight must show):
 *   target completion ¥92,000 / ¥100,000 = 0.92            → 100 × 0.92 / 1    = 92
 *   new customers 1, quota 2                                → 100 × 1 / 2       = 50
 *   satisfaction 18/20 = 0.90 (target 0.90)                 → 100
 *   visit plans 17/20 = 0.85 (target 0.95)                  → 89.47… → 89.5
 *   on-time delivery 19/20 = 0.95 (target 0.95)             → 100
 *   order confirmation 4/5 = 0.80 (target 1)                → 80
 *   customer maintenance = mean(100, 89.5) = 94.75          → 94.8
 *   order tracking = mean(100, 80)                          = 90
 *   supervisor's scores: 态度 91, 纪律 80, 协作 87, 技能 70, 学习 75
 */
const li: MetricSet = {
  target_completion: m(0.92, 1, '¥92,000 / ¥100,000'),
  new_customers: m(1, 2),
  satisfaction: m(18 / 20, 0.9),
  visit_plan: m(17 / 20, 0.95),
  on_time_delivery: m(19 / 20, 0.95),
  order_confirmation: m(4 / 5, 1),
};
const liInputs = { attitude: 91, discipline: 80, teamwork: 87, skills: 70, learning: 75 };

/**
 * 王主管 (业务主管), the department's March — again no two indicators alike:
 *   department target ¥450,000 / ¥500,000 = 0.90            → 90
 *   satisfaction 0.774 (target 0.90)                         → 86
 *   new customers 5, department quota 6                      → 83.33… → 83.3
 *   on-time payment 0.72 (target 0.90)                       → 80
 *   scorer's scores: 团队管理 95, 计划执行 88, 领导 93, 协调 76
 */
const dept: MetricSet = {
  target_completion: m(0.9, 1),
  satisfaction: m(0.774, 0.9),
  new_customers: m(5, 6),
  on_time_payment: m(0.72, 0.9),
};
const wangInputs = { team: 95, plan: 88, leadership: 93, coordination: 76 };

function assess(preset: 'detailed' | 'simple', scheme: 'sales' | 'supervisor', own: MetricSet, inputs: Record<string, number>, department = dept) {
  const indicators = PRESETS[preset].schemes[scheme];
  const computed = Object.fromEntries(Object.entries(computeIndicators(indicators, own, department)).map(([k, v]) => [k, v.score]));
  return { computed, ...weightedScore(indicators, computed, inputs) };
}

/** SPEC §5 (seed 第十、十一、十六条): indicator, group, points — the numbers the presets must hold. */
const SPEC_WEIGHTS = {
  detailed: {
    sales: [
      ['target_completion', '业绩指标', 35],
      ['new_customers', '业绩指标', 15],
      ['customer_maintenance', '业绩指标', 10],
      ['order_tracking', '业绩指标', 10],
      ['attitude', '工作指标', 10],
      ['discipline', '工作指标', 5],
      ['teamwork', '工作指标', 5],
      ['skills', '能力指标', 5],
      ['learning', '能力指标', 5],
    ],
    supervisor: [
      ['dept_target', '业绩指标', 25],
      ['satisfaction', '业绩指标', 15],
      ['market_development', '业绩指标', 10],
      ['on_time_payment', '业绩指标', 10],
      ['team', '管理指标', 15],
      ['plan', '管理指标', 10],
      ['leadership', '能力指标', 8],
      ['coordination', '能力指标', 7],
    ],
  },
  simple: {
    sales: [
      ['target_completion', '业绩指标', 50],
      ['new_customers', '业绩指标', 20],
      ['customer_maintenance', '业绩指标', 15],
      ['attitude_discipline', '工作指标', 10],
      ['teamwork', '工作指标', 5],
    ],
    supervisor: [
      ['dept_target', '业绩指标', 40],
      ['team', '管理指标', 20],
      ['satisfaction', '业绩指标', 15],
      ['market_development', '业绩指标', 15],
      ['plan', '管理指标', 10],
    ],
  },
} as const;

/** Every input the fixture's scorer gives, for either preset. */
const FIXTURE = { sales: { own: li, inputs: liInputs }, supervisor: { own: {}, inputs: wangInputs } } as const;

describe('hand calculation: two people × both presets', () => {
  it('computes the salesperson’s indicators from the records as the hand calculation does', () => {
    const { computed } = assess('detailed', 'sales', li, liInputs);
    expect(computed).toEqual({ target_completion: 92, new_customers: 50, customer_maintenance: 94.8, order_tracking: 90 });
  });

  it('scores the salesperson 82.9 (良好) under the detailed preset', () => {
    // 35×92 + 15×50 + 10×94.8 + 10×90 + 10×91 + 5×80 + 5×87 + 5×70 + 5×75
    // = 3220 + 750 + 948 + 900 + 910 + 400 + 435 + 350 + 375 = 8288 → 8288 / 100 = 82.88 → 82.9
    const r = assess('detailed', 'sales', li, liInputs);
    expect(r.score).toBe(82.9);
    expect(gradeOf(r.score)).toBe('良好');
  });

  it('scores the salesperson 83.1 (良好) under the simple preset (50/20/15/10/5)', () => {
    // 50×92 + 20×50 + 15×94.8 + 10×mean(态度 91, 纪律 80)=85.5 + 5×87
    // = 4600 + 1000 + 1422 + 855 + 435 = 8312 → 83.12 → 83.1
    const r = assess('simple', 'sales', li, liInputs);
    expect(r.score).toBe(83.1);
    expect(gradeOf(r.score)).toBe('良好');
    expect(r.lines.find((l) => l.key === 'attitude_discipline')).toMatchObject({ score: 85.5, weight: 10, source: 'manual' });
  });

  it('scores the supervisor 87.5 (良好) under the detailed preset from the department’s records', () => {
    // 25×90 + 15×86 + 10×83.3 + 10×80 + 15×95 + 10×88 + 8×93 + 7×76
    // = 2250 + 1290 + 833 + 800 + 1425 + 880 + 744 + 532 = 8754 → 87.54 → 87.5
    const r = assess('detailed', 'supervisor', {}, wangInputs);
    expect(r.computed).toEqual({ dept_target: 90, satisfaction: 86, market_development: 83.3, on_time_payment: 80 });
    expect(r.score).toBe(87.5);
    expect(gradeOf(r.score)).toBe('良好');
  });

  it('scores the supervisor 89.2 (良好) under the simple preset (40/20/15/15/10)', () => {
    // 40×90 + 20×95 + 15×86 + 15×83.3 + 10×88 = 3600 + 1900 + 1290 + 1249.5 + 880 = 8919.5 → 89.195 → 89.2
    const r = assess('simple', 'supervisor', {}, wangInputs);
    expect(r.score).toBe(89.2);
    expect(gradeOf(r.score)).toBe('良好');
  });

  it.each([
    ['detailed', 'sales'],
    ['detailed', 'supervisor'],
    ['simple', 'sales'],
    ['simple', 'supervisor'],
  ] as const)('holds the SPEC’s weight table: %s preset, %s', (preset, scheme) => {
    expect(PRESETS[preset].schemes[scheme].map((i) => [i.key, i.group, i.weight])).toEqual(SPEC_WEIGHTS[preset][scheme]);
  });

  it('adds the groups up as the SPEC does: 70/20/10 and 60/25/15 (detailed), 100 points every time', () => {
    const groups = (preset: 'detailed' | 'simple', scheme: 'sales' | 'supervisor') =>
      PRESETS[preset].schemes[scheme].reduce<Record<string, number>>((a, i) => ({ ...a, [i.group]: (a[i.group] ?? 0) + i.weight }), {});
    expect(groups('detailed', 'sales')).toEqual({ 业绩指标: 70, 工作指标: 20, 能力指标: 10 });
    expect(groups('detailed', 'supervisor')).toEqual({ 业绩指标: 60, 管理指标: 25, 能力指标: 15 });
    for (const preset of Object.values(PRESETS)) for (const scheme of Object.values(preset.schemes)) expect(scheme.reduce((a, i) => a + i.weight, 0)).toBe(100);
  });

  it.each([
    ['detailed', 'sales'],
    ['detailed', 'supervisor'],
    ['simple', 'sales'],
    ['simple', 'supervisor'],
  ] as const)('would notice any two unequal weights swapped (%s preset, %s): no two indicators score alike', (preset, scheme) => {
    const indicators = PRESETS[preset].schemes[scheme];
    const { own, inputs } = FIXTURE[scheme];
    const r = assess(preset, scheme, own, inputs);
    expect(new Set(r.lines.map((l) => l.score)).size).toBe(r.lines.length);
    for (let i = 0; i < indicators.length; i++) {
      for (let j = i + 1; j < indicators.length; j++) {
        if (indicators[i]!.weight === indicators[j]!.weight) continue;
        const swapped = indicators.map((x, k) => ({ ...x, weight: k === i ? indicators[j]!.weight : k === j ? indicators[i]!.weight : x.weight }));
        const computed = Object.fromEntries(Object.entries(computeIndicators(swapped, own, dept)).map(([k, v]) => [k, v.score]));
        expect(weightedScore(swapped, computed, inputs).score, `${indicators[i]!.key} ⇄ ${indicators[j]!.key}`).not.toBe(r.score);
      }
    }
  });

  it('rounds half up as by hand, whatever floating point makes of x.x5', () => {
    // Department 90, 90, 100, 80 (the scorer's 95, 85, 90, 80):
    // 25×90 + 15×90 + 10×100 + 10×80 + 15×95 + 10×85 + 8×90 + 7×80 = 8955 → 89.55 → 89.6 (良好, not 优秀)
    const round: MetricSet = { target_completion: m(0.9, 1), satisfaction: m(0.81, 0.9), new_customers: m(6, 6), on_time_payment: m(0.72, 0.9) };
    const r = assess('detailed', 'supervisor', {}, { team: 95, plan: 85, leadership: 90, coordination: 80 }, round);
    expect(r.score).toBe(89.6);
    expect(gradeOf(r.score)).toBe('良好');
  });
});

describe('indicators without data are scored by hand', () => {
  it('asks the scorer for the target indicator when no target was set, and refuses to score without it', () => {
    const indicators = PRESETS.detailed.schemes.sales;
    const computed = Object.fromEntries(Object.entries(computeIndicators(indicators, { ...li, target_completion: m(null, 1, '¥0（未设目标）') }, dept)).map(([k, v]) => [k, v.score]));
    expect(computed.target_completion).toBeNull();
    expect(inputsNeeded(indicators, computed).map((n) => n.key)).toEqual(['target_completion', 'attitude', 'discipline', 'teamwork', 'skills', 'learning']);
    expect(() => weightedScore(indicators, computed, liInputs)).toThrow(/target_completion/);
    expect(weightedScore(indicators, computed, { ...liInputs, target_completion: 92 }).score).toBe(82.9);
  });

  it('averages only the metrics that have data, and caps each at 100', () => {
    const maintenance = PRESETS.detailed.schemes.sales.find((i) => i.key === 'customer_maintenance')!;
    expect(computedIndicator(maintenance, { satisfaction: m(null, 0.9), visit_plan: m(0.85, 0.95) }).score).toBe(89.5);
    expect(metricScore(m(1.5, 1))).toBe(100);
    expect(metricScore(m(0, 1))).toBe(0);
    expect(metricScore(m(null, 1))).toBeNull();
    expect(metricScore(m(3, null))).toBeNull();
    expect(computedIndicator(maintenance, {}).score).toBeNull();
  });
});

describe('grades and consequences', () => {
  it.each([
    [100, '优秀'],
    [90, '优秀'],
    [89.9, '良好'],
    [80, '良好'],
    [79.9, '合格'],
    [60, '合格'],
    [59.9, '不合格'],
    [0, '不合格'],
  ] as const)('a score of %d is %s', (score, grade) => expect(gradeOf(score)).toBe(grade));

  it('shows each grade’s salary and bonus consequence (seed 第十六条)', () => {
    expect(consequenceOf('优秀')).toEqual({ salary: '基本工资上调 10–15%', bonus: '绩效奖金 120–150%' });
    expect(consequenceText('良好')).toBe('基本工资上调 5–10%，绩效奖金 100–120%');
    expect(consequenceOf('合格').salary).toBe('基本工资保持不变');
    expect(consequenceText('不合格')).toBe('基本工资下调 5%，绩效奖金 50–80%');
    expect(GRADE_BANDS.map((b) => b.grade)).toEqual(['优秀', '良好', '合格', '不合格']);
  });

  it('grades by bands set at run time, and refuses bands out of order or out of range', () => {
    expect(bandList(DEFAULT_RULES.bands)).toEqual(GRADE_BANDS);
    const custom = bandList({ 优秀: 85, 良好: 75, 合格: 55 });
    expect([85, 84.9, 75, 74.9, 55, 54.9].map((s) => gradeOf(s, custom))).toEqual(['优秀', '良好', '良好', '合格', '合格', '不合格']);
    expect(bandsProblem({ 优秀: 85, 良好: 75, 合格: 55 })).toBeNull();
    expect(bandsProblem({ 优秀: 80, 良好: 80, 合格: 60 })).toContain('优秀 > 良好 > 合格');
    expect(bandsProblem({ 优秀: 101, 良好: 80, 合格: 60 })).toContain('0–100');
  });

  it('rolls a quarter up as the mean of its months, none = no roll-up', () => {
    expect(rollUp([82.7, 90, 77.4])).toBe(83.4);
    expect(rollUp([])).toBeNull();
  });
});

describe('who scores', () => {
  const person = (openId: string, role: Member['role']): Member => ({ openId, name: openId, role, hiredOn: null });
  const [li, wang, chen, zheng] = [person('ou_li', 'sales'), person('ou_wang', 'supervisor'), person('ou_chen', 'supervisor'), person('ou_zheng', 'gm')];

  it('picks supervisors (else 总经办) for a salesperson, and 总经办 (else another supervisor, else self) for a supervisor', () => {
    expect(scorersFor([li, wang, chen, zheng], li, 'sales', [])).toEqual({ to: ['ou_wang', 'ou_chen'], by: 'role' });
    expect(scorersFor([li, zheng], li, 'sales', [])).toEqual({ to: ['ou_zheng'], by: 'role' });
    expect(scorersFor([wang, chen, zheng], wang, 'supervisor', [])).toEqual({ to: ['ou_zheng'], by: 'role' });
    expect(scorersFor([wang, chen], wang, 'supervisor', [])).toEqual({ to: ['ou_chen'], by: 'role' });
    expect(scorersFor([wang], wang, 'supervisor', ['ou_admin'])).toEqual({ to: ['ou_wang'], by: 'self' });
  });

  it('hands a salesperson with neither supervisor nor 总经办 to the admins (never to themself), or to nobody', () => {
    expect(scorersFor([li], li, 'sales', ['ou_admin', 'ou_li'])).toEqual({ to: ['ou_admin'], by: 'admin' });
    expect(scorersFor([li], li, 'sales', [])).toEqual({ to: [], by: 'none' });
  });

  it('only ever picks someone who may press 提交评分', () => {
    const pressers = new Set(scoreAction.roles);
    expect(pressers.has('admin')).toBe(true);
    for (const role of SCORER_ROLES) expect(pressers.has(role)).toBe(true);
    for (const [scheme, roles] of Object.entries(KPI_CONFIG.scorers)) for (const r of roles) expect(pressers.has(r), `${scheme} scorer ${r}`).toBe(true);
    // Self-assessment only for a role that may press it.
    for (const [role, scheme] of Object.entries(KPI_CONFIG.schemes)) {
      const alone = person('ou_x', role as Member['role']);
      const s = scorersFor([alone], alone, scheme!, ['ou_admin']);
      if (s.by === 'self') expect(pressers.has(role as Member['role'])).toBe(true);
      else expect(s).toEqual({ to: ['ou_admin'], by: 'admin' });
    }
  });
});

describe('standards math', () => {
  const def = (key: MetricKey) => STANDARDS.find((s) => s.key === key)!;

  it('treats nothing decided as no data, never 0 %', () => {
    expect(ratio(0, 0)).toBeNull();
    expect(ratio(0, 3)).toBe(0);
    const r = judgeStandard(def('on_time_delivery'), m(null, 0.95, '无数据'));
    expect(r).toMatchObject({ value: null, pass: null, valueText: '无数据' });
  });

  it('passes at the target and fails below it', () => {
    expect(judge(0.95, 0.95)).toBe(true);
    expect(judge(0.9499, 0.95)).toBe(false);
    expect(judge(null, 0.95)).toBeNull();
    expect(judgeStandard(def('on_time_delivery'), m(19 / 20, 0.95, '19/20 单按期交付'))).toMatchObject({ pass: true, valueText: '95.0%' });
    expect(judgeStandard(def('satisfaction'), m(0.85, 0.9))).toMatchObject({ pass: false, valueText: '85.0%' });
    expect(judgeStandard(def('complaints_on_time'), m(1, 1))).toMatchObject({ pass: true, valueText: '100.0%' });
  });

  it('marks a standard the bot has no records for as 无数据来源', () => {
    expect(judgeStandard(def('customer_data_accuracy'), undefined)).toMatchObject({ pass: null, valueText: '无数据来源' });
  });

  it('judges new customers against the quota as a count', () => {
    expect(judgeStandard(def('new_customers'), m(3, 2))).toMatchObject({ pass: true, valueText: '3 个', target: 2 });
    expect(judgeStandard(def('new_customers'), m(0, null))).toMatchObject({ pass: null, valueText: '0 个' });
  });
});

describe('targets for any period', () => {
  const book: TargetBook = new Map([
    ['ou_li', new Map([['2026-03', 100_000], ['2026-02', 84_000]])],
    ['ou_zhang', new Map([['2026-03', 60_000]])],
  ]);

  it('adds months up for a quarter and prorates a week by days', () => {
    expect(periodTarget(book, 'ou_li', monthPeriod('2026-03', TZ))).toBe(100_000);
    expect(periodTarget(book, 'ou_li', quarterPeriod('2026-Q1', TZ))).toBe(184_000);
    // Week of Mon 2026-02-23 … Sun 03-01: 6 days of February (84,000 / 28 × 6) + 1 of March (100,000 / 31)
    expect(periodTarget(book, 'ou_li', weekPeriod('2026-02-25', TZ))).toBe(Math.round((18_000 + 100_000 / 31) * 100) / 100);
  });

  it('gives the department the sum of personal targets when it has none of its own, and no target = no data', () => {
    expect(periodTarget(book, DEPARTMENT, monthPeriod('2026-03', TZ))).toBe(160_000);
    const withDept: TargetBook = new Map([...book, [DEPARTMENT, new Map([['2026-03', 150_000]])]]);
    expect(periodTarget(withDept, DEPARTMENT, monthPeriod('2026-03', TZ))).toBe(150_000);
    expect(periodTarget(book, 'ou_zhang', monthPeriod('2026-04', TZ))).toBeNull();
  });

  it('reads periods: months, quarters, weeks and words', () => {
    const now = new Date('2026-03-18T10:00:00+08:00');
    expect(parsePeriod('2026-03', now, TZ)?.key).toBe('2026-03');
    expect(parsePeriod('2026-Q1', now, TZ)?.months).toEqual(['2026-01', '2026-02', '2026-03']);
    expect(parsePeriod('上月', now, TZ)?.key).toBe('2026-02');
    expect(parsePeriod('本周', now, TZ)).toMatchObject({ firstDay: '2026-03-16', lastDay: '2026-03-22', key: '2026-W12' });
    expect(parsePeriod('2026-13', now, TZ)).toBeNull();
    expect(monthPeriod('2026-03', TZ).from.toISOString()).toBe('2026-02-28T16:00:00.000Z');
    expect(addMonths('2026-01', -2)).toBe('2025-11');
  });
});

describe('constraint rules and honours', () => {
  const months = (...rows: Array<[number | null, number]>) => rows.map(([target, actual], i) => ({ month: addMonths('2026-01', i), target, actual }));

  it('counts the run of missed months back from the latest; a month without a target ends it', () => {
    expect(missedStreak(months([100, 120], [100, 80], [100, 90]))).toEqual({ count: 2, start: '2026-02' });
    expect(missedStreak(months([100, 80], [null, 0], [100, 90]))).toEqual({ count: 1, start: '2026-03' });
    expect(missedStreak(months([100, 80], [100, 100]))).toEqual({ count: 0, start: null });
  });

  it('sends the talk prompt at 2 months, the training prompt at 3, each once', () => {
    const rules = KPI_CONFIG.constraints;
    expect(constraintsDue(1, rules, new Set()).send).toBeNull();
    expect(constraintsDue(2, rules, new Set()).send?.key).toBe('talk');
    expect(constraintsDue(2, rules, new Set(['talk'])).send).toBeNull();
    expect(constraintsDue(3, rules, new Set(['talk']))).toMatchObject({ send: { key: 'training' }, supersede: [] });
    expect(constraintsDue(6, rules, new Set(['talk', 'training'])).send?.key).toBe('position_review');
  });

  it('records a lower prompt as superseded when the job first sees a longer run', () => {
    const due = constraintsDue(3, KPI_CONFIG.constraints, new Set());
    expect(due.send?.key).toBe('training');
    expect(due.supersede.map((r) => r.key)).toEqual(['talk']);
  });

  it('honours the best score, ties share it, below the minimum nobody', () => {
    expect(honourees([{ id: 1, score: 88 }, { id: 2, score: 92 }, { id: 3, score: 92 }], 80).map((r) => r.id)).toEqual([2, 3]);
    expect(honourees([{ id: 1, score: 70 }], 80)).toEqual([]);
    expect(honourees([{ id: 1, score: null }], 0)).toEqual([]);
  });
});

describe('typed scores, years and onboarding days', () => {
  it('accepts 0–100 (full-width digits and 分 too) and explains anything else', () => {
    expect(parseScore('85')).toBe(85);
    expect(parseScore('８５分')).toBe(85);
    expect(parseScore('92.5')).toBe(92.5);
    expect(parseScore('101')).toBe('「101」须是 0–100 的数字');
    expect(parseScore('优')).toBe('「优」须是 0–100 的数字');
    expect(parseScore('')).toBe('未填写');
    expect(parseScore(undefined)).toBe('未填写');
  });

  it('counts whole years of service up to the anniversary', () => {
    expect(yearsBetween('2024-03-18', '2026-03-17')).toBe(1);
    expect(yearsBetween('2024-03-18', '2026-03-18')).toBe(2);
  });

  it('lays out the onboarding plan: culture 1 week, product 2 weeks, sales skills 1 week, shadowing 1 month', () => {
    expect(planItems('2026-03-02').map((i) => [i.label, i.startsOn, i.dueOn])).toEqual([
      ['公司文化和制度培训', '2026-03-02', '2026-03-08'],
      ['产品知识和技术培训', '2026-03-09', '2026-03-22'],
      ['销售技能和客户管理培训', '2026-03-23', '2026-03-29'],
      ['跟岗实习和导师指导', '2026-03-30', '2026-04-29'],
    ]);
  });
});
