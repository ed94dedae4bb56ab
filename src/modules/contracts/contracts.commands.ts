/**
 * /合同 … and /代理 … (INTERFACE.md). Parsing and replies only; the service does the work.
 * Contract details (amounts, payment terms, the decision form) never go into a group: asked
 * there, the card is sent privately and the group hears only that it was (SPEC §1 信息保密).
 */
import { z } from 'zod';
import type { BotContext } from '../../platform/context';
import type { Content } from '../../platform/feishu/outbox';
import { yuan } from '../../platform/format';
import { SELLERS } from '../../platform/roles';
import { arg } from '../../platform/router/args';
import { defineCommand } from '../../platform/router/command';
import { parseDate } from '../../platform/router/parse';
import { dayKey, formatLocal } from '../../platform/time';
import type { Applied } from '../../platform/workflow/apply';
import { contractListCard, plain, stateText, submitFormCard, type ListItem } from './contracts.cards';
import { contractsConfig } from './contracts.config';
import type { Contract } from './contracts.schema';
import {
  archiveContract,
  customerName,
  enterCrm,
  formCustomers,
  listContracts,
  postCard,
  requireVisible,
  reviseContract,
  revokeMine,
  seesAll,
  setDelegation,
  showTo,
  signContract,
  statusCardKey,
  submitContract,
  userNames,
  waitingFor,
} from './contracts.service';
import { levelOf } from './contracts.workflow';

const { textMax } = contractsConfig;

/** key=value spellings of the contract fields (Chinese first). */
const FIELD_KEYS = {
  amount: ['金额', 'amount'],
  terms: ['付款条件', 'terms', 'payment'],
  delivery: ['交期', 'delivery', 'due'],
  order: ['订单', 'order'],
  note: ['说明', 'note'],
};

const fieldSchemas = {
  amount: arg.amount('金额'),
  terms: arg.text('付款条件', textMax),
  delivery: arg.text('交期', 100),
  order: arg.text('订单', 50),
  note: arg.text('说明', textMax),
};

/** A complete submission (the command with fields, and the form card). */
export const submitSchema = z.object({
  customer: arg.text('客户', 100),
  amount: fieldSchemas.amount,
  terms: fieldSchemas.terms.optional(),
  delivery: fieldSchemas.delivery.optional(),
  order: fieldSchemas.order.optional(),
  note: fieldSchemas.note.optional(),
});
export type SubmitArgs = z.output<typeof submitSchema>;

const SUBMIT_USAGE = '/合同 提交 客户=… 金额=… [说明=…] [付款条件=…] [交期=…] [订单=…]';

/** "已发给 王主管、陈主管 审批" or why nobody got a card. */
export function askedNotice(names: string[], c: Contract): string {
  if (names.length) return `已发给 ${names.join('、')} 审批（${levelOf(c.state) === 2 ? '总经办' : '主管'}）。`;
  return '⚠️ 目前没有可以审批的主管：请管理员用 /角色 绑定主管后，由主管发送 /合同 待审 审批。';
}

const inGroup = (ctx: BotContext) => ctx.chat?.type === 'group';

/** In a group: the content goes to the actor by DM and the group gets `groupText`; elsewhere the content itself. */
async function privately(ctx: BotContext, content: Content, groupText: string): Promise<Content> {
  if (!inGroup(ctx)) return content;
  await ctx.send({ kind: 'send', to: { openId: ctx.actor.openId }, content });
  return { text: groupText };
}

/** The submitter's live status card: as the reply in a private chat, by DM when asked in a group. */
export async function replyWithStatus(ctx: BotContext, c: Contract, notice?: string): Promise<Content | void> {
  const { view } = await requireVisible(ctx, c.number);
  const group = inGroup(ctx);
  await postCard(ctx, view, { openId: ctx.actor.openId, role: { kind: 'status', revision: c.revision, level: 0 }, cardKey: statusCardKey(c, ctx.actor.openId, `:${ctx.causeId.slice(-12)}`), notice, reply: !group });
  if (group) return { text: `合同 ${c.number}（第 ${c.revision} 版）${stateText(c.state)}，详情已私信发给你。` };
}

