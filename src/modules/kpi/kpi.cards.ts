/**
 * KPI cards (templates cards/kpi-*.json): the /业绩 report with VChart charts and a text table
 * beside each chart (clients that cannot draw charts still read the figures), the scoring form,
 * results, team tables and the onboarding checklist.
 */
import onboardingTpl from '../../../cards/kpi-onboarding.json';
import reportTpl from '../../../cards/kpi-report.json';
import scoreFormTpl from '../../../cards/kpi-score-form.json';
import { button, CARD_MAX_BYTES, cardBytes, md, renderCard, type Card } from '../../platform/cards';
import { yuan } from '../../platform/format';
import { KPI_CONFIG, MANUAL_INPUTS, PRESETS, STANDARDS, type Grade, type IndicatorDef, type PresetName, type SalesRule, type Scheme } from './kpi.config';
import { consequenceText, type InputNeed } from './kpi.scoring';
import { salesRuleText } from './kpi.settings';
import type { Assessment, OnboardingItem } from './kpi.schema';
import { mark, pct, targetText, type StandardResult } from './standards';

/** User text inside lark_md and table cells: no tags, no pipes, one line. */
export const plain = (s: string | null | undefined) => (s ?? '').replace(/</g, '＜').replace(/>/g, '＞').replace(/\|/g, '｜').replace(/\s+/g, ' ').trim();

/** A markdown table (Feishu card markdown renders it; any client shows it as text). */
export function mdTable(headers: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

const note = (text: string) => ({ tag: 'markdown', content: text, text_size: 'notation' });

/** A Feishu card chart (VChart spec, no JavaScript inside). */
const chart = (elementId: string, spec: Record<string, unknown>) => ({ tag: 'chart', element_id: elementId, aspect_ratio: '16:9', color_theme: 'brand', chart_spec: spec });

const legend = { visible: true, orient: 'bottom' };

/** Grouped bars: target and actual side by side for each label. */
export function barSpec(title: string, rows: Array<{ label: string; target: number | null; actual: number }>): Record<string, unknown> {
  const values = rows.flatMap((r) => [...(r.target !== null ? [{ x: r.label, series: '目标', value: r.target }] : []), { x: r.label, series: '实际', value: r.actual }]);
  return { type: 'bar', title: { visible: true, text: title }, data: [{ id: 'bars', values }], xField: ['x', 'series'], yField: 'value', seriesField: 'series', legends: legend };
}

/** Lines over months: actual, and target where one was set. */
export function lineSpec(title: string, rows: Array<{ month: string; target: number | null; actual: number }>): Record<string, unknown> {
  const values = rows.flatMap((r) => [{ month: r.month, series: '实际', value: r.actual }, ...(r.target !== null ? [{ month: r.month, series: '目标', value: r.target }] : [])]);
  return { type: 'line', title: { visible: true, text: title }, data: [{ id: 'trend', values }], xField: 'month', yField: 'value', seriesField: 'series', point: { visible: true }, legends: legend };
}

const rateText = (actual: number, target: number | null) => (target ? pct(actual / target) : '—');
const passText = (actual: number, target: number | null) => (target ? (actual >= target ? '✅' : '❌') : '➖ 未设目标');

/** "✅ 客户满意度 92.0%（目标 ≥ 90%）· 23/25 份评分满意" */
export function standardLine(r: StandardResult): string {
  const tt = targetText(r);
  const detail = r.detail && !['无数据', r.valueText].includes(r.detail) && r.def.hasSource ? ` · ${plain(r.detail)}` : '';
  return `${mark(r.pass)} ${r.def.label} **${r.valueText}**${tt ? `（${tt}）` : ''}${detail}`;
}

const noSource = () => STANDARDS.filter((s) => !s.hasSource).map((s) => s.label);

/** What a card may weigh: Feishu's 30 KB limit, less room for the message envelope. */
export const CARD_BUDGET = CARD_MAX_BYTES - 1024;

/**
 * A card with a per-person table, as long as it fits: `build(n)` draws the card listing the first
 * n of `total` rows (and, when n < total, says how many were left out and where to find them).
 */
export function fitRows(total: number, build: (shown: number) => Card): Card {
  const full = build(total);
  if (cardBytes(full) < CARD_BUDGET) return full;
  let lo = 0;
  let hi = total - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (cardBytes(build(mid)) < CARD_BUDGET) lo = mid;
    else hi = mid - 1;
  }
  return build(lo);
}

