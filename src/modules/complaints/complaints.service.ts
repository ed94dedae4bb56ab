/**
 * Complaints, urgent issues and satisfaction scores: every change in the caller's transaction,
 * through the workflow engine (optimistic lock, audit row, clocks). A refusal anywhere rolls the
 * whole change back — nothing is half-written.
 */
import { and, asc, eq, gte, inArray, lt } from 'drizzle-orm';
import { chatType, usersWithRole } from '../../platform/actors';
import type { BotContext } from '../../platform/context';
import type { Tx } from '../../platform/db/client';
import { cardMessages, users } from '../../platform/db/core.schema';
import { nextNumber } from '../../platform/db/numbering';
import { refuse } from '../../platform/errors';
import type { Content } from '../../platform/feishu/outbox';
import type { Role } from '../../platform/roles';
import { meetDeadlines, openDeadline } from '../../platform/sla/deadlines';
import { deadlines, type DeadlineRow } from '../../platform/sla/sla.schema';
import { zonedParts, zonedTime } from '../../platform/time';
import { applyTransition, startWorkflow } from '../../platform/workflow/apply';
import { availableEvents, type Workflow } from '../../platform/workflow/workflow';
import { requireCustomer, type Customer } from '../customers';
import type { Order } from '../orders';
import { complaints, satisfactionSurveys, urgentIssues, type CauseKey, type Complaint, type UrgentIssue } from './complaints.schema';
import { allocateCost, CAUSES, COMPLAINT_RULES, complaintWorkflow, SERVICE, SEES_ALL_COMPLAINTS, urgentIssueWorkflow, type Allocation } from './complaints.workflow';

/** Subject types this module owns deadlines for (see index.ts `subjects`). */
export const SUBJECT = { complaint: 'complaint', urgent: 'urgent_issue', followUp: 'follow_up', survey: 'satisfaction_survey' } as const;

// ---------------------------------------------------------------------------------------------
// Lookups

export async function loadComplaint(tx: Tx, id: number): Promise<Complaint> {
  const [c] = await tx.select().from(complaints).where(eq(complaints.id, id));
  return c ?? refuse('NOT_FOUND', '这条投诉不存在了。');
}

/** By its number, typed in any case (ts-20261204-001). */
export async function complaintByNumber(tx: Tx, number: string): Promise<Complaint> {
  const [c] = await tx.select().from(complaints).where(eq(complaints.number, number.trim().toUpperCase()));
  return c ?? refuse('NOT_FOUND', `没有投诉「${number}」。发送 /投诉 列表 查看编号。`);
}

export async function loadUrgentIssue(tx: Tx, id: number): Promise<UrgentIssue> {
  const [u] = await tx.select().from(urgentIssues).where(eq(urgentIssues.id, id));
  return u ?? refuse('NOT_FOUND', '这条紧急问题不存在了。');
}

/** Full detail of a complaint: everyone who sees all, and the people it concerns. */
export const maySeeComplaint = (ctx: BotContext, c: Complaint) =>
  ctx.actor.isAdmin ||
  (ctx.actor.role !== null && SEES_ALL_COMPLAINTS.includes(ctx.actor.role)) ||
  [c.ownerOpenId, c.reportedBy, c.responsibleOpenId].includes(ctx.actor.openId);

const privateChat = (ctx: BotContext) => ctx.chat?.type !== 'group';
const isSupervisor = (ctx: BotContext) => ctx.actor.role === 'supervisor' || ctx.actor.isAdmin;

/** The loss amount: only in a private chat, to supervisors, the owner and the responsible person (SPEC §1 信息保密). */
export const maySeeLoss = (ctx: BotContext, c: Complaint) => privateChat(ctx) && (isSupervisor(ctx) || [c.ownerOpenId, c.responsibleOpenId].includes(ctx.actor.openId));

/** The cost allocation: only in a private chat, to supervisors and the person who bears it. */
export const maySeeAllocation = (ctx: BotContext, c: Complaint) => privateChat(ctx) && (isSupervisor(ctx) || c.allocationOpenId === ctx.actor.openId);

// ---------------------------------------------------------------------------------------------
// Live cards: one copy per group the record was posted in (read-only) and one per person it was
// sent to privately (`@dm:<open_id>`, with that person's steps); a change updates every copy.