export const submitCommand = defineCommand({
  path: ['合同', '提交'],
  aliases: [['contract', 'submit']],
  summary: '提交合同审批（不带字段则发表单）',
  summaryEn: 'submit a contract for approval (no fields: a form)',
  usage: SUBMIT_USAGE,
  examples: ['/合同 提交 客户=华强电子 金额=12万 付款条件="预付30%" 交期=2026-12-31 订单=DD-20261204-001', '/合同 提交'],
  keys: { customer: ['客户', 'customer'], ...FIELD_KEYS },
  roles: SELLERS,
  args: () =>
    z
      .object({
        customer: arg.text('客户', 100).optional(),
        amount: fieldSchemas.amount.optional(),
        terms: fieldSchemas.terms.optional(),
        delivery: fieldSchemas.delivery.optional(),
        order: fieldSchemas.order.optional(),
        note: fieldSchemas.note.optional(),
      })
      .superRefine((a, ctx) => {
        const any = Object.values(a).some((v) => v !== undefined);
        if (any && a.customer === undefined) ctx.addIssue({ code: 'custom', message: '缺少 客户' });
        if (any && a.amount === undefined) ctx.addIssue({ code: 'custom', message: '缺少 金额' });
      }),
  async run(ctx, a) {
    if (a.customer === undefined || a.amount === undefined) {
      const names = await formCustomers(ctx.tx, ctx.actor);
      // The form lists the customers and, once submitted, becomes the status card: a private matter.
      return privately(ctx, { card: submitFormCard(`form:${ctx.causeId}`, names, ctx.actor.name ?? ctx.actor.openId) }, '合同提交表单已私信发给你。');
    }
    const { c, approvers } = await submitContract(ctx, { ...a, customer: a.customer, amount: a.amount });
    return replyWithStatus(ctx, c, askedNotice(await userNames(ctx.tx, approvers), c));
  },
});

export const reviseCommand = defineCommand({
  path: ['合同', '修改'],
  aliases: [['contract', 'revise']],
  summary: '修改被驳回的合同并重新提交（新版本）',
  summaryEn: 'revise a rejected contract and resubmit it',
  usage: '/合同 修改 <编号> 金额=… [说明=…] [付款条件=…] [交期=…] [订单=…]',
  examples: ['/合同 修改 HT-20261204-001 金额=15万 说明=按意见调整'],
  positional: ['number'],
  keys: FIELD_KEYS,
  args: () =>
    z.object({
      number: arg.text('合同编号', 40),
      amount: fieldSchemas.amount.optional(),
      terms: fieldSchemas.terms.optional(),
      delivery: fieldSchemas.delivery.optional(),
      order: fieldSchemas.order.optional(),
      note: fieldSchemas.note.optional(),
    }),
  async run(ctx, { number, ...changes }) {
    const { c, approvers } = await reviseContract(ctx, number, changes);
    return replyWithStatus(ctx, c, `已重新提交第 ${c.revision} 版。${askedNotice(await userNames(ctx.tx, approvers), c)}`);
  },
});

/** Words for 状态=…, Chinese and English. 待审批 covers both levels. */
const STATE_WORDS: Record<string, readonly string[]> = {
  草稿: ['draft'],
  待审批: ['submitted', 'pending_gm'],
  待审: ['submitted', 'pending_gm'],
  待主管审批: ['submitted'],
  待总经办审批: ['pending_gm'],
  已批准: ['approved'],
  待签署: ['approved'],
  已驳回: ['rejected'],
  驳回: ['rejected'],
  已签署: ['signed'],
  已归档: ['archived'],
  pending: ['submitted', 'pending_gm'],
  draft: ['draft'],
  submitted: ['submitted'],
  pending_gm: ['pending_gm'],
  approved: ['approved'],
  rejected: ['rejected'],
  signed: ['signed'],
  archived: ['archived'],
};

const line = (c: Contract, customer: string, tz: string) =>
  `**${c.number}** · ${plain(customer)} · ${yuan(c.amount)} · ${stateText(c.state)}${c.revision > 1 ? ` · 第 ${c.revision} 版` : ''} · ${formatLocal(c.updatedAt, tz)}`;

