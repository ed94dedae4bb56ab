import { z } from 'zod';
import { hr, md, type Card } from '../cards';
import type { Actor } from '../context';
import { permittedLabel } from '../roles';
import { defineCommand, type CommandDef } from './command';
import { mayRun, type CommandRegistry } from './registry';

/**
 * /帮助 is generated from the registry itself, so it can never miss a command. It answers with a
 * card: Feishu shows `**` and backticks of a text message literally, a card's markdown renders them.
 */
export const helpCommand = (registry: () => CommandRegistry) =>
  defineCommand({
    path: ['帮助'],
    aliases: [['help']],
    summary: '命令用法',
    summaryEn: 'usage, per command',
    usage: '/帮助 [命令]',
    examples: ['/帮助 订单', '/帮助 订单 新建'],
    positional: ['topic...'],
    everyone: true,
    args: () => z.object({ topic: z.string().optional() }),
    async run(ctx, { topic }) {
      if (!topic) return { card: helpCard(registry(), ctx.actor) };
      const found = registry().topic(topic);
      if (found.defs.length === 0) return { text: `没有命令「/${topic.replace(/^\s*[/／]/, '')}」。发送 /帮助 查看全部命令。\nUnknown command — send /help.` };
      return { card: topicCard(found.words, found.defs) };
    },
  });

const card = (title: string, subtitle: string, elements: unknown[]): Card => ({
  schema: '2.0',
  config: { update_multi: true, width_mode: 'fill' },
  header: { title: { tag: 'plain_text', content: title }, subtitle: { tag: 'plain_text', content: subtitle }, template: 'blue' },
  body: { elements },
});

/** Inline code cannot hold a backtick; usages never contain one, but a stray one must not break the card. */
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

/** /帮助: every command, one block per first word, • for what this person may run, ◦ for the rest. */
export function helpCard(registry: CommandRegistry, actor: Pick<Actor, 'role' | 'isAdmin'>): Card {
  const groups: Array<{ word: string; lines: string[] }> = [];
  for (const def of registry.defs) {
    const word = def.path[0]!;
    let group = groups.find((g) => g.word === word);
    if (!group) groups.push((group = { word, lines: [] }));
    const alias = def.aliases?.[0] ? `（/${def.aliases[0].join(' ')}）` : '';
    group.lines.push(`${mayRun(def, actor) ? '•' : '◦'} ${code(def.usage)} — ${def.summary}${alias}`);
  }
  return card('业务部助手 · 命令', 'Commands · /help <command>', [
    md('在群里请先 @我；发送 /帮助 <命令> 看用法和示例。'),
    ...groups.map((g) => md(g.lines.join('\n'))),
    hr(),
    md('◦ 表示需要其他角色。Help in English: /help <command>.'),
  ]);
}

/** /帮助 <命令>: usage, roles and examples of each command under those words. */
export function topicCard(words: string[], defs: CommandDef[]): Card {
  const blocks = defs.map((d) =>
    md(
      [
        `**/${d.path.join(' ')}**　${d.summary} · ${d.summaryEn}`,
        `用法：${code(d.usage)}`,
        d.aliases?.length ? `English: ${d.aliases.map((a) => code('/' + a.join(' '))).join(', ')}` : '',
        d.everyone ? '权限：所有人' : d.roles ? `权限：${permittedLabel(d.roles)}` : '',
        ...(d.examples ?? []).map((e) => `例：${code(e)}`),
      ]
        .filter(Boolean)
        .join('\n'),
    ),
  );
  return card(`帮助 · /${words.join(' ')}`, 'Usage', blocks.flatMap((b, i) => (i ? [hr(), b] : [b])));
}
