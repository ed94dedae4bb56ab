import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lark from '@larksuiteoapi/node-sdk';
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createFakeOpenApi,
  p2pChatId,
  startFakeOpenApi,
  type Fault,
  type FakeMessage,
  type FakeOpenApi,
  type MessageEventKind,
} from '../../src/local/fake-openapi';

const DAY = 24 * 60 * 60 * 1000;
const silentLogger = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };

/** A shared card (PATCH needs config.update_multi). */
const card = (title: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ config: { update_multi: true }, header: { title: { tag: 'plain_text', content: title } }, elements: [], ...extra });
const text = (s: string) => JSON.stringify({ text: s });

let fake: FakeOpenApi;

/** A real SDK client with its own token cache (the default cache is a process-wide singleton). */
function newClient(cache: lark.Cache = new lark.DefaultCache()) {
  return new lark.Client({ appId: 'cli_test', appSecret: 'secret', domain: fake.url, logger: silentLogger, cache });
}

/** The SDK rejects non-2xx replies with the AxiosError; this pulls out what callers branch on. */
async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    const response = (err as { response?: { status: number; data: { code: number; msg: string }; headers: Record<string, string> } }).response;
    if (!response) throw err;
    return { status: response.status, code: response.data.code, msg: response.data.msg, headers: response.headers };
  }
  throw new Error('expected the call to be rejected');
}

async function sendText(client: lark.Client, openId: string, body: string, uuid?: string) {
  const res = await client.im.message.create({
    params: { receive_id_type: 'open_id' },
    data: { receive_id: openId, msg_type: 'text', content: text(body), uuid },
  });
  expect(res.code).toBe(0);
  return res.data!;
}

async function sendCard(client: lark.Client, chatId: string, content = card('v1')) {
  const res = await client.im.message.create({
    params: { receive_id_type: 'chat_id' },
    data: { receive_id: chatId, msg_type: 'interactive', content },
  });
  return res.data!;
}

async function raw(path: string, init: RequestInit = {}) {
  const res = await fetch(`${fake.url}${path}`, init);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

async function fetchToken(): Promise<string> {
  const { body } = await raw('/open-apis/auth/v3/tenant_access_token/internal', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app_id: 'cli_test', app_secret: 'secret' }),
  });
  return body.tenant_access_token as string;
}

