import { eq, sql } from 'drizzle-orm';
import type { Tx } from './db/client';
import { auditLog, chats, users } from './db/core.schema';
import type { Actor, AuditEntry, BotContext, ChatRef, Services } from './context';
import { idempotencyKey, enqueue, type Content, type Outgoing } from './feishu/outbox';
import type { Role } from './roles';

/**
 * Records a user the first time we see them (and a name given for them); returns who they are now.
 * A known user with nothing new is one read, no write.
 */
export async function loadActor(services: Services, tx: Tx, openId: string, now: Date, name?: string): Promise<Actor> {
  const defaultRole = services.config.DEFAULT_ROLE === 'none' ? null : services.config.DEFAULT_ROLE;
  const [known] = await tx.select({ name: users.name, role: users.role }).from(users).where(eq(users.openId, openId));
  let row = known;
  if (!known) {
    [row] = await tx
      .insert(users)
      .values({ openId, name: name ?? null, role: null, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: users.openId, set: { name: sql`coalesce(${name ?? null}, ${users.name})` } })
      .returning({ name: users.name, role: users.role });
  } else if (name !== undefined && name !== known.name) {
    await tx.update(users).set({ name }).where(eq(users.openId, openId));
    row = { ...known, name };
  }
  return {
    openId,
    name: row?.name ?? null,
    role: (row?.role as Role | null) ?? defaultRole,
    isAdmin: services.config.ADMIN_OPEN_IDS.includes(openId),
  };
}

export async function rememberChat(tx: Tx, chat: ChatRef, now: Date, name?: string): Promise<void> {
  await tx.insert(chats).values({ chatId: chat.id, chatType: chat.type, name: name ?? null, createdAt: now }).onConflictDoNothing();
}

export async function chatType(tx: Tx, chatId: string): Promise<ChatRef['type'] | undefined> {
  const [row] = await tx.select({ type: chats.chatType }).from(chats).where(eq(chats.chatId, chatId));
  return row?.type === 'p2p' || row?.type === 'group' ? row.type : undefined;
}

export async function teamChatId(tx: Tx): Promise<string | undefined> {
  const [row] = await tx.select({ chatId: chats.chatId }).from(chats).where(eq(chats.isTeam, true)).limit(1);
  return row?.chatId;
}

/** Everyone bound to a role (e.g. every supervisor gets an approval card). */
export async function usersWithRole(tx: Tx, role: Role): Promise<Array<{ openId: string; name: string | null }>> {
  return tx.select({ openId: users.openId, name: users.name }).from(users).where(eq(users.role, role));
}

export async function userName(tx: Tx, openId: string): Promise<string> {
  const [row] = await tx.select({ name: users.name }).from(users).where(eq(users.openId, openId));
  return row?.name ?? openId;
}

export async function writeAudit(tx: Tx, actor: string | null, at: Date, e: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    at,
    actor,
    action: e.action,
    subjectType: e.subjectType ?? null,
    subjectId: e.subjectId === undefined ? null : String(e.subjectId),
    fromState: e.fromState ?? null,
    toState: e.toState ?? null,
    outcome: e.outcome ?? 'ok',
    detail: e.detail ?? null,
  });
}

/** Builds the context one handler runs in; every outgoing message gets a key derived from its cause. */
export function makeContext(
  services: Services,
  tx: Tx,
  base: { causeId: string; now: Date; actor: Actor; chat?: ChatRef; messageId?: string; locale?: 'zh' | 'en' },
): BotContext {
  let seq = 0;
  const send = (msg: Outgoing) => enqueue(tx, msg, idempotencyKey(base.causeId, seq++), services.clock.now());
  return {
    services,
    tx,
    now: base.now,
    causeId: base.causeId,
    actor: base.actor,
    chat: base.chat,
    messageId: base.messageId,
    locale: base.locale ?? 'zh',
    send,
    reply: (content: Content, opts?: { cardKey?: string }) =>
      base.messageId && base.chat
        ? send({ kind: 'reply', messageId: base.messageId, chatId: base.chat.id, content, cardKey: opts?.cardKey })
        : send({ kind: 'send', to: { openId: base.actor.openId }, content, cardKey: opts?.cardKey }),
    audit: (e: AuditEntry) => writeAudit(tx, base.actor.openId, base.now, e),
  };
}
