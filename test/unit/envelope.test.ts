/**
 * Feishu's inbound shapes (FEISHU.md §1.2, §1.3, §2, §5), as they arrive:
 * - a schema 2.0 envelope is accepted with create_time as a string or a number, and keeps fields
 *   Feishu may add (the inbox stores the parsed envelope); v1 envelopes, a missing or empty event id,
 *   an over-long one, and a missing event are rejected;
 * - the challenge, message, card-callback (new and legacy), menu, bot-added and p2p-entered bodies
 *   accept Feishu's nulls and reject what a handler could not use (no message id, no operator).
 */
import { describe, expect, it } from 'vitest';
import { botAddedEvent, cardActionEvent, envelopeV2, legacyCardAction, menuEvent, messageEvent, p2pEnteredEvent, urlVerification } from '../../src/platform/feishu/envelope';

const header = { event_id: '5e3702a84e847582be8db7fb73283c02', event_type: 'im.message.receive_v1', create_time: '1608725989000', token: 'rvaYgkND1GOiu5MM0E1ancX', app_id: 'cli_9f5343c580712544', tenant_key: '2ca1d211f64f6438' };

describe('schema 2.0 envelope', () => {
  it('accepts a delivery with create_time as a string or a number and keeps unknown fields', () => {
    const parsed = envelopeV2.parse({ schema: '2.0', header: { ...header, future_field: 1 }, event: { anything: { nested: true } }, extra: 'kept' });
    expect(parsed.header.event_id).toBe(header.event_id);
    expect(parsed).toMatchObject({ extra: 'kept', header: { future_field: 1 }, event: { anything: { nested: true } } });
    expect(envelopeV2.safeParse({ schema: '2.0', header: { ...header, create_time: 1608725989000 }, event: {} }).success).toBe(true);
    expect(envelopeV2.safeParse({ schema: '2.0', header: { event_id: 'e', event_type: 't' }, event: {} }).success).toBe(true);
  });

  it.each([
    ['a v1 envelope', { uuid: 'u', token: 't', ts: '1', type: 'event_callback', event: { type: 'message' } }],
    ['schema 1.0', { schema: '1.0', header, event: {} }],
    ['no header', { schema: '2.0', event: {} }],
    ['an empty event id', { schema: '2.0', header: { ...header, event_id: '' }, event: {} }],
    ['an event id over 128 characters', { schema: '2.0', header: { ...header, event_id: 'e'.repeat(129) }, event: {} }],
    ['no event type', { schema: '2.0', header: { ...header, event_type: undefined }, event: {} }],
    ['no event', { schema: '2.0', header }],
    ['an array as event', { schema: '2.0', header, event: [] }],
  ])('rejects %s', (_, body) => {
    expect(envelopeV2.safeParse(body).success).toBe(false);
  });
});

describe('url verification', () => {
  it('accepts the challenge with or without a token, and rejects an empty challenge or another type', () => {
    expect(urlVerification.parse({ challenge: 'ajls384kdjx98XX', token: 'xxxxxx', type: 'url_verification' }).challenge).toBe('ajls384kdjx98XX');
    expect(urlVerification.safeParse({ challenge: 'c', type: 'url_verification' }).success).toBe(true);
    expect(urlVerification.safeParse({ challenge: '', type: 'url_verification' }).success).toBe(false);
    expect(urlVerification.safeParse({ challenge: 'c', type: 'event_callback' }).success).toBe(false);
  });
});

