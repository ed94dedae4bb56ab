import type { z } from 'zod';
import type { BotContext } from '../context';
import type { Content } from '../feishu/outbox';
import type { Role } from '../roles';

/** What the router hands to a command's argument schema, before validation. */
export interface RawArgs {
  /** Positional words, mapped to the names the command declares in `positional`. */
  [name: string]: string | string[] | boolean | undefined;
  /** @-mentioned users (open_ids), in order, excluding the bot. */
  mentions: string[];
}

export interface ArgsContext {
  /** 'YYYY-MM-DD' in the business time zone, for 今天/明天/N天后. */
  today: string;
}

export interface CommandDef<A = unknown> {
  /** Chinese path, e.g. ['订单', '新建']; matched longest first. */
  path: string[];
  /** English (or other) spellings of the same path. */
  aliases?: string[][];
  summary: string;
  summaryEn: string;
  usage: string;
  examples?: string[];
  /** Names for positional words; a trailing '...' takes the rest of the line. */
  positional?: string[];
  /** key=value names: canonical → accepted spellings (Chinese and English). */
  keys?: Record<string, string[]>;
  /** Bare words that switch something on: canonical → spellings (e.g. important: ['重要']). */
  flags?: Record<string, string[]>;
  /** A pure function of `c`: the bot builds each command's schema once per business day (see perDay). */
  args?: (c: ArgsContext) => z.ZodType<A>;
  /** Who may run it; omitted = anyone with a role. 'admin' = ADMIN_OPEN_IDS. */
  roles?: ReadonlyArray<Role | 'admin'>;
  /** Anyone may run it, even before a role is bound (/帮助, /我): the way to find out what to ask for. */
  everyone?: boolean;
  /** Some commands only make sense in a group (binding the team chat). */
  chat?: 'group' | 'p2p';
  run(ctx: BotContext, args: A): Promise<Content | void>;
}

export const defineCommand = <A>(def: CommandDef<A>): CommandDef<unknown> => def as CommandDef<unknown>;

/** The reply to a card click: within 3 s, a toast and/or the card that replaces the clicked one. */
export interface CardActionResult {
  toast?: { type: 'success' | 'info' | 'warning' | 'error'; text: string };
  card?: Record<string, unknown>;
}

export interface CardActionInput<V> {
  value: V;
  /** Form values when the click submitted a form. */
  form: Record<string, unknown>;
  /** Selected option / typed input for non-form components. */
  option?: string;
  /** The message that holds the card, and the delayed-update token. */
  messageId?: string;
  updateToken?: string;
}

export interface CardActionDef<V = unknown> {
  /** '<module>.<verb>', carried in every button value as `action`. */
  id: string;
  value: z.ZodType<V>;
  roles?: ReadonlyArray<Role | 'admin'>;
  run(ctx: BotContext, input: CardActionInput<V>): Promise<CardActionResult>;
}

export const defineCardAction = <V>(def: CardActionDef<V>): CardActionDef<unknown> => def as CardActionDef<unknown>;
