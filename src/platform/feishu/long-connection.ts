import * as lark from '@larksuiteoapi/node-sdk';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { Ingest } from './ingest';

/** Events the bot subscribes to; the same list as the webhook handles (FEISHU.md §5.3, §6.2). */
export const SUBSCRIBED_EVENTS = [
  'im.message.receive_v1',
  'card.action.trigger',
  'im.chat.member.bot.added_v1',
  'application.bot.menu_v6',
  'im.chat.access_event.bot_p2p_chat_entered_v1',
] as const;

const HEADER_KEYS = ['event_id', 'event_type', 'create_time', 'tenant_key', 'app_id', 'token'] as const;

/**
 * The SDK hands handlers a flattened `{ schema, ...header, ...event }`; this rebuilds the schema 2.0
 * envelope so long-connection events take exactly the webhook's path. A card action's `token` is the
 * event's update token (it overwrote the header's verification token when flattened).
 */
export function envelopeFromFlat(flat: Record<string, unknown>): Record<string, unknown> {
  const header: Record<string, unknown> = {};
  const event: Record<string, unknown> = {};
  const cardAction = flat.event_type === 'card.action.trigger';
  for (const [k, v] of Object.entries(flat)) {
    if (k === 'schema') continue;
    if ((HEADER_KEYS as readonly string[]).includes(k) && !(cardAction && k === 'token')) header[k] = v;
    else event[k] = v;
  }
  return { schema: '2.0', header, event };
}

/**
 * An EventDispatcher whose handlers feed our ingest; its return value is the WS ack / callback answer.
 * With the app's Encrypt Key it also opens a payload that arrives as `{ encrypt }` (the SDK decrypts
 * before flattening); without one such a payload cannot be read.
 */
export function createDispatcher(ingest: Ingest, clock: Clock, encryptKey?: string): lark.EventDispatcher {
  const dispatcher = new lark.EventDispatcher({ encryptKey, loggerLevel: lark.LoggerLevel.warn });
  const handler = async (data: Record<string, unknown>) => (await ingest.ingest(envelopeFromFlat(data), clock.now(), { trusted: true })).body;
  dispatcher.register(Object.fromEntries(SUBSCRIBED_EVENTS.map((t) => [t, handler])) as never);
  return dispatcher;
}

/** A decoded `pbbp2.Frame`, as the SDK's WSClient hands it around internally. */
interface WsFrame {
  headers: Array<{ key: string; value: string }>;
  payload?: Uint8Array;
  [field: string]: unknown;
}

/**
 * The two WSClient internals (node-sdk 1.74, lib/index.js) the card-frame handling below uses. They are
 * private in the SDK's types; test/http/long-connection.test.ts drives the real client through them, so an
 * SDK upgrade that changes them fails that test instead of silently dropping card clicks again.
 */
interface WsClientInternals {
  handleEventData(frame: WsFrame): Promise<void>;
  sendMessage(frame: WsFrame): void;
}

/** Fragments of one payload (`message_id`, `sum`, `seq` headers); the SDK keeps its own for event frames. */
class Fragments {
  private readonly parts = new Map<string, { chunks: Array<Uint8Array | undefined>; at: number }>();

  /** The whole payload once every fragment is in, else undefined. Incomplete payloads expire after 10 s. */
  add(messageId: string, sum: number, seq: number, chunk: Uint8Array): Uint8Array | undefined {
    const now = Date.now();
    for (const [id, p] of this.parts) if (now - p.at > 10_000) this.parts.delete(id);
    if (!Number.isInteger(sum) || sum < 1 || !Number.isInteger(seq) || seq < 0 || seq >= sum) throw new Error(`bad fragment metadata (sum ${sum}, seq ${seq})`);
    if (sum === 1) return chunk;
    const entry = this.parts.get(messageId) ?? { chunks: new Array<Uint8Array | undefined>(sum).fill(undefined), at: now };
    if (entry.chunks.length !== sum) throw new Error(`fragments of ${messageId} disagree about their number`);
    entry.chunks[seq] = chunk;
    this.parts.set(messageId, entry);
    if (entry.chunks.some((c) => !c)) return undefined;
    this.parts.delete(messageId);
    return Buffer.concat(entry.chunks as Uint8Array[]);
  }
}

