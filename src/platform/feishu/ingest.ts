import type { Bot } from '../../bot';
import type { Services } from '../context';
import { inboxEvents } from '../db/core.schema';
import { writeTransaction } from '../db/write-lock';
import { Refusal } from '../errors';
import type { CardActionResult } from '../router/command';
import { safeEqual } from './crypto';
import { envelopeV2, urlVerification } from './envelope';
import { normalizeEvent, normalizeLegacyCard, type Inbound } from './inbound';
import type { InboxWriter } from './inbox';

export type IngestResult = { status: 200 | 400 | 401; body: Record<string, unknown> };

export interface IngestDeps {
  services: Services;
  bot: Bot;
  inbox: InboxWriter;
  /** After an event is committed to the inbox: wake the processor (it wakes the sender as it goes). */
  onInboxed(): void;
  /** After a card click's effects are committed: wake the outbox sender. */
  onEffects(): void;
}

/**
 * What happens to an authenticated, decrypted Feishu payload — shared by the webhook routes and
 * the long-connection client: challenge, envelope check, token check, then either the durable
 * inbox (messages, chat events) or an inline answer (card clicks, which must answer in 3 s).
 */
export function createIngest(deps: IngestDeps) {
  const { services, bot } = deps;
  const { config, database, log } = services;
  const tokenOk = (got: unknown) => !config.FEISHU_VERIFICATION_TOKEN || (typeof got === 'string' && safeEqual(config.FEISHU_VERIFICATION_TOKEN, got));

  async function cardAction(ev: Extract<Inbound, { kind: 'card_action' }>, receivedAt: Date): Promise<CardActionResult> {
    const started = Date.now();
    const elog = log.child({ eventId: ev.eventId, eventType: 'card.action.trigger' });
    let result: CardActionResult;
    try {
      result = await writeTransaction(database.db, async (tx) => {
        // Feishu may deliver a click twice: the event id is claimed in the same transaction as its effect.
        const fresh = await tx
          .insert(inboxEvents)
          .values({ eventId: ev.eventId, eventType: 'card.action.trigger', payload: '{}', receivedAt, status: 'done', processedAt: receivedAt })
          .onConflictDoNothing()
          .returning({ id: inboxEvents.eventId });
        if (fresh.length === 0) return { toast: { type: 'info', text: '已处理' } } satisfies CardActionResult;
        return bot.handleCardAction(ev, tx);
      });
      elog.info('event', { outcome: 'ok', ms: Date.now() - started });
    } catch (err) {
      result = await writeTransaction(database.db, (tx) => bot.answerFailure(ev, tx, err));
      elog[err instanceof Refusal ? 'info' : 'error']('event', { outcome: err instanceof Refusal ? 'refused' : 'error', ms: Date.now() - started, err });
    }
    deps.onEffects();
    return result;
  }

  const toCallbackBody = (result: CardActionResult) => ({
    ...(result.toast ? { toast: { type: result.toast.type, content: result.toast.text } } : {}),
    ...(result.card ? { card: { type: 'raw', data: result.card } } : {}),
  });

  /**
   * `trusted`: the long connection authenticates at connect time and carries no verification token.
   * `json`: the body as received (decrypted), stored as the inbox payload instead of re-serialising it.
   */
  async function ingest(body: Record<string, unknown>, receivedAt: Date, opts: { trusted?: boolean; json?: string } = {}): Promise<IngestResult> {
    const challenge = body.type === 'url_verification' ? urlVerification.safeParse(body) : undefined;
    if (challenge?.success) {
      if (!tokenOk(challenge.data.token)) return { status: 401, body: { error: 'bad token' } };
      return { status: 200, body: { challenge: challenge.data.challenge } };
    }
    const env = envelopeV2.safeParse(body);
    if (!env.success) return { status: 400, body: { error: 'not a schema 2.0 event' } };
    if (!opts.trusted && !tokenOk(env.data.header.token)) return { status: 401, body: { error: 'bad token' } };
    let ev: Inbound;
    try {
      ev = normalizeEvent(env.data, receivedAt, services.botOpenId());
    } catch {
      return { status: 400, body: { error: `malformed ${env.data.header.event_type} event` } };
    }
    if (ev.kind === 'card_action') return { status: 200, body: toCallbackBody(await cardAction(ev, receivedAt)) };
    if (ev.kind === 'ignored') return { status: 200, body: {} };
    await deps.inbox.write({
      eventId: ev.eventId,
      eventType: env.data.header.event_type,
      dedupeKey: ev.kind === 'message' ? `msg:${ev.messageId}` : null,
      payload: opts.json ?? JSON.stringify(env.data),
      receivedAt,
    });
    deps.onInboxed();
    return { status: 200, body: {} };
  }

  /** The legacy card request URL answers with the replacement card itself (plus a toast). */
  async function ingestLegacyCard(body: Record<string, unknown>, receivedAt: Date): Promise<IngestResult> {
    let ev: Extract<Inbound, { kind: 'card_action' }>;
    try {
      ev = normalizeLegacyCard(body, receivedAt);
    } catch {
      return { status: 400, body: { error: 'malformed card action' } };
    }
    const result = await cardAction(ev, receivedAt);
    return { status: 200, body: { ...(result.card ?? {}), ...(result.toast ? { toast: { type: result.toast.type, content: result.toast.text } } : {}) } };
  }

  return { ingest, ingestLegacyCard };
}
export type Ingest = ReturnType<typeof createIngest>;
