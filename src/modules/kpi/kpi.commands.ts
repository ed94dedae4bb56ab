/**
 * /目标, /业绩, /导出, /晋升, /入职 (INTERFACE.md). Performance data is personal: asked in a
 * group, the answer goes to the asker by DM and the group only hears that it was sent.
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { BotContext } from '../../platform/context';
import { users } from '../../platform/db/core.schema';
import { refuse } from '../../platform/errors';
import type { Content } from '../../platform/feishu/outbox';
import { yuan } from '../../platform/format';
import { arg } from '../../platform/router/args';
import { defineCommand } from '../../platform/router/command';
import { roleLabel, type Role } from '../../platform/roles';
import { monthKey } from '../../platform/time';
import { KPI_CONFIG, PRESETS, type PresetName, type SalesRule, type Scheme } from './kpi.config';
import { schemeOf } from './kpi.data';
import { bandsProblem, bandsText, DEFAULT_RULES, KPI_RULES_KEY, loadRules, PRESET_WORDS, RULE_WORDS, saveRules, type KpiRules } from './kpi.settings';
import { monthPeriod, parsePeriod, PERIOD_WORDS } from './kpi.periods';
import { customersSheet, ordersSheet, performanceSheet, reportFor } from './kpi.report';
import { DEPARTMENT, kpiTargets } from './kpi.schema';
import { isManager, promotionCard, promotionRows, startOnboarding } from './people-dev';
import { xlsx } from './xlsx';

const MANAGERS = [...KPI_CONFIG.managers, 'admin'] as const;
const tzOf = (ctx: BotContext) => ctx.services.config.BUSINESS_TZ;
const salesRuleNote = (rule: SalesRule) => (rule === 'payments' ? '销售额按当月回款金额计算' : '销售额按当月客户确认的订单金额计算');

/** In a group: DM the content, tell the group it was sent. In a private chat: just reply. */
async function privately(ctx: BotContext, content: Content, what: string): Promise<Content | void> {
  if (ctx.chat?.type === 'group') {
    await ctx.send({ kind: 'send', to: { openId: ctx.actor.openId }, content });
    return { text: `${what}已私信发给你。` };
  }
  return content;
}

export const targetCommand = defineCommand({
  path: ['目标'],
  aliases: [['target']],
  summary: '主管：设定月度销售目标（个人或部门）',
  summaryEn: 'supervisor: set a monthly sales target (person or department)',
  usage: '/目标 @某人|部门 <YYYY-MM> <金额>',
  examples: ['/目标 @李业务 2026-03 10万', '/目标 部门 2026-03 50万'],
  positional: ['month', 'amount'],
  flags: { dept: ['部门', 'department', 'dept'] },
  roles: ['supervisor'],
  args: () =>
    z
      .object({ mentions: z.array(z.string()), dept: z.boolean().default(false), month: arg.month('月份'), amount: arg.amount('金额') })
      .superRefine((v, c) => {
        if (v.dept && v.mentions.length) c.addIssue({ code: 'custom', message: '请只写一个对象：@某人 或 部门，不要同时写。' });
        else if (!v.dept && v.mentions.length === 0) c.addIssue({ code: 'custom', message: '请 @ 一位同事，或写「部门」设定部门目标。' });
        else if (v.mentions.length > 1) c.addIssue({ code: 'custom', message: '一次只能为一位同事设定目标。' });
      }),
  async run(ctx, { mentions, dept, month, amount }) {
    const subject = dept ? DEPARTMENT : mentions[0]!;
    let who = '部门';
    if (!dept) {
      const [u] = await ctx.tx.select({ name: users.name, role: users.role }).from(users).where(eq(users.openId, subject));
      who = u?.name ?? subject;
      if (u?.role && !schemeOf(u.role as Role)) refuse('NOT_SALES', `${who} 的角色是「${roleLabel(u.role)}」，不是业务人员，不能设定销售目标。`);
    }
    const [before] = await ctx.tx.select().from(kpiTargets).where(and(eq(kpiTargets.subject, subject), eq(kpiTargets.month, month)));
    await ctx.tx
      .insert(kpiTargets)
      .values({ subject, month, amount, setBy: ctx.actor.openId, createdAt: ctx.now, updatedAt: ctx.now })
      .onConflictDoUpdate({ target: [kpiTargets.subject, kpiTargets.month], set: { amount, setBy: ctx.actor.openId, updatedAt: ctx.now, version: (before?.version ?? 0) + 1 } });
    await ctx.audit({ action: 'target.set', subjectType: 'kpi_target', subjectId: `${subject}:${month}`, fromState: before ? String(before.amount) : null, toState: String(amount) });
    const rule = salesRuleNote((await loadRules(ctx.tx)).salesRule);
    if (!dept && subject !== ctx.actor.openId) {
      await ctx.send({ kind: 'send', to: { openId: subject }, content: { text: `🎯 你的 ${month} 销售目标已设定为 ${yuan(amount)}（${rule}）。发送 /业绩 ${month} 查看进度。` } });
    }
    return { text: `已设定 ${who} ${month} 销售目标 ${yuan(amount)}${before ? `（原 ${yuan(before.amount)}）` : ''}。${rule}。` };
  },
});

