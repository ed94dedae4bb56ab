/**
 * The browser simulator of local mode, driven over real HTTP like the page drives it:
 * - GET / is one self-contained page whose scripts compile, with the card renderer inside;
 * - the demo people's roles and the team chat are bound in the database;
 * - typed messages go through the real /feishu/events route (encrypted, signed) and the bot's replies show up
 *   in /local/state and on the event stream; @姓名 becomes a real mention;
 * - card clicks reach the bot as card.action.trigger; a returned card replaces the clicked one;
 * - jumping the clock runs the jobs that fell due — a daily job once for every morning on the way, with the
 *   clock at that morning, a sweep once at the new time — and later messages carry the simulated time;
 * - every command of the command table, typed as a person would (Chinese, and some by their English names),
 *   gets an answer that is not an error; a bot-menu click runs its command and answers by DM.
 * A second server adds a small test module (a card with buttons and a form, two jobs) so clicks, card
 * replacement and job catch-up are checked against known behaviour. These servers start with LOCAL_DEMO=false
 * (an empty department); the demo month itself is test/browser/seed-demo.test.ts's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script, runInNewContext } from 'node:vm';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, signedRequest } from '../../src/local/feishu-events';
import { DEMO_PEOPLE, DEMO_TEAM_CHAT, LOCAL_SECRETS } from '../../src/local/local-mode';
import type { ClockInfo, DemoStatus, JobRunReport, SimMessage, SimPerson, SimChat } from '../../src/local/simulator';
import { modules as defaultModules } from '../../src/modules';
import { auditLog, chats, inboxEvents, users } from '../../src/platform/db/core.schema';
import { cronMatches } from '../../src/platform/jobs/job';
import { defineModule } from '../../src/platform/module';
import { defineCardAction, defineCommand } from '../../src/platform/router/command';
import { startServer } from '../../src/server';

type Server = Awaited<ReturnType<typeof startServer>>;
interface State {
  bot: { openId: string; name: string };
  user: string;
  people: SimPerson[];
  chats: SimChat[];
  messages: SimMessage[];
  jobs: Array<{ name: string; schedule: string }>;
  clock: ClockInfo;
  demo: DemoStatus;
  historyLost: boolean;
}
interface ClickAnswer {
  ok: boolean;
  status: number;
  toast?: { type: string; content: string };
  cardUpdated: boolean;
  error?: string;
}

const [SUPERVISOR, SALES1, SALES2] = DEMO_PEOPLE.map((p) => p.openId) as [string, string, string];
const dm = (openId: string) => `oc_p2p_${openId}`;

async function start(modules = defaultModules) {
  const dir = mkdtempSync(join(tmpdir(), 'salesdesk-sim-'));
  // LOCAL_DEMO=false: these tests start from an empty department (the demo month is test/browser/seed-demo.test.ts's).
  const env = { PORT: '0', HOST: '127.0.0.1', DATABASE_URL: `file:${join(dir, 'sim.db')}`, CRON_ENABLED: 'false', LOCAL_DEMO: 'false', LOG_LEVEL: 'silent' };
  const server = await startServer(env, { modules });
  const api = {
    server,
    get: (path: string) => fetch(server.url + path),
    post: (path: string, body: unknown) => fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    async state(user: string): Promise<State> {
      return (await (await api.get(`/local/state?user=${user}`)).json()) as State;
    },
    /** Types a message the way the page does; returns the page's answer. */
    async send(from: string, chatId: string, text: string) {
      const res = await api.post('/local/send', { from, chatId, text });
      return { status: res.status, ...((await res.json()) as { ok: boolean; messageId: string; error?: string }) };
    },
    async click(body: Record<string, unknown>): Promise<ClickAnswer & { httpStatus: number }> {
      const res = await api.post('/local/click', body);
      return { httpStatus: res.status, ...((await res.json()) as ClickAnswer) };
    },
    async jump(to: string) {
      const res = await api.post('/local/jump', { to });
      return { status: res.status, ...((await res.json()) as { ok: boolean; from: string; to: string; clock: ClockInfo; ran: JobRunReport[]; error?: string }) };
    },
    /** The bot's replies to one message, as the page sees them. */
    async repliesTo(user: string, messageId: string): Promise<SimMessage[]> {
      return (await api.state(user)).messages.filter((m) => m.parentId === messageId && m.from.kind === 'bot');
    },
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return api;
}

