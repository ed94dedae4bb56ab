/**
 * src/worker.ts in Node (the same module workerd runs; test/http/scale-out.test.ts runs the bundle in
 * workerd itself): one runtime serves concurrent invocations, and each invocation keeps alive the
 * background work it started.
 * - A message event and a health check arrive together: the bot's reply is kept alive by the message's
 *   ctx.waitUntil, and the health check's ctx is handed nothing (before the fix, a module-level "current
 *   context" gave the message's work to whichever request had come in last).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/worker';
import { startFakeOpenApi, type FakeOpenApi } from '../../src/local/fake-openapi';
import { messageEvent, signedRequest } from '../../src/local/feishu-events';
import { PEOPLE, SECRETS, webhookEnv } from '../fakes/harness';

let fake: FakeOpenApi;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  fake = await startFakeOpenApi({ appId: SECRETS.appId, appSecret: SECRETS.appSecret, botOpenId: 'ou_bot' });
  dir = mkdtempSync(join(tmpdir(), 'salesdesk-worker-'));
  env = { ...webhookEnv(`file:${join(dir, 'worker.db')}`, fake.url), FEISHU_MODE: 'webhook' };
  // Warm the isolate's runtime (migrations, bot identity) so the two requests below meet a ready runtime.
  const warm = collector();
  expect((await worker.fetch(new Request('http://worker/healthz'), env, warm.ctx)).status).toBe(200);
  await warm.settle();
});
afterAll(async () => {
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A Workers ExecutionContext that records what it is asked to keep alive. */
function collector() {
  const kept: Array<Promise<unknown>> = [];
  return {
    kept,
    ctx: { waitUntil: (p: Promise<unknown>) => void kept.push(p) },
    /** Awaits everything handed to waitUntil, including work those promises hand on. */
    async settle() {
      for (let seen = 0; seen < kept.length; ) {
        const batch = kept.slice(seen);
        seen = kept.length;
        await Promise.all(batch);
      }
    },
  };
}

describe('the Worker entry', () => {
  it('keeps a message’s reply alive with that request’s ctx, not with a request that arrived after it', async () => {
    const msg = fake.addIncomingMessage({ chat_id: `oc_p2p_${PEOPLE.li.openId}`, sender_open_id: PEOPLE.li.openId, content: JSON.stringify({ text: '/帮助' }) });
    const { body, headers } = signedRequest(SECRETS, messageEvent(SECRETS, PEOPLE.li, '/帮助', { chatId: msg.chat_id, chatType: 'p2p', messageId: msg.message_id }));
    const message = collector();
    const health = collector();

    // Both invocations are in flight at once: the health check starts while the event is still being inboxed.
    const [acked, healthy] = await Promise.all([
      worker.fetch(new Request('http://worker/feishu/events', { method: 'POST', headers, body }), env, message.ctx),
      worker.fetch(new Request('http://worker/healthz'), env, health.ctx),
    ]);
    expect(acked.status).toBe(200);
    expect(healthy.status).toBe(200);

    expect(health.kept).toHaveLength(0);
    expect(message.kept.length).toBeGreaterThan(0);
    await message.settle();
    const replies = [...fake.messages.values()].filter((m) => m.parent_id === msg.message_id);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.content).toContain('帮助');
  });
});