export const kpiCommand = defineCommand({
  path: ['业绩'],
  aliases: [['kpi']],
  summary: '业绩与工作标准（目标、达标情况、图表）；主管看团队',
  summaryEn: 'results against targets and standards, with a chart (supervisors: the team)',
  usage: '/业绩 [YYYY-MM]',
  examples: ['/业绩', '/业绩 2026-03', '/业绩 2026-Q1', '/业绩 上周'],
  positional: ['period'],
  args: () => z.object({ period: z.string().optional() }),
  async run(ctx, { period: raw }) {
    const tz = tzOf(ctx);
    const period = raw ? parsePeriod(raw, ctx.now, tz) : monthPeriod(monthKey(ctx.now, tz), tz);
    if (!period) return refuse('BAD_INPUT', `看不懂期间「${raw}」：请写 YYYY-MM（如 2026-03）、YYYY-Q1，或 ${PERIOD_WORDS.join('、')}。\n用法：/业绩 [YYYY-MM]`);
    const team = isManager(ctx.actor.role) || ctx.actor.isAdmin;
    const card = await reportFor(ctx.tx, ctx.services, ctx.now, period, { openId: ctx.actor.openId, name: ctx.actor.name ?? ctx.actor.openId, team });
    return privately(ctx, { card }, `${period.label} 业绩`);
  },
});

// ---------------------------------------------------------------------------------------------
// /业绩 设置: preset, sales rule and grade bands at run time (kpi.settings.ts)

const PRESET_CHOICES = { 详细: 'detailed', 简化: 'simple', detailed: 'detailed', simple: 'simple' } as const satisfies Record<string, PresetName>;
const RULE_CHOICES = { 确认订单: 'confirmed', 订单: 'confirmed', 回款: 'payments', confirmed: 'confirmed', payments: 'payments' } as const satisfies Record<string, SalesRule>;
const bandArg = (label: string) =>
  z
    .string()
    .transform((v, c) => {
      const n = Number(v.replace(/分$/, ''));
      if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) {
        c.addIssue({ code: 'custom', message: `${label}「${v}」须是 0–100 的分数` });
        return z.NEVER;
      }
      return n;
    })
    .optional();

const weights = (p: PresetName, scheme: Scheme) => PRESETS[p].schemes[scheme].map((i) => i.weight).join('/');

/** The rules as a few lines: what is in force and what each is. */
function rulesText(r: KpiRules): string {
  const mark = (changed: boolean) => (changed ? '' : '（默认）');
  return [
    `方案：${PRESETS[r.preset].label}${mark(r.preset !== DEFAULT_RULES.preset)} · 业务员 ${weights(r.preset, 'sales')}，业务主管 ${weights(r.preset, 'supervisor')}`,
    `口径：${RULE_WORDS[r.salesRule]} · ${salesRuleNote(r.salesRule)}${mark(r.salesRule !== DEFAULT_RULES.salesRule)}`,
    `分档：${bandsText(r.bands)}${mark(JSON.stringify(r.bands) !== JSON.stringify(DEFAULT_RULES.bands))}`,
  ].join('\n');
}

