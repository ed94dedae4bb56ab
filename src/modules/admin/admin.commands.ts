import { count, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { chats, inboxEvents, jobRuns, outboxMessages, users } from '../../platform/db/core.schema';
import { arg } from '../../platform/router/args';
import { defineCommand } from '../../platform/router/command';
import { parseRole, ROLES, roleLabel } from '../../platform/roles';
import { saveCalendarOverride } from '../../platform/sla/calendar-settings';
import { formatLocal } from '../../platform/time';

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
    const lines = [
      '**系统状态**',
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

export const calendarOverride = defineCommand({
  path: ['系统', '日历'],
  aliases: [['system', 'calendar']],
  summary: '管理员：把某天设为上班或休息（覆盖法定假日数据）',
  summaryEn: 'admin: mark a day as working or off',
  usage: '/系统 日历 <日期> 上班|休息|恢复',
  examples: ['/系统 日历 2027-01-02 上班'],
  positional: ['day', 'mode'],
  roles: ['admin'],
  args: ({ today }) =>
    z.object({
      day: arg.date('日期', today),
      mode: arg.choice('类型', { 上班: 'work', 休息: 'off', 恢复: 'reset', work: 'work', off: 'off', reset: 'reset' } as const),
    }),
  async run(ctx, { day, mode }) {
    const working = mode === 'reset' ? null : mode === 'work';
    const overrides = await saveCalendarOverride(ctx.tx, day, working, ctx.now);
    ctx.services.calendar.overrides = overrides;
    await ctx.audit({ action: 'calendar.override', subjectType: 'day', subjectId: day, toState: mode });
    return { text: `${day} 已设为${mode === 'reset' ? '按法定日历' : working ? '上班' : '休息'}。` };
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