/** Who a private copy is for (the shape cards render against); null: a group. */
export interface Viewer {
  openId: string;
  role: Role | null;
  isAdmin: boolean;
}

/** Renders a record's card for one viewer (null: a group copy). */
export type Render<T> = (record: T, viewer: Viewer | null) => Promise<Content>;

export const cardKey = (kind: 'complaint' | 'urgent', id: number, where: string) => `${kind}:${id}@${where}`;

const actorViewer = (ctx: BotContext): Viewer => ({ openId: ctx.actor.openId, role: ctx.actor.role, isAdmin: ctx.actor.isAdmin });

/** Who reads what `ctx.reply` sends: the chat of the message it answers (a group: nobody in particular), else the actor by DM. */
export const viewerOf = (ctx: BotContext): Viewer | null => (ctx.messageId && ctx.chat?.type === 'group' ? null : actorViewer(ctx));

/**
 * Who reads the card a click came from (its answer replaces it): the copy's key says so for the
 * cards we keep live; otherwise the chat — one the bot does not know is a private chat it opened
 * itself (groups are on record from the first message or the bot joining).
 */
export async function clickViewer(ctx: BotContext, copy?: { kind: 'complaint' | 'urgent'; id: number; messageId?: string }): Promise<Viewer | null> {
  if (copy?.messageId) {
    const prefix = cardKey(copy.kind, copy.id, '');
    const [row] = await ctx.tx
      .select({ key: cardMessages.cardKey })
      .from(cardMessages)
      .where(and(gte(cardMessages.cardKey, prefix), lt(cardMessages.cardKey, `${prefix.slice(0, -1)}A`), eq(cardMessages.messageId, copy.messageId)));
    if (row) return row.key.slice(prefix.length) === `dm:${ctx.actor.openId}` ? actorViewer(ctx) : null;
  }
  if (!ctx.chat) return actorViewer(ctx);
  return (await chatType(ctx.tx, ctx.chat.id)) === 'group' ? null : actorViewer(ctx);
}

/** Someone else as a viewer: their bound role (or the default role), admin by configuration. */
export async function viewerById(ctx: BotContext, openId: string): Promise<Viewer> {
  const [u] = await ctx.tx.select({ role: users.role }).from(users).where(eq(users.openId, openId));
  const fallback = ctx.services.config.DEFAULT_ROLE === 'none' ? null : ctx.services.config.DEFAULT_ROLE;
  return { openId, role: ((u?.role as Role | null | undefined) ?? fallback) as Role | null, isAdmin: ctx.services.config.ADMIN_OPEN_IDS.includes(openId) };
}

/** The events of a record's current state this viewer may fire (none in a group): the buttons their copy shows. */
export function stepsFor(wf: Workflow, state: string, ownerOpenId: string, viewer: Viewer | null | undefined): Set<string> {
  if (!viewer) return new Set();
  return new Set(availableEvents(wf, state, { role: viewer.role, isOwner: viewer.openId === ownerOpenId, isAdmin: viewer.isAdmin }).map((e) => e.event));
}

/**
 * PATCHes every posted copy of a record's card except the one just clicked (the click's answer
 * replaces that one), each rendered for whoever sees it: `@dm:<open_id>` copies for that person,
 * group copies read-only. The copies are the live-card rows whose key starts with `<kind>:<id>@`
 * (a key range, so the primary-key index answers it).
 */
export async function refreshCopies<T>(ctx: BotContext, kind: 'complaint' | 'urgent', record: T & { id: number }, render: Render<T>, clickedMessageId?: string): Promise<void> {
  const prefix = cardKey(kind, record.id, '');
  const copies = await ctx.tx
    .select()
    .from(cardMessages)
    .where(and(gte(cardMessages.cardKey, prefix), lt(cardMessages.cardKey, `${prefix.slice(0, -1)}A`))); // '@' + 1 = 'A'
  let shared: Content | undefined;
  for (const copy of copies) {
    if (copy.messageId === clickedMessageId) continue;
    const where = copy.cardKey.slice(prefix.length);
    // A copy keyed by a chat id is a group's — or an older private copy whose reader is not on record: read-only either way.
    const content = where.startsWith('dm:') ? await render(record, await viewerById(ctx, where.slice(3))) : (shared ??= await render(record, null));
    if ('card' in content) await ctx.send({ kind: 'patch', cardKey: copy.cardKey, card: content.card });
  }
}