const SETTINGS_USAGE = '/业绩 设置 [方案=详细|简化] [口径=确认订单|回款] [优秀=90 良好=80 合格=60] [恢复默认]';

export const kpiSettingsCommand = defineCommand({
  path: ['业绩', '设置'],
  aliases: [['kpi', 'settings']],
  summary: '主管：绩效方案、销售额口径和等级分档（不带参数则查看当前设置）',
  summaryEn: 'supervisor: assessment preset, sales rule and grade bands (no arguments: show them)',
  usage: SETTINGS_USAGE,
  examples: ['/业绩 设置 方案=简化', '/业绩 设置 口径=回款', '/业绩 设置 优秀=85 良好=75 合格=60', '/业绩 设置'],
  keys: { preset: ['方案', 'preset'], salesRule: ['口径', 'rule'], excellent: ['优秀', 'excellent'], good: ['良好', 'good'], pass: ['合格', 'pass'] },
  flags: { reset: ['恢复默认', 'reset'] },
  roles: ['supervisor', 'admin'],
  args: () =>
    z.object({
      preset: arg.choice('方案', PRESET_CHOICES).optional(),
      salesRule: arg.choice('口径', RULE_CHOICES).optional(),
      excellent: bandArg('优秀'),
      good: bandArg('良好'),
      pass: bandArg('合格'),
      reset: z.boolean().default(false),
    }),
  async run(ctx, { preset, salesRule, excellent, good, pass, reset }) {
    const before = await loadRules(ctx.tx);
    const asked = preset !== undefined || salesRule !== undefined || excellent !== undefined || good !== undefined || pass !== undefined;
    if (!asked && !reset) return { text: `**绩效设置**\n${rulesText(before)}\n修改：${SETTINGS_USAGE}` };
    if (reset && asked) return refuse('BAD_INPUT', '「恢复默认」不能和其他设置同时写：请分两次发送。');
    const base = reset ? DEFAULT_RULES : before;
    const after: KpiRules = {
      preset: preset ?? base.preset,
      salesRule: salesRule ?? base.salesRule,
      bands: { 优秀: excellent ?? base.bands.优秀, 良好: good ?? base.bands.良好, 合格: pass ?? base.bands.合格 },
    };
    const problem = bandsProblem(after.bands);
    if (problem) return refuse('BAD_INPUT', `${problem}。`);
    const changes: string[] = [];
    if (after.preset !== before.preset) changes.push(`方案 ${PRESET_WORDS[before.preset]} → ${PRESET_WORDS[after.preset]}（下次月度考核起生效；已开启的考核仍按原方案）`);
    if (after.salesRule !== before.salesRule) changes.push(`口径 ${RULE_WORDS[before.salesRule]} → ${RULE_WORDS[after.salesRule]}（业绩、导出和目标进度即时按新口径计算，月度考核在下次运行时使用）`);
    if (JSON.stringify(after.bands) !== JSON.stringify(before.bands)) changes.push(`分档 ${bandsText(before.bands)} → ${bandsText(after.bands)}（之后评出的等级按新分档，已评出的不变）`);
    if (!changes.length) return { text: `设置没有变化。\n${rulesText(before)}` };
    await saveRules(ctx.tx, after, ctx.now);
    await ctx.audit({ action: 'kpi.settings', subjectType: 'setting', subjectId: KPI_RULES_KEY, fromState: JSON.stringify(before), toState: JSON.stringify(after), detail: { changes } });
    return { text: `已更新绩效设置：\n${changes.map((c) => `• ${c}`).join('\n')}` };
  },
});

const EXPORTS = { 业绩: 'kpi', 客户: 'customers', 订单: 'orders', kpi: 'kpi', performance: 'kpi', customers: 'customers', orders: 'orders' } as const;
const EXPORT_NAMES = { kpi: '业绩', customers: '客户', orders: '订单' } as const;

