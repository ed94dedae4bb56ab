/**
 * Applies a workflow transition: one code path for every state change (ARCHITECTURE §3).
 * In the caller's transaction: optimistic lock on the record, audit row, close the left state's
 * clocks, open the entered state's, and a "新待办" message to whoever the new clocks belong to.
 */
import { sql } from 'drizzle-orm';
import type { BotContext } from '../context';
import { simpleCard } from '../cards';
import { nameSubjects } from '../module';
import { cancelDeadlines, meetDeadlines, openDeadlines, pauseSubject, resumeSubject, type SubjectRef } from '../sla/deadlines';
import { People } from '../sla/people';
import type { DeadlineRow } from '../sla/sla.schema';
import { formatLocal } from '../time';
import { notFoundRefusal, staleRefusal, transitionRefusal } from './refusals';
import { eventLabel, stateLabel, transition, type DeadlineRule, type Workflow } from './workflow';

export interface ApplyInput {
  workflow: Workflow;
  subjectType: string;
  /** SQL table of the record: has id, state, version and updated_at (ms). */
  table: string;
  id: string | number;
  /** The version the user saw (carried in the button value). */
  version: number;
  event: string;
  /** The record's owner: decides 'owner' permissions and owns 'owner' deadlines. */
  ownerOpenId?: string | null;
  /** Fields checked against the event's `requires`, and written to the audit detail. */
  data?: Record<string, unknown>;
  /** Named times the entered rules count from (demo date, due date …). */
  anchors?: Record<string, Date>;
  /** Why (rejection comment, pause reason); audited. */
  reason?: string;
  /** Send "新待办" to the owners of newly opened clocks (default true). */
  notify?: boolean;
}

export interface Applied {
  from: string;
  to: string;
  /** The record's version after the change (for the refreshed card's buttons). */
  version: number;
  opened: DeadlineRow[];
  met: DeadlineRow[];
}

export async function applyTransition(ctx: BotContext, input: ApplyInput): Promise<Applied> {
  const { workflow: wf, tx } = { ...input, tx: ctx.tx };
  const table = sql.identifier(input.table);
  const current = await tx.get<{ state: string; version: number } | undefined>(sql`select state, version from ${table} where id = ${input.id}`);
  if (!current) throw notFoundRefusal();
  if (Number(current.version) !== input.version) throw staleRefusal();
  const isOwner = !!input.ownerOpenId && input.ownerOpenId === ctx.actor.openId;
  const r = transition(wf, current.state, input.event, { now: ctx.now, actor: { role: ctx.actor.role, isOwner, isAdmin: ctx.actor.isAdmin }, data: input.data });
  if (!r.ok) throw transitionRefusal(wf, current.state, input.event, r);

  const updated = await tx.run(
    sql`update ${table} set state = ${r.to}, version = version + 1, updated_at = ${ctx.now.getTime()} where id = ${input.id} and version = ${input.version}`,
  );
  if (updated.rowsAffected === 0) throw staleRefusal();
  await ctx.audit({
    action: `${input.subjectType}.${input.event}`,
    subjectType: input.subjectType,
    subjectId: input.id,
    fromState: r.from,
    toState: r.to,
    detail: { workflow: wf.name, event: input.event, ...(input.reason ? { reason: input.reason } : {}), ...(input.data ? { data: input.data } : {}) },
  });

  const subject: SubjectRef = { subjectType: input.subjectType, subjectId: input.id };
  const cal = ctx.services.calendar;
  if (r.clock === 'pause') await pauseSubject(tx, subject, { reason: input.reason ?? eventLabel(wf, input.event, r.from), now: ctx.now });
  if (r.clock === 'resume') await resumeSubject(tx, cal, subject, { now: ctx.now });
  let met: DeadlineRow[] = [];
  if (r.leave.length) {
    if (r.close === 'met') met = await meetDeadlines(tx, cal, subject, { steps: r.leave, now: ctx.now });
    else await cancelDeadlines(tx, subject, { steps: r.leave, now: ctx.now });
  }
  if (r.terminal) await cancelDeadlines(tx, subject, { now: ctx.now });
  const opened = await openRules(ctx, subject, r.enter, input);
  if (input.notify !== false) await notifyOwners(ctx, opened, `${stateLabel(wf, r.from)} → ${stateLabel(wf, r.to)}`);
  return { from: r.from, to: r.to, version: input.version + 1, opened, met };
}

/**
 * Starts a new record's clocks: the initial state's rules (a record is created in `initial`).
 * Call it in the transaction that inserts the record.
 */
export async function startWorkflow(
  ctx: BotContext,
  input: { workflow: Workflow; subjectType: string; id: string | number; ownerOpenId?: string | null; anchors?: Record<string, Date>; notify?: boolean },
): Promise<DeadlineRow[]> {
  const subject = { subjectType: input.subjectType, subjectId: input.id };
  const opened = await openRules(ctx, subject, input.workflow.states[input.workflow.initial]?.deadlines ?? [], input);
  if (input.notify !== false) await notifyOwners(ctx, opened, stateLabel(input.workflow, input.workflow.initial));
  return opened;
}

async function openRules(ctx: BotContext, subject: SubjectRef, rules: readonly DeadlineRule[], input: { ownerOpenId?: string | null; anchors?: Record<string, Date> }): Promise<DeadlineRow[]> {
  const anchor = (name: string | undefined, rule: DeadlineRule) => {
    if (!name) return ctx.now;
    const at = input.anchors?.[name];
    if (!at) throw new Error(`deadline "${rule.step}" of ${subject.subjectType} ${subject.subjectId} counts from anchor "${name}", but no such anchor was given`);
    return at;
  };
  return openDeadlines(
    ctx.tx,
    ctx.services.calendar,
    subject,
    rules.map((rule) => ({
      rule,
      ownerOpenId: input.ownerOpenId,
      anchorAt: anchor(rule.anchor, rule),
      limitAnchorAt: rule.limitAnchor ? anchor(rule.limitAnchor, rule) : undefined,
      now: ctx.now,
    })),
  );
}

/** One "新待办" card per person who got new clocks (not the actor: they just did it). */
async function notifyOwners(ctx: BotContext, opened: DeadlineRow[], why: string): Promise<void> {
  if (opened.length === 0) return;
  const people = await People.load(ctx.tx, ctx.services.config.DEFAULT_ROLE);
  const tz = ctx.services.config.BUSINESS_TZ;
  const byPerson = new Map<string, DeadlineRow[]>();
  for (const d of opened) for (const p of people.owners(d)) if (p !== ctx.actor.openId) byPerson.set(p, [...(byPerson.get(p) ?? []), d]);
  if (byPerson.size === 0) return;
  const names = await nameSubjects(ctx.tx, ctx.services, opened);
  for (const [openId, items] of byPerson) {
    const lines = items.map((d) => {
      const due = d.targetAt ?? d.limitAt;
      return `• ${names(d)}「${d.label}」截止 ${due ? formatLocal(due, tz) : '—'}${d.limitAt && d.targetAt ? `（最迟 ${formatLocal(d.limitAt, tz)}）` : ''}`;
    });
    await ctx.send({ kind: 'send', to: { openId }, content: { card: simpleCard('新待办 · New task', 'blue', [`${why}`, ...lines, '', '发送 /待办 查看全部。'].join('\n')) } });
  }
}
