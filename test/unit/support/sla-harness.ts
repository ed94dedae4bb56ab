/**
 * A hand-built Services on a real libSQL temp file (no network): what the SLA tests sweep over.
 * Assertions read outbox_messages — the durable record of what would be sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc } from 'drizzle-orm';
import { parseConfig } from '../../../src/config';
import { makeContext } from '../../../src/platform/actors';
import type { Actor, BotContext, Services } from '../../../src/platform/context';
import { openDatabase, type Database } from '../../../src/platform/db/client';
import { chats, outboxMessages, users } from '../../../src/platform/db/core.schema';
import { createLogger } from '../../../src/platform/logger';
import { collectRegistry, type ModuleDef } from '../../../src/platform/module';
import type { Role } from '../../../src/platform/roles';
import { defaultCalendar } from '../../../src/platform/sla/calendar';
import { remindersModule } from '../../../src/modules/reminders';

/** Shanghai wall time 'YYYY-MM-DDTHH:mm' → instant. */
export const sh = (local: string) => new Date(`${local}:00+08:00`);

export const PEOPLE = {
  boss: { openId: 'ou_boss', name: '王主管', role: 'supervisor' },
  li: { openId: 'ou_li', name: '李业务', role: 'sales' },
  zhang: { openId: 'ou_zhang', name: '张业务', role: 'sales' },
  qian: { openId: 'ou_qian', name: '钱财务', role: 'finance' },
  qian2: { openId: 'ou_qian2', name: '孙财务', role: 'finance' },
} as const;
export const TEAM_CHAT = 'oc_team';

export interface Harness {
  services: Services;
  database: Database;
  file: string;
  clock: { at: Date };
  /** Another client on the same file (a second process). */
  second(): Promise<Services>;
  ctx(who: keyof typeof PEOPLE | Actor, opts?: { causeId?: string; now?: Date }): BotContext;
  outbox(): Promise<Array<{ to: string; type: string; body: string; json: any }>>;
  close(): void;
}

export async function harness(opts: { modules?: ModuleDef[]; team?: boolean; env?: Record<string, string> } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'sla-'));
  const file = join(dir, 'test.db');
  const clock = { at: sh('2026-03-09T09:00') };
  const opened: Database[] = [];
  const build = async (): Promise<Services> => {
    const config = parseConfig({ DATABASE_URL: `file:${file}`, LOG_LEVEL: 'silent', ...opts.env });
    const database = await openDatabase(config.DATABASE_URL);
    opened.push(database);
    return {
      config,
      database,
      clock: { now: () => clock.at },
      log: createLogger('silent'),
      calendar: defaultCalendar(config.BUSINESS_TZ),
      botOpenId: () => 'ou_bot',
      registry: collectRegistry([remindersModule, ...(opts.modules ?? [])]),
    };
  };
  const services = await build();
  const { db } = services.database;
  const t0 = sh('2026-01-01T00:00');
  await db.insert(users).values(Object.values(PEOPLE).map((p) => ({ ...p, createdAt: t0, updatedAt: t0 })));
  if (opts.team !== false) await db.insert(chats).values({ chatId: TEAM_CHAT, chatType: 'group', isTeam: true, createdAt: t0 });
  return {
    services,
    database: services.database,
    file,
    clock,
    second: build,
    ctx(who, o = {}) {
      const p = typeof who === 'string' ? PEOPLE[who] : undefined;
      const actor: Actor = p ? { openId: p.openId, name: p.name, role: p.role as Role, isAdmin: false } : (who as Actor);
      return makeContext(services, db, { causeId: o.causeId ?? `ev_${Math.random().toString(36).slice(2)}`, now: o.now ?? clock.at, actor });
    },
    async outbox() {
      const rows = await db.select().from(outboxMessages).orderBy(asc(outboxMessages.id));
      return rows.map((r) => {
        const json = JSON.parse(r.content);
        const body = r.msgType === 'text' ? json.text : JSON.stringify(json);
        return { to: r.receiveId ?? '', type: r.msgType, body, json };
      });
    },
    close() {
      for (const d of opened) d.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** All markdown text of a card, joined (what a reader would see). */
export const cardText = (card: any): string =>
  typeof card?.text === 'string'
    ? card.text
    : (JSON.stringify(card).match(/"content":"((?:[^"\\]|\\.)*)"/g) ?? []).map((m) => JSON.parse(m.slice('"content":'.length))).join('\n');
