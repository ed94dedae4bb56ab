/**
 * Moving a customer through the pipeline (one code path for commands, card buttons and forms),
 * saving its stage data, and deciding what a viewer may see (SPEC §1 信息保密).
 */
import { and, eq, gte, inArray, like, ne, sql } from 'drizzle-orm';
import type { Actor, BotContext } from '../../platform/context';
import type { Tx } from '../../platform/db/client';
import { chats, outboxMessages } from '../../platform/db/core.schema';
import { refuse } from '../../platform/errors';
import type { Role } from '../../platform/roles';
import { addDuration, type CalendarConfig } from '../../platform/sla/calendar';
import { cancelDeadlines, LIVE, openDeadline } from '../../platform/sla/deadlines';
import { deadlines } from '../../platform/sla/sla.schema';
import { applyTransition } from '../../platform/workflow/apply';
import { stateLabel, type Workflow } from '../../platform/workflow/workflow';
import { parseDate } from '../../platform/router/parse';
import { addDays, dayKey, monthKey, startOfDay, zonedParts } from '../../platform/time';
import { customers, visitPlans, type Customer, type VisitPlan } from './customers.schema';
import { customerWorkflow, FIELDS, FIELD_KEYS, FIRST_VISIT, ON_SAVE, PIPELINE, RECURRING, STAGE_FORM, type FieldKey, type Stage } from './customers.workflow';

export const SUBJECT = 'customer';
/** Deadlines of a visit plan (拜访计划) hang on this subject type, by plan id. */
export const PLAN_SUBJECT = 'visit_plan';

// ---------------------------------------------------------------------------------------------
// Who sees what (SPEC §1)

export type Audience = 'private' | 'group';

export interface Access {
  isOwner: boolean;
  /** Stage, contacts, visits, stage data: the owner, supervisors, finance and the GM. */
  full: boolean;
  /** Quote, price, payment terms: full viewers, and never in a group. */
  financials: boolean;
  /** Credit rating and limit: owner, supervisors, finance, GM — only in a private chat. */
  credit: boolean;
  /** May the credit be sent to them by DM (the group offer)? */
  creditByDm: boolean;
  /** May move the pipeline, log visits, edit stage data. */
  canAct: boolean;
}

const SEES_ALL: readonly Role[] = ['supervisor', 'gm', 'finance'];
export const CREDIT_EDITORS: readonly Role[] = ['supervisor', 'finance'];

export function accessTo(actor: Pick<Actor, 'openId' | 'role'>, c: Pick<Customer, 'ownerOpenId'>, audience: Audience): Access {
  const isOwner = actor.openId === c.ownerOpenId;
  const full = isOwner || (!!actor.role && SEES_ALL.includes(actor.role));
  const privateChat = audience === 'private';
  return { isOwner, full, financials: full && privateChat, credit: full && privateChat, creditByDm: full, canAct: isOwner || actor.role === 'supervisor' };
}

export const audienceOf = (ctx: BotContext): Audience => (ctx.chat?.type === 'group' ? 'group' : 'private');

/**
 * Where a clicked card lives. Card callbacks carry only the chat id, so ask what we know of that
 * chat, or whether we sent the message to a person; anything unknown counts as a group.
 */
export async function audienceOfCard(ctx: BotContext, messageId: string | undefined): Promise<Audience> {
  if (ctx.chat?.id) {
    const [chat] = await ctx.tx.select({ type: chats.chatType }).from(chats).where(eq(chats.chatId, ctx.chat.id));
    if (chat) return chat.type === 'p2p' ? 'private' : 'group';
  }
  if (messageId) {
    const [sent] = await ctx.tx.select({ type: outboxMessages.receiveIdType }).from(outboxMessages).where(eq(outboxMessages.resultMessageId, messageId));
    if (sent?.type === 'open_id') return 'private';
  }
  return 'group';
}

// ---------------------------------------------------------------------------------------------
// Loading and anchors

export async function loadCustomer(tx: Tx, id: number): Promise<Customer> {
  const [c] = await tx.select().from(customers).where(eq(customers.id, id));
  return c ?? refuse('NOT_FOUND', '这个客户不存在了。');
}

export const stageOf = (c: Pick<Customer, 'state'>) => c.state as Stage;
export const stageName = (s: string) => stateLabel(customerWorkflow, s);