const textOf = (m: SimMessage | undefined) => (m?.msgType === 'interactive' ? JSON.stringify(m.content) : String((m?.content as { text?: string } | undefined)?.text ?? ''));

/** Reads Server-Sent Events from /local/stream. */
async function openStream(url: string) {
  const controller = new AbortController();
  const res = await fetch(url + '/local/stream', { signal: controller.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: Array<{ event: string; data: unknown }> = [];
  let buffer = '';
  let seen = 0;
  async function readMore(deadline: number): Promise<void> {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no event in time')), Math.max(0, deadline - Date.now()))),
    ]);
    if (chunk.done) throw new Error('stream ended');
    buffer += decoder.decode(chunk.value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (event) events.push({ event, data: data ? JSON.parse(data) : undefined });
    }
  }
  return {
    res,
    /** The next event (after those already returned) that satisfies `match`. */
    async next(match: (e: { event: string; data: unknown }) => boolean, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (seen < events.length) {
          const e = events[seen++]!;
          if (match(e)) return e;
        }
        await readMore(deadline);
      }
    },
    close: () => controller.abort(),
  };
}

describe('the simulator of the real app', () => {
  let sim: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    sim = await start();
  });
  afterAll(() => sim.close());

  it('serves one self-contained page whose scripts compile and whose renderer works', async () => {
    const res = await sim.get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('<title>业务部助手 · 本地模拟器</title>');
    for (const label of ['跳转到', '+1小时', '+1天', '明天 09:00', '下周一 09:30', '重置', '当前身份', '会话', '发送']) expect(html).toContain(label);
    // Offline: nothing is loaded from elsewhere.
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(2);
    for (const code of scripts) expect(() => new Script(code)).not.toThrow();
    const sandbox: { CardRender?: { renderCard(card: unknown): string } } = {};
    runInNewContext(scripts[0]!, sandbox);
    expect(sandbox.CardRender!.renderCard({ schema: '2.0', header: { title: { content: '你好' }, template: 'blue' }, body: { elements: [] } })).toContain('c-head-blue');
  });

  it('binds the demo people with their roles and the team chat in the database', async () => {
    const state = await sim.state(SUPERVISOR);
    expect(state.people.slice(0, DEMO_PEOPLE.length).map((p) => [p.openId, p.name, p.role])).toEqual(DEMO_PEOPLE.map((p) => [p.openId, p.name, p.role]));
    expect(state.people.find((p) => p.openId === SUPERVISOR)).toMatchObject({ roleLabel: '主管', isAdmin: true });
    expect(new Set(state.people.map((p) => p.role))).toEqual(new Set(['supervisor', 'sales', 'senior', 'finance', 'pmc', 'engineering', 'quality', 'gm']));

    const { db } = sim.server.runtime.services.database;
    const rows = await db.select({ openId: users.openId, role: users.role }).from(users);
    for (const p of DEMO_PEOPLE) expect(rows).toContainEqual({ openId: p.openId, role: p.role });
    const team = await db.select().from(chats).where(eq(chats.isTeam, true));
    expect(team).toEqual([expect.objectContaining({ chatId: DEMO_TEAM_CHAT, chatType: 'group', name: '业务部', isTeam: true })]);

    expect(state.chats).toEqual([
      { chatId: DEMO_TEAM_CHAT, type: 'group', name: '业务部', isTeam: true },
      { chatId: dm(SUPERVISOR), type: 'p2p', name: state.bot.name, isTeam: false },
    ]);
    expect(state.clock).toMatchObject({ tz: 'Asia/Shanghai', offset: '+0800', shifted: false });
    // LOCAL_DEMO=false: an empty department stays empty, and there was no earlier history to lose.
    expect(state.demo).toEqual({ state: 'idle' });
    expect(state.historyLost).toBe(false);
  });

  it('answers /帮助 in the team chat (the bot mention is added) with the command list', async () => {
    const sent = await sim.send(SALES1, DEMO_TEAM_CHAT, '/帮助');
    expect(sent).toMatchObject({ status: 200, ok: true });
    const state = await sim.state(SALES1);
    const mine = state.messages.find((m) => m.id === sent.messageId);
    expect(mine).toMatchObject({ chatId: DEMO_TEAM_CHAT, chatType: 'group', from: { kind: 'user', openId: SALES1, name: '李业务' } });
    expect(textOf(mine)).toBe(`@${state.bot.name} /帮助`);
    const [reply] = await sim.repliesTo(SALES1, sent.messageId);
    expect(reply).toMatchObject({ chatId: DEMO_TEAM_CHAT, from: { kind: 'bot', name: state.bot.name } });
    for (const command of ['/帮助', '/我', '/角色']) expect(textOf(reply)).toContain(command);
  });

  it('answers /帮助 in a direct message, seen only by that person', async () => {
    const sent = await sim.send(SALES2, dm(SALES2), '/帮助');
    expect(sent.ok).toBe(true);
    const [reply] = await sim.repliesTo(SALES2, sent.messageId);
    expect(reply).toMatchObject({ chatId: dm(SALES2), chatType: 'p2p', dmOf: SALES2 });
    expect(textOf(reply)).toContain('/帮助');
    expect((await sim.state(SALES1)).messages.some((m) => m.chatId === dm(SALES2))).toBe(false);
  });

  it('turns a typed @姓名 into a real mention', async () => {
    const { db } = sim.server.runtime.services.database;
    const roleOf = async (openId: string) => (await db.select({ role: users.role }).from(users).where(eq(users.openId, openId)))[0]?.role;
    const sent = await sim.send(SUPERVISOR, DEMO_TEAM_CHAT, '/角色 @张业务 财务');
    expect(textOf((await sim.repliesTo(SUPERVISOR, sent.messageId))[0])).toContain('张业务');
    expect(await roleOf(SALES2)).toBe('finance');
    await sim.send(SUPERVISOR, dm(SUPERVISOR), '/角色 @张业务 业务员');
    expect(await roleOf(SALES2)).toBe('sales');
  });

  it('refuses unknown senders, other people’s DMs and empty text', async () => {
    expect((await sim.send('ou_nobody', DEMO_TEAM_CHAT, '/帮助')).status).toBe(400);
    expect((await sim.send(SALES1, dm(SALES2), '/帮助')).status).toBe(403);
    expect((await sim.send(SALES1, DEMO_TEAM_CHAT, '   ')).status).toBe(400);
  });

  it('sends a click to the bot: an unknown action gets an error toast, an unknown message a 404', async () => {
    const sent = await sim.send(SALES1, dm(SALES1), '/我');
    const [reply] = await sim.repliesTo(SALES1, sent.messageId);
    const answer = await sim.click({ from: SALES1, messageId: reply!.id, value: { action: 'no.such_action' } });
    expect(answer).toMatchObject({ httpStatus: 200, ok: true, cardUpdated: false, toast: { type: 'error' } });
    expect(answer.toast!.content).toContain('失效');
    expect((await sim.click({ from: SALES1, messageId: 'om_missing', value: {} })).httpStatus).toBe(404);
  });

  it('clicks a button on a card the bot sent', async () => {
    // A customer card carries the pipeline buttons its owner may press.
    for (const text of ['/客户 新建 模拟器点击测试', '/客户 模拟器点击测试']) await sim.send(SALES1, dm(SALES1), text);
    const cards = (await sim.state(SALES1)).messages.filter((m) => m.msgType === 'interactive');
    const withButton = cards
      .map((m) => ({ m, value: JSON.stringify(m.content).match(/"behaviors":\[\{"type":"callback","value":(\{[^}]*\})/)?.[1] }))
      .find((c) => c.value);
    expect(withButton, 'a card with a callback button').toBeDefined();
    const answer = await sim.click({ from: SALES1, messageId: withButton!.m.id, value: JSON.parse(withButton!.value!) });
    expect(answer.httpStatus).toBe(200);
    expect(answer.toast?.type === 'error' && answer.toast.content.includes('失效')).toBe(false);
  });

  it('streams user messages and the bot’s replies to open pages', async () => {
    const stream = await openStream(sim.server.url);
    try {
      expect(stream.res.headers.get('content-type')).toContain('text/event-stream');
      await stream.next((e) => e.event === 'hello');
      const sent = await sim.send(SALES1, DEMO_TEAM_CHAT, '/我');
      const user = await stream.next((e) => e.event === 'message');
      expect(user.data).toMatchObject({ kind: 'user', message: { id: sent.messageId } });
      const reply = await stream.next((e) => e.event === 'message');
      expect(reply.data).toMatchObject({ kind: 'reply', message: { parentId: sent.messageId, from: { kind: 'bot' } } });
    } finally {
      stream.close();
    }
  });

  it('jumps the clock, runs the jobs that fell due, and stamps later messages with the simulated time', async () => {
    const before = Date.now();
    const target = new Date(before + 26 * 3600_000);
    target.setUTCSeconds(0, 0);
    const jumped = await sim.jump(target.toISOString());
    expect(jumped).toMatchObject({ status: 200, ok: true, to: target.toISOString(), clock: { shifted: true } });
    expect(Math.abs(Date.parse(jumped.clock.now) - target.getTime())).toBeLessThan(5000);

    // Every job ran once for each minute its schedule matched in between — a sweep (several times an hour)
    // once in all — and nothing else ran.
    const tz = sim.server.runtime.services.config.BUSINESS_TZ;
    const due = [...sim.server.runtime.bot.jobs.values()].flatMap((job) => {
      const runs: string[] = [];
      for (let t = Math.floor(target.getTime() / 60_000) * 60_000; t > Date.parse(jumped.from); t -= 60_000) if (cronMatches(job.schedule, new Date(t), tz)) runs.push(job.name);
      return /^\*\/\d+ /.test(job.schedule) ? runs.slice(0, 1) : runs;
    });
    expect(jumped.ran.map((r) => r.job).sort()).toEqual(due.sort());
    for (const run of jumped.ran) expect(run.status, JSON.stringify(run)).toBe('ok');

    const sent = await sim.send(SALES1, dm(SALES1), '/我');
    const mine = (await sim.state(SALES1)).messages.find((m) => m.id === sent.messageId)!;
    expect(Math.abs(mine.createTime - target.getTime())).toBeLessThan(10_000);
    const { db } = sim.server.runtime.services.database;
    const [row] = await db.select({ payload: inboxEvents.payload }).from(inboxEvents).where(eq(inboxEvents.dedupeKey, `msg:${sent.messageId}`));
    const createTime = Number((JSON.parse(row!.payload) as { event: { message: { create_time: string } } }).event.message.create_time);
    expect(Math.abs(createTime - target.getTime())).toBeLessThan(10_000);

    expect((await sim.jump('明天早上')).status).toBe(400);
    const reset = await sim.post('/local/reset-clock', {});
    const { clock } = (await reset.json()) as { clock: ClockInfo };
    expect(clock.shifted).toBe(false);
    expect(Math.abs(Date.parse(clock.now) - Date.now())).toBeLessThan(5000);
  });
});