/** "另有 120 人未列出（卡片大小有限），完整名单请发送 /导出 业绩 2026-03。" */
const leftOut = (rest: number, where: string) => md(`**另有 ${rest} 人未列出**（卡片大小有限），完整名单请发送 ${where}。`);

export interface TrendRow {
  month: string;
  target: number | null;
  actual: number;
}
export interface PersonRow {
  name: string;
  target: number | null;
  actual: number;
  standards: StandardResult[];
  grade?: string | null;
}

export interface ReportView {
  periodLabel: string;
  /** The person's own card, or the department's. */
  who: { kind: 'person'; name: string } | { kind: 'team' };
  standards: StandardResult[];
  trend: TrendRow[];
  /** Team view: one row per person. */
  people?: PersonRow[];
  assessment?: Pick<Assessment, 'score' | 'grade' | 'status'> | null;
  /** The sales rule the figures were summed by. */
  salesRule: SalesRule;
  /** Where the whole team is when the card cannot list everyone: '/导出 业绩 2026-03'. */
  exportHint: string;
}

/** The standards shown per person in the team table (short headers). */
const TEAM_COLUMNS: Array<[StandardResult['def']['key'], string]> = [
  ['satisfaction', '满意度'],
  ['on_time_delivery', '交付'],
  ['on_time_payment', '回款'],
  ['complaints_on_time', '投诉'],
  ['inquiry_response', '咨询'],
  ['order_confirmation', '确认'],
  ['visit_plan', '拜访'],
];
const cell = (r: StandardResult | undefined) => (!r ? '—' : r.value === null ? '无数据' : `${mark(r.pass)}${r.def.count ? r.value : pct(r.value)}`);

/**
 * /业绩: standards with their targets and marks, the charts, and a text table beside each chart.
 * A team too large for one card gets the first rows of the per-person tables and a pointer to the export.
 */
export function reportCard(v: ReportView): Card {
  return fitRows(v.people?.length ?? 0, (shown) => drawReport(v, shown));
}

function drawReport(v: ReportView, shown: number): Card {
  const completion = v.standards.find((s) => s.def.key === 'target_completion');
  const title = v.who.kind === 'team' ? `团队业绩 · ${v.periodLabel}` : `我的业绩 · ${v.periodLabel}`;
  const passed = v.standards.filter((s) => s.pass === true).length;
  const judged = v.standards.filter((s) => s.pass !== null).length;
  const subtitle = `${v.who.kind === 'person' ? `${v.who.name} · ` : '部门 · '}达标 ${passed}/${judged} 项${completion?.value !== null && completion ? ` · 完成率 ${completion.valueText}` : ''}`;
  const elements: unknown[] = [md(`**${v.who.kind === 'team' ? '部门工作标准' : '工作标准'}**\n${v.standards.map(standardLine).join('\n')}`)];

  if (v.assessment?.status === 'done' && v.assessment.grade) {
    elements.push(md(`**本期考核**：${v.assessment.score} 分 · ${v.assessment.grade}（${consequenceText(v.assessment.grade as Grade)}）`));
  }

  if (v.people?.length) {
    const charted = v.people.slice(0, KPI_CONFIG.chartPeople);
    const listed = v.people.slice(0, shown);
    elements.push(chart('kpi_bar', barSpec('目标 vs 实际（元）', charted.map((p) => ({ label: p.name, target: p.target, actual: p.actual })))));
    elements.push(md(mdTable(['姓名', '目标', '实际', '完成率', '达标'], listed.map((p) => [plain(p.name), yuan(p.target), yuan(p.actual), rateText(p.actual, p.target), passText(p.actual, p.target)]))));
    elements.push(
      md(
        `**个人工作标准**\n\n${mdTable(
          ['姓名', ...TEAM_COLUMNS.map(([, h]) => h), '考核'],
          listed.map((p) => [plain(p.name), ...TEAM_COLUMNS.map(([k]) => cell(p.standards.find((s) => s.def.key === k))), p.grade ?? '—']),
        )}`,
      ),
    );
    if (shown < v.people.length) elements.push(leftOut(v.people.length - shown, v.exportHint));
  }

  const trendTitle = v.who.kind === 'team' ? `部门近 ${v.trend.length} 个月销售趋势（元）` : `近 ${v.trend.length} 个月目标 vs 实际（元）`;
  elements.push(chart('kpi_trend', v.who.kind === 'team' ? lineSpec(trendTitle, v.trend) : barSpec(trendTitle, v.trend.map((t) => ({ label: t.month, target: t.target, actual: t.actual })))));
  elements.push(md(mdTable(['月份', '目标', '实际', '完成率'], v.trend.map((t) => [t.month, yuan(t.target), yuan(t.actual), rateText(t.actual, t.target)]))));

  const missing = noSource();
  elements.push(note(`✅ 达标 ❌ 未达标 ➖ 无数据（不计为 0%）。${salesRuleText(v.salesRule)}。${missing.length ? `系统无数据来源：${missing.join('、')}。` : ''}`));
  const color = completion?.pass === false ? 'orange' : completion?.pass ? 'green' : 'blue';
  return renderCard(reportTpl, { title, subtitle, color, elements });
}

