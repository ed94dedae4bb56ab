import type { Role } from '../roles';
import type { CardActionDef, CommandDef, RawArgs } from './command';
import { closest, fieldOf, freeText, scan, tokenize, type Token } from './parse';

export interface Invocation {
  def: CommandDef;
  locale: 'zh' | 'en';
  raw: RawArgs;
}

export type ParseOutcome =
  | { ok: true; invocation: Invocation }
  | { ok: false; kind: 'not_command' }
  | { ok: false; kind: 'unknown'; word: string; suggestion?: string }
  /** The words name a group of commands (`/系统`) but none of its sub-commands. */
  | { ok: false; kind: 'unknown_sub'; group: string; word?: string; suggestion?: string; subcommands: CommandDef[] }
  | { ok: false; kind: 'bad_args'; def: CommandDef; message: string };

const MENTION = /^@(ou_[\w-]+)$/;

/** Who may run a command: its roles ('admin' = ADMIN_OPEN_IDS); with none listed, anyone who has a role. */
export function mayRun(def: Pick<CommandDef, 'roles' | 'everyone'>, actor: { role: Role | null; isAdmin: boolean }): boolean {
  if (def.everyone) return true;
  return def.roles ? def.roles.some((r) => (r === 'admin' ? actor.isAdmin : r === actor.role)) : actor.role !== null || actor.isAdmin;
}

const spellingsOf = (def: CommandDef): Array<{ path: string[]; locale: 'zh' | 'en' }> => [
  { path: def.path, locale: 'zh' },
  ...(def.aliases ?? []).map((path) => ({ path, locale: 'en' as const })),
];
const startsWith = (path: string[], words: string[]) => words.length <= path.length && words.every((w, i) => path[i]!.toLowerCase() === w.toLowerCase());

/** All commands, indexed by every spelling of their path. Conflicts fail at start-up. */
export class CommandRegistry {
  private readonly byPath = new Map<string, { def: CommandDef; locale: 'zh' | 'en' }>();
  private readonly maxDepth: number;

  constructor(readonly defs: CommandDef[]) {
    for (const def of defs) {
      const spellings: Array<[string[], 'zh' | 'en']> = [[def.path, 'zh'], ...(def.aliases ?? []).map((a): [string[], 'en'] => [a, 'en'])];
      for (const [path, locale] of spellings) {
        const key = path.join(' ').toLowerCase();
        const taken = this.byPath.get(key);
        if (taken) throw new Error(`Command "/${key}" is registered twice (${taken.def.path.join(' ')} and ${def.path.join(' ')}); give one of them another name or alias.`);
        this.byPath.set(key, { def, locale });
      }
      const keySpellings = Object.values(def.keys ?? {}).flat().concat(Object.values(def.flags ?? {}).flat());
      const dup = keySpellings.find((k, i) => keySpellings.indexOf(k) !== i);
      if (dup) throw new Error(`Command "/${def.path.join(' ')}" uses the field name "${dup}" twice; each key and flag spelling must be unique.`);
    }
    this.maxDepth = Math.max(...[...this.byPath.keys()].map((k) => k.split(' ').length));
  }

  /** Matches the longest command path at the start of the text, then maps the rest onto its arguments. */
  parse(text: string): ParseOutcome {
    const tokens = scan(text);
    const head = tokens[0]?.text;
    if (!head || !head.startsWith('/') || head.length < 2) return { ok: false, kind: 'not_command' };
    const words = [head.slice(1), ...tokens.slice(1).map((t) => t.text)];
    for (let depth = Math.min(this.maxDepth, words.length); depth >= 1; depth--) {
      const hit = this.byPath.get(words.slice(0, depth).join(' ').toLowerCase());
      if (hit) {
        const mapped = mapArgs(hit.def, tokens.slice(depth));
        if (typeof mapped === 'string') return { ok: false, kind: 'bad_args', def: hit.def, message: mapped };
        return { ok: true, invocation: { def: hit.def, locale: hit.locale, raw: mapped } };
      }
    }
    // `/系统 <unknown>`: the words are a group of commands, not a command — list that group.
    for (let depth = Math.min(this.maxDepth - 1, words.length); depth >= 1; depth--) {
      const group = words.slice(0, depth);
      const under = this.under(group);
      if (under.length === 0) continue;
      const word = words[depth];
      const next = [...new Set(under.flatMap((d) => spellingsOf(d).filter((s) => startsWith(s.path, group) && s.path.length > depth).map((s) => s.path[depth]!)))];
      return { ok: false, kind: 'unknown_sub', group: group.join(' '), word, suggestion: word ? closest(word, next) : undefined, subcommands: under };
    }
    const roots = [...new Set([...this.byPath.keys()].map((k) => k.split(' ')[0]!))];
    return { ok: false, kind: 'unknown', word: words[0]!, suggestion: closest(words[0]!, roots) };
  }

