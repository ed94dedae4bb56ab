/**
 * Order cards (cards/order-*.json). One renderer per card kind, fed by one loaded view of the order
 * and a viewer: the same order renders with only the buttons the viewer may use, and with money
 * only for the owner and the money roles in a private chat (never in a group).
 */
import { and, asc, count, desc, eq, inArray, like, type SQL } from 'drizzle-orm';
import cardTpl from '../../../cards/order-card.json';
import exceptionTpl from '../../../cards/order-exception.json';
import formTpl from '../../../cards/order-form.json';
import listTpl from '../../../cards/order-list.json';
import { button, CARD_MAX_BYTES, cardBytes, hr, md, renderCard, type Card } from '../../platform/cards';
import type { Services } from '../../platform/context';
import type { Tx } from '../../platform/db/client';
import { yuan } from '../../platform/format';
import { ROLES, type Role } from '../../platform/roles';
import { LIVE } from '../../platform/sla/deadlines';
import { dueText } from '../../platform/sla/format';
import { People } from '../../platform/sla/people';
import { deadlines, type DeadlineRow } from '../../platform/sla/sla.schema';
import { formatLocal } from '../../platform/time';
import { availableEvents, eventLabel, stateLabel, type EventDef, type Party } from '../../platform/workflow/workflow';
import { ALLOCATION_CAUSES, ORDER_COST_ALLOCATION, isAllocationCause } from './orders.allocation';
import { ORDER_CONFIG } from './orders.config';
import { orderEvents, orderExceptions, orderPayments, type Order, type OrderEvent, type OrderException, type OrderPayment } from './orders.schema';
import { EVENT_GUARDS, exceptionWorkflow, ORDER_RULES, isPrimaryEvent, needsNote, NOT_A_BUTTON, orderWorkflow } from './orders.workflow';

export type Audience = 'group' | 'private';
export interface Viewer {
  openId: string;
  role: Role | null;
  audience: Audience;
}

/** Everything a card of one order shows, loaded once and rendered for each viewer. */
export interface OrderView {
  order: Order;
  /** Live clocks of the order … */
  deadlines: DeadlineRow[];
  /** … and of its exceptions (subject id DD-…-E1). */
  exceptionDeadlines: DeadlineRow[];
  events: OrderEvent[];
  exceptions: OrderException[];
  payments: OrderPayment[];
  people: People;
  tz: string;
  now: Date;
}

/** The parts of an order's view a caller already holds (e.g. the rows it wrote in this transaction); they are not read again. */
export type KnownParts = Partial<Omit<OrderView, 'order' | 'tz' | 'now'>>;

export async function loadOrderView(tx: Tx, services: Services, order: Order, now: Date, known: KnownParts = {}): Promise<OrderView> {
  const byDue = (a: DeadlineRow, b: DeadlineRow) => (a.targetAt ?? a.limitAt)!.getTime() - (b.targetAt ?? b.limitAt)!.getTime();
  const live = (subjectType: string, id: SQL) => tx.select().from(deadlines).where(and(eq(deadlines.subjectType, subjectType), id, inArray(deadlines.status, LIVE)));
  return {
    order,
    deadlines: [...(known.deadlines ?? (await live('order', eq(deadlines.subjectId, order.id))))].sort(byDue),
    exceptionDeadlines: [...(known.exceptionDeadlines ?? (await live('order_exception', like(deadlines.subjectId, `${order.id}-E%`))))].sort(byDue),
    events: known.events ?? (await tx.select().from(orderEvents).where(eq(orderEvents.orderId, order.id)).orderBy(desc(orderEvents.id)).limit(ORDER_CONFIG.historyShown + 1)),
    exceptions: known.exceptions ?? (await tx.select().from(orderExceptions).where(eq(orderExceptions.orderId, order.id)).orderBy(asc(orderExceptions.loggedAt))),
    payments: known.payments ?? (await tx.select().from(orderPayments).where(eq(orderPayments.orderId, order.id)).orderBy(asc(orderPayments.id))),
    people: known.people ?? (await People.load(tx, services.config.DEFAULT_ROLE)),
    tz: services.config.BUSINESS_TZ,
    now,
  };
}

const moneyFor = (o: Pick<Order, 'ownerOpenId'>, v: Viewer) => v.audience === 'private' && (v.openId === o.ownerOpenId || (!!v.role && ORDER_CONFIG.moneyRoles.includes(v.role)));
const partyWord = (p: Party | string) => (p === 'owner' ? '业务员' : p === 'admin' ? '管理员' : ROLES[p as Role]?.zh ?? p);
const numberFormat = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 2 });
const num = (n: number) => numberFormat.format(n);
const textTag = (text: string, color: string) => ({ tag: 'text_tag', text: { tag: 'plain_text', content: text }, color });

