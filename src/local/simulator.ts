import { eq, ne } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { parse as parseCron } from 'node-cron';
import { z } from 'zod';
import type { Runtime } from '../deps';
import type { ShiftableClock } from '../platform/clock';
import { chats, users } from '../platform/db/core.schema';
import { cronMatches, type JobDef } from '../platform/jobs/job';
import { runJob } from '../platform/jobs/runner';
import { ROLES, roleLabel, type Role } from '../platform/roles';
import { zonedParts, zonedTime } from '../platform/time';
import { p2pChatId, type FakeMessage, type FakeOpenApiState, type MessageEventKind } from './fake-openapi';
import { cardActionEvent, messageEvent, signedRequest, type UserRef } from './feishu-events';
import { DEMO_PEOPLE, DEMO_TEAM_CHAT, LOCAL_SECRETS } from './local-mode';
import { ALREADY_SEEDED, customerCount, DEMO_SCRIPT, seedDemo, SeedError, type SeedReport } from './seed-demo';
import { simulatorPage } from './simulator-page';

/**
 * The browser simulator of local mode (issue 9): `GET /` is the page, `/local/*` its API.
 *
 * Everything goes through the real bot: a typed message becomes an `im.message.receive_v1` event and a click a
 * `card.action.trigger` callback, both encrypted and signed with LOCAL_SECRETS and posted to the bot's own
 * `POST /feishu/events`. What the bot sends arrives in the in-process fake Open API, which reports it here
 * (`fake.onMessage`) and is streamed to every open tab over Server-Sent Events.
 *
 * The clock is simulated: `POST /local/jump` moves it and runs the jobs that fell due in between, through the
 * same `runJob` the scheduler uses: each daily/weekly/monthly job once for every moment it fell due (the clock
 * reading that moment), a sweep once at the new time (see dueJobRuns).
 */

export interface SimulatorOptions {
  runtime: Runtime;
  fake: FakeOpenApiState;
  clock: ShiftableClock;
  /** LOCAL_DEMO: load the demo month by itself when the database has no customers yet (default on). */
  autoSeed?: boolean;
}

/**
 * Where the demo data stands, for the page: `loading` (with progress) while it is being loaded — by itself at
 * start-up or from the button; `loaded` once it is in; `failed`; `idle` otherwise.
 */
export type DemoStatus =
  | { state: 'idle' }
  | { state: 'loading'; done: number; total: number; auto: boolean }
  | { state: 'loaded'; customers: number; report: SeedReport; auto: boolean }
  | { state: 'failed'; error: string; auto: boolean };

/** A message as the page shows it. */
export interface SimMessage {
  id: string;
  chatId: string;
  chatType: 'group' | 'p2p';
  /** For direct messages: whose chat with the bot this is. */
  dmOf?: string;
  from: { kind: 'bot' | 'user'; openId: string; name: string };
  msgType: string;
  /** The parsed content JSON: `{text}` or a card. */
  content: unknown;
  createTime: number;
  updateTime: number;
  updates: number;
  parentId?: string;
  file?: { name: string; size: number };
}

export interface SimPerson {
  openId: string;
  name: string;
  role: string | null;
  roleLabel: string;
  roleEn: string;
  isAdmin: boolean;
}

export interface SimChat {
  chatId: string;
  type: 'group' | 'p2p';
  name: string;
  isTeam: boolean;
}

export interface ClockInfo {
  /** ISO instant. */
  now: string;
  /** Wall time in the business time zone, `YYYY-MM-DDTHH:mm` (what a datetime-local input shows). */
  wall: string;
  /** 1 = Monday … 7 = Sunday */
  weekday: number;
  tz: string;
  /** UTC offset of the business time zone, `+0800`: picker values carry it, as Feishu's do. */
  offset: string;
  /** Whether the clock was moved away from real time. */
  shifted: boolean;
}

export interface JobRunReport {
  job: string;
  /** The moment the job ran for. */
  at: string;
  status: 'ok' | 'skipped' | 'failed';
  summary?: Record<string, number | string>;
  reason?: string;
  error?: string;
}

const TEAM_CHAT_NAME = '业务部';
const P2P_PREFIX = p2pChatId('');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A jump further than this only catches up on the last 31 days of schedules. */
const MAX_CATCH_UP_MS = 31 * 24 * HOUR;
const KEEP_ALIVE_MS = 15_000;
/** The page loads at most this many messages; older ones stay in the fake. */
const MAX_MESSAGES = 500;