  /** Commands whose path (in any spelling) starts with these words, in registry order. */
  under(words: string[]): CommandDef[] {
    return this.defs.filter((d) => spellingsOf(d).some((s) => startsWith(s.path, words)));
  }

  /**
   * What `/帮助 <topic>` is about: the commands under the longest prefix of the topic's words that
   * names any (`订单 新建` → that one; `订单` → all of 订单; `/order new` works too). Empty if none.
   */
  topic(text: string): { words: string[]; defs: CommandDef[] } {
    const words = tokenize(text.replace(/^\s*[/／]/, ''));
    for (let depth = words.length; depth >= 1; depth--) {
      const defs = this.under(words.slice(0, depth));
      if (defs.length) return { words: words.slice(0, depth), defs };
    }
    return { words, defs: [] };
  }

  usageOf(def: CommandDef): string {
    return `用法：${def.usage}${def.examples?.[0] ? `\n例：${def.examples[0]}` : ''}`;
  }
}


/**
 * Rest-of-line arguments that are free text — a note, a description, a comment — by the name the
 * command gives them in `positional` (`'note...'`, `'content...'`, `'comment...'`). Chinese users
 * type ： in sentences (第1次跟进：客户要求提前发货) and notes hold times (14:30) and links
 * (https://…?a=b), so there a `key：value` whose key the command does not declare is part of the
 * text, kept as typed. Elsewhere — a customer name (`'name...'`), a date, a number — such a token
 * is refused as an unknown field, naming the key, with the usage.
 */
const FREE_TEXT = new Set(['content', 'note', 'comment']);

/**
 * Words after the command path → the named arguments the command declares; a string is an error.
 * A token is a field only when its key is one the command declares (`keys`, or a flag's spelling).
 */
function mapArgs(def: CommandDef, tokens: Token[]): RawArgs | string {
  const raw: RawArgs = { mentions: [] };
  const keyOf = new Map<string, string>();
  for (const [canon, spellings] of Object.entries(def.keys ?? {})) for (const s of [canon, ...spellings]) keyOf.set(s.toLowerCase(), canon);
  const flagOf = new Map<string, string>();
  for (const [canon, spellings] of Object.entries(def.flags ?? {})) for (const s of spellings) flagOf.set(s.toLowerCase(), canon);
  const known = Object.values(def.keys ?? {}).map((s) => s[0]).join('、');
  const unknownField = (key: string) => `不认识的字段「${key}」${known ? `，可用：${known}` : ''}`;

  /** Positional words in order: their token, where it stood, and the undeclared key it looks like it has. */
  const rest: Array<{ token: Token; at: number; key?: string }> = [];
  for (const [at, token] of tokens.entries()) {
    const field = fieldOf(token);
    const canon = field && (keyOf.get(field.key.toLowerCase()) ?? flagOf.get(field.key.toLowerCase()));
    if (field && canon) raw[canon] = field.value; // the last occurrence wins
    else if (MENTION.test(token.text)) raw.mentions.push(MENTION.exec(token.text)![1]!);
    else if (flagOf.has(token.text.toLowerCase())) raw[flagOf.get(token.text.toLowerCase())!] = true;
    else rest.push({ token, at, key: field?.key });
  }

  const names = def.positional ?? [];
  const tail = names.findIndex((n) => n.endsWith('...'));
  const free = tail >= 0 && FREE_TEXT.has(names[tail]!.slice(0, -3));
  // Outside free text an undeclared key is a mistake worth naming (等极=A, 邮箱=…), not a value.
  const stray = rest.find((w, i) => w.key !== undefined && !(free && i >= tail));
  if (stray) return unknownField(stray.key!);

  for (const [i, name] of names.entries()) {
    if (name.endsWith('...')) {
      const words = rest.slice(i);
      if (words.length === 0) return raw;
      raw[name.slice(0, -3)] = free
        ? freeText(words.map((w) => w.token), words.map((w, j) => j > 0 && w.at === words[j - 1]!.at + 1))
        : words.map((w) => w.token.text).join(' ');
      return raw;
    }
    if (i < rest.length) raw[name] = rest[i]!.token.text;
  }
  if (rest.length > names.length) return `多余的内容：「${rest.slice(names.length).map((w) => w.token.text).join(' ')}」`;
  return raw;
}

/** Card actions by id; duplicates fail at start-up. */
export class CardActionRegistry {
  readonly byId = new Map<string, CardActionDef>();
  constructor(defs: CardActionDef[]) {
    for (const def of defs) {
      if (this.byId.has(def.id)) throw new Error(`Card action "${def.id}" is registered twice; card action ids must be unique.`);
      this.byId.set(def.id, def);
    }
  }
}