/** The end of the working day of `day` (a meeting that day must be prepared for by then). */
export const endOfWorkday = (day: string, cal: CalendarConfig): Date => addDuration(startOfDay(day, cal.tz), { days: 0 }, 'working', cal);

/** Named times the customer's deadline rules count from. */
export function anchorsOf(c: Customer, cal: CalendarConfig): Record<string, Date> {
  const out: Record<string, Date> = {};
  if (c.firstVisitAt) out.first_visit = c.firstVisitAt;
  if (c.stageData.demo_at) out.demo_at = endOfWorkday(c.stageData.demo_at, cal);
  if (c.stageData.negotiation_at) out.negotiation_at = endOfWorkday(c.stageData.negotiation_at, cal);
  if (c.negotiationConcludedAt) out.negotiation_concluded = c.negotiationConcludedAt;
  return out;
}

/** What the workflow's `requires` is checked against. */
export const dataOf = (c: Customer): Record<string, unknown> => ({ ...c.stageData, [FIRST_VISIT]: c.firstVisitAt?.toISOString() });

// ---------------------------------------------------------------------------------------------
// Transitions

export function requireMover(ctx: BotContext, c: Customer, ownerName: string): void {
  if (!accessTo(ctx.actor, c, 'private').canAct) refuse('NOT_ALLOWED', `没有权限：客户「${c.name}」的负责人是 ${ownerName}，只有负责人或主管可以操作。`);
}

/** Fires one pipeline event and keeps the stage's bookkeeping (entered-at, negotiation end). */
export async function fire(ctx: BotContext, c: Customer, event: string): Promise<Customer> {
  const r = await applyTransition(ctx, {
    workflow: customerWorkflow,
    subjectType: SUBJECT,
    table: 'customers',
    id: c.id,
    version: c.version,
    event,
    ownerOpenId: c.ownerOpenId,
    data: dataOf(c),
    anchors: anchorsOf(c, ctx.services.calendar),
  });
  const set: Partial<Customer> = {};
  if (r.from !== r.to) set.stateEnteredAt = ctx.now;
  if (event === 'CONCLUDE') set.negotiationConcludedAt = ctx.now;
  if (event === 'REOPEN') {
    // A new development cycle: its first visit starts the needs clock again; the old reason goes.
    const { lost_reason: _gone, ...rest } = c.stageData;
    Object.assign(set, { firstVisitAt: null, stageData: rest });
  }
  if (Object.keys(set).length) await ctx.tx.update(customers).set(set).where(eq(customers.id, c.id));
  const after = await loadCustomer(ctx.tx, c.id);
  if (r.to === 'lost' && r.from !== 'lost') await stopWorkOfLost(ctx, after);
  if (r.from === 'lost' && r.to !== 'lost') await restoreWorkOfReopened(ctx, after);
  return after;
}

/**
 * A lost customer owes nothing: this month's important-customer visit and its open visit plans
 * are cancelled (not breached, not escalated, not counted against "visit plan executed").
 * An archived (signed) customer keeps them: visits and service go on after the contract.
 */
async function stopWorkOfLost(ctx: BotContext, c: Customer): Promise<void> {
  const visitsDue = await cancelImportantVisits(ctx, c.id);
  const plans = await ctx.tx
    .update(visitPlans)
    .set({ status: 'cancelled', updatedAt: ctx.now, version: sql`${visitPlans.version} + 1` })
    .where(and(eq(visitPlans.customerId, c.id), eq(visitPlans.status, 'planned')))
    .returning({ id: visitPlans.id });
  for (const p of plans) await cancelDeadlines(ctx.tx, { subjectType: PLAN_SUBJECT, subjectId: p.id }, { now: ctx.now });
  if (visitsDue || plans.length) await ctx.audit({ action: 'customer.lost_work_cancelled', subjectType: SUBJECT, subjectId: c.id, detail: { importantVisits: visitsDue, plans: plans.map((p) => p.id) } });
}