/**
 * Posts a record's card where the actor is — read-only in a group — and DMs each person who must
 * act a copy with their steps. In a group the actor gets that private copy too when they may act.
 */
async function announce<T>(ctx: BotContext, kind: 'complaint' | 'urgent', record: T & { id: number }, render: Render<T>, dmTo: string[], actorMayAct: boolean): Promise<void> {
  // A message says what chat it is in; a form card's click does not (clickViewer's rule then).
  const inGroup = ctx.messageId ? ctx.chat?.type === 'group' : (await clickViewer(ctx)) === null;
  const here = cardKey(kind, record.id, inGroup ? ctx.chat!.id : `dm:${ctx.actor.openId}`);
  const content = await render(record, inGroup ? null : actorViewer(ctx));
  if (ctx.messageId) await ctx.reply(content, { cardKey: here });
  else if (inGroup) await ctx.send({ kind: 'send', to: { chatId: ctx.chat!.id }, content, cardKey: here });
  else await ctx.send({ kind: 'send', to: { openId: ctx.actor.openId }, content, cardKey: here });
  const to = new Set(dmTo);
  if (!inGroup) to.delete(ctx.actor.openId); // they are looking at their copy already
  else if (actorMayAct) to.add(ctx.actor.openId);
  for (const openId of to) {
    await ctx.send({ kind: 'send', to: { openId }, content: await render(record, await viewerById(ctx, openId)), cardKey: cardKey(kind, record.id, `dm:${openId}`) });
  }
}

/** An urgent complaint's clocks all skip quiet hours (SPEC §3, §8), not only the 2 h response. */
async function markUrgent(ctx: BotContext, c: Pick<Complaint, 'urgent'>, opened: DeadlineRow[]): Promise<void> {
  const ids = opened.filter((d) => !d.urgent).map((d) => d.id);
  if (c.urgent && ids.length) await ctx.tx.update(deadlines).set({ urgent: true }).where(inArray(deadlines.id, ids));
}

// ---------------------------------------------------------------------------------------------
// Complaints

export interface NewComplaint {
  customer: string;
  content: string;
  orderNumber?: string;
  urgent: boolean;
  /** The form card it comes from: one complaint per form, however often it is submitted. */
  formKey?: string;
}

/** The order a complaint is about: it must exist and belong to the complaint's customer. */
async function orderOfCustomer(tx: Tx, number: string, customer: Customer): Promise<Order> {
  // Loaded when needed: the orders module imports this one (quality follow-up on delivery), and a
  // static import back would close a cycle that breaks whichever side loads first.
  const { findOrder, ORDER_CONFIG } = await import('../orders');
  const order = await findOrder(tx, number);
  if (!order) return refuse('UNKNOWN_ORDER', `没有订单「${number}」。订单编号形如 ${ORDER_CONFIG.numberPrefix}-20261204-001，发送 /订单 列表 查看；与订单无关的投诉不填 订单。`);
  if (order.customerId !== customer.id) return refuse('ORDER_OF_OTHER_CUSTOMER', `订单 ${order.id} 不是客户「${customer.name}」的订单，请核对订单编号或客户。`);
  return order;
}

/**
 * Logs a complaint received now (the message time): number, audit row, the three clocks of
 * SPEC §3.3 (+ the 2 h urgent response), then the card in the chat and a DM to the customer's owner.
 */
