/**
 * Every number and rule of targets, standards and assessment (SPEC §4–§7, issue 8), as data.
 * Logic reads only from here: change a weight, a band or a threshold and the cards, the jobs and
 * the exports follow. Two weight presets (SPEC §5 Decision): `detailed` (the assessment chapter,
 * default) and `simple` (the department manual's 40/20/15/15/10 and 50/20/15/10/5).
 */
import type { Role } from '../../platform/roles';

// ---------------------------------------------------------------------------------------------
// Standards (SPEC §4): what is measured, its target, and where the data comes from

/** Everything measured from the records. Rates are 0–1; `new_customers` is a count. */
export type MetricKey =
  | 'target_completion'
  | 'satisfaction'
  | 'on_time_delivery'
  | 'on_time_payment'
  | 'contract_accuracy'
  | 'customer_data_accuracy'
  | 'complaints_on_time'
  | 'inquiry_response'
  | 'order_confirmation'
  | 'visit_plan'
  | 'work_reports'
  | 'new_customers';

export interface StandardDef {
  key: MetricKey;
  label: string;
  /** Pass when value ≥ target (rates 0–1). `null` target = shown for information only. */
  target: number | null;
  /** How the target is written on cards. */
  targetText: string;
  /** false = the bot has no records for it: listed as 无数据来源, never as 0 %. */
  hasSource: boolean;
  /** A count (new customers) rather than a rate. */
  count?: boolean;
}

/** SPEC §4 (seed 第十九–二十条), in the order cards list them; new customers is the KPI count of §5. */
export const STANDARDS: readonly StandardDef[] = [
  { key: 'target_completion', label: '销售目标完成率', target: 1, targetText: '≥ 100%', hasSource: true },
  { key: 'satisfaction', label: '客户满意度', target: 0.9, targetText: '≥ 90%', hasSource: true },
  { key: 'on_time_delivery', label: '订单及时交付率', target: 0.95, targetText: '≥ 95%', hasSource: true },
  { key: 'on_time_payment', label: '回款及时率', target: 0.9, targetText: '≥ 90%', hasSource: true },
  { key: 'contract_accuracy', label: '合同准确率（首次提交即获批）', target: 1, targetText: '100%', hasSource: true },
  { key: 'customer_data_accuracy', label: '客户信息准确率', target: 0.98, targetText: '≥ 98%', hasSource: false },
  { key: 'complaints_on_time', label: '投诉处理及时率', target: 1, targetText: '100%', hasSource: true },
  { key: 'inquiry_response', label: '咨询 24 小时内响应', target: 1, targetText: '全部 ≤ 24 小时', hasSource: true },
  { key: 'order_confirmation', label: '订单 4 小时内确认', target: 1, targetText: '全部 ≤ 4 小时', hasSource: true },
  { key: 'visit_plan', label: '拜访计划执行率', target: 0.95, targetText: '≥ 95%', hasSource: true },
  { key: 'work_reports', label: '工作报告按时率', target: 1, targetText: '100%', hasSource: true },
  { key: 'new_customers', label: '新客户开发', target: null, targetText: '', hasSource: true, count: true },
];

/**
 * 销售额 of a month (README): `confirmed` = the amount of orders the customer confirmed in that
 * month (first time an order reached customer_confirmed; cancelled orders never count);
 * `payments` = payments received in that month. Credited to the order's owner.
 */
export type SalesRule = 'confirmed' | 'payments';

/**
 * The defaults. `preset`, `salesRule` and the grade bands are switched at run time with
 * `/业绩 设置` (settings row `kpi.rules`, kpi.settings.ts); logic reads them through loadRules.
 */
