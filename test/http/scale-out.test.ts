/**
 * The real scale-out pieces, run locally (skipped, with a warning line, where a binary is missing).
 * Each test stands on its own: the shared sqld database is migrated before any of them.
 * - a Node server refuses to start on a remote database whose migrations were not run (its own
 *   fresh sqld);
 * - the Worker bundle, in workerd (`wrangler dev`) over a remote libSQL server (sqld), answers a
 *   signed /帮助 event with a reply through the fake Open API;
 * - a scheduled tick sends a due reminder; a second tick one minute later — another job lease
 *   slot — finds the deadline due again (as if the first run crashed before moving it on) and the
 *   reminder ledger alone keeps it from being sent twice;
 * - two Node processes sweeping one sqld database for the same moment send each reminder once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createClient } from '@libsql/client';
import { and, eq, inArray } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from '../../src/platform/db/migrate';
import { openDatabase } from '../../src/platform/db/client';
import { jobRuns, users } from '../../src/platform/db/core.schema';
import { slotOf } from '../../src/platform/jobs/runner';
import { deadlines } from '../../src/platform/sla/sla.schema';
import { messageEvent, signedRequest } from '../../src/local/feishu-events';
import { startFakeOpenApi, type FakeOpenApi } from '../../src/local/fake-openapi';
import { freePort, missingScaleOutTools, startProcess, startSqld, WRANGLER_BIN } from '../fakes/processes';
import { PEOPLE, SECRETS } from '../fakes/harness';

const missing = missingScaleOutTools();
if (missing) console.warn(`\n⚠️  scale-out tests SKIPPED: ${missing}\n`);
const test = missing ? it.skip : it;
const why = missing ? ` (skipped: ${missing})` : '';

let sqld: Awaited<ReturnType<typeof startSqld>> | undefined;
let fake: FakeOpenApi | undefined;

const feishuEnv = () => ({
  FEISHU_APP_ID: SECRETS.appId,
  FEISHU_APP_SECRET: SECRETS.appSecret,
  FEISHU_VERIFICATION_TOKEN: SECRETS.verificationToken,
  FEISHU_ENCRYPT_KEY: SECRETS.encryptKey!,
  FEISHU_BASE_URL: fake!.url,
});

/** An urgent, calendar-clock deadline of ou_li that is due now (urgent: quiet hours do not hold it back). */
async function insertDueDeadline(url: string, step: string): Promise<void> {
  const client = createClient({ url });
  const db = drizzle(client);
  const now = new Date();
  await db.insert(users).values({ openId: PEOPLE.li.openId, name: PEOPLE.li.name, role: 'sales', createdAt: now, updatedAt: now }).onConflictDoNothing();
  const past = new Date(now.getTime() - 60 * 60_000);
  await db.insert(deadlines).values({
    subjectType: 'test',
    subjectId: step,
    step,
    label: `测试步骤 ${step}`,
    ownerOpenId: PEOPLE.li.openId,
    anchorAt: past,
    targetAt: new Date(now.getTime() - 60_000),
    limitAt: new Date(now.getTime() + 24 * 3600_000),
    remindAt: new Date(now.getTime() - 60_000),
    clock: 'calendar',
    urgent: true,
    status: 'open',
    nextActionAt: new Date(now.getTime() - 60_000),
    createdAt: past,
  });
  client.close();
}

const remindersTo = (openId: string, label: string) => fake!.messagesIn(openId).filter((m) => m.content.includes(label));

beforeAll(async () => {
  if (missing) return;
  sqld = await startSqld();
  const client = createClient({ url: sqld.url });
  await migrate(client);
  client.close();
  fake = await startFakeOpenApi({ appId: SECRETS.appId, appSecret: SECRETS.appSecret, botOpenId: 'ou_bot' });
}, 60_000);
afterAll(async () => {
  sqld?.stop();
  await fake?.close();
});

describe('remote database', () => {
  test(`refuses to start a Node server on a remote database that is not migrated${why}`, async () => {
    const fresh = await startSqld(); // its own, never migrated
    try {
      await expect(openDatabase(fresh.url)).rejects.toThrow(/npm run db:migrate/);
      const client = createClient({ url: fresh.url });
      expect(await migrate(client)).toBeGreaterThan(0);
      client.close();
      const db = await openDatabase(fresh.url);
      db.close();
    } finally {
      fresh.stop();
    }
  }, 60_000);
});

