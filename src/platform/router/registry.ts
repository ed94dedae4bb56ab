import { permittedLabel, type Role } from '../roles';
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
  | { ok: false; kind: 'bad_args'; def: CommandDef; message: string };

const MENTION = /^@(ou_[\w-]+)$/;

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
    const roots = [...new Set([...this.byPath.keys()].map((k) => k.split(' ')[0]!))];
    return { ok: false, kind: 'unknown', word: words[0]!, suggestion: closest(words[0]!, roots) };
  }

  /** /帮助: every command, grouped by its first word. */
  help(role: Role | null, isAdmin: boolean): string {
    const lines = ['**业务部助手 · 命令**（在群里请先 @我；发送 /帮助 <命令> 看用法和示例）', ''];
    let group = '';
    for (const def of this.defs) {
      if (def.path[0] !== group) {
        group = def.path[0]!;
      }
      const allowed = !def.roles || def.roles.some((r) => (r === 'admin' ? isAdmin : r === role));
      lines.push(`${allowed ? '•' : '◦'} \`${def.usage}\` — ${def.summary}${def.aliases?.[0] ? `（/${def.aliases[0].join(' ')}）` : ''}`);
    }
    lines.push('', '◦ 表示需要其他角色。Help in English: /help <command>.');
    return lines.join('\n');
  }

  /** /帮助 <命令>: usage, roles and examples of every command under that word. */
  helpFor(word: string): string | undefined {
    const w = word.replace(/^\//, '').toLowerCase();
    const defs = this.defs.filter((d) => d.path[0]!.toLowerCase() === w || d.aliases?.some((a) => a[0]!.toLowerCase() === w));
    if (defs.length === 0) return undefined;
    return defs
      .map((d) =>
        [
          `**${d.usage}**`,
          `${d.summary} · ${d.summaryEn}`,
          d.aliases?.length ? `English: ${d.aliases.map((a) => '/' + a.join(' ')).join(', ')}` : '',
          d.roles ? `权限：${permittedLabel(d.roles)}` : '',
          ...(d.examples ?? []).map((e) => `例：\`${e}\``),
        ]
          .filter(Boolean)
          .join('\n'),
      )
      .join('\n\n');
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