describe('clicks, card replacement and job catch-up, with a test module', () => {
  const seen: Array<{ form: Record<string, unknown>; option?: string }> = [];
  const jobRuns: string[] = [];
  /** How far the simulated clock was from the moment a daily run was for, when it ran. */
  const clockAtRun: number[] = [];
  const button = (text: string, value: Record<string, unknown>) => ({ tag: 'button', text: { tag: 'plain_text', content: text }, behaviors: [{ type: 'callback', value }] });
  const card = (title: string) => ({
    schema: '2.0',
    config: { update_multi: true },
    header: { title: { tag: 'plain_text', content: title }, template: 'blue' },
    body: {
      elements: [
        button('翻转', { action: 'simtest.flip' }),
        button('旧卡片', { action: 'simtest.v1' }),
        { tag: 'form', name: 'f', elements: [{ tag: 'input', name: 'note', required: true }, { ...button('提交', { action: 'simtest.echo' }), form_action_type: 'submit', name: 'go' }] },
      ],
    },
  });
  const testModule = defineModule({
    name: 'simtest',
    commands: [
      defineCommand({ path: ['测试卡片'], summary: '测试卡片', summaryEn: 'test card', usage: '/测试卡片', run: async () => ({ card: card('原来的卡片') }) }),
    ],
    cardActions: [
      defineCardAction({ id: 'simtest.flip', value: z.object({}).passthrough(), run: async () => ({ toast: { type: 'success', text: '已翻转' }, card: card('翻转后的卡片') }) }),
      defineCardAction({ id: 'simtest.v1', value: z.object({}).passthrough(), run: async () => ({ card: { header: { title: { tag: 'plain_text', content: '1.0' } }, elements: [] } }) }),
      defineCardAction({
        id: 'simtest.echo',
        value: z.object({}).passthrough(),
        run: async (_ctx, input) => {
          seen.push({ form: input.form, option: input.option });
          return { toast: { type: 'info', text: '收到' } };
        },
      }),
    ],
    jobs: [
      {
        name: 'simtest.daily',
        schedule: '0 9 * * *',
        description: 'daily',
        run: async ({ now, services }) => {
          jobRuns.push(`daily@${now.toISOString()}`);
          clockAtRun.push(services.clock.now().getTime() - now.getTime());
          return { ok: 1 };
        },
      },
      { name: 'simtest.sweep', schedule: '*/5 * * * *', description: 'sweep', run: async ({ now }) => (jobRuns.push(`sweep@${now.toISOString()}`), { ok: 1 }) },
    ],
  });

  let sim: Awaited<ReturnType<typeof start>>;
  let cardId: string;
  beforeAll(async () => {
    sim = await start([...defaultModules, testModule]);
    const sent = await sim.send(SALES1, DEMO_TEAM_CHAT, '/测试卡片');
    const [reply] = await sim.repliesTo(SALES1, sent.messageId);
    expect(reply?.msgType).toBe('interactive');
    cardId = reply!.id;
  });
  afterAll(() => sim.close());

  const titleOf = async () => {
    const m = (await sim.state(SALES2)).messages.find((x) => x.id === cardId)!;
    return { title: (m.content as { header: { title: { content: string } } }).header.title.content, updates: m.updates };
  };

  it('replaces the clicked card with the one the callback returns, for everyone, with its toast', async () => {
    const stream = await openStream(sim.server.url);
    try {
      await stream.next((e) => e.event === 'hello');
      const answer = await sim.click({ from: SALES2, messageId: cardId, value: { action: 'simtest.flip' } });
      expect(answer).toMatchObject({ httpStatus: 200, ok: true, cardUpdated: true, toast: { type: 'success', content: '已翻转' } });
      expect(await titleOf()).toEqual({ title: '翻转后的卡片', updates: 1 });
      const pushed = await stream.next((e) => e.event === 'message');
      expect(pushed.data).toMatchObject({ kind: 'callback', message: { id: cardId, updates: 1 } });
    } finally {
      stream.close();
    }
  });

  it('refuses to turn a 2.0 card into a 1.0 card, as Feishu does (200830)', async () => {
    const answer = await sim.click({ from: SALES2, messageId: cardId, value: { action: 'simtest.v1' } });
    expect(answer).toMatchObject({ ok: true, cardUpdated: false, toast: { type: 'error' } });
    expect(answer.toast!.content).toContain('200830');
    expect((await titleOf()).title).toBe('翻转后的卡片');
  });

  it('delivers form values and picked options to the card action', async () => {
    const formValue = { note: '加急', due: '2026-12-04 +0800', cc: ['pmc'], urgent: true };
    const answer = await sim.click({ from: SALES1, messageId: cardId, value: { action: 'simtest.echo' }, formValue, name: 'go' });
    expect(answer.toast).toEqual({ type: 'info', content: '收到' });
    expect(seen.at(-1)).toEqual({ form: formValue, option: undefined });
    await sim.click({ from: SALES1, messageId: cardId, value: { action: 'simtest.echo' }, option: '2026-12-05 +0800', tag: 'date_picker' });
    expect(seen.at(-1)).toEqual({ form: {}, option: '2026-12-05 +0800' });
  });

  it('runs a daily job once for every morning it fell due, in order, with the clock at that morning; a sweep once at the new time; nothing twice', async () => {
    await sim.jump('2030-01-07T08:00'); // Monday, Asia/Shanghai
    jobRuns.length = 0;
    clockAtRun.length = 0;
    const jumped = await sim.jump('2030-01-09T10:02');
    expect(jumped.ran.filter((r) => r.job.startsWith('simtest.'))).toEqual([
      { job: 'simtest.daily', at: '2030-01-07T01:00:00.000Z', status: 'ok', summary: { ok: 1 } },
      { job: 'simtest.daily', at: '2030-01-08T01:00:00.000Z', status: 'ok', summary: { ok: 1 } },
      { job: 'simtest.daily', at: '2030-01-09T01:00:00.000Z', status: 'ok', summary: { ok: 1 } },
      { job: 'simtest.sweep', at: '2030-01-09T02:02:00.000Z', status: 'ok', summary: { ok: 1 } },
    ]);
    expect(jobRuns).toEqual(['daily@2030-01-07T01:00:00.000Z', 'daily@2030-01-08T01:00:00.000Z', 'daily@2030-01-09T01:00:00.000Z', 'sweep@2030-01-09T02:02:00.000Z']);
    // The page's clock read each morning while its run went (anything the job sent is stamped with it).
    for (const gap of clockAtRun) expect(Math.abs(gap)).toBeLessThan(60_000);
    expect(jumped.clock.wall).toBe('2030-01-09T10:02');

    expect((await sim.jump('2030-01-09T10:04')).ran.filter((r) => r.job.startsWith('simtest.'))).toEqual([]);
    await sim.jump('2030-01-09T08:00'); // back in time: nothing runs
    const again = await sim.jump('2030-01-09T09:00');
    expect(again.ran.filter((r) => r.job.startsWith('simtest.'))).toEqual([
      { job: 'simtest.daily', at: '2030-01-09T01:00:00.000Z', status: 'skipped', reason: 'already_ran' },
      { job: 'simtest.sweep', at: '2030-01-09T01:00:00.000Z', status: 'ok', summary: { ok: 1 } },
    ]);
    await sim.post('/local/reset-clock', {});
  });
});

