/**
 * Long-connection mode (FEISHU_MODE=ws), end to end: a real server started with FEISHU_MODE=ws, whose
 * real SDK `WSClient` connects to a fake of Feishu's gateway (src/local/fake-long-connection.ts: the
 * `/callback/ws/endpoint` handshake, then protobuf frames over a WebSocket), with the fake Open API on the
 * same base URL. What is locked in:
 * - the client fetches the socket URL with the app's id and secret, and connects;
 * - an encrypted im.message.receive_v1 event frame is acked 200 and its reply goes out through the Open API,
 *   once even when the frame is delivered twice; a payload split over several frames is reassembled;
 * - a card click as a card.action.trigger *event* frame is answered in the ack frame (toast and refreshed
 *   card) and moves the record on;
 * - the same click as a frame of type `card` (which the SDK alone drops) is answered the same way, for a
 *   schema 2.0 callback and for a legacy card callback body, also when split over frames;
 * - a stale click over the socket is refused with a toast, as over HTTP.
 * Not exercised here: Feishu's real gateway (which frame type it uses for which callback in production,
 * its pings and reconnect policy); see README "Without a public URL — long connection".
 */
import { cardCallbacks } from '../../src/platform/cards';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeOpenApi, type FakeMessage, type FakeOpenApiState } from '../../src/local/fake-openapi';
import { startFakeLongConnection, type FakeLongConnection } from '../../src/local/fake-long-connection';
import { cardActionEvent, messageEvent } from '../../src/local/feishu-events';
import { customers } from '../../src/modules/customers';
import { encryptEvent } from '../../src/platform/feishu/crypto';
import { envelopeFromFlat } from '../../src/platform/feishu/long-connection';
import { startServer } from '../../src/server';
import { PEOPLE, SECRETS, webhookEnv } from '../fakes/harness';

type Server = Awaited<ReturnType<typeof startServer>>;
interface CallbackAnswer {
  toast?: { type: string; content: string };
  card?: { type: string; data: Record<string, unknown> };
}

let fake: FakeOpenApiState;
let gateway: FakeLongConnection;
let server: Server;
let dir: string;

beforeAll(async () => {
  const openApi = createFakeOpenApi({
    appId: SECRETS.appId,
    appSecret: SECRETS.appSecret,
    botOpenId: 'ou_bot',
    users: Object.values(PEOPLE).map((p) => ({ open_id: p.openId, name: p.name })),
  });
  fake = openApi.state;
  gateway = await startFakeLongConnection({ appId: SECRETS.appId, appSecret: SECRETS.appSecret, fallback: (req) => openApi.app.fetch(req) });
  dir = mkdtempSync(join(tmpdir(), 'salesdesk-ws-'));
  server = await startServer(
    { ...webhookEnv(`file:${join(dir, 'ws.db')}`, gateway.url), FEISHU_MODE: 'ws' },
    { outbox: { retryBaseMs: 5, perChatPerSecond: 1000 } },
  );
  await gateway.waitForClient();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await gateway?.close();
  rmSync(dir, { recursive: true, force: true });
});

const encrypted = (payload: unknown) => ({ encrypt: encryptEvent(JSON.stringify(payload), SECRETS.encryptKey!) });
const chatOf = (openId: string) => `oc_p2p_${openId}`;
const repliesTo = (messageId: string): FakeMessage[] => [...fake.messages.values()].filter((m) => m.parent_id === messageId);

/** A person types `text` to the bot; the event arrives over the socket. Returns the message and the ack. */
async function say(text: string, opts: { encrypt?: boolean; fragments?: number } = {}) {
  const msg = fake.addIncomingMessage({ chat_id: chatOf(PEOPLE.li.openId), sender_open_id: PEOPLE.li.openId, content: JSON.stringify({ text }) });
  const event = messageEvent(SECRETS, PEOPLE.li, text, { chatId: msg.chat_id, chatType: 'p2p', messageId: msg.message_id });
  const ack = await gateway.push('event', opts.encrypt === false ? event : encrypted(event), { fragments: opts.fragments });
  await server.runtime.drain();
  return { msg, event, ack };
}

const button = (card: unknown, match: Record<string, unknown>) => {
  const value = cardCallbacks(card).find((v) => Object.entries(match).every(([k, x]) => v[k] === x));
  expect(value, `a button ${JSON.stringify(match)} among ${JSON.stringify(cardCallbacks(card))}`).toBeDefined();
  return value!;
};

const stateOf = async (name: string) => (await server.runtime.services.database.db.select({ state: customers.state }).from(customers).where(eq(customers.name, name)))[0]?.state;

