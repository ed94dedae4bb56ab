/**
 * The inbox processor and the outbox sender on their own thread (webhook and long-connection
 * mode with an embedded database). The embedded driver runs every statement synchronously, so
 * handlers sharing the request thread would hold up acks; here the request thread only
 * verifies, commits the inbox row and answers, and card clicks (which must answer in 3 s) still
 * run inline. This thread is just another instance on the same database: the inbox is claimed
 * row by row and jobs take leases, exactly as with several Node processes.
 */
import { readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Config } from './config';
import type { OutboxOptions } from './platform/feishu/outbox';

const PROCESSING_NICE = Number(process.env.BENCH_NICE ?? 10);

type ToThread = { type: 'inbox' | 'outbox' } | { type: 'drain' | 'close'; id: number };
type FromThread = { type: 'ready' } | { type: 'done'; id: number } | { type: 'failed'; error: string };

export class ProcessingThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, () => void>();
  private nextId = 0;
  readonly ready: Promise<void>;

  constructor(config: Config, outbox?: Partial<OutboxOptions>) {
    // The thread runs this same TypeScript file: tsx's loader is registered first, as `npm start` does.
    const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
    const tsx = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href; // tsx/esm/api, its ESM entry
    const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(import.meta.url)}); });`;
    this.worker = new Worker(boot, { eval: true, workerData: { salesdeskProcessing: true, config, outbox } });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (m: FromThread) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'failed') reject(new Error(`processing thread failed to start: ${m.error}`));
        else {
          this.waiting.get(m.id)?.();
          this.waiting.delete(m.id);
        }
      });
      this.worker.once('error', reject);
    });
  }

  /** New events were committed / new messages queued: the thread goes and looks. */
  wake(what: 'inbox' | 'outbox'): void {
    this.worker.postMessage({ type: what } satisfies ToThread);
  }

  private ask(type: 'drain' | 'close'): Promise<void> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.waiting.set(id, resolve);
      this.worker.postMessage({ type, id } satisfies ToThread);
    });
  }

  /** Resolves once everything pending is processed and sent. */
  drain = () => this.ask('drain');

  async close(): Promise<void> {
    await this.ask('close');
    await this.worker.terminate();
  }
}

/**
 * Lowers this thread's CPU priority (Linux lets one thread of a process be niced): when the cores
 * are busy, acks — which Feishu times out after 3 s — go first and processing catches up after.
 */
function yieldCpuToAcks(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(tid, PROCESSING_NICE);
  } catch {
    // not Linux, or not allowed: processing simply competes as an equal
  }
}

if (!isMainThread && workerData?.salesdeskProcessing) {
  const port = parentPort!;
  yieldCpuToAcks();
  const { createRuntime } = await import('./deps');
  try {
    const runtime = await createRuntime(workerData.config as Config, { processing: 'inline', outbox: workerData.outbox });
    port.on('message', async (m: ToThread) => {
      if (!('id' in m)) return void (m.type === 'inbox' ? runtime.inbox : runtime.outbox).kick();
      await (m.type === 'drain' ? runtime.drain() : runtime.close());
      port.postMessage({ type: 'done', id: m.id } satisfies FromThread);
    });
    await runtime.drain(); // what a crash left behind
    port.postMessage({ type: 'ready' } satisfies FromThread);
  } catch (err) {
    port.postMessage({ type: 'failed', error: String((err as Error)?.stack ?? err) } satisfies FromThread);
  }
}
