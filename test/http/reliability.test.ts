/**
 * Nothing lost, nothing doubled:
 * - with the fake Open API failing 30 % of calls (5xx, 429 + 99991400, 230020), every reply arrives exactly once;
 * - an expired tenant token is refreshed and the message still goes out once;
 * - a server process killed (SIGKILL) right after acking events answers each of them exactly once after a restart;
 * - a reply that keeps failing ends up dead and visible in /系统 状态, never silently dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { outboxMessages } from '../../src/platform/db/core.schema';
import { startFakeOpenApi } from '../../src/local/fake-openapi';
import { messageEvent, signedRequest } from '../../src/local/feishu-events';
import { PEOPLE, SECRETS, startHarness, type Harness } from '../fakes/harness';

describe('faults in the Open API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('delivers every reply exactly once while 30 % of calls fail', async () => {
    h.fake.setFailureRate(0.3, ['server_error', 'rate_limit', 'frequency_limit'], 7);
    const sent: string[] = [];
    for (let i = 0; i < 60; i++) {
      const from = i % 2 ? PEOPLE.li : PEOPLE.zhang;
      const { messageId } = await h.say(from, '/我');
      sent.push(messageId);
    }
    await h.fake.waitFor(() => sent.every((id) => h.repliesTo(id).length >= 1), 20_000);
    h.fake.setFailureRate(0);
    await h.settle();
    for (const id of sent) expect(h.repliesTo(id)).toHaveLength(1);
    const failed = h.fake.calls.filter((c) => c.status >= 400);
    expect(failed.length).toBeGreaterThan(5);
  });

  it('refreshes an expired tenant token and sends once', async () => {
    h.fake.expireTokens();
    const { messageId } = await h.say(PEOPLE.li, '/我');
    expect(h.repliesTo(messageId)).toHaveLength(1);
    expect(h.fake.calls.some((c) => c.code === 99991663)).toBe(true);
  });

  it('marks a reply dead after its last attempt and shows it to admins', async () => {
    h.fake.failNext(8, 'server_error');
    const { messageId } = await h.say(PEOPLE.zhang, '/我');
    await h.fake.waitFor(async () => {
      await h.settle();
      const rows = await h.db.select().from(outboxMessages).where(eq(outboxMessages.status, 'dead'));
      return rows.length > 0;
    }, 10_000);
    expect(h.repliesTo(messageId)).toHaveLength(0);
    const status = await h.ask(PEOPLE.admin, '/系统 状态');
    expect(status).toContain('dead 1');
  });
});

describe('a crash after the ack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'salesdesk-crash-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts `src/server.ts` as its own process; resolves with its URL once it listens. */
  function startChild(env: Record<string, string>): Promise<{ proc: ChildProcess; url: string }> {
    return new Promise((resolve, reject) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
        if (m) resolve({ proc, url: m[1]! });
      });
      proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      proc.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
    });
  }

  it('answers every acknowledged event exactly once after kill -9 and restart', async () => {
    const fake = await startFakeOpenApi({ appId: SECRETS.appId, appSecret: SECRETS.appSecret, botOpenId: 'ou_bot' });
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: `file:${join(dir, 'crash.db')}`,
      FEISHU_APP_ID: SECRETS.appId,
      FEISHU_APP_SECRET: SECRETS.appSecret,
      FEISHU_VERIFICATION_TOKEN: SECRETS.verificationToken,
      FEISHU_ENCRYPT_KEY: SECRETS.encryptKey!,
      FEISHU_BASE_URL: fake.url,
      CRON_ENABLED: 'false',
      LOG_LEVEL: 'info',
    };
    try {
      // Every send is slow, so most events are acked but not yet answered when the process dies.
      fake.setLatency(300);
      const first = await startChild(env);
      child = first.proc;
      const ids: string[] = [];
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const msg = fake.addIncomingMessage({ chat_id: `oc_p2p_c${i}`, sender_open_id: `ou_c${i}`, content: '{"text":"/我"}' });
          const req = signedRequest(SECRETS, messageEvent(SECRETS, { openId: `ou_c${i}` }, '/我', { chatId: `oc_p2p_c${i}`, chatType: 'p2p', messageId: msg.message_id }));
          const res = await fetch(first.url + '/feishu/events', { method: 'POST', body: req.body, headers: req.headers });
          expect(res.status).toBe(200);
          ids.push(msg.message_id);
        }),
      );
      first.proc.kill('SIGKILL');
      await new Promise((r) => first.proc.once('exit', r));
      const answeredBeforeCrash = ids.filter((id) => [...fake.messages.values()].some((m) => m.parent_id === id)).length;
      expect(answeredBeforeCrash).toBeLessThan(ids.length);

      fake.setLatency(0);
      const second = await startChild(env);
      child = second.proc;
      await fake.waitFor(() => ids.every((id) => [...fake.messages.values()].some((m) => m.parent_id === id)), 20_000);
      for (const id of ids) expect([...fake.messages.values()].filter((m) => m.parent_id === id)).toHaveLength(1);
      second.proc.kill('SIGTERM');
      await new Promise((r) => second.proc.once('exit', r));
    } finally {
      await fake.close();
    }
  }, 60_000);
});
