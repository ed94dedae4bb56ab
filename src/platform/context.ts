import type { Config } from '../config';
import type { Clock } from './clock';
import type { Database, Tx } from './db/client';
import type { Logger } from './logger';
import type { ModuleRegistry } from './module';
import type { Content, Outgoing } from './feishu/outbox';
import type { Role } from './roles';
import type { CalendarConfig } from './sla/calendar';

/** What every handler may use; built once in deps.ts. */
export interface Services {
  config: Config;
  database: Database;
  clock: Clock;
  log: Logger;
  calendar: CalendarConfig;
  /** The bot's own open_id (from /bot/v3/info), to tell its mentions and messages apart. */
  botOpenId: () => string | undefined;
  /** Subjects and nudge providers declared by modules; set by createBot (optional for hand-built Services in tests). */
  registry?: ModuleRegistry;
}

export interface Actor {
  openId: string;
  name: string | null;
  role: Role | null;
  isAdmin: boolean;
}

export interface ChatRef {
  id: string;
  type: 'p2p' | 'group';
}

/** The audit entry a handler writes for a state change or a refusal. */
export interface AuditEntry {
  action: string;
  subjectType?: string;
  subjectId?: string | number;
  fromState?: string | null;
  toState?: string | null;
  outcome?: 'ok' | 'refused';
  detail?: Record<string, unknown>;
}

/** One handled event: a command, a card click or a job's unit of work, inside one transaction. */
export interface BotContext {
  services: Services;
  tx: Tx;
  /** When the user acted (message create_time), or the job's --now. */
  now: Date;
  /** Stable id of the cause; outgoing messages derive their idempotency keys from it. */
  causeId: string;
  actor: Actor;
  chat?: ChatRef;
  messageId?: string;
  locale: 'zh' | 'en';
  /** Queues a message in the outbox (same transaction). */
  send(msg: Outgoing): Promise<void>;
  /** Replies to the message that carried the command (threaded), or DMs the actor for card actions. */
  reply(content: Content, opts?: { cardKey?: string }): Promise<void>;
  audit(entry: AuditEntry): Promise<void>;
}
