/**
 * The real scale-out pieces, run locally (skipped with the reason where a binary is missing):
 * - the Worker bundle, in workerd (`wrangler dev`) over a remote libSQL server (sqld), answers a
 *   signed /帮助 event with a reply through the fake Open API;
 * - a scheduled tick sends a due reminder, and a second tick does not send it again;
 * - two Node processes sweeping one sqld database for the same moment send each reminder once;
 * - a Node server refuses to start on a remote database whose migrations were not run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createClient } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from '../../src/platform/db/migrate';
import { openDatabase } from '../../src/platform/db/client';
import { users } from '../../src/platform/db/core.schema';
import { deadlines } from '../../src/platform/sla/sla.schema';
import { messageEvent, signedRequest } from '../../src/local/feishu-events';
import { startFakeOpenApi, type FakeOpenApi } from '../../src/local/fake-openapi';
import { freePort, missingScaleOutTools, startProcess, startSqld, WRANGLER_BIN } from '../fakes/processes';
import { PEOPLE, SECRETS } from '../fakes/harness';

const missing = missingScaleOutTools();
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
  fake = await startFakeOpenApi({ appId: SECRETS.appId, appSecret: SECRETS.appSecret, botOpenId: 'ou_bot' });
}, 60_000);
afterAll(async () => {
  sqld?.stop();
  await fake?.close();
});

describe('remote database', () => {
  test(`refuses to start a Node server on a remote database that is not migrated${why}`, async () => {
    await expect(openDatabase(sqld!.url)).rejects.toThrow(/npm run db:migrate/);
    const client = createClient({ url: sqld!.url });
    expect(await migrate(client)).toBeGreaterThan(0);
    client.close();
    const db = await openDatabase(sqld!.url);
    db.close();
  });
});

describe('Cloudflare Worker in workerd', () => {
  test(`answers a signed /帮助 through the fake and sends a due reminder once per tick${why}`, async () => {
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
      const tick = async () => expect((await fetch(`${url}/__scheduled?cron=${encodeURIComponent('*/5 * * * *')}`)).status).toBe(200);
      await tick();
      await fake!.waitFor(() => remindersTo(PEOPLE.li.openId, '测试步骤 worker-tick').length > 0, 20_000);
      await tick();
      await new Promise((r) => setTimeout(r, 1000));
      expect(remindersTo(PEOPLE.li.openId, '测试步骤 worker-tick')).toHaveLength(1);
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
