/**
 * Several instances on one database never run one event twice:
 * - two runtimes share one database file and drain the same inbox at once, one's clock ahead of
 *   the other's by more than the (short) lease, so the row one is working on looks abandoned to
 *   the other, which takes it over: each of 40
 *   `/客户 新建` commands still creates one customer and gets one reply — the run that lost its
 *   row rolls back (a `claim_lost` log line) instead of answering "已存在" a second time;
 * - a run whose row was taken over while it worked (its lease ran out) rolls back: only the new
 *   holder's effect is committed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { createClient } from '@libsql/client';
import { parseConfig } from '../../src/config';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/deps';
import { startFakeOpenApi, type FakeOpenApi } from '../../src/local/fake-openapi';
import { messageEvent } from '../../src/local/feishu-events';
import { openDatabase, type Database } from '../../src/platform/db/client';
import { auditLog, inboxEvents } from '../../src/platform/db/core.schema';
import { writeTransaction } from '../../src/platform/db/write-lock';
import { InboxProcessor, InboxWriter, type InboxHandler } from '../../src/platform/feishu/inbox';
import { createLogger } from '../../src/platform/logger';
import { SECRETS, webhookEnv } from '../fakes/harness';
import { customersNamed, distinctNames, halfWritten } from './reliability-helpers';

let fake: FakeOpenApi;
const dirs: string[] = [];
const runtimes: Runtime[] = [];
beforeAll(async () => {
  fake = await startFakeOpenApi({ appId: SECRETS.appId, appSecret: SECRETS.appSecret, botOpenId: 'ou_bot' });
});
afterAll(async () => {
  for (const rt of runtimes) await rt.close().catch(() => undefined);
  await fake.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh database file and a way to start runtimes ("instances") on it, each with its own log. */
function sharedDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'salesdesk-claims-'));
  dirs.push(dir);
  const config = parseConfig({ ...webhookEnv(`file:${join(dir, 'shared.db')}`, fake.url), LOG_LEVEL: 'warn' });
  const lines: string[] = [];
  async function instance(name: string, opts: RuntimeOptions = {}): Promise<Runtime> {
    const rt = await createRuntime(config, {
      processing: 'inline',
      outbox: { retryBaseMs: 5, perChatPerSecond: 1000 },
      log: createLogger('warn', { instance: name }, (l) => lines.push(l)),
      ...opts,
    });
    runtimes.push(rt);
    return rt;
  }
  /** What an instance's webhook route commits before its 200 (the same rows, through the same writer). */
  async function ackOnly(events: Array<ReturnType<typeof messageEvent>>): Promise<void> {
    const client = createClient({ url: config.DATABASE_URL });
    const writer = new InboxWriter((sql, args) => client.execute({ sql, args }).then(() => undefined));
    await Promise.all(
      events.map((e) =>
        writer.write({ eventId: e.header.event_id, eventType: e.header.event_type, dedupeKey: `msg:${(e.event.message as { message_id: string }).message_id}`, payload: JSON.stringify(e), receivedAt: new Date() }),
      ),
    );
    client.close();
  }
  const claimsLost = () => lines.filter((l) => l.includes('"outcome":"claim_lost"')).length;
  return { instance, ackOnly, claimsLost, lines };
}

/** `n` `/客户 新建` commands, each from its own salesperson in a p2p chat (so ordering cannot serialise them). */
function commands(names: string[]) {
  return names.map((name, i) => {
    const openId = `ou_claim_${i}`;
    const chatId = `oc_p2p_${openId}`;
    const msg = fake.addIncomingMessage({ chat_id: chatId, sender_open_id: openId, content: '{}' });
    return { name, messageId: msg.message_id, event: messageEvent(SECRETS, { openId }, `/客户 新建 ${name}`, { chatId, chatType: 'p2p', messageId: msg.message_id }) };
  });
}

const repliesTo = (messageId: string) => [...fake.messages.values()].filter((m) => m.parent_id === messageId);

