/**
 * Complaint cards: the record card (cards/complaint.json) whose action slot holds the next
 * step — the 受理 button, then the 调查 / 处理 / 结案 forms, then 重新打开 — the new-complaint form
 * (cards/complaint-new.json), and the service-item card (cards/complaint-service.json) used for
 * urgent issues and quality follow-ups. Loss and cost allocation never go on a shared card.
 *
 * Every copy of a card is rendered for the one who sees it (`Viewer`): a group copy (null) is
 * read-only and says where the steps are; a private copy carries only the steps the workflow
 * lets that person take. The server checks every click again regardless.
 */
import { and, asc, eq, inArray, isNotNull } from 'drizzle-orm';
import newTemplate from '../../../cards/complaint-new.json';
import complaintTemplate from '../../../cards/complaint.json';
import serviceTemplate from '../../../cards/complaint-service.json';
import { buttonRow, button, hr, md, renderCard, simpleCard, type Card } from '../../platform/cards';
import type { BotContext, Services } from '../../platform/context';
import type { Tx } from '../../platform/db/client';
import { auditLog, users } from '../../platform/db/core.schema';
import { yuan } from '../../platform/format';
import { deadlinesOf } from '../../platform/sla/deadlines';
import { dueText } from '../../platform/sla/format';
import type { DeadlineRow } from '../../platform/sla/sla.schema';
import { formatLocal } from '../../platform/time';
import { eventLabel, stateLabel } from '../../platform/workflow/workflow';
import { customers } from '../customers';
import type { CauseKey, Complaint, FollowUp, UrgentIssue } from './complaints.schema';
import { stepsFor, SUBJECT, type Render, type Viewer } from './complaints.service';
import { CAUSES, complaintWorkflow, urgentIssueWorkflow, type Allocation, type ComplaintState } from './complaints.workflow';
import { mayRecordFollowUp } from './follow-ups';

/** What rendering needs: the transaction, the services and the moment countdowns count from. */
export interface CardEnv {
  tx: Tx;
  services: Services;
  now: Date;
}

/** The card environment of a bot context. */
export const envOf = (ctx: BotContext): CardEnv => ({ tx: ctx.tx, services: ctx.services, now: ctx.now });
/** How `refreshCopies` renders each kind's copies for their viewers. */
export const complaintFor = (ctx: BotContext): Render<Complaint> => async (c, viewer) => ({ card: await complaintCard(envOf(ctx), c, { viewer }) });
export const urgentFor = (ctx: BotContext): Render<UrgentIssue> => async (u, viewer) => ({ card: await urgentIssueCard(envOf(ctx), u, viewer) });

export const NEW_COMPLAINT_USAGE = '/投诉 新建 客户=… 内容=… [订单=…] [紧急]';

/** Satisfaction scores as offered on the 结案 form. */
export const SATISFACTION_LABELS: Readonly<Record<number, string>> = { 5: '非常满意', 4: '满意', 3: '一般', 2: '不满意', 1: '非常不满意' };

const STATE_COLOR: Readonly<Record<ComplaintState, string>> = { received: 'orange', acknowledged: 'blue', investigated: 'indigo', resolved: 'turquoise', closed: 'green' };
/** Longest free text echoed in a history line. */
const SNIPPET = 60;
/** People offered by the 责任人 picker. */
const MAX_PEOPLE = 50;

// ---------------------------------------------------------------------------------------------
// Small builders for form parts (card JSON 2.0)

const plain = (content: string) => ({ tag: 'plain_text', content });
const snippet = (s: string) => (Array.from(s).length > SNIPPET ? `${Array.from(s).slice(0, SNIPPET).join('')}…` : s);

const input = (name: string, label: string, o: { required?: boolean; multiline?: boolean; placeholder?: string; max?: number } = {}) => ({
  tag: 'input',
  name,
  required: o.required ?? false,
  max_length: o.max ?? 500,
  label: plain(label),
  placeholder: plain(o.placeholder ?? label),
  ...(o.multiline ? { input_type: 'multiline_text', rows: 3 } : {}),
});

