/**
 * End-to-end benchmark (issue 11, item 2): a `/订单 新建 客户=… 产品=… 数量=… 单价=… 交期=…`
 * command from the signed event to the bot's reply recorded by the fake Open API.
 *
 * The fake Open API runs in this process (so each event's message can be registered with
 * `addIncomingMessage` and replies are timed by `onMessage` on the same clock as the sends); the
 * real Salesdesk server runs in a child (bench/targets/salesdesk.ts, webhook mode, temp file DB,
 * DEFAULT_ROLE=none). Setup: each bench user talks to the bot once (`/我`), an admin binds them the
 * 业务员 role (`/角色 @… 业务员`), and each creates their own customer (`/客户 新建 … 强制`).
 *
 * Latency of an event = from just before its POST to the moment the fake records a message whose
 * parent_id is that event's message_id. Measured for `/订单 新建` and, as the in-run baseline, for
 * `/我` (the cheapest command), each (a) open-loop at a steady RATE events/s and (b) at saturation:
 * SENDERS concurrent senders each posting the next event as soon as the previous one is acked.
 * Between phases the bench waits for every reply, so phases do not overlap.
 *
 *   npx tsx bench/end-to-end.bench.ts   (BENCH_STEADY_S, BENCH_SAT_S to shorten; BENCH_CPU_PROF=dir to profile
 *   Salesdesk, one .cpuprofile per thread)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeOpenApi } from '../src/local/fake-openapi';
import { messageEvent, signedRequest, type UserRef } from '../src/local/feishu-events';
import { BENCH_SECRETS, benchChatId, benchUserId } from './events';
import { KEPT, machineLine, writeSection } from './report';

const RATE = 50;
const STEADY_S = Number(process.env.BENCH_STEADY_S ?? 20);
const SENDERS = 20;
const SAT_S = Number(process.env.BENCH_SAT_S ?? 15);
const USERS = 50; // × the outbox's 4 messages/s per chat keeps that cap (200/s) out of the way
const DRAIN_TIMEOUT_MS = 300_000;
const PATH = '/feishu/events';
const ADMIN = 'ou_bench_admin';

const machine = machineLine();
const userName = (u: number) => `压测用户${u}`;
const customerName = (u: number) => `压测客户${u}号`;
const due = new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10);
const COMMANDS = {
  me: { label: '`/我` (baseline)', text: (_u: number) => '/我' },
  order: { label: '`/订单 新建 …`', text: (u: number) => `/订单 新建 客户=${customerName(u)} 产品=控制板 数量=10 单价=5 交期=${due}` },
};

// ─── fake Open API (in process) and the Salesdesk child ──────────────────────────────────────────

const fake = await startFakeOpenApi({
  appId: BENCH_SECRETS.appId,
  appSecret: BENCH_SECRETS.appSecret,
  botOpenId: 'ou_bot',
  users: [...Array.from({ length: USERS }, (_, u) => ({ open_id: benchUserId(u), name: userName(u) })), { open_id: ADMIN, name: '压测管理员' }],
});

/** message_id → when its POST started, and who waits for the reply. */
const pending = new Map<string, { sentAt: number; done: (reply: { at: number; content: string }) => void }>();
fake.onMessage((m) => {
  const p = m.parent_id ? pending.get(m.parent_id) : undefined;
  if (!p) return;
  pending.delete(m.parent_id!);
  p.done({ at: performance.now(), content: m.content });
});

