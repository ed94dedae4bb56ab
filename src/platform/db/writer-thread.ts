import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { releaseWriteLockOf } from './write-lock';

/**
 * A second connection to an embedded database, on its own thread. The embedded driver runs each
 * statement synchronously, so a commit (an fsync) on the main thread would stall every request
 * in flight; here the main thread only waits for the answer, and what arrives meanwhile joins the
 * next batch — group commit sized by the load itself.
 */
const WORKER_SOURCE = `
const { parentPort, workerData, threadId } = require('node:worker_threads');
const { createClient } = require(workerData.clientPath);
const client = createClient({ url: workerData.url, timeout: workerData.timeout });
// The process's write hand-off (write-lock.ts): this is a request-path writer, so the processing
// thread waits while it is queued; it waits for the lock word itself (blocking is fine here) and
// falls back on SQLite's busy timeout if the hand-off does not come.
const cells = workerData.lock ? new Int32Array(workerData.lock) : undefined;
const WAITING = 0, HOLDER = 1, tag = threadId + 1;
function acquire() {
  const deadline = Date.now() + workerData.timeout;
  for (;;) {
    const holder = Atomics.compareExchange(cells, HOLDER, 0, tag);
    if (holder === 0) return true;
    if (Date.now() >= deadline) return false;
    Atomics.wait(cells, HOLDER, holder, 100);
  }
}
parentPort.on('message', async ({ id, sql, args, crash }) => {
  if (crash) return void setImmediate(() => { throw new Error('simulated crash of the inbox writer thread'); });
  if (cells) Atomics.add(cells, WAITING, 1);
  const held = cells ? acquire() : false;
  try {
    await client.execute({ sql, args });
    parentPort.postMessage({ id });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message || e) });
  } finally {
    if (held && Atomics.compareExchange(cells, HOLDER, tag, 0) === tag) Atomics.notify(cells, HOLDER);
    if (cells) {
      Atomics.sub(cells, WAITING, 1);
      Atomics.notify(cells, WAITING);
    }
  }
});
`;

export class WriterThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { done: () => void; fail: (e: Error) => void }>();
  private nextId = 0;
  private last: Promise<unknown> = Promise.resolve();
  /** Why the thread stopped, once it has: a message to a stopped thread is never answered. */
  private exited: Error | undefined;

  /** `lock`: the process's write hand-off (write-lock.ts), when other threads write the same file. */
  constructor(url: string, busyTimeoutMs: number, lock?: SharedArrayBuffer) {
    const clientPath = createRequire(import.meta.url).resolve('@libsql/client');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { url, timeout: busyTimeoutMs, clientPath, lock } });
    this.worker.on('message', ({ id, error }: { id: number; error?: string }) => {
      const w = this.waiting.get(id);
      this.waiting.delete(id);
      if (error) w?.fail(new Error(error));
      else w?.done();
    });
    const failAll = (err: Error) => {
      for (const w of this.waiting.values()) w.fail(err);
      this.waiting.clear();
    };
    this.worker.on('error', failAll);
    const tid = this.worker.threadId; // -1 once it has stopped
    this.worker.once('exit', (code) => {
      if (lock) releaseWriteLockOf(lock, tid); // had it died holding the hand-off
      this.exited = new Error(`inbox writer thread exited (code ${code})`);
      failAll(this.exited);
    });
  }

  /** The thread has stopped: its owner starts another one for the next write. */
  get stopped(): boolean {
    return this.exited !== undefined;
  }

  execute(sql: string, args: Array<string | number | null>): Promise<void> {
    if (this.exited) return Promise.reject(this.exited);
    const result = new Promise<void>((done, fail) => {
      const id = this.nextId++;
      this.waiting.set(id, { done, fail });
      this.worker.postMessage({ id, sql, args });
    });
    this.last = result.catch(() => undefined); // the thread answers in order
    return result;
  }

  /**
   * Makes the thread throw an uncaught error at its next turn, as a bug would; resolves once it
   * has exited (drills and tests). Not `terminate()`, which inside a native call aborts the process.
   */
  simulateCrash(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ crash: true });
    return exited;
  }

  /** After the writes sent so far: stopping the thread inside a native libSQL call aborts the process. */
  async close(): Promise<void> {
    await this.last;
    await this.worker.terminate();
  }
}