beforeAll(async () => {
  fake = await startFakeOpenApi({ users: [{ open_id: 'ou_alice', name: '张三', en_name: 'Alice', user_id: 'u_alice' }] });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('tokens and auth', () => {
  it('issues a tenant token that the SDK caches and sends as a Bearer token', async () => {
    const client = newClient();
    await sendText(client, 'ou_alice', 'one');
    await sendText(client, 'ou_alice', 'two');

    expect(fake.calls.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([
      'POST /open-apis/auth/v3/tenant_access_token/internal 200',
      'POST /open-apis/im/v1/messages 200',
      'POST /open-apis/im/v1/messages 200',
    ]);
    expect(fake.calls[0]!.body).toEqual({ app_id: 'cli_test', app_secret: 'secret' });
  });

  it('answers a wrong app secret with HTTP 200 and code 10014, which the SDK turns into a plain Error', async () => {
    const client = new lark.Client({ appId: 'cli_test', appSecret: 'wrong', domain: fake.url, logger: silentLogger, cache: new lark.DefaultCache() });
    await expect(sendText(client, 'ou_alice', 'hi')).rejects.toThrow('failed to get tenant_access_token, code: 10014, msg: app secret invalid');
    expect(fake.messages.size).toBe(0);
  });

  it('answers 99991661 without a token and 99991663 for an unknown one', async () => {
    expect(await raw('/open-apis/bot/v3/info')).toMatchObject({ status: 400, body: { code: 99991661 } });
    const bad = await raw('/open-apis/bot/v3/info', { headers: { authorization: 'Bearer t-nope' } });
    expect(bad).toMatchObject({ status: 400, body: { code: 99991663, msg: expect.stringContaining('Invalid access token') } });
  });

  it('keeps handing out the same token while it is fresh and a new one after expireTokens()', async () => {
    const first = await fetchToken();
    expect(first).toMatch(/^t-/);
    expect(await fetchToken()).toBe(first);

    fake.expireTokens();
    const info = await raw('/open-apis/bot/v3/info', { headers: { authorization: `Bearer ${first}` } });
    expect(info.body.code).toBe(99991663);
    const second = await fetchToken();
    expect(second).not.toBe(first);
    expect((await raw('/open-apis/bot/v3/info', { headers: { authorization: `Bearer ${second}` } })).body.code).toBe(0);
  });

  it('serves bot info with the bot open_id at the top level of the reply', async () => {
    const info = await newClient().request({ method: 'GET', url: '/open-apis/bot/v3/info' });
    expect(info).toEqual({
      code: 0,
      msg: 'ok',
      bot: { activate_status: 2, app_name: 'SalesDesk', avatar_url: '', ip_white_list: [], open_id: 'ou_bot' },
    });
  });
});

describe('messages', () => {
  it('round-trips send, reply and patch through the SDK', async () => {
    const client = newClient();
    const sent = await sendCard(client, 'oc_sales', card('v1'));
    expect(sent).toMatchObject({
      message_id: expect.stringMatching(/^om_/),
      chat_id: 'oc_sales',
      msg_type: 'interactive',
      create_time: expect.stringMatching(/^\d{13}$/),
      sender: { id: 'cli_test', id_type: 'app_id', sender_type: 'app' },
      body: { content: card('v1') },
    });

    const reply = await client.im.message.reply({
      path: { message_id: sent.message_id! },
      data: { msg_type: 'text', content: text('收到') },
    });
    expect(reply.data).toMatchObject({ chat_id: 'oc_sales', parent_id: sent.message_id, root_id: sent.message_id });

    const patched = await client.im.message.patch({ path: { message_id: sent.message_id! }, data: { content: card('v2') } });
    expect(patched.code).toBe(0);

    const stored = fake.messages.get(sent.message_id!)!;
    expect(stored).toMatchObject({ content: card('v2'), updates: 1, sender_type: 'app', sender_id: 'cli_test' });
    expect(fake.messagesIn('oc_sales').map((m) => m.msg_type)).toEqual(['interactive', 'text']);
  });

  it('puts open_id sends into a stable p2p chat that messagesIn finds by open_id', async () => {
    const client = newClient();
    const a = await sendText(client, 'ou_alice', 'one');
    const b = await sendText(client, 'ou_alice', 'two');
    expect(a.chat_id).toBe(p2pChatId('ou_alice'));
    expect(b.chat_id).toBe(a.chat_id);
    expect(fake.messagesIn('ou_alice').map((m) => JSON.parse(m.content).text)).toEqual(['one', 'two']);
    expect(fake.messagesIn('ou_alice')[0]).toMatchObject({ receive_id: 'ou_alice', receive_id_type: 'open_id' });
  });

  it('lets the bot reply to a message a user sent (registered with addIncomingMessage)', async () => {
    const incoming = fake.addIncomingMessage({ chat_id: 'oc_sales', sender_open_id: 'ou_alice', content: text('报价?') });
    const reply = await newClient().im.message.reply({ path: { message_id: incoming.message_id }, data: { msg_type: 'text', content: text('稍等') } });
    expect(reply.data).toMatchObject({ chat_id: 'oc_sales', parent_id: incoming.message_id });
    expect(fake.messagesIn('oc_sales').map((m) => m.sender_type)).toEqual(['user', 'app']);
  });

  it('answers a reply to an unknown message with 400 / 230001', async () => {
    const err = await rejection(newClient().im.message.reply({ path: { message_id: 'om_missing' }, data: { msg_type: 'text', content: text('x') } }));
    expect(err).toMatchObject({ status: 400, code: 230001, msg: 'message not found' });
  });

  it('returns the original message for a uuid repeated within an hour, and sends again after it', async () => {
    const client = newClient();
    const first = await sendText(client, 'ou_alice', 'daily reminder', 'remind-2024-05-01');
    const again = await sendText(client, 'ou_alice', 'daily reminder', 'remind-2024-05-01');
    expect(again.message_id).toBe(first.message_id);
    expect(fake.messages.size).toBe(1);

    const start = Date.now();
    fake.now = () => start + 61 * 60 * 1000;
    const later = await sendText(client, 'ou_alice', 'daily reminder', 'remind-2024-05-01');
    expect(later.message_id).not.toBe(first.message_id);
    expect(fake.messages.size).toBe(2);
  });

  it('validates receive_id_type, receive_id and the content JSON with 230001', async () => {
    const client = newClient();
    const send = (params: { receive_id_type: string }, data: { receive_id: string; msg_type: string; content: string }) =>
      rejection(client.im.message.create({ params: params as { receive_id_type: 'open_id' }, data }));

    expect(await send({ receive_id_type: '' }, { receive_id: 'ou_alice', msg_type: 'text', content: text('x') })).toMatchObject({ status: 400, code: 230001 });
    expect(await send({ receive_id_type: 'open_id' }, { receive_id: '', msg_type: 'text', content: text('x') })).toMatchObject({ code: 230001 });
    expect(await send({ receive_id_type: 'open_id' }, { receive_id: 'ou_alice', msg_type: 'text', content: 'not json' })).toMatchObject({ code: 230001 });
    expect(await send({ receive_id_type: 'open_id' }, { receive_id: 'ou_alice', msg_type: 'text', content: '{"txt":"x"}' })).toMatchObject({ code: 230001 });
    expect(fake.messages.size).toBe(0);
  });

  it('rejects a card over 30 KB and text over 150 KB with 230025', async () => {
    const client = newClient();
    const bigCard = card('big', { elements: [{ tag: 'markdown', content: 'x'.repeat(31 * 1024) }] });
    expect(await rejection(sendCard(client, 'oc_sales', bigCard))).toMatchObject({ status: 400, code: 230025 });

    const bigText = client.im.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: 'oc_sales', msg_type: 'text', content: text('字'.repeat(51 * 1024)) }, // 3 bytes each
    });
    expect(await rejection(bigText)).toMatchObject({ status: 400, code: 230025 });
    expect(fake.messages.size).toBe(0);
  });

  it('refuses to patch a card older than fourteen days with 230031', async () => {
    const client = newClient();
    const sent = await sendCard(client, 'oc_sales');
    const start = Date.now();

    fake.now = () => start + 13 * DAY;
    expect((await client.im.message.patch({ path: { message_id: sent.message_id! }, data: { content: card('day 13') } })).code).toBe(0);

    fake.now = () => start + 15 * DAY;
    const err = await rejection(client.im.message.patch({ path: { message_id: sent.message_id! }, data: { content: card('day 15') } }));
    expect(err).toEqual(expect.objectContaining({ status: 400, code: 230031, msg: 'Message can only be updated within fourteen days' }));
    expect(fake.messages.get(sent.message_id!)!.content).toBe(card('day 13'));
  });

  it('refuses to patch unless the card is shared (config.update_multi), which JSON 2.0 cards are by default', async () => {
    const client = newClient();
    const sent = await sendCard(client, 'oc_sales');
    const notShared = JSON.stringify({ header: { title: { tag: 'plain_text', content: 'x' } }, elements: [] });
    const err = await rejection(client.im.message.patch({ path: { message_id: sent.message_id! }, data: { content: notShared } }));
    expect(err).toMatchObject({ status: 400, code: 230001, msg: expect.stringContaining('update_multi') });

    const v2 = JSON.stringify({ schema: '2.0', body: { elements: [] } });
    expect((await client.im.message.patch({ path: { message_id: sent.message_id! }, data: { content: v2 } })).code).toBe(0);
  });

  it('refuses to patch unknown and non-card messages with 230001', async () => {
    const client = newClient();
    const sentText = await sendText(client, 'ou_alice', 'plain');
    expect(await rejection(client.im.message.patch({ path: { message_id: 'om_missing' }, data: { content: card('x') } }))).toMatchObject({ code: 230001 });
    expect(await rejection(client.im.message.patch({ path: { message_id: sentText.message_id! }, data: { content: card('x') } }))).toMatchObject({ code: 230001 });
  });

  it('buzzes known users with urgent_app and lists unknown ids as invalid', async () => {
    const client = newClient();
    const sent = await sendText(client, 'ou_alice', 'urgent');
    const res = await client.im.message.urgentApp({
      path: { message_id: sent.message_id! },
      params: { user_id_type: 'open_id' },
      data: { user_id_list: ['ou_alice', 'ou_ghost'] },
    });
    expect(res).toMatchObject({ code: 0, data: { invalid_user_id_list: ['ou_ghost'] } });
    expect(fake.urgents).toEqual([expect.objectContaining({ message_id: sent.message_id, user_ids: ['ou_alice'] })]);
  });
});

