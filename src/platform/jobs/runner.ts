import { and, eq, lt, or } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import type { Services } from '../context';
import { jobRuns } from '../db/core.schema';
import { withWriteLock } from '../db/write-lock';
import { refreshCalendar } from '../sla/calendar-settings';
import type { JobDef, JobSummary } from './job';

export type JobOutcome = { ran: true; summary: JobSummary } | { ran: false; reason: 'already_ran' | 'running_elsewhere' };

/** A job whose runner died keeps its lease this long before another may take the slot over. */
const STALE_RUN_MS = 15 * 60_000;
// Lazy: Workers forbid random values at module scope.
let instanceId: string | undefined;
const owner = () => (instanceId ??= randomUUID());

/** Slot = the minute the run is for, so "the same moment" is the same slot on every instance. */
export const slotOf = (now: Date) => new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString();

/**
 * Runs a job for one moment at most once across all instances: the (job, slot) row is the lease.
 * A failed run releases its slot so a retry can take it.
 */
export async function runJob(services: Services, job: JobDef, now: Date): Promise<JobOutcome> {
  const { db } = services.database;
  const slot = slotOf(now);
  const startedAt = new Date();
  const taken = await withWriteLock(() => db
    .insert(jobRuns)
    .values({ job: job.name, slot, owner: owner(), startedAt, status: 'running' })
    .onConflictDoUpdate({
      target: [jobRuns.job, jobRuns.slot],
      set: { owner: owner(), startedAt, status: 'running', finishedAt: null, summary: null },
      setWhere: or(eq(jobRuns.status, 'failed'), and(eq(jobRuns.status, 'running'), lt(jobRuns.startedAt, new Date(startedAt.getTime() - STALE_RUN_MS)))),
    })
    .returning({ owner: jobRuns.owner }));
  if (taken.length === 0) {
    const [row] = await db.select({ status: jobRuns.status }).from(jobRuns).where(and(eq(jobRuns.job, job.name), eq(jobRuns.slot, slot)));
    return { ran: false, reason: row?.status === 'running' ? 'running_elsewhere' : 'already_ran' };
  }
  const log = services.log.child({ job: job.name, slot });
  try {
    await refreshCalendar(services.calendar, db, log); // another instance may have changed the calendar
    const summary = await job.run({ services, now, slot });
    await withWriteLock(() => db.update(jobRuns).set({ status: 'ok', finishedAt: new Date(), summary: JSON.stringify(summary) }).where(and(eq(jobRuns.job, job.name), eq(jobRuns.slot, slot))));
    log.info('job done', { ...summary, ms: Date.now() - startedAt.getTime() });
    return { ran: true, summary };
  } catch (err) {
    await withWriteLock(() => db.update(jobRuns).set({ status: 'failed', finishedAt: new Date(), summary: String((err as Error).message).slice(0, 500) }).where(and(eq(jobRuns.job, job.name), eq(jobRuns.slot, slot))));
    log.error('job failed', { err });
    throw err;
  }
}