const STATE_COLOR: Record<string, string> = {
  changed: 'orange',
  on_hold: 'orange',
  in_production: 'indigo',
  ready_to_ship: 'turquoise',
  shipped: 'turquoise',
  delivered: 'green',
  paid: 'green',
  summarized: 'green',
  archived: 'grey',
  cancelled: 'grey',
};

const stateEvents = (state: string) => (orderWorkflow.states as Record<string, { on?: Record<string, EventDef> }>)[state]?.on ?? {};

/** The events this viewer may fire now, as buttons (commands-only and system events excluded). */
export function buttonEvents(o: Order, v: Viewer): Array<{ event: string; label: string }> {
  return availableEvents(orderWorkflow, o.state, { role: v.role, isOwner: v.openId === o.ownerOpenId })
    .filter((e) => !NOT_A_BUTTON.has(e.event) && !EVENT_GUARDS[e.event]?.(o))
    .map((e) => ({ event: e.event, label: e.label }));
}

/** "下一步": what moves the order forward from here, and who does it. */
function nextSteps(o: Order): string {
  const parts = Object.entries(stateEvents(o.state))
    .filter(([e]) => isPrimaryEvent(e) && !NOT_A_BUTTON.has(e) && !EVENT_GUARDS[e]?.(o))
    .map(([, ev]) => `${ev.label}（${ev.roles.map(partyWord).join('/')}）`);
  return parts.join('、');
}

function deadlineLine(d: DeadlineRow, view: OrderView): string {
  const who = d.ownerOpenId ? view.people.name(d.ownerOpenId) : partyWord(d.ownerRole ?? '');
  return `• ${d.label} · ${who} · ${dueText(d, view.now, view.tz)}`;
}

/** Notes are free text up to 500 characters: history lines keep the card far under Feishu's 30 KB. */
const clip = (text: string, max: number) => (Array.from(text).length > max ? `${Array.from(text).slice(0, max).join('')}…` : text);

function eventLine(e: OrderEvent, view: OrderView, money: boolean, noteMax = 200): string {
  const d = (e.detail ?? {}) as Record<string, unknown>;
  const what: Record<OrderEvent['kind'], () => string> = {
    created: () => '登记订单',
    step: () => `${eventLabel(orderWorkflow, e.event ?? '', e.fromState ?? undefined)}（${stateLabel(orderWorkflow, e.fromState ?? '')}→${stateLabel(orderWorkflow, e.toState ?? '')}）`,
    progress: () => `更新进度${e.customerNotified ? ' · 已告知客户' : ''}`,
    change: () => {
      const changed = ((d.changed as string[] | undefined) ?? []).filter((k) => money || k !== 'price');
      const labels: Record<string, string> = { qty: '数量', price: '单价', due: '交期', payBy: '付款期限' };
      const before = d.before as Record<string, unknown> | undefined;
      const after = d.after as Record<string, unknown> | undefined;
      return `客户变更${changed.length ? `（${changed.map((k) => `${labels[k]} ${String(before?.[k])}→${String(after?.[k])}`).join('，')}）` : ''}`;
    },
    exception: () => '异常',
    payment: () => (money ? `回款 ${yuan(Number(d.amount))}（累计 ${yuan(Number(d.paid))}）` : '登记回款'),
  };
  return `${formatLocal(e.at, view.tz)} ${view.people.name(e.actorOpenId)} ${what[e.kind]()}${e.note ? `：${clip(e.note, noteMax)}` : ''}`;
}

const buttonType = (event: string) => (/^(REJECT|CANCEL)/.test(event) ? 'danger' : isPrimaryEvent(event) ? 'primary' : 'default');

/** A form with a note box and one submit button per event (a rejection's note travels with the click). */
function actionForm(name: string, buttons: Array<{ label: string; value: Record<string, unknown>; type: string; confirm?: string }>, placeholder: string, extra: unknown[] = []): unknown {
  return {
    tag: 'form',
    name,
    elements: [
      ...extra,
      { tag: 'input', name: 'note', max_length: 500, placeholder: { tag: 'plain_text', content: placeholder } },
      {
        tag: 'column_set',
        flex_mode: 'flow',
        horizontal_spacing: 'small',
        columns: buttons.map((b, i) => ({
          tag: 'column',
          width: 'auto',
          elements: [
            {
              tag: 'button',
              name: `b${i}`,
              type: b.type,
              text: { tag: 'plain_text', content: b.label },
              form_action_type: 'submit',
              behaviors: [{ type: 'callback', value: b.value }],
              ...(b.confirm ? { confirm: { title: { tag: 'plain_text', content: b.label }, text: { tag: 'plain_text', content: b.confirm } } } : {}),
            },
          ],
        })),
      },
    ],
  };
}

