import { count, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { chats, inboxEvents, jobRuns, outboxMessages, users } from '../../platform/db/core.schema';
import { arg } from '../../platform/router/args';
import { parseRole, ROLES, roleLabel } from '../../platform/roles';
import { button, simpleCard, type Card } from '../../platform/cards';
import type { BotContext } from '../../platform/context';
import { defineCardAction, defineCommand } from '../../platform/router/command';
import { BUILTIN_HOLIDAYS, type CalendarConfig } from '../../platform/sla/calendar';
import { holidayDataWarning, loadImportedHolidays, saveCalendarOverrides, saveImportedYear } from '../../platform/sla/calendar-settings';
import { parseDays, parseHolidaySchedule, scheduleDoubts, scheduleLines, scheduleText } from '../../platform/sla/holiday-import';
import { dayKey, formatLocal } from '../../platform/time';

const roleWords = Object.values(ROLES).map((r) => r.zh).join('|');

export const roleCommand = defineCommand({
  path: ['角色'],
  aliases: [['role']],
  summary: '管理员：为某人绑定角色',
  summaryEn: 'admin: bind a role to a user',
  usage: `/角色 @某人 ${roleWords}`,
  examples: ['/角色 @张三 主管'],
  positional: ['role'],
  roles: ['admin'],
  args: () =>
    z.object({
      mentions: arg.mention('同事'),
      role: z.string({ error: '缺少角色' }).transform((v, ctx) => {
        const role = parseRole(v);
        if (!role) {
          ctx.addIssue({ code: 'custom', message: `没有角色「${v}」，可选：${roleWords}` });
          return z.NEVER;
        }
        return role;
      }),
    }),
  async run(ctx, { mentions: openId, role }) {
    const [before] = await ctx.tx.select({ role: users.role, name: users.name }).from(users).where(eq(users.openId, openId));
    await ctx.tx.update(users).set({ role, roleAssignedBy: ctx.actor.openId, updatedAt: ctx.now }).where(eq(users.openId, openId));
    await ctx.audit({ action: 'role.assign', subjectType: 'user', subjectId: openId, fromState: before?.role ?? null, toState: role });
    return { text: `已将 ${before?.name ?? openId} 的角色设为「${ROLES[role].zh}」。` };
  },
});

export const bindTeamChat = defineCommand({
  path: ['系统', '绑定群'],
  aliases: [['system', 'bind']],
  summary: '管理员：把本群设为业务部团队群',
  summaryEn: "admin: make this group the department's team chat",
  usage: '/系统 绑定群',
  roles: ['admin'],
  chat: 'group',
  async run(ctx) {
    const chatId = ctx.chat!.id;
    await ctx.tx.update(chats).set({ isTeam: false }).where(eq(chats.isTeam, true));
    await ctx.tx.update(chats).set({ isTeam: true, boundBy: ctx.actor.openId }).where(eq(chats.chatId, chatId));
    await ctx.audit({ action: 'team_chat.bind', subjectType: 'chat', subjectId: chatId });
    return { text: '已将本群设为业务部团队群：升级提醒、团队日报和表彰会发到这里。' };
  },
});

export const systemStatus = defineCommand({
  path: ['系统', '状态'],
  aliases: [['system', 'status']],
  summary: '管理员：队列、死信和最近的任务',
  summaryEn: 'admin: queues, dead letters, last job runs',
  usage: '/系统 状态',
  roles: ['admin'],
  async run(ctx) {
    const tz = ctx.services.config.BUSINESS_TZ;
    const inbox = await ctx.tx.select({ status: inboxEvents.status, n: count() }).from(inboxEvents).groupBy(inboxEvents.status);
    const outbox = await ctx.tx.select({ status: outboxMessages.status, n: count() }).from(outboxMessages).groupBy(outboxMessages.status);
    const dead = await ctx.tx.select().from(outboxMessages).where(eq(outboxMessages.status, 'dead')).orderBy(desc(outboxMessages.id)).limit(5);
    const runs = await ctx.tx
      .select()
      .from(jobRuns)
      .where(sql`(${jobRuns.job}, ${jobRuns.startedAt}) IN (SELECT job, max(started_at) FROM job_runs GROUP BY job)`)
      .orderBy(jobRuns.job);
    const [team] = await ctx.tx.select().from(chats).where(eq(chats.isTeam, true));
    const tally = (rows: Array<{ status: string; n: number }>) => rows.map((r) => `${r.status} ${r.n}`).join(' · ') || '空';
    const cal = ctx.services.calendar;
    const holidayWarning = holidayDataWarning(cal, dayKey(ctx.now, tz));
    const lines = [
      '**系统状态**',
      ...(holidayWarning ? [holidayWarning.text] : []),
      `节假日数据：${cal.useChineseHolidays ? holidaySources(cal) : '未启用（CHINESE_HOLIDAYS=false）'}`,
      `收件箱（事件）：${tally(inbox)}`,
      `发件箱（消息）：${tally(outbox)}`,
      `团队群：${team ? team.name ?? team.chatId : '未绑定（在群里 @我 /系统 绑定群）'}`,
      dead.length ? `**发送失败（死信）最近 ${dead.length} 条：**` : '死信：无',
      ...dead.map((d) => `• #${d.id} → ${d.receiveId ?? d.cardKey ?? d.messageId}：${d.lastError ?? ''}`),
      runs.length ? '**最近任务：**' : '任务：尚未运行',
      ...runs.map((r) => `• ${r.job} ${formatLocal(r.startedAt, tz)} ${r.status}${r.summary ? ` ${r.summary}` : ''}`),
    ];
    return { text: lines.join('\n') };
  },
});

/** '2004–2026 chinese-days · 2027 管理员导入' */
function holidaySources(cal: CalendarConfig): string {
  const runs: Array<{ first: number; last: number; source: string }> = [];
  for (const [year, info] of cal.holidays?.years ?? BUILTIN_HOLIDAYS.years) {
    const source = `${info.source}${info.provisional ? '（临时）' : ''}`;
    const prev = runs[runs.length - 1];
    if (prev && prev.source === source && prev.last === year - 1) prev.last = year;
    else runs.push({ first: year, last: year, source });
  }
  return runs.map((r) => `${r.first === r.last ? r.first : `${r.first}–${r.last}`} ${r.source}`).join(' · ');
}

const MODES = { 上班: 'work', 休息: 'off', 恢复: 'reset', work: 'work', off: 'off', reset: 'reset' } as const;
/** Longest range one override command may set. */
const MAX_OVERRIDE_DAYS = 31;
const span = (days: string[]) => (days.length === 1 ? `${days[0]} ` : `${days[0]} ~ ${days[days.length - 1]}（共 ${days.length} 天）`);

export const calendarOverride = defineCommand({
  path: ['系统', '日历'],
  aliases: [['system', 'calendar']],
  summary: '管理员：把某天或一段日期设为上班或休息（覆盖法定假日数据）',
  summaryEn: 'admin: mark a day or a range of days as working or off',
  usage: '/系统 日历 <日期|起~止> 上班|休息|恢复',
  examples: ['/系统 日历 2027-01-02 上班', '/系统 日历 2026-12-30~2026-12-31 休息', '/系统 日历 2026-12-30~2026-12-31 恢复'],
  positional: ['spec...'],
  roles: ['admin'],
  args: ({ today }) =>
    z.object({ spec: z.string({ error: '缺少日期' }) }).transform(({ spec }, ctx) => {
      // The type may come last (2027-02-14 上班) or first (上班 2027-02-14).
      const words = spec.split(' ');
      const modeOf = (w: string | undefined) => (w !== undefined && Object.hasOwn(MODES, w.toLowerCase()) ? MODES[w.toLowerCase() as keyof typeof MODES] : undefined);
      const last = modeOf(words[words.length - 1]);
      const mode = last ?? modeOf(words[0]);
      const dayWords = last ? words.slice(0, -1) : words.slice(1);
      if (!mode || dayWords.length === 0) {
        ctx.addIssue({ code: 'custom', message: mode ? '缺少日期' : words.length < 2 ? '缺少类型：上班 / 休息 / 恢复' : `类型「${words[words.length - 1]}」不在可选范围：上班 / 休息 / 恢复` });
        return z.NEVER;
      }
      const days = parseDays(dayWords.join(' '), today, MAX_OVERRIDE_DAYS);
      if ('error' in days) {
        ctx.addIssue({ code: 'custom', message: days.error });
        return z.NEVER;
      }
      return { days, mode };
    }),
  async run(ctx, { days, mode }) {
    const working = mode === 'reset' ? null : mode === 'work';
    // Stored only: every thread and instance (this one too) reloads it at its next event or job run.
    await saveCalendarOverrides(ctx.tx, days, working, ctx.now);
    await ctx.audit({ action: 'calendar.override', subjectType: 'day', subjectId: days[0]!, toState: mode, detail: days.length > 1 ? { days } : undefined });
    return { text: `${span(days)}已设为${mode === 'reset' ? '按法定日历' : working ? '上班' : '休息'}。` };
  },
});

const importCard = (title: string, template: string, lines: string[], buttons: unknown[] = []): Card => simpleCard(title, template, lines.filter(Boolean).join('\n'), buttons);
const CLEAR = '清除';

/** What a year's import would replace, in words. */
async function replaces(ctx: BotContext, year: number): Promise<{ v: string; text: string }> {
  const imported = (await loadImportedHolidays(ctx.tx))[year];
  if (imported) return { v: imported.importedAt, text: `将替换 ${formatLocal(new Date(imported.importedAt), ctx.services.config.BUSINESS_TZ, true)} 导入的 ${year} 年安排。` };
  const builtIn = BUILTIN_HOLIDAYS.years.get(year);
  return { v: '', text: builtIn ? `将替换内置数据（${builtIn.source}${builtIn.provisional ? '，临时' : ''}）中的 ${year} 年安排。` : `目前没有 ${year} 年的数据。` };
}

export const calendarImport = defineCommand({
  path: ['系统', '日历', '导入'],
  aliases: [['system', 'calendar', 'import']],
  summary: '管理员：导入某年的法定节假日和调休上班日（替换该年的内置数据；先预览，确认后生效）',
  summaryEn: "admin: import a year's statutory holidays and make-up working days (preview, then confirm)",
  usage: '/系统 日历 导入 <年份> <节日 放假日期… [上班 调休日期…]>…|清除',
  examples: ['/系统 日历 导入 2026 元旦 01-01~01-03 上班 01-04 春节 02-15~02-23 上班 02-14 02-28 清明 04-04~04-06 劳动节 05-01~05-05 上班 05-09 端午 06-19~06-21 中秋 09-25~09-27 国庆节 10-01~10-07 上班 09-20 10-10', '/系统 日历 导入 2027 清除'],
  positional: ['year', 'schedule...'],
  roles: ['admin'],
  args: () => z.object({ year: arg.int('年份', 2000, 2100), schedule: z.string({ error: '缺少放假安排' }) }),
  async run(ctx, { year, schedule }) {
    const { v, text: replacing } = await replaces(ctx, year);
    if (schedule === CLEAR) {
      if (!v) return { text: `没有导入过 ${year} 年的安排，无需清除。` };
      const value = { action: 'admin.calendar_import', year, schedule: CLEAR, v };
      return { card: importCard(`清除导入的 ${year} 年节假日`, 'orange', [`确认后 ${year} 年恢复为内置数据${BUILTIN_HOLIDAYS.years.has(year) ? '' : '（没有内置数据：只按周末休息）'}。`], [button('确认清除', value, 'danger')]) };
    }
    const parsed = parseHolidaySchedule(year, schedule);
    if ('error' in parsed) return { text: `${parsed.error}\n用法：/系统 日历 导入 <年份> <节日 放假日期… [上班 调休日期…]>…\n例（2026 年的前两个节日）：/系统 日历 导入 2026 元旦 01-01~01-03 上班 01-04 春节 02-15~02-23 上班 02-14 02-28` };
    const off = Object.keys(parsed.data.holidays).length;
    const work = Object.keys(parsed.data.workdays).length;
    const value = { action: 'admin.calendar_import', year, schedule: scheduleText(parsed.data), v };
    return {
      card: importCard(`导入 ${year} 年法定节假日 · 预览`, 'blue', [
        ...scheduleLines(parsed.data),
        `共放假 ${off} 天，调休上班 ${work} 天。${replacing}`,
        ...scheduleDoubts(parsed.data, ctx.services.calendar.weekdays).map((d) => `⚠️ ${d}`),
        '请与国务院办公厅的放假通知逐日核对，无误后点「确认导入」。',
      ], [button('确认导入', value, 'primary')]),
    };
  },
});

export const calendarImportConfirm = defineCardAction({
  id: 'admin.calendar_import',
  roles: ['admin'],
  value: z.object({ year: z.number().int().min(2000).max(2100), schedule: z.string(), v: z.string() }),
  async run(ctx, { value: { year, schedule, v } }) {
    const current = await replaces(ctx, year);
    if (current.v !== v) return { toast: { type: 'warning', text: `${year} 年的安排在预览之后又被改过，请重新发送 /系统 日历 导入 ${year} …` } };
    if (schedule === CLEAR) {
      await saveImportedYear(ctx.tx, year, null, ctx.actor.openId, ctx.now);
      await ctx.audit({ action: 'calendar.import', subjectType: 'holiday_year', subjectId: year, toState: 'cleared' });
      return { toast: { type: 'success', text: `已清除导入的 ${year} 年安排。` }, card: importCard(`已清除 ${year} 年导入的节假日`, 'grey', [`${year} 年恢复为内置数据。`]) };
    }
    const parsed = parseHolidaySchedule(year, schedule);
    if ('error' in parsed) return { toast: { type: 'error', text: parsed.error } };
    await saveImportedYear(ctx.tx, year, parsed.data, ctx.actor.openId, ctx.now);
    await ctx.audit({ action: 'calendar.import', subjectType: 'holiday_year', subjectId: year, toState: 'imported', detail: { schedule } });
    const lines = scheduleLines(parsed.data);
    return { toast: { type: 'success', text: `已导入 ${year} 年法定节假日安排。` }, card: importCard(`已导入 ${year} 年法定节假日`, 'green', [...lines, `由 ${ctx.actor.name ?? ctx.actor.openId} 于 ${formatLocal(ctx.now, ctx.services.config.BUSINESS_TZ, true)} 导入。`]) };
  },
});

export const whoAmI = defineCommand({
  path: ['我'],
  aliases: [['me']],
  summary: '我的角色',
  summaryEn: 'my role',
  usage: '/我',
  everyone: true,
  async run(ctx) {
    return { text: `你是 ${ctx.actor.name ?? ctx.actor.openId}，角色：${roleLabel(ctx.actor.role)}${ctx.actor.isAdmin ? '（管理员）' : ''}。` };
  },
});
