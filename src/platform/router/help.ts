import { z } from 'zod';
import { defineCommand } from './command';
import type { CommandRegistry } from './registry';

/** /帮助 is generated from the registry itself, so it can never miss a command. */
export const helpCommand = (registry: () => CommandRegistry) =>
  defineCommand({
    path: ['帮助'],
    aliases: [['help']],
    summary: '命令用法',
    summaryEn: 'usage, per command',
    usage: '/帮助 [命令]',
    examples: ['/帮助 订单'],
    positional: ['topic'],
    args: () => z.object({ topic: z.string().optional() }),
    async run(ctx, { topic }) {
      if (!topic) return { text: registry().help(ctx.actor.role, ctx.actor.isAdmin) };
      return { text: registry().helpFor(topic) ?? `没有命令「${topic}」。发送 /帮助 查看全部命令。` };
    },
  });