/**
 * Every command of the README's command table (INTERFACE.md's and the ones added since), typed into the
 * simulator the way a person would — Chinese first, a few by their English names — each answered without an
 * error: no crash reply, no "unknown command", no usage or permission refusal, no domain refusal in the audit log.
 * The steps set up what later commands need (a customer before its order, an approved contract before signing
 * it); clicks stand in where the department would press a card button. A registry command without a step here
 * fails the last test: add one.
 */
describe('a tour of every command through the simulator', () => {
  const FINANCE = DEMO_PEOPLE.find((p) => p.role === 'finance')!.openId;
  const ERROR_MARKS = ['出错了', '没有命令', '下没有', '后面还要写子命令', '我只听懂', '没有权限', '需要在群里使用', '用法：'];
  const covered = new Set<string>();
  const numbers: Record<string, string> = {};
  let sim: Awaited<ReturnType<typeof start>>;

  beforeAll(async () => {
    sim = await start();
  });
  afterAll(() => sim.close());

  const day = (offset: number) => new Date(Date.now() + 8 * 3600_000 + offset * 86_400_000).toISOString().slice(0, 10);
  const month = day(0).slice(0, 7);
  const fill = (text: string) => text.replace(/\{(\w+)\}/g, (_, k: string) => numbers[k] ?? `{${k}}`);
  /** Refusals the bot recorded: a domain refusal ('refusal'), a role or chat refusal of a command or a click. */
  const refusedSoFar = async () => {
    const { db } = sim.server.runtime.services.database;
    const rows = await db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.outcome, 'refused'));
    return rows.filter((r) => r.action === 'refusal' || r.action.startsWith('command:') || r.action.startsWith('card:')).length;
  };

  /** Types `text` as `who` in `chat`; the bot's answer must be there and be no error. Saves record numbers. */
  async function step(who: string, chat: 'dm' | 'team', text: string, opts: { expect?: string; save?: Record<string, string>; usageOk?: boolean } = {}) {
    const typed = fill(text);
    // The bot reads a mention as @open_id (the simulator attaches it as Feishu does).
    const parsed = sim.server.runtime.bot.commands.parse(typed.replace(/@(\S+)/g, (_, name: string) => `@${DEMO_PEOPLE.find((p) => p.name === name)?.openId ?? name}`));
    if (parsed.ok) covered.add(parsed.invocation.def.path.join(' '));
    const refusedBefore = await refusedSoFar();
    const sent = await sim.send(who, chat === 'team' ? DEMO_TEAM_CHAT : dm(who), typed);
    expect(sent.ok, `${typed}: ${sent.error}`).toBe(true);
    const replies = await sim.repliesTo(who, sent.messageId);
    const answer = replies.map((m) => (m.msgType === 'text' ? textOf(m) : JSON.stringify(m.content))).join('\n');
    expect(replies.length, `${typed} got no reply`).toBeGreaterThan(0);
    for (const mark of ERROR_MARKS) if (!(opts.usageOk && mark === '用法：')) expect(answer, `${typed} → ${answer.slice(0, 400)}`).not.toContain(mark);
    expect(await refusedSoFar(), `${typed} was refused: ${answer.slice(0, 400)}`).toBe(refusedBefore);
    if (opts.expect) expect(answer, typed).toContain(fill(opts.expect));
    for (const [name, prefix] of Object.entries(opts.save ?? {})) {
      const hit = new RegExp(`${prefix}-\\d{8}-\\d{3}`).exec(answer)?.[0];
      expect(hit, `${typed}: no ${prefix} number in ${answer.slice(0, 300)}`).toBeDefined();
      numbers[name] = hit!;
    }
    return answer;
  }

  /** Presses the newest button of `who`'s cards whose value has these keys and values. */
  async function press(who: string, match: Record<string, string>, formValue?: Record<string, unknown>) {
    const wanted = Object.fromEntries(Object.entries(match).map(([k, v]) => [k, fill(v)]));
    for (const m of (await sim.state(who)).messages.reverse()) {
      if (m.msgType !== 'interactive') continue;
      const values = [...JSON.stringify(m.content).matchAll(/"value":(\{[^{}]*\})/g)].map((x) => JSON.parse(x[1]!) as Record<string, unknown>);
      const value = values.find((v) => Object.entries(wanted).every(([k, x]) => String(v[k]) === x));
      if (!value) continue;
      const answer = await sim.click({ from: who, messageId: m.id, value, formValue, tag: 'button' });
      expect(answer.ok, JSON.stringify(answer)).toBe(true);
      expect(['error', 'warning'], `${JSON.stringify(wanted)} → ${answer.toast?.content}`).not.toContain(answer.toast?.type);
      return answer;
    }
    throw new Error(`no card of ${who} has a button ${JSON.stringify(wanted)}`);
  }

  it('answers help, identity and the admin commands', async () => {
    await step(SALES1, 'dm', '/帮助', { expect: '/订单' });
    await step(SALES1, 'dm', '/help 订单', { usageOk: true, expect: '/订单 新建' });
    await step(SALES1, 'dm', '/我', { expect: '业务员' });
    await step(SALES1, 'dm', '/me', { expect: '业务员' });
    await step(SUPERVISOR, 'team', '/系统 绑定群');
    await step(SUPERVISOR, 'dm', '/system status');
    await step(SUPERVISOR, 'dm', '/角色 @张业务 业务员', { expect: '张业务' });
    await step(SUPERVISOR, 'dm', `/系统 日历 ${day(40)} 上班`);
    await step(SUPERVISOR, 'dm', `/系统 日历 导入 ${Number(month.slice(0, 4)) + 1} 元旦 01-01~01-03`);
  });

  it('answers every customer, visit, inquiry and research command', async () => {
    await step(SALES1, 'dm', '/客户 新建 巡游科技 等级=A 联系人=王经理 电话=13800001111', { expect: '已新建客户「巡游科技」' });
    await step(SALES1, 'team', '/customer new 远帆物流 等级=B', { expect: '远帆物流' });
    await step(SALES1, 'dm', '/客户 列表', { expect: '巡游科技' });
    await step(SALES1, 'dm', '/customer list', { expect: '远帆物流' });
    await step(SALES1, 'dm', '/客户 巡游科技', { expect: '巡游科技' });
    await step(SALES1, 'dm', '/客户 修改 巡游科技 重点=是');
    await step(SALES1, 'dm', '/拜访 计划 巡游科技 明天');
    await step(SALES1, 'dm', '/拜访 巡游科技 介绍新品，客户关心交期 下次=3天后');
    await step(SALES1, 'dm', '/客户 阶段 巡游科技 需求分析');
    await step(SALES1, 'dm', '/咨询 巡游科技 询价 200 台', { save: { zx: 'ZX' } });
    await step(SALES1, 'dm', '/咨询 回复 {zx} 已报价 12.5 元/件');
    await step(SALES1, 'dm', '/调研 华南地区 LED 驱动需求上升，竞品降价 5%');
    await step(SUPERVISOR, 'dm', '/客户 信用 巡游科技 评级=A 额度=50万');
    await step(SUPERVISOR, 'dm', '/客户 转交 远帆物流 @张业务', { expect: '张业务' });
  });

  it('answers every order command', async () => {
    await step(SALES1, 'dm', `/订单 新建 客户=巡游科技 产品=控制板 规格=A2 数量=500 单价=12.5 交期=${day(30)}`, { save: { dd: 'DD' } });
    await step(SALES1, 'dm', '/order new', { expect: '新建订单' });
    await step(SALES1, 'dm', '/订单 {dd}', { expect: '控制板' });
    await step(SALES1, 'dm', '/order {dd} 历史');
    await step(SALES1, 'dm', '/订单 列表', { expect: '{dd}' });
    await step(SALES1, 'dm', '/订单 进度 {dd} 已排产，预计下周完工 已告知客户');
    await step(SALES1, 'dm', '/订单 异常 {dd} 来料不良，预计延误 2 天');
    await step(SALES1, 'dm', '/订单 变更 {dd} 客户加量 数量=600');
    await step(FINANCE, 'dm', '/order payment {dd} 5000');
  });

  it('answers every complaint, urgent-issue and satisfaction command', async () => {
    await step(SALES1, 'dm', '/投诉 新建 客户=巡游科技 内容="到货外箱破损" 订单={dd}', { save: { ts: 'TS' } });
    await step(SALES1, 'dm', '/投诉 {ts}', { expect: '{ts}' });
    await step(SALES1, 'dm', '/投诉 列表');
    await step(SALES1, 'dm', '/complaint list 状态=全部');
    await step(SALES1, 'dm', '/紧急 巡游科技 产线停线，急需更换不良品');
    await step(SALES1, 'dm', '/满意度 巡游科技 4 交期改善明显');
  });

  it('answers every contract and delegation command, with the approvals clicked in between', async () => {
    await step(SALES1, 'dm', '/合同 提交 客户=巡游科技 金额=12万 付款条件="预付30%"', { save: { ht: 'HT' } });
    await step(SALES1, 'dm', '/合同 {ht}');
    await step(SALES1, 'dm', '/contract list');
    await step(SUPERVISOR, 'dm', '/合同 待审', { expect: '{ht}' });
    await press(SUPERVISOR, { action: 'contract.approve' }, { comment: '价格和账期合理，同意' });
    await step(SALES1, 'dm', '/合同 签署 {ht} 今天');
    await step(SALES1, 'dm', '/合同 录入 {ht}');
    await step(SALES1, 'dm', '/contract archive {ht}');

    await step(SALES1, 'dm', '/合同 提交 客户=巡游科技 金额=8万 说明=二期', { save: { ht2: 'HT' } });
    await press(SUPERVISOR, { action: 'contract.reject' }, { comment: '二期价格再议' });
    await step(SALES1, 'dm', '/合同 修改 {ht2} 金额=9万 说明=按意见调整');
    await step(SUPERVISOR, 'dm', '/代理 @赵高级 至 10天后', { expect: '赵高级' });
    await step(SUPERVISOR, 'dm', '/delegate cancel');
  });

  it('answers the to-do list, targets, KPI, export and the people commands', async () => {
    await step(SALES1, 'dm', '/待办');
    await step(SALES1, 'dm', '/todo');
    await step(SUPERVISOR, 'dm', `/目标 @李业务 ${month} 10万`, { expect: '李业务' });
    await step(SUPERVISOR, 'dm', `/目标 部门 ${month} 50万`);
    await step(SALES1, 'dm', '/业绩');
    await step(SUPERVISOR, 'dm', `/kpi ${month}`);
    await step(SUPERVISOR, 'dm', '/业绩 设置');
    await step(SUPERVISOR, 'dm', '/导出 客户');
    await step(SUPERVISOR, 'dm', '/晋升');
    await step(SUPERVISOR, 'dm', `/入职 @张业务 ${day(7)}`, { expect: '张业务' });
  });

  it('runs a bot-menu click (application.bot.menu_v6, through the signed webhook) as its command, answered by DM', async () => {
    const menu = (key: string) =>
      envelope(LOCAL_SECRETS, 'application.bot.menu_v6', {
        operator: { operator_name: '李业务', operator_id: { open_id: SALES1, union_id: `on_${SALES1}`, user_id: null } },
        event_key: key,
        timestamp: Date.now(),
      });
    const before = (await sim.state(SALES1)).messages.filter((m) => m.chatId === dm(SALES1)).length;
    const { body, headers } = signedRequest(LOCAL_SECRETS, menu('todo'));
    const res = await fetch(sim.server.url + '/feishu/events', { method: 'POST', headers, body });
    expect(res.status).toBe(200);
    await sim.server.runtime.drain();
    const fresh = (await sim.state(SALES1)).messages.filter((m) => m.chatId === dm(SALES1)).slice(before);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.from.kind).toBe('bot');
    const todo = JSON.stringify(fresh[0]!.content);
    expect(todo).toContain('待办');
    for (const mark of ERROR_MARKS) expect(todo).not.toContain(mark);
  });

  it('covered every command in the registry', () => {
    const all = sim.server.runtime.bot.commands.defs.map((d) => d.path.join(' '));
    expect(all.filter((p) => !covered.has(p)), 'commands without a step in this tour').toEqual([]);
  });
});
