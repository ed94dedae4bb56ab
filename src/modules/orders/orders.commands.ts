/**
 * /订单 … commands, spelled as INTERFACE.md has them (Chinese first, English aliases). Each one
 * validates with Chinese messages, calls the service in the message's transaction and answers
 * with a card or a short text; money goes to private chats only.
 */
import { and, desc, eq, inArray, notInArray, count, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { BotContext } from '../../platform/context';
import type { Content } from '../../platform/feishu/outbox';
import { yuan } from '../../platform/format';
import { arg, perDay } from '../../platform/router/args';
import { defineCommand, type RawArgs } from '../../platform/router/command';
import { SELLERS } from '../../platform/roles';
import { People } from '../../platform/sla/people';
import { deadlines } from '../../platform/sla/sla.schema';
import { formatLocal } from '../../platform/time';
import { stateLabel } from '../../platform/workflow/workflow';
import { historyCard, loadHistoryPage, loadOrderView, orderFormCard, orderListCard, type Audience } from './orders.cards';
import { ORDER_CONFIG } from './orders.config';
import { orders } from './orders.schema';
import { createOrder, logException, logProgress, postCard, recordPayment, requestChange, requireVisibleOrder } from './orders.service';
import { ORDER_RULES, orderWorkflow, payByProblem } from './orders.workflow';

/** key=value spellings of /订单 新建 (also the names of the form card's fields, see orders.card-actions.ts). */
export const NEW_ORDER_KEYS = {
  customer: ['客户', 'customer'],
  product: ['产品', 'product'],
  spec: ['规格', 'spec'],
  qty: ['数量', 'qty', 'quantity'],
  price: ['单价', 'price'],
  due: ['交期', 'due'],
  payBy: ['付款期限', 'pay_by'],
  note: ['备注', 'note'],
};

/** One schema for the command and the form card: the same Chinese errors either way. */
export const newOrderSchema = perDay((today: string) =>
  z
    .object({
      customer: arg.text('客户', 100),
      product: arg.text('产品', 100),
      spec: arg.text('规格', 100).optional(),
      qty: arg.quantity('数量'),
      price: arg.amount('单价'),
      due: arg.date('交期', today, { notPast: true }),
      payBy: arg.date('付款期限', today, { notPast: true }).optional(),
      note: arg.text('备注', 500).optional(),
      important: arg.flag(),
    })
    .superRefine((o, c) => {
      const problem = payByProblem(o.due, o.payBy);
      if (problem) c.addIssue({ code: 'custom', message: `${problem}请改为 ${o.due} 或之后；不填则默认交期后 ${ORDER_CONFIG.defaultPaymentDays} 天。`, path: ['payBy'] });
    }),
);

const orderNo = () => arg.text('订单编号', 40);
/** Private details in a group go by DM; the group hears that they did. */
async function privately(ctx: BotContext, content: Content, groupText: string): Promise<Content> {
  if (ctx.chat?.type !== 'group') return content;
  await ctx.send({ kind: 'send', to: { openId: ctx.actor.openId }, content });
  return { text: groupText };
}

export const newOrderCommand = defineCommand({
  path: ['订单', '新建'],
  aliases: [['order', 'new']],
  summary: '登记订单（不带字段则发表单卡片）',
  summaryEn: 'log an order; with no fields, a form card',
  usage: '/订单 新建 客户=… 产品=… [规格=…] 数量=… 单价=… 交期=… [付款期限=…] [备注=…] [重要]',
  examples: ['/订单 新建 客户=华南电子 产品=控制板 规格=A2 数量=500 单价=12.5 交期=2026-12-31 付款期限=2027-01-31', '/订单 新建'],
  keys: NEW_ORDER_KEYS,
  flags: { important: ['重要', 'important'] },
  roles: SELLERS,
  args: ({ today }) =>
    z.unknown().transform((raw, c) => {
      const given = Object.entries(raw as RawArgs).some(([k, v]) => k !== 'mentions' && v !== undefined);
      if (!given) return { form: true as const };
      const parsed = newOrderSchema(today).safeParse(raw);
      if (!parsed.success) {
        c.addIssue({ code: 'custom', message: parsed.error.issues[0]!.message });
        return z.NEVER;
      }
      return { form: false as const, ...parsed.data };
    }),
  async run(ctx, args) {
    if (args.form) {
      // The form's submit carries where to post the order and a key that makes a second submit harmless.
      return { card: orderFormCard({ action: 'orders.create', s: ctx.causeId, a: ctx.chat?.type === 'group' ? 'group' : 'private' }) };
    }
    const { order, view } = await createOrder(ctx, args);
    await postCard(ctx, order, { reply: true }, undefined, view);
    // The group card has no buttons (everyone sees the same card): the owner's steps are on a DM card.
    if (ctx.chat?.type === 'group') await postCard(ctx, order, { dm: ctx.actor.openId }, undefined, view);
  },
});

export const showOrderCommand = defineCommand({
  path: ['订单'],
  aliases: [['order', 'show'], ['order']],
  summary: '订单卡片：状态、期限、最近历史和你可进行的步骤；加「历史」逐条分页看全部历史（全文）',
  summaryEn: 'order card with next-step buttons; 历史 [page]: the whole history, paged',
  usage: '/订单 <编号> [历史 [页码]]',
  examples: ['/订单 DD-20261204-001', '/订单 DD-20261204-001 历史', '/订单 DD-20261204-001 历史 2'],
  positional: ['number', 'page'],
  flags: { history: ['历史', 'history'] },
  args: () =>
    z
      .object({
        number: orderNo(),
        history: arg.flag(),
        page: z
          .string()
          .regex(/^\d{1,4}$/, '页码须是正整数，例如 /订单 DD-20261204-001 历史 2')
          .transform(Number)
          .refine((n) => n >= 1, '页码须是正整数，例如 /订单 DD-20261204-001 历史 2')
          .optional(),
      })
      .refine((a) => a.history || a.page === undefined, { message: '要翻页请写「历史」：/订单 <编号> 历史 <页码>' }),
  async run(ctx, { number, history, page }) {
    const order = await requireVisibleOrder(ctx, number);
    if (!history) return postCard(ctx, order, { reply: true });
    const audience: Audience = ctx.chat?.type === 'group' ? 'group' : 'private';
    const view = await loadOrderView(ctx.tx, ctx.services, order, ctx.now);
    const h = await loadHistoryPage(ctx.tx, order.id, page ?? 1);
    return { card: historyCard(view, h, { openId: ctx.actor.openId, role: ctx.actor.role, audience }) };
  },
});

/** 状态=… accepts the Chinese label or the stored key; 全部 includes closed orders. */
const STATE_WORDS: Record<string, string> = Object.fromEntries([
  ...Object.entries(orderWorkflow.states).flatMap(([key, s]) => [
    [key, key],
    [s.label, key],
  ]),
  ['全部', 'all'],
  ['all', 'all'],
]);
const CLOSED = ['archived', 'cancelled'];

export const listOrdersCommand = defineCommand({
  path: ['订单', '列表'],
  aliases: [['order', 'list']],
  summary: '订单列表（业务员看自己的；默认只列进行中的）',
  summaryEn: 'list orders (sales: own; default: open ones)',
  usage: '/订单 列表 [状态=…]',
  examples: ['/订单 列表', '/订单 列表 状态=生产中', '/订单 列表 状态=全部'],
  keys: { state: ['状态', 'state'] },
  args: () =>
    z.object({
      state: z
        .string()
        .optional()
        .transform((v, c) => {
          if (v === undefined) return undefined;
          const hit = STATE_WORDS[v] ?? STATE_WORDS[v.toLowerCase()];
          if (!hit) {
            c.addIssue({ code: 'custom', message: `状态「${v}」不存在，可选：全部、${Object.values(orderWorkflow.states).map((s) => s.label).join('、')}` });
            return z.NEVER;
          }
          return hit;
        }),
    }),
  async run(ctx, { state }) {
    const seller = ctx.actor.role === 'sales' || ctx.actor.role === 'senior';
    const where: Array<SQL | undefined> = [
      seller ? eq(orders.ownerOpenId, ctx.actor.openId) : undefined,
      state === undefined ? notInArray(orders.state, CLOSED) : state === 'all' ? undefined : eq(orders.state, state),
    ];
    const cond = and(...where);
    const [{ n } = { n: 0 }] = await ctx.tx.select({ n: count() }).from(orders).where(cond);
    const list = await ctx.tx.select().from(orders).where(cond).orderBy(desc(orders.receivedAt)).limit(ORDER_CONFIG.listLimit);
    const people = await People.load(ctx.tx, ctx.services.config.DEFAULT_ROLE);
    const scope = seller ? '我的订单' : '全部订单';
    const which = state === undefined ? '进行中' : state === 'all' ? '全部状态' : stateLabel(orderWorkflow, state);
    return {
      card: orderListCard(list, n, {
        title: `${scope} · ${which}`,
        subtitle: `共 ${n} 条`,
        viewer: { openId: ctx.actor.openId, role: ctx.actor.role, audience: ctx.chat?.type === 'group' ? 'group' : 'private' },
        tz: ctx.services.config.BUSINESS_TZ,
        people,
      }),
    };
  },
});

export const progressCommand = defineCommand({
  path: ['订单', '进度'],
  aliases: [['order', 'progress']],
  summary: '记录订单进度（生产中每个工作日一条；加「已告知客户」表示已向客户通报，生产中至少每 7 天一次）',
  summaryEn: 'log order progress',
  usage: '/订单 进度 <编号> <说明> [已告知客户]',
  examples: ['/订单 进度 DD-20261204-001 已完成贴片 60%，品质正常 已告知客户'],
  positional: ['number', 'note...'],
  flags: { notified: ['已告知客户', '告知客户', 'notified'] },
  args: () => z.object({ number: orderNo(), note: arg.text('进度说明', 500), notified: arg.flag() }),
  async run(ctx, { number, note, notified }) {
    const order = await logProgress(ctx, number, note, notified);
    return { text: `已记录订单 ${order.id} 进度${notified ? '（已告知客户）' : ''}：${note}` };
  },
});

export const changeCommand = defineCommand({
  path: ['订单', '变更'],
  aliases: [['order', 'change']],
  summary: `客户变更：回到评估，${ORDER_RULES.change_response.target.hours} 个工作小时内响应（可同时改 数量/单价/交期/付款期限）`,
  summaryEn: 'customer change request (8 h response), back to evaluation',
  usage: '/订单 变更 <编号> <说明> [数量=…] [单价=…] [交期=…] [付款期限=…]',
  examples: ['/订单 变更 DD-20261204-001 客户加量并提前交期 数量=800 交期=2026-12-20'],
  positional: ['number', 'note...'],
  keys: { qty: NEW_ORDER_KEYS.qty, price: NEW_ORDER_KEYS.price, due: NEW_ORDER_KEYS.due, payBy: NEW_ORDER_KEYS.payBy },
  roles: SELLERS,
  args: ({ today }) =>
    z.object({
      number: orderNo(),
      note: arg.text('变更说明', 500),
      qty: arg.quantity('数量').optional(),
      price: arg.amount('单价').optional(),
      due: arg.date('交期', today, { notPast: true }).optional(),
      payBy: arg.date('付款期限', today, { notPast: true }).optional(),
    }),
  async run(ctx, { number, note, ...fields }) {
    const order = await requestChange(ctx, number, note, fields);
    const due = await responseDue(ctx, order.id, ORDER_RULES.change_response.step);
    return { text: `订单 ${order.id} 已登记客户变更，进入「${stateLabel(orderWorkflow, order.state)}」。请在${due}前响应，然后在订单卡片上点「重新评估」。` };
  },
});

export const exceptionCommand = defineCommand({
  path: ['订单', '异常'],
  aliases: [['order', 'exception']],
  summary: `登记订单异常：${ORDER_RULES.exception_response.target.hours} 个工作小时内响应，关闭时填写原因（费用分摊）`,
  summaryEn: 'log an order exception (4 h response)',
  usage: '/订单 异常 <编号> <说明>',
  examples: ['/订单 异常 DD-20261204-001 来料不良，预计延误 2 天'],
  positional: ['number', 'note...'],
  args: () => z.object({ number: orderNo(), note: arg.text('异常说明', 500) }),
  async run(ctx, { number, note }) {
    const exc = await logException(ctx, number, note);
    const due = await responseDue(ctx, exc.id, ORDER_RULES.exception_response.step, 'order_exception');
    return { text: `已登记异常 ${exc.id}：${note}\n负责业务员须在${due}前响应；异常卡片已私信给业务员和主管。` };
  },
});

export const paymentCommand = defineCommand({
  path: ['订单', '回款'],
  aliases: [['order', 'payment']],
  summary: '登记回款（可分次；业务员、财务、主管）',
  summaryEn: 'record a payment (partial allowed)',
  usage: '/订单 回款 <编号> <金额> [备注]',
  examples: ['/订单 回款 DD-20261204-001 5000', '/订单 回款 DD-20261204-001 1.2万 首付款'],
  positional: ['number', 'amount', 'note...'],
  args: () => z.object({ number: orderNo(), amount: arg.amount('回款金额'), note: arg.text('备注', 200).optional() }),
  async run(ctx, { number, amount, note }) {
    const r = await recordPayment(ctx, number, amount, note);
    const text = [
      `已登记订单 ${r.order.id} 回款 ${yuan(r.amount)}${r.onTime ? '' : '（已过付款期限）'}。`,
      `累计 ${yuan(r.paid)} / ${yuan(r.order.amount)}，${r.outstanding > 0 ? `未收 ${yuan(r.outstanding)}。` : '已全额回款。'}`,
    ].join('\n');
    return privately(ctx, { text }, `已登记订单 ${r.order.id} 的回款，明细已私信给你。`);
  },
});

/** "11-09 15:30（最迟 …）" of a subject's live clock, for replies. */
async function responseDue(ctx: BotContext, id: string, step: string, subjectType = 'order'): Promise<string> {
  const [d] = await ctx.tx
    .select()
    .from(deadlines)
    .where(and(eq(deadlines.subjectType, subjectType), eq(deadlines.subjectId, id), eq(deadlines.step, step), inArray(deadlines.status, ['open', 'breached'])));
  if (!d) return '规定时间';
  const tz = ctx.services.config.BUSINESS_TZ;
  return ` ${formatLocal((d.targetAt ?? d.limitAt)!, tz)}${d.targetAt && d.limitAt ? `（最迟 ${formatLocal(d.limitAt, tz)}）` : ''} `;
}

export const orderCommands = [newOrderCommand, showOrderCommand, listOrdersCommand, progressCommand, changeCommand, exceptionCommand, paymentCommand];
