import { createHash } from 'node:crypto';
import { and, asc, eq, inArray, lte, or, sql } from 'drizzle-orm';
import type { Database, Tx } from '../db/client';
import type { BatchItem } from 'drizzle-orm/batch';
import { withWriteLock } from '../db/write-lock';
import { cardMessages, chats, outboxMessages } from '../db/core.schema';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { Pump } from '../pump';
import { FeishuError, type FeishuApi } from './api';

/** What a module asks to send. Cards are card JSON 2.0 objects; text is plain text. */
export type Content = { text: string } | { card: Record<string, unknown> } | { file: { name: string; base64: string } };

export type Outgoing =
  | { kind: 'reply'; messageId: string; chatId: string; content: Content; cardKey?: string }
  | { kind: 'send'; to: { openId: string } | { chatId: string }; content: Content; cardKey?: string }
  | { kind: 'patch'; cardKey: string; card: Record<string, unknown> }
  | { kind: 'card_update'; token: string; card: Record<string, unknown> };

/** Feishu's uuid is ≤ 50 chars; a stable hash of the cause keeps retries from posting twice. */
export const idempotencyKey = (...parts: Array<string | number>) =>
  createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 40);

function encode(content: Content): { msgType: string; content: string } {
  if ('text' in content) return { msgType: 'text', content: JSON.stringify({ text: content.text }) };
  if ('card' in content) return { msgType: 'interactive', content: JSON.stringify(content.card) };
  return { msgType: 'file', content: JSON.stringify(content.file) };
}

/** Writes a message into the outbox inside the caller's transaction; the same key twice is one message. */
export async function enqueue(tx: Tx, msg: Outgoing, key: string, now: Date): Promise<void> {
  const base = { uuid: key, createdAt: now, nextAttemptAt: now };
  let row: typeof outboxMessages.$inferInsert;
  switch (msg.kind) {
    case 'reply':
      row = { ...base, kind: 'reply', messageId: msg.messageId, receiveId: msg.chatId, receiveIdType: 'chat_id', cardKey: msg.cardKey, ...encode(msg.content) };
      break;
    case 'send': {
      const [receiveIdType, receiveId] = 'openId' in msg.to ? ['open_id', msg.to.openId] : ['chat_id', msg.to.chatId];
      row = { ...base, kind: 'content' in msg && 'file' in msg.content ? 'file' : 'send', receiveId, receiveIdType, cardKey: msg.cardKey, ...encode(msg.content) };
      break;
    }
    case 'patch':
      row = { ...base, kind: 'patch', cardKey: msg.cardKey, msgType: 'interactive', content: JSON.stringify(msg.card) };
      break;
    case 'card_update':
      row = { ...base, kind: 'card_update', messageId: msg.token, msgType: 'interactive', content: JSON.stringify(msg.card) };
      break;
  }
  await tx.insert(outboxMessages).values(row).onConflictDoNothing();
}

export interface OutboxOptions {
  maxAttempts: number;
  retryBaseMs: number;
  /** Feishu allows 5 messages/s per chat, shared by all bots in it (FEISHU.md §4.1). */
  perChatPerSecond: number;
  claimMs: number;
}
const defaults: OutboxOptions = { maxAttempts: 8, retryBaseMs: 1000, perChatPerSecond: 4, claimMs: 60_000 };

type Row = typeof outboxMessages.$inferSelect;

/** Due, or claimed by a sender whose claim has run out. */
const claimable = (now: Date) =>
  or(
    and(eq(outboxMessages.status, 'pending'), lte(outboxMessages.nextAttemptAt, now)),
    and(eq(outboxMessages.status, 'sending'), lte(outboxMessages.claimedUntil, now)),
  );

/**
 * Drains the outbox: claims due rows, sends them in order, retries with backoff on 5xx and rate limits,
 * and marks a row dead (visible in /系统 状态) after the last attempt — never drops it silently.
 */
export class OutboxSender {
  private readonly opts: OutboxOptions;
  private readonly pump: Pump;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly recentByChat = new Map<string, number[]>();

  constructor(
    private readonly database: Database,
    private readonly api: FeishuApi,
    private readonly clock: Clock,
    private readonly log: Logger,
    opts: Partial<OutboxOptions> = {},
  ) {
    this.opts = { ...defaults, ...opts };
    this.pump = new Pump('outbox drain', () => this.drainOnce(), log, () => void this.scheduleNext());
  }

