import { eq, isNull, and } from 'drizzle-orm';
import { createApp } from './app';
import { createBot, type Bot } from './bot';
import type { Config } from './config';
import { modules as defaultModules } from './modules';
import { systemClock, type Clock } from './platform/clock';
import type { Services } from './platform/context';
import { BUSY_TIMEOUT_MS, openDatabase, type Database } from './platform/db/client';
import { createProcessWriteLock, joinProcessWriteLock, withWriteLock, writeTransaction } from './platform/db/write-lock';
import { inboxEvents, users } from './platform/db/core.schema';
import { createFeishuApi, type FeishuApi } from './platform/feishu/api';
import { envelopeV2 } from './platform/feishu/envelope';
import { normalizeEvent } from './platform/feishu/inbound';
import { ClaimLost, InboxProcessor, InboxWriter, type Execute } from './platform/feishu/inbox';
import { createIngest, type Ingest } from './platform/feishu/ingest';
import { OutboxSender, type OutboxOptions } from './platform/feishu/outbox';
import { createLogger, type Logger } from './platform/logger';
import { Pump } from './platform/pump';
import type { ModuleDef } from './platform/module';
import { Refusal } from './platform/errors';
import type { ProcessingThread } from './processing-thread';
import type { WriterThread } from './platform/db/writer-thread';
import { calendarFromConfig, refreshCalendar } from './platform/sla/calendar-settings';

export interface RuntimeOptions {
  clock?: Clock;
  log?: Logger;
  modules?: ModuleDef[];
  outbox?: Partial<OutboxOptions>;
  /** Runs work after the response: setImmediate on Node, ctx.waitUntil on Workers. */
  runInBackground?: (p: Promise<unknown>) => void;
  /**
   * Where queued work runs: 'inline' on this thread (Workers, local mode, jobs CLI), or 'thread'
   * on a processing thread (src/processing-thread.ts) so acks never wait behind handlers.
   */
  processing?: 'inline' | 'thread';
  /**
   * Take back rows a crash left 'processing'/'sending' (default). Off for the jobs CLI: it may run
   * beside a live server on the same file, whose rows in flight are not a crash's.
   */
  recover?: boolean;
  /** How long an inbox claim lasts before another instance may take the row over (default 60 s). */
  inboxLeaseMs?: number;
  /** Between inbox events (the processing thread's ack-first pacing). */
  pace?: () => Promise<unknown>;
}

export interface Runtime {
  services: Services;
  bot: Bot;
  api: FeishuApi;
  app: ReturnType<typeof createApp>;
  /** The same entry the webhook routes use, for the long-connection client. */
  ingest: Ingest;
  inbox: InboxProcessor;
  outbox: OutboxSender;
  /** Where queued work runs when `processing: 'thread'`. */
  processingThread?: ProcessingThread;
  /** The thread committing inbox rows (embedded file), once the first one came (drills and tests). */
  inboxWriterThread(): WriterThread | undefined;
  /** Processes what is pending (after a crash, or on a Workers cron tick) and waits for the outbox. */
  drain(): Promise<void>;
  /** Something may be waiting (a job queued messages, a timer fired): look without waiting. */
  wake(): void;
  close(): Promise<void>;
}