export async function createSimulator(opts: SimulatorOptions): Promise<Hono> {
  const { runtime, fake, clock } = opts;
  const { services } = runtime;
  const { db } = services.database;
  const tz = services.config.BUSINESS_TZ;
  const admins = services.config.ADMIN_OPEN_IDS;

  await bindDemoDepartment(runtime, clock.now());
  // The chat history lives in the in-process fake only: a restart on a database with data starts with empty chats.
  const customersAtStart = await customerCount(db);

  const hub = new EventHub();
  fake.onMessage((message, kind) => hub.publish({ event: 'message', data: { kind, message: toSimMessage(message) } }));
  const page = simulatorPage({ botName: fake.bot.app_name });

  // ── Reading state ──

  async function listPeople(): Promise<SimPerson[]> {
    const rows = await db.select({ openId: users.openId, name: users.name, role: users.role }).from(users);
    const demoOrder = new Map<string, number>(DEMO_PEOPLE.map((p, i) => [p.openId, i]));
    return rows
      .filter((r) => r.openId !== fake.bot.open_id)
      .map((r) => ({
        openId: r.openId,
        name: r.name ?? fake.users.get(r.openId)?.name ?? r.openId,
        role: r.role,
        roleLabel: roleLabel(r.role),
        roleEn: r.role && r.role in ROLES ? ROLES[r.role as Role].en : 'no role',
        isAdmin: admins.includes(r.openId),
      }))
      .sort((a, b) => (demoOrder.get(a.openId) ?? 99) - (demoOrder.get(b.openId) ?? 99) || a.name.localeCompare(b.name, 'zh'));
  }

  async function listChats(user: string): Promise<SimChat[]> {
    const rows = await db.select().from(chats).where(eq(chats.chatType, 'group'));
    const groups: SimChat[] = rows
      .map((r) => ({ chatId: r.chatId, type: 'group' as const, name: r.name ?? r.chatId, isTeam: r.isTeam }))
      .sort((a, b) => Number(b.isTeam) - Number(a.isTeam));
    // Groups the bot wrote to without the database knowing them (e.g. a chat id typed into a setting).
    for (const m of fake.messages.values()) {
      if (!m.chat_id.startsWith(P2P_PREFIX) && !groups.some((g) => g.chatId === m.chat_id)) {
        groups.push({ chatId: m.chat_id, type: 'group', name: m.chat_id, isTeam: false });
      }
    }
    return [...groups, { chatId: p2pChatId(user), type: 'p2p', name: fake.bot.app_name, isTeam: false }];
  }

  const dmOwner = (chatId: string) => (chatId.startsWith(P2P_PREFIX) ? chatId.slice(P2P_PREFIX.length) : undefined);
  const visibleTo = (m: FakeMessage, user: string) => {
    const owner = dmOwner(m.chat_id);
    return owner === undefined || owner === user;
  };

  function toSimMessage(m: FakeMessage): SimMessage {
    const owner = dmOwner(m.chat_id);
    const bot = m.sender_type === 'app';
    let content: unknown;
    try {
      content = JSON.parse(m.content);
    } catch {
      content = { text: m.content };
    }
    const fileKey = m.msg_type === 'file' && isRecord(content) ? String(content.file_key ?? '') : '';
    const file = fileKey ? fake.files.get(fileKey) : undefined;
    return {
      id: m.message_id,
      chatId: m.chat_id,
      chatType: owner === undefined ? 'group' : 'p2p',
      ...(owner !== undefined ? { dmOf: owner } : {}),
      from: bot
        ? { kind: 'bot', openId: fake.bot.open_id, name: fake.bot.app_name }
        : { kind: 'user', openId: m.sender_id, name: fake.users.get(m.sender_id)?.name ?? m.sender_id },
      msgType: m.msg_type,
      content,
      createTime: m.create_time,
      updateTime: m.update_time,
      updates: m.updates,
      ...(m.parent_id ? { parentId: m.parent_id } : {}),
      ...(file ? { file: { name: file.file_name, size: file.bytes.length } } : {}),
    };
  }

  function clockInfo(): ClockInfo {
    const now = clock.now();
    const p = zonedParts(now, tz);
    const offsetMinutes = Math.round((Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(now.getTime() / 1000) * 1000) / MINUTE);
    const abs = Math.abs(offsetMinutes);
    return {
      now: now.toISOString(),
      wall: `${p.year}-${pad2(p.month)}-${pad2(p.day)}T${pad2(p.hour)}:${pad2(p.minute)}`,
      weekday: p.weekday,
      tz,
      offset: `${offsetMinutes < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`,
      shifted: Math.abs(now.getTime() - Date.now()) > 2000,
    };
  }

  /** Posts an event to the bot exactly as Feishu would: encrypted, signed, through the real route. */
  function postEvent(payload: unknown): Promise<Response> {
    const { body, headers } = signedRequest(LOCAL_SECRETS, payload);
    return Promise.resolve(runtime.app.fetch(new Request('http://local/feishu/events', { method: 'POST', headers, body })));
  }

  async function findPerson(openId: string): Promise<SimPerson | undefined> {
    return (await listPeople()).find((p) => p.openId === openId);
  }

  // ── Routes ──

  const app = new Hono();

  app.get('/', (c) => c.html(page));

  app.get('/local/state', async (c) => {
    const people = await listPeople();
    const requested = c.req.query('user');
    const user = people.find((p) => p.openId === requested)?.openId ?? DEMO_PEOPLE[0].openId;
    const messages = [...fake.messages.values()].filter((m) => visibleTo(m, user)).slice(-MAX_MESSAGES).map(toSimMessage);
    const jobs = [...runtime.bot.jobs.values()].map((j) => ({ name: j.name, schedule: j.schedule, description: j.description }));
    return c.json({
      bot: { openId: fake.bot.open_id, name: fake.bot.app_name },
      tz,
      user,
      people,
      chats: await listChats(user),
      messages,
      jobs,
      clock: clockInfo(),
      demo,
      /** Started on a database that already had data: the chats from before the restart are not shown. */
      historyLost: customersAtStart > 0,
    });
  });

  app.get('/local/stream', (c) =>
    streamSSE(c, async (stream) => {
      let finish = () => {};
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const unsubscribe = hub.subscribe((e) => void stream.writeSSE({ event: e.event, data: JSON.stringify(e.data) }));
      const ping = setInterval(() => void stream.write(': ping\n\n'), KEEP_ALIVE_MS);
      ping.unref();
      const end = () => {
        clearInterval(ping);
        unsubscribe();
        openStreams.delete(end);
        finish();
      };
      openStreams.add(end);
      endStreamsOnSignals();
      stream.onAbort(end);
      await stream.writeSSE({ event: 'hello', data: JSON.stringify({ clock: clockInfo() }), retry: 2000 });
      await finished;
    }),
  );

  const sendBody = z.object({ from: z.string().min(1), chatId: z.string().min(1), text: z.string().trim().min(1).max(10_000) });

  app.post('/local/send', async (c) => {
    const input = await readBody(c, sendBody);
    if (!input.ok) return input.response;
    const { from, chatId } = input.data;
    const people = await listPeople();
    const sender = people.find((p) => p.openId === from);
    if (!sender) return c.json({ ok: false, error: `不认识的用户 ${from}` }, 400);
    const owner = dmOwner(chatId);
    if (owner !== undefined && owner !== from) return c.json({ ok: false, error: '不能在别人的单聊里发消息' }, 403);
    const chatType = owner === undefined ? 'group' : 'p2p';

    // In a group the bot only hears messages that @ it: add the mention the user would pick from the list.
    const botRef = { openId: fake.bot.open_id, name: fake.bot.app_name, isBot: true };
    let text = input.data.text;
    if (chatType === 'group' && !text.includes(`@${botRef.name}`)) text = `@${botRef.name} ${text}`;
    const mentions = mentionsIn(text, [botRef, ...people]);

    const stored = fake.addIncomingMessage({ chat_id: chatId, sender_open_id: from, content: JSON.stringify({ text }) });
    const message = toSimMessage(stored);
    hub.publish({ event: 'message', data: { kind: 'user', message } });

    const event = messageEvent(LOCAL_SECRETS, { openId: from, name: sender.name }, text, {
      chatId,
      chatType,
      mentions,
      messageId: stored.message_id,
      createTime: clock.now().getTime(),
    });
    const res = await postEvent(event);
    const error = res.ok ? undefined : await errorOf(res);
    await runtime.drain();
    return c.json({ ok: res.ok, status: res.status, messageId: stored.message_id, message, ...(error ? { error } : {}) }, res.ok ? 200 : httpStatus(res.status));
  });

  const clickBody = z.object({
    from: z.string().min(1),
    messageId: z.string().min(1),
    value: z.unknown().optional(),
    formValue: z.record(z.string(), z.unknown()).optional(),
    name: z.string().optional(),
    tag: z.string().optional(),
    option: z.string().optional(),
    options: z.array(z.string()).optional(),
    inputValue: z.string().optional(),
    checked: z.boolean().optional(),
  });

  app.post('/local/click', async (c) => {
    const input = await readBody(c, clickBody);
    if (!input.ok) return input.response;
    const { from, messageId } = input.data;
    const operator = await findPerson(from);
    if (!operator) return c.json({ ok: false, error: `不认识的用户 ${from}` }, 400);
    const message = fake.messages.get(messageId);
    if (!message) return c.json({ ok: false, error: `没有这条消息 ${messageId}` }, 404);
    if (!visibleTo(message, from)) return c.json({ ok: false, error: '这张卡片在别人的单聊里' }, 403);

    const operatorRef: UserRef = { openId: from, name: operator.name };
    const event = cardActionEvent(
      LOCAL_SECRETS,
      operatorRef,
      { value: input.data.value ?? {}, formValue: input.data.formValue, name: input.data.name, tag: input.data.tag },
      { messageId, chatId: message.chat_id, token: fake.issueCardToken(messageId), createTime: clock.now().getTime() },
    );
    // Non-form components report what was picked or typed next to the value (FEISHU.md §2.2).
    const { option, options, inputValue, checked } = input.data;
    Object.assign(event.event.action as Record<string, unknown>, {
      ...(option !== undefined ? { option } : {}),
      ...(options !== undefined ? { options } : {}),
      ...(inputValue !== undefined ? { input_value: inputValue } : {}),
      ...(checked !== undefined ? { checked } : {}),
    });

    const res = await postEvent(event);
    const answer: unknown = await res.json().catch(() => ({}));
    let toast = toastOf(answer);
    let updated: SimMessage | undefined;
    if (res.ok) {
      const replaced = replaceCard(message, answer);
      if (replaced.error) toast = { type: 'error', content: replaced.error };
      if (replaced.changed) {
        updated = toSimMessage(message);
        hub.publish({ event: 'message', data: { kind: 'callback', message: updated } });
      }
    }
    await runtime.drain();
    const error = res.ok ? undefined : isRecord(answer) && typeof answer.error === 'string' ? answer.error : `HTTP ${res.status}`;
    return c.json(
      { ok: res.ok, status: res.status, ...(toast ? { toast } : {}), cardUpdated: Boolean(updated), ...(updated ? { message: updated } : {}), ...(error ? { error } : {}) },
      res.ok ? 200 : httpStatus(res.status),
    );
  });

  /** The callback's answer may carry a new card: Feishu shows it in place of the clicked one. */
  function replaceCard(message: FakeMessage, answer: unknown): { changed: boolean; error?: string } {
    const card = isRecord(answer) && isRecord(answer.card) ? answer.card : undefined;
    if (!card || !isRecord(card.data)) return { changed: false };
    const next = card.type === 'template' ? { type: 'template', data: card.data } : card.data;
    const wasV2 = (() => {
      try {
        return (JSON.parse(message.content) as { schema?: unknown }).schema === '2.0';
      } catch {
        return false;
      }
    })();
    if (wasV2 && card.type !== 'template' && card.data.schema !== '2.0') {
      return { changed: false, error: '卡片更新失败（200830）：2.0 卡片不能更新为 1.0 卡片' };
    }
    message.content = JSON.stringify(next);
    message.update_time = fake.now();
    message.updates += 1;
    return { changed: true };
  }

  const jumpBody = z.object({ to: z.string().min(1) });

  app.post('/local/jump', async (c) => {
    const input = await readBody(c, jumpBody);
    if (!input.ok) return input.response;
    const to = parseJumpTarget(input.data.to, tz);
    if (!to) return c.json({ ok: false, error: `看不懂的时间「${input.data.to}」，请用 2026-05-04T09:30 或 ISO 格式` }, 400);
    const from = clock.now();
    const ran: JobRunReport[] = [];
    for (const { job, at } of dueJobRuns([...runtime.bot.jobs.values()], from, to, tz)) {
      // The clock reads each run's own moment, so what the job sends carries that time in the chat.
      if (at.getTime() > clock.now().getTime()) clock.jumpTo(at);
      const base = { job: job.name, at: at.toISOString() };
      try {
        const outcome = await runJob(services, job, at);
        ran.push(outcome.ran ? { ...base, status: 'ok', summary: outcome.summary } : { ...base, status: 'skipped', reason: outcome.reason });
      } catch (err) {
        ran.push({ ...base, status: 'failed', error: err instanceof Error ? err.message : String(err) });
      }
      await runtime.drain();
    }
    clock.jumpTo(to);
    await runtime.drain();
    const info = clockInfo();
    hub.publish({ event: 'clock', data: info });
    return c.json({ ok: true, from: from.toISOString(), to: to.toISOString(), clock: info, ran });
  });

  app.post('/local/reset-clock', (c) => {
    clock.reset();
    const info = clockInfo();
    hub.publish({ event: 'clock', data: info });
    return c.json({ ok: true, clock: info });
  });

  /**
   * 载入演示数据: replays seed-demo.ts's month through this same API (/local/jump, /local/send, /local/click).
   * Only on a department without customers, so a second press says so instead of doubling everything. Local
   * mode also does this by itself when it starts on an empty database (LOCAL_DEMO, see the end of this function).
   */
  let demo: DemoStatus = { state: 'idle' };
  const publishDemo = () => hub.publish({ event: 'seed', data: demo });

  async function loadDemo(auto: boolean): Promise<{ status: 200 | 409 | 500; body: Record<string, unknown> }> {
    if (demo.state === 'loading') return { status: 409, body: { ok: false, error: '正在载入演示数据，请稍候。' } };
    const existing = await customerCount(db);
    if (existing > 0) return { status: 409, body: { ok: false, already: true, error: `${ALREADY_SEEDED}：数据库里已有 ${existing} 个客户，没有重复载入。` } };
    demo = { state: 'loading', done: 0, total: DEMO_SCRIPT.length, auto };
    publishDemo();
    try {
      const report = await seedDemo((path, init) => app.request(path, init), {
        onStep: ({ done, total }) => {
          demo = { state: 'loading', done, total, auto };
          publishDemo();
        },
      });
      const customers = await customerCount(db);
      demo = { state: 'loaded', customers, report, auto };
      return { status: 200, body: { ok: true, ...report, customers } };
    } catch (err) {
      const why = err instanceof SeedError ? err.message : err instanceof Error ? err.message : String(err);
      demo = { state: 'failed', error: `演示数据没有载入完整：${why}`, auto };
      return { status: 500, body: { ok: false, error: demo.error } };
    } finally {
      publishDemo();
    }
  }

  app.post('/local/seed', async (c) => {
    const { status, body } = await loadDemo(false);
    return c.json(body, status);
  });

  /** Files the bot uploaded (exports), so the page can offer a download link. */
  app.get('/local/files/:key', (c) => {
    const file = fake.files.get(c.req.param('key'));
    if (!file) return c.json({ ok: false, error: 'no such file' }, 404);
    return c.body(new Uint8Array(file.bytes), 200, {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.file_name)}`,
    });
  });

  // A fresh start (`npm ci && npm start`) shows the department at work, not an empty page: the demo month
  // loads in the background while the page shows its progress. LOCAL_DEMO=false turns this off.
  if (opts.autoSeed !== false && customersAtStart === 0) {
    const say = services.config.LOG_LEVEL === 'silent' ? () => {} : (line: string) => console.log(line);
    setImmediate(() => {
      say('  正在载入演示数据（数据库为空时自动载入；LOCAL_DEMO=false 可关闭）… · loading demo data (LOCAL_DEMO=false turns this off)');
      void loadDemo(true).then(({ body }) =>
        say(body.ok ? `  已载入演示数据：${String(body.customers)} 个客户，${String(body.steps)} 步操作 · demo data loaded` : `  ${String(body.error)}`),
      );
    });
  }

  return app;
}

// ── Start-up binding ─────────────────────────────────────────────────────────────────────────────────────────

/** Binds the demo department's roles and its team chat; running it again changes nothing. */
export async function bindDemoDepartment(runtime: Runtime, now: Date): Promise<void> {
  const { db } = runtime.services.database;
  for (const p of DEMO_PEOPLE) {
    await db
      .insert(users)
      .values({ openId: p.openId, name: p.name, role: p.role, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: users.openId, set: { name: p.name, role: p.role, updatedAt: now } });
  }
  // One team chat, as /系统 绑定群 keeps it.
  await db.update(chats).set({ isTeam: false }).where(ne(chats.chatId, DEMO_TEAM_CHAT));
  await db
    .insert(chats)
    .values({ chatId: DEMO_TEAM_CHAT, chatType: 'group', name: TEAM_CHAT_NAME, isTeam: true, boundBy: DEMO_PEOPLE[0].openId, createdAt: now })
    .onConflictDoUpdate({ target: chats.chatId, set: { chatType: 'group', name: TEAM_CHAT_NAME, isTeam: true } });
}

// ── Clock jumps ──────────────────────────────────────────────────────────────────────────────────────────────

/**
 * `2026-05-04T09:30` (no zone: wall time in the business time zone, what a datetime-local input gives) or any
 * ISO instant with a zone.
 */
export function parseJumpTarget(text: string, tz: string): Date | undefined {
  const wall = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/.exec(text.trim());
  if (wall) {
    const [, y, mo, d, h, mi] = wall.map(Number) as [number, number, number, number, number, number];
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return undefined;
    return zonedTime(tz, y, mo, d, h, mi);
  }
  if (!/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim())) return undefined;
  const at = new Date(text.trim());
  return Number.isFinite(at.getTime()) ? at : undefined;
}

/**
 * The job runs a jump from `from` to `to` calls for, in time order (ties in registry order):
 * - a job that fires at most once an hour (daily digests, weekly nudges, monthly assessments) once for every
 *   minute its schedule matched in (from, to] — a jump over a weekend runs Saturday's, Sunday's and Monday's
 *   digests, each for its own moment — but only over the last 31 days of the jump;
 * - a sweep (a schedule that fires several times an hour) once, at `to`: it catches up by itself, so the
 *   reminders that fell due on the way are sent then, at the new time, not at their own moments.
 */
export function dueJobRuns(jobs: readonly JobDef[], from: Date, to: Date, tz: string): Array<{ job: JobDef; at: Date }> {
  if (to.getTime() <= from.getTime()) return [];
  const earliest = Math.max(from.getTime(), to.getTime() - MAX_CATCH_UP_MS);
  const due: Array<{ job: JobDef; at: Date; order: number }> = [];
  for (const [order, job] of jobs.entries()) {
    const matches = matchingMinutes(job.schedule, earliest, to.getTime(), tz, isSweep(job.schedule) ? 1 : Infinity);
    if (matches.length === 0) continue;
    if (isSweep(job.schedule)) due.push({ job, at: to, order });
    else for (const at of matches) due.push({ job, at: new Date(at), order });
  }
  return due.sort((a, b) => a.at.getTime() - b.at.getTime() || a.order - b.order).map(({ job, at }) => ({ job, at }));
}

const isSweep = (schedule: string) => parseCron(schedule).minute.length > 1;

/**
 * The whole minutes in (after, upTo] at which `schedule` fires, oldest first (at most `limit`, the latest ones).
 * cronMatches re-parses the expression on every call (~50 µs), so a cheap filter on the minute of the hour skips
 * the minutes that cannot match: it uses the zone's UTC offset at both ends of each UTC hour, so a change of
 * offset inside the hour is still covered.
 */
function matchingMinutes(schedule: string, after: number, upTo: number, tz: string, limit: number): number[] {
  const minutes = new Set(parseCron(schedule).minute);
  const found: number[] = [];
  let hourStart = NaN;
  let offsets: number[] = [];
  for (let t = Math.floor(upTo / MINUTE) * MINUTE; t > after && found.length < limit; t -= MINUTE) {
    if (minutes.size < 60) {
      const start = t - (t % HOUR);
      if (start !== hourStart) {
        hourStart = start;
        offsets = [offsetMinutes(start, tz), offsetMinutes(start + HOUR - MINUTE, tz)];
      }
      const utcMinute = new Date(t).getUTCMinutes();
      if (!offsets.some((o) => minutes.has((((utcMinute + o) % 60) + 60) % 60))) continue;
    }
    if (cronMatches(schedule, new Date(t), tz)) found.push(t);
  }
  return found.reverse();
}

/** Wall clock minus UTC, in minutes, at instant `ms` in `tz`. */
function offsetMinutes(ms: number, tz: string): number {
  const p = zonedParts(new Date(ms), tz);
  return Math.round((Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - Math.floor(ms / MINUTE) * MINUTE) / MINUTE);
}

// ── Mentions ─────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * The people `@named` in the text, as mentions Feishu would attach. Longest names first, so `@郑总监` is never
 * read as `@郑总` + "监"; each person once.
 */
export function mentionsIn(text: string, people: ReadonlyArray<{ openId: string; name: string; isBot?: boolean }>): Array<UserRef & { isBot?: boolean }> {
  const byLength = [...people].filter((p) => p.name).sort((a, b) => b.name.length - a.name.length);
  const found: Array<UserRef & { isBot?: boolean }> = [];
  let rest = text;
  for (const p of byLength) {
    const token = `@${p.name}`;
    if (!rest.includes(token) || found.some((f) => f.openId === p.openId)) continue;
    found.push({ openId: p.openId, name: p.name, ...(p.isBot ? { isBot: true } : {}) });
    rest = rest.split(token).join(' ');
  }
  return found;
}

// ── Live events ──────────────────────────────────────────────────────────────────────────────────────────────

/** What the page hears on /local/stream: `message` (kind: the fake's create/reply/patch/card_update, a user's
 * message, or a card replaced by a callback), `clock` after a jump or reset, `seed` as demo data loads (and
 * when it is in or failed). */
export type SimEvent =
  | { event: 'message'; data: { kind: MessageEventKind | 'user' | 'callback'; message: SimMessage } }
  | { event: 'clock'; data: ClockInfo }
  | { event: 'seed'; data: DemoStatus };

/** Fans simulator events out to every open page. */
class EventHub {
  private readonly listeners = new Set<(e: SimEvent) => void>();
  subscribe(listener: (e: SimEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
  publish(e: SimEvent): void {
    for (const listener of this.listeners) listener(e);
  }
}

/**
 * An open event stream keeps its HTTP connection busy, so the server's graceful stop would wait for every open
 * tab to close. On SIGINT/SIGTERM the streams end first (the tabs reconnect to the next server). If nothing else
 * listens for the signal, the default (exit) is restored and the signal re-raised.
 */
const openStreams = new Set<() => void>();
let signalsHooked = false;

function endStreamsOnSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      for (const end of [...openStreams]) end();
      if (process.listenerCount(signal) === 1) {
        process.off(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

// ── Small helpers ────────────────────────────────────────────────────────────────────────────────────────────

const pad2 = (n: number) => String(n).padStart(2, '0');

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

type Parsed<T> = { ok: true; data: T } | { ok: false; response: Response };

async function readBody<T>(c: Context, schema: z.ZodType<T>): Promise<Parsed<T>> {
  const raw: unknown = await c.req.json().catch(() => undefined);
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, data: result.data };
  const issue = result.error.issues[0];
  const error = issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid body';
  return { ok: false, response: c.json({ ok: false, error }, 400) };
}

function toastOf(answer: unknown): { type: string; content: string } | undefined {
  if (!isRecord(answer) || !isRecord(answer.toast)) return undefined;
  const { type, content } = answer.toast;
  return typeof content === 'string' ? { type: typeof type === 'string' ? type : 'info', content } : undefined;
}

async function errorOf(res: Response): Promise<string> {
  const body: unknown = await res.json().catch(() => undefined);
  return isRecord(body) && typeof body.error === 'string' ? body.error : `HTTP ${res.status}`;
}

/** Statuses the bot's route can answer with, passed through to the page. */
const httpStatus = (status: number) => (status >= 400 && status < 600 ? (status as 400 | 401 | 404 | 413 | 500 | 503) : 502);