export const listCommand = defineCommand({
  path: ['合同', '列表'],
  aliases: [['contract', 'list']],
  summary: '合同列表（主管、总经办、财务看全部；在群里发送则私信回复）',
  summaryEn: 'list contracts',
  usage: '/合同 列表 [状态=待审批|已批准|已驳回|已签署|已归档]',
  examples: ['/合同 列表 状态=已驳回'],
  keys: { state: ['状态', 'state', 'status'] },
  args: () =>
    z.object({
      state: z
        .string()
        .transform((v, ctx) => {
          const hit = STATE_WORDS[v] ?? STATE_WORDS[v.toLowerCase()];
          if (!hit) ctx.addIssue({ code: 'custom', message: `状态「${v}」不在可选范围：${Object.keys(STATE_WORDS).filter((k) => /[^a-z_]/.test(k)).join(' / ')}` });
          return hit ?? [];
        })
        .optional(),
    }),
  async run(ctx, { state }) {
    const tz = ctx.services.config.BUSINESS_TZ;
    const rows = await listContracts(ctx.tx, ctx.actor, state);
    const items = rows.map(({ c, customer }) => ({ line: line(c, customer, tz) }));
    const scope = seesAll(ctx.actor) ? '全部' : '我的';
    const card = contractListCard(`合同列表 · ${scope}`, `${items.length} 份（最多 ${contractsConfig.listLimit}）`, items, '发送 /合同 <编号> 查看详情和审批记录。');
    return privately(ctx, { card }, `合同列表（${items.length} 份）已私信发给你。`);
  },
});

export const pendingCommand = defineCommand({
  path: ['合同', '待审'],
  aliases: [['contract', 'pending']],
  summary: '等我审批的合同（在群里发送则私信回复）',
  summaryEn: 'contracts waiting for my decision',
  usage: '/合同 待审',
  async run(ctx) {
    const tz = ctx.services.config.BUSINESS_TZ;
    const waiting = await waitingFor(ctx.tx, ctx.services, ctx.actor, ctx.now);
    const items: ListItem[] = [];
    for (const c of waiting.slice(0, contractsConfig.listLimit)) {
      const since = c.levelSince ? `，自 ${formatLocal(c.levelSince, tz)} 起` : '';
      items.push({ line: `${line(c, await customerName(ctx.tx, c.customerId), tz)}${since}`, open: { id: c.id } });
    }
    if (items.length === 0) {
      const mine = (await listContracts(ctx.tx, ctx.actor, ['submitted', 'pending_gm'], 'mine')).map(({ c, customer }) => ({ line: line(c, customer, tz) }));
      const card = contractListCard('没有等你审批的合同', mine.length ? `与你有关的 ${mine.length} 份正在审批中` : '—', mine, '审批卡片会直接发给审批人。', 'grey');
      return mine.length ? privately(ctx, { card }, '没有等你审批的合同；与你有关的审批中合同已私信发给你。') : { card };
    }
    const card = contractListCard(`待我审批 · ${waiting.length} 份`, '最早提交的在前', items, '点「打开审批卡片」在卡片上批准或驳回，或发送 /合同 <编号>。', 'orange');
    return privately(ctx, { card }, `等你审批的合同（${waiting.length} 份）已私信发给你。`);
  },
});

export const showCommand = defineCommand({
  path: ['合同'],
  aliases: [['contract'], ['contract', 'show']],
  summary: '查看合同和全部审批记录（在群里发送则私信回复）',
  summaryEn: 'a contract with its whole history',
  usage: '/合同 <编号>',
  examples: ['/合同 HT-20261204-001'],
  positional: ['number'],
  args: () => z.object({ number: arg.text('合同编号', 40) }),
  async run(ctx, { number }) {
    const { c, view, dep } = await requireVisible(ctx, number);
    // In a group the card (and, for an approver, the decision form) goes by DM.
    const decides = await showTo(ctx, view, dep, { reply: !inGroup(ctx) });
    if (inGroup(ctx)) return { text: `合同 ${c.number} 的${decides ? '审批卡片' : '详情'}已私信发给你。` };
  },
});

const dueLines = (applied: Applied, tz: string) =>
  applied.opened.map((d) => `⏰ ${d.label}：截止 ${formatLocal((d.targetAt ?? d.limitAt)!, tz)}${d.targetAt && d.limitAt ? `（最迟 ${formatLocal(d.limitAt, tz)}）` : ''}`);

