import type { CardActionDef, CommandDef } from './router/command';
import type { JobDef } from './jobs/job';
import type { BotContext, Services } from './context';
import type { Tx } from './db/client';
import type { Content } from './feishu/outbox';
import type { SubjectRef } from './sla/deadlines';

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
  /**
   * A customer changed owner (/客户 转交), inside that transaction: move this module's open
   * records of the customer still owned by `from` (and their clocks) to `to`. Returns what moved
   * for the reply ('1 个进行中订单'), or nothing.
   */
  onCustomerTransferred?(ctx: BotContext, t: CustomerTransfer): Promise<string | void>;
}

export interface CustomerTransfer {
  customerId: number;
  customerName: string;
  from: string;
  to: string;
}

/** A record type that has deadlines: reminders name it, 完成 shows its card (where the step's action is). */
export interface SubjectDef {
  /** Chinese noun: '订单', '客户投诉'. */
  label: string;
  /** The record's name for people: 'DD-20261204-001', 'HT-…', '华为' (reminders say "订单 DD-…" instead of "订单 #12"). */
  name?(tx: Tx, id: string): Promise<string | undefined>;
  show?(ctx: BotContext, id: string): Promise<Content | undefined>;
  /**
   * The SLA sweep just reminded, escalated or marked breached clocks of these records (ids as in
   * deadlines.subject_id): refresh whatever shows their countdown (a live card, by PATCH). Runs
   * after the sweep's own messages are queued, in a transaction of its own with a system actor and
   * `ctx.now` = the sweep's moment; a failure is logged and costs only the refresh.
   */
  onDeadlineEvent?(ctx: BotContext, ids: string[]): Promise<void>;
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
  /** Every module's onCustomerTransferred, in module order. */
  customerTransferred: Array<NonNullable<ModuleDef['onCustomerTransferred']>>;
}

/** Merges every module's subjects and nudges; a name claimed twice fails at start-up. */
export function collectRegistry(modules: ModuleDef[]): ModuleRegistry {
  const reg: ModuleRegistry = { subjects: {}, nudges: {}, customerTransferred: [] };
  const owner = new Map<string, string>();
  for (const m of modules) {
    if (m.onCustomerTransferred) reg.customerTransferred.push(m.onCustomerTransferred.bind(m));
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

/** "订单 DD-20261204-001", "客户 华为" — or "订单 #12" when the subject has no name. */
export type SubjectNames = (s: SubjectRef) => string;

/**
 * Looks up the names of these subjects once each (`cache` carries them across the cards of one
 * run) and returns the namer. A module whose `name` fails costs its subjects their name, not the
 * message: the reminder goes out as "订单 #12".
 */
export async function nameSubjects(tx: Tx, services: Pick<Services, 'registry' | 'log'>, subjects: Iterable<SubjectRef>, cache = new Map<string, string | undefined>()): Promise<SubjectNames> {
  const key = (s: SubjectRef) => `${s.subjectType}\u0000${s.subjectId}`;
  const defs = services.registry?.subjects ?? {};
  for (const s of subjects) {
    const k = key(s);
    const def = defs[s.subjectType];
    if (cache.has(k) || !def?.name) continue;
    try {
      cache.set(k, (await def.name(tx, String(s.subjectId)))?.trim() || undefined);
    } catch (err) {
      cache.set(k, undefined);
      services.log.warn('subject name lookup failed', { subjectType: s.subjectType, subjectId: s.subjectId, err });
    }
  }
  return (s) => {
    const label = defs[s.subjectType]?.label ?? s.subjectType;
    const name = cache.get(key(s));
    return name ? `${label} ${name}` : `${label} #${s.subjectId}`;
  };
}