export async function createComplaint(ctx: BotContext, input: NewComplaint, render: Render<Complaint>): Promise<Complaint> {
  if (input.formKey) {
    const [dup] = await ctx.tx.select({ number: complaints.number }).from(complaints).where(eq(complaints.formKey, input.formKey));
    if (dup) refuse('DUPLICATE', `这张表单已经提交过了：投诉 ${dup.number}。`);
  }
  const customer = await requireCustomer(ctx.tx, input.customer);
  const order = input.orderNumber?.trim() ? await orderOfCustomer(ctx.tx, input.orderNumber, customer) : undefined;
  const tz = ctx.services.config.BUSINESS_TZ;
  const number = await nextNumber(ctx.tx, 'TS', ctx.now, tz);
  const [c] = await ctx.tx
    .insert(complaints)
    .values({
      number,
      customerId: customer.id,
      orderNumber: order?.id ?? null,
      content: input.content,
      urgent: input.urgent,
      ownerOpenId: customer.ownerOpenId,
      reportedBy: ctx.actor.openId,
      chatId: ctx.chat?.id ?? null,
      formKey: input.formKey ?? null,
      state: complaintWorkflow.initial,
      receivedAt: ctx.now,
      createdAt: ctx.now,
      updatedAt: ctx.now.getTime(),
    })
    .returning();
  await ctx.audit({
    action: 'complaint.create',
    subjectType: SUBJECT.complaint,
    subjectId: c!.id,
    toState: c!.state,
    detail: { number, customer: customer.name, urgent: input.urgent, ...(c!.orderNumber ? { order: c!.orderNumber } : {}) },
  });
  // The card DMed to the owner is their notice; no separate "新待办".
  const opened = await startWorkflow(ctx, { workflow: complaintWorkflow, subjectType: SUBJECT.complaint, id: c!.id, ownerOpenId: c!.ownerOpenId, notify: false });
  await markUrgent(ctx, c!, opened);
  if (input.urgent) {
    await openDeadline(ctx.tx, ctx.services.calendar, { subjectType: SUBJECT.complaint, subjectId: c!.id, rule: COMPLAINT_RULES.urgentResponse, ownerOpenId: c!.ownerOpenId, anchorAt: ctx.now, now: ctx.now });
  }
  const supervisors = input.urgent ? (await usersWithRole(ctx.tx, 'supervisor')).map((s) => s.openId) : [];
  const actorMayAct = stepsFor(complaintWorkflow, c!.state, c!.ownerOpenId, ctx.actor).size > 0;
  await announce(ctx, 'complaint', c!, render, [c!.ownerOpenId, ...supervisors], actorMayAct);
  return c!;
}

type ComplaintPatch = Partial<typeof complaints.$inferInsert>;

/** One workflow step: the engine checks state, role, version and required fields, then the step's columns are written. */
async function step(ctx: BotContext, c: Complaint, v: number, event: string, data: Record<string, unknown>, set: ComplaintPatch, reason?: string): Promise<Complaint> {
  const applied = await applyTransition(ctx, { workflow: complaintWorkflow, subjectType: SUBJECT.complaint, table: 'complaints', id: c.id, version: v, event, ownerOpenId: c.ownerOpenId, data, reason });
  await markUrgent(ctx, c, applied.opened);
  if (Object.keys(set).length) await ctx.tx.update(complaints).set(set).where(eq(complaints.id, c.id));
  return loadComplaint(ctx.tx, c.id);
}

/** 受理: the first response; stops the acknowledge (and urgent response) clock. */
export const acknowledgeComplaint = (ctx: BotContext, c: Complaint, v: number) =>
  step(ctx, c, v, 'ACKNOWLEDGE', {}, { acknowledgedAt: c.acknowledgedAt ?? ctx.now, acknowledgedBy: c.acknowledgedBy ?? ctx.actor.openId });

export interface Investigation {
  cause: CauseKey;
  responsible?: string;
  loss: number;
  findings: string;
}

/** 调查: cause, responsible person, loss, findings. Product-quality findings may come from 品质部. */
export async function investigateComplaint(ctx: BotContext, c: Complaint, v: number, i: Investigation): Promise<Complaint> {
  const cause = CAUSES[i.cause];
  if (cause.needsResponsible && !i.responsible) refuse('MISSING_FIELDS', `原因为「${cause.label}」时须选择责任人。`);
  // The picker's value comes from the client: only someone the bot knows, with a role, can bear a share.
  if (i.responsible && !(await holdsRole(ctx, i.responsible))) refuse('UNKNOWN_PERSON', '责任人须是已绑定角色的同事，请从「责任人」列表中选择。');
  const data = { cause: i.cause, responsible: i.responsible ?? null, loss: i.loss, findings: i.findings };
  return step(ctx, c, v, cause.event, data, { investigatedAt: ctx.now, cause: i.cause, responsibleOpenId: i.responsible ?? null, loss: i.loss, findings: i.findings });
}

