/**
 * The database refusing the inbox write (here: its table renamed away under the running server)
 * is not a silent failure:
 * - Feishu gets a 500 with a JSON body, so it delivers the event again, and nothing is half-done;
 * - the failure is logged as a structured error line with the route;
 * - the server stays healthy, and once the database is back Feishu's redelivery of the same event
 *   is acked and answered exactly once.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { messageEvent } from '../../src/local/feishu-events';
import { PEOPLE, SECRETS, startHarness, type Harness } from '../fakes/harness';

let h: Harness;
const lines: string[] = [];
beforeAll(async () => {
  h = await startHarness({ LOG_LEVEL: 'error' });
  // The server's log lines (JSON, one per line), kept instead of printed.
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter((l) => l.startsWith('{')));
    return true;
  });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await h.close();
});

describe('the database refuses the inbox write', () => {
  it('answers 500 and logs it; the redelivered event is answered once when the database is back', async () => {
    await h.setRole(PEOPLE.li, 'sales');
    expect(await h.ask(PEOPLE.li, '/我')).toContain('业务员');
    const { client } = h.server.runtime.services.database;
    const msg = h.fake.addIncomingMessage({ chat_id: `oc_p2p_${PEOPLE.li.openId}`, sender_open_id: PEOPLE.li.openId, content: JSON.stringify({ text: '/我' }) });
    const event = messageEvent(SECRETS, PEOPLE.li, '/我', { chatId: `oc_p2p_${PEOPLE.li.openId}`, chatType: 'p2p', messageId: msg.message_id });

    await client.execute('ALTER TABLE inbox_events RENAME TO inbox_events_away');
    let res: Response;
    try {
      res = await h.post(event);
    } finally {
      await client.execute('ALTER TABLE inbox_events_away RENAME TO inbox_events');
    }
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'internal error' });
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'request failed');
    expect(logged).toMatchObject({ level: 'error', method: 'POST', path: '/feishu/events' });
    expect(String(logged?.err)).toContain('inbox_events');
    expect((await fetch(`${h.server.url}/healthz`)).status).toBe(200);
    expect(h.repliesTo(msg.message_id)).toEqual([]);

    // Feishu delivers it again (same event id): acked, answered once.
    expect((await h.post(event)).status).toBe(200);
    await h.settle();
    expect(h.repliesTo(msg.message_id)).toHaveLength(1);
  });
});
