/**
 * Behaviours locked in: with a processing thread, request-path writes (acks, card clicks, jobs)
 * go first — a background write does not begin while one is queued, and begins once none is;
 * request-path writes count themselves while queued and running.
 */
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createWritePriority, joinWritePriority, withWriteLock } from '../../src/platform/db/write-lock';

describe('write priority between the threads of one process', () => {
  it('holds a background write while a request-path write is queued, then runs it', async () => {
    const buffer = createWritePriority();
    const waiting = new Int32Array(buffer);
    joinWritePriority(buffer, 'background');
    Atomics.add(waiting, 0, 1); // the request thread has a write queued
    let ran = false;
    const write = withWriteLock(async () => void (ran = true));
    for (let i = 0; i < 20; i++) await tick();
    expect(ran).toBe(false);
    Atomics.sub(waiting, 0, 1);
    Atomics.notify(waiting, 0);
    await write;
    expect(ran).toBe(true);
  });

  it('counts a request-path write from the moment it is queued until it has finished', async () => {
    const buffer = createWritePriority();
    const waiting = new Int32Array(buffer);
    joinWritePriority(buffer, 'request');
    let release!: () => void;
    const first = withWriteLock(() => new Promise<void>((r) => (release = r)));
    const second = withWriteLock(async () => Atomics.load(waiting, 0));
    await tick();
    expect(Atomics.load(waiting, 0)).toBe(2);
    release();
    await first;
    expect(await second).toBe(1); // itself, while it runs
    expect(Atomics.load(waiting, 0)).toBe(0);
  });
});
