import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Bot } from './bot';
import { Refusal } from './platform/errors';
import type { Services } from './platform/context';
import { inboxEvents } from './platform/db/core.schema';
import { decryptEvent, safeEqual, signEvent, signLegacyCard } from './platform/feishu/crypto';
import { envelopeV2, urlVerification } from './platform/feishu/envelope';
import { normalizeEvent, normalizeLegacyCard, type Inbound } from './platform/feishu/inbound';
import type { InboxWriter } from './platform/feishu/inbox';
import type { CardActionResult } from './platform/router/command';

export interface AppDeps {
  services: Services;
  bot: Bot;
  inbox: InboxWriter;
  /** Wakes the inbox processor and the outbox sender after the response (waitUntil on Workers). */
  afterAck(): void;
  ready(): boolean;
}

/** Feishu pushes small JSON; anything this big is not from Feishu. */
const MAX_BODY_BYTES = 512 * 1024;

type Verified = { ok: true; body: Record<string, unknown> } | { ok: false; status: 400 | 401; error: string };

/**
 * The inbound protocol of FEISHU.md §1, in order: signature over the raw body (when an
 * Encrypt Key is set), decryption, then the caller checks the verification token.
 */
function verifyAndDecrypt(c: Context, raw: string, encryptKey: string | undefined, legacyToken?: string): Verified {
  const ts = c.req.header('x-lark-request-timestamp');
  const nonce = c.req.header('x-lark-request-nonce');
  const signature = c.req.header('x-lark-signature');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, status: 400, error: 'body is not JSON' };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, status: 400, error: 'body is not a JSON object' };
  let body = parsed as Record<string, unknown>;
  const signed = Boolean(ts && nonce && signature);
  if (signed) {
    const expected = legacyToken !== undefined && !('encrypt' in body) && !('schema' in body)
      ? signLegacyCard(ts!, nonce!, legacyToken, raw)
      : encryptKey ? signEvent(ts!, nonce!, encryptKey, raw) : undefined;
    if (expected && !safeEqual(expected, signature!.toLowerCase())) return { ok: false, status: 401, error: 'bad signature' };
  }
  if (typeof body.encrypt === 'string') {
    if (!encryptKey) return { ok: false, status: 400, error: 'encrypted body but no FEISHU_ENCRYPT_KEY configured' };
    try {
      body = JSON.parse(decryptEvent(body.encrypt, encryptKey)) as Record<string, unknown>;
    } catch {
      return { ok: false, status: 400, error: 'cannot decrypt' };
    }
    if (!body || typeof body !== 'object') return { ok: false, status: 400, error: 'decrypted body is not an object' };
  }
  // With an Encrypt Key every real event is signed; only the challenge may come bare.
  if (encryptKey && !signed && body.type !== 'url_verification') return { ok: false, status: 401, error: 'unsigned event' };
  // A legacy card callback is authenticated by its sha1 signature alone.
  if (legacyToken && !signed && !('schema' in body) && body.type !== 'url_verification') return { ok: false, status: 401, error: 'unsigned card callback' };
  return { ok: true, body };
}

const tokenMatches = (expected: string | undefined, got: unknown) => !expected || (typeof got === 'string' && safeEqual(expected, got));

function cardResponse(result: CardActionResult, legacy: boolean): Record<string, unknown> {
  const toast = result.toast && { type: result.toast.type, content: result.toast.text };
  if (legacy) return { ...(result.card ?? {}), ...(toast ? { toast } : {}) };
  return { ...(toast ? { toast } : {}), ...(result.card ? { card: { type: 'raw', data: result.card } } : {}) };
}

