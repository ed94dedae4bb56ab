import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { startServer } from '../../src/server';
import { startFakeOpenApi, type FakeMessage, type FakeOpenApi } from '../../src/local/fake-openapi';
import { cardActionEvent, messageEvent, signedRequest, type EventSecrets } from '../../src/local/feishu-events';
import { users } from '../../src/platform/db/core.schema';
import type { Role } from '../../src/platform/roles';
import type { OutboxOptions } from '../../src/platform/feishu/outbox';

/**
 * A real Salesdesk server on 127.0.0.1 (webhook mode) talking through the real Feishu SDK to a
 * fake Open API, with a temp-file database. Tests speak to it only the way Feishu would:
 * encrypted, signed HTTP events.
 */
export const SECRETS: EventSecrets & { appSecret: string } = {
  appId: 'cli_a1b2c3d4e5f60718',
  appSecret: 'test-secret',
  verificationToken: 'test-verification-token',
  encryptKey: 'test-encrypt-key',
};

export const PEOPLE = {
  admin: { openId: 'ou_admin', name: '管理员' },
  boss: { openId: 'ou_boss', name: '王主管' },
  boss2: { openId: 'ou_boss2', name: '陈主管' },
  li: { openId: 'ou_li', name: '李业务' },
  zhang: { openId: 'ou_zhang', name: '张业务' },
  finance: { openId: 'ou_fin', name: '钱财务' },
  pmc: { openId: 'ou_pmc', name: '孙PMC' },
  eng: { openId: 'ou_eng', name: '周工程' },
  quality: { openId: 'ou_qa', name: '吴品质' },
  gm: { openId: 'ou_gm', name: '郑总' },
} as const;
export type Person = { readonly openId: string; readonly name: string };

export const GROUP = 'oc_team_chat';

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** A test server's environment: webhook mode on `databaseUrl`, the Open API at `baseUrl`, no cron, quiet. */
export const webhookEnv = (databaseUrl: string, baseUrl: string) => ({
  PORT: '0',
  HOST: '127.0.0.1',
  DATABASE_URL: databaseUrl,
  FEISHU_APP_ID: SECRETS.appId,
  FEISHU_APP_SECRET: SECRETS.appSecret,
  FEISHU_VERIFICATION_TOKEN: SECRETS.verificationToken,
  FEISHU_ENCRYPT_KEY: SECRETS.encryptKey!,
  FEISHU_BASE_URL: baseUrl,
  CRON_ENABLED: 'false',
  LOG_LEVEL: 'silent',
});

/** `outbox` overrides the sender's test settings (e.g. more attempts for a fault-injection burst). */
export async function startHarness(env: Record<string, string> = {}, outbox: Partial<OutboxOptions> = {}) {
  const fake: FakeOpenApi = await startFakeOpenApi({
    appId: SECRETS.appId,
    appSecret: SECRETS.appSecret,
    botOpenId: 'ou_bot',
    users: Object.values(PEOPLE).map((p) => ({ open_id: p.openId, name: p.name })),
  });
  const dir = mkdtempSync(join(tmpdir(), 'salesdesk-test-'));
  const fullEnv = { ...webhookEnv(`file:${join(dir, 'test.db')}`, fake.url), ADMIN_OPEN_IDS: PEOPLE.admin.openId, ...env };
  const server = await startServer(fullEnv, { outbox: { retryBaseMs: 5, perChatPerSecond: 1000, ...outbox } });
  const db = server.runtime.services.database.db;

  /** POSTs a payload the way Feishu does (encrypted + signed) and returns the raw response. */
  async function post(payload: unknown, path = '/feishu/events'): Promise<Response> {
    const req = signedRequest(SECRETS, payload);
    return fetch(server.url + path, { method: 'POST', body: req.body, headers: req.headers });
  }

  async function settle(): Promise<void> {
    await server.runtime.drain();
  }

  /** A user types a message; returns the message id (replies are threaded to it). */
  async function say(from: Person, text: string, opts: { chat?: 'group' | 'p2p'; mentionBot?: boolean; mentions?: Person[]; eventId?: string; messageId?: string; createTime?: number } = {}) {
    const chat = opts.chat ?? 'p2p';
    const chatId = chat === 'group' ? GROUP : `oc_p2p_${from.openId}`;
    const msg = fake.addIncomingMessage({ chat_id: chatId, sender_open_id: from.openId, content: JSON.stringify({ text }), message_id: opts.messageId });
    const mentionBot = opts.mentionBot ?? chat === 'group';
    const event = messageEvent(SECRETS, from, text, {
      chatId,
      chatType: chat,
      messageId: msg.message_id,
      eventId: opts.eventId,
      createTime: opts.createTime,
      mentions: [...(mentionBot ? [{ openId: fake.bot.open_id, name: '业务部助手', isBot: true }] : []), ...(opts.mentions ?? [])],
    });
    const res = await post(event);
    if (res.status !== 200) throw new Error(`event refused: ${res.status} ${await res.text()}`);
    await settle();
    return { messageId: msg.message_id, event };
  }

  /** Bot replies threaded to a message, oldest first. */
  const repliesTo = (messageId: string): FakeMessage[] => [...fake.messages.values()].filter((m) => m.parent_id === messageId);
  const textOf = (m: FakeMessage | undefined): string => {
    if (!m) return '';
    const c = JSON.parse(m.content) as Record<string, unknown>;
    return m.msg_type === 'text' ? String(c.text) : JSON.stringify(c);
  };
  /** What the bot answered to one command, as text (cards as their JSON). */
  async function ask(from: Person, text: string, opts: Parameters<typeof say>[2] = {}): Promise<string> {
    const { messageId } = await say(from, text, opts);
    return repliesTo(messageId).map(textOf).join('\n---\n');
  }

  async function click(from: Person, message: FakeMessage, value: Record<string, unknown>, formValue?: Record<string, unknown>) {
    const event = cardActionEvent(SECRETS, from, { value, formValue }, { messageId: message.message_id, chatId: message.chat_id, token: fake.issueCardToken(message.message_id) });
    const res = await post(event);
    const body = (await res.json()) as { toast?: { type: string; content: string }; card?: { type: string; data: Record<string, unknown> } };
    await settle();
    return { status: res.status, ...body };
  }

  async function setRole(p: Person, role: Role): Promise<void> {
    const now = new Date();
    await db.insert(users).values({ openId: p.openId, name: p.name, role, createdAt: now, updatedAt: now }).onConflictDoUpdate({ target: users.openId, set: { role } });
  }

  async function close(): Promise<void> {
    await server.stop();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }

  return { fake, server, db, env: fullEnv, dir, post, say, ask, settle, click, repliesTo, textOf, setRole, close, eq };
}
