/**
 * Bad input never goes unanswered and never breaks the server:
 * - thousands of random command lines (Chinese, full-width, emoji, quotes, very long, injection
 *   attempts) all parse to an answer — a command, a usage reply or "unknown" — without throwing;
 * - a few hundred of them sent as real events by four roles (sales, supervisor, finance, admin),
 *   with Chinese and English command names, each get exactly one reply — never the "出错了" of a
 *   crashed handler — the server answers every request 200 (no 5xx), no event is marked failed
 *   and no promise rejection goes unhandled;
 * - random and oversized request bodies get a 4xx (413 for the large ones, with or without a
 *   Content-Length), nothing is written, and the server stays healthy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { request } from 'node:http';
import { count, eq } from 'drizzle-orm';
import { inboxEvents, users } from '../../src/platform/db/core.schema';
import { messageEvent } from '../../src/local/feishu-events';
import { PEOPLE, SECRETS, startHarness, type Harness } from '../fakes/harness';

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

/** POSTs `chunks` × `size` bytes of JSON with chunked transfer encoding (no Content-Length); resolves with the status. */
function postChunked(url: string, size: number, chunks: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    // The server may answer 413 and close while we are still writing: that error comes after the answer.
    req.on('error', reject);
    const parts = ['{"a":"', ...Array.from({ length: chunks }, () => 'x'.repeat(size)), '"}'];
    let i = 0;
    const write = (): void => {
      while (i < parts.length) {
        if (req.destroyed) return;
        if (!req.write(parts[i++]!)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

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

  it('answers each of 240 random command lines from four roles, Chinese and English names, exactly once and never with a crash', async () => {
    const registry = h.server.runtime.bot.commands;
    const words = [...new Set(registry.defs.flatMap((d) => [d.path.join(' '), ...(d.aliases ?? []).map((a) => a.join(' '))]))];
    const lines = fc.sample(commandLines(words), { numRuns: 240, seed: 42 });
    // Roles see different commands (and refusals): a salesperson, a supervisor, finance, an admin.
    await h.setRole(PEOPLE.boss, 'supervisor');
    await h.setRole(PEOPLE.finance, 'finance');
    const senders = [PEOPLE.zhang, PEOPLE.boss, PEOPLE.finance, PEOPLE.admin];
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const sent: Array<{ line: string; from: string; messageId: string; status: number }> = [];
    try {
      // In waves of 40 at once, like a busy department; every status is the server's own answer.
      for (let i = 0; i < lines.length; i += 40) {
        const wave = lines.slice(i, i + 40).map((line, j) => {
          const from = senders[(i + j) % senders.length]!;
          const msg = h.fake.addIncomingMessage({ chat_id: `oc_p2p_${from.openId}`, sender_open_id: from.openId, content: JSON.stringify({ text: line }) });
          const event = messageEvent(SECRETS, from, line, { chatId: `oc_p2p_${from.openId}`, chatType: 'p2p', messageId: msg.message_id });
          return h.post(event).then((res) => sent.push({ line, from: from.name, messageId: msg.message_id, status: res.status }));
        });
        await Promise.all(wave);
        await h.settle();
      }
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(sent.filter((s) => s.status !== 200)).toEqual([]);
    for (const s of sent) {
      const replies = h.repliesTo(s.messageId);
      expect(replies, `no single reply to ${JSON.stringify(s.line)} from ${s.from}`).toHaveLength(1);
      // "出错了（编号 …）" is the bug boundary talking: a reply, but a crash all the same.
      expect(h.textOf(replies[0]), `crash reply to ${JSON.stringify(s.line)} from ${s.from}`).not.toContain('出错了');
    }
    expect(unhandled).toEqual([]);
    // Handlers run on the processing thread, whose errors are logged, not thrown here: an event a
    // handler threw on is marked failed in the inbox. None is, and none is left unprocessed.
    const byStatus = await h.db.select({ status: inboxEvents.status, n: count() }).from(inboxEvents).where(eq(inboxEvents.eventType, 'im.message.receive_v1')).groupBy(inboxEvents.status);
    expect(byStatus).toEqual([{ status: 'done', n: sent.length }]);
    // Injection attempts changed nothing: the users table is still there, with its rows.
    expect((await h.db.select({ n: count() }).from(users))[0]!.n).toBeGreaterThan(0);
    console.info(`[bad input] ${sent.length} random command lines over HTTP from 4 roles (${words.length} command names incl. English aliases): ${sent.length} answered once, 0 crash replies, 0 × 5xx, 0 failed events, 0 unhandled rejections`);
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
    const inboxBefore = (await h.db.select({ n: count() }).from(inboxEvents))[0]!.n;
    // No Content-Length: the body streams in chunks and is cut off once it passes the limit.
    expect(await postChunked(h.server.url + '/feishu/events', 64 * 1024, 40)).toBe(413); // 2.5 MiB
    expect(await postChunked(h.server.url + '/feishu/cards', 64 * 1024, 40)).toBe(413);
    expect((await fetch(h.server.url + '/healthz')).status).toBe(200);
    expect((await h.db.select({ n: count() }).from(inboxEvents))[0]!.n).toBe(inboxBefore);
    // …and a small chunked body is still read and judged (here: not signed, so 401).
    expect(await postChunked(h.server.url + '/feishu/events', 16, 2)).toBe(401);
  });
});