describe('im.message.receive_v1', () => {
  const event = {
    sender: { sender_id: { union_id: 'on_8ed6aa67826108097d9ee143816345', user_id: null, open_id: 'ou_84aad35d084aa403a838cf73ee18467' }, sender_type: 'user', tenant_key: '736588c9260f175e' },
    message: {
      message_id: 'om_5ce6d572455d361153b7cb51da133945',
      root_id: null,
      parent_id: null,
      create_time: '1609073151345',
      chat_id: 'oc_5ce6d572455d361153b7xx51da133945',
      chat_type: 'group',
      message_type: 'text',
      content: '{"text":"@_user_1 /帮助"}',
      mentions: [{ key: '@_user_1', id: { union_id: 'on_x', user_id: null, open_id: 'ou_bot' }, name: 'Bot', tenant_key: 't' }],
    },
  };
  it("accepts Feishu's shape with its nulls and with mentions null or absent", () => {
    expect(messageEvent.parse(event).message.mentions?.[0]?.id.open_id).toBe('ou_bot');
    expect(messageEvent.safeParse({ ...event, message: { ...event.message, mentions: null } }).success).toBe(true);
    const { mentions: _, ...noMentions } = event.message;
    expect(messageEvent.safeParse({ ...event, message: noMentions }).success).toBe(true);
  });
  it('rejects a message without id, chat or content, and a non-string content', () => {
    for (const key of ['message_id', 'chat_id', 'content'] as const) {
      const { [key]: _, ...rest } = event.message;
      expect(messageEvent.safeParse({ ...event, message: rest }).success, key).toBe(false);
    }
    expect(messageEvent.safeParse({ ...event, message: { ...event.message, content: { text: 'x' } } }).success).toBe(false);
    expect(messageEvent.safeParse({ sender: event.sender }).success).toBe(false);
  });
});

describe('card callbacks', () => {
  it('accepts card.action.trigger with a form, an option and nulls, and rejects a click without operator', () => {
    const e = {
      operator: { tenant_key: 't', user_id: null, open_id: 'ou_li', union_id: 'on_li' },
      token: 'c-295ee57216a5dc9de90fefd0aadb4b1d7d337fc7',
      action: { value: { action: 'orders.confirm', id: 3, v: 2 }, tag: 'button', timezone: 'Asia/Shanghai', form_value: { qty: '5' }, option: null, input_value: null },
      host: 'im_message',
      context: { open_message_id: 'om_x', open_chat_id: 'oc_x' },
    };
    const parsed = cardActionEvent.parse(e);
    expect(parsed.action.value).toEqual({ action: 'orders.confirm', id: 3, v: 2 });
    expect(parsed.action.form_value).toEqual({ qty: '5' });
    expect(parsed.context?.open_chat_id).toBe('oc_x');
    expect(cardActionEvent.safeParse({ ...e, operator: {} }).success).toBe(false);
    expect(cardActionEvent.safeParse({ token: 'c-1', action: {} }).success).toBe(false);
  });

  it('accepts the flat legacy callback body and rejects one without open_id or action', () => {
    const body = { open_id: 'ou_li', user_id: 'u1', open_message_id: 'om_x', open_chat_id: 'oc_x', tenant_key: 't', token: 'c-1', action: { value: { action: 'x' }, tag: 'button' } };
    expect(legacyCardAction.parse(body).open_message_id).toBe('om_x');
    expect(legacyCardAction.safeParse({ ...body, open_id: '' }).success).toBe(false);
    expect(legacyCardAction.safeParse({ open_id: 'ou_li' }).success).toBe(false);
  });
});

describe('chat events', () => {
  it('accepts menu, bot-added and p2p-entered events and rejects them without their key fields', () => {
    expect(menuEvent.parse({ event_key: 'help', timestamp: 1, operator: { operator_name: '李', operator_id: { open_id: 'ou_li', user_id: null } } }).event_key).toBe('help');
    expect(menuEvent.safeParse({ event_key: '', operator: { operator_id: { open_id: 'ou_li' } } }).success).toBe(false);
    expect(botAddedEvent.parse({ chat_id: 'oc_1', name: '业务部', operator_id: { open_id: 'ou_li' }, external: false }).name).toBe('业务部');
    expect(botAddedEvent.safeParse({ name: '业务部' }).success).toBe(false);
    expect(p2pEnteredEvent.parse({ chat_id: 'oc_p2p', operator_id: { open_id: 'ou_li' }, last_message_id: 'om_1' }).chat_id).toBe('oc_p2p');
    expect(p2pEnteredEvent.safeParse({ chat_id: 'oc_p2p' }).success).toBe(false);
  });
});