const select = (name: string, placeholder: string, options: Array<[value: string, label: string]>, required = true) => ({
  tag: 'select_static',
  name,
  required,
  placeholder: plain(placeholder),
  options: options.map(([value, label]) => ({ text: plain(label), value })),
});

const personSelect = (name: string, placeholder: string, openIds: string[]) => ({ tag: 'select_person', name, required: false, placeholder: plain(placeholder), options: openIds.map((value) => ({ value })) });

const submit = (label: string, value: Record<string, unknown> & { action: string }, type: 'primary' | 'default' = 'primary') => ({
  tag: 'button',
  name: 'submit',
  type,
  text: plain(label),
  form_action_type: 'submit',
  behaviors: [{ type: 'callback', value }],
});

const form = (name: string, title: string, elements: unknown[]) => [hr(), md(title), { tag: 'form', name, elements }];

// ---------------------------------------------------------------------------------------------
// Shared lookups

export async function namesOf(tx: Tx, ids: Array<string | null | undefined>): Promise<(id: string | null | undefined) => string> {
  const wanted = [...new Set(ids.filter((x): x is string => !!x))];
  const rows = wanted.length ? await tx.select({ openId: users.openId, name: users.name }).from(users).where(inArray(users.openId, wanted)) : [];
  const byId = new Map(rows.map((r) => [r.openId, r.name ?? r.openId]));
  return (id) => (id ? byId.get(id) ?? id : '—');
}

export async function customerName(tx: Tx, id: number): Promise<string> {
  const [c] = await tx.select({ name: customers.name }).from(customers).where(eq(customers.id, id));
  return c?.name ?? `#${id}`;
}

/** Everyone the bot knows with a role: the 责任人 picker's options. */
async function department(tx: Tx): Promise<string[]> {
  const rows = await tx.select({ openId: users.openId }).from(users).where(isNotNull(users.role)).orderBy(asc(users.name)).limit(MAX_PEOPLE);
  return rows.map((r) => r.openId);
}

