/**
 * Long-connection mode (FEISHU_MODE=ws): the SDK's WSClient hands each event frame to
 * `EventDispatcher.invoke(payload, { needCheck: false })`. These tests drive that exact call on
 * the real SDK dispatcher we build, so a message reaches the same inbox and gets its reply, and a
 * card click's answer is what the socket would ack. (The socket itself — Feishu's protobuf frames —
 * is not exercised here: there is no Feishu to connect to.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher, envelopeFromFlat } from '../../src/platform/feishu/long-connection';
import { cardActionEvent, messageEvent } from '../../src/local/feishu-events';
import { PEOPLE, SECRETS, startHarness, type Harness } from '../fakes/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ FEISHU_MODE: 'webhook' });
});
afterAll(() => h.close());

describe('long connection', () => {
  it('rebuilds the schema 2.0 envelope from the SDK-flattened event', () => {
    const ev = messageEvent(SECRETS, PEOPLE.li, '/帮助', { chatId: 'oc_x', chatType: 'p2p' });
    const flat = { schema: ev.schema, ...ev.header, ...ev.event };
    expect(envelopeFromFlat(flat)).toEqual(ev);
  });

  it('feeds a message from the dispatcher into the inbox and replies once, even when delivered twice', async () => {
    const dispatcher = createDispatcher(h.server.runtime.ingest, h.server.runtime.services.clock);
    const msg = h.fake.addIncomingMessage({ chat_id: 'oc_p2p_ou_li', sender_open_id: PEOPLE.li.openId, content: '{"text":"/我"}' });
    const ev = messageEvent(SECRETS, PEOPLE.li, '/我', { chatId: 'oc_p2p_ou_li', chatType: 'p2p', messageId: msg.message_id });
    await dispatcher.invoke(structuredClone(ev), { needCheck: false });
    await dispatcher.invoke(structuredClone(ev), { needCheck: false });
    await h.settle();
    expect(h.repliesTo(msg.message_id)).toHaveLength(1);
  });

  it('answers a card action through the dispatcher with the callback body', async () => {
    const dispatcher = createDispatcher(h.server.runtime.ingest, h.server.runtime.services.clock);
    const ev = cardActionEvent(SECRETS, PEOPLE.li, { value: { action: 'no.such.action' } });
    const answer = (await dispatcher.invoke(ev, { needCheck: false })) as { toast?: { content: string } };
    expect(answer.toast?.content).toContain('失效');
  });
});