async function expectEachOnce(rt: Runtime, cmds: ReturnType<typeof commands>) {
  const db = rt.services.database.db;
  for (const c of cmds) {
    expect(await customersNamed(db, c.name), c.name).toBe(1);
    const replies = repliesTo(c.messageId);
    expect(replies, `replies to /客户 新建 ${c.name}`).toHaveLength(1);
    expect(replies[0]!.content).toContain('已新建客户');
  }
  // A second run would have been refused as a duplicate, and that refusal audited.
  expect(await db.select().from(auditLog).where(and(eq(auditLog.action, 'refusal'), eq(auditLog.outcome, 'refused')))).toEqual([]);
  expect(await halfWritten(db)).toEqual([]);
}

describe('two instances on one database file', () => {
  it('runs each of 40 events once while both drain the inbox and every claim of one looks expired to the other', async () => {
    const shared = sharedDatabase();
    // A short lease, and b's clock ahead of a's by more than it: to b, every row a is working on
    // looks abandoned (as after a pause longer than the lease), so b takes it over.
    const lease = 1000;
    const a = await shared.instance('a', { inboxLeaseMs: lease });
    const b = await shared.instance('b', { inboxLeaseMs: lease, clock: { now: () => new Date(Date.now() + 5 * lease) } });
    const cmds = commands(distinctNames(40, 11));
    // Acked into the inbox by a third instance that only answers webhooks: a and b start together.
    await shared.ackOnly(cmds.map((c) => c.event));
    await Promise.all([a.drain(), b.drain()]);
    await Promise.all([a.drain(), b.drain()]);

    await expectEachOnce(a, cmds);
    console.info(`[inbox claims] 40 events, two instances: ${shared.claimsLost()} runs rolled back after their row was taken over, 0 doubled`);
  });

  it('rolls back a run whose row was taken over while it worked: only the new holder\'s effect is committed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'salesdesk-claims-'));
    dirs.push(dir);
    const url = `file:${join(dir, 'shared.db')}`;
    const [dbA, dbB] = [await openDatabase(url), await openDatabase(url)];
    const lines: string[] = [];
    const log = createLogger('warn', {}, (l) => lines.push(l));
    /** The effect of handling an event, and "done", in one transaction — as the bot's handler does. */
    const effect = (database: Database, who: string): InboxHandler => async (row, finish) => {
      await writeTransaction(database.db, async (tx) => {
        await tx.insert(auditLog).values({ at: new Date(), actor: who, action: 'test.effect', subjectId: row.eventId });
        await finish(tx, { status: 'done', processedAt: new Date() });
      });
    };
    // b's clock is an hour ahead: a's 60 s claim has long run out as far as b can tell.
    const b = new InboxProcessor(dbB, { now: () => new Date(Date.now() + 3_600_000) }, log, effect(dbB, 'b'));
    const a = new InboxProcessor(dbA, { now: () => new Date() }, log, async (row, finish) => {
      await b.kick(); // a stalls mid-event; meanwhile b takes the row over and handles it
      await effect(dbA, 'a')(row, finish);
    });
    const writer = new InboxWriter((sql, args) => dbA.client.execute({ sql, args }).then(() => undefined));
    await writer.write({ eventId: 'ev_taken_over', eventType: 'im.message.receive_v1', dedupeKey: null, payload: '{}', receivedAt: new Date() });

    await a.kick();
    const effects = await dbA.db.select().from(auditLog).where(eq(auditLog.action, 'test.effect'));
    expect(effects.map((e) => e.actor)).toEqual(['b']);
    const [row] = await dbA.db.select().from(inboxEvents).where(eq(inboxEvents.eventId, 'ev_taken_over'));
    expect(row).toMatchObject({ status: 'done', claimedBy: b.instanceId });
    expect(lines.filter((l) => l.includes('"outcome":"claim_lost"'))).toHaveLength(1);
    dbA.close();
    dbB.close();
  });
});
