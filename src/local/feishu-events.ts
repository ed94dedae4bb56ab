import { randomBytes, randomUUID } from 'node:crypto';
import { encryptEvent, signEvent } from '../platform/feishu/crypto';

/**
 * Builds events exactly as Feishu delivers them (schema 2.0, encrypted and signed), for the
 * local simulator and the tests: both drive the bot through its real /feishu/events route.
 */
export interface EventSecrets {
  appId: string;
  verificationToken: string;
  encryptKey?: string;
}

export interface UserRef {
  openId: string;
  name?: string;
}

let counter = 0;
const nextId = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(counter++).toString(36)}${randomBytes(4).toString('hex')}`;

export function envelope(secrets: EventSecrets, eventType: string, event: Record<string, unknown>, opts: { eventId?: string; createTime?: number } = {}) {
  return {
    schema: '2.0',
    header: {
      event_id: opts.eventId ?? randomUUID().replace(/-/g, ''),
      token: secrets.verificationToken,
      create_time: String(opts.createTime ?? Date.now()),
      event_type: eventType,
      tenant_key: 'tenant_local',
      app_id: secrets.appId,
    },
    event,
  };
}

/** A text message as im.message.receive_v1; `@name` in the text becomes a real mention when the user is listed. */
export function messageEvent(
  secrets: EventSecrets,
  from: UserRef,
  text: string,
  opts: { chatId: string; chatType: 'p2p' | 'group'; mentions?: Array<UserRef & { isBot?: boolean }>; messageId?: string; eventId?: string; createTime?: number },
) {
  const mentions = (opts.mentions ?? []).map((m, i) => ({ key: `@_user_${i + 1}`, id: { open_id: m.openId, union_id: `on_${m.openId}`, user_id: null }, name: m.name ?? m.openId, tenant_key: 'tenant_local' }));
  const prefix = mentions.map((m) => m.key).join(' ');
  let body = text;
  // Mentions typed as @name in the text are replaced by placeholders, as Feishu does.
  for (const [i, m] of (opts.mentions ?? []).entries()) {
    if (m.name && body.includes(`@${m.name}`)) body = body.replace(`@${m.name}`, mentions[i]!.key);
  }
  const unplaced = mentions.filter((m) => !body.includes(m.key)).map((m) => m.key);
  const content = [...unplaced, body].join(' ').trim() || prefix;
  const createTime = opts.createTime ?? Date.now();
  return envelope(
    secrets,
    'im.message.receive_v1',
    {
      sender: { sender_id: { open_id: from.openId, union_id: `on_${from.openId}`, user_id: null }, sender_type: 'user', tenant_key: 'tenant_local' },
      message: {
        message_id: opts.messageId ?? nextId('om'),
        create_time: String(createTime),
        chat_id: opts.chatId,
        chat_type: opts.chatType,
        message_type: 'text',
        content: JSON.stringify({ text: content }),
        mentions,
      },
    },
    { eventId: opts.eventId, createTime },
  );
}

export function cardActionEvent(
  secrets: EventSecrets,
  operator: UserRef,
  action: { value: unknown; formValue?: Record<string, unknown>; name?: string; tag?: string },
  opts: { messageId?: string; chatId?: string; token?: string; eventId?: string; createTime?: number } = {},
) {
  return envelope(
    secrets,
    'card.action.trigger',
    {
      operator: { tenant_key: 'tenant_local', open_id: operator.openId, union_id: `on_${operator.openId}` },
      token: opts.token ?? `c-${randomUUID()}`,
      action: { value: action.value, tag: action.tag ?? (action.formValue ? 'button' : 'button'), name: action.name, form_value: action.formValue },
      host: 'im_message',
      context: { open_message_id: opts.messageId, open_chat_id: opts.chatId },
    },
    { eventId: opts.eventId, createTime: opts.createTime },
  );
}

/** The HTTP request Feishu would make: encrypted body, signature headers. */
export function signedRequest(secrets: EventSecrets, payload: unknown): { body: string; headers: Record<string, string> } {
  const plain = JSON.stringify(payload);
  if (!secrets.encryptKey) return { body: plain, headers: { 'content-type': 'application/json; charset=utf-8' } };
  const body = JSON.stringify({ encrypt: encryptEvent(plain, secrets.encryptKey) });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e9));
  return {
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-lark-request-timestamp': timestamp,
      'x-lark-request-nonce': nonce,
      'x-lark-signature': signEvent(timestamp, nonce, secrets.encryptKey, body),
    },
  };
}
