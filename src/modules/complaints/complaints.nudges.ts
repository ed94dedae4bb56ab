/**
 * The weekly nudge's complaint section (sla.weekly_nudge collects it): every complaint still
 * open, listed to the customer's owner, oldest first, with its state, how long it has been open
 * and whether a clock is already breached. Supervisors see the count in the team roll-up.
 */
import { and, asc, eq, inArray, lte } from 'drizzle-orm';
import type { NudgeProvider } from '../../platform/module';
import { deadlines } from '../../platform/sla/sla.schema';
import { formatLocal, MS } from '../../platform/time';
import { stateLabel } from '../../platform/workflow/workflow';
import { customers } from '../customers';
import { complaints } from './complaints.schema';
import { SUBJECT } from './complaints.service';
import { complaintWorkflow, OPEN_STATES } from './complaints.workflow';

export const OPEN_COMPLAINTS = '未结案的投诉';

export const openComplaints: NudgeProvider = async (tx, now, services) => {
  const tz = services.config.BUSINESS_TZ;
  const rows = await tx
    .select({ c: complaints, customer: customers.name })
    .from(complaints)
    .innerJoin(customers, eq(customers.id, complaints.customerId))
    .where(inArray(complaints.state, [...OPEN_STATES]))
    .orderBy(asc(complaints.receivedAt));
  if (rows.length === 0) return [];
  const late = new Set(
    (
      await tx
        .select({ id: deadlines.subjectId })
        .from(deadlines)
        // Past its hard limit: breached, or about to be marked so by the next sweep.
        .where(and(eq(deadlines.subjectType, SUBJECT.complaint), inArray(deadlines.status, ['open', 'breached']), lte(deadlines.limitAt, now), inArray(deadlines.subjectId, rows.map(({ c }) => String(c.id)))))
    ).map((r) => r.id),
  );
  return rows.map(({ c, customer }) => {
    const days = Math.floor((now.getTime() - c.receivedAt.getTime()) / MS.day);
    const flags = [c.urgent ? '紧急' : '', late.has(String(c.id)) ? '🔴超时' : ''].filter(Boolean);
    return {
      ownerOpenId: c.ownerOpenId,
      section: OPEN_COMPLAINTS,
      line: `${c.number} ${customer}：${stateLabel(complaintWorkflow, c.state)}${flags.length ? `（${flags.join('，')}）` : ''}，${formatLocal(c.receivedAt, tz)} 收到${days > 0 ? `，已 ${days} 天` : ''}`,
    };
  });
};
