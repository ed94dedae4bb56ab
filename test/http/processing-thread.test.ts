/**
 * The processing thread dying does not lose or double anything, and does not hold up the acks:
 * it throws an uncaught error (as a bug would) in the middle of a burst of acknowledged
 * commands, and
 * - every event of the burst is still acknowledged with 200;
 * - a new thread takes over and answers every command exactly once; every customer exists once;
 *   no inbox row is left unprocessed.
 * The inbox writer thread dying does not leave the next acks hanging: they start a new one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, inArray, ne } from 'drizzle-orm';
import { inboxEvents } from '../../src/platform/db/core.schema';
import { customers } from '../../src/modules/customers';
import { messageEvent } from '../../src/local/feishu-events';
import { PEOPLE, SECRETS, startHarness, type Harness } from '../fakes/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('the processing thread crashes in the middle of a burst', () => {
  it('keeps acking, then answers every acknowledged command exactly once from a new thread', async () => {
    const thread = h.server.runtime.processingThread;
    expect(thread).toBeDefined();
    await h.setRole(PEOPLE.li, 'sales');
    expect(await h.ask(PEOPLE.li, '/我')).toContain('业务员');

    const names = Array.from({ length: 60 }, (_, i) => `线程测试客户${String.fromCharCode(0x4e00 + i * 7)}${i}号`);
    const sent = names.map((name) => {
      const msg = h.fake.addIncomingMessage({ chat_id: `oc_p2p_${PEOPLE.li.openId}`, sender_open_id: PEOPLE.li.openId, content: JSON.stringify({ text: `/客户 新建 ${name} 强制` }) });
      return { name, messageId: msg.message_id };
    });
    const post = (s: (typeof sent)[number]) =>
      h.post(messageEvent(SECRETS, PEOPLE.li, `/客户 新建 ${s.name} 强制`, { chatId: `oc_p2p_${PEOPLE.li.openId}`, chatType: 'p2p', messageId: s.messageId })).then((r) => r.status);

    const first = await Promise.all(sent.slice(0, 30).map(post));
    const crashed = thread!.simulateCrash(); // while those 30 are being processed
    const answeredAtCrash = sent.filter((s) => h.repliesTo(s.messageId).length > 0).length;
    expect(answeredAtCrash).toBeLessThan(30); // the crash lands in the middle of the work
    const second = await Promise.all(sent.slice(30).map(post));
    await crashed;
    expect([...first, ...second]).toEqual(sent.map(() => 200));

    await h.settle(); // waits for the replacement thread, then for it to finish everything
    const unanswered = sent.filter((s) => h.repliesTo(s.messageId).length !== 1);
    expect(unanswered).toEqual([]);
    const [made] = await h.db.select({ n: count() }).from(customers).where(inArray(customers.name, names));
    expect(made?.n).toBe(names.length);
    const [open] = await h.db.select({ n: count() }).from(inboxEvents).where(ne(inboxEvents.status, 'done'));
    expect(open?.n).toBe(0);
    expect(await h.ask(PEOPLE.li, '/我')).toContain('业务员'); // and the new thread takes new work
  });
});

describe('the inbox writer thread crashes', () => {
  it('starts a new one for the next events, which are acked and answered once each', async () => {
    await h.setRole(PEOPLE.li, 'sales');
    expect(await h.ask(PEOPLE.li, '/我')).toContain('业务员'); // the writer thread exists now
    const writer = h.server.runtime.inboxWriterThread();
    expect(writer).toBeDefined();
    await writer!.simulateCrash();
    expect(writer!.stopped).toBe(true);

    const sent = Array.from({ length: 10 }, (_, i) => {
      const text = `/客户 新建 写线程客户${String.fromCharCode(0x4e00 + i * 11)}${i}号 强制`;
      const msg = h.fake.addIncomingMessage({ chat_id: `oc_p2p_${PEOPLE.li.openId}`, sender_open_id: PEOPLE.li.openId, content: JSON.stringify({ text }) });
      return { text, messageId: msg.message_id };
    });
    const statuses = await Promise.all(
      sent.map((s) => h.post(messageEvent(SECRETS, PEOPLE.li, s.text, { chatId: `oc_p2p_${PEOPLE.li.openId}`, chatType: 'p2p', messageId: s.messageId })).then((r) => r.status)),
    );
    expect(statuses).toEqual(sent.map(() => 200));
    expect(h.server.runtime.inboxWriterThread()).not.toBe(writer);
    await h.settle();
    expect(sent.filter((s) => h.repliesTo(s.messageId).length !== 1)).toEqual([]);
  });
});