export const exportCommand = defineCommand({
  path: ['导出'],
  aliases: [['export']],
  summary: '导出 Excel（业绩、客户、订单），私信发送',
  summaryEn: 'an .xlsx file (kpi, customers, orders) by DM',
  usage: '/导出 业绩|客户|订单 [YYYY-MM]',
  examples: ['/导出 业绩 2026-03', '/导出 客户', '/导出 订单 2026-03'],
  positional: ['what', 'month'],
  roles: [...MANAGERS],
  args: () => z.object({ what: arg.choice('导出内容', EXPORTS), month: arg.month('月份').optional() }),
  async run(ctx, { what, month }) {
    const tz = tzOf(ctx);
    const period = month ? monthPeriod(month, tz) : null;
    const current = monthPeriod(monthKey(ctx.now, tz), tz);
    const sheet = what === 'kpi' ? await performanceSheet(ctx.tx, ctx.services, ctx.now, period ?? current) : what === 'orders' ? await ordersSheet(ctx.tx, ctx.services, period ?? current) : await customersSheet(ctx.tx, ctx.services, period);
    const name = `${EXPORT_NAMES[what]}-${what === 'customers' ? (period?.key ?? '全部') : (period ?? current).key}.xlsx`;
    const bytes = xlsx([sheet]);
    await ctx.send({ kind: 'send', to: { openId: ctx.actor.openId }, content: { file: { name, base64: bytes.toString('base64') } } });
    await ctx.audit({ action: 'export', subjectType: 'export', subjectId: name, detail: { rows: sheet.rows.length - 1 } });
    return { text: `已私信发送 ${name}（${sheet.rows.length - 1} 行）。` };
  },
});

export const promotionCommand = defineCommand({
  path: ['晋升'],
  aliases: [['promotion']],
  summary: '主管：晋升资格（司龄、任职、考核）',
  summaryEn: 'supervisor: promotion eligibility',
  usage: '/晋升',
  roles: [...MANAGERS],
  async run(ctx) {
    const rows = await promotionRows(ctx.tx, ctx.now, tzOf(ctx));
    return privately(ctx, { card: promotionCard(rows) }, '晋升资格表');
  },
});

export const onboardCommand = defineCommand({
  path: ['入职'],
  aliases: [['onboard']],
  summary: '主管：新员工入职培训计划（可再 @ 导师）',
  summaryEn: 'supervisor: onboarding plan for a new hire',
  usage: '/入职 @某人 <日期> [@导师]',
  examples: ['/入职 @张业务 2026-03-02', '/入职 @张业务 今天 @李业务'],
  positional: ['date'],
  roles: [...KPI_CONFIG.onboardingRoles, 'admin'],
  args: ({ today }) =>
    z
      .object({ mentions: z.array(z.string()), date: arg.date('入职日期', today) })
      .superRefine((v, c) => {
        if (v.mentions.length === 0) c.addIssue({ code: 'custom', message: '请 @ 新员工（可再 @ 一位导师）。' });
        else if (v.mentions.length > 2) c.addIssue({ code: 'custom', message: '最多 @ 两人：新员工和导师。' });
      }),
  async run(ctx, { mentions, date }) {
    const [hire, mentor = ctx.actor.openId] = mentions as [string, string?];
    const { items } = await startOnboarding(ctx, { openId: hire, mentorOpenId: mentor, startOn: date });
    const [h] = await ctx.tx.select({ name: users.name }).from(users).where(eq(users.openId, hire));
    const [m] = await ctx.tx.select({ name: users.name }).from(users).where(eq(users.openId, mentor));
    const lines = items.map((i) => `${i.seq}. ${i.label}：${i.startsOn} 至 ${i.dueOn}`);
    return { text: `已为 ${h?.name ?? hire} 建立入职培训计划（导师 ${m?.name ?? mentor}）：\n${lines.join('\n')}\n计划卡片已私信发给新员工和导师，每步开始和到期时会提醒。` };
  },
});

export const kpiCommands = [targetCommand, kpiCommand, kpiSettingsCommand, exportCommand, promotionCommand, onboardCommand];