export const KPI_CONFIG = {
  /** Default sales rule (run time: `/业绩 设置 口径=确认订单|回款`). */
  salesRule: 'confirmed' as SalesRule,
  /** Inquiry answers count as on time within this many calendar hours (SPEC §3.3). */
  inquiryResponseHours: 24,
  /**
   * Deadline clocks read for "order confirmation ≤ 4 h" and "work reports on time". A clock counts
   * in the period its bound falls in: the hard limit when it has one, else the target.
   */
  clocks: {
    order_confirmation: [
      // Only the order's "confirm with the customer" clock: target 2 h, hard limit 4 h (SPEC §3.3,
      // seed 服务标准 订单确认4小时内完成). The 4 h evaluation (订单评估, SPEC §3.2) is another step
      // with its own clock; counting it too would judge each order twice.
      { subjectType: 'order', stepPrefix: 'order_confirmation' },
    ],
    work_reports: [
      { subjectType: 'sales_duty', stepPrefix: 'target_list_refresh' },
      { subjectType: 'sales_duty', stepPrefix: 'market_research' },
      { subjectType: 'order', stepPrefix: 'order_summary' },
    ],
  } as Record<'order_confirmation' | 'work_reports', ReadonlyArray<{ subjectType: string; stepPrefix: string }>>,
  /** New customers a month: a salesperson's quota and the department's (market development). */
  newCustomerQuota: { person: 2, department: 6 },
  /** A computed indicator scores 100 × value / target, capped here (no bonus points above). */
  scoreCap: 100,

  /** Default weight preset of the monthly assessment (run time: `/业绩 设置 方案=详细|简化`). */
  preset: 'detailed' as PresetName,

  /** Who is assessed on which scheme; other roles are not assessed. */
  schemes: { sales: 'sales', senior: 'sales', supervisor: 'supervisor' } as Partial<Record<Role, Scheme>>,
  /**
   * Who scores a scheme's manual indicators: the first of these roles that has anyone else in it.
   * With nobody: the person themself if their role is a scorer role (a supervisor's self-assessment),
   * else the admins (ADMIN_OPEN_IDS), told why on the card. These roles may press 提交评分.
   */
  scorers: { sales: ['supervisor', 'gm'], supervisor: ['gm', 'supervisor'] } as Record<Scheme, Role[]>,
  /** Who gets the team table once a month's assessments are all in. */
  teamTableTo: ['supervisor', 'gm'] as Role[],
  /** Who sees the team on /业绩, may export and sees /晋升. */
  managers: ['supervisor', 'gm', 'hr'] as Role[],

  /** Constraint rules (约束机制, seed 第十四条): consecutive months below target → prompt to supervisors, each once. */
  constraints: [
    { key: 'talk', months: 2, label: '谈话提醒', ask: '请与其进行一次绩效谈话，了解原因并明确改进措施。' },
    { key: 'training', months: 3, label: '培训改进', ask: '请为其制定培训改进计划。' },
    { key: 'position_review', months: 6, label: '岗位调整评估', ask: '请评估是否需要岗位调整。' },
  ] as const,
  /** Only these roles are held to the constraint rules (they have personal targets). */
  constraintRoles: ['sales', 'senior'] as Role[],

  /** Honours (荣誉表彰, seed 第十八条): best score of the period among these roles, at least `minScore`. */
  honours: {
    roles: ['sales', 'senior'] as Role[],
    minScore: 80,
    kinds: [
      { key: 'month_star', label: '月度之星', period: 'month' },
      { key: 'quarter_model', label: '季度标兵', period: 'quarter' },
      { key: 'year_excellent', label: '年度优秀', period: 'year' },
    ] as const,
  },

  /** New-hire plan (seed 第十四条 新员工培训): consecutive steps from the start date. */
  onboarding: [
    { key: 'culture', label: '公司文化和制度培训', days: 7 },
    { key: 'product', label: '产品知识和技术培训', days: 14 },
    { key: 'sales_skills', label: '销售技能和客户管理培训', days: 7 },
    { key: 'shadowing', label: '跟岗实习和导师指导', months: 1 },
  ] as ReadonlyArray<{ key: string; label: string; days?: number; months?: number }>,
  /** Who may start an onboarding plan and tick its steps (besides the new hire and the mentor). */
  onboardingRoles: ['supervisor', 'hr'] as Role[],

  /** Recurring training (在职培训): announced on the first day of each period. */
  training: [
    { key: 'monthly', every: 'month', label: '销售技能专题培训' },
    { key: 'quarterly', every: 'quarter', label: '行业知识更新培训' },
    { key: 'yearly', every: 'year', label: '管理能力提升培训' },
  ] as ReadonlyArray<{ key: string; every: 'month' | 'quarter' | 'year'; label: string }>,

  /**
   * Morning slogan (§7): off by default. The `settings` row `kpi.slogan` ({ enabled, chatId })
   * overrides `enabled` and `chatId` at run time; the time is this cron (BUSINESS_TZ).
   */
  slogan: { enabled: false, chatId: null as string | null, schedule: '30 8 * * *', workingDaysOnly: true },

  /** Career path (SPEC §6): from → to, with the conditions the bot can check. */
  promotion: [
    { from: ['sales'], to: '高级业务员', minYears: 2, minAvgScore: 80, note: '能指导新员工（主管判断）' },
    { from: ['senior'], to: '业务主管', minYears: 3, minAvgScore: 90, note: '具备团队管理经验（主管判断）' },
    { from: ['supervisor'], to: '销售经理', minRoleYears: 5, note: '能独立负责区域市场（主管判断）' },
  ] as ReadonlyArray<{ from: Role[]; to: string; minYears?: number; minRoleYears?: number; minAvgScore?: number; note: string }>,
  /** Results for promotion: the average of the last N monthly scores, with at least `minAssessed` of them. */
  promotionWindow: { months: 12, minAssessed: 3 },

  /** /业绩 trend length and the most people drawn in the bar chart (the text table lists everyone). */
  trendMonths: 6,
  chartPeople: 20,
};

// ---------------------------------------------------------------------------------------------
// Assessment schemes (SPEC §5)

export type PresetName = 'detailed' | 'simple';
export type Scheme = 'sales' | 'supervisor';

/** Scores the supervisor gives on the card, 0–100 each. */
export const MANUAL_INPUTS = {
  attitude: '工作态度',
  discipline: '工作纪律',
  teamwork: '团队协作',
  skills: '专业技能',
  learning: '学习能力',
  team: '团队管理效果',
  plan: '工作计划执行',
  leadership: '领导能力',
  coordination: '沟通协调能力',
} as const;
export type ManualKey = keyof typeof MANUAL_INPUTS;

