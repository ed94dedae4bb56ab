import { and, asc, eq, inArray, lte, or } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client';
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

export type InboxHandler = (row: typeof inboxEvents.$inferSelect) => Promise<void>;

/**
 * Processes committed events after the ack, oldest first, one at a time per instance.
 * Rows are claimed with a lease so two instances never process one event; a crash leaves
 * the row claimable again (immediately at the next start for an embedded database).
 */
export class InboxProcessor {
  readonly instanceId = randomUUID();
  private readonly pump: Pump;

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly handle: InboxHandler,
    private readonly leaseMs = 60_000,
  ) {
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

  private async processBatch(limit = 20): Promise<number> {
    const { db } = this.database;
    const now = this.clock.now();
    const candidates = await db
      .select({ eventId: inboxEvents.eventId })
      .from(inboxEvents)
      .where(or(eq(inboxEvents.status, 'pending'), and(eq(inboxEvents.status, 'processing'), lte(inboxEvents.claimedUntil, now))))
      .orderBy(asc(inboxEvents.receivedAt))
      .limit(limit);
    if (candidates.length === 0) return 0;
    const claimed = await withWriteLock(() => db
      .update(inboxEvents)
      .set({ status: 'processing', claimedBy: this.instanceId, claimedUntil: new Date(now.getTime() + this.leaseMs) })
      .where(
        and(
          inArray(inboxEvents.eventId, candidates.map((c) => c.eventId)),
          or(eq(inboxEvents.status, 'pending'), and(eq(inboxEvents.status, 'processing'), lte(inboxEvents.claimedUntil, now))),
        ),
      )
      .returning());
    claimed.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
    for (const row of claimed) {
      const started = Date.now();
      const log = this.log.child({ eventId: row.eventId, eventType: row.eventType });
      try {
        await this.handle(row);
        log.info('event', { outcome: 'ok', ms: Date.now() - started });
      } catch (err) {
        log.error('event', { outcome: 'error', ms: Date.now() - started, err });
      }
      // The embedded driver runs each statement synchronously: give waiting requests (acks) a turn.
      await new Promise((r) => setImmediate(r));
    }
    return claimed.length;
  }
}