  /**
   * At start-up: an embedded database has one owner, so rows a crashed run was sending are ours
   * again now. Re-sending is safe: the uuid makes Feishu return the message it already posted.
   */
  async recover(): Promise<void> {
    if (!this.database.isLocalFile) return;
    await withWriteLock(() => this.database.db.update(outboxMessages).set({ status: 'pending', claimedUntil: null }).where(eq(outboxMessages.status, 'sending')));
  }

  /** Starts a drain if none is running; resolves when the outbox has nothing due. */
  kick = (): Promise<void> => this.pump.kick();
  /** Waits for the current drain (used by shutdown and tests). */
  idle = (): Promise<void> => this.pump.idle();

  stop(): void {
    this.pump.stop();
    if (this.timer) clearTimeout(this.timer);
  }

  /** Returns how many rows it looked at. */
  async drainOnce(limit = 20): Promise<number> {
    const { db } = this.database;
    const due = await db
      .select({ id: outboxMessages.id })
      .from(outboxMessages)
      .where(claimable(this.clock.now()))
      .orderBy(asc(outboxMessages.id))
      .limit(limit);
    let claimedAhead: Row | undefined;
    for (const [i, { id }] of due.entries()) {
      // Claimed row by row, just before sending: another instance may be draining the same outbox,
      // and pacing must not let the rows queued behind this one outlive their claim. The next
      // row's claim rides along with this row's outcome (one write instead of two).
      const row = claimedAhead?.id === id ? claimedAhead : await this.claim(id);
      claimedAhead = row ? await this.deliver(row, due[i + 1]?.id) : undefined;
    }
    return due.length;
  }

  /** Takes the row if it is still due and unclaimed; the time is read when the write runs. */
  private async claim(id: number): Promise<Row | undefined> {
    const [row] = await withWriteLock(() => this.claimStatement(id).returning());
    return row;
  }

  private claimStatement(id: number) {
    const now = this.clock.now();
    return this.database.db
      .update(outboxMessages)
      .set({ status: 'sending', claimedUntil: new Date(now.getTime() + this.opts.claimMs) })
      .where(and(eq(outboxMessages.id, id), claimable(now)));
  }