/** The order card: facts, state and clocks, latest notes, full history (collapsed), and the viewer's buttons. */
export function orderCard(view: OrderView, viewer: Viewer): Card {
  const o = view.order;
  const money = moneyFor(o, viewer);
  const names = (id: string) => view.people.name(id);
  const facts = [
    `**客户**：${o.customerName}　**业务员**：${names(o.ownerOpenId)}`,
    `**产品**：${o.product}${o.spec ? `（${o.spec}）` : ''}　**数量**：${num(o.qty)}`,
    money ? `**单价**：${yuan(o.unitPrice)}　**金额**：${yuan(o.amount)}` : viewer.audience === 'group' ? '**金额**：仅在私聊中显示' : '',
    `**交期**：${o.dueDate}　**付款期限**：${o.payBy}`,
    o.note ? `**备注**：${o.note}` : '',
    o.important ? `**重要订单**：${o.reviewedAt ? `已由 ${names(o.reviewedBy ?? '')} 审核（${formatLocal(o.reviewedAt, view.tz)}）` : '价格确认前须主管审核'}` : '',
    money ? `**回款**：${yuan(o.paidAmount)} / ${yuan(o.amount)}${o.paidAmount + 0.005 >= o.amount ? '（已付清）' : `（未收 ${yuan(Math.round((o.amount - o.paidAmount) * 100) / 100)}）`}` : '',
  ].filter(Boolean);
  const next = nextSteps(o);
  const status = [
    `**状态**：${stateLabel(orderWorkflow, o.state)}${next ? `　**下一步**：${next}` : ''}`,
    ...view.deadlines.map((d) => deadlineLine(d, view)),
  ];
  const openExc = view.exceptions.filter((e) => e.state !== 'closed');
  if (openExc.length) status.push(`**异常**：${openExc.map((e) => `${e.id}（${stateLabel(exceptionWorkflow, e.state)}）${e.description}`).join('；')}`);
  const notes = view.events.filter((e) => e.note && e.kind !== 'created').slice(0, ORDER_CONFIG.notesShown);
  const history = view.events.slice(0, ORDER_CONFIG.historyShown);
  // A group sees one card for everyone: buttons there would be the creator's, refused to anyone
  // else. Steps are taken on each party's own DM card (the owner gets one when the order is logged
  // in a group; departments and supervisors when their step is due).
  const events = viewer.audience === 'group' ? [] : buttonEvents(o, viewer);
  const clipped = view.events.length > ORDER_CONFIG.historyShown || history.some((e) => e.note && Array.from(e.note).length > HISTORY_NOTE_MAX);

  const elements: unknown[] = [md(facts.join('\n')), hr(), md(status.join('\n'))];
  if (notes.length) elements.push(md(`**最新记录**\n${notes.map((e) => `• ${eventLine(e, view, money)}`).join('\n')}`));
  if (history.length) {
    const more = view.events.length > ORDER_CONFIG.historyShown ? `\n…仅显示最近 ${ORDER_CONFIG.historyShown} 条` : '';
    elements.push({
      tag: 'collapsible_panel',
      element_id: 'history',
      expanded: false,
      header: { title: { tag: 'markdown', content: `**历史记录（${history.length}${more ? '+' : ''}）**` } },
      elements: [md(history.map((e) => `• ${eventLine(e, view, money, HISTORY_NOTE_MAX)}`).join('\n') + more + (clipped ? `\n${fullHistoryHint(o.id)}` : ''))],
    });
  }
  if (viewer.audience === 'group' && Object.keys(stateEvents(o.state)).length > 0) {
    elements.push(md(`<font color='grey'>各步骤在各自与机器人的私聊卡片上操作（业务员、各部门、主管各有一张）；也可私聊发送 /订单 ${o.id}。</font>`));
  }
  if (events.length) {
    const placeholder = events.some((e) => needsNote(e.event, o.state)) ? '说明（驳回、取消、暂停、总结时必填）' : '说明（选填）';
    elements.push(
      actionForm(
        'order_step',
        events.map((e) => ({
          label: e.label,
          value: { action: 'orders.step', id: o.id, v: o.version, e: e.event },
          type: buttonType(e.event),
          confirm: e.event === 'CANCEL' ? `确定取消订单 ${o.id}？取消后不能恢复。` : undefined,
        })),
        placeholder,
      ),
    );
  }
  // The countdowns are as of the render; the card is re-rendered at every change and whenever the
  // SLA sweep reminds or escalates one of its clocks, so say when that was.
  elements.push(md(`<font color='grey'>v${o.version} · 更新于 ${formatLocal(o.updatedAt, view.tz)} · 剩余时间按 ${formatLocal(view.now, view.tz)} 计</font>`));

  const overdue = view.deadlines.some((d) => d.status === 'breached' || (d.status === 'open' && (d.targetAt ?? d.limitAt)!.getTime() < view.now.getTime()));
  const card = renderCard(cardTpl, {
    title: `订单 ${o.id} · ${stateLabel(orderWorkflow, o.state)}`,
    subtitle: `${o.customerName} · ${o.product} × ${num(o.qty)}`,
    summary: `订单 ${o.id} ${stateLabel(orderWorkflow, o.state)}`,
    tags: [textTag(stateLabel(orderWorkflow, o.state), 'blue'), ...(o.important ? [textTag('重要', 'red')] : []), ...(overdue ? [textTag('超时', 'red')] : [])],
    color: overdue ? 'red' : STATE_COLOR[o.state] ?? 'blue',
    elements,
  });
  // Belt and braces for Feishu's 30 KB limit: the history panel is the only part that grows.
  if (cardBytes(card) < CARD_MAX_BYTES - 1024) return card;
  const slim = elements.map((e) => ((e as { tag?: string }).tag === 'collapsible_panel' ? md(`**历史记录**：较长，未在卡片中显示。${fullHistoryHint(o.id)}`) : e));
  return { ...card, body: { elements: slim } };
}