const dir = mkdtempSync(join(tmpdir(), 'salesdesk-e2e-'));
const env = {
  FEISHU_APP_ID: BENCH_SECRETS.appId,
  FEISHU_APP_SECRET: BENCH_SECRETS.appSecret,
  FEISHU_VERIFICATION_TOKEN: BENCH_SECRETS.verificationToken,
  FEISHU_ENCRYPT_KEY: BENCH_SECRETS.encryptKey,
  FEISHU_MODE: 'webhook',
  FEISHU_BASE_URL: fake.url,
  PORT: '0',
  HOST: '127.0.0.1',
  DATABASE_URL: `file:${join(dir, 'bench.db')}`,
  CRON_ENABLED: 'false',
  LOG_LEVEL: 'silent',
  DEFAULT_ROLE: 'none',
  ADMIN_OPEN_IDS: ADMIN,
};
const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
const child = spawn(process.execPath, [...profile, '--import', 'tsx', new URL('./targets/salesdesk.ts', import.meta.url).pathname], {
  env: { ...process.env, ...env },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
const serverUrl = await new Promise<string>((resolve, reject) => {
  child.once('exit', (code) => reject(new Error(`salesdesk exited with ${code} before listening`)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      const msg = JSON.parse(line) as { url?: unknown };
      if (typeof msg.url === 'string') resolve(msg.url);
    } catch {
      console.log(`[salesdesk] ${line}`);
    }
  });
});

// ─── sending ─────────────────────────────────────────────────────────────────────────────────────

let seq = 0;
interface Sent {
  acked: boolean;
  /** Resolves with the latency in ms (POST start → reply at the fake). */
  reply: Promise<{ ms: number; at: number; content: string }>;
}

/** Signs a fresh event (own message_id and event_id), registers its message at the fake, POSTs it. */
async function send(from: UserRef, text: string, chatId: string, mentions?: UserRef[]): Promise<Sent> {
  const n = seq++;
  const messageId = `om_e2e_${n}`;
  fake.addIncomingMessage({ chat_id: chatId, sender_open_id: from.openId, content: JSON.stringify({ text }), message_id: messageId });
  const { body, headers } = signedRequest(BENCH_SECRETS, messageEvent(BENCH_SECRETS, from, text, { chatId, chatType: 'p2p', messageId, eventId: `ev_e2e_${n}`, mentions }));
  const sentAt = performance.now();
  const reply = new Promise<{ ms: number; at: number; content: string }>((resolve) => pending.set(messageId, { sentAt, done: (r) => resolve({ ms: r.at - sentAt, ...r }) }));
  const res = await fetch(serverUrl + PATH, { method: 'POST', body, headers });
  await res.arrayBuffer();
  if (!res.ok) pending.delete(messageId);
  return { acked: res.ok, reply };
}
const user = (u: number): UserRef => ({ openId: benchUserId(u), name: userName(u) });

async function sendAndWait(from: UserRef, text: string, chatId: string, mentions?: UserRef[]): Promise<string> {
  const s = await send(from, text, chatId, mentions);
  if (!s.acked) throw new Error(`not acked: ${text}`);
  const r = await Promise.race([s.reply, sleep(30_000, undefined, { ref: false }).then(() => undefined)]);
  if (!r) throw new Error(`no reply within 30 s: ${text}`);
  return r.content;
}

// ─── setup: users, roles, customers ──────────────────────────────────────────────────────────────

const setupStarted = performance.now();
await sendAndWait({ openId: ADMIN, name: '压测管理员' }, '/我', `oc_p2p_${ADMIN}`);
for (let u = 0; u < USERS; u++) await sendAndWait(user(u), '/我', benchChatId(u));
for (let u = 0; u < USERS; u++) {
  const r = await sendAndWait({ openId: ADMIN, name: '压测管理员' }, `/角色 @${userName(u)} 业务员`, `oc_p2p_${ADMIN}`, [user(u)]);
  if (!r.includes('业务员')) throw new Error(`role not bound for ${userName(u)}: ${r}`);
}
for (let u = 0; u < USERS; u++) {
  const r = await sendAndWait(user(u), `/客户 新建 ${customerName(u)} 强制`, benchChatId(u));
  if (!r.includes(customerName(u))) throw new Error(`customer not created for ${userName(u)}: ${r}`);
}
// One order per user, checked: the reply must be the order card, not a refusal.
for (let u = 0; u < USERS; u++) {
  const r = await sendAndWait(user(u), COMMANDS.order.text(u), benchChatId(u));
  if (!r.includes('DD-')) throw new Error(`order not created for ${userName(u)}: ${r.slice(0, 300)}`);
}
const setupS = (performance.now() - setupStarted) / 1000;
console.log(`setup: ${USERS} users bound as 业务员 with a customer each, one order each, in ${setupS.toFixed(1)} s`);

// ─── phases ──────────────────────────────────────────────────────────────────────────────────────

interface Phase {
  command: string;
  mode: string;
  sent: number;
  acked: number;
  replied: number;
  lost: number;
  p50: number;
  p99: number;
  max: number;
  /** Replies per second over the sending window (replies that arrived while sending). */
  repliesPerS: number;
  /** Replies per second from the first send to the last reply (includes the drain). */
  overallPerS: number;
  acksPerS: number;
  drainS: number;
  /** CPU seconds per second from the first send to the last reply (1 = one core). */
  cpuServer: number;
  cpuBench: number;
}

/** User + system CPU seconds of a process (/proc/<pid>/stat fields 14 and 15, 100 ticks/s). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

const pct = (sorted: number[], q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;

async function phase(kind: keyof typeof COMMANDS, mode: 'steady' | 'saturation'): Promise<Phase> {
  const cmd = COMMANDS[kind];
  const sent: Sent[] = [];
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  const cpu0 = { server: cpuSeconds(child.pid!), bench: process.cpuUsage() };
  const seconds = mode === 'steady' ? STEADY_S : SAT_S;
  const end = start + seconds * 1000;
  let k = 0;
  const one = async (i: number) => void sent.push(await send(user(i % USERS), cmd.text(i % USERS), benchChatId(i % USERS)));
  if (mode === 'steady') {
    // Open loop: event i is sent at start + i/RATE whether or not earlier ones were answered.
    for (let i = 0; start + (i * 1000) / RATE < end; i++) {
      const wait = start + (i * 1000) / RATE - performance.now();
      if (wait > 0) await sleep(wait);
      inflight.push(one(k++));
    }
  } else {
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (performance.now() < end) await one(k++);
      }),
    );
  }
  await Promise.all(inflight);
  const sendEnd = performance.now();
  const acked = sent.filter((s) => s.acked);
  const timeout = sleep(DRAIN_TIMEOUT_MS, undefined, { ref: false }).then(() => undefined);
  const replies = (await Promise.all(acked.map((s) => Promise.race([s.reply, timeout])))).filter((r) => r !== undefined);
  const lastReply = Math.max(...replies.map((r) => r.at));
  const wallS = (performance.now() - start) / 1000;
  const benchCpu = process.cpuUsage(cpu0.bench);
  const ms = replies.map((r) => r.ms).sort((a, b) => a - b);
  const p: Phase = {
    command: cmd.label,
    mode: mode === 'steady' ? `steady ${RATE}/s, ${seconds} s` : `saturation, ${SENDERS} senders, ${seconds} s`,
    sent: sent.length,
    acked: acked.length,
    replied: replies.length,
    lost: acked.length - replies.length,
    p50: pct(ms, 0.5),
    p99: pct(ms, 0.99),
    max: ms[ms.length - 1] ?? NaN,
    repliesPerS: replies.filter((r) => r.at <= sendEnd).length / ((sendEnd - start) / 1000),
    overallPerS: replies.length / ((lastReply - start) / 1000),
    acksPerS: acked.length / ((sendEnd - start) / 1000),
    drainS: Math.max(0, (lastReply - sendEnd) / 1000),
    cpuServer: (cpuSeconds(child.pid!) - cpu0.server) / wallS,
    cpuBench: (benchCpu.user + benchCpu.system) / 1e6 / wallS,
  };
  console.log(
    `${p.command} ${p.mode}: sent ${p.sent}, acked ${p.acked}, replied ${p.replied}; p50 ${p.p50.toFixed(0)} ms, p99 ${p.p99.toFixed(0)} ms, max ${p.max.toFixed(0)} ms; ` +
      `${p.repliesPerS.toFixed(0)} replies/s while sending, ${p.overallPerS.toFixed(0)}/s overall, acks ${p.acksPerS.toFixed(0)}/s, drain ${p.drainS.toFixed(1)} s; CPU server ${(p.cpuServer * 100).toFixed(0)} %, bench ${(p.cpuBench * 100).toFixed(0)} %`,
  );
  return p;
}

const phases: Phase[] = [];
for (const mode of ['steady', 'saturation'] as const) for (const kind of ['me', 'order'] as const) phases.push(await phase(kind, mode));

const fakeCalls = fake.calls.length;
child.kill('SIGTERM');
await exited;
await fake.close();
rmSync(dir, { recursive: true, force: true });

// ─── report ──────────────────────────────────────────────────────────────────────────────────────

const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const table = [
  '| command | load | sent | acked | replied (lost) | p50 ms | p99 ms | max ms | replies/s while sending | replies/s incl. drain | acks/s | drain after last send | CPU server / bench+fake (100 % = one core) |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...phases.map(
    (p) =>
      `| ${p.command} | ${p.mode} | ${p.sent} | ${p.acked} | ${p.replied} (${p.lost}) | ${f0(p.p50)} | ${f0(p.p99)} | ${f0(p.max)} | ${f0(p.repliesPerS)} | ${f0(p.overallPerS)} | ${f0(p.acksPerS)} | ${p.drainS.toFixed(1)} s | ${(p.cpuServer * 100).toFixed(0)} % / ${(p.cpuBench * 100).toFixed(0)} % |`,
  ),
].join('\n');
const find = (cmd: keyof typeof COMMANDS, mode: string) => phases.find((p) => p.command === COMMANDS[cmd].label && p.mode.startsWith(mode))!;
const steadyOrder = find('order', 'steady');
const steadyMe = find('me', 'steady');
const satOrder = find('order', 'saturation');
const satMe = find('me', 'saturation');

const section = `${machine}

Reproduce: \`npm run bench\` (all benches) or \`npx tsx bench/end-to-end.bench.ts\` (this one).

From the signed, encrypted \`im.message.receive_v1\` POSTed to \`/feishu/events\` to the bot's reply recorded by the fake Open API (a message whose parent_id is the event's message_id). Salesdesk runs in a child process (webhook mode, temp file database, \`DEFAULT_ROLE=none\`); the fake Open API runs in the bench process, which registers every event's message with it and timestamps replies with \`onMessage\` on the sender's clock. ${USERS} users, each bound the 业务员 role by an admin (\`/角色 @… 业务员\`) and owning one customer (\`/客户 新建\`), take turns; every event has its own message_id/event_id. The order command is \`${COMMANDS.order.text(0).replace(customerName(0), '压测客户N号')}\` (a small order: no review, no credit check). Steady = open loop, one event every ${1000 / RATE} ms; saturation = ${SENDERS} senders each posting the next event as soon as the previous one is acked (so acks can outrun replies and the backlog drains after sending stops — that drain is in the latencies). Phases run one after another and each waits for all its replies. Setup (users, roles, customers, one order each) took ${setupS.toFixed(1)} s; the fake served ${fakeCalls} calls in all.

${table}

Order workflow's own cost at ${RATE}/s: p50 ${f0(steadyOrder.p50)} ms vs ${f0(steadyMe.p50)} ms for \`/我\` (+${f0(steadyOrder.p50 - steadyMe.p50)} ms), p99 ${f0(steadyOrder.p99)} vs ${f0(steadyMe.p99)} ms. At saturation: ${f0(satOrder.overallPerS)} orders/s vs ${f0(satMe.overallPerS)} \`/我\` replies/s end to end.

${KEPT}`;

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/end-to-end.json', import.meta.url), JSON.stringify({ date: new Date().toISOString(), node: process.version, setupS, phases }, null, 2));
writeSection('End to end', section);
console.log(`\n${table}\n\nresults: docs/BENCHMARKS.md (## End to end), bench/results/end-to-end.json`);
