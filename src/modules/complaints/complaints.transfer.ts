/**
 * 客户转交 (/客户 转交): what of this module follows a customer to its new owner, inside the
 * transfer's transaction. The customer's owner is the one who works its service items (SPEC §3.3:
 * complaints, urgent issues, quality follow-ups, quarterly surveys are the salesperson's steps, and
 * their reminders and escalations name that person), so each open record the previous owner held —
 * and its live clocks — moves to the new one.
 *
 * What does NOT move, on purpose:
 * - finished records (closed complaints, handled urgent issues, done or cancelled follow-ups) and
 *   recorded satisfaction scores: they are history and count for whoever did the work in the KPIs
 *   (SPEC §4 投诉处理及时率 / 客户满意度 per person; a score keeps "the owner at the time");
 * - a complaint's 责任人 (`responsible_open_id`), even when it is the previous owner: it is a
 *   finding of the investigation (SPEC §3.3 "cause, responsibility, loss") and the bearer of the
 *   cost allocation (SPEC §5), not an assignment — a new owner did not cause the problem;
 * - a record or clock assigned to someone other than the previous owner (a follow-up the
 *   scheduling module gave to someone else, a clock owned by another department): only rows whose
 *   owner is `from` are touched. A follow-up still waiting with no owner (NULL) already goes to the
 *   customer's owner when its clock opens.
 * The transfer's own audit row (customer.transfer, detail.elsewhere) records what moved. The
 * complaint and urgent-issue cards already posted re-render for their viewers: the previous
 * owner's copies lose the owner's buttons.
 */
import { and, eq, inArray, like, sql, type SQL } from 'drizzle-orm';
import type { BotContext } from '../../platform/context';
import type { Tx } from '../../platform/db/client';
import type { CustomerTransfer } from '../../platform/module';
import { LIVE } from '../../platform/sla/deadlines';
import { deadlines } from '../../platform/sla/sla.schema';
import { reassignDeadlines } from '../customers';
import { complaintFor, urgentFor } from './complaints.cards';
import { complaints, followUps, urgentIssues } from './complaints.schema';
import { loadComplaint, loadUrgentIssue, refreshCopies, SUBJECT } from './complaints.service';
import { OPEN_STATES } from './complaints.workflow';

type Move = (tx: Tx, t: CustomerTransfer, now: Date) => Promise<Array<string | number>>;

/** The customer's rows of `table` owned by `from` and still open: owner set to `to`; returns their ids. */
const ownedRows =
  (table: typeof complaints | typeof urgentIssues | typeof followUps, open: SQL): Move =>
  async (tx, t, now) =>
    (
      await tx
        .update(table)
        .set({ ownerOpenId: t.to, version: sql`${table.version} + 1`, updatedAt: now.getTime() })
        .where(and(eq(table.customerId, t.customerId), eq(table.ownerOpenId, t.from), open))
        .returning({ id: table.id })
    ).map((r) => r.id);

/** A pending survey is only a clock (subject `${customerId}-${quarter}`, surveySubjectId): its ids. */
const surveyClocks: Move = async (tx, t) =>
  (
    await tx
      .selectDistinct({ id: deadlines.subjectId })
      .from(deadlines)
      .where(and(eq(deadlines.subjectType, SUBJECT.survey), like(deadlines.subjectId, `${t.customerId}-%`), eq(deadlines.ownerOpenId, t.from), inArray(deadlines.status, LIVE)))
  ).map((r) => r.id);

/** One row per kind of record: its deadline subject, how it is counted in the reply, how it moves, whose posted cards re-render. */
const KINDS: ReadonlyArray<{ subject: string; noun: string; move: Move; refresh?: (ctx: BotContext, id: number) => Promise<void> }> = [
  {
    subject: SUBJECT.complaint,
    noun: '条未结投诉',
    move: ownedRows(complaints, inArray(complaints.state, [...OPEN_STATES])),
    refresh: async (ctx, id) => refreshCopies(ctx, 'complaint', await loadComplaint(ctx.tx, id), complaintFor(ctx)),
  },
  {
    subject: SUBJECT.urgent,
    noun: '个紧急问题',
    move: ownedRows(urgentIssues, eq(urgentIssues.state, 'open')),
    refresh: async (ctx, id) => refreshCopies(ctx, 'urgent', await loadUrgentIssue(ctx.tx, id), urgentFor(ctx)),
  },
  { subject: SUBJECT.followUp, noun: '次品质回访', move: ownedRows(followUps, inArray(followUps.status, ['scheduled', 'open'])) },
  { subject: SUBJECT.survey, noun: '次满意度调查', move: surveyClocks },
];

/** Moves every kind and its live clocks; returns what moved for the transfer reply ('2 条未结投诉、1 个紧急问题'). */
export async function transferServiceRecords(ctx: BotContext, t: CustomerTransfer): Promise<string | undefined> {
  const moved: string[] = [];
  for (const k of KINDS) {
    const ids = await k.move(ctx.tx, t, ctx.now);
    for (const id of ids) {
      await reassignDeadlines(ctx.tx, k.subject, id, t.from, t.to);
      await k.refresh?.(ctx, Number(id));
    }
    if (ids.length) moved.push(`${ids.length} ${k.noun}`);
  }
  return moved.join('、') || undefined;
}
