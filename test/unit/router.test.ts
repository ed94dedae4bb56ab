/**
 * The command router as a user meets it (the real registry of every module, the real bot):
 * - `/系统 <unknown>` (a group of commands, not a command) lists that group's sub-commands and
 *   suggests the nearest one, never "did you mean /系统" for /系统 itself;
 * - `/帮助` is a card whose markdown renders (no literal ** or backticks in a text message), lists every
 *   command, and fits Feishu's limits; `/帮助 订单 新建` (or `/help order new`) explains that one
 *   command, `/帮助 订单` the whole group, an unknown topic says so;
 * - with DEFAULT_ROLE=none a user nobody has assigned may still use /帮助 and /我, told to ask an admin
 *   for a role; everything else is refused and audited;
 * - an expired or unknown button and a group-only command used in a DM are refused and audited too;
 * - a `key：value` token is a field only when the command declares its key: in a note, content or
 *   comment anything else stays text as typed (第1次跟进：…, 14:30, https://…?a=b, ，), while a command
 *   without free text still refuses the unknown key by name, with the usage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardActionEvent, envelope } from '../../src/local/feishu-events';
import { CARD_MAX_BYTES, cardBytes } from '../../src/platform/cards';
import type { EnvelopeV2 } from '../../src/platform/feishu/envelope';
import { botHarness, type BotHarness, type Sent } from './support/bot-harness';

const SECRETS = { appId: 'cli_test', verificationToken: 'tok' };
let seq = 0;

/** A text message in the sender's DM with the bot (or in a group, mentioning the bot). */
function dm(from: string, text: string, chat: 'p2p' | 'group' = 'p2p'): EnvelopeV2 {
  const mentions = chat === 'group' ? [{ key: '@_user_1', id: { open_id: 'ou_bot' }, name: '业务部助手' }] : [];
  return envelope(SECRETS, 'im.message.receive_v1', {
    sender: { sender_id: { open_id: from }, sender_type: 'user' },
    message: {
      message_id: `om_router_${++seq}`,
      chat_id: chat === 'group' ? 'oc_group' : `oc_p2p_${from}`,
      chat_type: chat,
      message_type: 'text',
      content: JSON.stringify({ text: chat === 'group' ? `@_user_1 ${text}` : text }),
      mentions,
    },
  }) as EnvelopeV2;
}

async function one(h: BotHarness, env: EnvelopeV2): Promise<Sent> {
  const sent = await h.deliver(env);
  expect(sent).toHaveLength(1);
  return sent[0]!;
}

describe('unknown sub-commands', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await botHarness();
  });
  afterAll(() => h.close());

  it('lists the sub-commands of /系统 for an unknown one instead of suggesting /系统 itself', async () => {
    const reply = await one(h, dm('ou_admin', '/系统 什么'));
    expect(reply.text).toContain('「/系统」下没有「什么」');
    expect(reply.text).toContain('/系统 状态');
    expect(reply.text).toContain('/系统 绑定群');
    expect(reply.text).not.toContain('你是不是想用 /系统？');
  });

  it('suggests the nearest sub-command for a typo, and lists them for a bare /系统', async () => {
    expect((await one(h, dm('ou_admin', '/系统 状太'))).text).toContain('你是不是想用 /系统 状态？');
    const bare = await one(h, dm('ou_admin', '/系统'));
    expect(bare.text).toContain('「/系统」后面还要写子命令');
    expect(bare.text).toContain('/系统 绑定群');
  });

  it('still suggests the nearest command for an unknown first word', async () => {
    const reply = await one(h, dm('ou_li', '/帮主'));
    expect(reply.text).toContain('没有命令「/帮主」');
    expect(reply.text).toContain('/帮助');
  });
});