// ---------------------------------------------------------------------------------------------
// Assessment cards

export const indicatorsOf = (preset: string, scheme: Scheme): readonly IndicatorDef[] => PRESETS[(preset in PRESETS ? preset : 'detailed') as PresetName].schemes[scheme];
export const schemeLabel = (s: Scheme) => (s === 'supervisor' ? '业务主管' : '业务员');

/** "工作态度 · 计入 工作态度 10%" — where each typed score goes. */
function inputLabel(need: InputNeed, indicators: readonly IndicatorDef[]): string {
  const uses = indicators.filter((i) => (i.manual ? (i.manual as readonly string[]).includes(need.key) : i.key === need.key));
  const where = uses.map((i) => `${i.label} ${i.weight}%${i.manual && i.manual.length > 1 ? `（与${i.manual.filter((k) => k !== need.key).map((k) => MANUAL_INPUTS[k]).join('、')}取平均）` : ''}`).join('；');
  return `${need.label}（0–100）· 计入 ${where}`;
}

export interface ScoreFormView {
  a: Assessment;
  name: string;
  computed: Array<{ key: string; label: string; weight: number; score: number | null; detail: string }>;
  needs: InputNeed[];
  /** Not the usual scorer: a self-assessment, or the admins standing in (nobody else may score). */
  scoredBy?: 'self' | 'admin';
}

export function scoreFormCard(v: ScoreFormView): Card {
  const indicators = indicatorsOf(v.a.preset, v.a.scheme);
  const lines = v.computed.map((c) => `${c.score === null ? '➖' : '📊'} ${c.label}（${c.weight}%）：${c.score === null ? '无数据，请在下方打分' : `**${c.score} 分** · ${plain(c.detail)}`}`);
  const summary = md(`**${schemeLabel(v.a.scheme)}** · ${PRESETS[v.a.preset as PresetName]?.label ?? v.a.preset}\n**按记录计算：**\n${lines.join('\n') || '（无）'}\n**请为以下各项打分（0–100）：**`);
  const inputs = v.needs.map((n) => ({
    tag: 'input',
    name: n.key,
    required: true,
    width: 'fill',
    max_length: 5,
    label: { tag: 'plain_text', content: inputLabel(n, indicators) },
    placeholder: { tag: 'plain_text', content: '0–100' },
  }));
  const who = v.scoredBy === 'self' ? '自评（没有其他评分人）· ' : v.scoredBy === 'admin' ? '管理员代评 · ' : '';
  const subtitle = `${who}全部填写后提交，结果会私信本人`;
  const why = v.scoredBy === 'admin' ? [note(`没有业务主管或总经办可为 ${plain(v.name)} 评分，所以发给管理员：请代为评分，或先用 /角色 @某人 主管 绑定主管（下月起由主管评分）。`)] : [];
  return renderCard(scoreFormTpl, { name: plain(v.name), period: v.a.period, subtitle, summary: [summary, ...why], inputs, submitValue: { action: 'kpi.score', id: v.a.id, v: v.a.version } });
}

const breakdownLines = (a: Assessment) => (a.breakdown ?? []).map((l) => `• ${l.label}（${l.weight}%）${l.score} 分${l.source === 'computed' ? ` · ${plain(l.detail)}` : ''}`);

