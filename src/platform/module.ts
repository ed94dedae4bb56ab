import type { CardActionDef, CommandDef } from './router/command';
import type { JobDef } from './jobs/job';
import type { BotContext, Services } from './context';
import type { Tx } from './db/client';
import type { Content } from './feishu/outbox';

/** A domain module declares what it adds; bot.ts wires every module the same way. */
export interface ModuleDef {
  name: string;
  commands?: CommandDef[];
  cardActions?: CardActionDef[];
  jobs?: JobDef[];
  /** Bot menu keys (configured in the Feishu console) mapped to the command text they run. */
  menu?: Record<string, string>;
  /** Called when the bot is added to a group, inside the event's transaction. */
  onBotAdded?(ctx: BotContext): Promise<void>;
  /** Record types this module owns deadlines for (subject_type → how to name and show one). */
  subjects?: Record<string, SubjectDef>;
  /** Stalled-work finders for the weekly nudge (SPEC §3, issue 3 item 7), by name. */
  nudges?: Record<string, NudgeProvider>;
}

/** A record type that has deadlines: reminders name it, 完成 shows its card (where the step's action is). */
export interface SubjectDef {
  /** Chinese noun: '订单', '客户投诉'. */
  label: string;
  show?(ctx: BotContext, id: string): Promise<Content | undefined>;
}

/** One line of a salesperson's weekly nudge, grouped under `section` (e.g. '停滞的客户'). */
export interface Nudge {
  ownerOpenId: string;
  section: string;
  line: string;
}
export type NudgeProvider = (tx: Tx, now: Date, services: Services) => Promise<Nudge[]>;

/** What modules contribute to the SLA engine, gathered once by createBot. */
export interface ModuleRegistry {
  subjects: Record<string, SubjectDef>;
  nudges: Record<string, NudgeProvider>;
}

/** Merges every module's subjects and nudges; a name claimed twice fails at start-up. */
export function collectRegistry(modules: ModuleDef[]): ModuleRegistry {
  const reg: ModuleRegistry = { subjects: {}, nudges: {} };
  const owner = new Map<string, string>();
  for (const m of modules) {
    for (const kind of ['subjects', 'nudges'] as const) {
      for (const [key, value] of Object.entries(m[kind] ?? {})) {
        const id = `${kind}:${key}`;
        if (owner.has(id)) throw new Error(`${kind === 'subjects' ? 'Subject type' : 'Nudge'} "${key}" is declared by both module "${owner.get(id)}" and "${m.name}"; give one of them another name.`);
        owner.set(id, m.name);
        (reg[kind] as Record<string, unknown>)[key] = value;
      }
    }
  }
  return reg;
}

export const defineModule = (def: ModuleDef): ModuleDef => def;