  /** Sends one row and records the outcome; returns the row `nextId` if it was claimed with it. */
  private async deliver(row: Row, nextId: number | undefined): Promise<Row | undefined> {
    const { db } = this.database;
    /** Runs the outcome's statements and the next row's claim in one batch (one transaction). */
    const record = async (statements: BatchItem<'sqlite'>[]): Promise<Row | undefined> => {
      const results = await withWriteLock(() => {
        const claimNext = nextId === undefined ? [] : [this.claimStatement(nextId).returning()];
        return db.batch([...statements, ...claimNext] as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
      });
      return nextId === undefined ? undefined : (results.at(-1) as Row[])[0];
    };
    try {
      await this.pace(row.receiveId ?? row.messageId ?? '');
      const sent = await this.perform(row);
      if (sent === undefined) return undefined; // rescheduled (waiting for its card to be posted)
      const { messageId, dmChatId } = sent;
      return await record([
        db.update(outboxMessages).set({ status: 'sent', sentAt: this.clock.now(), resultMessageId: messageId || null, lastError: null }).where(eq(outboxMessages.id, row.id)),
        ...(row.cardKey && messageId && (row.kind === 'send' || row.kind === 'reply')
          ? [
              db.insert(cardMessages)
                .values({ cardKey: row.cardKey, messageId, sentAt: this.clock.now() })
                .onConflictDoUpdate({ target: cardMessages.cardKey, set: { messageId, sentAt: this.clock.now() } }),
            ]
          : []),
        // A DM's chat id is learnt here: card clicks from it are then known to come from a private chat.
        ...(dmChatId ? [db.insert(chats).values({ chatId: dmChatId, chatType: 'p2p', createdAt: this.clock.now() }).onConflictDoNothing()] : []),
      ]);
    } catch (e) {
      const err = e instanceof FeishuError ? e : new FeishuError(-1, 0, (e as Error).message);
      const attempts = row.attempts + 1;
      const dead = !err.retryable || attempts >= this.opts.maxAttempts;
      const delay = err.retryAfterMs ?? this.opts.retryBaseMs * 2 ** (attempts - 1);
      (dead ? this.log.error : this.log.warn)(dead ? 'outbox message dead' : 'outbox retry', { outboxId: row.id, kind: row.kind, attempts, error: err.message });
      return record([
        db
          .update(outboxMessages)
          .set({
            status: dead ? 'dead' : 'pending',
            attempts,
            lastError: err.message.slice(0, 500),
            nextAttemptAt: new Date(this.clock.now().getTime() + Math.max(delay, 0)),
          })
          .where(eq(outboxMessages.id, row.id)),
      ]);
    }
  }

  /** Sends one row; returns the resulting message id ('' when none), or undefined when it must wait. */
  private async perform(row: Row): Promise<{ messageId: string; dmChatId?: string } | undefined> {
    const send = async (msgType: string, content: string) => {
      const r = await this.api.send(row.receiveIdType as 'open_id' | 'chat_id', row.receiveId!, msgType, content, row.uuid);
      return { messageId: r.messageId, dmChatId: row.receiveIdType === 'open_id' ? r.chatId : undefined };
    };
    switch (row.kind) {
      case 'reply':
        return { messageId: (await this.api.reply(row.messageId!, row.msgType, row.content, row.uuid)).messageId };
      case 'send':
        return send(row.msgType, row.content);
      case 'file': {
        const file = JSON.parse(row.content) as { name: string; base64: string };
        const { fileKey } = await this.api.uploadFile(file.name, Buffer.from(file.base64, 'base64'));
        return send('file', JSON.stringify({ file_key: fileKey }));
      }
      case 'card_update':
        await this.api.cardUpdate(row.messageId!, JSON.parse(row.content));
        return { messageId: '' };
      case 'patch': {
        const messageId = await this.patch(row);
        return messageId === undefined ? undefined : { messageId };
      }
    }
  }

  private async patch(row: Row): Promise<string | undefined> {
    const { db } = this.database;
    const [live] = await db.select().from(cardMessages).where(eq(cardMessages.cardKey, row.cardKey!));
    if (!live) {
      // The card's own send is still queued (or failed): try again shortly, give up with the send.
      const sendState = await db
        .select({ status: outboxMessages.status })
        .from(outboxMessages)
        .where(and(eq(outboxMessages.cardKey, row.cardKey!), inArray(outboxMessages.kind, ['send', 'reply'])))
        .orderBy(sql`${outboxMessages.id} desc`)
        .limit(1);
      if (sendState[0]?.status === 'pending' || sendState[0]?.status === 'sending') {
        await withWriteLock(() => db
          .update(outboxMessages)
          .set({ status: 'pending', nextAttemptAt: new Date(this.clock.now().getTime() + 200) })
          .where(eq(outboxMessages.id, row.id)));
        return undefined;
      }
      return ''; // nothing to update: the card was never posted
    }
    try {
      await this.api.patch(live.messageId, row.content);
      return live.messageId;
    } catch (e) {
      if (!(e instanceof FeishuError) || !e.tooOldToUpdate) throw e;
      // Past the 14-day window: post the card afresh where the old one is, and remember the new one.
      const [origin] = await db
        .select()
        .from(outboxMessages)
        .where(and(eq(outboxMessages.cardKey, row.cardKey!), inArray(outboxMessages.kind, ['send', 'reply'])))
        .orderBy(asc(outboxMessages.id))
        .limit(1);
      if (!origin?.receiveId) throw e;
      const { messageId } = await this.api.send(origin.receiveIdType as 'open_id' | 'chat_id', origin.receiveId, 'interactive', row.content, `${row.uuid}:re`.slice(0, 50));
      await withWriteLock(() => db.update(cardMessages).set({ messageId, sentAt: this.clock.now() }).where(eq(cardMessages.cardKey, row.cardKey!)));
      return messageId;
    }
  }

  /** Keeps each chat under Feishu's per-chat rate (the shared 5 QPS). */
  private async pace(chat: string): Promise<void> {
    const windowMs = 1000;
    const recent = (this.recentByChat.get(chat) ?? []).filter((t) => Date.now() - t < windowMs);
    if (recent.length >= this.opts.perChatPerSecond) {
      await new Promise((r) => setTimeout(r, windowMs - (Date.now() - recent[0]!)));
    }
    recent.push(Date.now());
    this.recentByChat.set(chat, recent.slice(-this.opts.perChatPerSecond));
    if (this.recentByChat.size > 10_000) this.recentByChat.clear();
  }

  /** Wakes up for the next retry; the periodic poll is the safety net. */
  private async scheduleNext(): Promise<void> {
    const { db } = this.database;
    const [next] = await db
      .select({ at: outboxMessages.nextAttemptAt })
      .from(outboxMessages)
      .where(eq(outboxMessages.status, 'pending'))
      .orderBy(asc(outboxMessages.nextAttemptAt))
      .limit(1)
      .catch(() => []);
    if (!next) return;
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.max(0, next.at.getTime() - this.clock.now().getTime());
    this.timer = setTimeout(() => void this.kick(), Math.min(wait, 60_000));
    this.timer.unref?.();
  }
}