export function createApp(deps: AppDeps): Hono {
  const { services, bot } = deps;
  const { config, database, clock, log } = services;
  const app = new Hono();
  const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: 'body too large' }, 413, { connection: 'close' }) });

  app.get('/healthz', (c) => (deps.ready() ? c.json({ ok: true }) : c.json({ ok: false }, 503)));

  /** A card click runs inline: Feishu shows our answer (toast, new card) within 3 s. */
  async function runCardAction(ev: Extract<Inbound, { kind: 'card_action' }>, legacy: boolean, receivedAt: Date) {
    const started = Date.now();
    const elog = log.child({ eventId: ev.eventId, eventType: 'card.action.trigger' });
    let result: CardActionResult;
    try {
      result = await database.db.transaction(async (tx) => {
        const fresh = await tx
          .insert(inboxEvents)
          .values({ eventId: ev.eventId, eventType: 'card.action.trigger', payload: '{}', receivedAt, status: 'done', processedAt: receivedAt })
          .onConflictDoNothing()
          .returning({ id: inboxEvents.eventId });
        if (fresh.length === 0) return { toast: { type: 'info', text: '已处理' } } as CardActionResult;
        return bot.handleCardAction(ev, tx);
      });
      elog.info('event', { outcome: 'ok', ms: Date.now() - started });
    } catch (err) {
      result = await database.db.transaction((tx) => bot.answerFailure(ev, tx, err));
      elog[err instanceof Refusal ? 'info' : 'error']('event', { outcome: 'failed', ms: Date.now() - started, err });
    }
    deps.afterAck();
    return cardResponse(result, legacy);
  }

  app.post('/feishu/events', limit, async (c) => {
    const receivedAt = clock.now();
    const raw = await c.req.text();
    const v = verifyAndDecrypt(c, raw, config.FEISHU_ENCRYPT_KEY);
    if (!v.ok) return c.json({ error: v.error }, v.status);
    const challenge = urlVerification.safeParse(v.body);
    if (challenge.success) {
      if (!tokenMatches(config.FEISHU_VERIFICATION_TOKEN, challenge.data.token)) return c.json({ error: 'bad token' }, 401);
      return c.json({ challenge: challenge.data.challenge });
    }
    const env = envelopeV2.safeParse(v.body);
    if (!env.success) return c.json({ error: 'not a schema 2.0 event' }, 400);
    if (!tokenMatches(config.FEISHU_VERIFICATION_TOKEN, env.data.header.token)) return c.json({ error: 'bad token' }, 401);
    let ev: Inbound;
    try {
      ev = normalizeEvent(env.data, receivedAt, services.botOpenId());
    } catch {
      return c.json({ error: `malformed ${env.data.header.event_type} event` }, 400);
    }
    if (ev.kind === 'card_action') return c.json(await runCardAction(ev, false, receivedAt));
    if (ev.kind === 'ignored') return c.json({});
    await deps.inbox.write({
      eventId: ev.eventId,
      eventType: env.data.header.event_type,
      dedupeKey: ev.kind === 'message' ? `msg:${ev.messageId}` : null,
      payload: JSON.stringify(env.data),
      receivedAt,
    });
    deps.afterAck();
    return c.json({});
  });

  app.post('/feishu/cards', limit, async (c) => {
    const receivedAt = clock.now();
    const raw = await c.req.text();
    const v = verifyAndDecrypt(c, raw, config.FEISHU_ENCRYPT_KEY, config.FEISHU_VERIFICATION_TOKEN ?? '');
    if (!v.ok) return c.json({ error: v.error }, v.status);
    const challenge = urlVerification.safeParse(v.body);
    if (challenge.success) {
      if (!tokenMatches(config.FEISHU_VERIFICATION_TOKEN, challenge.data.token)) return c.json({ error: 'bad token' }, 401);
      return c.json({ challenge: challenge.data.challenge });
    }
    // The card URL may also receive schema 2.0 callbacks once the app switches to the new callback.
    const env = envelopeV2.safeParse(v.body);
    try {
      if (env.success) {
        if (!tokenMatches(config.FEISHU_VERIFICATION_TOKEN, env.data.header.token)) return c.json({ error: 'bad token' }, 401);
        const ev = normalizeEvent(env.data, receivedAt, services.botOpenId());
        if (ev.kind !== 'card_action') return c.json({ error: 'not a card action' }, 400);
        return c.json(await runCardAction(ev, false, receivedAt));
      }
      return c.json(await runCardAction(normalizeLegacyCard(v.body, receivedAt), true, receivedAt));
    } catch {
      return c.json({ error: 'malformed card action' }, 400);
    }
  });

  return app;
}
