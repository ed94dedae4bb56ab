import { randomUUID } from 'node:crypto';
import { actionTime } from '../clock';
import { botAddedEvent, cardActionEvent, legacyCardAction, menuEvent, messageEvent, p2pEnteredEvent, type EnvelopeV2 } from './envelope';

/** Feishu events reduced to what handlers need. `at` is when the user acted, never after receipt. */
export type Inbound =
  | {
      kind: 'message';
      eventId: string;
      messageId: string;
      chatId: string;
      chatType: 'p2p' | 'group';
      sender: string;
      senderIsUser: boolean;
      /** Text with the bot's mention removed and other mentions as `@ou_…` tokens. */
      text: string;
      mentionedOpenIds: Array<{ openId: string; name?: string }>;
      botMentioned: boolean;
      at: Date;
    }
  | { kind: 'card_action'; eventId: string; operator: string; value: unknown; form: Record<string, unknown>; option?: string; messageId?: string; chatId?: string; token?: string; at: Date }
  | { kind: 'bot_added'; eventId: string; chatId: string; name?: string; operator?: string; at: Date }
  | { kind: 'menu'; eventId: string; operator: string; key: string; at: Date }
  | { kind: 'p2p_entered'; eventId: string; chatId: string; operator: string; at: Date }
  | { kind: 'ignored'; eventId: string; eventType: string };

interface Mention {
  key: string;
  openId?: string;
  name?: string;
}

/** A post's body: `{ title, content }`, or the same wrapped in a locale key (`{ zh_cn: { … } }`). */
function postBody(c: Record<string, unknown>): Record<string, unknown> {
  if (Array.isArray(c.content)) return c;
  const wrapped = c.zh_cn ?? c.en_us ?? c.ja_jp ?? Object.values(c).find((v) => v && typeof v === 'object' && Array.isArray((v as Record<string, unknown>).content));
  return wrapped && typeof wrapped === 'object' ? (wrapped as Record<string, unknown>) : {};
}

/**
 * Text of a text or post message, with every mention as its placeholder key (`@_user_N`, as in
 * text messages). A post's `at` node names its user by placeholder or by open_id: either is mapped
 * back to its entry in `mentions`; an open_id missing there becomes a new entry. Other message
 * kinds (images, files) carry no command.
 */
function messageText(type: string, content: string, mentions: Mention[]): string {
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(content) as Record<string, unknown>;
  } catch {
    return ''; // malformed content: no text
  }
  if (!c || typeof c !== 'object') return '';
  if (type === 'text') return typeof c.text === 'string' ? c.text : '';
  if (type !== 'post') return '';
  const body = postBody(c);
  const lines = Array.isArray(body.content) ? (body.content as unknown[]) : [];
  const atNode = (n: Record<string, unknown>): string => {
    const id = String(n.user_id ?? n.open_id ?? '');
    if (id === 'all' || id === '@_all') return ' @_all ';
    const known = mentions.find((m) => m.key === id) ?? (id ? mentions.find((m) => m.openId === id) : undefined);
    if (known) return ` ${known.key} `;
    if (!id.startsWith('ou_')) return ' ';
    const added: Mention = { key: `@_post_${mentions.length + 1}`, openId: id, name: typeof n.user_name === 'string' ? n.user_name : undefined };
    mentions.push(added);
    return ` ${added.key} `;
  };
  const text = lines
    .map((line) =>
      (Array.isArray(line) ? (line as Array<Record<string, unknown>>) : [])
        .map((n) => (n?.tag === 'at' ? atNode(n) : typeof n?.text === 'string' ? n.text : ''))
        .join(''),
    )
    .join('\n')
    .trim();
  // The body carries the command; a title alone (empty body) is read as the text.
  return text || (typeof body.title === 'string' ? body.title : '');
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Replaces each placeholder by what the commands read: nothing for the bot (and `@_all`), `@ou_…`
 * for anyone else. Longest keys first and never followed by a digit, so `@_user_1` cannot eat
 * the start of `@_user_10`.
 */