describe('faults', () => {
  const cases: Array<{ fault: Fault; status: number; code: number }> = [
    { fault: 'server_error', status: 500, code: 1 },
    { fault: 'rate_limit', status: 429, code: 99991400 },
    { fault: 'frequency_limit', status: 400, code: 230020 },
    { fault: 'token_expired', status: 400, code: 99991663 },
  ];

  it.each(cases)('surfaces $fault as HTTP $status / code $code and sends nothing', async ({ fault, status, code }) => {
    const client = newClient();
    fake.failNext(1, fault);
    const err = await rejection(sendText(client, 'ou_alice', 'hi'));
    expect(err).toMatchObject({ status, code });
    expect(fake.messages.size).toBe(0);
    expect(fake.calls.at(-1)).toMatchObject({ path: '/open-apis/im/v1/messages', status, code });
  });

  it('sends the rate-limit headers with a configurable reset', async () => {
    fake.failNext(1, 'rate_limit');
    const err = await rejection(sendText(newClient(), 'ou_alice', 'hi'));
    expect(err.headers['x-ogw-ratelimit-limit']).toBe('50');
    expect(err.headers['x-ogw-ratelimit-reset']).toBe('0');

    const other = await startFakeOpenApi({ rateLimitResetSeconds: 7 });
    try {
      other.failNext(1, 'rate_limit');
      const token = await (await fetch(`${other.url}/open-apis/auth/v3/tenant_access_token/internal`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ app_id: 'cli_test', app_secret: 'secret' }),
      })).json() as { tenant_access_token: string };
      const res = await fetch(`${other.url}/open-apis/im/v1/messages?receive_id_type=chat_id`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token.tenant_access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ receive_id: 'oc_1', msg_type: 'text', content: text('x') }),
      });
      expect(res.status).toBe(429);
      expect(res.headers.get('x-ogw-ratelimit-reset')).toBe('7');
    } finally {
      await other.close();
    }
  });

  it('fails only the next n calls and then recovers', async () => {
    const client = newClient();
    fake.failNext(2, 'server_error');
    await rejection(sendText(client, 'ou_alice', '1'));
    await rejection(sendText(client, 'ou_alice', '2'));
    await sendText(client, 'ou_alice', '3');
    expect(fake.messagesIn('ou_alice')).toHaveLength(1);
  });

  it('with lost_response posts the message and answers 500 as if nothing happened; a retry with the same uuid gets that message back', async () => {
    const client = newClient();
    fake.failNext(1, 'lost_response');
    expect(await rejection(sendText(client, 'ou_alice', 'hi', 'reply-evt-1'))).toMatchObject({ status: 500, code: 1 });
    const [posted] = fake.messagesIn('ou_alice');
    expect(posted).toMatchObject({ uuid: 'reply-evt-1', content: text('hi') });
    expect(fake.calls.at(-1)).toMatchObject({ path: '/open-apis/im/v1/messages', status: 500, fault: 'lost_response' });

    const retry = await sendText(client, 'ou_alice', 'hi', 'reply-evt-1');
    expect(retry.message_id).toBe(posted!.message_id);
    expect(fake.messagesIn('ou_alice')).toHaveLength(1);
    expect(fake.calls.at(-1)!.fault).toBeUndefined();
  });

  it('with lost_response on a reply threads it once, and without a uuid a retry posts a second copy', async () => {
    const client = newClient();
    const incoming = fake.addIncomingMessage({ chat_id: 'oc_sales', sender_open_id: 'ou_alice', content: text('/我') });
    const reply = (uuid?: string) => client.im.message.reply({ path: { message_id: incoming.message_id }, data: { msg_type: 'text', content: text('你好'), uuid } });
    fake.failNext(1, 'lost_response');
    await rejection(reply('r-1'));
    expect((await reply('r-1')).code).toBe(0);
    expect([...fake.messages.values()].filter((m) => m.parent_id === incoming.message_id)).toHaveLength(1);

    fake.failNext(1, 'lost_response');
    await rejection(reply());
    await reply();
    expect([...fake.messages.values()].filter((m) => m.parent_id === incoming.message_id)).toHaveLength(3);
  });

  it('records no lost_response when the call fails on its own', async () => {
    fake.failNext(1, 'lost_response');
    const err = await rejection(newClient().im.message.reply({ path: { message_id: 'om_missing' }, data: { msg_type: 'text', content: text('x') } }));
    expect(err).toMatchObject({ status: 400, code: 230001 });
    expect(fake.calls.at(-1)!.fault).toBeUndefined();
  });

  it('leaves a card unchanged when its patch fails', async () => {
    const client = newClient();
    const sent = await sendCard(client, 'oc_sales', card('v1'));
    fake.failNext(1, 'frequency_limit');
    await rejection(client.im.message.patch({ path: { message_id: sent.message_id! }, data: { content: card('v2') } }));
    expect(fake.messages.get(sent.message_id!)).toMatchObject({ content: card('v1'), updates: 0 });
  });

  it('does not fault the token endpoint or other APIs by default, but does when a path prefix says so', async () => {
    fake.failNext(1, 'server_error');
    const client = newClient();
    expect((await client.request({ method: 'GET', url: '/open-apis/bot/v3/info' })).code).toBe(0); // not a message endpoint
    expect(fake.calls.map((c) => c.status)).toEqual([200, 200]); // the token call and bot info both passed

    fake.reset();
    fake.failNext(1, 'server_error', '/open-apis/auth/');
    await expect(sendText(newClient(), 'ou_alice', 'x')).rejects.toThrow('status code 500');
  });

  it('after token_expired the old token stays invalid, so a client must drop its cached token and fetch a new one', async () => {
    const cache = new lark.DefaultCache();
    const client = newClient(cache);
    await sendText(client, 'ou_alice', 'before');

    fake.failNext(1, 'token_expired');
    expect(await rejection(sendText(client, 'ou_alice', 'x'))).toMatchObject({ code: 99991663 });
    // The SDK does not refresh on 99991663 by itself: it keeps sending the cached, now invalid token.
    expect(await rejection(sendText(client, 'ou_alice', 'y'))).toMatchObject({ code: 99991663 });

    cache.values.clear();
    await sendText(client, 'ou_alice', 'after');
    const tokenCalls = fake.calls.filter((c) => c.path.endsWith('/tenant_access_token/internal'));
    expect(tokenCalls).toHaveLength(2);
    expect(fake.messagesIn('ou_alice').map((m) => JSON.parse(m.content).text)).toEqual(['before', 'after']);
  });

  it('fails a seeded fraction of message calls, the same way for the same seed', async () => {
    const client = newClient();
    const run = async () => {
      const outcomes: string[] = [];
      for (let i = 0; i < 20; i++) {
        try {
          await sendText(client, 'ou_alice', `m${i}`);
          outcomes.push('ok');
        } catch (err) {
          outcomes.push(String((err as { response?: { status: number } }).response?.status));
        }
      }
      return outcomes;
    };
    fake.setFailureRate(0.5, ['server_error', 'frequency_limit'], 42);
    const first = await run();
    fake.setFailureRate(0.5, ['server_error', 'frequency_limit'], 42);
    const second = await run();

    expect(second).toEqual(first);
    expect(first.filter((o) => o === 'ok').length).toBeGreaterThan(2);
    expect(first.filter((o) => o !== 'ok').length).toBeGreaterThan(2);
    expect(new Set(first)).toEqual(new Set(['ok', '500', '400']));

    fake.setFailureRate(0);
    await sendText(client, 'ou_alice', 'calm');
  });

  it('enforces the per-chat QPS limit with 230020, separately for each chat', async () => {
    const client = newClient();
    fake.setPerChatQps(2);
    await sendCard(client, 'oc_a');
    await sendCard(client, 'oc_a');
    expect(await rejection(sendCard(client, 'oc_a'))).toMatchObject({ status: 400, code: 230020 });
    await sendCard(client, 'oc_b');
    expect(fake.messagesIn('oc_a')).toHaveLength(2);

    await new Promise((resolve) => setTimeout(resolve, 1000));
    await sendCard(client, 'oc_a');
    expect(fake.messagesIn('oc_a')).toHaveLength(3);
  });

  it('delays every request by the configured latency', async () => {
    const client = newClient();
    await sendText(client, 'ou_alice', 'warm up');
    fake.setLatency(150);
    const started = performance.now();
    await sendText(client, 'ou_alice', 'slow');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('delayed card update', () => {
  const update = (client: lark.Client, token: string, title: string) =>
    client.request({ method: 'POST', url: '/open-apis/interactive/v1/card/update', data: { token, card: JSON.parse(card(title)) } });

  it('accepts a callback token twice and then answers 300040', async () => {
    const client = newClient();
    const sent = await sendCard(client, 'oc_sales');
    const token = fake.issueCardToken(sent.message_id!);
    expect(token).toMatch(/^c-/);

    expect(await update(client, token, 'first')).toEqual({ code: 0, msg: 'success' });
    expect(await update(client, token, 'second')).toEqual({ code: 0, msg: 'success' });
    expect(await rejection(update(client, token, 'third'))).toMatchObject({ status: 400, code: 300040 });
    expect(fake.messages.get(sent.message_id!)).toMatchObject({ content: card('second'), updates: 2 });
  });

  it('rejects a token older than 30 minutes with 300030 and an unknown token with 300020', async () => {
    const client = newClient();
    const sent = await sendCard(client, 'oc_sales');
    const token = fake.issueCardToken(sent.message_id!);
    const start = Date.now();
    fake.now = () => start + 31 * 60 * 1000;
    expect(await rejection(update(client, token, 'late'))).toMatchObject({ code: 300030 });
    expect(await rejection(update(client, 'c-unknown', 'x'))).toMatchObject({ code: 300020 });
  });
});

describe('contacts and files', () => {
  it('looks up a known user by open_id or user_id and answers 41050 for unknown users', async () => {
    const client = newClient();
    const res = await client.contact.user.get({ path: { user_id: 'ou_alice' }, params: { user_id_type: 'open_id' } });
    expect(res.data?.user).toMatchObject({ open_id: 'ou_alice', name: '张三', en_name: 'Alice' });
    const byUserId = await client.contact.user.get({ path: { user_id: 'u_alice' }, params: { user_id_type: 'user_id' } });
    expect(byUserId.data?.user?.open_id).toBe('ou_alice');

    fake.addUser({ open_id: 'ou_bob', name: '李四' });
    expect((await client.contact.user.get({ path: { user_id: 'ou_bob' }, params: { user_id_type: 'open_id' } })).data?.user?.name).toBe('李四');

    const err = await rejection(client.contact.user.get({ path: { user_id: 'ou_ghost' }, params: { user_id_type: 'open_id' } }));
    expect(err).toMatchObject({ status: 400, code: 41050 });
  });

  it('stores an uploaded file and accepts a file message that refers to it', async () => {
    const client = newClient();
    const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
    // The SDK unwraps `data` for uploads: it resolves to `{ file_key }`, not the envelope.
    const uploaded = await client.im.file.create({ data: { file_type: 'pdf', file_name: 'Q2 报表.pdf', file: bytes } });
    const fileKey = uploaded!.file_key!;
    expect(fileKey).toMatch(/^file_/);
    expect(fake.files.get(fileKey)).toMatchObject({ file_type: 'pdf', file_name: 'Q2 报表.pdf' });
    expect(fake.files.get(fileKey)!.bytes.equals(bytes)).toBe(true);

    const res = await client.im.message.create({
      params: { receive_id_type: 'open_id' },
      data: { receive_id: 'ou_alice', msg_type: 'file', content: JSON.stringify({ file_key: fileKey }) },
    });
    expect(res.code).toBe(0);

    const unknown = client.im.message.create({
      params: { receive_id_type: 'open_id' },
      data: { receive_id: 'ou_alice', msg_type: 'file', content: JSON.stringify({ file_key: 'file_nope' }) },
    });
    expect(await rejection(unknown)).toMatchObject({ code: 230001 });
  });

  it('accepts an upload from a file stream and records the upload without its bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fake-openapi-'));
    try {
      const path = join(dir, 'report.xls');
      await writeFile(path, Buffer.alloc(2048, 7));
      const uploaded = await newClient().im.file.create({ data: { file_type: 'xls', file_name: 'report.xls', file: createReadStream(path) } });
      expect(fake.files.get(uploaded!.file_key!)!.bytes).toEqual(Buffer.alloc(2048, 7));
      expect(fake.calls.at(-1)!.body).toEqual({
        file_type: 'xls',
        file_name: 'report.xls',
        file: { filename: 'report.xls', type: expect.any(String), size: 2048 },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects an upload with an unknown file_type with 234001', async () => {
    const upload = newClient().im.file.create({ data: { file_type: 'exe' as 'pdf', file_name: 'x.exe', file: Buffer.from('MZ') } });
    expect(await rejection(upload)).toMatchObject({ status: 400, code: 234001 });
    expect(fake.files.size).toBe(0);
  });
});

describe('observing', () => {
  it('tells onMessage listeners about creates, replies, patches and card updates until unsubscribed', async () => {
    const seen: Array<[MessageEventKind, string]> = [];
    const unsubscribe = fake.onMessage((m, kind) => seen.push([kind, m.content]));
    const client = newClient();

    const sent = await sendCard(client, 'oc_sales', card('v1'));
    await client.im.message.reply({ path: { message_id: sent.message_id! }, data: { msg_type: 'text', content: text('ok') } });
    await client.im.message.patch({ path: { message_id: sent.message_id! }, data: { content: card('v2') } });
    await client.request({
      method: 'POST',
      url: '/open-apis/interactive/v1/card/update',
      data: { token: fake.issueCardToken(sent.message_id!), card: JSON.parse(card('v3')) },
    });
    unsubscribe();
    await sendCard(client, 'oc_sales', card('unseen'));

    expect(seen).toEqual([
      ['create', card('v1')],
      ['reply', text('ok')],
      ['patch', card('v2')],
      ['card_update', card('v3')],
    ]);
  });

  it('waitFor resolves with the probe value and rejects with a readable message on timeout', async () => {
    const client = newClient();
    void sendText(client, 'ou_alice', 'eventually');
    const message = await fake.waitFor(() => fake.messagesIn('ou_alice')[0]);
    expect(JSON.parse(message.content)).toEqual({ text: 'eventually' });

    await expect(fake.waitFor(() => fake.messagesIn('oc_nobody').length > 0, 50)).rejects.toThrow(
      /waitFor timed out after 50 ms waiting for: .*oc_nobody[\s\S]*POST \/open-apis\/im\/v1\/messages → 200 code 0/,
    );
  });

  it('records every call with its query, body and outcome', async () => {
    await sendText(newClient(), 'ou_alice', 'hi');
    expect(fake.calls[1]).toMatchObject({
      method: 'POST',
      path: '/open-apis/im/v1/messages',
      query: { receive_id_type: 'open_id' },
      body: { receive_id: 'ou_alice', msg_type: 'text', content: text('hi') },
      status: 200,
      code: 0,
      at: expect.any(Number),
    });
  });

  it('answers unknown routes with 404 and the Feishu envelope', async () => {
    expect(await raw('/open-apis/im/v1/nope', { method: 'POST' })).toMatchObject({ status: 404, body: { code: 404, msg: 'not found' } });
    expect(await raw('/elsewhere')).toMatchObject({ status: 404, body: { code: 404 } });
  });

  it('reset() clears messages, calls and faults but keeps users and the issued token', async () => {
    const client = newClient();
    await sendText(client, 'ou_alice', 'x');
    fake.failNext(5, 'server_error');
    fake.reset();
    expect(fake.messages.size).toBe(0);
    expect(fake.calls).toHaveLength(0);
    expect(fake.users.has('ou_alice')).toBe(true);
    await sendText(client, 'ou_alice', 'y'); // cached token still valid, no fault left
    expect(fake.calls.map((c) => c.path)).toEqual(['/open-apis/im/v1/messages']);
  });
});

describe('createFakeOpenApi', () => {
  it('mounts the same routes on an existing Hono app', async () => {
    const { app, state } = createFakeOpenApi({ appId: 'cli_local', appSecret: 's3cret', botName: 'Local Bot' });
    const main = new Hono();
    main.get('/health', (c) => c.text('ok'));
    main.route('/', app);

    const tokenRes = await main.request('/open-apis/auth/v3/tenant_access_token/internal', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: 'cli_local', app_secret: 's3cret' }),
    });
    const { tenant_access_token } = (await tokenRes.json()) as { tenant_access_token: string };
    const sent: FakeMessage[] = [];
    state.onMessage((m) => sent.push(m));
    const res = await main.request('/open-apis/im/v1/messages?receive_id_type=chat_id', {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant_access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ receive_id: 'oc_demo', msg_type: 'text', content: text('hello') }),
    });
    expect(res.status).toBe(200);
    expect(sent).toHaveLength(1);
    expect(state.messagesIn('oc_demo')).toHaveLength(1);
    expect(await (await main.request('/health')).text()).toBe('ok');
    expect((await main.request('/open-apis/unknown')).status).toBe(404);
    expect(state.calls.map((c) => c.status)).toEqual([200, 200, 404]);
  });
});
