import type { Db, Tx } from './client';
import { BUSY_TIMEOUT_MS } from './client';

/**
 * libSQL's embedded driver is synchronous: a BEGIN IMMEDIATE that waits for SQLite's write lock
 * blocks the whole Node thread (busy_timeout), so the transaction holding the lock — on another
 * connection of this same thread — can never finish, and both stall until SQLITE_BUSY. Queueing
 * this thread's write transactions behind one another avoids that; other processes still wait on
 * SQLite's own lock, which is what it is for.
 */
let tail: Promise<unknown> = Promise.resolve();

/**
 * The threads of one process that write one embedded file (the request thread, its inbox writer,
 * the processing thread: src/processing-thread.ts) hand the write lock to one another through
 * shared memory instead of through SQLite's busy handler, which polls with sleeps of up to 100 ms
 * and is not fair — a thread running transactions back to back kept the inbox insert waiting past
 * the busy timeout. Here a writer waits on the lock word and is woken the moment it is released,
 * and request-path writes (inbox rows, card clicks, jobs) go first: the processing thread takes
 * the lock only while none is queued. SQLite's lock stays the real guarantee: a writer that
 * cannot get the hand-off within the busy timeout goes ahead and lets SQLite decide.
 *
 * Cells: [WAITING] request-path writes queued or running; [HOLDER] 0 = free, else threadId + 1.
 */
export const WAITING = 0;
export const HOLDER = 1;
let shared: { cells: Int32Array; role: WriteRole; tag: number } | undefined;
export type WriteRole = 'request' | 'background';

export const createProcessWriteLock = () => new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);

/** This thread's writes take part in the process's hand-off, as `role`; `threadId` from node:worker_threads. */
export function joinProcessWriteLock(buffer: SharedArrayBuffer, role: WriteRole, threadId: number): void {
  shared = { cells: new Int32Array(buffer), role, tag: threadId + 1 };
}

/** Resolves when this thread holds the lock word (true), or the wait ran out (false). */
async function acquire(cells: Int32Array, role: WriteRole, tag: number): Promise<boolean> {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    if (role === 'background') {
      for (let n = Atomics.load(cells, WAITING); n > 0 && Date.now() < deadline; n = Atomics.load(cells, WAITING)) {
        await Atomics.waitAsync(cells, WAITING, n, 100).value;
      }
    }
    const holder = Atomics.compareExchange(cells, HOLDER, 0, tag);
    if (holder === 0) return true;
    if (Date.now() >= deadline) return false;
    await Atomics.waitAsync(cells, HOLDER, holder, 100).value;
  }
}

/** Frees the lock word if `tag` holds it; wakes the waiters. */
export function releaseWriteLock(cells: Int32Array, tag: number): void {
  if (Atomics.compareExchange(cells, HOLDER, tag, 0) === tag) Atomics.notify(cells, HOLDER);
}

/** After a thread of this process has exited: a lock it held when it died is free again. */
export function releaseWriteLockOf(buffer: SharedArrayBuffer, deadThreadId: number): void {
  releaseWriteLock(new Int32Array(buffer), deadThreadId + 1);
}

async function handOff<T>({ cells, role, tag }: NonNullable<typeof shared>, fn: () => Promise<T>): Promise<T> {
  const held = await acquire(cells, role, tag);
  try {
    return await fn();
  } finally {
    if (held) releaseWriteLock(cells, tag);
  }
}

export function withWriteLock<T>(fn: () => Promise<T>): Promise<T> {
  const s = shared;
  if (s?.role === 'request') Atomics.add(s.cells, WAITING, 1);
  const turn = s ? () => handOff(s, fn) : fn;
  const run = tail.then(turn, turn);
  tail = run.catch(() => undefined);
  if (s?.role !== 'request') return run;
  return run.finally(() => {
    Atomics.sub(s.cells, WAITING, 1);
    Atomics.notify(s.cells, WAITING);
  });
}

/** A write transaction that never waits on another connection of this thread. Do not nest. */
export const writeTransaction = <T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> => withWriteLock(() => db.transaction(fn));