/**
 * FEISHU_MODE=ws: no public URL needed; the SDK's WSClient keeps a socket to Feishu.
 *
 * Event frames (`type: event`) take the SDK's own path: reassembled, handed to the dispatcher above, the
 * answer acked back in the frame. That includes the new card callback `card.action.trigger`, which Feishu
 * delivers as an event. Frames of `type: card` — how the long connection carries card callbacks that are
 * not events — are dropped by the SDK (1.74; the Go and Python SDKs drop them too). Here they are handled
 * the same way instead: a schema 2.0 (or encrypted) payload goes through the dispatcher, a legacy card
 * callback body (`open_id`, `action`, …) through the legacy card route's ingest, and the answer (toast,
 * replacement card) goes back in the ack frame.
 */
export function startLongConnection(opts: {
  appId: string;
  appSecret: string;
  baseUrl: string;
  ingest: Ingest;
  clock: Clock;
  log: Logger;
  encryptKey?: string;
}): { close(): void } {
  const log = opts.log.child({ component: 'long-connection' });
  const text = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(' ');
  const client = new lark.WSClient({
    appId: opts.appId,
    appSecret: opts.appSecret,
    domain: opts.baseUrl,
    // The SDK's debug lines carry event bodies and the connect URL's ticket: keep them out.
    loggerLevel: lark.LoggerLevel.info,
    logger: {
      error: (...a: unknown[]) => log.error(text(a)),
      warn: (...a: unknown[]) => log.warn(text(a)),
      info: (...a: unknown[]) => log.debug(text(a)),
      debug: (...a: unknown[]) => log.debug(text(a)),
      trace: () => {},
    },
    autoReconnect: true,
    onReady: () => log.info('long connection ready'),
    onReconnected: () => log.info('long connection reconnected'),
    onError: (err: Error) => log.error('long connection failed', { err }),
  });
  const dispatcher = createDispatcher(opts.ingest, opts.clock, opts.encryptKey);

  const sdk = client as unknown as WsClientInternals;
  const handleEventFrame = sdk.handleEventData.bind(client);
  const fragments = new Fragments();
  sdk.handleEventData = async (frame: WsFrame) => {
    const h = Object.fromEntries(frame.headers.map((x) => [x.key, x.value]));
    if (h.type !== 'card') return handleEventFrame(frame);
    const started = Date.now();
    let ack: { code: number; data?: string };
    try {
      const whole = fragments.add(h.message_id ?? '', Number(h.sum ?? 1), Number(h.seq ?? 0), frame.payload ?? new Uint8Array());
      if (!whole) return;
      const payload = JSON.parse(Buffer.from(whole).toString('utf8')) as Record<string, unknown>;
      const answer =
        'schema' in payload || 'encrypt' in payload
          ? await dispatcher.invoke(payload, { needCheck: false })
          : (await opts.ingest.ingestLegacyCard(payload, opts.clock.now())).body;
      ack = { code: 200, ...(answer && typeof answer === 'object' ? { data: Buffer.from(JSON.stringify(answer)).toString('base64') } : {}) };
    } catch (err) {
      log.error('card frame failed', { err, messageId: h.message_id, traceId: h.trace_id });
      ack = { code: 500 };
    }
    sdk.sendMessage({ ...frame, headers: [...frame.headers, { key: 'biz_rt', value: String(Date.now() - started) }], payload: Buffer.from(JSON.stringify(ack)) });
  };

  void client.start({ eventDispatcher: dispatcher });
  log.info('long connection starting', { domain: opts.baseUrl });
  return { close: () => client.close({ force: true }) };
}
