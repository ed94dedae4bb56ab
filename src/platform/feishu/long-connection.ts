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

/** An EventDispatcher whose handlers feed our ingest; its return value is the WS ack / callback answer. */
export function createDispatcher(ingest: Ingest, clock: Clock): lark.EventDispatcher {
  const dispatcher = new lark.EventDispatcher({ loggerLevel: lark.LoggerLevel.warn });
  const handler = async (data: Record<string, unknown>) => (await ingest.ingest(envelopeFromFlat(data), clock.now(), { trusted: true })).body;
  dispatcher.register(Object.fromEntries(SUBSCRIBED_EVENTS.map((t) => [t, handler])) as never);
  return dispatcher;
}

/** FEISHU_MODE=ws: no public URL needed; the SDK's WSClient keeps a socket to Feishu. */
export function startLongConnection(opts: { appId: string; appSecret: string; baseUrl: string; ingest: Ingest; clock: Clock; log: Logger }): { close(): void } {
  const client = new lark.WSClient({ appId: opts.appId, appSecret: opts.appSecret, domain: opts.baseUrl, loggerLevel: lark.LoggerLevel.info, autoReconnect: true });
  void client.start({ eventDispatcher: createDispatcher(opts.ingest, opts.clock) });
  opts.log.info('long connection started', { domain: opts.baseUrl });
  return { close: () => client.close({ force: true }) };
}
