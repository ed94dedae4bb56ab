/**
 * Nothing lost, nothing doubled when the Open API misbehaves:
 * - a concurrent burst of 200 commands (half of them creating customers) while the fake Open API
 *   fails 30 % of message calls with HTTP 500, HTTP 429 + 99991400, 230020, or takes the call and
 *   then loses the answer (the message IS posted, the caller sees a 500): every command gets
 *   exactly one reply — the retries of lost answers are deduplicated by Feishu's `uuid` — and
 *   every customer exists once;
 * - an expired tenant token is refreshed and the message still goes out once;
 * - a reply that keeps failing ends up dead and visible in /系统 状态, never silently dropped.
 * (The crash test is in crash.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq, sum } from 'drizzle-orm';
import { outboxMessages } from '../../src/platform/db/core.schema';
import { customers } from '../../src/modules/customers';
import type { Fault } from '../../src/local/fake-openapi';
import { messageEvent } from '../../src/local/feishu-events';
import { GROUP, PEOPLE, SECRETS, startHarness, type Harness, type Person } from '../fakes/harness';
import { distinctNames } from './reliability-helpers';

const MESSAGE_CALL = /^\/open-apis\/(im\/v1\/messages|interactive\/v1\/card\/update|im\/v1\/files)/;

/**
 * 12 attempts: with every call failing at random 30 % of the time, one of 200 replies runs out of
 * attempts about once in 10,000 runs (0.3¹² × 200), not once in 80 as with the default 8; a 1 ms
 * backoff base keeps the 11 waits of a dead letter near 2 s in all.
 */
const MAX_ATTEMPTS = 12;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { maxAttempts: MAX_ATTEMPTS, retryBaseMs: 1 });
});
afterAll(() => h.close());

describe('a burst of commands while the Open API fails 30 % of calls', () => {
  it('delivers every one of 200 concurrent replies exactly once, lost answers included', async () => {
    const sellers: Person[] = [PEOPLE.li, PEOPLE.zhang, ...Array.from({ length: 8 }, (_, i) => ({ openId: `ou_burst_${i}`, name: `业务${i}` }))];
    const names = distinctNames(100, 200);
    const faults: Fault[] = ['server_error', 'rate_limit', 'frequency_limit', 'lost_response'];
    const cmds = Array.from({ length: 200 }, (_, i) => {
      const from = sellers[i % sellers.length]!;
      const chat = i % 5 === 0 ? 'group' : 'p2p';
      return { from, chat, text: i % 2 === 0 ? `/客户 新建 ${names[i / 2]}` : '/我' } as const;
    });
    const events = cmds.map((c) => {
      const chatId = c.chat === 'group' ? GROUP : `oc_p2p_${c.from.openId}`;
      const msg = h.fake.addIncomingMessage({ chat_id: chatId, sender_open_id: c.from.openId, content: JSON.stringify({ text: c.text }) });
      return { ...c, messageId: msg.message_id, chatId };
    });

    h.fake.setFailureRate(0.3, faults, 20261204);
    const statuses = await Promise.all(
      events.map((e) =>
        h
          .post(
            messageEvent(SECRETS, e.from, e.text, {
              chatId: e.chatId,
              chatType: e.chat,
              messageId: e.messageId,
              mentions: e.chat === 'group' ? [{ openId: h.fake.bot.open_id, name: '业务部助手', isBot: true }] : [],
            }),
          )
          .then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    await h.fake.waitFor(async () => {
      await h.settle();
      return events.every((e) => h.repliesTo(e.messageId).length >= 1);
    }, 60_000);
    h.fake.setFailureRate(0);
    await h.settle();

    for (const e of events) {
      const replies = h.repliesTo(e.messageId);
      expect(replies, `replies to ${e.text}`).toHaveLength(1);
      expect(h.textOf(replies[0])).not.toContain('出错了');
    }
    for (const name of names) {
      const rows = await h.db.select({ n: count() }).from(customers).where(eq(customers.name, name));
      expect(rows[0]!.n, name).toBe(1);
    }
    const unsent = await h.db.select({ status: outboxMessages.status }).from(outboxMessages).where(eq(outboxMessages.status, 'dead'));
    expect(unsent).toEqual([]);

    const calls = h.fake.calls.filter((c) => MESSAGE_CALL.test(c.path));
    const injected = Object.fromEntries(faults.map((f) => [f, calls.filter((c) => c.fault === f).length])) as Record<Fault, number>;
    for (const f of faults) expect(injected[f], `${f} injected`).toBeGreaterThan(0);
    // Each lost answer was retried with the same uuid, and Feishu returned the message already posted.
    const lostUuids = new Set(calls.filter((c) => c.fault === 'lost_response').map((c) => (c.body as { uuid?: string }).uuid));
    const resentAfterLoss = calls.filter((c) => c.status === 200 && lostUuids.has((c.body as { uuid?: string }).uuid)).length;
    expect(resentAfterLoss).toBe(lostUuids.size);
    const [{ retries }] = (await h.db.select({ retries: sum(outboxMessages.attempts) }).from(outboxMessages)) as [{ retries: string | null }];
    const faulted = calls.filter((c) => c.fault).length;
    console.info(
      `[faults] 200 commands (100 /客户 新建, 100 /我; 40 in a group), ${calls.length} message calls, ${faulted} faults injected ` +
        `(${faults.map((f) => `${f} ${injected[f]}`).join(', ')}), ${Number(retries)} retries, ` +
        `${resentAfterLoss} re-sends after a lost answer returned the original message; replies 200, doubled 0, lost 0, dead 0`,
    );
  }, 120_000);
});

describe('tokens and dead letters', () => {
  it('refreshes an expired tenant token and sends once', async () => {
    h.fake.expireTokens();
    const { messageId } = await h.say(PEOPLE.li, '/我');
    expect(h.repliesTo(messageId)).toHaveLength(1);
    expect(h.fake.calls.some((c) => c.code === 99991663)).toBe(true);
  });

  it('marks a reply dead after its last attempt and shows it to admins', async () => {
    h.fake.failNext(MAX_ATTEMPTS, 'server_error');
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
