/**
 * `npm run job` as an operator runs it on a machine with no Feishu credentials (local mode):
 * - `--list` prints every job with its schedule and exits 0, opening no database and no Open API;
 * - a job with `--now` runs against DATABASE_URL, queues what it would send (the running local
 *   server sends it), prints its summary and exits 0; the same moment again sends nothing twice;
 * - an unknown job or a bad --now is a clear line and a non-zero exit;
 * - it leaves the rows a live server on the same file is working on (claimed inbox events) alone.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectJobs } from '../../src/bot';
import { modules } from '../../src/modules';
import { openDatabase } from '../../src/platform/db/client';
import { inboxEvents, outboxMessages } from '../../src/platform/db/core.schema';
import { openDeadline } from '../../src/platform/sla/deadlines';
import { defaultCalendar } from '../../src/platform/sla/calendar';
import type { DeadlineRule } from '../../src/platform/workflow/workflow';

const ROOT = join(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

let dir: string;
let dbFile: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'salesdesk-jobs-cli-'));
  dbFile = join(dir, 'jobs.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI with nothing in the environment but PATH and DATABASE_URL. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, ['src/jobs-cli.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: `file:${dbFile}` },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe('npm run job in local mode (only DATABASE_URL set)', () => {
  it('lists every job with its schedule and exits 0 without creating the database', async () => {
    const { code, stdout, stderr } = await cli('--list');
    expect(stderr).not.toContain('appSecret');
    expect(code).toBe(0);
    for (const job of collectJobs(modules).values()) expect(stdout).toMatch(new RegExp(`^${job.name.replace('.', '\\.')}\\s+${job.schedule.replace(/\*/g, '\\*')}`, 'm'));
    expect(existsSync(dbFile)).toBe(false);
  }, 60_000);

  it('runs sla.sweep for --now, queues the due reminder, and sends nothing twice for the same moment', async () => {
    const rule: DeadlineRule = { step: 'answer', label: '答复咨询', target: { hours: 24 }, clock: 'calendar', owner: 'owner' };
    const database = await openDatabase(`file:${dbFile}`);
    const anchor = new Date('2026-12-03T09:00:00+08:00');
    await openDeadline(database.db, defaultCalendar('Asia/Shanghai'), { subjectType: 'inquiry', subjectId: 1, rule, ownerOpenId: 'ou_li', anchorAt: anchor, now: anchor });
    database.close();

    const first = await cli('sla.sweep', '--now', '2026-12-04T10:00:00+08:00');
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('local mode: messages are queued; the running local server sends them.');
    const summary = JSON.parse(first.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(summary).toMatchObject({ job: 'sla.sweep', now: '2026-12-04T02:00:00.000Z', ran: true, messages: 1 });

    const again = await cli('sla.sweep', '--now', '2026-12-04T10:00:00+08:00');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout.trim().split('\n').at(-1)!)).toMatchObject({ ran: false, reason: 'already_ran' });

    const check = await openDatabase(`file:${dbFile}`);
    const queued = await check.db.select().from(outboxMessages);
    check.close();
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ status: 'pending', receiveId: 'ou_li' });
  }, 60_000);

  it('leaves an event a running server has claimed alone (it is not a crash to recover from)', async () => {
    const database = await openDatabase(`file:${dbFile}`);
    const claim = { status: 'processing' as const, claimedBy: 'the-running-server', claimedUntil: new Date('2026-12-04T02:01:00Z') };
    await database.db.insert(inboxEvents).values({ eventId: 'ev_live', eventType: 'im.message.receive_v1', payload: '{}', receivedAt: new Date('2026-12-04T02:00:00Z'), ...claim });
    database.close();

    const run = await cli('sla.sweep', '--now', '2026-12-04T10:00:00+08:00');
    expect(run.code).toBe(0);

    const check = await openDatabase(`file:${dbFile}`);
    const [row] = await check.db.select().from(inboxEvents);
    check.close();
    expect(row).toMatchObject(claim);
  }, 60_000);

  it('names the known jobs for an unknown one and explains a bad --now, exiting non-zero', async () => {
    const unknown = await cli('no.such.job');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown job "no.such.job". Known jobs: customers.duties');
    const badNow = await cli('sla.sweep', '--now', 'yesterday');
    expect(badNow.code).toBe(2);
    expect(badNow.stderr).toContain('is not an ISO-8601 time');
  }, 60_000);
});