describe('Cloudflare Worker in workerd', () => {
  test(`answers a signed /帮助 through the fake; a due reminder goes out once, even when a tick a minute later finds it due again${why}`, async () => {
    const port = await freePort();
    const vars = { ...feishuEnv(), DATABASE_URL: sqld!.url, LOG_LEVEL: 'warn' };
    const worker = await startProcess(
      WRANGLER_BIN,
      ['dev', '--ip', '127.0.0.1', '--port', String(port), '--test-scheduled', '--show-interactive-dev-session=false', ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`])],
      { env: { WRANGLER_SEND_METRICS: 'false', CI: '1' }, ready: /Ready on/, timeoutMs: 90_000 },
    );
    try {
      const url = `http://127.0.0.1:${port}`;
      const msg = fake!.addIncomingMessage({ chat_id: 'oc_p2p_ou_li', sender_open_id: PEOPLE.li.openId, content: '{"text":"/帮助"}' });
      const req = signedRequest(SECRETS, messageEvent(SECRETS, PEOPLE.li, '/帮助', { chatId: 'oc_p2p_ou_li', chatType: 'p2p', messageId: msg.message_id }));
      const res = await fetch(url + '/feishu/events', { method: 'POST', body: req.body, headers: req.headers });
      expect(res.status).toBe(200);
      const reply = await fake!.waitFor(() => [...fake!.messages.values()].find((m) => m.parent_id === msg.message_id), 20_000);
      expect(reply.content).toContain('/帮助');

      await insertDueDeadline(sqld!.url, 'worker-tick');
      const client = createClient({ url: sqld!.url });
      const db = drizzle(client);
      try {
        const [due] = await db.select().from(deadlines).where(eq(deadlines.subjectId, 'worker-tick'));
        // The handler answers once the tick's jobs and its outbox drain are done.
        const tick = async (at: Date) => expect((await fetch(`${url}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent('*/5 * * * *')}&time=${at.getTime()}`)).status).toBe(200);
        // Minutes of their own, ahead of the clock: no other test's run holds these lease slots.
        const first = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 10 * 60_000);
        const second = new Date(first.getTime() + 60_000);
        await tick(first);
        await fake!.waitFor(() => remindersTo(PEOPLE.li.openId, '测试步骤 worker-tick').length > 0, 20_000);

        // As if the first run had crashed after queueing the reminder but before moving the deadline on.
        await db.update(deadlines).set({ nextActionAt: due!.nextActionAt }).where(eq(deadlines.id, due!.id));
        await tick(second); // another minute, so another lease slot: only the ledger stands in the way
        const runs = await db.select().from(jobRuns).where(and(eq(jobRuns.job, 'sla.sweep'), inArray(jobRuns.slot, [slotOf(first), slotOf(second)])));
        expect(runs.map((r) => [r.slot, r.status]).sort()).toEqual([
          [slotOf(first), 'ok'],
          [slotOf(second), 'ok'],
        ]);
        expect(JSON.parse(runs.find((r) => r.slot === slotOf(second))!.summary!)).toMatchObject({ duplicates: 1, messages: 0 });
        expect(remindersTo(PEOPLE.li.openId, '测试步骤 worker-tick')).toHaveLength(1);
      } finally {
        client.close();
      }
    } finally {
      worker.proc.kill('SIGTERM');
    }
  }, 150_000);
});

describe('several Node instances on one database', () => {
  test(`two processes sweeping the same moment send each reminder once${why}`, async () => {
    await insertDueDeadline(sqld!.url, 'two-nodes');
    // A minute no earlier test swept (the lease is per job and minute).
    const now = new Date(Date.now() + 3 * 60_000).toISOString();
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', 'tsx', 'src/jobs-cli.ts', 'sla.sweep', '--now', now], {
          env: { ...process.env, ...feishuEnv(), DATABASE_URL: sqld!.url, LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d));
        p.stderr.on('data', (d: Buffer) => (out += d));
        p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`job exited ${code}: ${out}`))));
      });
    const outputs = await Promise.all([run(), run()]);
    expect(outputs.join('\n')).toMatch(/"ran":true/);
    expect(remindersTo(PEOPLE.li.openId, '测试步骤 two-nodes')).toHaveLength(1);
  }, 60_000);
});
