/**
 * How a Feishu message becomes a command (normalizeEvent, then the bot):
 * - a text message's `@_user_N` placeholders are resolved through `mentions`: the bot's own mention
 *   is dropped, anyone else's becomes `@ou_…` the commands can use; `@_user_1` never eats `@_user_10`;
 * - a post (rich text) reads the same, with or without the zh_cn wrapper: its `at` nodes map back to
 *   their mentions (by placeholder or open_id), so "@机器人 /帮助" in a group is a command;
 * - the bot's own and other bots' messages are ignored, and so is a group message that does not
 *   mention the bot;
 * - create_time in seconds, milliseconds or microseconds is the user's time, never after receipt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope } from '../../src/local/feishu-events';
import type { EnvelopeV2 } from '../../src/platform/feishu/envelope';
import { normalizeEvent, type Inbound } from '../../src/platform/feishu/inbound';
import { BOT_OPEN_ID, botHarness, type BotHarness } from './support/bot-harness';

const SECRETS = { appId: 'cli_test', verificationToken: 'tok' };
type MentionRef = { key: string; openId: string; name: string };
const mention = (n: number, openId: string, name: string): MentionRef => ({ key: `@_user_${n}`, openId, name });
const BOT = mention(1, BOT_OPEN_ID, '业务部助手');

function messageEnvelope(opts: {
  type?: 'text' | 'post' | 'image';
  content: unknown;
  mentions?: MentionRef[];
  chat?: 'p2p' | 'group';
  sender?: string;
  senderType?: string;
  createTime?: string | number;
  headerTime?: string | number;
}): EnvelopeV2 {
  const env = envelope(SECRETS, 'im.message.receive_v1', {
    sender: { sender_id: { open_id: opts.sender ?? 'ou_li' }, sender_type: opts.senderType ?? 'user' },
    message: {
      message_id: `om_${Math.random().toString(36).slice(2)}`,
      chat_id: opts.chat === 'group' ? 'oc_group' : 'oc_p2p_ou_li',
      chat_type: opts.chat ?? 'p2p',
      message_type: opts.type ?? 'text',
      content: typeof opts.content === 'string' ? opts.content : JSON.stringify(opts.content),
      ...(opts.createTime !== undefined ? { create_time: opts.createTime } : {}),
      mentions: (opts.mentions ?? []).map((m) => ({ key: m.key, id: { open_id: m.openId }, name: m.name })),
    },
  }) as EnvelopeV2;
  if (opts.headerTime !== undefined) env.header.create_time = opts.headerTime;
  return env;
}
const RECEIVED = new Date('2026-12-04T02:00:00.000Z');
const message = (env: EnvelopeV2, botOpenId: string | undefined = BOT_OPEN_ID) => normalizeEvent(env, RECEIVED, botOpenId) as Extract<Inbound, { kind: 'message' }>;

describe('text messages', () => {
  it('drops the bot mention and turns other mentions into @open_id tokens', () => {
    const zhang = mention(2, 'ou_zhang', '张业务');
    const ev = message(messageEnvelope({ chat: 'group', content: { text: '@_user_1 /角色 @_user_2 主管' }, mentions: [BOT, zhang] }));
    expect(ev).toMatchObject({ kind: 'message', chatType: 'group', botMentioned: true, senderIsUser: true, sender: 'ou_li', text: '/角色  @ou_zhang  主管' });
    expect(ev.mentionedOpenIds).toEqual([{ openId: 'ou_zhang', name: '张业务' }]);
  });

  it('resolves @_user_10 as itself, not as @_user_1 followed by a 0', () => {
    const people = Array.from({ length: 10 }, (_, i) => mention(i + 1, `ou_p${i + 1}`, `P${i + 1}`));
    const ev = message(messageEnvelope({ content: { text: '/代理 @_user_10 @_user_1' }, mentions: people }));
    expect(ev.text.split(/\s+/)).toEqual(['/代理', '@ou_p10', '@ou_p1']);
  });

  it('drops @_all and is not fooled by a mention of someone else when the bot is not mentioned', () => {
    const ev = message(messageEnvelope({ chat: 'group', content: { text: '@_all @_user_1 /帮助' }, mentions: [mention(1, 'ou_zhang', '张业务')] }));
    expect(ev.botMentioned).toBe(false);
    expect(ev.text).toBe('@ou_zhang  /帮助');
  });

  it('reads no command from images, files or malformed content', () => {
    expect(message(messageEnvelope({ type: 'image', content: { image_key: 'img_1' } })).text).toBe('');
    expect(message(messageEnvelope({ content: 'not json' })).text).toBe('');
  });
});

describe('post (rich text) messages', () => {
  const post = (lines: unknown[][], title = '') => ({ title, content: lines });

  it('maps an at node given by placeholder back to its mention and drops the bot', () => {
    const zhang = mention(2, 'ou_zhang', '张业务');
    const content = post([[{ tag: 'at', user_id: '@_user_1', user_name: '业务部助手' }, { tag: 'text', text: ' /角色 ' }, { tag: 'at', user_id: '@_user_2', user_name: '张业务' }, { tag: 'text', text: ' 主管' }]]);
    const ev = message(messageEnvelope({ type: 'post', chat: 'group', content, mentions: [BOT, zhang] }));
    expect(ev.botMentioned).toBe(true);
    expect(ev.text.split(/\s+/)).toEqual(['/角色', '@ou_zhang', '主管']);
    expect(ev.mentionedOpenIds).toEqual([{ openId: 'ou_zhang', name: '张业务' }]);
  });

  it('maps an at node given by open_id, inside a zh_cn wrapper, and keeps the title out of the command', () => {
    const content = { zh_cn: post([[{ tag: 'at', user_id: BOT_OPEN_ID }, { tag: 'text', text: ' /客户 列表' }], [{ tag: 'text', text: '' }]], '周报') };
    const ev = message(messageEnvelope({ type: 'post', chat: 'group', content, mentions: [BOT] }));
    expect(ev.botMentioned).toBe(true);
    expect(ev.text).toBe('/客户 列表');
  });

  it('treats an at node naming someone who is not in mentions as a mention of them', () => {
    const content = post([[{ tag: 'at', user_id: BOT_OPEN_ID }, { tag: 'text', text: ' /代理 ' }, { tag: 'at', user_id: 'ou_wang', user_name: '王' }, { tag: 'text', text: ' 至 明天' }]]);
    const ev = message(messageEnvelope({ type: 'post', chat: 'group', content }));
    expect(ev.botMentioned).toBe(true);
    expect(ev.text.split(/\s+/)).toEqual(['/代理', '@ou_wang', '至', '明天']);
    expect(ev.mentionedOpenIds).toEqual([{ openId: 'ou_wang', name: '王' }]);
  });

  it('keeps link text and joins lines', () => {
    const content = post([[{ tag: 'text', text: '/拜访 华为 ' }, { tag: 'a', text: '会议纪要', href: 'https://example.com' }], [{ tag: 'text', text: '第二行' }]]);
    expect(message(messageEnvelope({ type: 'post', content })).text).toBe('/拜访 华为 会议纪要\n第二行');
  });
});

describe('create_time', () => {
  const at = (createTime: string | number | undefined, headerTime?: string | number) => message(messageEnvelope({ content: { text: '/我' }, createTime, headerTime })).at.toISOString();
  it('reads seconds, milliseconds and microseconds as the same moment', () => {
    expect(at('1764813600')).toBe('2025-12-04T02:00:00.000Z');
    expect(at('1764813600123')).toBe('2025-12-04T02:00:00.123Z');
    expect(at('1764813600123456')).toBe('2025-12-04T02:00:00.123Z');
    expect(at(1764813600123)).toBe('2025-12-04T02:00:00.123Z');
  });
  it('never returns a time after receipt, and falls back to the header time, then to receipt', () => {
    expect(at(String(RECEIVED.getTime() + 3_600_000))).toBe(RECEIVED.toISOString());
    expect(at(undefined, '1764813600000')).toBe('2025-12-04T02:00:00.000Z');
    expect(at(undefined, 'garbage')).toBe(RECEIVED.toISOString());
  });
});

describe('what the bot answers', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await botHarness();
  });
  afterAll(() => h.close());

  it('answers a post that @-mentions the bot in a group as a command, not "我只听懂以 / 开头的命令"', async () => {
    const content = { zh_cn: { title: '', content: [[{ tag: 'at', user_id: '@_user_1', user_name: '业务部助手' }, { tag: 'text', text: ' /我' }]] } };
    const [reply, ...more] = await h.deliver(messageEnvelope({ type: 'post', chat: 'group', content, mentions: [BOT] }));
    expect(more).toEqual([]);
    expect(reply!.text).toContain('角色：业务员');
    expect(reply!.text).not.toContain('我只听懂');
  });

  it('lets a command use a mention made in a post (/角色 @某人 by an admin)', async () => {
    const zhang = mention(2, 'ou_zhang', '张业务');
    const content = { title: '', content: [[{ tag: 'at', user_id: '@_user_1' }, { tag: 'text', text: ' /角色 ' }, { tag: 'at', user_id: '@_user_2' }, { tag: 'text', text: ' 财务' }]] };
    const [reply] = await h.deliver(messageEnvelope({ type: 'post', chat: 'group', sender: 'ou_admin', content, mentions: [BOT, zhang] }));
    expect(reply!.text).toContain('张业务');
    expect(reply!.text).toContain('财务');
  });

  it("ignores the bot's own messages, other bots' messages and group messages that do not mention it", async () => {
    expect(await h.deliver(messageEnvelope({ content: { text: '/帮助' }, sender: BOT_OPEN_ID, senderType: 'app' }))).toEqual([]);
    expect(await h.deliver(messageEnvelope({ content: { text: '/帮助' }, sender: 'ou_other_bot', senderType: 'bot' }))).toEqual([]);
    expect(await h.deliver(messageEnvelope({ chat: 'group', content: { text: '/帮助' } }))).toEqual([]);
    expect(await h.deliver(messageEnvelope({ chat: 'group', content: { text: '@_user_1 /帮助' }, mentions: [mention(1, 'ou_zhang', '张业务')] }))).toEqual([]);
  });
});
