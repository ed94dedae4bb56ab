/**
 * A crash in the middle of a burst loses nothing and half-writes nothing:
 * - a server child process receives a stream of `/客户 新建` commands (encrypted, signed, 30 at a
 *   time) and is `kill -9`ed while requests are still in flight, with its Open API calls slow so
 *   that acknowledged events are still queued when it dies;
 * - restarted on the same database, it answers every acknowledged command exactly once and
 *   creates exactly one customer for it;
 * - a command that was in flight (no 200 seen) either happened completely — customer, audit row,
 *   one reply — or not at all; no customer lacks its audit row, no reply lacks its event, nothing
 *   is left pending or claimed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { count, ne } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/libsql';
import { outboxMessages } from '../../src/platform/db/core.schema';
import { startFakeOpenApi } from '../../src/local/fake-openapi';
import { messageEvent, signedRequest } from '../../src/local/feishu-events';
import { SECRETS, webhookEnv } from '../fakes/harness';
import { customersNamed, distinctNames, halfWritten } from './reliability-helpers';

const dir = mkdtempSync(join(tmpdir(), 'salesdesk-crash-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `src/server.ts` as its own process; resolves with its URL once it listens. */
function startChild(env: Record<string, string>): Promise<{ proc: ChildProcess; url: string; exited: Promise<unknown> }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(proc);
    const exited = new Promise((r) => proc.once('exit', r));
    let out = '';
    let started = false;
    proc.stdout!.on('data', (d: Buffer) => {
      if (started) return;
      out += d.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        started = true;
        resolve({ proc, url: m[1]!, exited });
      }
    });
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => started || reject(new Error(`server exited ${code}: ${out}`)));
  });
}

describe('kill -9 in the middle of a burst', () => {
  it('answers every acknowledged command exactly once after a restart, and leaves nothing half-written', async () => {
    const fake = await startFakeOpenApi({ appId: SECRETS.appId, appSecret: SECRETS.appSecret, botOpenId: 'ou_bot' });
    const dbFile = join(dir, 'crash.db');
    const env = { ...webhookEnv(`file:${dbFile}`, fake.url), LOG_LEVEL: 'info' };
    const readDb = () => {
      const client = createClient({ url: `file:${dbFile}` });
      return { db: drizzle(client), close: () => client.close() };
    };
    const repliesTo = (messageId: string) => [...fake.messages.values()].filter((m) => m.parent_id === messageId);
    try {
      const TOTAL = 150;
      const KILL_AFTER_ACKS = 40;
      const IN_FLIGHT = 30;
      const cmds = distinctNames(TOTAL, 2027).map((name, i) => {
        const openId = `ou_crash_${i % 15}`;
        const chatId = `oc_p2p_${openId}`;
        const msg = fake.addIncomingMessage({ chat_id: chatId, sender_open_id: openId, content: '{}' });
        const event = messageEvent(SECRETS, { openId }, `/客户 新建 ${name}`, { chatId, chatType: 'p2p', messageId: msg.message_id });
        return { name, messageId: msg.message_id, event, state: 'unsent' as 'unsent' | 'in_flight' | 'acked' | 'failed' };
      });

      // Slow sends: acknowledged commands pile up in the outbox, so the crash catches some unanswered.
      fake.setLatency(150);
      const first = await startChild(env);
      let acked = 0;
      let killed = false;
      let next = 0;
      let killedWith = { acked: 0, inFlight: 0, answered: 0 };
      const kill = () => {
        if (killed) return;
        killed = true;
        killedWith = {
          acked,
          inFlight: cmds.filter((c) => c.state === 'in_flight').length,
          answered: cmds.filter((c) => repliesTo(c.messageId).length > 0).length,
        };
        first.proc.kill('SIGKILL');
      };
      const worker = async () => {
        while (!killed && next < cmds.length) {
          const c = cmds[next++]!;
          const req = signedRequest(SECRETS, c.event);
          c.state = 'in_flight';
          try {
            const res = await fetch(first.url + '/feishu/events', { method: 'POST', body: req.body, headers: req.headers });
            c.state = res.status === 200 ? 'acked' : 'failed';
            if (res.status === 200 && ++acked >= KILL_AFTER_ACKS) kill();
          } catch {
            c.state = 'failed'; // the process died with the request open: no 200 was seen
          }
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      await first.exited;
      expect(killed).toBe(true);
      expect(killedWith.inFlight).toBeGreaterThan(0);
      const ackedCmds = cmds.filter((c) => c.state === 'acked');
      const unacked = cmds.filter((c) => c.state === 'failed');
      // acked ≥ the threshold: a few more 200s can land between the kill signal and the process's death.
      expect(ackedCmds.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
      expect(cmds.filter((c) => c.state !== 'unsent')).toHaveLength(ackedCmds.length + unacked.length);

      // What the crash left on disk: some acked events not yet handled, but never a half-handled one.
      const onDisk = readDb();
      const handledBeforeRestart = (await Promise.all(ackedCmds.map((c) => customersNamed(onDisk.db, c.name)))).filter((n) => n === 1).length;
      expect((await halfWritten(onDisk.db)).filter((p) => !/inbox event\(s\) (pending|processing)/.test(p))).toEqual([]);
      onDisk.close();
      const answeredAtCrash = ackedCmds.filter((c) => repliesTo(c.messageId).length > 0).length;
      expect(answeredAtCrash).toBeLessThan(ackedCmds.length);

      fake.setLatency(0);
      const second = await startChild(env);
      const after = readDb();
      // Done when every acked command is answered, every event handled and every outgoing message sent.
      const unsent = async () => (await after.db.select({ n: count() }).from(outboxMessages).where(ne(outboxMessages.status, 'sent')))[0]!.n;
      await fake.waitFor(async () => ackedCmds.every((c) => repliesTo(c.messageId).length > 0) && (await halfWritten(after.db)).length === 0 && (await unsent()) === 0, 30_000);

      for (const c of ackedCmds) {
        expect(await customersNamed(after.db, c.name), c.name).toBe(1);
        expect(repliesTo(c.messageId), `replies to ${c.name}`).toHaveLength(1);
        expect(repliesTo(c.messageId)[0]!.content).toContain('已新建客户');
      }
      let unackedHappened = 0;
      for (const c of unacked) {
        const n = await customersNamed(after.db, c.name);
        expect(n).toBeLessThanOrEqual(1);
        expect(repliesTo(c.messageId), `an in-flight command happens completely or not at all: ${c.name}`).toHaveLength(n);
        unackedHappened += n;
      }
      expect(await halfWritten(after.db)).toEqual([]);
      after.close();

      second.proc.kill('SIGTERM');
      await second.exited;
      console.info(
        `[crash] ${cmds.length - cmds.filter((c) => c.state === 'unsent').length} sent, ${ackedCmds.length} acked (kill at ${killedWith.acked} acks, ${killedWith.inFlight} requests in flight), ` +
          `${answeredAtCrash} answered and ${handledBeforeRestart} handled before the crash, ${ackedCmds.length - answeredAtCrash} answered after the restart; ` +
          `${unacked.length} unacked: ${unackedHappened} happened in full, ${unacked.length - unackedHappened} not at all; lost 0, doubled 0, half-written 0`,
      );
    } finally {
      await fake.close();
    }
  }, 90_000);
});