function resolveMentions(text: string, mentions: Mention[], botOpenId: string | undefined) {
  if (mentions.length === 0 && !text.includes('@_all')) return { text: text.trim(), botMentioned: false, mentionedOpenIds: [] };
  let botMentioned = false;
  const mentionedOpenIds: Array<{ openId: string; name?: string }> = [];
  const replacement = new Map<string, string>([['@_all', ' ']]);
  for (const m of mentions) {
    const isBot = Boolean(botOpenId && m.openId === botOpenId);
    if (isBot) botMentioned = true;
    else if (m.openId && !mentionedOpenIds.some((x) => x.openId === m.openId)) mentionedOpenIds.push({ openId: m.openId, name: m.name });
    replacement.set(m.key, isBot || !m.openId ? ' ' : ` @${m.openId} `);
  }
  const keys = [...replacement.keys()].filter(Boolean).sort((a, b) => b.length - a.length).map(escapeRegExp);
  const resolved = text.replace(new RegExp(`(?:${keys.join('|')})(?!\\d)`, 'g'), (k) => replacement.get(k) ?? k);
  return { text: resolved.trim(), botMentioned, mentionedOpenIds };
}

export function normalizeEvent(env: EnvelopeV2, receivedAt: Date, botOpenId: string | undefined): Inbound {
  const { event_id: eventId, event_type: type, create_time } = env.header;
  switch (type) {
    case 'im.message.receive_v1': {
      const { sender, message } = messageEvent.parse(env.event);
      const mentions: Mention[] = (message.mentions ?? []).map((m) => ({ key: m.key, openId: m.id.open_id || undefined, name: m.name }));
      const raw = messageText(message.message_type, message.content, mentions);
      const { text, botMentioned, mentionedOpenIds } = resolveMentions(raw, mentions, botOpenId);
      return {
        kind: 'message',
        eventId,
        messageId: message.message_id,
        chatId: message.chat_id,
        chatType: message.chat_type === 'p2p' ? 'p2p' : 'group',
        sender: sender.sender_id?.open_id ?? '',
        senderIsUser: sender.sender_type === 'user',
        text,
        mentionedOpenIds,
        botMentioned,
        at: actionTime(message.create_time ?? create_time, receivedAt),
      };
    }
    case 'card.action.trigger': {
      const e = cardActionEvent.parse(env.event);
      return {
        kind: 'card_action',
        eventId,
        operator: e.operator.open_id,
        value: e.action.value,
        form: e.action.form_value ?? {},
        option: e.action.option ?? e.action.input_value ?? undefined,
        messageId: e.context?.open_message_id,
        chatId: e.context?.open_chat_id,
        token: e.token,
        at: actionTime(create_time, receivedAt),
      };
    }
    case 'im.chat.member.bot.added_v1': {
      const e = botAddedEvent.parse(env.event);
      return { kind: 'bot_added', eventId, chatId: e.chat_id, name: e.name, operator: e.operator_id?.open_id ?? undefined, at: actionTime(create_time, receivedAt) };
    }
    case 'application.bot.menu_v6': {
      const e = menuEvent.parse(env.event);
      return { kind: 'menu', eventId, operator: e.operator.operator_id.open_id ?? '', key: e.event_key, at: actionTime(create_time, receivedAt) };
    }
    case 'im.chat.access_event.bot_p2p_chat_entered_v1': {
      const e = p2pEnteredEvent.parse(env.event);
      return { kind: 'p2p_entered', eventId, chatId: e.chat_id, operator: e.operator_id.open_id ?? '', at: actionTime(create_time, receivedAt) };
    }
    default:
      return { kind: 'ignored', eventId, eventType: type };
  }
}

/** The legacy card callback (POST /feishu/cards) in the same shape as card.action.trigger. */
export function normalizeLegacyCard(body: unknown, receivedAt: Date): Inbound & { kind: 'card_action' } {
  const e = legacyCardAction.parse(body);
  return {
    kind: 'card_action',
    // The legacy callback has no event id; stale clicks are caught by the version in the button value.
    eventId: `legacy:${randomUUID()}`,
    operator: e.open_id,
    value: e.action.value,
    form: e.action.form_value ?? {},
    option: e.action.option ?? e.action.input_value ?? undefined,
    messageId: e.open_message_id,
    chatId: e.open_chat_id,
    token: e.token,
    at: receivedAt,
  };
}