/** Someone the bot knows who holds a role (bound, or the configured default role). */
async function holdsRole(ctx: BotContext, openId: string): Promise<boolean> {
  const [u] = await ctx.tx.select({ role: users.role }).from(users).where(eq(users.openId, openId));
  return !!u && (u.role !== null || ctx.services.config.DEFAULT_ROLE !== 'none');
}

/** 处理: the action taken. */
export const resolveComplaint = (ctx: BotContext, c: Complaint, v: number, action: string) => step(ctx, c, v, 'RESOLVE', { action }, { resolvedAt: ctx.now, action });

/**
 * 结案: customer feedback and satisfaction; the cost allocation (SPEC §5) is computed and stored,
 * the score counts toward the satisfaction standard, and the allocation is DMed to the
 * supervisors and the person who bears it — never shown in a group.
 */
export async function closeComplaint(ctx: BotContext, c: Complaint, v: number, input: { feedback: string; satisfaction: number }): Promise<{ complaint: Complaint; allocation: Allocation | null }> {
  const allocation = allocateCost(c.cause, c.loss, { responsible: c.responsibleOpenId, salesperson: c.ownerOpenId });
  const closed = await step(ctx, c, v, 'CLOSE', { ...input, allocation }, {
    closedAt: ctx.now,
    feedback: input.feedback,
    satisfaction: input.satisfaction,
    allocationOpenId: allocation?.openId ?? null,
    allocationShare: allocation?.share ?? null,
    allocationAmount: allocation?.amount ?? null,
  });
  // One score per complaint: closing it again after a reopen replaces the earlier one.
  const score = { ownerOpenId: c.ownerOpenId, score: input.satisfaction, comment: input.feedback, recordedBy: ctx.actor.openId, surveyedAt: ctx.now };
  await ctx.tx
    .insert(satisfactionSurveys)
    .values({ customerId: c.customerId, source: 'complaint', complaintId: c.id, ...score })
    .onConflictDoUpdate({ target: satisfactionSurveys.complaintId, set: score });
  return { complaint: closed, allocation };
}

/** Who is told about a complaint's cost allocation: every supervisor and the bearer. */
export async function allocationRecipients(tx: Tx, a: Allocation): Promise<string[]> {
  return [...new Set([...(await usersWithRole(tx, 'supervisor')).map((s) => s.openId), a.openId])];
}

/** 重新打开: back to investigation on fresh clocks; the allocation is withdrawn (the audit log keeps the old one). */
export const reopenComplaint = (ctx: BotContext, c: Complaint, v: number, reason: string) =>
  step(ctx, c, v, 'REOPEN', { reason }, { closedAt: null, allocationOpenId: null, allocationShare: null, allocationAmount: null, reopenCount: c.reopenCount + 1 }, reason);

// ---------------------------------------------------------------------------------------------
// Urgent issues

/** /紧急: a 2 h clock for the customer's owner that ignores quiet hours. */
export async function createUrgentIssue(ctx: BotContext, input: { customer: string; content: string }, render: Render<UrgentIssue>): Promise<UrgentIssue> {
  const customer = await requireCustomer(ctx.tx, input.customer);
  const number = await nextNumber(ctx.tx, 'JJ', ctx.now, ctx.services.config.BUSINESS_TZ);
  const [u] = await ctx.tx
    .insert(urgentIssues)
    .values({
      number,
      customerId: customer.id,
      content: input.content,
      ownerOpenId: customer.ownerOpenId,
      reportedBy: ctx.actor.openId,
      chatId: ctx.chat?.id ?? null,
      state: urgentIssueWorkflow.initial,
      receivedAt: ctx.now,
      createdAt: ctx.now,
      updatedAt: ctx.now.getTime(),
    })
    .returning();
  await ctx.audit({ action: 'urgent_issue.create', subjectType: SUBJECT.urgent, subjectId: u!.id, toState: u!.state, detail: { number, customer: customer.name } });
  await startWorkflow(ctx, { workflow: urgentIssueWorkflow, subjectType: SUBJECT.urgent, id: u!.id, ownerOpenId: u!.ownerOpenId, notify: false });
  const actorMayAct = stepsFor(urgentIssueWorkflow, u!.state, u!.ownerOpenId, ctx.actor).size > 0;
  await announce(ctx, 'urgent', u!, render, [u!.ownerOpenId], actorMayAct);
  return u!;
}