describe('/帮助', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await botHarness();
  });
  afterAll(() => h.close());

  it('answers with a card whose markdown lists every command, within Feishu limits', async () => {
    const reply = await one(h, dm('ou_li', '/帮助'));
    expect(reply.type).toBe('interactive');
    expect(reply.json.schema).toBe('2.0');
    const markdown = (reply.json.body.elements as Array<{ tag: string; content?: string }>).filter((e) => e.tag === 'markdown').map((e) => e.content).join('\n');
    for (const def of h.bot.commands.defs) expect(markdown).toContain(`\`${def.usage}\``);
    expect(JSON.stringify(reply.json.header)).not.toMatch(/\*\*|`/);
    expect(cardBytes(reply.json)).toBeLessThan(CARD_MAX_BYTES);
    expect(reply.json.body.elements.length).toBeLessThan(200);
  });

  it('marks what this person may run with • and the rest with ◦', async () => {
    const text = (await one(h, dm('ou_li', '/帮助'))).text;
    expect(text).toMatch(/• `\/帮助 \[命令\]`/);
    expect(text).toMatch(/◦ `\/角色 /);
    const admin = (await one(h, dm('ou_admin', '/帮助'))).text;
    expect(admin).toMatch(/• `\/角色 /);
  });

  it('explains one command for a multi-word path, in Chinese or English', async () => {
    for (const topic of ['订单 新建', '/订单 新建', 'order new']) {
      const reply = await one(h, dm('ou_li', `/帮助 ${topic}`));
      expect(reply.type, topic).toBe('interactive');
      expect(reply.text).toContain('/订单 新建');
      expect(reply.text).not.toContain('/订单 列表');
      expect(reply.text).not.toContain('多余的内容');
    }
    expect((await one(h, dm('ou_li', '/help order new'))).text).toContain('/订单 新建');
  });

  it('explains every command of a group for its first word', async () => {
    const text = (await one(h, dm('ou_li', '/帮助 订单'))).text;
    expect(text).toContain('/订单 新建');
    expect(text).toContain('/订单 列表');
    expect(text).not.toContain('/客户 新建');
  });

  it('says so for an unknown topic, in plain text', async () => {
    const reply = await one(h, dm('ou_li', '/帮助 飞机'));
    expect(reply.type).toBe('text');
    expect(reply.text).toContain('没有命令「/飞机」');
  });
});

describe('users without a role (DEFAULT_ROLE=none)', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await botHarness({ DEFAULT_ROLE: 'none' });
  });
  afterAll(() => h.close());

  it('answers /帮助 and /我, telling them to ask an admin for a role', async () => {
    const help = await one(h, dm('ou_new', '/帮助'));
    expect(help.type).toBe('interactive');
    expect(help.text).toContain('/客户 新建');
    expect(help.text).toContain('你还没有角色，请管理员用 /角色 @你 <角色> 绑定');
    const me = await one(h, dm('ou_new', '/我'));
    expect(me.text).toContain('角色：未分配');
    expect(me.text).toContain('你还没有角色，请管理员用 /角色 @你 <角色> 绑定');
    const inGroup = await one(h, dm('ou_new', '/help', 'group'));
    expect(inGroup.text).toContain('你还没有角色');
  });

  it('refuses other commands with the same pointer, and audits the refusal', async () => {
    const reply = await one(h, dm('ou_new2', '/客户 列表'));
    expect(reply.text).toBe('你还没有角色，请管理员用 /角色 @你 <角色> 绑定后再试。');
    const audits = (await h.audits()).filter((a) => a.actor === 'ou_new2');
    expect(audits).toMatchObject([{ action: 'command:客户.列表', outcome: 'refused' }]);
  });

  it('does not add the pointer for an admin', async () => {
    expect((await one(h, dm('ou_admin', '/我'))).text).not.toContain('你还没有角色');
  });
});

describe('refusals are audited', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await botHarness();
  });
  afterAll(() => h.close());

  it('audits a click on an expired or unknown button', async () => {
    for (const value of [{ action: 'no.such.action', id: 1 }, { nothing: true }]) {
      const ev = cardActionEvent(SECRETS, { openId: 'ou_clicker' }, { value }, { messageId: 'om_x', chatId: 'oc_p2p_ou_clicker' }) as EnvelopeV2;
      const result = await h.click(ev);
      expect(result.toast?.text).toContain('这个按钮已失效');
    }
    const audits = (await h.audits()).filter((a) => a.actor === 'ou_clicker');
    expect(audits.map((a) => [a.action, a.outcome, (a.detail as { reason?: string } | null)?.reason])).toEqual([
      ['card:no.such.action', 'refused', 'unknown_action'],
      ['card:unknown', 'refused', 'unknown_action'],
    ]);
  });

  it('audits a group-only command used in a direct message', async () => {
    const reply = await one(h, dm('ou_admin', '/系统 绑定群'));
    expect(reply.text).toContain('需要在群里使用');
    const audits = (await h.audits()).filter((a) => a.actor === 'ou_admin' && a.outcome === 'refused');
    expect(audits).toMatchObject([{ action: 'command:系统.绑定群', detail: { reason: 'chat', chat: 'p2p' } }]);
  });
});

describe('free text and key=value fields', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await botHarness();
  });
  afterAll(() => h.close());

  /** What the router hands to the command's schema, or its refusal. */
  const args = (text: string) => {
    const parsed = h.bot.commands.parse(text);
    if (parsed.ok) return parsed.invocation.raw;
    if (parsed.kind === 'bad_args') return parsed.message;
    throw new Error(`${text}: ${parsed.kind}`);
  };
  const DD = 'DD-20261109-001';

  it('keeps an order progress note with a full-width colon whole', () => {
    expect(args(`/订单 进度 ${DD} 第1次跟进：客户要求提前发货`)).toEqual({ mentions: [], number: DD, note: '第1次跟进：客户要求提前发货' });
    expect(args(`/order progress ${DD} 第2次跟进：已排产，预计下周完工 已告知客户`)).toEqual({ mentions: [], number: DD, note: '第2次跟进：已排产，预计下周完工', notified: true });
    expect(args(`/订单 异常 ${DD} 原因：来料不良，预计延误 2 天`)).toMatchObject({ note: '原因：来料不良，预计延误 2 天' });
    expect(args(`/订单 回款 ${DD} 1.2万 备注：首付款`)).toMatchObject({ amount: '1.2万', note: '备注：首付款' });
  });

  it('keeps a visit, inquiry, research, urgent and satisfaction text with ： whole, next to declared fields', () => {
    expect(args('/拜访 华星科技 讨论了价格：对方嫌贵 下次=明天')).toEqual({ mentions: [], customer: '华星科技', content: '讨论了价格：对方嫌贵', next: '明天' });
    expect(args('/拜访 华星科技 结论：下周报价 反馈：满意')).toMatchObject({ content: '结论：下周报价', feedback: '满意' });
    expect(args('/咨询 华星科技 耐温要求：-40~120℃ 技术=是')).toEqual({ mentions: [], customer: '华星科技', content: '耐温要求：-40~120℃', tech: '是' });
    expect(args('/咨询 回复 ZX-20260313-001 答复：可以做到')).toMatchObject({ number: 'ZX-20260313-001', content: '答复：可以做到' });
    expect(args('/调研 结论：竞品降价 5%')).toMatchObject({ content: '结论：竞品降价 5%' });
    expect(args('/紧急 华星科技 现象：产线停线')).toMatchObject({ customer: '华星科技', content: '现象：产线停线' });
    expect(args('/满意度 华星科技 4 意见：交期改善明显')).toMatchObject({ score: '4', comment: '意见：交期改善明显' });
  });

  it('keeps times with a half-width colon, = and URLs in a note as typed', () => {
    expect(args(`/订单 进度 ${DD} 明天14:30到厂 a=b 图纸 https://example.com/doc?id=3&v=2`)).toMatchObject({
      note: '明天14:30到厂 a=b 图纸 https://example.com/doc?id=3&v=2',
    });
    expect(args('/拜访 华星科技 会议纪要见 https://example.com/m?x=1：请查收')).toMatchObject({ content: '会议纪要见 https://example.com/m?x=1：请查收' });
  });

  it('keeps the full-width commas of a note, and joins around a flag or mention with a space', () => {
    expect(args('/拜访 巡游科技 介绍新品，客户关心交期 下次=3天后')).toMatchObject({ content: '介绍新品，客户关心交期', next: '3天后' });
    expect(args('/拜访 华星科技 带周工程上门 @ou_eng 做技术交流')).toMatchObject({ content: '带周工程上门 做技术交流', mentions: ['ou_eng'] });
  });

  it('still reads a declared key written with ： or ＝ as a field, and its value keeps later ： and =', () => {
    expect(args(`/订单 变更 ${DD} 交期：后天 数量＝１２０ 客户要求提前`)).toEqual({ mentions: [], number: DD, due: '后天', qty: '120', note: '客户要求提前' });
    expect(args('/订单 新建 客户：华南电子 产品=控制板 数量=500 单价=20 交期：2026-11-30')).toMatchObject({ customer: '华南电子', qty: '500', due: '2026-11-30' });
    expect(args('/投诉 新建 客户=华星科技 内容=问题：外箱破损 紧急')).toEqual({ mentions: [], customer: '华星科技', content: '问题：外箱破损', urgent: true });
    expect(args('/投诉 新建 客户=华星科技 内容=a=b')).toMatchObject({ content: 'a=b' });
    expect(args('/投诉 新建 客户=华星科技 内容="现象：外箱破损，已拍照"')).toMatchObject({ content: '现象：外箱破损，已拍照' });
  });

  it('keeps a wholly quoted note as text even when it starts with a declared key', () => {
    expect(args(`/订单 变更 ${DD} 「交期：明天 改为后天」`)).toEqual({ mentions: [], number: DD, note: '交期：明天 改为后天' });
  });

  it('refuses an undeclared key where there is no free text, naming the key', () => {
    expect(args('/订单 列表 进度：慢')).toBe('不认识的字段「进度」，可用：状态');
    expect(args('/投诉 新建 客户=华星科技 问题：外箱破损')).toBe('不认识的字段「问题」，可用：客户、内容、订单');
    expect(args('/客户 新建 新客户 邮箱=a@b.c')).toBe('不认识的字段「邮箱」，可用：等级、联系人、电话');
    expect(args('/客户 新建 华星：深圳')).toBe('不认识的字段「华星」，可用：等级、联系人、电话');
    // The customer comes before the content: a field-like word there is not the visit's text.
    expect(args('/拜访 客户：华星科技 讨论价格')).toBe('不认识的字段「客户」，可用：下次、地点、反馈、日期');
    expect(args(`/订单 ${DD} 页：2`)).toBe('不认识的字段「页」');
  });

  it('answers that refusal with the usage', async () => {
    const reply = await one(h, dm('ou_li', '/订单 列表 进度：慢'));
    expect(reply.text).toContain('不认识的字段「进度」，可用：状态');
    expect(reply.text).toContain('用法：/订单 列表');
  });
});
