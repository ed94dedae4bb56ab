/**
 * The real bot (every module) over a real libSQL temp file, without HTTP: an event goes in through
 * normalizeEvent + bot.handle inside the inbox's transaction, and what the bot would send is read
 * back from outbox_messages.
 */
import { cardNodes } from '../../../src/platform/cards';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc } from 'drizzle-orm';
import { createBot, type Bot } from '../../../src/bot';
import { parseConfig } from '../../../src/config';
import { modules } from '../../../src/modules';
import type { Services } from '../../../src/platform/context';
import { openDatabase } from '../../../src/platform/db/client';
import { auditLog, outboxMessages } from '../../../src/platform/db/core.schema';
import { writeTransaction } from '../../../src/platform/db/write-lock';
import type { EnvelopeV2 } from '../../../src/platform/feishu/envelope';
import { normalizeEvent, type Inbound } from '../../../src/platform/feishu/inbound';
import { createLogger } from '../../../src/platform/logger';
import type { CardActionResult } from '../../../src/platform/router/command';
import { defaultCalendar } from '../../../src/platform/sla/calendar';

export const BOT_OPEN_ID = 'ou_bot';

export interface Sent {
  to: string;
  type: string;
  /** A text message's text, or every markdown/plain text of a card joined by newlines. */
  text: string;
  json: any;
}

export async function botHarness(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'salesdesk-bot-'));
  const config = parseConfig({ DATABASE_URL: `file:${join(dir, 'bot.db')}`, LOG_LEVEL: 'silent', ADMIN_OPEN_IDS: 'ou_admin', ...env });
  const database = await openDatabase(config.DATABASE_URL);
  const services: Services = {
    config,
    database,
    clock: { now: () => new Date() },
    log: createLogger('silent'),
    calendar: defaultCalendar(config.BUSINESS_TZ),
    botOpenId: () => BOT_OPEN_ID,
  };
  const bot: Bot = createBot(modules, services);
  let seen = 0;

  /** Everything queued since the last call. */
  async function sent(): Promise<Sent[]> {
    const rows = await database.db.select().from(outboxMessages).orderBy(asc(outboxMessages.id));
    const fresh = rows.slice(seen);
    seen = rows.length;
    return fresh.map((r) => {
      const json = JSON.parse(r.content);
      return { to: r.receiveId ?? '', type: r.msgType, text: r.msgType === 'text' ? String(json.text) : cardText(json), json };
    });
  }

  /** Delivers a Feishu envelope the way the inbox processor does; returns what the bot queued. */
  async function deliver(env: EnvelopeV2 | Record<string, unknown>): Promise<Sent[]> {
    const ev = normalizeEvent(env as EnvelopeV2, new Date(), BOT_OPEN_ID);
    if (ev.kind === 'ignored') return sent();
    if (ev.kind === 'card_action') {
      await writeTransaction(database.db, (tx) => bot.handleCardAction(ev, tx));
    } else await handle(ev);
    return sent();
  }

  /** A card click the way ingest answers it: normalized, handled in one transaction; returns the callback answer. */
  async function click(env: EnvelopeV2 | Record<string, unknown>): Promise<CardActionResult> {
    const ev = normalizeEvent(env as EnvelopeV2, new Date(), BOT_OPEN_ID);
    if (ev.kind !== 'card_action') throw new Error(`not a card action: ${ev.kind}`);
    return writeTransaction(database.db, (tx) => bot.handleCardAction(ev, tx));
  }

  async function handle(ev: Exclude<Inbound, { kind: 'card_action' | 'ignored' }>): Promise<void> {
    try {
      await writeTransaction(database.db, (tx) => bot.handle(ev, tx));
    } catch (err) {
      await writeTransaction(database.db, (tx) => bot.answerFailure(ev, tx, err));
    }
  }

  return {
    services,
    bot,
    db: database.db,
    deliver,
    click,
    sent,
    audits: () => database.db.select().from(auditLog).orderBy(asc(auditLog.id)),
    close() {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type BotHarness = Awaited<ReturnType<typeof botHarness>>;

/** Every text a reader sees on a card (markdown and plain_text contents), joined by newlines. */
export function cardText(card: unknown): string {
  const textTags = ['markdown', 'plain_text', 'lark_md'];
  return cardNodes(card, (o) => typeof o.content === 'string' && textTags.includes(String(o.tag))).map((o) => o.content).join('\n');
}