/** History lines on the order card are clipped to this many characters; /订单 <编号> 历史 shows them whole. */
const HISTORY_NOTE_MAX = 60;
const fullHistoryHint = (id: string) => `完整历史（逐条、全文）：发送 /订单 ${id} 历史 [页码]`;

/** One page of an order's history, newest first; `ordinal` of the newest entry on it = total − offset. */
export interface HistoryPage {
  entries: OrderEvent[];
  total: number;
  page: number;
  pages: number;
}

/** Page `page` (1 = newest) of an order's whole history; a page past the end shows the last one. */
export async function loadHistoryPage(tx: Tx, orderId: string, page: number): Promise<HistoryPage> {
  const size = ORDER_CONFIG.historyPageSize;
  const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(orderEvents).where(eq(orderEvents.orderId, orderId));
  const pages = Math.max(1, Math.ceil(n / size));
  const p = Math.min(Math.max(1, Math.floor(page)), pages);
  const entries = await tx.select().from(orderEvents).where(eq(orderEvents.orderId, orderId)).orderBy(desc(orderEvents.id)).limit(size).offset((p - 1) * size);
  return { entries, total: n, page: p, pages };
}

/**
 * /订单 <编号> 历史 [页]: every history entry with its whole note, numbered from the first (#1 登记订单),
 * newest page first, with 较新/较早 buttons that turn the page in place. Money as on the order card.
 */
export function historyCard(view: OrderView, h: HistoryPage, viewer: Viewer): Card {
  const o = view.order;
  const money = moneyFor(o, viewer);
  const first = h.total - (h.page - 1) * ORDER_CONFIG.historyPageSize;
  const lines = h.entries.map((e, i) => `**#${first - i}** ${eventLine(e, view, money, Number.POSITIVE_INFINITY)}`);
  const turn = (label: string, page: number) => button(label, { action: 'orders.history', id: o.id, p: page });
  const nav = [...(h.page > 1 ? [turn('‹ 较新', h.page - 1)] : []), ...(h.page < h.pages ? [turn('较早 ›', h.page + 1)] : [])];
  const elements: unknown[] = [md(lines.length ? lines.join('\n') : '还没有历史记录。')];
  if (nav.length) elements.push({ tag: 'column_set', flex_mode: 'flow', horizontal_spacing: 'small', columns: nav.map((b) => ({ tag: 'column', width: 'auto', elements: [b] })) });
  elements.push(md(`<font color='grey'>第 ${h.page}/${h.pages} 页 · 共 ${h.total} 条 · 截至 ${formatLocal(view.now, view.tz)} · 发送 /订单 ${o.id} 历史 <页码> 跳页</font>`));
  return renderCard(listTpl, { title: `订单 ${o.id} · 历史记录`, subtitle: `${o.customerName} · ${stateLabel(orderWorkflow, o.state)} · 第 ${h.page}/${h.pages} 页`, elements });
}

