import type { Role } from '../roles';
import type { CardActionDef, CommandDef, RawArgs } from './command';
import { closest, splitArgs, tokenize } from './parse';

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
    const tokens = tokenize(text);
    const head = tokens[0];
    if (!head || !head.startsWith('/') || head.length < 2) return { ok: false, kind: 'not_command' };
    const words = [head.slice(1), ...tokens.slice(1)];
    for (let depth = Math.min(this.maxDepth, words.length); depth >= 1; depth--) {
      const hit = this.byPath.get(words.slice(0, depth).join(' ').toLowerCase());
      if (hit) {
        const mapped = mapArgs(hit.def, words.slice(depth));
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


/** Words after the command path → the named arguments the command declares; a string is an error. */
function mapArgs(def: CommandDef, words: string[]): RawArgs | string {
  const raw: RawArgs = { mentions: [] };
  const { positional, fields } = splitArgs(words);
  const keyOf = new Map<string, string>();
  for (const [canon, spellings] of Object.entries(def.keys ?? {})) for (const s of [canon, ...spellings]) keyOf.set(s.toLowerCase(), canon);
  const flagOf = new Map<string, string>();
  for (const [canon, spellings] of Object.entries(def.flags ?? {})) for (const s of spellings) flagOf.set(s.toLowerCase(), canon);

  for (const [k, v] of Object.entries(fields)) {
    const canon = keyOf.get(k.toLowerCase()) ?? flagOf.get(k.toLowerCase());
    if (!canon) {
      const known = Object.values(def.keys ?? {}).map((s) => s[0]).join('、');
      return `不认识的字段「${k}」${known ? `，可用：${known}` : ''}`;
    }
    raw[canon] = v;
  }
  const rest: string[] = [];
  for (const word of positional) {
    const mention = MENTION.exec(word);
    if (mention) raw.mentions.push(mention[1]!);
    else if (flagOf.has(word.toLowerCase())) raw[flagOf.get(word.toLowerCase())!] = true;
    else rest.push(word);
  }
  const names = def.positional ?? [];
  for (const [i, name] of names.entries()) {
    if (name.endsWith('...')) {
      if (i < rest.length) raw[name.slice(0, -3)] = rest.slice(i).join(' ');
      return raw;
    }
    if (i < rest.length) raw[name] = rest[i];
  }
  if (rest.length > names.length) return `多余的内容：「${rest.slice(names.length).join(' ')}」`;
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