/** Re-opened: the month's important-customer visit again, and the cancelled plans whose day is still ahead. */
async function restoreWorkOfReopened(ctx: BotContext, c: Customer): Promise<void> {
  await ensureImportantVisit(ctx, c);
  const plans = await ctx.tx
    .update(visitPlans)
    .set({ status: 'planned', updatedAt: ctx.now, version: sql`${visitPlans.version} + 1` })
    .where(and(eq(visitPlans.customerId, c.id), eq(visitPlans.status, 'cancelled'), gte(visitPlans.plannedOn, todayOf(ctx))))
    .returning();
  for (const p of plans) await openPlanClock(ctx, p, c.name);
  if (plans.length) await ctx.audit({ action: 'customer.reopen_plans_restored', subjectType: SUBJECT, subjectId: c.id, detail: { plans: plans.map((p) => p.id) } });
}

/** A planned visit is due (visited and recorded) by the end of the planned working day. */
export function openPlanClock(ctx: Pick<BotContext, 'tx' | 'services' | 'now'>, plan: VisitPlan, customerName: string) {
  return openDeadline(ctx.tx, ctx.services.calendar, {
    subjectType: PLAN_SUBJECT,
    subjectId: plan.id,
    rule: { ...RECURRING.visit_record, label: `拜访${customerName}并记录` },
    ownerOpenId: plan.ownerOpenId,
    anchorAt: startOfDay(plan.plannedOn, ctx.services.config.BUSINESS_TZ),
    now: ctx.now,
  });
}

/**
 * 客户建档 follows the signed contract: /合同 签署 moves the customer and opens the archive and
 * CRM-entry clocks. Done here by hand, a customer would be filed with no contract and no clocks.
 */
export function refuseManualArchive(c: Pick<Customer, 'name'>): never {
  return refuse('INVALID_TRANSITION', `客户「${c.name}」随合同签署建档：合同审批通过后发送 /合同 签署 <合同编号>，客户即进入「客户建档」，归档和录入 CRM 的期限随之开启。`);
}

/** The events that walk the pipeline from one stage to another (forward only; lost and back). */
export function pathTo(c: Customer, to: Stage): string[] {
  const from = stageOf(c);
  if (from === to) refuse('SAME_STAGE', `客户「${c.name}」已经在「${stageName(to)}」阶段。`);
  if (to === 'lost') {
    if (from === 'archived') refuse('INVALID_TRANSITION', `客户「${c.name}」已签约建档，不能标为客户拒绝。`);
    return ['LOSE'];
  }
  if (from === 'lost') {
    if (to !== 'prospect') refuse('INVALID_TRANSITION', `客户「${c.name}」已拒绝，先发送 /客户 阶段 ${c.name} 目标客户 重新跟进。`);
    return ['REOPEN'];
  }
  const i = PIPELINE.indexOf(from);
  const j = PIPELINE.indexOf(to);
  if (j < i) refuse('INVALID_TRANSITION', `客户「${c.name}」不能从「${stageName(from)}」退回「${stageName(to)}」。`);
  const events: string[] = [];
  for (let k = i; k < j; k++) {
    const on = customerWorkflow.states[PIPELINE[k]!].on ?? {};
    const next = Object.entries(on).find(([, ev]) => ev?.to === PIPELINE[k + 1]);
    if (!next) throw new Error(`customer workflow: no event from ${PIPELINE[k]} to ${PIPELINE[k + 1]}`);
    events.push(next[0]);
  }
  return events;
}

export type FieldValues = Partial<Record<FieldKey, string>>;

/** Merges stage data (the record's version moves: an open form or card is now outdated). */
async function saveFields(ctx: BotContext, c: Customer, values: FieldValues): Promise<Customer> {
  const changed = Object.entries(values).filter(([k, v]) => c.stageData[k] !== v);
  if (changed.length === 0) return c;
  const stageData = { ...c.stageData, ...Object.fromEntries(changed) };
  await ctx.tx
    .update(customers)
    .set({ stageData, version: sql`${customers.version} + 1`, updatedAt: ctx.now })
    .where(and(eq(customers.id, c.id), eq(customers.version, c.version)));
  await ctx.audit({ action: 'customer.data', subjectType: SUBJECT, subjectId: c.id, detail: { fields: changed.map(([k]) => k) } });
  const next = await loadCustomer(ctx.tx, c.id);
  if (next.version !== c.version + 1) refuse('STALE', '该客户刚被他人更新，请刷新后重试。');
  return next;
}

