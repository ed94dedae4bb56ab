/**
 * What the KPI module reads from complaints (SPEC §4: complaints handled on time 100 %,
 * customer satisfaction ≥ 90 %; SPEC §5: cost allocations). Read-only, any transaction.
 */
import { and, asc, eq, gte, inArray, isNotNull, lt } from 'drizzle-orm';
import type { Tx } from '../../platform/db/client';
import { deadlines, type DeadlineRow } from '../../platform/sla/sla.schema';
import { complaints, type CauseKey } from './complaints.schema';
import { SUBJECT } from './complaints.service';

export interface Period {
  from: Date;
  /** Exclusive. */
  to: Date;
}

export interface OnTimeSummary {
  /** Complaints received in the period. */
  total: number;
  /** Closed with every clock met in time. */
  onTime: number;
  /** Any clock past its hard limit (closed or not). */
  late: number;
  /** Still open and not late yet: not counted either way. */
  pending: number;
  /** onTime / (onTime + late); null when nothing is decided yet. */
  rate: number | null;
  target: 1;
}

const wasLate = (d: DeadlineRow) => d.breachedAt !== null || d.status === 'breached' || (d.status === 'met' && (d.metDeltaMs ?? 0) > 0);

/** 投诉处理及时率: complaints received in the period (optionally one owner's). */
export async function complaintsHandledOnTime(tx: Tx, p: Period & { ownerOpenId?: string }): Promise<OnTimeSummary> {
  const rows = await tx
    .select({ id: complaints.id, state: complaints.state })
    .from(complaints)
    .where(and(gte(complaints.receivedAt, p.from), lt(complaints.receivedAt, p.to), p.ownerOpenId ? eq(complaints.ownerOpenId, p.ownerOpenId) : undefined));
  const ids = rows.map((r) => String(r.id));
  const clocks = ids.length ? await tx.select().from(deadlines).where(and(eq(deadlines.subjectType, SUBJECT.complaint), inArray(deadlines.subjectId, ids))) : [];
  const lateIds = new Set(clocks.filter(wasLate).map((d) => d.subjectId));
  const late = rows.filter((r) => lateIds.has(String(r.id))).length;
  const onTime = rows.filter((r) => r.state === 'closed' && !lateIds.has(String(r.id))).length;
  return { total: rows.length, onTime, late, pending: rows.length - onTime - late, rate: onTime + late ? onTime / (onTime + late) : null, target: 1 };
}

export interface CostAllocationRow {
  complaintNumber: string;
  openId: string;
  cause: CauseKey | null;
  loss: number | null;
  share: number;
  amount: number;
  closedAt: Date;
}

/** Cost allocations of complaints closed in the period (optionally one person's): confidential. */
export async function complaintCostAllocations(tx: Tx, p: Period & { openId?: string }): Promise<CostAllocationRow[]> {
  const rows = await tx
    .select()
    .from(complaints)
    .where(and(isNotNull(complaints.allocationAmount), gte(complaints.closedAt, p.from), lt(complaints.closedAt, p.to), p.openId ? eq(complaints.allocationOpenId, p.openId) : undefined))
    .orderBy(asc(complaints.closedAt));
  return rows.map((c) => ({ complaintNumber: c.number, openId: c.allocationOpenId!, cause: c.cause, loss: c.loss, share: c.allocationShare ?? 0, amount: c.allocationAmount!, closedAt: c.closedAt! }));
}
