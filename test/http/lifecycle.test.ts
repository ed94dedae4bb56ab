/**
 * The legacy message-card request URL and the process lifecycle:
 * - POST /feishu/cards with Feishu's flat 1.0 callback body (sha1-signed with the Verification
 *   Token) runs a real card action end to end: the customer moves on, the answer body is the
 *   replacement card plus a toast, and a second click on the same (now outdated) card is refused
 *   with the fresh card instead of being applied again;
 * - the server process stops on SIGTERM with exit code 0, after answering what it had acknowledged,
 *   in webhook mode (processing thread) and in local mode.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers } from '../../src/modules/customers';
import { startFakeOpenApi, type FakeMessage } from '../../src/local/fake-openapi';
import { messageEvent, signedRequest } from '../../src/local/feishu-events';
import { signLegacyCard } from '../../src/platform/feishu/crypto';
import { PEOPLE, SECRETS, startHarness, type Harness } from '../fakes/harness';
import { startProcess } from '../fakes/processes';
import { cardCallbacks } from '../../src/platform/cards';


describe('legacy card callback (POST /feishu/cards)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  /** Feishu's old card request: flat body, sha1(timestamp + nonce + Verification Token + body), not encrypted. */
  async function legacyClick(from: { openId: string }, message: FakeMessage, value: Record<string, unknown>) {
    const body = JSON.stringify({
      open_id: from.openId,
      user_id: 'u_' + from.openId,
      open_message_id: message.message_id,
      open_chat_id: message.chat_id,
      tenant_key: 'tenant_local',
      token: h.fake.issueCardToken(message.message_id),
      action: { value, tag: 'button' },
    });
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = String(Math.floor(Math.random() * 1e9));
    const res = await fetch(h.server.url + '/feishu/cards', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': nonce, 'x-lark-signature': signLegacyCard(ts, nonce, SECRETS.verificationToken, body) },
    });
    const answer = (await res.json()) as Record<string, unknown> & { toast?: { type: string; content: string } };
    await h.settle();
    return { status: res.status, answer };
  }

  it('moves a customer on from its card and answers with the replacement card and a toast', async () => {
    await h.ask(PEOPLE.li, '/客户 新建 旧卡回调测试');
    await h.ask(PEOPLE.li, '/拜访 旧卡回调测试 初次见面');
    const { messageId } = await h.say(PEOPLE.li, '/客户 旧卡回调测试');
    const [card] = h.repliesTo(messageId);
    expect(card?.msg_type).toBe('interactive');
    const start = cardCallbacks(JSON.parse(card!.content)).find((v) => v.action === 'customer.move' && v.event === 'START_NEEDS');
    expect(start, 'the card offers 开始需求分析').toBeDefined();

    const moved = await legacyClick(PEOPLE.li, card!, start!);
    expect(moved.status).toBe(200);
    expect(moved.answer.toast).toMatchObject({ type: 'success' });
    expect(moved.answer.toast!.content).toContain('开始需求分析');
    // The legacy answer is the card itself (not wrapped in { card: { type: 'raw' } }).
    expect(moved.answer.card).toBeUndefined();
    expect(moved.answer.schema).toBe('2.0');
    expect(JSON.stringify(moved.answer.body)).toContain('需求分析');
    expect(JSON.stringify(moved.answer.body)).toContain('NEEDS_DONE');
    const [row] = await h.db.select().from(customers).where(eq(customers.name, '旧卡回调测试'));
    expect(row?.state).toBe('needs');

    const again = await legacyClick(PEOPLE.li, card!, start!);
    expect(again.answer.toast?.content).toContain('已过期');
    expect(JSON.stringify(again.answer)).toContain('NEEDS_DONE');
    const [still] = await h.db.select().from(customers).where(eq(customers.name, '旧卡回调测试'));
    expect(still?.version).toBe(row!.version);
  });

  it('refuses an unsigned legacy callback and one signed with the wrong token', async () => {
    const body = JSON.stringify({ open_id: PEOPLE.li.openId, action: { value: { action: 'customer.move', id: 1, v: 1, event: 'LOSE' } } });
    expect((await fetch(h.server.url + '/feishu/cards', { method: 'POST', body })).status).toBe(401);
    const forged = await fetch(h.server.url + '/feishu/cards', {
      method: 'POST',
      body,
      headers: { 'x-lark-request-timestamp': '1', 'x-lark-request-nonce': '2', 'x-lark-signature': signLegacyCard('1', '2', 'not-the-token', body) },
    });
    expect(forged.status).toBe(401);
  });
});

describe('SIGTERM', () => {
  const dir = mkdtempSync(join(tmpdir(), 'salesdesk-sigterm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts `src/server.ts` as its own process; resolves once it has logged its URL. */
  async function start(env: Record<string, string>) {
    const { proc, output } = await startProcess(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PORT: '0', HOST: '127.0.0.1', CRON_ENABLED: 'false', LOG_LEVEL: 'info', ...env },
      ready: /"msg":"salesdesk started".*"url":"http:\/\/[^"]+"/,
      timeoutMs: 90_000,
    });
    const url = /"url":"(http:\/\/[^"]+)"/.exec(output())![1]!;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
    return { proc, url, output, exited };
  }

  it('exits 0 in webhook mode after answering what it acknowledged', async () => {
    const fake = await startFakeOpenApi({ appId: SECRETS.appId, appSecret: SECRETS.appSecret, botOpenId: 'ou_bot', users: [{ open_id: PEOPLE.li.openId, name: PEOPLE.li.name }] });
    try {
      const server = await start({
        DATABASE_URL: `file:${join(dir, 'webhook.db')}`,
        FEISHU_APP_ID: SECRETS.appId,
        FEISHU_APP_SECRET: SECRETS.appSecret,
        FEISHU_VERIFICATION_TOKEN: SECRETS.verificationToken,
        FEISHU_ENCRYPT_KEY: SECRETS.encryptKey!,
        FEISHU_BASE_URL: fake.url,
      });
      const msg = fake.addIncomingMessage({ chat_id: 'oc_p2p_ou_li', sender_open_id: PEOPLE.li.openId, content: '{"text":"/我"}' });
      const req = signedRequest(SECRETS, messageEvent(SECRETS, PEOPLE.li, '/我', { chatId: 'oc_p2p_ou_li', chatType: 'p2p', messageId: msg.message_id }));
      expect((await fetch(server.url + '/feishu/events', { method: 'POST', body: req.body, headers: req.headers })).status).toBe(200);
      await fake.waitFor(() => [...fake.messages.values()].some((m) => m.parent_id === msg.message_id), 30_000);

      server.proc.kill('SIGTERM');
      expect(await server.exited).toEqual({ code: 0, signal: null });
      expect(server.output()).toContain('SIGTERM: finishing in-flight work');
    } finally {
      await fake.close();
    }
  }, 120_000);

  it('exits 0 in local mode', async () => {
    const server = await start({ DATABASE_URL: `file:${join(dir, 'local.db')}` });
    expect((await fetch(server.url + '/healthz')).status).toBe(200);
    server.proc.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  }, 120_000);
});
