import { z } from 'zod';

/** Feishu's inbound shapes (FEISHU.md §1.2, §1.3, §2, §5). Unknown fields pass through untouched. */

export const urlVerification = z.object({
  type: z.literal('url_verification'),
  challenge: z.string().min(1),
  token: z.string().optional(),
});

// Loose: the inbox stores what parsing returns, so a field Feishu adds later is kept, not stripped.
export const envelopeV2 = z.looseObject({
  schema: z.literal('2.0'),
  header: z.looseObject({
    event_id: z.string().min(1).max(128),
    event_type: z.string().min(1),
    token: z.string().optional(),
    create_time: z.union([z.string(), z.number()]).optional(),
    tenant_key: z.string().optional(),
    app_id: z.string().optional(),
  }),
  event: z.record(z.string(), z.unknown()),
});
export type EnvelopeV2 = z.infer<typeof envelopeV2>;

const userId = z.object({ open_id: z.string().min(1), union_id: z.string().nullish(), user_id: z.string().nullish() });

export const messageEvent = z.object({
  sender: z.object({ sender_id: userId.partial().optional(), sender_type: z.string() }),
  message: z.object({
    message_id: z.string().min(1),
    chat_id: z.string().min(1),
    chat_type: z.string(),
    message_type: z.string(),
    content: z.string(),
    create_time: z.union([z.string(), z.number()]).optional(),
    root_id: z.string().nullish(),
    parent_id: z.string().nullish(),
    mentions: z
      .array(z.object({ key: z.string(), id: userId.partial(), name: z.string().optional() }))
      .nullish(),
  }),
});

const actionShape = z.object({
  value: z.unknown().optional(),
  tag: z.string().optional(),
  name: z.string().optional(),
  option: z.string().nullish(),
  options: z.array(z.string()).nullish(),
  input_value: z.string().nullish(),
  form_value: z.record(z.string(), z.unknown()).nullish(),
  checked: z.boolean().nullish(),
});

export const cardActionEvent = z.object({
  operator: z.object({ open_id: z.string().min(1) }).passthrough(),
  token: z.string().optional(),
  action: actionShape,
  context: z.object({ open_message_id: z.string().optional(), open_chat_id: z.string().optional() }).partial().optional(),
});

/** The legacy card request URL's flat body (FEISHU.md §2.1). */
export const legacyCardAction = z.object({
  open_id: z.string().min(1),
  open_message_id: z.string().optional(),
  open_chat_id: z.string().optional(),
  token: z.string().optional(),
  action: actionShape,
});

export const botAddedEvent = z.object({
  chat_id: z.string().min(1),
  name: z.string().optional(),
  operator_id: userId.partial().optional(),
});

export const menuEvent = z.object({
  event_key: z.string().min(1),
  operator: z.object({ operator_id: userId.partial() }),
});

export const p2pEnteredEvent = z.object({
  chat_id: z.string().min(1),
  operator_id: userId.partial(),
});