/** A record's clocks, oldest first: what is running, what was met (and whether on time). */
export function clockLines(ds: DeadlineRow[], now: Date, tz: string): string {
  const lines = [...ds]
    .reverse()
    .filter((d) => d.status !== 'cancelled')
    .map((d) => {
      if (d.status === 'met') return `✅ ${d.label}：${formatLocal(d.metAt!, tz)} 完成（${(d.metDeltaMs ?? 0) <= 0 ? '按时' : '超时'}）`;
      const icon = d.status === 'breached' ? '🔴' : d.status === 'paused' ? '⏸' : d.urgent ? '🚨' : '⏳';
      return `${icon} ${d.label}：${dueText(d, now, tz)}`;
    });
  return ['**时限**', ...(lines.length ? lines : ['无'])].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The complaint card

export interface ComplaintCardOptions {
  /** Every step with its time and who did it (/投诉 <编号>). */
  history?: boolean;
  /** Private chat with someone allowed to see the loss / the allocation. */
  showLoss?: boolean;
  showAllocation?: boolean;
  /** Who sees this copy; null or absent: a group (read-only, with a pointer to the private card). */
  viewer?: Viewer | null;
}

export async function complaintCard(env: CardEnv, c: Complaint, o: ComplaintCardOptions = {}): Promise<Card> {
  const tz = env.services.config.BUSINESS_TZ;
  const state = c.state as ComplaintState;
  const [customer, ds, history] = await Promise.all([
    customerName(env.tx, c.customerId),
    deadlinesOf(env.tx, { subjectType: SUBJECT.complaint, subjectId: c.id }),
    o.history ? env.tx.select().from(auditLog).where(and(eq(auditLog.subjectType, SUBJECT.complaint), eq(auditLog.subjectId, String(c.id)), eq(auditLog.outcome, 'ok'))).orderBy(asc(auditLog.id)) : [],
  ]);
  const name = await namesOf(env.tx, [c.ownerOpenId, c.acknowledgedBy, c.responsibleOpenId, c.allocationOpenId, ...history.map((h) => h.actor), ...history.map((h) => (h.detail?.data as { responsible?: string } | undefined)?.responsible)]);
  const cause = c.cause ? CAUSES[c.cause] : undefined;
  const facts = [
    `**客户**：${customer}${c.orderNumber ? `　**订单**：${c.orderNumber}` : ''}`,
    `**内容**：${c.content}`,
    `**负责人**：${name(c.ownerOpenId)}　**状态**：${stateLabel(complaintWorkflow, state)}${c.urgent ? '　🔴 紧急' : ''}`,
    `**收到**：${formatLocal(c.receivedAt, tz)}${c.acknowledgedAt ? `　**受理**：${formatLocal(c.acknowledgedAt, tz)}（${name(c.acknowledgedBy)}）` : ''}`,
    cause ? `**原因**：${cause.label}${c.responsibleOpenId ? `　**责任人**：${name(c.responsibleOpenId)}` : ''}${o.showLoss ? `　**损失**：${yuan(c.loss ?? 0)}` : ''}` : '',
    c.findings ? `**调查结论**：${c.findings}` : '',
    c.action ? `**处理措施**：${c.action}` : '',
    c.feedback ? `**客户反馈**：${c.feedback}　**满意度**：${c.satisfaction}/5` : '',
    o.showAllocation && c.allocationAmount !== null ? `**费用分摊**：${name(c.allocationOpenId)} ${Math.round((c.allocationShare ?? 0) * 100)}% = ${yuan(c.allocationAmount)}（仅主管和承担人可见）` : '',
    c.reopenCount ? `已重新打开 ${c.reopenCount} 次` : '',
  ].filter(Boolean);
  const breached = ds.some((d) => d.status === 'breached');
  return renderCard(complaintTemplate, {
    title: `客户投诉 ${c.number}`,
    subtitle: `${customer} · ${stateLabel(complaintWorkflow, state)}`,
    summary: `投诉 ${c.number} · ${customer} · ${stateLabel(complaintWorkflow, state)}`,
    color: breached || (c.urgent && state === 'received') ? 'red' : STATE_COLOR[state],
    tags: c.urgent ? [{ tag: 'text_tag', text: plain('紧急'), color: 'red' }] : undefined,
    facts: facts.join('\n'),
    clocks: clockLines(ds, env.now, tz),
    history: o.history ? [hr(), md(['**经过**', ...history.map((h) => historyLine(h, name, tz, o.showLoss ?? false))].join('\n'))] : [],
    actions: await complaintActions(env, c, o.viewer ?? null),
  });
}

/** The steps the viewer may take, or a line saying where they are taken. */
async function complaintActions(env: CardEnv, c: Complaint, viewer: Viewer | null): Promise<unknown[]> {
  const steps = stepsFor(complaintWorkflow, c.state, c.ownerOpenId, viewer);
  if (steps.size > 0) return stepActions(c, steps, c.state === 'acknowledged' ? await department(env.tx) : []);
  const closed = c.state === 'closed';
  const hint = viewer
    ? closed
      ? '如需重新打开，由客户负责人或主管操作。'
      : '这条投诉由客户负责人或主管处理（产品质量问题的调查也可由品质部填写）。'
    : closed
      ? `如需重新打开：客户负责人或主管私聊机器人发送 /投诉 ${c.number}。`
      : `处理按钮在私信卡片里：客户负责人已收到；主管、品质部可私聊机器人发送 /投诉 ${c.number} 打开。`;
  return [hr(), md(hint)];
}

type AuditRow = typeof auditLog.$inferSelect;

/** One line of a complaint's history from its audit row. */
function historyLine(h: AuditRow, name: (id: string | null | undefined) => string, tz: string, showLoss: boolean): string {
  const data = (h.detail?.data ?? {}) as Record<string, unknown>;
  const event = String(h.detail?.event ?? '');
  const move = h.fromState && h.toState && h.fromState !== h.toState ? `（${stateLabel(complaintWorkflow, h.fromState)} → ${stateLabel(complaintWorkflow, h.toState)}）` : '';
  const details: Record<string, () => string> = {
    INVESTIGATE: () => investigationText(data, name, showLoss),
    INVESTIGATE_PRODUCT: () => investigationText(data, name, showLoss),
    RESOLVE: () => `：${snippet(String(data.action ?? ''))}`,
    CLOSE: () => `：满意度 ${String(data.satisfaction ?? '')}/5`,
    REOPEN: () => `：${snippet(String(data.reason ?? h.detail?.reason ?? ''))}`,
  };
  const what = h.action === 'complaint.create' ? `登记投诉${h.detail?.urgent ? '（紧急）' : ''}` : `${eventLabel(complaintWorkflow, event)}${details[event]?.() ?? ''}`;
  return `• ${formatLocal(h.at, tz)} ${name(h.actor)} ${what}${move}`;
}

function investigationText(data: Record<string, unknown>, name: (id: string | null | undefined) => string, showLoss: boolean): string {
  const cause = CAUSES[data.cause as CauseKey]?.label ?? String(data.cause ?? '');
  const who = data.responsible ? `，责任人 ${name(String(data.responsible))}` : '';
  return `：${cause}${who}${showLoss ? `，损失 ${yuan(Number(data.loss ?? 0))}` : ''}`;
}

/**
 * The next step of a complaint, as a button or a form, by state — only what `steps` (the viewer's
 * allowed events) contains: 品质部 gets the investigation form with the 产品质量 cause only.
 */
function stepActions(c: Complaint, steps: Set<string>, people: string[]): unknown[] {
  const ref = { id: c.id, v: c.version };
  const causes = Object.entries(CAUSES).filter(([, v]) => steps.has(v.event));
  const byState: Record<ComplaintState, () => unknown[]> = {
    received: () => buttonRow([button('受理', { action: 'complaint.acknowledge', ...ref }, 'primary')]),
    acknowledged: () =>
      form('investigate', '**调查**：原因类别、责任人、损失金额、调查结论（产品质量问题可由品质部填写）', [
        select('cause', '原因类别', causes.map(([k, v]) => [k, v.label])),
        ...(causes.some(([, v]) => v.needsResponsible) ? [personSelect('responsible', '责任人（服务质量、沟通不当时必填）', people)] : []),
        input('loss', '损失金额（元）', { placeholder: '如 1000、1.2万；无损失填 0', max: 20 }),
        input('findings', '调查结论', { required: true, multiline: true }),
        submit('提交调查', { action: 'complaint.investigate', ...ref }),
      ]),
    investigated: () => form('resolve', '**处理**：已执行的处理措施', [input('action', '处理措施', { required: true, multiline: true }), submit('处理完成', { action: 'complaint.resolve', ...ref })]),
    resolved: () =>
      form('close', '**结案**：客户反馈与满意度', [
        input('feedback', '客户反馈', { required: true, multiline: true }),
        select('satisfaction', '满意度 1–5', Object.entries(SATISFACTION_LABELS).sort(([a], [b]) => Number(b) - Number(a)).map(([k, v]) => [k, `${k} ${v}`])),
        submit('结案', { action: 'complaint.close', ...ref }),
      ]),
    closed: () => form('reopen', '客户仍不满意？填写原因后可重新打开（保留全部记录）', [input('reason', '重新打开的原因', { required: true }), submit('重新打开', { action: 'complaint.reopen', ...ref }, 'default')]),
  };
  return byState[c.state as ComplaintState]?.() ?? [];
}

/** The form behind `/投诉 新建` without fields; `formKey` makes a second submission of it a refusal. */
export const newComplaintCard = (formKey: string): Card => renderCard(newTemplate, { usage: NEW_COMPLAINT_USAGE, formKey });

/** DMed to supervisors and the bearer when a complaint closes with an allocation (never posted in a group). */
export function allocationCard(c: Complaint, customer: string, a: Allocation, name: (id: string | null | undefined) => string): Card {
  const cause = c.cause ? CAUSES[c.cause] : undefined;
  return simpleCard(
    '投诉费用分摊 · 仅你可见',
    'orange',
    [
      `**投诉**：${c.number}（${customer}）`,
      `**原因**：${cause?.label ?? '—'}　**损失**：${yuan(c.loss ?? 0)}`,
      `**分摊**：${name(a.openId)} 承担 ${Math.round(a.share * 100)}% = **${yuan(a.amount)}**`,
      `依据异常费用分摊规定：${cause?.label}投诉 ${Math.round(a.share * 100)}% 由${a.bearer === 'responsible' ? '责任人' : '业务员'}承担。`,
      '此信息只私信主管和承担人，计入绩效考核。',
    ].join('\n'),
  );
}

// ---------------------------------------------------------------------------------------------
// Service items: urgent issues and quality follow-ups

export async function urgentIssueCard(env: CardEnv, u: UrgentIssue, viewer: Viewer | null = null): Promise<Card> {
  const tz = env.services.config.BUSINESS_TZ;
  const [customer, ds, name] = await Promise.all([
    customerName(env.tx, u.customerId),
    deadlinesOf(env.tx, { subjectType: SUBJECT.urgent, subjectId: u.id }),
    namesOf(env.tx, [u.ownerOpenId, u.handledBy]),
  ]);
  const open = u.state === 'open';
  const facts = [
    `**客户**：${customer}`,
    `**问题**：${u.content}`,
    `**负责人**：${name(u.ownerOpenId)}　**状态**：${stateLabel(urgentIssueWorkflow, u.state)}`,
    `**收到**：${formatLocal(u.receivedAt, tz)}`,
    u.handledAt ? `**处理**：${formatLocal(u.handledAt, tz)}（${name(u.handledBy)}）${u.result ?? ''}` : '',
  ].filter(Boolean);
  return renderCard(serviceTemplate, {
    title: `紧急问题 ${u.number}`,
    subtitle: `${customer} · ${open ? '2 小时内处理' : '已处理'}`,
    summary: `紧急问题 ${u.number} · ${customer}`,
    color: open ? 'red' : 'green',
    facts: facts.join('\n'),
    clocks: clockLines(ds, env.now, tz),
    actions: stepsFor(urgentIssueWorkflow, u.state, u.ownerOpenId, viewer).has('HANDLE')
      ? form('handle', '**处理结果**', [input('result', '处理结果', { required: true, multiline: true }), submit('已处理', { action: 'complaint.urgent_handle', id: u.id, v: u.version })])
      : open
        ? [hr(), md(viewer ? '这条紧急问题由客户负责人或主管处理。' : '处理按钮在私信卡片里：客户负责人已收到；超时会升级给主管。')]
        : [],
  });
}

export async function followUpCard(env: CardEnv, f: FollowUp, viewer: Viewer | null = null): Promise<Card> {
  const tz = env.services.config.BUSINESS_TZ;
  const [customer, ds, name] = await Promise.all([customerName(env.tx, f.customerId), deadlinesOf(env.tx, { subjectType: SUBJECT.followUp, subjectId: f.id }), namesOf(env.tx, [f.ownerOpenId, f.doneBy])]);
  const open = f.status === 'scheduled' || f.status === 'open';
  const facts = [
    `**客户**：${customer}${f.orderNumber ? `　**订单**：${f.orderNumber}` : ''}`,
    `**交付**：${formatLocal(f.deliveredAt, tz)}　**回访日**：${formatLocal(f.dueAt, tz)}`,
    `**负责人**：${name(f.ownerOpenId)}`,
    f.doneAt ? `**已回访**：${formatLocal(f.doneAt, tz)}（${name(f.doneBy)}）${f.note ?? ''}` : '',
  ].filter(Boolean);
  return renderCard(serviceTemplate, {
    title: '交付后品质回访',
    subtitle: `${customer} · ${open ? '待回访' : '已回访'}`,
    summary: `品质回访 · ${customer}`,
    color: open ? 'orange' : 'green',
    facts: facts.join('\n'),
    clocks: clockLines(ds, env.now, tz),
    actions: open && viewer && mayRecordFollowUp(f, viewer) ? form('follow_up', '**回访记录**：客户对产品质量的反馈', [input('note', '回访记录', { required: true, multiline: true }), submit('已回访', { action: 'complaint.follow_up_done', id: f.id, v: f.version })]) : [],
  });
}
