import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * A second connection to an embedded database, on its own thread. The embedded driver runs each
 * statement synchronously, so a commit (an fsync) on the main thread would stall every request
 * in flight; here the main thread only waits for the answer, and what arrives meanwhile joins the
 * next batch — group commit sized by the load itself.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createClient } = require(workerData.clientPath);
const client = createClient({ url: workerData.url, timeout: workerData.timeout });
// A request-path write: the processing thread, if any, waits while one is queued (see write-lock.ts).
const waiting = workerData.priority ? new Int32Array(workerData.priority) : undefined;
parentPort.on('message', async ({ id, sql, args }) => {
  if (waiting) Atomics.add(waiting, 0, 1);
  try {
    await client.execute({ sql, args });
    parentPort.postMessage({ id });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message || e) });
  } finally {
    if (waiting) {
      Atomics.sub(waiting, 0, 1);
      Atomics.notify(waiting, 0);
    }
  }
});
`;

export class WriterThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { done: () => void; fail: (e: Error) => void }>();
  private nextId = 0;

  /** `priority`: the process's shared count of queued request-path writes (write-lock.ts). */
  constructor(url: string, busyTimeoutMs: number, priority?: SharedArrayBuffer) {
    const clientPath = createRequire(import.meta.url).resolve('@libsql/client');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { url, timeout: busyTimeoutMs, clientPath, priority } });
    this.worker.on('message', ({ id, error }: { id: number; error?: string }) => {
      const w = this.waiting.get(id);
      this.waiting.delete(id);
      if (error) w?.fail(new Error(error));
      else w?.done();
    });
    this.worker.on('error', (err) => {
      for (const w of this.waiting.values()) w.fail(err);
      this.waiting.clear();
    });
  }

  execute(sql: string, args: Array<string | number | null>): Promise<void> {
    return new Promise((done, fail) => {
      const id = this.nextId++;
      this.waiting.set(id, { done, fail });
      this.worker.postMessage({ id, sql, args });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