/**
 * Saves fields, walks to `to` (if given), then lets saved fields do their part: a quote meets the
 * quote clock; a new demo or negotiation date moves its preparation clock. All or nothing: a
 * refusal anywhere rolls the whole command back.
 */
export async function changeCustomer(ctx: BotContext, c0: Customer, input: { values?: FieldValues; to?: Stage; event?: string }): Promise<Customer> {
  const values = input.values ?? {};
  const before = c0.stageData;
  checkStageDates(c0, values, todayOf(ctx));
  let c = await saveFields(ctx, c0, values);
  const startStage = stageOf(c);
  const events = input.to ? pathTo(c, input.to) : input.event ? [input.event] : [];
  for (const event of events) c = await fire(ctx, c, event);
  for (const s of ON_SAVE) {
    if (stageOf(c) !== s.stage || !c.stageData[s.field]) continue;
    const givenNow = s.field in values && values[s.field] !== before[s.field];
    // Entering the stage just now opened its clocks with the new data already.
    const justEntered = startStage !== s.stage;
    if (s.kind === 'meets' ? givenNow || justEntered : givenNow && !justEntered) c = await fire(ctx, c, s.event);
  }
  return c;
}

/**
 * A demo or negotiation date given now may not be past (its preparation clock would open long
 * overdue), and the negotiation may not come before the demo. Dates already saved are not
 * checked again (a form sends them back unchanged after the day has passed).
 */
export function checkStageDates(c: Pick<Customer, 'stageData'>, values: FieldValues, today: string): void {
  const changed = (k: FieldKey) => !!values[k] && values[k] !== c.stageData[k];
  for (const k of FIELD_KEYS) {
    if (FIELDS[k].kind === 'date' && changed(k) && values[k]! < today) refuse('BAD_INPUT', `${FIELDS[k].label} ${values[k]} 已经过去了（今天是 ${today}），请填写今天或以后的日期。`);
  }
  const demo = values.demo_at ?? c.stageData.demo_at;
  const negotiation = values.negotiation_at ?? c.stageData.negotiation_at;
  if ((changed('demo_at') || changed('negotiation_at')) && demo && negotiation && negotiation < demo) {
    refuse('BAD_INPUT', `${FIELDS.negotiation_at.label} ${negotiation} 早于${FIELDS.demo_at.label} ${demo}：商务谈判应在方案演示之后。`);
  }
}

/**
 * Reads field values typed as key=value or submitted on a form: dates become 'YYYY-MM-DD' (a form's
 * date picker sends "2026-03-18 +0800"), text is trimmed; a bad value is refused by name.
 */
export function parseFieldValues(raw: Record<string, unknown>, today: string): FieldValues {
  const out: FieldValues = {};
  for (const key of FIELD_KEYS) {
    const v = raw[key];
    if (v === undefined || v === null) continue;
    const text = String(v).trim();
    if (text === '') continue;
    const spec = FIELDS[key];
    if (spec.kind === 'date') {
      const day = parseDate(text.split(' ')[0]!, today);
      if (!day) refuse('BAD_INPUT', `${spec.label}「${text}」不是有效日期（可写 2026-12-31、明天、3天后）。`);
      out[key] = day!;
    } else {
      if (text.length > 500) refuse('BAD_INPUT', `${spec.label} 太长（最多 500 字）。`);
      out[key] = text;
    }
  }
  return out;
}

/** The fields a button's form collects: the stage's own, plus what the event needs. */
export function formFieldsFor(stage: Stage, event?: string): FieldKey[] {
  const ev = event ? (customerWorkflow as Workflow).states[stage]?.on?.[event] : undefined;
  const needs = (ev?.requires ?? []).filter((f): f is FieldKey => f in FIELDS);
  if (ev?.to === 'lost') return needs;
  return [...new Set([...STAGE_FORM[stage], ...needs])];
}

// ---------------------------------------------------------------------------------------------
// Recurring clocks

