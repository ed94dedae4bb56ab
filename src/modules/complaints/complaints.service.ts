/**
 * Complaints, urgent issues and satisfaction scores: every change in the caller's transaction,
 * through the workflow engine (optimistic lock, audit row, clocks). A refusal anywhere rolls the
 * whole change back — nothing is half-written.
 */
import { and, asc, eq, gte, lt } from 'drizzle-orm';
import { usersWithRole } from '../../platform/actors';
import type { BotContext } from '../../platform/context';
import type { Tx } from '../../platform/db/client';
import { cardMessages } from '../../platform/db/core.schema';
import { nextNumber } from '../../platform/db/numbering';
import { refuse } from '../../platform/errors';
import type { Content } from '../../platform/feishu/outbox';
import { meetDeadlines, openDeadline } from '../../platform/sla/deadlines';
import { zonedParts, zonedTime } from '../../platform/time';
import { applyTransition, startWorkflow } from '../../platform/workflow/apply';
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
// Live cards: one per chat the complaint was posted in; a change updates every copy.

export const cardKey = (kind: 'complaint' | 'urgent', id: number, where: string) => `${kind}:${id}@${where}`;

/**
 * PATCHes every posted copy of a record's card except the one just clicked (the click's answer
 * replaces that one). The copies are the live-card rows whose key starts with `<kind>:<id>@`
 * (a key range, so the primary-key index answers it).
 */
export async function refreshCopies(ctx: BotContext, kind: 'complaint' | 'urgent', id: number, card: Record<string, unknown>, clickedMessageId?: string): Promise<void> {
  const prefix = cardKey(kind, id, '');
  const copies = await ctx.tx
    .select()
    .from(cardMessages)
    .where(and(gte(cardMessages.cardKey, prefix), lt(cardMessages.cardKey, `${prefix.slice(0, -1)}A`))); // '@' + 1 = 'A'
  for (const copy of copies) if (copy.messageId !== clickedMessageId) await ctx.send({ kind: 'patch', cardKey: copy.cardKey, card });
}

/** Posts a record's card where the actor is and DMs it to the people who must act. */
async function announce(ctx: BotContext, kind: 'complaint' | 'urgent', id: number, content: Content, dmTo: string[]): Promise<void> {
  const here = ctx.chat?.id ?? `dm:${ctx.actor.openId}`;
  if (ctx.messageId) await ctx.reply(content, { cardKey: cardKey(kind, id, here) });
  else if (ctx.chat) await ctx.send({ kind: 'send', to: { chatId: ctx.chat.id }, content, cardKey: cardKey(kind, id, here) });
  else await ctx.reply(content, { cardKey: cardKey(kind, id, here) });
  for (const openId of new Set(dmTo)) {
    if (openId === ctx.actor.openId) continue; // they are looking at it already
    await ctx.send({ kind: 'send', to: { openId }, content, cardKey: cardKey(kind, id, `dm:${openId}`) });
  }
}

// ---------------------------------------------------------------------------------------------
// Complaints

export interface NewComplaint {
  customer: string;
  content: string;
  orderNumber?: string;
  urgent: boolean;
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
export async function createComplaint(ctx: BotContext, input: NewComplaint, render: (c: Complaint) => Promise<Content>): Promise<Complaint> {
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
  await startWorkflow(ctx, { workflow: complaintWorkflow, subjectType: SUBJECT.complaint, id: c!.id, ownerOpenId: c!.ownerOpenId, notify: false });
  if (input.urgent) {
    await openDeadline(ctx.tx, ctx.services.calendar, { subjectType: SUBJECT.complaint, subjectId: c!.id, rule: COMPLAINT_RULES.urgentResponse, ownerOpenId: c!.ownerOpenId, anchorAt: ctx.now, now: ctx.now });
  }
  const supervisors = input.urgent ? (await usersWithRole(ctx.tx, 'supervisor')).map((s) => s.openId) : [];
  await announce(ctx, 'complaint', c!.id, await render(c!), [c!.ownerOpenId, ...supervisors]);
  return c!;
}

type ComplaintPatch = Partial<typeof complaints.$inferInsert>;

/** One workflow step: the engine checks state, role, version and required fields, then the step's columns are written. */
async function step(ctx: BotContext, c: Complaint, v: number, event: string, data: Record<string, unknown>, set: ComplaintPatch, reason?: string): Promise<Complaint> {
  await applyTransition(ctx, { workflow: complaintWorkflow, subjectType: SUBJECT.complaint, table: 'complaints', id: c.id, version: v, event, ownerOpenId: c.ownerOpenId, data, reason });
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
  const data = { cause: i.cause, responsible: i.responsible ?? null, loss: i.loss, findings: i.findings };
  return step(ctx, c, v, cause.event, data, { investigatedAt: ctx.now, cause: i.cause, responsibleOpenId: i.responsible ?? null, loss: i.loss, findings: i.findings });
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
  await ctx.tx.insert(satisfactionSurveys).values({
    customerId: c.customerId,
    ownerOpenId: c.ownerOpenId,
    score: input.satisfaction,
    comment: input.feedback,
    source: 'complaint',
    complaintId: c.id,
    recordedBy: ctx.actor.openId,
    surveyedAt: ctx.now,
  });
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
export async function createUrgentIssue(ctx: BotContext, input: { customer: string; content: string }, render: (u: UrgentIssue) => Promise<Content>): Promise<UrgentIssue> {
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
  await announce(ctx, 'urgent', u!.id, await render(u!), [u!.ownerOpenId]);
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
