/**
 * The Feishu pipe in and out, over real HTTP with encrypted, signed events:
 * - the challenge is answered (plain or encrypted, with or without signature) only with the right token;
 * - forged, malformed, wrong-token and oversized requests get a 4xx and change nothing;
 * - /帮助 works in a group (with @mention) and in p2p; a group message without @mention is ignored;
 * - one event delivered three times (or one message under new event ids) gets one reply;
 * - unknown commands get "did you mean" and the help pointer; a non-admin's /角色 is refused and audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { encryptEvent, signEvent, signLegacyCard } from '../../src/platform/feishu/crypto';
import { auditLog, inboxEvents, users } from '../../src/platform/db/core.schema';
import { envelope, messageEvent } from '../../src/local/feishu-events';
import { GROUP, PEOPLE, SECRETS, startHarness, type Harness } from '../fakes/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const inboxCount = async () => (await h.db.select({ n: count() }).from(inboxEvents))[0]!.n;

describe('url verification', () => {
  it('answers a plain challenge without signature headers when the token matches', async () => {
    const res = await fetch(h.server.url + '/feishu/events', {
      method: 'POST',
      body: JSON.stringify({ challenge: 'abc-123', token: SECRETS.verificationToken, type: 'url_verification' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'abc-123' });
  });

  it('answers an encrypted, signed challenge', async () => {
    const res = await h.post({ challenge: 'enc-456', token: SECRETS.verificationToken, type: 'url_verification' });
    expect(await res.json()).toEqual({ challenge: 'enc-456' });
  });

  it('refuses a challenge carrying the wrong token', async () => {
    const res = await h.post({ challenge: 'x', token: 'not-the-token', type: 'url_verification' });
    expect(res.status).toBe(401);
  });
});

describe('refused requests change nothing', () => {
  it('refuses a forged signature, a wrong token, a malformed body and an oversized body with 4xx', async () => {
    const before = await inboxCount();
    const event = messageEvent(SECRETS, PEOPLE.li, '/帮助', { chatId: 'oc_p2p_ou_li', chatType: 'p2p' });
    const body = JSON.stringify({ encrypt: encryptEvent(JSON.stringify(event), SECRETS.encryptKey!) });
    const forged = await fetch(h.server.url + '/feishu/events', {
      method: 'POST',
      body,
      headers: { 'x-lark-request-timestamp': '1700000000', 'x-lark-request-nonce': '1', 'x-lark-signature': signEvent('1700000000', '1', 'wrong-key', body) },
    });
    expect(forged.status).toBe(401);

    const unsigned = await fetch(h.server.url + '/feishu/events', { method: 'POST', body });
    expect(unsigned.status).toBe(401);

    const wrongToken = await h.post({ ...event, header: { ...event.header, token: 'stolen' } });
    expect(wrongToken.status).toBe(401);

    const ts = '1700000001';
    const notJson = 'this is not json';
    const malformed = await fetch(h.server.url + '/feishu/events', {
      method: 'POST',
      body: notJson,
      headers: { 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': '2', 'x-lark-signature': signEvent(ts, '2', SECRETS.encryptKey!, notJson) },
    });
    expect(malformed.status).toBe(400);

    const noHeader = await h.post({ schema: '2.0', event: {} });
    expect(noHeader.status).toBe(400);

    const badMessage = await h.post(envelope(SECRETS, 'im.message.receive_v1', { message: { nothing: true } }));
    expect(badMessage.status).toBe(400);

    const huge = await fetch(h.server.url + '/feishu/events', { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) });
    expect(huge.status).toBe(413);

    expect(await inboxCount()).toBe(before);
    expect((await fetch(h.server.url + '/healthz')).status).toBe(200);
  });

  it('refuses a legacy card callback with a bad sha1 signature', async () => {
    const body = JSON.stringify({ open_id: PEOPLE.li.openId, action: { value: { action: 'x' } } });
    const res = await fetch(h.server.url + '/feishu/cards', {
      method: 'POST',
      body,
      headers: { 'x-lark-request-timestamp': '1', 'x-lark-request-nonce': '2', 'x-lark-signature': signLegacyCard('1', '2', 'wrong', body) },
    });
    expect(res.status).toBe(401);
    const signed = await fetch(h.server.url + '/feishu/cards', {
      method: 'POST',
      body,
      headers: { 'x-lark-request-timestamp': '1', 'x-lark-request-nonce': '2', 'x-lark-signature': signLegacyCard('1', '2', SECRETS.verificationToken, body) },
    });
    expect(signed.status).toBe(200);
    expect(((await signed.json()) as { toast: { content: string } }).toast.content).toContain('失效');
  });
});

describe('messages and commands', () => {
  it('answers /帮助 in p2p with every registered command, as a card so its markdown renders', async () => {
    const { messageId } = await h.say(PEOPLE.li, '/帮助');
    const [card] = h.repliesTo(messageId);
    expect(card!.msg_type).toBe('interactive');
    const reply = h.textOf(card);
    for (const def of h.server.runtime.bot.commands.defs) expect(reply).toContain(def.usage);
  });

  it('answers /帮助 in a group only when the bot is mentioned, threaded to the message', async () => {
    const { messageId } = await h.say(PEOPLE.li, '/帮助', { chat: 'group' });
    const replies = h.repliesTo(messageId);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.chat_id).toBe(GROUP);

    const silent = await h.say(PEOPLE.li, '/帮助', { chat: 'group', mentionBot: false });
    expect(h.repliesTo(silent.messageId)).toHaveLength(0);
  });

  it('replies once to an event delivered three times, and once to a message re-sent under a new event id', async () => {
    const first = await h.say(PEOPLE.li, '/我', { eventId: 'evt-dup-1' });
    await h.post(first.event);
    await h.post(first.event);
    await h.settle();
    expect(h.repliesTo(first.messageId)).toHaveLength(1);

    const again = messageEvent(SECRETS, PEOPLE.li, '/我', { chatId: 'oc_p2p_ou_li', chatType: 'p2p', messageId: first.messageId, eventId: 'evt-dup-2' });
    expect((await h.post(again)).status).toBe(200);
    await h.settle();
    expect(h.repliesTo(first.messageId)).toHaveLength(1);
  });

  it('suggests the nearest command for a typo and points to help', async () => {
    const reply = await h.ask(PEOPLE.li, '/帮主');
    expect(reply).toContain('/帮助');
    expect(reply).toContain('没有命令');
  });

  it('tells a message without a slash how commands look', async () => {
    expect(await h.ask(PEOPLE.li, '你好')).toContain('/帮助');
  });

  it("refuses a non-admin's /角色, audits it, and lets the admin bind a role", async () => {
    const refused = await h.ask(PEOPLE.li, '/角色 @张业务 主管', { mentions: [PEOPLE.zhang] });
    expect(refused).toContain('没有权限');
    const audits = await h.db.select().from(auditLog).where(eq(auditLog.actor, PEOPLE.li.openId));
    expect(audits.some((a) => a.outcome === 'refused' && a.action === 'command:角色')).toBe(true);
    const [zhang] = await h.db.select().from(users).where(eq(users.openId, PEOPLE.zhang.openId));
    expect(zhang?.role ?? null).toBeNull();

    const ok = await h.ask(PEOPLE.admin, '/角色 @张业务 主管', { mentions: [PEOPLE.zhang] });
    expect(ok).toContain('主管');
    const [after] = await h.db.select().from(users).where(eq(users.openId, PEOPLE.zhang.openId));
    expect(after?.role).toBe('supervisor');
  });

  it('explains a bad role name with the choices', async () => {
    const reply = await h.ask(PEOPLE.admin, '/角色 @张业务 老板', { mentions: [PEOPLE.zhang] });
    expect(reply).toContain('没有角色「老板」');
    expect(reply).toContain('用法');
  });

  it("ignores the bot's own messages", async () => {
    const ev = messageEvent(SECRETS, { openId: 'ou_bot' }, '/帮助', { chatId: 'oc_p2p_x', chatType: 'p2p' });
    (ev.event as { sender: { sender_type: string } }).sender.sender_type = 'app';
    const before = h.fake.calls.length;
    expect((await h.post(ev)).status).toBe(200);
    await h.settle();
    expect(h.fake.calls.filter((c) => c.path.includes('/im/v1/messages')).length).toBe(h.fake.calls.slice(0, before).filter((c) => c.path.includes('/im/v1/messages')).length);
  });
});
