import { z } from 'zod';
import { button, buttonRow, type Card } from '../../platform/cards';
import type { BotContext } from '../../platform/context';
import { nameSubjects } from '../../platform/module';
import { arg } from '../../platform/router/args';
import { defineCardAction, defineCommand } from '../../platform/router/command';
import { openDeadlinesFor } from '../../platform/sla/deadlines';
import { listCard, MAX_LINES, shownDeadlines } from './reminders.cards';

/** Items on one page of /待办: as many as a card lists. */
export const TODO_PAGE_SIZE = MAX_LINES;

/** One page of my open items (mine and my role's), soonest first; a text when there is nothing to show. */
async function todoPage(ctx: BotContext, page: number): Promise<{ card: Card } | { text: string }> {
  const items = await openDeadlinesFor(ctx.tx, ctx.actor.openId, ctx.actor.role);
  if (items.length === 0) return { text: '你目前没有待办。Nothing due.' };
  const pages = Math.ceil(items.length / TODO_PAGE_SIZE);
  if (page > pages) return { text: `你的待办只有 ${pages} 页（共 ${items.length} 项），发送 /待办${pages > 1 ? ` ${pages}` : ''} 查看最后一页。` };
  const overdue = items.filter((d) => (d.targetAt ?? d.limitAt)! < ctx.now && d.status !== 'paused').length;
  const first = (page - 1) * TODO_PAGE_SIZE;
  const shown = items.slice(first, first + TODO_PAGE_SIZE);
  const sections = [{ title: '待办', count: items.length, items: shown.map((d) => ({ d })) }];
  const names = await nameSubjects(ctx.tx, ctx.services, shownDeadlines(sections));
  const paging = pages > 1 ? `第 ${page}/${pages} 页（第 ${first + 1}–${first + shown.length} 项）${page < pages ? `，发送 /待办 ${page + 1} 查看下一页` : ''}` : '';
  const nav = [
    ...(page > 1 ? [button('上一页', { action: 'sla.todo_page', page: page - 1, owner: ctx.actor.openId })] : []),
    ...(page < pages ? [button('下一页', { action: 'sla.todo_page', page: page + 1, owner: ctx.actor.openId }, 'primary')] : []),
  ];
  const card = listCard(ctx.services, names, ctx.now, {
    title: '我的待办 · My tasks',
    template: overdue ? 'red' : 'blue',
    subtitle: `${items.length} 项${overdue ? ` · ${overdue} 项已超时` : ''}${pages > 1 ? ` · 第 ${page}/${pages} 页` : ''}`,
    sections,
    tail: paging ? [paging] : [],
    buttons: true,
  });
  const body = card.body as { elements: unknown[] };
  body.elements.push(...buttonRow(nav));
  return { card };
}

/** /待办 [页码]: my open items — mine and my role's — soonest first, each with its countdown, 20 a page. */
export const todoCommand = defineCommand({
  path: ['待办'],
  aliases: [['todo']],
  summary: '我的待办和期限（最近的在前，每页 20 项）',
  summaryEn: 'my open items and deadlines, soonest first, 20 a page',
  usage: '/待办 [页码]',
  examples: ['/待办', '/待办 2'],
  positional: ['page'],
  args: () => z.object({ page: arg.int('页码', 1, 100_000).optional() }),
  run: (ctx, { page }) => todoPage(ctx, page ?? 1),
});

/** 上一页 / 下一页 on a /待办 card: the card turns to that page, for the person whose list it is. */
export const todoPageAction = defineCardAction({
  id: 'sla.todo_page',
  value: z.object({ page: z.number().int().min(1), owner: z.string() }),
  async run(ctx, { value }) {
    if (value.owner !== ctx.actor.openId) return { toast: { type: 'info', text: '这是别人的待办列表；发送 /待办 查看你自己的。' } };
    const page = await todoPage(ctx, value.page);
    return 'card' in page ? { card: page.card } : { toast: { type: 'info', text: page.text } };
  },
});
