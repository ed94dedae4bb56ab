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

/** Text of a text or post message; other kinds (images, files) carry no command. */
function messageText(type: string, content: string): string {
  try {
    const c = JSON.parse(content) as Record<string, unknown>;
    if (type === 'text') return String(c.text ?? '');
    if (type === 'post') {
      // post: { title, content: [[{tag:'text',text}, {tag:'at',user_id}], ...] } (sometimes wrapped in a locale key)
      const body = (c.content ? c : (Object.values(c)[0] as Record<string, unknown>)) ?? {};
      const lines = (body.content as Array<Array<Record<string, string>>>) ?? [];
      const text = lines.map((line) => line.map((n) => (n.tag === 'at' ? `@${n.user_id ?? ''}` : n.text ?? '')).join('')).join('\n');
      return [body.title, text].filter(Boolean).join('\n');
    }
  } catch {
    /* malformed content: no text */
  }
  return '';
}

export function normalizeEvent(env: EnvelopeV2, receivedAt: Date, botOpenId: string | undefined): Inbound {
  const { event_id: eventId, event_type: type, create_time } = env.header;
  switch (type) {
    case 'im.message.receive_v1': {
      const { sender, message } = messageEvent.parse(env.event);
      const mentions = message.mentions ?? [];
      let botMentioned = false;
      const mentionedOpenIds: Array<{ openId: string; name?: string }> = [];
      let text = messageText(message.message_type, message.content);
      for (const m of mentions) {
        const openId = m.id.open_id ?? '';
        const isBot = Boolean(botOpenId && openId === botOpenId);
        if (isBot) botMentioned = true;
        else if (openId) mentionedOpenIds.push({ openId, name: m.name });
        text = text.split(m.key).join(isBot || !openId ? ' ' : ` @${openId} `);
      }
      text = text.replace(/@_all/g, ' ').trim();
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