export async function handleUrgentIssue(ctx: BotContext, u: UrgentIssue, v: number, result: string): Promise<UrgentIssue> {
  await applyTransition(ctx, { workflow: urgentIssueWorkflow, subjectType: SUBJECT.urgent, table: 'urgent_issues', id: u.id, version: v, event: 'HANDLE', ownerOpenId: u.ownerOpenId, data: { result } });
  await ctx.tx.update(urgentIssues).set({ handledAt: ctx.now, handledBy: ctx.actor.openId, result }).where(eq(urgentIssues.id, u.id));
  return loadUrgentIssue(ctx.tx, u.id);
}

// ---------------------------------------------------------------------------------------------
// Satisfaction (满意度)

export interface Quarter {
  /** '2026Q4' */
  key: string;
  start: Date;
  end: Date;
}

/** The calendar quarter of `at` in the business time zone. */
export function quarterOf(at: Date, tz: string): Quarter {
  const p = zonedParts(at, tz);
  const q = Math.floor((p.month - 1) / 3);
  return { key: `${p.year}Q${q + 1}`, start: zonedTime(tz, p.year, q * 3 + 1, 1), end: zonedTime(tz, p.year, q * 3 + 4, 1) };
}

/** The quarterly survey clock of one customer (subject 'satisfaction_survey'). */
export const surveySubjectId = (customerId: number, quarter: string) => `${customerId}-${quarter}`;

/** /满意度: one score; meets the customer's survey clock for this quarter. */
export async function recordSatisfaction(ctx: BotContext, input: { customer: string; score: number; comment?: string }): Promise<{ customer: Customer; quarter: Quarter }> {
  const customer = await requireCustomer(ctx.tx, input.customer);
  if (customer.ownerOpenId !== ctx.actor.openId && ctx.actor.role !== 'supervisor') {
    refuse('NOT_ALLOWED', `没有权限：只有客户「${customer.name}」的负责人或主管可以记录满意度。`);
  }
  const [row] = await ctx.tx
    .insert(satisfactionSurveys)
    .values({ customerId: customer.id, ownerOpenId: customer.ownerOpenId, score: input.score, comment: input.comment ?? null, source: 'survey', recordedBy: ctx.actor.openId, surveyedAt: ctx.now })
    .returning();
  const quarter = quarterOf(ctx.now, ctx.services.config.BUSINESS_TZ);
  await ctx.audit({ action: 'satisfaction.record', subjectType: SUBJECT.survey, subjectId: row!.id, detail: { customer: customer.name, score: input.score, quarter: quarter.key } });
  await meetDeadlines(ctx.tx, ctx.services.calendar, { subjectType: SUBJECT.survey, subjectId: surveySubjectId(customer.id, quarter.key) }, { now: ctx.now });
  return { customer, quarter };
}

export interface SatisfactionSummary {
  count: number;
  average: number | null;
  satisfied: number;
  /** Share of scores ≥ SERVICE.satisfiedMinScore; null without scores. */
  rate: number | null;
  target: number;
}

/** Scores in [from, to), optionally for one owner or customer: what the ≥ 90 % standard reads. */
export async function satisfactionSummary(tx: Tx, opts: { from: Date; to: Date; ownerOpenId?: string; customerId?: number }): Promise<SatisfactionSummary> {
  const rows = await tx
    .select({ score: satisfactionSurveys.score })
    .from(satisfactionSurveys)
    .where(
      and(
        gte(satisfactionSurveys.surveyedAt, opts.from),
        lt(satisfactionSurveys.surveyedAt, opts.to),
        opts.ownerOpenId ? eq(satisfactionSurveys.ownerOpenId, opts.ownerOpenId) : undefined,
        opts.customerId ? eq(satisfactionSurveys.customerId, opts.customerId) : undefined,
      ),
    )
    .orderBy(asc(satisfactionSurveys.id));
  const count = rows.length;
  const satisfied = rows.filter((r) => r.score >= SERVICE.satisfiedMinScore).length;
  return {
    count,
    average: count ? Math.round((rows.reduce((s, r) => s + r.score, 0) / count) * 100) / 100 : null,
    satisfied,
    rate: count ? satisfied / count : null,
    target: SERVICE.satisfactionTarget,
  };
}
