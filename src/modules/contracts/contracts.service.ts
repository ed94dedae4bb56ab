/**
 * Contract service: every change runs in the caller's transaction through applyTransition (the
 * version lock, the audit row, the SLA clocks), then records what the workflow does not know
 * (versions, decisions, levels) and brings every card that shows the contract up to date.
 */
import { and, asc, desc, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import type { Actor, BotContext, Services } from '../../platform/context';
import type { Tx } from '../../platform/db/client';
import { cardMessages, users } from '../../platform/db/core.schema';
import { nextNumber } from '../../platform/db/numbering';
import { Refusal, refuse } from '../../platform/errors';
import { yuan } from '../../platform/format';
import type { CardActionResult } from '../../platform/router/command';
import type { Role } from '../../platform/roles';
import { deadlinesOf, LIVE } from '../../platform/sla/deadlines';
import { People } from '../../platform/sla/people';
import { addDays, dayKey, formatLocal, startOfDay } from '../../platform/time';
import { applyTransition, startWorkflow, type Applied } from '../../platform/workflow/apply';
import { transitionRefusal } from '../../platform/workflow/refusals';
import { stateLabel, transition } from '../../platform/workflow/workflow';
import { customers, customerWorkflow, moveCustomer, requireCustomer, type Customer } from '../customers';
import { findOrder, ORDER_CONFIG } from '../orders';
import { contractCard, LEVEL_NAME, noticeCard, plain, type CardRole, type ContractView } from './contracts.cards';
import { contractsConfig } from './contracts.config';
import { contractApprovals, contractCards, contractDelegations, contracts, contractVersions, type Contract, type ContractDelegation } from './contracts.schema';
import { authorityAt, contractWorkflow, decisionEvent, delegationRefusal, levelOf, type Authority } from './contracts.workflow';

export const SUBJECT = 'contract';
const TABLE = 'contracts';
/** Status cards of one contract kept up to date (the newest ones); approval cards always are. */
const MAX_STATUS_CARDS = 20;
/** Roles that see every contract (SPEC §1: supervisors approve, gm signs off, finance collects). */
const SEE_ALL: readonly Role[] = ['supervisor', 'gm', 'finance'];

// ---------------------------------------------------------------------------------------------
// Loading

/** 'HT-20261204-001', 'ht-20261204-001' or '20261204-001' → 'HT-20261204-001'. */
export const normalizeNumber = (input: string) => {
  const s = input.trim().toUpperCase();
  return /^\d{8}-\d+$/.test(s) ? `HT-${s}` : s;
};

export async function contractById(tx: Tx, id: number): Promise<Contract | undefined> {
  const [c] = await tx.select().from(contracts).where(eq(contracts.id, id));
  return c;
}

export async function requireContract(tx: Tx, number: string): Promise<Contract> {
  const [c] = await tx.select().from(contracts).where(eq(contracts.number, normalizeNumber(number)));
  return c ?? refuse('NOT_FOUND', `没有合同「${number}」。发送 /合同 列表 查看合同编号。`);
}

export async function loadView(tx: Tx, services: Services, c: Contract): Promise<ContractView> {
  const [customer] = await tx.select({ name: customers.name, state: customers.state, ownerOpenId: customers.ownerOpenId }).from(customers).where(eq(customers.id, c.customerId));
  const versions = await tx.select().from(contractVersions).where(eq(contractVersions.contractId, c.id)).orderBy(asc(contractVersions.revision));
  const approvals = await tx.select().from(contractApprovals).where(eq(contractApprovals.contractId, c.id)).orderBy(asc(contractApprovals.id));
  const deadlines = (await deadlinesOf(tx, { subjectType: SUBJECT, subjectId: c.id })).filter((d) => LIVE.includes(d.status)).reverse();
  const cust = customer ?? { name: `#${c.customerId}`, state: '—', ownerOpenId: c.submitterOpenId };
  const ids = [...new Set([c.submitterOpenId, cust.ownerOpenId, ...versions.map((v) => v.submittedBy), ...approvals.flatMap((a) => [a.deciderOpenId, a.onBehalfOf ?? ''])])].filter(Boolean);
  const rows = await tx.select({ openId: users.openId, name: users.name }).from(users).where(inArray(users.openId, ids));
  const names = new Map(rows.map((r) => [r.openId, r.name ?? r.openId]));
  return { c, customer: cust, versions, approvals, deadlines, name: (id) => names.get(id) ?? id, tz: services.config.BUSINESS_TZ };
}

/** Display names of people, in the order given (the open_id when we never learned a name). */
export async function userNames(tx: Tx, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await tx.select({ openId: users.openId, name: users.name }).from(users).where(inArray(users.openId, ids));
  const byId = new Map(rows.map((r) => [r.openId, r.name ?? r.openId]));
  return ids.map((id) => byId.get(id) ?? id);
}

// ---------------------------------------------------------------------------------------------
// Who may decide, who is asked, who may look

/** The department as approvals see it: roles now, and the delegations in force. */
export interface Department {
  people: People;
  delegations: ContractDelegation[];
  now: Date;
}

export async function loadDepartment(tx: Tx, services: Services, now: Date): Promise<Department> {
  const people = await People.load(tx, services.config.DEFAULT_ROLE);
  const delegations = await tx
    .select()
    .from(contractDelegations)
    .where(and(isNull(contractDelegations.revokedAt), gt(contractDelegations.untilAt, now)));
  return { people, delegations, now };
}

const roleOf = (dep: Department, openId: string) => dep.people.byId.get(openId)?.role ?? null;

export const authorityFor = (dep: Department, c: Contract, actor: { openId: string; role: Role | null }): Authority | null =>
  authorityAt(levelOf(c.state), actor, {
    submitter: c.submitterOpenId,
    delegations: dep.delegations,
    isSupervisor: (id) => roleOf(dep, id) === 'supervisor',
    now: dep.now,
  });

/** Everyone who may decide the level the contract waits on now (cards and reminders go to them). */
export function approversOf(dep: Department, c: Contract): string[] {
  const level = levelOf(c.state);
  if (level === 0) return [];
  const candidates = level === 1 ? [...dep.people.withRole('supervisor'), ...dep.delegations.map((d) => d.toOpenId)] : dep.people.withRole('gm');
  return [...new Set(candidates)].filter((id) => authorityFor(dep, c, { openId: id, role: roleOf(dep, id) }));
}

/** Whether the actor decides contracts at all: a supervisor, gm, or someone's deputy today. */
const isApprover = (dep: Department, actor: Actor) =>
  actor.role === 'supervisor' || actor.role === 'gm' || dep.delegations.some((d) => d.toOpenId === actor.openId && roleOf(dep, d.fromOpenId) === 'supervisor');

export const seesAll = (actor: Actor) => actor.isAdmin || (actor.role !== null && SEE_ALL.includes(actor.role));

export function mayView(dep: Department, actor: Actor, c: Contract, customerOwner: string): boolean {
  return seesAll(actor) || actor.openId === c.submitterOpenId || actor.openId === customerOwner || authorityFor(dep, c, actor) !== null;
}

export async function requireVisible(ctx: BotContext, number: string): Promise<{ c: Contract; view: ContractView; dep: Department }> {
  const c = await requireContract(ctx.tx, number);
  const view = await loadView(ctx.tx, ctx.services, c);
  const dep = await loadDepartment(ctx.tx, ctx.services, ctx.now);
  if (!mayView(dep, ctx.actor, c, view.customer.ownerOpenId)) refuse('NOT_ALLOWED', `没有权限查看合同 ${c.number}：只有提交人、客户负责人、主管、总经办和财务可以查看。`);
  return { c, view, dep };
}

// ---------------------------------------------------------------------------------------------
// Cards

/** Posts a card that shows the contract and remembers it, so every later change patches it. */
export async function postCard(
  ctx: BotContext,
  view: ContractView,
  o: { openId: string; role: CardRole; cardKey: string; notice?: string; reply?: boolean },
): Promise<void> {
  const { role } = o;
  await ctx.tx
    .insert(contractCards)
    .values({ cardKey: o.cardKey, contractId: view.c.id, openId: o.openId, kind: role.kind, revision: role.revision, level: role.level, createdAt: ctx.now })
    .onConflictDoUpdate({ target: contractCards.cardKey, set: { kind: role.kind, revision: role.revision, level: role.level } });
  const content = { card: contractCard(view, role, o.notice) };
  if (o.reply) await ctx.reply(content, { cardKey: o.cardKey });
  else await ctx.send({ kind: 'send', to: { openId: o.openId }, content, cardKey: o.cardKey });
}

export const approvalCardKey = (c: Contract, level: number, openId: string, tag = '') => `contract:${c.id}:r${c.revision}:l${level}:${openId}${tag}`;
export const statusCardKey = (c: Contract, openId: string, tag = '') => `contract:${c.id}:r${c.revision}:status:${openId}${tag}`;

/**
 * Posts the contract to the actor as the card that fits them now: with the decision form when
 * they may decide the waiting level, else the status card. Returns whether they may decide.
 */
export async function showTo(ctx: BotContext, view: ContractView, dep: Department, o: { reply: boolean }): Promise<boolean> {
  const { c } = view;
  const level = levelOf(c.state);
  const tag = `:${ctx.causeId.slice(-12)}`;
  const decides = authorityFor(dep, c, ctx.actor) !== null;
  await postCard(ctx, view, {
    openId: ctx.actor.openId,
    role: decides ? { kind: 'approval', revision: c.revision, level } : { kind: 'status', revision: c.revision, level: 0 },
    cardKey: decides ? approvalCardKey(c, level, ctx.actor.openId, tag) : statusCardKey(c, ctx.actor.openId, tag),
    reply: o.reply,
  });
  return decides;
}

/** The role of a card we posted, found by the message that shows it. */
async function cardRoleOfMessage(tx: Tx, contractId: number, messageId: string | undefined): Promise<CardRole | undefined> {
  if (!messageId) return undefined;
  const [row] = await tx
    .select({ kind: contractCards.kind, revision: contractCards.revision, level: contractCards.level })
    .from(cardMessages)
    .innerJoin(contractCards, eq(contractCards.cardKey, cardMessages.cardKey))
    .where(and(eq(cardMessages.messageId, messageId), eq(contractCards.contractId, contractId)));
  return row;
}

/** PATCHes every card that shows the contract (except the clicked one: the callback answer replaces it). */
export async function refreshCards(ctx: BotContext, contractId: number, skipMessageId?: string): Promise<ContractView> {
  const c = (await contractById(ctx.tx, contractId))!;
  const view = await loadView(ctx.tx, ctx.services, c);
  // Every approval card, and the newest status cards: a contract opened fifty times does not cost fifty PATCHes.
  const all = await ctx.tx.select().from(contractCards).where(eq(contractCards.contractId, contractId)).orderBy(desc(contractCards.createdAt));
  const rows = [...all.filter((r) => r.kind === 'approval'), ...all.filter((r) => r.kind === 'status').slice(0, MAX_STATUS_CARDS)];
  const live = rows.length
    ? new Map((await ctx.tx.select().from(cardMessages).where(inArray(cardMessages.cardKey, rows.map((r) => r.cardKey)))).map((m) => [m.cardKey, m.messageId]))
    : new Map<string, string>();
  for (const row of rows) {
    if (skipMessageId && live.get(row.cardKey) === skipMessageId) continue;
    await ctx.send({ kind: 'patch', cardKey: row.cardKey, card: contractCard(view, row) });
  }
  return view;
}

/** Approval cards to everyone who may decide the waiting level; returns who was asked. */
export async function requestApprovals(ctx: BotContext, c: Contract): Promise<string[]> {
  const dep = await loadDepartment(ctx.tx, ctx.services, ctx.now);
  const to = approversOf(dep, c);
  const view = await loadView(ctx.tx, ctx.services, c);
  const level = levelOf(c.state);
  for (const openId of to) await postCard(ctx, view, { openId, role: { kind: 'approval', revision: c.revision, level }, cardKey: approvalCardKey(c, level, openId) });
  return to;
}

// ---------------------------------------------------------------------------------------------
// Submitting and revising

export interface ContractFields {
  amount?: number;
  terms?: string;
  delivery?: string;
  note?: string;
  order?: string;
}
export interface SubmitInput extends ContractFields {
  customer: string;
  amount: number;
}

/**
 * The 7-day signing limit counts from the negotiation (SPEC §3.1): the customer record's
 * "negotiation concluded" time when it has one, else its negotiation date (stage data
 * `negotiation_at`), else the day it entered the `contract` stage, else the submission.
 */
export function negotiationAnchor(
  customer: Pick<Customer, 'stageData' | 'state' | 'stateEnteredAt'> & { negotiationConcludedAt?: Date | null },
  submittedAt: Date,
  tz: string,
): Date {
  const raw = (customer.stageData ?? {}).negotiation_at?.trim();
  const fromData = raw && /^\d{4}-\d{2}-\d{2}$/.test(raw) ? startOfDay(raw, tz) : raw && Number.isFinite(Date.parse(raw)) ? new Date(Date.parse(raw)) : undefined;
  const at = customer.negotiationConcludedAt ?? fromData ?? (customer.state === 'contract' ? customer.stateEnteredAt : undefined);
  // A negotiation "after" the submission is a plan or a typo, not the anchor.
  return at && at.getTime() <= submittedAt.getTime() ? at : submittedAt;
}

const anchorsOf = (c: Contract) => ({ negotiation: c.negotiationAt });
const clean = (s: string | undefined) => (s === undefined ? null : s.trim() || null);

/** The linked order (订单=…) as the orders module numbers it; an unknown number is refused. Blank: none. */
async function linkedOrder(tx: Tx, number: string | undefined): Promise<string | null> {
  if (!number?.trim()) return null;
  const order = await findOrder(tx, number);
  return order?.id ?? refuse('UNKNOWN_ORDER', `没有订单「${number.trim()}」。订单编号形如 ${ORDER_CONFIG.numberPrefix}-20261204-001，发送 /订单 列表 查看；还没有订单就不填 订单。`);
}

// ---------------------------------------------------------------------------------------------
// The customer's pipeline follows its contract (SPEC §3.1)

/**
 * Submitting a contract confirms its draft: the customer's contract-draft clock is met
 * (CONFIRM_DRAFT), after moving it from `negotiation` to `contract` first. Signing files the
 * customer (`contract` → `archived`). The negotiation results the move needs and the customer
 * record lacks are taken from the contract (its amount and payment terms). The archive and CRM
 * entry clocks are the contract's own, not the customer's. A customer in another stage, or a
 * move the customers module refuses (results still missing, not the customer's owner …), stays
 * where it is: the contract goes ahead and the audit log says why.
 */
async function moveCustomerAlong(ctx: BotContext, c: Contract, step: 'submit' | 'sign'): Promise<void> {
  const [customer] = await ctx.tx.select().from(customers).where(eq(customers.id, c.customerId));
  if (!customer) return;
  const skip = (reason: string) =>
    ctx.audit({ action: 'contract.customer_skipped', subjectType: 'customer', subjectId: customer.id, fromState: customer.state, outcome: 'refused', detail: { contract: c.number, step, reason } });
  if (customer.state !== 'negotiation' && customer.state !== 'contract') return skip(`客户处于「${stateLabel(customerWorkflow, customer.state)}」阶段`);
  const results: Record<string, string | null> = { result: `达成合同 ${c.number}`, price: yuan(c.amount), payment_terms: c.terms };
  const values = Object.fromEntries(Object.entries(results).filter(([k, v]) => v && !customer.stageData[k]?.trim())) as Record<string, string>;
  try {
    // A savepoint: a refused move leaves no half-written customer behind (the context's audit and
    // outbox rows go through the same connection, so they roll back with it).
    await ctx.tx.transaction(async (tx) => {
      const inner: BotContext = { ...ctx, tx };
      const concluding = customer.state === 'negotiation' ? { values } : {};
      if (step === 'sign') {
        await moveCustomer(inner, customer, { to: 'archived', ...concluding });
        return;
      }
      const drafted = customer.state === 'negotiation' ? await moveCustomer(inner, customer, { to: 'contract', ...concluding }) : customer;
      await moveCustomer(inner, drafted, { event: 'CONFIRM_DRAFT' });
    });
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    await skip(err.text);
  }
}

export async function submitContract(ctx: BotContext, input: SubmitInput, opts: { formKey?: string } = {}): Promise<{ c: Contract; approvers: string[] }> {
  const { tx, now, actor } = ctx;
  const tz = ctx.services.config.BUSINESS_TZ;
  if (opts.formKey) {
    const [dup] = await tx.select({ number: contracts.number }).from(contracts).where(eq(contracts.formKey, opts.formKey));
    if (dup) refuse('DUPLICATE', `这张表单已经提交过了：合同 ${dup.number}。`);
  }
  const customer = await requireCustomer(tx, input.customer);
  if (customer.ownerOpenId !== actor.openId && actor.role !== 'supervisor') {
    refuse('NOT_ALLOWED', `客户「${customer.name}」不是你负责的客户，只有其负责人或主管可以为它提交合同。`);
  }
  const orderNumber = await linkedOrder(tx, input.order);
  const number = await nextNumber(tx, 'HT', now, tz);
  const fields = { amount: input.amount, terms: clean(input.terms), delivery: clean(input.delivery), note: clean(input.note), orderNumber };
  const [draft] = await tx
    .insert(contracts)
    .values({ number, customerId: customer.id, submitterOpenId: actor.openId, ...fields, state: contractWorkflow.initial, negotiationAt: negotiationAnchor(customer, now, tz), formKey: opts.formKey ?? null, createdAt: now, updatedAt: now })
    .returning();
  const c0 = draft!;
  await tx.insert(contractVersions).values({ contractId: c0.id, revision: 1, ...fields, submittedBy: actor.openId, submittedAt: now });
  await startWorkflow(ctx, { workflow: contractWorkflow, subjectType: SUBJECT, id: c0.id, ownerOpenId: actor.openId, notify: false });
  await applyTransition(ctx, {
    workflow: contractWorkflow,
    subjectType: SUBJECT,
    table: TABLE,
    id: c0.id,
    version: c0.version,
    event: 'SUBMIT',
    ownerOpenId: actor.openId,
    data: { number, customer: customer.name, ...fields },
    anchors: anchorsOf(c0),
    notify: false,
  });
  const [c] = await tx.update(contracts).set({ level: 1, levelSince: now }).where(eq(contracts.id, c0.id)).returning();
  await moveCustomerAlong(ctx, c!, 'submit');
  return { c: c!, approvers: await requestApprovals(ctx, c!) };
}

/** 修改: a rejected contract, changed and sent for approval again as the next revision. */
export async function reviseContract(ctx: BotContext, number: string, changes: ContractFields): Promise<{ c: Contract; approvers: string[] }> {
  const { tx, now, actor } = ctx;
  const before = await requireContract(tx, number);
  const given = Object.entries(changes).filter(([, v]) => v !== undefined);
  if (given.length === 0) refuse('NOTHING_CHANGED', `请写出要修改的内容，例如：/合同 修改 ${before.number} 金额=15万 说明=按意见调整付款条件`);
  const orderNumber = changes.order !== undefined ? await linkedOrder(tx, changes.order) : before.orderNumber;
  await applyTransition(ctx, {
    workflow: contractWorkflow,
    subjectType: SUBJECT,
    table: TABLE,
    id: before.id,
    version: before.version,
    event: 'REVISE',
    ownerOpenId: before.submitterOpenId,
    data: { revision: before.revision + 1, ...changes },
    anchors: anchorsOf(before),
    notify: false,
  });
  const fields = {
    amount: changes.amount ?? before.amount,
    terms: changes.terms !== undefined ? clean(changes.terms) : before.terms,
    delivery: changes.delivery !== undefined ? clean(changes.delivery) : before.delivery,
    note: changes.note !== undefined ? clean(changes.note) : before.note,
    orderNumber,
  };
  const revision = before.revision + 1;
  await tx.insert(contractVersions).values({ contractId: before.id, revision, ...fields, submittedBy: actor.openId, submittedAt: now });
  const [c] = await tx.update(contracts).set({ ...fields, revision, level: 1, levelSince: now }).where(eq(contracts.id, before.id)).returning();
  await refreshCards(ctx, c!.id); // the earlier round's cards now say it was resubmitted
  return { c: c!, approvers: await requestApprovals(ctx, c!) };
}

// ---------------------------------------------------------------------------------------------
// Deciding (批准 / 驳回 on a card)

export interface DecisionInput {
  id: number;
  v: number;
  decision: 'approve' | 'reject';
  comment: string;
  messageId?: string;
}

/** "王主管（代 陈主管）" */
const deciderName = (view: ContractView, openId: string, onBehalfOf?: string | null) => `${view.name(openId)}${onBehalfOf ? `（代 ${view.name(onBehalfOf)}）` : ''}`;

/** What the latest decision was, for the toast on an outdated card. */
function staleText(view: ContractView): string {
  const last = view.approvals[view.approvals.length - 1];
  const { c } = view;
  const level = levelOf(c.state);
  if (level > 0 && (!last || last.revision !== c.revision || last.level < level)) {
    return `这张卡片已过期：合同 ${c.number} 现在是第 ${c.revision} 版，等待${LEVEL_NAME[level]}审批，已为你换成最新卡片。`;
  }
  if (!last) return `这张卡片已过期：合同 ${c.number} 当前状态「${contractWorkflow.states[c.state as keyof typeof contractWorkflow.states]?.label ?? c.state}」。`;
  const verb = last.decision === 'approved' ? '批准' : '驳回';
  return `合同 ${c.number} 已由 ${deciderName(view, last.deciderOpenId, last.onBehalfOf)} 于 ${formatLocal(last.decidedAt, view.tz)} ${verb}，本次操作未生效。`;
}

/**
 * One approval click. Everything is checked on the server — the operator's open_id and role
 * now, the contract's state and version — never the card. A refusal changes nothing, is
 * audited (the transaction commits only that audit row) and answered with a toast; an outdated
 * card is also replaced by the current one. The first decision wins: concurrent clicks run one
 * after another (BEGIN IMMEDIATE), and the second sees a new version.
 */
export async function decideContract(ctx: BotContext, input: DecisionInput): Promise<CardActionResult> {
  const { tx, now, actor } = ctx;
  const action = `contract.${input.decision}`;
  const refused = async (code: string, text: string, card?: Record<string, unknown>, type: 'error' | 'warning' = 'error'): Promise<CardActionResult> => {
    await ctx.audit({ action, subjectType: SUBJECT, subjectId: input.id, outcome: 'refused', detail: { code, v: input.v, decision: input.decision } });
    return { toast: { type, text }, ...(card ? { card } : {}) };
  };
  // Whether the operator approves at all comes first: a probe learns nothing about the contract.
  const dep = await loadDepartment(tx, ctx.services, now);
  if (!isApprover(dep, actor)) return refused('NOT_ALLOWED', '没有权限：只有主管（或主管指定的代理人）和总经办可以审批合同。');
  const c = await contractById(tx, input.id);
  if (!c) return refused('NOT_FOUND', '合同不存在，请发送 /合同 待审 查看待审批的合同。');
  const view = await loadView(tx, ctx.services, c);
  const level = levelOf(c.state);
  const clicked = await cardRoleOfMessage(tx, c.id, input.messageId);
  const current = () => contractCard(view, clicked ?? { kind: 'approval', revision: c.revision, level });
  if (c.version !== input.v || level === 0) return refused('STALE', staleText(view), current(), 'warning');
  if (c.submitterOpenId === actor.openId) return refused('OWN_CONTRACT', '不能审批自己提交的合同。', current());
  const authority = authorityFor(dep, c, actor);
  if (!authority) return refused('NOT_ALLOWED', level === 2 ? `合同 ${c.number} 等待总经办审批，只有总经办可以决定。` : `没有权限：合同 ${c.number} 需要主管审批。`, current());

  const comment = input.comment.trim().slice(0, contractsConfig.commentMax);
  const event = decisionEvent(c.state, input.decision, c.amount)!;
  const check = transition(contractWorkflow, c.state, event, { now, actor: { role: authority.role, isOwner: false }, data: { comment } });
  if (!check.ok) return refused(check.code, transitionRefusal(contractWorkflow, c.state, event, check).text, undefined, 'warning');

  // The deputy decides in the supervisor's role; the audit row keeps the deputy as the actor.
  const acting: BotContext = { ...ctx, actor: { ...actor, role: authority.role } };
  let applied: Applied;
  try {
    applied = await applyTransition(acting, {
      workflow: contractWorkflow,
      subjectType: SUBJECT,
      table: TABLE,
      id: c.id,
      version: c.version,
      event,
      ownerOpenId: c.submitterOpenId,
      data: { comment, level, revision: c.revision, ...(authority.onBehalfOf ? { onBehalfOf: authority.onBehalfOf } : {}) },
      reason: comment || undefined,
      anchors: anchorsOf(c),
      notify: false,
    });
  } catch (err) {
    // Someone else's decision landed between our read and our write (the version lock caught it
    // before anything of ours was written): the loser gets what happened and the current card.
    if (!(err instanceof Refusal) || err.code !== 'STALE') throw err;
    const latest = await loadView(tx, ctx.services, (await contractById(tx, c.id))!);
    return refused('STALE', staleText(latest), contractCard(latest, clicked ?? { kind: 'approval', revision: c.revision, level }), 'warning');
  }
  await tx.insert(contractApprovals).values({
    contractId: c.id,
    revision: c.revision,
    level,
    decision: input.decision === 'approve' ? 'approved' : 'rejected',
    comment: comment || null,
    deciderOpenId: actor.openId,
    deciderRole: authority.role,
    onBehalfOf: authority.onBehalfOf ?? null,
    decidedAt: now,
  });
  const nextLevel = levelOf(applied.to);
  const [after] = await tx.update(contracts).set({ level: nextLevel, levelSince: nextLevel ? now : null }).where(eq(contracts.id, c.id)).returning();
  const gms = nextLevel === 2 ? await requestApprovals(ctx, after!) : [];
  const fresh = await refreshCards(ctx, c.id, input.messageId);
  await notifySubmitter(ctx, fresh, applied, { comment, by: deciderName(fresh, actor.openId, authority.onBehalfOf), noGm: nextLevel === 2 && gms.length === 0 });

  const submitter = fresh.name(c.submitterOpenId);
  const toast =
    applied.to === 'pending_gm'
      ? `已批准 ${c.number}；金额超过 ${yuan(contractsConfig.gmThreshold)}，已转总经办审批${gms.length ? '' : '（注意：还没有人绑定总经办角色，请联系管理员）'}。`
      : `已${input.decision === 'approve' ? '批准' : '驳回'} ${c.number}，已通知 ${submitter}。`;
  return { toast: { type: 'success', text: toast }, card: contractCard(fresh, clicked ?? { kind: 'approval', revision: c.revision, level }) };
}

async function notifySubmitter(ctx: BotContext, view: ContractView, applied: Applied, o: { comment: string; by: string; noGm: boolean }): Promise<void> {
  const { c, tz } = view;
  const looks: Record<string, { title: string; color: string }> = {
    approved: { title: '合同已批准', color: 'green' },
    rejected: { title: '合同被驳回', color: 'red' },
    pending_gm: { title: '主管已批准，待总经办审批', color: 'orange' },
  };
  const look = looks[applied.to] ?? { title: '合同状态更新', color: 'blue' };
  const verb = applied.to === 'rejected' ? '驳回' : '批准';
  const due = applied.opened.map((d) => `⏰ ${d.label}：截止 ${formatLocal((d.targetAt ?? d.limitAt)!, tz)}${d.targetAt && d.limitAt ? `，最迟 ${formatLocal(d.limitAt, tz)}` : ''}`);
  const next =
    applied.to === 'rejected'
      ? `按意见修改后重新提交：\`/合同 修改 ${c.number} 金额=… 说明=…\``
      : applied.to === 'approved'
        ? `签署后发送：\`/合同 签署 ${c.number} [日期]\``
        : `等待总经办审批，结果会通知你。${o.noGm ? '（还没有人绑定总经办角色，请联系管理员）' : ''}`;
  const body = [
    `**${o.by}** ${verb}了合同 **${c.number}**（${plain(view.customer.name)} · ${yuan(c.amount)} · 第 ${c.revision} 版）`,
    `时间：${formatLocal(ctx.now, tz)}`,
    `意见：${o.comment ? plain(o.comment) : '（无）'}`,
    ...due,
    `下一步：${next}`,
  ].join('\n');
  await ctx.send({ kind: 'send', to: { openId: c.submitterOpenId }, content: { card: noticeCard(`${look.title} · ${c.number}`, plain(view.customer.name), look.color, body) } });
}

// ---------------------------------------------------------------------------------------------
// After the decision: sign, archive, CRM entry

async function move(ctx: BotContext, c: Contract, event: string, data: Record<string, unknown>, set: Partial<typeof contracts.$inferInsert>): Promise<{ c: Contract; applied: Applied }> {
  const applied = await applyTransition(ctx, { workflow: contractWorkflow, subjectType: SUBJECT, table: TABLE, id: c.id, version: c.version, event, ownerOpenId: c.submitterOpenId, data, anchors: anchorsOf(c) });
  const [after] = await ctx.tx.update(contracts).set(set).where(eq(contracts.id, c.id)).returning();
  if (event === 'SIGN') await moveCustomerAlong(ctx, after!, 'sign'); // before the cards: they show the customer's stage
  await refreshCards(ctx, c.id);
  return { c: after!, applied };
}

/** 签署: on a day from the (final) approval to today. */
export async function signContract(ctx: BotContext, number: string, day: string) {
  const c = await requireContract(ctx.tx, number);
  const tz = ctx.services.config.BUSINESS_TZ;
  const today = dayKey(ctx.now, tz);
  if (day > today) refuse('BAD_DATE', `签署日期 ${day} 还没到：请在签署后再登记（今天是 ${today}）。`);
  const [approval] = await ctx.tx
    .select({ at: contractApprovals.decidedAt })
    .from(contractApprovals)
    .where(and(eq(contractApprovals.contractId, c.id), eq(contractApprovals.revision, c.revision), eq(contractApprovals.decision, 'approved')))
    .orderBy(desc(contractApprovals.decidedAt))
    .limit(1);
  const approvedOn = approval && dayKey(approval.at, tz);
  if (approvedOn && day < approvedOn) refuse('BAD_DATE', `签署日期 ${day} 早于合同批准日期 ${approvedOn}：请填写批准之后的实际签署日期。`);
  return move(ctx, c, 'SIGN', { signed_on: day }, { signedOn: day });
}

export async function archiveContract(ctx: BotContext, number: string) {
  const c = await requireContract(ctx.tx, number);
  return move(ctx, c, 'ARCHIVE', {}, { archivedAt: ctx.now });
}

export async function enterCrm(ctx: BotContext, number: string) {
  const c = await requireContract(ctx.tx, number);
  if (c.crmEnteredAt) refuse('ALREADY_DONE', `合同 ${c.number} 已于 ${formatLocal(c.crmEnteredAt, ctx.services.config.BUSINESS_TZ)} 登记录入 CRM。`);
  return move(ctx, c, 'CRM_ENTER', {}, { crmEnteredAt: ctx.now });
}

// ---------------------------------------------------------------------------------------------
// Queries

/** Contracts waiting for this actor's decision, oldest request first. */
export async function waitingFor(tx: Tx, services: Services, actor: Actor, now: Date): Promise<Contract[]> {
  const dep = await loadDepartment(tx, services, now);
  const rows = await tx.select().from(contracts).where(inArray(contracts.state, ['submitted', 'pending_gm'])).orderBy(asc(contracts.levelSince), asc(contracts.id));
  return rows.filter((c) => authorityFor(dep, c, actor));
}

/** /合同 列表: everything for supervisors, gm, finance and admins; otherwise mine and my customers'. */
export async function listContracts(tx: Tx, actor: Actor, states?: readonly string[], scope: 'visible' | 'mine' = 'visible') {
  const mine = scope === 'visible' && seesAll(actor) ? undefined : or(eq(contracts.submitterOpenId, actor.openId), eq(customers.ownerOpenId, actor.openId));
  return tx
    .select({ c: contracts, customer: customers.name })
    .from(contracts)
    .innerJoin(customers, eq(customers.id, contracts.customerId))
    .where(and(mine, states ? inArray(contracts.state, [...states]) : undefined))
    .orderBy(desc(contracts.updatedAt), desc(contracts.id))
    .limit(contractsConfig.listLimit);
}

export async function customerName(tx: Tx, id: number): Promise<string> {
  const [row] = await tx.select({ name: customers.name }).from(customers).where(eq(customers.id, id));
  return row?.name ?? `#${id}`;
}

/** Customers offered in the submit form: mine, or all of them for a supervisor. */
export async function formCustomers(tx: Tx, actor: Actor): Promise<string[]> {
  const rows = await tx
    .select({ name: customers.name })
    .from(customers)
    .where(actor.role === 'supervisor' ? undefined : eq(customers.ownerOpenId, actor.openId))
    .orderBy(asc(customers.name))
    .limit(101);
  return rows.map((r) => r.name);
}

// ---------------------------------------------------------------------------------------------
// Delegation (代理)

export async function setDelegation(ctx: BotContext, toOpenId: string, untilDay: string): Promise<ContractDelegation> {
  const { tx, now, actor } = ctx;
  const tz = ctx.services.config.BUSINESS_TZ;
  const dep = await loadDepartment(tx, ctx.services, now);
  const refusal = delegationRefusal({ openId: actor.openId, role: actor.role }, { openId: toOpenId, role: roleOf(dep, toOpenId) }, untilDay, dayKey(now, tz));
  if (refusal) refuse('BAD_DELEGATION', refusal);
  await revokeMine(ctx);
  const [row] = await tx
    .insert(contractDelegations)
    .values({ fromOpenId: actor.openId, toOpenId, untilDay, untilAt: startOfDay(addDays(untilDay, 1), tz), createdAt: now })
    .returning();
  await ctx.audit({ action: 'contract.delegate', subjectType: 'delegation', subjectId: row!.id, toState: 'active', detail: { to: toOpenId, until: untilDay } });
  const waiting = (await tx.select({ n: contracts.id }).from(contracts).where(eq(contracts.state, 'submitted'))).length;
  const from = actor.name ?? actor.openId;
  await ctx.send({
    kind: 'send',
    to: { openId: toOpenId },
    content: { card: noticeCard('代理审批 · Delegation', `${from} → 你`, 'blue', `**${from}** 委托你代为审批合同，至 **${untilDay}**（含）。\n你的审批会记录为「你（代 ${from}）」。\n现在有 ${waiting} 份合同等待主管审批：发送 /合同 待审 查看。`) },
  });
  return row!;
}

/** Ends the actor's delegations in force; returns how many. */
export async function revokeMine(ctx: BotContext): Promise<number> {
  const rows = await ctx.tx
    .update(contractDelegations)
    .set({ revokedAt: ctx.now })
    .where(and(eq(contractDelegations.fromOpenId, ctx.actor.openId), isNull(contractDelegations.revokedAt), gt(contractDelegations.untilAt, ctx.now)))
    .returning({ id: contractDelegations.id, to: contractDelegations.toOpenId });
  for (const r of rows) await ctx.audit({ action: 'contract.delegate.revoke', subjectType: 'delegation', subjectId: r.id, fromState: 'active', toState: 'revoked', detail: { to: r.to } });
  return rows.length;
}
