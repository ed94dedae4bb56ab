/**
 * The weekly nudge's customer sections (sla.weekly_nudge collects them): customers stalled in a
 * stage too long, and important customers (重点客户) not visited this calendar month.
 */
import { and, eq, inArray, isNull, lt, ne, or } from 'drizzle-orm';
import type { NudgeProvider } from '../../platform/module';
import { formatLocal, MS } from '../../platform/time';
import { customers } from './customers.schema';
import { periodsOf, stageName } from './customers.service';
import { STALL_DAYS, type Stage } from './customers.workflow';

export const STALLED = '停滞的客户';
export const NOT_VISITED = '本月未拜访的重点客户';

export const stalledCustomers: NudgeProvider = async (tx, now) => {
  const rows = await tx
    .select()
    .from(customers)
    .where(inArray(customers.state, Object.keys(STALL_DAYS)));
  return rows.flatMap((c) => {
    const limit = STALL_DAYS[c.state as Stage]!;
    const days = Math.floor((now.getTime() - c.stateEnteredAt.getTime()) / MS.day);
    return days > limit ? [{ ownerOpenId: c.ownerOpenId, section: STALLED, line: `${c.name}：停在「${stageName(c.state)}」已 ${days} 天（超过 ${limit} 天）` }] : [];
  });
};

export const importantNotVisited: NudgeProvider = async (tx, now, services) => {
  const tz = services.config.BUSINESS_TZ;
  const { month, monthStart } = periodsOf(now, tz);
  const rows = await tx
    .select()
    .from(customers)
    .where(and(eq(customers.important, true), ne(customers.state, 'lost'), or(isNull(customers.lastVisitAt), lt(customers.lastVisitAt, monthStart))));
  return rows.map((c) => ({
    ownerOpenId: c.ownerOpenId,
    section: NOT_VISITED,
    line: `${c.name}：${month} 还没有拜访（${c.lastVisitAt ? `上次 ${formatLocal(c.lastVisitAt, tz, true)}` : '从未拜访'}）`,
  }));
};
