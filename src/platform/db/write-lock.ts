import type { Db, Tx } from './client';

/**
 * libSQL's embedded driver is synchronous: a BEGIN IMMEDIATE that waits for SQLite's write lock
 * blocks the whole Node thread (busy_timeout), so the transaction holding the lock — on another
 * connection of this same thread — can never finish, and both stall until SQLITE_BUSY. Queueing
 * this thread's write transactions behind one another avoids that; other threads and processes
 * still wait on SQLite's own lock, which is what it is for.
 */
let tail: Promise<unknown> = Promise.resolve();

/**
 * Threads of one process sharing an embedded file (src/processing-thread.ts): request-path writes
 * (inbox rows, card clicks, jobs) go first. SQLite's busy handler is not fair — a thread running
 * transactions back to back can keep another waiting past the busy timeout — so the processing
 * thread begins a write only while no request-path write is queued. The count is shared memory.
 */
let priority: { waiting: Int32Array; role: WriteRole } | undefined;
export type WriteRole = 'request' | 'background';

export const createWritePriority = () => new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);

/** This thread's writes take part in the process's priority, as `role`. */
export function joinWritePriority(buffer: SharedArrayBuffer, role: WriteRole): void {
  priority = { waiting: new Int32Array(buffer), role };
}

/** A background write waits (without blocking the thread) until no request-path write is queued. */
async function backgroundTurn(waiting: Int32Array): Promise<void> {
  for (let n = Atomics.load(waiting, 0); n > 0; n = Atomics.load(waiting, 0)) {
    await Atomics.waitAsync(waiting, 0, n, 1000).value;
  }
}

export function withWriteLock<T>(fn: () => Promise<T>): Promise<T> {
  const p = priority;
  if (p?.role === 'request') Atomics.add(p.waiting, 0, 1);
  const turn = p?.role === 'background' ? () => backgroundTurn(p.waiting).then(fn) : fn;
  const run = tail.then(turn, turn);
  tail = run.catch(() => undefined);
  if (p?.role !== 'request') return run;
  return run.finally(() => {
    Atomics.sub(p.waiting, 0, 1);
    Atomics.notify(p.waiting, 0);
  });
}

/** A write transaction that never waits on another connection of this thread. Do not nest. */
export const writeTransaction = <T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> => withWriteLock(() => db.transaction(fn));

/** The shared count this thread takes part in, for a thread it starts (the inbox writer). */
export const currentWritePriority = () => (priority ? (priority.waiting.buffer as SharedArrayBuffer) : undefined);