describe('long connection over the real WSClient', () => {
  it('asks the endpoint for a socket URL with the app’s credentials and connects', () => {
    expect(gateway.endpointRequests[0]).toEqual({ AppID: SECRETS.appId, AppSecret: SECRETS.appSecret });
    expect(gateway.clients()).toBe(1);
  });

  it('acks an encrypted message event frame and replies through the Open API, once for a duplicate delivery', async () => {
    const { msg, event, ack } = await say('/帮助');
    expect(ack.code).toBe(200);
    const replies = repliesTo(msg.message_id);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.content).toContain('/我');

    const again = await gateway.push('event', encrypted(event));
    await server.runtime.drain();
    expect(again.code).toBe(200);
    expect(repliesTo(msg.message_id)).toHaveLength(1);
  });

  it('reassembles a plaintext event split over several frames', async () => {
    const { msg, ack } = await say('/我', { encrypt: false, fragments: 3 });
    expect(ack.code).toBe(200);
    expect(repliesTo(msg.message_id)).toHaveLength(1);
    expect(repliesTo(msg.message_id)[0]!.content).toContain('角色：业务员');
  });

  describe('card clicks', () => {
    const name = '长连接客户';
    let card: FakeMessage;
    let form: FakeMessage;
    let answered: Record<string, unknown>;

    beforeAll(async () => {
      await say(`/客户 新建 ${name}`);
      const { msg } = await say(`/客户 ${name}`);
      card = repliesTo(msg.message_id).find((m) => m.msg_type === 'interactive')!;
      expect(card, 'the customer card').toBeDefined();
    });

    const click = (on: FakeMessage, value: Record<string, unknown>, formValue?: Record<string, unknown>) =>
      cardActionEvent(SECRETS, PEOPLE.li, { value, formValue }, { messageId: on.message_id, chatId: on.chat_id, token: fake.issueCardToken(on.message_id) });
    const cardsIn = (chatId: string) => [...fake.messages.values()].filter((m) => m.chat_id === chatId && m.msg_type === 'interactive');

    it('answers a card.action.trigger event frame in the ack with its toast; the form it opens arrives by DM', async () => {
      const before = cardsIn(card.chat_id).length;
      const ack = await gateway.push('event', encrypted(click(card, button(JSON.parse(card.content), { action: 'customer.move', event: 'LOSE' }))));
      await server.runtime.drain();
      expect(ack.code).toBe(200);
      expect((ack.answer as CallbackAnswer).toast).toEqual({ type: 'info', content: '已私聊发你「客户拒绝」表单，填写后提交。' });
      const cards = cardsIn(card.chat_id);
      expect(cards).toHaveLength(before + 1);
      form = cards.at(-1)!;
      expect(form.content).toContain(`${name} · 客户拒绝`);
    });

    it('answers a frame of type card (a schema 2.0 callback, split in two) the same way, where the SDK alone drops it', async () => {
      const submit = button(JSON.parse(form.content), { action: 'customer.submit', to: 'lost' });
      const ack = await gateway.push('card', click(form, submit, { lost_reason: '预算取消' }), { fragments: 2 });
      const answer = ack.answer as CallbackAnswer;
      expect(ack.code).toBe(200);
      expect(ack.headers.type).toBe('card');
      expect(answer.toast).toEqual({ type: 'success', content: `客户「${name}」：已推进到「客户拒绝」。` });
      expect(answer.card).toMatchObject({ type: 'raw', data: { schema: '2.0' } });
      expect(await stateOf(name)).toBe('lost');
      answered = answer.card!.data; // Feishu shows it in place of the form
    });

    it('answers legacy card callback bodies in card frames: a toast, then the replacement card itself', async () => {
      const legacy = (on: FakeMessage, value: Record<string, unknown>, formValue?: Record<string, unknown>) => ({
        open_id: PEOPLE.li.openId,
        user_id: 'u_li',
        open_message_id: on.message_id,
        open_chat_id: on.chat_id,
        tenant_key: 'tenant_local',
        token: fake.issueCardToken(on.message_id),
        action: { value, tag: 'button', ...(formValue ? { form_value: formValue } : {}) },
      });
      const opened = await gateway.push('card', legacy(card, button(answered, { action: 'customer.move', event: 'REOPEN' })));
      await server.runtime.drain();
      expect(opened.code).toBe(200);
      expect(opened.answer).toEqual({ toast: { type: 'info', content: '已私聊发你「重新跟进」表单，填写后提交。' } });
      const reopenForm = cardsIn(card.chat_id).at(-1)!;
      expect(reopenForm.content).toContain(`${name} · 重新跟进`);

      const ack = await gateway.push('card', legacy(reopenForm, button(JSON.parse(reopenForm.content), { action: 'customer.submit', to: 'prospect' }), {}));
      const answer = ack.answer as { schema?: string; header?: unknown; toast?: { type: string; content: string } };
      expect(ack.code).toBe(200);
      expect(answer.schema).toBe('2.0');
      expect(JSON.stringify(answer.header)).toContain(name);
      expect(answer.toast).toEqual({ type: 'success', content: `客户「${name}」：已推进到「目标客户」。` });
      expect(await stateOf(name)).toBe('prospect');
    });

    it('refuses a click on an outdated card over the socket, with a toast, and changes nothing', async () => {
      const again = button(JSON.parse(form.content), { action: 'customer.submit', to: 'lost' }); // the first form, since superseded
      const ack = await gateway.push('card', click(form, again, { lost_reason: '预算取消' }));
      expect(ack.code).toBe(200);
      expect((ack.answer as CallbackAnswer).toast).toMatchObject({ type: 'warning' });
      expect((ack.answer as CallbackAnswer).toast?.content).toContain('已过期');
      expect(await stateOf(name)).toBe('prospect');
    });
  });
});

describe('the SDK-flattened event', () => {
  it('is rebuilt into the schema 2.0 envelope the webhook gets', () => {
    const ev = messageEvent(SECRETS, PEOPLE.li, '/帮助', { chatId: 'oc_x', chatType: 'p2p' });
    expect(envelopeFromFlat({ schema: ev.schema, ...ev.header, ...ev.event })).toEqual(ev);
  });
});