/** An exception: description, response clock, and (closed) the cause and — for supervisors and the responsible person — the allocation. */
export function exceptionCard(view: OrderView, exc: OrderException, viewer: Viewer): Card {
  const o = view.order;
  const names = (id: string) => view.people.name(id);
  const lines = [
    `**订单**：${o.id}（${o.customerName} · ${o.product}）`,
    `**异常**：${exc.description}`,
    `**登记**：${names(exc.loggedBy)} ${formatLocal(exc.loggedAt, view.tz)}　**负责人**：${names(o.ownerOpenId)}`,
    `**状态**：${stateLabel(exceptionWorkflow, exc.state)}${exc.respondedAt ? `（${formatLocal(exc.respondedAt, view.tz)} 已响应）` : `（须在 ${ORDER_RULES.exception_response.target.hours} 个工作小时内响应）`}`,
    ...view.exceptionDeadlines.filter((d) => d.subjectId === exc.id).map((d) => deadlineLine(d, view)),
  ];
  if (exc.state === 'closed' && isAllocationCause(exc.cause)) {
    const row = ORDER_COST_ALLOCATION[exc.cause];
    lines.push(`**原因**：${row.label}${exc.closingNote ? `　**说明**：${exc.closingNote}` : ''}`);
    // SPEC §1: allocations only to supervisors and the responsible person, and only in private.
    const maySee = viewer.audience === 'private' && (viewer.role === 'supervisor' || viewer.openId === exc.responsibleOpenId);
    if (maySee) lines.push(`**费用分摊**：${row.basis} ${yuan(exc.loss)} × ${Math.round(row.share * 100)}% = ${yuan(exc.allocatedAmount)}（${names(exc.responsibleOpenId ?? '')} 承担）`);
  }
  const elements: unknown[] = [md(lines.join('\n'))];
  const isOwner = viewer.openId === o.ownerOpenId;
  // As on the order card: no buttons on a card a whole group sees.
  const may = viewer.audience === 'group' ? [] : availableEvents(exceptionWorkflow, exc.state, { role: viewer.role, isOwner });
  if (may.length) {
    const causeSelect = {
      tag: 'select_static',
      name: 'cause',
      placeholder: { tag: 'plain_text', content: '关闭时选择原因（决定费用分摊）' },
      options: ALLOCATION_CAUSES.map((c) => ({ text: { tag: 'plain_text', content: `${ORDER_COST_ALLOCATION[c].label}（${Math.round(ORDER_COST_ALLOCATION[c].share * 100)}%）` }, value: c })),
    };
    const loss = { tag: 'input', name: 'loss', max_length: 20, placeholder: { tag: 'plain_text', content: '损失金额（元），关闭时填写，没有写 0' } };
    elements.push(
      actionForm(
        'exception_step',
        may.map((e) => ({ label: e.label, value: { action: 'orders.exception', id: exc.id, v: exc.version, e: e.event }, type: e.event === 'CLOSE' ? 'primary' : 'default' })),
        '说明（选填）',
        may.some((e) => e.event === 'CLOSE') ? [causeSelect, loss] : [],
      ),
    );
  }
  return renderCard(exceptionTpl, {
    id: exc.id,
    subtitle: `${o.customerName} · ${stateLabel(exceptionWorkflow, exc.state)}`,
    color: exc.state === 'closed' ? 'grey' : exc.state === 'open' ? 'red' : 'orange',
    elements,
  });
}

/** /订单 新建 without fields: the same fields as a form; `submit` is the button's callback value. */
export const orderFormCard = (submit: Record<string, unknown>): Card =>
  renderCard(formTpl, { submit, payDays: ORDER_CONFIG.defaultPaymentDays, importantAmount: yuan(ORDER_CONFIG.importantAmount) });

/** /订单 列表: one line per order, money only where the viewer may see it. */
export function orderListCard(list: Order[], total: number, o: { title: string; subtitle: string; viewer: Viewer; tz: string; people: People }): Card {
  const lines = list.map((x) => {
    const money = moneyFor(x, o.viewer) ? ` · ${yuan(x.amount)}` : '';
    return `• **${x.id}** ${x.customerName} · ${x.product} × ${num(x.qty)} · ${stateLabel(orderWorkflow, x.state)} · 交期 ${x.dueDate}${money}${x.important ? ' · 重要' : ''} · ${o.people.name(x.ownerOpenId)}`;
  });
  const more = total > list.length ? [`…还有 ${total - list.length} 条，可用 状态=… 缩小范围。`] : [];
  return renderCard(listTpl, {
    title: o.title,
    subtitle: o.subtitle,
    elements: [md(lines.length ? [...lines, ...more].join('\n') : '没有符合条件的订单。'), md('发送 /订单 <编号> 查看订单卡片和可进行的步骤。')],
  });
}