/** The result: to the person by DM, and what the scoring card turns into. */
export function resultCard(a: Assessment, name: string, opts: { scorerName?: string; forScorer?: boolean } = {}): Card {
  const grade = a.grade as Grade;
  const kind = a.kind === 'month' ? '月度' : a.kind === 'quarter' ? '季度' : '年度';
  const elements = [
    md(`**${plain(name)}** ${kind}考核（${a.period}）：**${a.score} 分 · ${grade}**\n${consequenceText(grade)}`),
    ...(a.breakdown?.length ? [md(breakdownLines(a).join('\n'))] : [md(a.kind === 'month' ? '' : `由当期各月考核得分平均得出。`)]),
    ...(opts.forScorer && opts.scorerName ? [note(`评分人：${plain(opts.scorerName)}`)] : []),
  ].filter((e) => (e as { content: string }).content !== '');
  const color = grade === '优秀' ? 'green' : grade === '良好' ? 'turquoise' : grade === '合格' ? 'blue' : 'red';
  return renderCard(reportTpl, { title: `绩效考核结果 · ${a.period}`, subtitle: opts.forScorer ? '已评分' : '', color, elements });
}

export interface TeamRow {
  name: string;
  role: string;
  month: Assessment;
  quarter?: Assessment | null;
  year?: Assessment | null;
}

/** To supervisors once every assessment of the month is in; a team too large for one card is cut short with a pointer to the export. */
export function teamTableCard(period: string, rows: TeamRow[], extra: { quarter?: string; year?: string; honours: string[] }): Card {
  return fitRows(rows.length, (shown) => drawTeamTable(period, rows, extra, shown));
}

function drawTeamTable(period: string, rows: TeamRow[], extra: { quarter?: string; year?: string; honours: string[] }, shown: number): Card {
  const headers = ['姓名', '岗位', '得分', '等级', '薪酬 / 奖金', ...(extra.quarter ? [`${extra.quarter}`] : []), ...(extra.year ? [`${extra.year}`] : [])];
  const body = rows.slice(0, shown).map((r) => {
    const g = r.month.grade as Grade;
    return [
      plain(r.name),
      r.role,
      String(r.month.score),
      g,
      consequenceText(g),
      ...(extra.quarter ? [r.quarter ? `${r.quarter.score}（${r.quarter.grade}）` : '—'] : []),
      ...(extra.year ? [r.year ? `${r.year.score}（${r.year.grade}）` : '—'] : []),
    ];
  });
  const elements = [md(mdTable(headers, body)), ...(shown < rows.length ? [leftOut(rows.length - shown, `/导出 业绩 ${period}`)] : []), ...(extra.honours.length ? [md(extra.honours.join('\n'))] : [])];
  return renderCard(reportTpl, { title: `团队考核结果 · ${period}`, subtitle: `${rows.length} 人`, color: 'blue', elements });
}

/** A plain notice card (prompts, promotion list, training). */
export const noticeCard = (title: string, color: string, elements: unknown[], subtitle = '') => renderCard(reportTpl, { title, subtitle, color, elements });

// ---------------------------------------------------------------------------------------------
// Onboarding

export function onboardingCard(v: { planId: number; version: number; name: string; mentor: string; startOn: string; items: OnboardingItem[]; today: string }): Card {
  const done = v.items.filter((i) => i.doneAt).length;
  const elements: unknown[] = [md(`新员工：**${plain(v.name)}** · 导师：**${plain(v.mentor)}** · 入职：${v.startOn}`)];
  for (const i of v.items) {
    const state = i.doneAt ? '✅ 已完成' : i.dueOn < v.today ? '⏰ 已超期' : i.startsOn <= v.today ? '▶️ 进行中' : '⏳ 未开始';
    elements.push({
      tag: 'column_set',
      flex_mode: 'none',
      columns: [
        { tag: 'column', width: 'weighted', weight: 4, elements: [md(`**${i.seq}. ${i.label}**\n${i.startsOn} 至 ${i.dueOn} · ${state}`)] },
        { tag: 'column', width: 'weighted', weight: 1, vertical_align: 'center', elements: i.doneAt ? [] : [button('完成', { action: 'kpi.onboarding_done', id: i.id, v: v.version }, 'primary')] },
      ],
    });
  }
  const all = done === v.items.length;
  return renderCard(onboardingTpl, { name: plain(v.name), subtitle: `进度 ${done}/${v.items.length}`, color: all ? 'green' : 'blue', elements });
}

