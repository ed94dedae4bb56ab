import { nameSubjects } from '../../platform/module';
import { defineCommand } from '../../platform/router/command';
import { openDeadlinesFor } from '../../platform/sla/deadlines';
import { listCard, shownDeadlines } from './reminders.cards';

/** /待办: my open items — mine and my role's — soonest first, each with its countdown. */
export const todoCommand = defineCommand({
  path: ['待办'],
  aliases: [['todo']],
  summary: '我的待办和期限（最近的在前）',
  summaryEn: 'my open items and deadlines, soonest first',
  usage: '/待办',
  async run(ctx) {
    const items = await openDeadlinesFor(ctx.tx, ctx.actor.openId, ctx.actor.role);
    if (items.length === 0) return { text: '你目前没有待办。Nothing due.' };
    const overdue = items.filter((d) => (d.targetAt ?? d.limitAt)! < ctx.now && d.status !== 'paused').length;
    const sections = [{ title: '待办', items: items.map((d) => ({ d })) }];
    const names = await nameSubjects(ctx.tx, ctx.services, shownDeadlines(sections));
    return {
      card: listCard(ctx.services, names, ctx.now, {
        title: '我的待办 · My tasks',
        template: overdue ? 'red' : 'blue',
        subtitle: `${items.length} 项${overdue ? ` · ${overdue} 项已超时` : ''}`,
        sections,
        buttons: true,
      }),
    };
  },
});