export const signCommand = defineCommand({
  path: ['合同', '签署'],
  aliases: [['contract', 'sign']],
  summary: '登记合同已签署（日期默认今天）',
  summaryEn: 'record the signing',
  usage: '/合同 签署 <编号> [日期]',
  examples: ['/合同 签署 HT-20261204-001 今天'],
  positional: ['number', 'date'],
  args: ({ today }) => z.object({ number: arg.text('合同编号', 40), date: arg.date('签署日期', today).optional() }),
  async run(ctx, { number, date }) {
    const tz = ctx.services.config.BUSINESS_TZ;
    const { c, applied } = await signContract(ctx, number, date ?? dayKey(ctx.now, tz));
    return { text: [`已登记签署：合同 ${c.number}（${c.signedOn}）。`, ...dueLines(applied, tz), `归档后发送 /合同 归档 ${c.number}；录入 CRM 后发送 /合同 录入 ${c.number}。`].join('\n') };
  },
});

export const archiveCommand = defineCommand({
  path: ['合同', '归档'],
  aliases: [['contract', 'archive']],
  summary: '登记合同已归档',
  summaryEn: 'record the archiving',
  usage: '/合同 归档 <编号>',
  positional: ['number'],
  args: () => z.object({ number: arg.text('合同编号', 40) }),
  async run(ctx, { number }) {
    const { c } = await archiveContract(ctx, number);
    return { text: `已归档：合同 ${c.number}。${c.crmEnteredAt ? '流程已完成。' : `录入 CRM 后发送 /合同 录入 ${c.number}。`}` };
  },
});

export const crmCommand = defineCommand({
  path: ['合同', '录入'],
  aliases: [['contract', 'crm']],
  summary: '登记客户资料已录入 CRM',
  summaryEn: 'record the CRM entry',
  usage: '/合同 录入 <编号>',
  positional: ['number'],
  args: () => z.object({ number: arg.text('合同编号', 40) }),
  async run(ctx, { number }) {
    const { c } = await enterCrm(ctx, number);
    return { text: `已登记录入 CRM：合同 ${c.number}。${c.archivedAt ? '流程已完成。' : `归档后发送 /合同 归档 ${c.number}。`}` };
  },
});

const UNTIL = /^(至|到|直到|until|to)\s*/i;

export const delegateCommand = defineCommand({
  path: ['代理'],
  aliases: [['delegate']],
  summary: '主管：指定代理人在一段时间内代为审批合同',
  summaryEn: 'supervisor: a deputy approves contracts until a date',
  usage: '/代理 @某人 至 <日期>',
  examples: ['/代理 @张三 至 2026-12-31', '/代理 取消'],
  positional: ['until...'],
  roles: ['supervisor'],
  args: ({ today }) =>
    z
      .object({ mentions: arg.mention('代理人'), until: z.string({ error: '缺少结束日期（例如 至 2026-12-31）' }) })
      .transform((a, ctx) => {
        const word = a.until.replace(UNTIL, '').trim();
        const day = word ? parseDate(word, today) : null;
        if (!day) {
          ctx.addIssue({ code: 'custom', message: `结束日期「${a.until}」不是有效日期（可写 2026-12-31、明天、3天后）` });
          return z.NEVER;
        }
        return { to: a.mentions, until: day };
      }),
  async run(ctx, { to, until }) {
    const d = await setDelegation(ctx, to, until);
    const [name] = await userNames(ctx.tx, [d.toOpenId]);
    return { text: `已设置代理：${name} 代你审批合同，至 ${until}（含）。审批记录会写明「${name}（代 ${ctx.actor.name ?? '你'}）」。发送 /代理 取消 可提前结束。` };
  },
});

export const revokeCommand = defineCommand({
  path: ['代理', '取消'],
  aliases: [['delegate', 'cancel']],
  summary: '主管：结束代理审批',
  summaryEn: 'supervisor: end the delegation',
  usage: '/代理 取消',
  roles: ['supervisor'],
  async run(ctx) {
    const n = await revokeMine(ctx);
    return { text: n ? '已结束代理审批。' : '你目前没有生效的代理。' };
  },
});

export const contractCommands = [submitCommand, reviseCommand, listCommand, pendingCommand, signCommand, archiveCommand, crmCommand, showCommand, delegateCommand, revokeCommand];
