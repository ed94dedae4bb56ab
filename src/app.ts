import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { Services } from './platform/context';
import { decryptEvent, safeEqual, signEvent, signLegacyCard } from './platform/feishu/crypto';
import type { Ingest } from './platform/feishu/ingest';

export interface AppDeps {
  services: Services;
  ingest: Ingest;
  ready(): boolean;
}

/** Feishu pushes small JSON; anything this big is not from Feishu. */
const MAX_BODY_BYTES = 512 * 1024;

/** `json`: the body's JSON text as received (decrypted if it was encrypted). */
type Verified = { ok: true; body: Record<string, unknown>; json: string } | { ok: false; status: 400 | 401; error: string };

/**
 * FEISHU.md §1 in order: the signature over the raw body (sha256 with the Encrypt Key; sha1 with
 * the Verification Token for legacy card callbacks), then decryption. The token is checked by ingest.
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
  let json = raw;
  const signed = Boolean(ts && nonce && signature);
  const legacy = legacyToken !== undefined && !('encrypt' in body) && !('schema' in body);
  if (signed) {
    const expected = legacy ? signLegacyCard(ts!, nonce!, legacyToken, raw) : encryptKey ? signEvent(ts!, nonce!, encryptKey, raw) : undefined;
    if (expected && !safeEqual(expected, signature!.toLowerCase())) return { ok: false, status: 401, error: 'bad signature' };
  }
  if (typeof body.encrypt === 'string') {
    if (!encryptKey) return { ok: false, status: 400, error: 'encrypted body but no FEISHU_ENCRYPT_KEY configured' };
    try {
      json = decryptEvent(body.encrypt, encryptKey);
      body = JSON.parse(json) as Record<string, unknown>;
    } catch {
      return { ok: false, status: 400, error: 'cannot decrypt' };
    }
    if (!body || typeof body !== 'object') return { ok: false, status: 400, error: 'decrypted body is not an object' };
  }
  const isChallenge = body.type === 'url_verification';
  // With an Encrypt Key every real event is signed; only the challenge may come bare.
  if (encryptKey && !signed && !isChallenge) return { ok: false, status: 401, error: 'unsigned event' };
  // A legacy card callback is authenticated by its sha1 signature alone.
  if (legacy && legacyToken && !signed && !isChallenge) return { ok: false, status: 401, error: 'unsigned card callback' };
  return { ok: true, body, json };
}

export function createApp(deps: AppDeps): Hono {
  const { config, clock } = deps.services;
  const app = new Hono();
  const tooLarge = (c: Context) => c.json({ error: 'body too large' }, 413, { connection: 'close' });
  const streamedLimit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });
  // Feishu always sends Content-Length: checking it keeps the body on the server adapter's fast
  // text() path; bodyLimit (which streams and counts) is only needed for chunked bodies.
  const limit: MiddlewareHandler = async (c, next) => {
    const length = c.req.header('content-length');
    if (length === undefined) return streamedLimit(c, next);
    if (Number(length) > MAX_BODY_BYTES) return tooLarge(c);
    await next();
  };

  // A failure of our own (the database refusing the inbox write, say) answers 500, so Feishu
  // delivers the event again, and is logged with where it happened — never only on stderr.
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    deps.services.log.error('request failed', { err, method: c.req.method, path: c.req.path });
    return c.json({ error: 'internal error' }, 500);
  });

  app.get('/healthz', (c) => (deps.ready() ? c.json({ ok: true }) : c.json({ ok: false }, 503)));

  app.post('/feishu/events', limit, async (c) => {
    const receivedAt = clock.now();
    const v = verifyAndDecrypt(c, await c.req.text(), config.FEISHU_ENCRYPT_KEY);
    if (!v.ok) return c.json({ error: v.error }, v.status);
    const r = await deps.ingest.ingest(v.body, receivedAt, { json: v.json });
    return c.json(r.body, r.status);
  });

  app.post('/feishu/cards', limit, async (c) => {
    const receivedAt = clock.now();
    const v = verifyAndDecrypt(c, await c.req.text(), config.FEISHU_ENCRYPT_KEY, config.FEISHU_VERIFICATION_TOKEN ?? '');
    if (!v.ok) return c.json({ error: v.error }, v.status);
    // The card URL also receives schema 2.0 callbacks once the app uses the new callback.
    const r = 'schema' in v.body || v.body.type === 'url_verification' ? await deps.ingest.ingest(v.body, receivedAt) : await deps.ingest.ingestLegacyCard(v.body, receivedAt);
    return c.json(r.body, r.status);
  });

  return app;
}
