import { and, asc, eq, lte, or, type SQL } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import type { Database, Tx } from '../db/client';
import { withWriteLock } from '../db/write-lock';
import { inboxEvents } from '../db/core.schema';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { Pump } from '../pump';

export interface InboxRow {
  eventId: string;
  eventType: string;
  dedupeKey: string | null;
  payload: string;
  receivedAt: Date;
}

const COLUMNS = 5;
const MAX_ROWS_PER_STATEMENT = 200;

/** Runs one write statement: on the writer thread for an embedded file, else on the shared client. */
export type Execute = (sql: string, args: Array<string | number | null>) => Promise<void>;

/**
 * Durable inbox writes with group commit: every request waits for its row to be committed, but
 * the requests that arrive while one INSERT is committing share the next one (one fsync for all).
 */
export class InboxWriter {
  private queue: Array<{ row: InboxRow; done: () => void; fail: (e: unknown) => void }> = [];
  private flushing: Promise<void> | null = null;

  constructor(private readonly execute: Execute) {}

  /** Resolves once the row is committed (or was already there: duplicates are ignored). */
  write(row: InboxRow): Promise<void> {
    return new Promise((done, fail) => {
      this.queue.push({ row, done, fail });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    // Let the requests that arrived in the same turn of the event loop join the first batch.
    await new Promise((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_ROWS_PER_STATEMENT);
      try {
        const placeholders = batch.map(() => `(${Array(COLUMNS).fill('?').join(',')})`).join(',');
        await this.execute(
          `INSERT OR IGNORE INTO inbox_events (event_id, event_type, dedupe_key, payload, received_at) VALUES ${placeholders}`,
          batch.flatMap(({ row }) => [row.eventId, row.eventType, row.dedupeKey, row.payload, row.receivedAt.getTime()]),
        );
        for (const b of batch) b.done();
      } catch (e) {
        for (const b of batch) b.fail(e);
      }
    }
    this.flushing = null;
  }
}

/** The row's fields once handled: written by `finish` inside the handler's own transaction. */
export type InboxOutcome = Partial<Pick<typeof inboxEvents.$inferInsert, 'status' | 'processedAt' | 'error' | 'attempts'>>;

/**
 * Marks the row handled inside the handler's transaction — only while this instance still holds
 * its claim. If the lease ran out and another instance (or a restart) claimed the row, it throws
 * `ClaimLost` and the whole transaction rolls back: the new holder's run is the one that counts.
 */
export type FinishClaim = (tx: Tx, outcome: InboxOutcome) => Promise<void>;

type InboxEvent = typeof inboxEvents.$inferSelect;

export type InboxHandler = (row: InboxEvent, finish: FinishClaim) => Promise<void>;

/** Thrown by `finish` when the row is no longer ours; the handler's changes must not commit. */
export class ClaimLost extends Error {
  override name = 'ClaimLost';
  constructor(readonly eventId: string) {
    super(`inbox event ${eventId} was claimed by another instance; this run is rolled back`);
  }
}

/** Pending, or claimed by someone whose lease has run out. */
const claimable = (now: Date) => or(eq(inboxEvents.status, 'pending'), and(eq(inboxEvents.status, 'processing'), lte(inboxEvents.claimedUntil, now)));

/**
 * Processes committed events after the ack, oldest first, one at a time per instance.
 * Each row is claimed on its own, just before it is handled, with a lease (the next row's claim
 * commits together with the current row's "done"), so two instances do not pick up one event
 * and a long handler never lets the rows queued behind it expire. The claim is checked again in
 * the handler's transaction (`finish`): a row whose lease ran out and was taken over rolls back
 * instead of taking effect twice. A crash leaves the row claimable again (immediately at the
 * next start for an embedded database).
 */
export class InboxProcessor {
  readonly instanceId = randomUUID();
  private readonly pump: Pump;
  private readonly leaseMs: number;
  private readonly pace: () => Promise<unknown>;

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly handle: InboxHandler,
    opts: { leaseMs?: number; pace?: () => Promise<unknown> } = {},
  ) {
    this.leaseMs = opts.leaseMs ?? 60_000;
    // The embedded driver runs each statement synchronously: by default give waiting requests a turn.
    this.pace = opts.pace ?? (() => new Promise((r) => setImmediate(r)));
    this.pump = new Pump('inbox processing', () => this.processBatch(), log);
  }

  /** At start-up: an embedded database has one owner, so rows a crashed run had claimed are ours again. */
  async recover(): Promise<void> {
    if (!this.database.isLocalFile) return;
    await withWriteLock(() => this.database.db.update(inboxEvents).set({ status: 'pending', claimedBy: null, claimedUntil: null }).where(eq(inboxEvents.status, 'processing')));
  }

  kick = (): Promise<void> => this.pump.kick();
  idle = (): Promise<void> => this.pump.idle();
  stop = (): void => this.pump.stop();

  /**
   * The guarded "done" of `eventId`; in the same transaction it also claims `nextId` (the row to
   * be handled next), which saves a write — and an fsync — per event. That claim commits only with
   * this transaction: `onNext` is told about it, and the caller trusts it only once the handler
   * has returned (committed).
   */
  private finish(eventId: string, nextId: string | undefined, onNext: (row: InboxEvent) => void): FinishClaim {
    return async (tx, outcome) => {
      const mine = await tx
        .update(inboxEvents)
        .set(outcome)
        .where(and(eq(inboxEvents.eventId, eventId), eq(inboxEvents.status, 'processing'), eq(inboxEvents.claimedBy, this.instanceId)));
      if (mine.rowsAffected === 0) throw new ClaimLost(eventId);
      if (nextId === undefined) return;
      const [next] = await tx.update(inboxEvents).set(this.claimFields()).where(and(eq(inboxEvents.eventId, nextId), claimable(this.clock.now()))).returning();
      if (next) onNext(next);
    };
  }

  private claimFields() {
    return { status: 'processing' as const, claimedBy: this.instanceId, claimedUntil: new Date(this.clock.now().getTime() + this.leaseMs) };
  }

  /** Takes the row if it is still free; undefined when another instance got there first. */
  private async claim(eventId: string): Promise<InboxEvent | undefined> {
    // The time is read when the write runs: waiting for the lock does not eat the lease.
    const [row] = await withWriteLock(() => this.database.db.update(inboxEvents).set(this.claimFields()).where(and(eq(inboxEvents.eventId, eventId), claimable(this.clock.now()))).returning());
    return row;
  }

  /**
   * The oldest claimable rows: pending ones, and ones whose claim ran out. Two reads in index
   * order — one OR of the two made SQLite sort the whole backlog for every batch (7 ms at 50k
   * pending, growing with it).
   */
  private async candidates(limit: number): Promise<Array<{ eventId: string; receivedAt: Date }>> {
    const oldest = (where: SQL | undefined) =>
      this.database.db.select({ eventId: inboxEvents.eventId, receivedAt: inboxEvents.receivedAt }).from(inboxEvents).where(where).orderBy(asc(inboxEvents.receivedAt)).limit(limit);
    const pending = await oldest(eq(inboxEvents.status, 'pending'));
    const expired = await oldest(and(eq(inboxEvents.status, 'processing'), lte(inboxEvents.claimedUntil, this.clock.now())));
    return [...pending, ...expired].sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime()).slice(0, limit);
  }

  private async processBatch(limit = 20): Promise<number> {
    const candidates = await this.candidates(limit);
    let claimedAhead: InboxEvent | undefined;
    for (const [i, { eventId }] of candidates.entries()) {
      const row = claimedAhead?.eventId === eventId ? claimedAhead : await this.claim(eventId);
      claimedAhead = undefined;
      if (!row) continue; // another instance has it
      const started = Date.now();
      const log = this.log.child({ eventId: row.eventId, eventType: row.eventType });
      let next: InboxEvent | undefined;
      try {
        await this.handle(row, this.finish(row.eventId, candidates[i + 1]?.eventId, (r) => (next = r)));
        claimedAhead = next; // committed with this event's "done"
        log.info('event', { outcome: 'ok', ms: Date.now() - started });
      } catch (err) {
        if (err instanceof ClaimLost) log.warn('event', { outcome: 'claim_lost', ms: Date.now() - started, err });
        else log.error('event', { outcome: 'error', ms: Date.now() - started, err });
      }
      await this.pace();
    }
    // Rows others took are no longer claimable, so the next round moves on past them.
    return candidates.length;
  }
}
