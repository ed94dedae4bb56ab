import { z } from 'zod';
import { chatType, loadActor, makeContext, rememberChat } from './platform/actors';
import type { BotContext, Services } from './platform/context';
import type { Tx } from './platform/db/client';
import { Refusal } from './platform/errors';
import type { Inbound } from './platform/feishu/inbound';
import type { JobDef } from './platform/jobs/job';
import { collectRegistry, type ModuleDef } from './platform/module';
import { permittedLabel } from './platform/roles';
import { md } from './platform/cards';
import type { Content } from './platform/feishu/outbox';
import type { CardActionResult, CommandDef } from './platform/router/command';
import { helpCommand } from './platform/router/help';
import { perDay } from './platform/router/args';
import { CardActionRegistry, CommandRegistry, mayRun } from './platform/router/registry';
import { refreshCalendar } from './platform/sla/calendar-settings';
import { dayKey } from './platform/time';

export interface Bot {
  commands: CommandRegistry;
  cardActions: CardActionRegistry;
  jobs: Map<string, JobDef>;
  /** Handles a message, menu click or chat event inside the inbox transaction. */
  handle(ev: Exclude<Inbound, { kind: 'card_action' | 'ignored' }>, tx: Tx): Promise<void>;
  /** Handles a card click inside a transaction; the result is the callback's answer. */
  handleCardAction(ev: Extract<Inbound, { kind: 'card_action' }>, tx: Tx): Promise<CardActionResult>;
  /**
   * After a handler threw and its transaction rolled back: a Refusal is explained to the user,
   * anything else is a bug — the user gets "出错了（编号 …）", never silence.
   */
  answerFailure(ev: Exclude<Inbound, { kind: 'ignored' }>, tx: Tx, err: unknown): Promise<CardActionResult>;
}

const NO_ROLE = '你还没有角色，请管理员用 /角色 @你 <角色> 绑定后再试。';

/** Appends the "ask an admin for a role" line to a text or card answer. */
function withNoRoleHint(answer: Content): Content {
  if ('text' in answer) return { text: `${answer.text}\n${NO_ROLE}` };
  const body = (answer as { card?: { body?: { elements?: unknown[] } } }).card?.body;
  if ('card' in answer && Array.isArray(body?.elements)) return { card: { ...answer.card, body: { ...body, elements: [...body.elements, md(`**${NO_ROLE}**`)] } } };
  return answer;
}

/** Every button value carries { action, id?, v? }: the action id, the record and its version. */
const buttonValue = z.object({ action: z.string().min(1) }).passthrough();

/** Every module's jobs by name; a name used twice fails at start-up. */
export function collectJobs(modules: ModuleDef[]): Map<string, JobDef> {
  const jobs = new Map<string, JobDef>();
  for (const job of modules.flatMap((m) => m.jobs ?? [])) {
    if (jobs.has(job.name)) throw new Error(`Job "${job.name}" is registered twice; job names must be unique.`);
    jobs.set(job.name, job);
  }
  return jobs;
}