export interface IndicatorDef {
  key: string;
  label: string;
  /** Points out of 100. */
  weight: number;
  group: string;
  /** Computed: mean of these metrics' scores; with none of them having data, scored by hand. */
  metrics?: readonly MetricKey[];
  /** Whose records: the person's own, or the whole department's (supervisors). */
  scope?: 'person' | 'department';
  /** Scored by hand: the mean of these inputs. */
  manual?: readonly ManualKey[];
}

const ind = (key: string, label: string, weight: number, group: string, rest: Partial<IndicatorDef>): IndicatorDef => ({ key, label, weight, group, ...rest });
const R = '业绩指标';
const W = '工作指标';
const A = '能力指标';
const M = '管理指标';

export const PRESETS: Record<PresetName, { label: string; schemes: Record<Scheme, readonly IndicatorDef[]> }> = {
  /** 职责与考核管理制度 第十、十一条. */
  detailed: {
    label: '详细方案（职责与考核管理制度）',
    schemes: {
      sales: [
        ind('target_completion', '销售目标达成率', 35, R, { metrics: ['target_completion'] }),
        ind('new_customers', '客户开发数量', 15, R, { metrics: ['new_customers'] }),
        ind('customer_maintenance', '客户维护质量', 10, R, { metrics: ['satisfaction', 'visit_plan'] }),
        ind('order_tracking', '订单跟踪效果', 10, R, { metrics: ['on_time_delivery', 'order_confirmation'] }),
        ind('attitude', '工作态度', 10, W, { manual: ['attitude'] }),
        ind('discipline', '工作纪律', 5, W, { manual: ['discipline'] }),
        ind('teamwork', '团队协作', 5, W, { manual: ['teamwork'] }),
        ind('skills', '专业技能', 5, A, { manual: ['skills'] }),
        ind('learning', '学习能力', 5, A, { manual: ['learning'] }),
      ],
      supervisor: [
        ind('dept_target', '部门销售目标达成率', 25, R, { metrics: ['target_completion'], scope: 'department' }),
        ind('satisfaction', '客户满意度', 15, R, { metrics: ['satisfaction'], scope: 'department' }),
        ind('market_development', '市场开发成效', 10, R, { metrics: ['new_customers'], scope: 'department' }),
        ind('on_time_payment', '回款及时率', 10, R, { metrics: ['on_time_payment'], scope: 'department' }),
        ind('team', '团队管理效果', 15, M, { manual: ['team'] }),
        ind('plan', '工作计划执行', 10, M, { manual: ['plan'] }),
        ind('leadership', '领导能力', 8, A, { manual: ['leadership'] }),
        ind('coordination', '沟通协调能力', 7, A, { manual: ['coordination'] }),
      ],
    },
  },
  /** 部门管理手册 第十六条. */
  simple: {
    label: '简化方案（部门管理手册）',
    schemes: {
      sales: [
        ind('target_completion', '个人销售目标达成率', 50, R, { metrics: ['target_completion'] }),
        ind('new_customers', '客户开发数量', 20, R, { metrics: ['new_customers'] }),
        ind('customer_maintenance', '客户维护质量', 15, R, { metrics: ['satisfaction', 'visit_plan'] }),
        ind('attitude_discipline', '工作态度和纪律', 10, W, { manual: ['attitude', 'discipline'] }),
        ind('teamwork', '团队协作精神', 5, W, { manual: ['teamwork'] }),
      ],
      supervisor: [
        ind('dept_target', '部门销售目标达成率', 40, R, { metrics: ['target_completion'], scope: 'department' }),
        ind('team', '团队管理效果', 20, M, { manual: ['team'] }),
        ind('satisfaction', '客户满意度', 15, R, { metrics: ['satisfaction'], scope: 'department' }),
        ind('market_development', '市场开发成效', 15, R, { metrics: ['new_customers'], scope: 'department' }),
        ind('plan', '工作计划执行情况', 10, M, { manual: ['plan'] }),
      ],
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Grades (SPEC §5 Decision) and what they mean (seed 第十六条 薪酬调整)

export type Grade = '优秀' | '良好' | '合格' | '不合格';

/** Default bands, highest first: a score ≥ min gets the grade (run time: `/业绩 设置 优秀=… 良好=… 合格=…`). */
export const GRADE_BANDS: ReadonlyArray<{ min: number; grade: Grade }> = [
  { min: 90, grade: '优秀' },
  { min: 80, grade: '良好' },
  { min: 60, grade: '合格' },
  { min: -Infinity, grade: '不合格' },
];

export const GRADE_CONSEQUENCES: Record<Grade, { salary: string; bonus: string }> = {
  优秀: { salary: '基本工资上调 10–15%', bonus: '绩效奖金 120–150%' },
  良好: { salary: '基本工资上调 5–10%', bonus: '绩效奖金 100–120%' },
  合格: { salary: '基本工资保持不变', bonus: '绩效奖金 80–100%' },
  不合格: { salary: '基本工资下调 5%', bonus: '绩效奖金 50–80%' },
};

export type KpiConfig = typeof KPI_CONFIG;