/** The only wiring file: database, Feishu client, clock, logger, background work. */
export async function createRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const log = opts.log ?? createLogger(config.LOG_LEVEL);
  const clock = opts.clock ?? systemClock;
  const database: Database = await openDatabase(config.DATABASE_URL, config.DATABASE_AUTH_TOKEN);
  const calendar = calendarFromConfig(config);
  await refreshCalendar(calendar, database.db, log);
  const api = createFeishuApi({ appId: config.FEISHU_APP_ID ?? '', appSecret: config.FEISHU_APP_SECRET ?? '', baseUrl: config.FEISHU_BASE_URL });
  let botOpenId: string | undefined;
  const services: Services = { config, database, clock, log, calendar, botOpenId: () => botOpenId };
  const bot = createBot(opts.modules ?? defaultModules, services);
  const background = opts.runInBackground ?? ((p) => void p.catch((err) => log.error('background task failed', { err })));

  // Single-flight, and each user looked up once: acks arrive far faster than the contact API answers.
  const names = new Pump(
    'name lookup',
    async () => {
      const missing = await database.db.select({ openId: users.openId }).from(users).where(and(isNull(users.name), isNull(users.nameFetchedAt))).limit(10);
      for (const { openId } of missing) {
        const name = await api.userName(openId);
        await withWriteLock(() => database.db.update(users).set({ name: name ?? null, nameFetchedAt: clock.now() }).where(eq(users.openId, openId)));
      }
      return missing.length;
    },
    log,
  );

  const outbox = new OutboxSender(database, api, clock, log, opts.outbox);
  const inbox = new InboxProcessor(database, clock, log, async (row, finish) => {
    if (!botOpenId) await refreshBotIdentity();
    const env = envelopeV2.parse(JSON.parse(row.payload));
    const ev = normalizeEvent(env, row.receivedAt, botOpenId);
    if (ev.kind === 'ignored' || ev.kind === 'card_action') {
      await withWriteLock(() => database.db.update(inboxEvents).set({ status: 'done', processedAt: clock.now() }).where(eq(inboxEvents.eventId, row.eventId)));
      return;
    }
    const markDone = (error?: string) => ({ status: error ? ('failed' as const) : ('done' as const), processedAt: clock.now(), error: error ?? null, attempts: row.attempts + 1 });
    try {
      // The handler's changes, its outgoing messages and "done" commit together: a crash redoes all or nothing.
      await writeTransaction(database.db, async (tx) => {
        await bot.handle(ev, tx);
        await finish(tx, markDone()); // rolls all of it back if another instance took the row over
      });
    } catch (err) {
      if (err instanceof ClaimLost) throw err; // the new holder's run is the one that counts
      await writeTransaction(database.db, async (tx) => {
        await bot.answerFailure(ev, tx, err);
        await finish(tx, markDone(err instanceof Refusal ? undefined : String((err as Error)?.stack ?? err).slice(0, 2000)));
      });
      if (!(err instanceof Refusal)) throw err;
    } finally {
      background(outbox.kick());
      background(names.kick());
    }
  }, { leaseMs: opts.inboxLeaseMs, pace: opts.pace });

  // An embedded file gets its inbox writes on a second thread (see writer-thread.ts); a remote
  // database is asynchronous already; `:memory:` is a single connection.
  // With a processing thread, this thread's writes (acks, clicks, jobs) go before its writes.
  const writeLock = opts.processing === 'thread' ? createProcessWriteLock() : undefined;
  if (writeLock) joinProcessWriteLock(writeLock, 'request', 0); // the main thread
  // Started on the first inbox write: a processing thread or the jobs CLI never makes one.
  // If it stops (a fatal error), the next write starts a new one: the batch it had fails (Feishu resends it), none hangs.
  const Writer = database.url.startsWith('file:') ? (await import('./platform/db/writer-thread')).WriterThread : undefined;
  let writerThread: WriterThread | undefined;
  const execute: Execute = Writer
    ? (sql, args) => {
        if (!writerThread || writerThread.stopped) writerThread = new Writer(database.url, BUSY_TIMEOUT_MS, writeLock);
        return writerThread.execute(sql, args);
      }
    : (sql, args) => withWriteLock(() => database.client.execute({ sql, args })).then(() => undefined);

  const thread = opts.processing === 'thread' ? new (await import('./processing-thread')).ProcessingThread(config, opts.outbox, log, writeLock!) : undefined;
  const ingest = createIngest({
    services,
    bot,
    inbox: new InboxWriter(execute),
    onInboxed: () => (thread ? thread.wake('inbox') : background(inbox.kick())),
    onEffects: () => (thread ? thread.wake('outbox') : background(outbox.kick())),
  });
  const app = createApp({ services, ingest, ready: () => true });

  // The bot's own open_id tells its mentions apart; without it, group commands would be ignored.
  async function refreshBotIdentity(): Promise<void> {
    try {
      botOpenId = (await api.botInfo()).openId || undefined;
    } catch (err) {
      log.warn('could not read the bot identity (GET /open-apis/bot/v3/info); will retry on the next event', { err });
    }
  }
  await refreshBotIdentity();
  if (thread) await thread.ready; // it recovers and finishes what a crash left behind
  else if (opts.recover !== false) {
    await inbox.recover();
    await outbox.recover();
  }

  return {
    services,
    bot,
    api,
    app,
    ingest,
    inbox,
    outbox,
    processingThread: thread,
    inboxWriterThread: () => writerThread,
    async drain() {
      if (thread) return thread.drain();
      await inbox.kick();
      await inbox.idle();
      await outbox.kick();
      await outbox.idle();
    },
    wake() {
      if (thread) {
        thread.wake('inbox');
        thread.wake('outbox');
      } else background(inbox.kick().then(() => outbox.kick()));
    },
    async close() {
      await thread?.close();
      names.stop();
      await names.idle();
      inbox.stop();
      await inbox.idle();
      await outbox.idle();
      outbox.stop();
      await writerThread?.close();
      database.close();
    },
  };
}
