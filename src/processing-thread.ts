/**
 * The inbox processor and the outbox sender on their own thread (webhook and long-connection
 * mode with an embedded database). The embedded driver runs every statement synchronously, so
 * handlers sharing the request thread would hold up acks; here the request thread only
 * verifies, commits the inbox row and answers, and card clicks (which must answer in 3 s) still
 * run inline. This thread is just another instance on the same database: the inbox is claimed
 * row by row and jobs take leases, exactly as with several Node processes.
 *
 * Acks come first, by cooperation rather than by CPU priority (a lowered priority would let a
 * starved handler hold SQLite's write lock while the ack path waits for it — priority
 * inversion): writes hand over through write-lock.ts, and while the request thread is busy
 * (its event loop over half used, smoothed over a few 100 ms samples) this thread paces itself
 * between events, pausing nine times as long as it was busy since its last pause (the event, and
 * the replies and name look-ups sent beside it), so a flood of events is acknowledged at full
 * speed and processed on a tenth of a core until it passes. The backlog is in the database.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { isMainThread, parentPort, threadId, Worker, workerData } from 'node:worker_threads';
import { joinProcessWriteLock, releaseWriteLockOf } from './platform/db/write-lock';
import type { Config } from './config';
import type { OutboxOptions } from './platform/feishu/outbox';
import type { Logger } from './platform/logger';

type ToThread = { type: 'inbox' | 'outbox' | 'crash' } | { type: 'drain' | 'close'; id: number };
type FromThread = { type: 'ready' } | { type: 'done'; id: number } | { type: 'failed'; error: string };

/** After an unexpected exit the thread is started again after this long (doubling, at most a minute). */
const RESTART_BASE_MS = 500;
const RESTART_MAX_MS = 60_000;
/**
 * How often the request thread measures how busy its event loop is, and what counts as busy. The
 * figure is smoothed (each sample weighs 30 %), so a lone long task or GC pause does not pace
 * processing: it takes about 200 ms of a loop over 80 % busy, or a loop kept over half busy.
 * (Acks waiting for their commit are not a sign of it: at 50 events/s they wait on processing's
 * own commits often enough that counting them paced processing and put seconds on every reply.)
 */
const LOAD_SAMPLE_MS = 100;
const LOAD_SMOOTHING = 0.3;
const BUSY_PERMILLE = 500;
/** While the request thread is busy: pause this many times as long as this thread was busy (at most a second), i.e. a tenth of a core. */
export const PAUSE_FACTOR = 9;
const MAX_PAUSE_MS = 1000;

/** How long processing pauses after `busyMs` of work, given the request thread's load. */
export const pauseAfterWork = (requestLoadPermille: number, busyMs: number): number =>
  requestLoadPermille >= BUSY_PERMILLE ? Math.min(Math.max(busyMs, 1) * PAUSE_FACTOR, MAX_PAUSE_MS) : 0;

/**
 * The next pause of the thread it runs on: everything its event loop did since the previous call
 * counts, not just the event's handler — the outbox sends its replies and the name look-ups run
 * beside it, and left out of the measure they took a third of a core in a flood, not a tenth.
 */
export function pauseTimer(requestLoad: Int32Array): () => number {
  let since = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const busyMs = performance.eventLoopUtilization(now, since).active;
    since = now;
    return pauseAfterWork(Atomics.load(requestLoad, 0), busyMs);
  };
}

export class ProcessingThread {
  private worker!: Worker;
  private readonly waiting = new Map<number, { done: () => void; fail: (e: Error) => void }>();
  private nextId = 0;
  private closing = false;
  private restartMs = RESTART_BASE_MS;
  /** The request thread's event-loop utilisation, smoothed, in permille (shared memory). */
  private readonly requestLoad = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  private readonly loadSampler: NodeJS.Timeout;
  private readonly wakeQueued = new Set<'inbox' | 'outbox'>();
  /** Resolves when the current thread has recovered what a crash left behind and is taking work. */
  ready!: Promise<void>;

  constructor(
    private readonly config: Config,
    private readonly outbox: Partial<OutboxOptions> | undefined,
    private readonly log: Logger,
    /** The process's write hand-off (write-lock.ts): this thread's writes wait for request-path ones. */
    private readonly writeLock: SharedArrayBuffer,
  ) {
    let last = performance.eventLoopUtilization();
    let load = 0;
    this.loadSampler = setInterval(() => {
      const now = performance.eventLoopUtilization();
      load += LOAD_SMOOTHING * (performance.eventLoopUtilization(now, last).utilization - load);
      Atomics.store(this.requestLoad, 0, Math.round(load * 1000));
      last = now;
    }, LOAD_SAMPLE_MS).unref();
    this.start();
  }

