/**
 * Behaviours locked in, for the threads of one process writing one embedded file:
 * request-path writes (acks, card clicks, jobs) go first — a background write does not begin while
 * one is queued, and begins once none is; request-path writes count themselves while queued and
 * running; the write lock is handed over the moment its holder lets go (no busy-handler sleep),
 * a lock held by a thread that died is freed, and a lock word nobody frees never stops a write
 * (it falls back on SQLite's own lock after the busy timeout). The processing thread's pacing:
 * it pauses after an event only while the request thread is busy, by all the work it did since
 * its last pause. A stopped inbox-writer thread refuses writes instead of leaving them unanswered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BUSY_TIMEOUT_MS } from '../../src/platform/db/client';
import { WriterThread } from '../../src/platform/db/writer-thread';
import { createProcessWriteLock, HOLDER, joinProcessWriteLock, releaseWriteLockOf, WAITING, withWriteLock } from '../../src/platform/db/write-lock';
import { pauseAfterWork, pauseTimer } from '../../src/processing-thread';

const OTHER_THREAD = 7; // threadId of a thread that holds the lock in these tests
const settle = async () => {
  for (let i = 0; i < 20; i++) await tick();
};

describe('write hand-off between the threads of one process', () => {
  it('holds a background write while a request-path write is queued, then runs it', async () => {
    const buffer = createProcessWriteLock();
    const cells = new Int32Array(buffer);
    joinProcessWriteLock(buffer, 'background', 1);
    Atomics.add(cells, WAITING, 1); // the request thread has a write queued
    let ran = false;
    const write = withWriteLock(async () => void (ran = true));
    await settle();
    expect(ran).toBe(false);
    Atomics.sub(cells, WAITING, 1);
    Atomics.notify(cells, WAITING);
    await write;
    expect(ran).toBe(true);
  });

  it('counts a request-path write from the moment it is queued until it has finished', async () => {
    const buffer = createProcessWriteLock();
    const cells = new Int32Array(buffer);
    joinProcessWriteLock(buffer, 'request', 0);
    let release!: () => void;
    const first = withWriteLock(() => new Promise<void>((r) => (release = r)));
    const second = withWriteLock(async () => Atomics.load(cells, WAITING));
    await tick();
    expect(Atomics.load(cells, WAITING)).toBe(2);
    release();
    await first;
    expect(await second).toBe(1); // itself, while it runs
    expect(Atomics.load(cells, WAITING)).toBe(0);
  });

  it('waits while another thread holds the lock, runs as soon as it is released, and holds it meanwhile', async () => {
    const buffer = createProcessWriteLock();
    const cells = new Int32Array(buffer);
    joinProcessWriteLock(buffer, 'request', 0);
    Atomics.store(cells, HOLDER, OTHER_THREAD + 1);
    let holderSeen = -1;
    const write = withWriteLock(async () => void (holderSeen = Atomics.load(cells, HOLDER)));
    await settle();
    expect(holderSeen).toBe(-1);
    releaseWriteLockOf(buffer, OTHER_THREAD); // what the other thread does when it commits (or dies)
    await write;
    expect(holderSeen).toBe(1); // this thread's tag (threadId 0 + 1)
    expect(Atomics.load(cells, HOLDER)).toBe(0);
  });

  it('frees the lock only for the thread that holds it', () => {
    const buffer = createProcessWriteLock();
    const cells = new Int32Array(buffer);
    Atomics.store(cells, HOLDER, OTHER_THREAD + 1);
    releaseWriteLockOf(buffer, OTHER_THREAD + 1);
    expect(Atomics.load(cells, HOLDER)).toBe(OTHER_THREAD + 1);
    releaseWriteLockOf(buffer, OTHER_THREAD);
    expect(Atomics.load(cells, HOLDER)).toBe(0);
  });

  it('goes ahead after the busy timeout when the lock word is never freed', async () => {
    const buffer = createProcessWriteLock();
    const cells = new Int32Array(buffer);
    joinProcessWriteLock(buffer, 'request', 0);
    Atomics.store(cells, HOLDER, OTHER_THREAD + 1); // a holder that never lets go
    let ran = false;
    const write = withWriteLock(async () => {
      ran = true;
      return 'written';
    });
    await settle();
    expect(ran).toBe(false); // it waits for the hand-off first
    expect(await write).toBe('written'); // and goes ahead once the busy timeout has passed
    expect(Atomics.load(cells, HOLDER)).toBe(OTHER_THREAD + 1); // not taken from its holder
  }, BUSY_TIMEOUT_MS + 5000);
});

describe('processing pace', () => {
  it('does not pause while the request thread is idle', () => {
    expect(pauseAfterWork(0, 30)).toBe(0);
    expect(pauseAfterWork(499, 30)).toBe(0);
  });
  it('pauses nine times the work while the request thread is busy, at most a second', () => {
    expect(pauseAfterWork(500, 10)).toBe(90);
    expect(pauseAfterWork(1000, 0)).toBe(9);
    expect(pauseAfterWork(900, 5000)).toBe(1000);
  });
  it('counts all the work the thread did since its last pause, not only the handler', async () => {
    const load = new Int32Array(new SharedArrayBuffer(4));
    const nextPause = pauseTimer(load);
    const spin = (ms: number) => {
      for (const end = performance.now() + ms; performance.now() < end; );
    };
    spin(20); // a handler
    await new Promise((r) => setImmediate(r));
    spin(20); // a reply sent beside it, in another task
    expect(nextPause()).toBe(0); // the request thread is idle: no pause
    Atomics.store(load, 0, 800);
    spin(20);
    setImmediate(() => spin(20));
    await new Promise((r) => setTimeout(r, 5));
    const pause = nextPause();
    expect(pause).toBeGreaterThanOrEqual(9 * 40); // both tasks, measured since the previous call
    expect(pause).toBeLessThanOrEqual(1000);
  });
});

describe('inbox writer thread', () => {
  it('refuses writes once its thread has stopped, instead of never answering them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'salesdesk-writer-'));
    try {
      const thread = new WriterThread(`file:${join(dir, 'w.db')}`, BUSY_TIMEOUT_MS);
      await thread.execute('CREATE TABLE t (x)', []);
      expect(thread.stopped).toBe(false);
      await thread.close();
      await settle();
      expect(thread.stopped).toBe(true);
      await expect(thread.execute('INSERT INTO t VALUES (1)', [])).rejects.toThrow(/writer thread exited/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