export function createBot(modules: ModuleDef[], services: Services): Bot {
  const commands: CommandRegistry = new CommandRegistry([helpCommand(() => commands), ...modules.flatMap((m) => m.commands ?? [])]);
  const cardActions = new CardActionRegistry(modules.flatMap((m) => m.cardActions ?? []));
  const jobs = collectJobs(modules);
  const menu = new Map(modules.flatMap((m) => Object.entries(m.menu ?? {})));
  services.registry = collectRegistry(modules);
  const tz = services.config.BUSINESS_TZ;

  /** Each command's argument schema, built once per business day. */
  const schemas = new Map<CommandDef, (today: string) => z.ZodType | undefined>();
  const argsSchema = (def: CommandDef, today: string) => {
    let of = schemas.get(def);
    if (!of) schemas.set(def, (of = perDay((day) => def.args?.({ today: day }))));
    return of(today);
  };

  /** The listed roles may ('admin' = ADMIN_OPEN_IDS); with no list, anyone who has a role. */
  const allowed = (roles: CommandDef['roles'], { actor }: BotContext) => mayRun({ roles }, actor);

  /** Runs a command line for an actor; every outcome is a reply — refusals and bad input included. */
  async function runCommandText(ctx: BotContext, text: string): Promise<void> {
    const parsed = commands.parse(text);
    if (!parsed.ok) {
      if (parsed.kind === 'not_command') {
        await ctx.reply({ text: '我只听懂以 / 开头的命令。发送 /帮助 查看全部命令。\nCommands start with /. Send /help.' });
      } else if (parsed.kind === 'unknown') {
        const hint = parsed.suggestion ? `你是不是想用 /${parsed.suggestion}？` : '';
        await ctx.reply({ text: `没有命令「/${parsed.word}」。${hint}\n发送 /帮助 查看全部命令。Unknown command — send /help.` });
      } else if (parsed.kind === 'unknown_sub') {
        const what = parsed.word ? `「/${parsed.group}」下没有「${parsed.word}」。${parsed.suggestion ? `你是不是想用 /${parsed.group} ${parsed.suggestion}？` : ''}` : `「/${parsed.group}」后面还要写子命令。`;
        const list = parsed.subcommands.map((d) => `• ${d.usage} — ${d.summary}`).join('\n');
        await ctx.reply({ text: `${what}可用的命令：\n${list}\n发送 /帮助 ${parsed.group} 查看用法。Send /help ${parsed.group}.` });
      } else {
        await ctx.reply({ text: `${parsed.message}\n${commands.usageOf(parsed.def)}` });
      }
      return;
    }
    const { def, raw, locale } = parsed.invocation;
    ctx.locale = locale;
    const name = `/${def.path.join(' ')}`;
    const roleless = ctx.actor.role === null && !ctx.actor.isAdmin;
    if (!mayRun(def, ctx.actor)) {
      await ctx.audit({ action: `command:${def.path.join('.')}`, outcome: 'refused', detail: { reason: 'role', role: ctx.actor.role } });
      await ctx.reply({ text: roleless ? NO_ROLE : `没有权限：${name} 只限${permittedLabel(def.roles)}使用。` });
      return;
    }
    if (def.chat === 'group' && ctx.chat?.type !== 'group') {
      await ctx.audit({ action: `command:${def.path.join('.')}`, outcome: 'refused', detail: { reason: 'chat', chat: ctx.chat?.type ?? null } });
      await ctx.reply({ text: `${name} 需要在群里使用（先 @我）。` });
      return;
    }
    const schema = argsSchema(def, dayKey(ctx.now, tz));
    let args: unknown = raw;
    if (schema) {
      const result = schema.safeParse(raw);
      if (!result.success) {
        const first = result.error.issues[0]!;
        await ctx.reply({ text: `${first.message}\n${commands.usageOf(def)}` });
        return;
      }
      args = result.data;
    }
    const answer = await def.run(ctx, args);
    // /帮助 and /我 work before a role is bound; their answer says who can bind one.
    if (answer) await ctx.reply(roleless && def.everyone ? withNoRoleHint(answer) : answer);
  }

  return {
    commands,
    cardActions,
    jobs,

    async handle(ev, tx) {
      await refreshCalendar(services.calendar, tx, services.log); // overrides set on another thread or instance
      switch (ev.kind) {
        case 'message': {
          if (!ev.senderIsUser || !ev.sender) return; // the bot's own and other bots' messages
          if (ev.chatType === 'group' && !ev.botMentioned) return;
          const chat = { id: ev.chatId, type: ev.chatType } as const;
          await rememberChat(tx, chat, ev.at);
          for (const m of ev.mentionedOpenIds) await loadActor(services, tx, m.openId, ev.at, m.name);
          const actor = await loadActor(services, tx, ev.sender, ev.at);
          const ctx = makeContext(services, tx, { causeId: ev.eventId, now: ev.at, actor, chat, messageId: ev.messageId });
          await runCommandText(ctx, ev.text);
          return;
        }
        case 'menu': {
          const text = menu.get(ev.key);
          const actor = await loadActor(services, tx, ev.operator, ev.at);
          const ctx = makeContext(services, tx, { causeId: ev.eventId, now: ev.at, actor });
          await (text ? runCommandText(ctx, text) : ctx.reply({ text: `菜单项「${ev.key}」还没有对应的命令，请管理员检查机器人菜单配置。` }));
          return;
        }
        case 'bot_added': {
          await rememberChat(tx, { id: ev.chatId, type: 'group' }, ev.at, ev.name);
          const actor = await loadActor(services, tx, ev.operator ?? 'unknown', ev.at);
          const ctx = makeContext(services, tx, { causeId: ev.eventId, now: ev.at, actor });
          await ctx.send({
            kind: 'send',
            to: { chatId: ev.chatId },
            content: { text: '大家好，我是业务部助手。@我 发送 /帮助 查看命令。\n管理员：在本群 @我 发送 /系统 绑定群，可把本群设为业务部团队群（接收升级提醒、团队日报和表彰）。' },
          });
          for (const m of modules) if (m.onBotAdded) await m.onBotAdded(ctx);
          return;
        }
        case 'p2p_entered':
          await rememberChat(tx, { id: ev.chatId, type: 'p2p' }, ev.at);
          await loadActor(services, tx, ev.operator, ev.at);
          return;
      }
    },

    async handleCardAction(ev, tx) {
      await refreshCalendar(services.calendar, tx, services.log);
      const actor = await loadActor(services, tx, ev.operator, ev.at);
      // Card callbacks don't say what kind of chat they come from; unknown counts as a group (shows less).
      const chat = ev.chatId ? { id: ev.chatId, type: (await chatType(tx, ev.chatId)) ?? 'group' } : undefined;
      const ctx = makeContext(services, tx, { causeId: ev.eventId, now: ev.at, actor, chat });
      const value = buttonValue.safeParse(ev.value);
      const def = value.success ? cardActions.byId.get(value.data.action) : undefined;
      if (!def || !value.success) {
        const action = value.success ? value.data.action : undefined;
        await ctx.audit({ action: `card:${action ?? 'unknown'}`, outcome: 'refused', detail: { reason: 'unknown_action', value: ev.value ?? null } });
        return { toast: { type: 'error', text: '这个按钮已失效，请重新发送命令。' } };
      }
      if (!allowed(def.roles, ctx)) {
        await ctx.audit({ action: `card:${def.id}`, outcome: 'refused', detail: { reason: 'role', role: actor.role, value: value.data } });
        return { toast: { type: 'error', text: `没有权限：只限${permittedLabel(def.roles)}操作。` } };
      }
      const input = def.value.safeParse(value.data);
      if (!input.success) {
        await ctx.audit({ action: `card:${def.id}`, outcome: 'refused', detail: { reason: 'bad_value', value: value.data } });
        return { toast: { type: 'error', text: '卡片数据无效，请重新发送命令获取新卡片。' } };
      }
      return def.run(ctx, { value: input.data, form: ev.form, option: ev.option, messageId: ev.messageId, updateToken: ev.token });
    },

    async answerFailure(ev, tx, err) {
      const operator = ev.kind === 'message' ? ev.sender : ev.kind === 'bot_added' ? ev.operator ?? 'unknown' : ev.operator;
      const actor = await loadActor(services, tx, operator, ev.at);
      const chat = ev.kind === 'message' ? ({ id: ev.chatId, type: ev.chatType } as const) : undefined;
      const ctx = makeContext(services, tx, { causeId: `${ev.eventId}:failure`, now: ev.at, actor, chat, messageId: ev.kind === 'message' ? ev.messageId : undefined });
      if (err instanceof Refusal) {
        await ctx.audit({ action: 'refusal', outcome: 'refused', detail: { code: err.code } });
        if (ev.kind === 'card_action') return { toast: { type: 'warning', text: err.text } };
        await ctx.reply({ text: err.text });
        return {};
      }
      const text = `出错了（编号 ${ev.eventId.slice(-8)}），已记录，请稍后再试或联系管理员。`;
      if (ev.kind === 'card_action') return { toast: { type: 'error', text } };
      if (ev.kind === 'message' || ev.kind === 'menu') await ctx.reply({ text });
      return {};
    },
  };
}