  private start(): void {
    // The thread runs this same TypeScript file: tsx's loader is registered first, as `npm start` does.
    const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
    const tsx = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href; // tsx/esm/api, its ESM entry
    const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(import.meta.url)}); });`;
    const workerData = { salesdeskProcessing: true, config: this.config, outbox: this.outbox, writeLock: this.writeLock, requestLoad: this.requestLoad.buffer };
    const worker = new Worker(boot, { eval: true, workerData });
    this.worker = worker;
    const tid = worker.threadId; // -1 once it has stopped
    this.ready = new Promise((resolve, reject) => {
      worker.on('message', (m: FromThread) => {
        if (m.type === 'ready') {
          this.restartMs = RESTART_BASE_MS;
          resolve();
        } else if (m.type === 'failed') reject(new Error(`processing thread failed to start: ${m.error}`));
        else {
          this.waiting.get(m.id)?.done();
          this.waiting.delete(m.id);
        }
      });
      worker.once('error', (err) => {
        this.log.error('processing thread crashed', { err });
        reject(err);
      });
      worker.once('exit', (code) => {
        releaseWriteLockOf(this.writeLock, tid); // had it died inside a write (a fatal error)
        if (this.closing) return;
        // Nothing is lost: unprocessed events and unsent messages stay in the database for the next thread.
        const err = new Error(`processing thread exited (code ${code})`);
        for (const w of this.waiting.values()) w.fail(err);
        this.waiting.clear();
        reject(err);
        const delay = this.restartMs;
        this.restartMs = Math.min(this.restartMs * 2, RESTART_MAX_MS);
        this.log.error('processing thread exited; starting a new one', { code, inMs: delay });
        // Whoever waits for the thread from now on (drain) waits for its replacement.
        this.ready = sleep(delay, undefined, { ref: false }).then(() => {
          if (this.closing) return;
          this.start();
          return this.ready;
        });
        this.ready.catch(() => undefined);
      });
    });
    this.ready.catch(() => undefined); // reported above; callers that await it see the error
  }

  /**
   * Makes the current thread throw an uncaught error at its next turn, as a bug in a callback
   * would; resolves once it has exited. A new one takes over (drills and tests). Not
   * `terminate()`: stopping a thread inside a native libSQL call aborts the whole process.
   */
  simulateCrash(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'crash' } satisfies ToThread);
    return exited;
  }

  /**
   * New events were committed / new messages queued: the thread goes and looks. One message per
   * turn of this event loop is enough — a group commit acks tens of events at once.
   */
  wake(what: 'inbox' | 'outbox'): void {
    if (this.wakeQueued.has(what)) return;
    this.wakeQueued.add(what);
    setImmediate(() => {
      this.wakeQueued.delete(what);
      this.worker.postMessage({ type: what } satisfies ToThread);
    });
  }

  private ask(type: 'drain' | 'close'): Promise<void> {
    return new Promise((done, fail) => {
      const id = this.nextId++;
      this.waiting.set(id, { done, fail });
      this.worker.postMessage({ type, id } satisfies ToThread);
    });
  }

  /** Resolves once everything pending is processed and sent. */
  drain = async (): Promise<void> => {
    await this.ready;
    return this.ask('drain');
  };

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.loadSampler);
    await this.ask('close').catch(() => undefined);
    await this.worker.terminate();
  }
}

if (!isMainThread && workerData?.salesdeskProcessing) {
  const port = parentPort!;
  joinProcessWriteLock(workerData.writeLock as SharedArrayBuffer, 'background', threadId);
  const nextPause = pauseTimer(new Int32Array(workerData.requestLoad as SharedArrayBuffer));
  const pace = () => {
    const ms = nextPause();
    return ms > 0 ? sleep(ms) : nextTurn();
  };
  const { createRuntime } = await import('./deps');
  try {
    const runtime = await createRuntime(workerData.config as Config, { processing: 'inline', outbox: workerData.outbox, pace });
    const log = runtime.services.log;
    port.on('message', (m: ToThread) => {
      if (m.type === 'crash') {
        setImmediate(() => {
          throw new Error('simulated crash of the processing thread');
        });
        return;
      }
      if (!('id' in m)) {
        (m.type === 'inbox' ? runtime.inbox : runtime.outbox).kick().catch((err: unknown) => log.error(`${m.type} processing failed`, { err }));
        return;
      }
      (m.type === 'drain' ? runtime.drain() : runtime.close())
        .catch((err: unknown) => log.error(`processing thread ${m.type} failed`, { err }))
        .finally(() => port.postMessage({ type: 'done', id: m.id } satisfies FromThread));
    });
    await runtime.drain(); // what a crash left behind
    port.postMessage({ type: 'ready' } satisfies FromThread);
  } catch (err) {
    port.postMessage({ type: 'failed', error: String((err as Error)?.stack ?? err) } satisfies FromThread);
  }
}