/** Opens a clock once per (subject, step): a second call, or a job run twice, finds it there (a cancelled one may open again). */
export async function openOnce(
  ctx: Pick<BotContext, 'tx' | 'services' | 'now'>,
  input: { subjectType: string; subjectId: string | number; rule: (typeof RECURRING)[keyof typeof RECURRING]; step: string; label: string; ownerOpenId: string; anchors: Record<string, Date> },
): Promise<boolean> {
  const [exists] = await ctx.tx
    .select({ id: deadlines.id })
    .from(deadlines)
    .where(and(eq(deadlines.subjectType, input.subjectType), eq(deadlines.subjectId, String(input.subjectId)), eq(deadlines.step, input.step), ne(deadlines.status, 'cancelled')))
    .limit(1);
  if (exists) return false;
  const rule = { ...input.rule, step: input.step, label: input.label };
  const at = (name: string | undefined) => (name ? input.anchors[name] : undefined) ?? ctx.now;
  await openDeadline(ctx.tx, ctx.services.calendar, {
    subjectType: input.subjectType,
    subjectId: input.subjectId,
    rule,
    ownerOpenId: input.ownerOpenId,
    anchorAt: at(rule.anchor),
    limitAnchorAt: 'limitAnchor' in rule ? at(rule.limitAnchor) : undefined,
    now: ctx.now,
  });
  return true;
}

/** Month and quarter boundaries in the business time zone. */
export function periodsOf(now: Date, tz: string) {
  const p = zonedParts(now, tz);
  const month = monthKey(now, tz);
  const monthStart = startOfDay(`${month}-01`, tz);
  const nextMonth = p.month === 12 ? `${p.year + 1}-01-01` : `${p.year}-${String(p.month + 1).padStart(2, '0')}-01`;
  const q = Math.ceil(p.month / 3);
  const quarterEndMonth = q * 3;
  const nextQuarter = quarterEndMonth === 12 ? `${p.year + 1}-01-01` : `${p.year}-${String(quarterEndMonth + 1).padStart(2, '0')}-01`;
  return {
    month,
    quarter: `${p.year}-Q${q}`,
    monthStart,
    monthEnd: startOfDay(nextMonth, tz),
    quarterEnd: startOfDay(nextQuarter, tz),
    lastDayOfMonth: addDays(nextMonth, -1),
  };
}

export const importantVisitStep = (month: string) => `${RECURRING.important_visit.step}:${month}`;

/** An important customer not yet visited this month owes a visit by the month's end. */
export async function ensureImportantVisit(ctx: Pick<BotContext, 'tx' | 'services' | 'now'>, c: Customer): Promise<boolean> {
  if (!c.important || c.state === 'lost') return false;
  const per = periodsOf(ctx.now, ctx.services.config.BUSINESS_TZ);
  if (c.lastVisitAt && c.lastVisitAt >= per.monthStart) return false;
  return openOnce(ctx, {
    subjectType: SUBJECT,
    subjectId: c.id,
    rule: RECURRING.important_visit,
    step: importantVisitStep(per.month),
    label: `${RECURRING.important_visit.label}（${per.month}）`,
    ownerOpenId: c.ownerOpenId,
    anchors: { month_end: per.monthEnd },
  });
}

/** Stops the customer's live important-customer visits (lost, or no longer 重点); returns how many. */
export async function cancelImportantVisits(ctx: Pick<BotContext, 'tx' | 'now'>, customerId: number): Promise<number> {
  const rows = await ctx.tx
    .update(deadlines)
    .set({ status: 'cancelled', closedAt: ctx.now, nextActionAt: null, version: sql`${deadlines.version} + 1` })
    .where(and(eq(deadlines.subjectType, SUBJECT), eq(deadlines.subjectId, String(customerId)), like(deadlines.step, `${RECURRING.important_visit.step}:%`), inArray(deadlines.status, LIVE)))
    .returning({ id: deadlines.id });
  return rows.length;
}

/** Live clocks of a record still owed by its previous owner move to the new one (客户转交). */
export async function reassignDeadlines(tx: Tx, subjectType: string, subjectId: string | number, from: string, to: string): Promise<number> {
  const rows = await tx
    .update(deadlines)
    .set({ ownerOpenId: to, version: sql`${deadlines.version} + 1` })
    .where(and(eq(deadlines.subjectType, subjectType), eq(deadlines.subjectId, String(subjectId)), eq(deadlines.ownerOpenId, from), inArray(deadlines.status, LIVE)))
    .returning({ id: deadlines.id });
  return rows.length;
}

export const todayOf = (ctx: Pick<BotContext, 'now' | 'services'>) => dayKey(ctx.now, ctx.services.config.BUSINESS_TZ);
