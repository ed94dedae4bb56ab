/**
 * Bad input never goes unanswered and never breaks the server:
 * - thousands of random command lines (Chinese, full-width, emoji, quotes, very long, injection
 *   attempts) all parse to an answer — a command, a usage reply or "unknown" — without throwing;
 * - a few hundred of them sent as real events each get exactly one reply, with no 5xx;
 * - random and oversized request bodies get a 4xx and the server stays healthy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { count } from 'drizzle-orm';
import { users } from '../../src/platform/db/core.schema';
import { PEOPLE, startHarness, type Harness } from '../fakes/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const nasty = [
  "'; DROP TABLE users; --",
  '__proto__=1',
  'constructor=x',
  '${card}',
  '<at user_id="ou_admin"></at>',
  '"未闭合的引号',
  '＝＝＝',
  '，，，',
  '🧧💰📦',
  '\u0000\u202e',
  '１２，５００',
  '1e309',
  '-5',
  'x'.repeat(5000),
];

/** Random command lines: a known or misspelt command word, then a mix of words, fields and junk. */
function commandLines(words: string[]) {
  const token = fc.oneof(
    fc.constantFrom(...nasty),
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'grapheme', maxLength: 8 }),
    fc.tuple(fc.constantFrom('客户', '数量', '金额', '交期', 'qty', 'due', '等级'), fc.constantFrom('=', '＝', '：'), fc.string({ maxLength: 10 })).map(([k, s, v]) => k + s + v),
  );
  return fc
    .tuple(fc.constantFrom(...words, '订蛋', 'helpp', ''), fc.array(token, { maxLength: 6 }), fc.constantFrom(' ', '\u3000', '  '))
    .map(([w, rest, sep]) => `/${w}${sep}${rest.join(sep)}`);
}

describe('bad input', () => {
  it('parses thousands of random command lines into an answer without throwing', () => {
    const registry = h.server.runtime.bot.commands;
    const words = [...new Set(registry.defs.flatMap((d) => [d.path.join(' '), ...(d.aliases ?? []).map((a) => a.join(' '))]))];
    let tried = 0;
    fc.assert(
      fc.property(commandLines(words), (line) => {
        tried++;
        // Throwing fails the property; every outcome is something the bot turns into a reply.
        const outcome = registry.parse(line);
        expect(outcome.ok || ['not_command', 'unknown', 'bad_args'].includes(outcome.kind)).toBe(true);
      }),
      { numRuns: 5000, seed: 20261203 },
    );
    expect(tried).toBe(5000);
  });

  it('answers each of 200 random command lines sent as events exactly once, with no 5xx', async () => {
    const registry = h.server.runtime.bot.commands;
    const words = [...new Set(registry.defs.flatMap((d) => d.path.join(' ')))];
    const lines = fc.sample(commandLines(words), { numRuns: 200, seed: 42 });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (const line of lines) {
        const { messageId } = await h.say(PEOPLE.zhang, line);
        const replies = h.repliesTo(messageId);
        expect(replies, `no single reply to ${JSON.stringify(line)}`).toHaveLength(1);
      }
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(h.fake.calls.filter((c) => c.status >= 500)).toEqual([]);
    // Injection attempts changed nothing: the users table is still there, with its rows.
    expect((await h.db.select({ n: count() }).from(users))[0]!.n).toBeGreaterThan(0);
  }, 120_000);

  it('answers random and oversized bodies with 4xx and stays healthy', async () => {
    const bodies = fc.sample(fc.oneof(fc.string(), fc.json(), fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1'))), { numRuns: 300, seed: 7 });
    for (const body of bodies) {
      const res = await fetch(h.server.url + '/feishu/events', { method: 'POST', body });
      expect(res.status, `status for ${JSON.stringify(body).slice(0, 80)}`).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    const huge = await fetch(h.server.url + '/feishu/events', { method: 'POST', body: '{"a":"' + 'x'.repeat(600 * 1024) + '"}' });
    expect(huge.status).toBe(413);
    expect((await fetch(h.server.url + '/healthz')).status).toBe(200);
  });
});
