import type { Db, Tx } from './client';

/**
 * libSQL's embedded driver is synchronous: a BEGIN IMMEDIATE that waits for SQLite's write lock
 * blocks the whole Node thread (busy_timeout), so the transaction holding the lock — on another
 * connection of this same process — can never finish, and both stall until SQLITE_BUSY. Queueing
 * this process's write transactions behind one another avoids that; other processes still wait
 * on SQLite's own lock, which is what it is for.
 */
let tail: Promise<unknown> = Promise.resolve();

export function withWriteLock<T>(fn: () => Promise<T>): Promise<T> {
  const run = tail.then(fn, fn);
  tail = run.catch(() => undefined);
  return run;
}

/** A write transaction that never waits on another connection of this process. Do not nest. */
export const writeTransaction = <T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> => withWriteLock(() => db.transaction(fn));
