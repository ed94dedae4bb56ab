/**
 * The customer card (stage and days in it, last visit, next step and its due time, open orders
 * and complaints, only the allowed buttons), the stage form, and the customer list — each shaped
 * by what the viewer may see in this chat (SPEC §1).
 */
import { and, asc, count, desc, eq, inArray, sql } from 'drizzle-orm';
import customerCardTemplate from '../../../cards/customer-card.json';
import customerListTemplate from '../../../cards/customer-list.json';
import customerFormTemplate from '../../../cards/customer-stage-form.json';
import { userName } from '../../platform/actors';
import { button, buttonRow, md, renderCard, type Card } from '../../platform/cards';
import type { BotContext } from '../../platform/context';
import type { Tx } from '../../platform/db/client';
import { yuan } from '../../platform/format';
import { LIVE } from '../../platform/sla/deadlines';
import { dueText } from '../../platform/sla/format';
import { deadlines, type DeadlineRow } from '../../platform/sla/sla.schema';
import { formatLocal, MS } from '../../platform/time';
import { availableEvents, type Workflow } from '../../platform/workflow/workflow';
import { customers, visits, type Customer } from './customers.schema';
import { accessTo, formFieldsFor, stageName, stageOf, SUBJECT, type Access, type Audience } from './customers.service';
import { customerWorkflow, fieldSpec, FIELDS, FIELD_KEYS, NOT_A_BUTTON, ON_SAVE, STAGE_FORM, type FieldKey, type Stage } from './customers.workflow';

const STAGE_COLOR: Record<Stage, string> = {
  prospect: 'grey',
  contacted: 'wathet',
  needs: 'blue',
  solution: 'indigo',
  demo: 'purple',
  negotiation: 'orange',
  contract: 'turquoise',
  archived: 'green',
  lost: 'red',
};

/** What to do next when no clock is running in this stage. */
const STAGE_HINT: Record<Stage, string> = {
  prospect: '安排首次拜访，拜访后发送 /拜访 <客户> <内容>',
  contacted: '开始需求分析',
  needs: '填写需求、决策人、采购流程后进入方案',
  solution: '填写方案摘要、报价和演示日期',
  demo: '演示后填写谈判日期',
  negotiation: '填写谈判结果、价格、付款条件',
  contract: '起草合同并提交审批（/合同 提交 客户=… 金额=…）',
  archived: '已签约建档：保持拜访与服务',
  lost: '如客户重新有意向，点「重新跟进」',
};

/**
 * Open orders and complaints, read with plain SQL so this module does not depend on theirs (they
 * import this one): a table that does not exist (yet) simply yields no line. A query that fails
 * (their columns changed) is logged and leaves the line out rather than show a wrong number.
 */
const ELSEWHERE: Array<{ table: string; label: string; closed: string[] }> = [
  { table: 'orders', label: '进行中订单', closed: ['archived', 'cancelled'] },
  { table: 'complaints', label: '未结投诉', closed: ['closed'] },
];

export async function openCounts(ctx: Pick<BotContext, 'tx' | 'services'>, customerId: number): Promise<Array<{ label: string; n: number }>> {
  const out: Array<{ label: string; n: number }> = [];
  for (const o of ELSEWHERE) {
    const exists = await ctx.tx.get<{ name: string } | undefined>(sql`select name from sqlite_master where type = 'table' and name = ${o.table}`);
    if (!exists) continue;
    try {
      const closed = sql.join(o.closed.map((s) => sql`${s}`), sql`, `);
      const row = await ctx.tx.get<{ n: number }>(sql`select count(*) as n from ${sql.identifier(o.table)} where customer_id = ${customerId} and state not in (${closed})`);
      out.push({ label: o.label, n: Number(row?.n ?? 0) });
    } catch (err) {
      ctx.services.log.warn('customer card: open count failed', { table: o.table, customerId, err });
    }
  }
  return out;
}

/** The soonest live clock of a customer: its next step. */
export async function nextDeadline(tx: Tx, customerId: number): Promise<DeadlineRow | undefined> {
  const [d] = await tx
    .select()
    .from(deadlines)
    .where(and(eq(deadlines.subjectType, SUBJECT), eq(deadlines.subjectId, String(customerId)), inArray(deadlines.status, LIVE)))
    .orderBy(asc(sql`coalesce(${deadlines.targetAt}, ${deadlines.limitAt})`))
    .limit(1);
  return d;
}

const daysIn = (c: Customer, now: Date) => Math.max(0, Math.floor((now.getTime() - c.stateEnteredAt.getTime()) / MS.day));

/** A field's value as this viewer may see it. */
const shown = (key: FieldKey, value: string, access: Access) => (fieldSpec(key).financial && !access.financials ? '仅私聊可见' : value);

function dataLines(c: Customer, access: Access): string[] {
  return FIELD_KEYS.filter((k) => c.stageData[k]).map((k) => `${FIELDS[k].label}：${shown(k, c.stageData[k]!, access)}`);
}

/** The buttons this actor may use on this customer now. */
function actionButtons(ctx: BotContext, c: Customer, access: Access, audience: Audience): unknown[] {
  const out: unknown[] = [];
  if (access.canAct) {
    const events = availableEvents(customerWorkflow as Workflow, c.state, { role: ctx.actor.role, isOwner: access.isOwner, isAdmin: ctx.actor.isAdmin });
    const onSave = new Set(ON_SAVE.map((s) => s.event));
    for (const e of events) {
      if (NOT_A_BUTTON.has(e.event) || onSave.has(e.event)) continue;
      const type = e.to === 'lost' ? 'danger' : e.to !== c.state ? 'primary' : 'default';
      out.push(button(e.label, { action: 'customer.move', id: c.id, v: c.version, event: e.event }, type));
    }
    if (STAGE_FORM[stageOf(c)].length) out.push(button('填写资料', { action: 'customer.form', id: c.id, v: c.version }));
  }
  if (audience === 'group' && access.creditByDm) out.push(button('私聊查看信用', { action: 'customer.credit_dm', id: c.id }, 'text'));
  return out;
}

/** The customer card for this viewer in this chat. */
export async function customerCard(ctx: BotContext, c: Customer, audience: Audience): Promise<Card> {
  const tz = ctx.services.config.BUSINESS_TZ;
  const access = accessTo(ctx.actor, c, audience);
  const owner = await userName(ctx.tx, c.ownerOpenId);
  if (!access.full) {
    return renderCard(customerCardTemplate, {
      name: c.name,
      subtitle: `负责人 ${owner}`,
      color: 'grey',
      elements: [md(`**负责人**：${owner}\n该客户由 ${owner} 负责，你只能看到名称和负责人。`)],
    });
  }
  const stage = stageOf(c);
  const [last] = await ctx.tx.select().from(visits).where(eq(visits.customerId, c.id)).orderBy(desc(visits.visitedAt)).limit(1);
  const [{ n: visitCount } = { n: 0 }] = await ctx.tx.select({ n: count() }).from(visits).where(eq(visits.customerId, c.id));
  const next = await nextDeadline(ctx.tx, c.id);
  const counts = await openCounts(ctx, c.id);

  const lines = [
    `**阶段**：${stageName(stage)} · 已 ${daysIn(c, ctx.now)} 天（${formatLocal(c.stateEnteredAt, tz)} 进入）`,
    `**等级**：${c.grade} 级${c.important ? ' · ⭐ 重点客户' : ''}`,
    c.contactName || c.phone ? `**联系人**：${c.contactName ?? '—'}${c.phone ? ` · ${c.phone}` : ''}` : '',
    `**最近拜访**：${last ? `${formatLocal(last.visitedAt, tz)} · ${await userName(ctx.tx, last.ownerOpenId)}（共 ${visitCount} 次）` : '尚未拜访'}`,
    c.nextStep ? `**拜访约定**：${c.nextStep}` : '',
    `**下一步**：${next ? `${next.label} · ${dueText(next, ctx.now, tz)}` : STAGE_HINT[stage]}`,
    // No 合同已签署 button: filing follows the contract record (its archive and CRM-entry clocks).
    stage === 'contract' ? '**建档**：合同审批通过后发送 /合同 签署 <合同编号>，客户随之建档' : '',
    counts.length ? `**订单/投诉**：${counts.map((x) => `${x.label} ${x.n}`).join(' · ')}` : '',
  ].filter(Boolean);
  const data = dataLines(c, access);
  const credit = access.credit
    ? `**信用**：评级 ${c.creditRating ?? '未评'} · 额度 ${yuan(c.creditLimit)}`
    : audience === 'group'
      ? '**信用**：群聊中不显示，可点「私聊查看信用」。'
      : '';
  const elements = [md(lines.join('\n')), ...(data.length ? [md(`**资料**\n${data.join('\n')}`)] : []), ...(credit ? [md(credit)] : []), ...buttonRow(actionButtons(ctx, c, access, audience))];
  return renderCard(customerCardTemplate, {
    name: c.name,
    subtitle: `${stageName(stage)} · 负责人 ${owner}`,
    color: STAGE_COLOR[stage],
    elements,
  });
}

/** The credit of one customer, for a private chat only. */
export function creditCard(c: Customer, owner: string, offer?: { rating?: string; limit?: number }): Card {
  const lines = [`**负责人**：${owner}`, `**信用评级**：${c.creditRating ?? '未评'}`, `**信用额度**：${yuan(c.creditLimit)}`];
  const elements: unknown[] = [md(lines.join('\n'))];
  if (offer) {
    const what = [offer.rating ? `评级 ${offer.rating}` : '', offer.limit !== undefined ? `额度 ${yuan(offer.limit)}` : ''].filter(Boolean).join('，');
    elements.push(md(`你在群里要求设置：${what}。信用信息只在私聊中设置，确认请点下方按钮。`));
    elements.push(...buttonRow([button(`确认设置（${what}）`, { action: 'customer.credit_set', id: c.id, ...(offer.rating ? { rating: offer.rating } : {}), ...(offer.limit !== undefined ? { limit: offer.limit } : {}) }, 'primary')]));
  }
  return renderCard(customerCardTemplate, { name: c.name, subtitle: '信用信息 · 仅私聊可见', color: 'orange', elements });
}

/** The stage form: the stage's exit criteria (prefilled), saved alone or with the move. */
export function stageForm(c: Customer, opts: { event?: string; eventLabel?: string; to?: string }): Card {
  const stage = stageOf(c);
  const fields = formFieldsFor(stage, opts.event);
  const required = new Set((opts.event ? (customerWorkflow as Workflow).states[stage]?.on?.[opts.event]?.requires : undefined) ?? []);
  const inputs = fields.map((k) => {
    const spec = FIELDS[k];
    const label = { tag: 'plain_text', content: `${spec.label}${required.has(k) ? ' *' : ''}` };
    const value = c.stageData[k];
    if (spec.kind === 'date') {
      return {
        tag: 'column_set',
        columns: [
          { tag: 'column', width: 'auto', vertical_align: 'center', elements: [md(`${spec.label}${required.has(k) ? ' *' : ''}`)] },
          { tag: 'column', width: 'weighted', weight: 1, elements: [{ tag: 'date_picker', name: k, ...(value ? { initial_date: value } : {}), placeholder: { tag: 'plain_text', content: '选择日期' } }] },
        ],
      };
    }
    return { tag: 'input', name: k, width: 'fill', max_length: 500, label, ...(value ? { default_value: value } : {}), placeholder: { tag: 'plain_text', content: `填写${spec.label}` } };
  });
  const submit = (text: string, value: Record<string, unknown>, type: string, name: string) => ({
    tag: 'button',
    name,
    type,
    text: { tag: 'plain_text', content: text },
    form_action_type: 'submit',
    behaviors: [{ type: 'callback', value: { action: 'customer.submit', id: c.id, v: c.version, ...value } }],
  });
  const buttons = [
    ...(opts.to ? [submit(`保存并${opts.eventLabel ?? '推进'}`, { to: opts.to }, opts.to === 'lost' ? 'danger_filled' : 'primary_filled', 'advance')] : []),
    ...(opts.to === 'lost' ? [] : [submit('仅保存', {}, 'default', 'save')]),
  ];
  return renderCard(customerFormTemplate, {
    title: `${c.name} · ${opts.eventLabel ?? `${stageName(stage)}资料`}`,
    subtitle: `当前阶段：${stageName(stage)}`,
    intro: required.size ? `带 * 的为必填项；缺少时不会推进，并告诉你缺哪些。` : '填写后保存；改了演示或谈判日期，准备期限会随之调整。',
    fields: inputs,
    buttons: [{ tag: 'column_set', flex_mode: 'flow', horizontal_spacing: 'small', columns: buttons.map((b) => ({ tag: 'column', width: 'auto', elements: [b] })) }],
  });
}

export interface ListRow {
  c: Customer;
  owner: string;
  next?: DeadlineRow;
}

/** Lines shown; the rest are counted. */
export const LIST_MAX = 40;

export function listCard(ctx: BotContext, rows: ListRow[], o: { title: string; subtitle: string; showOwner: boolean; buttons?: unknown[] }): Card {
  const tz = ctx.services.config.BUSINESS_TZ;
  const line = ({ c, owner, next }: ListRow) =>
    [
      `• **${c.name}**`,
      `${c.grade}级${c.important ? '⭐' : ''}`,
      `${stageName(c.state)}（${daysIn(c, ctx.now)} 天）`,
      o.showOwner ? owner : '',
      c.lastVisitAt ? `拜访 ${formatLocal(c.lastVisitAt, tz)}` : '未拜访',
      next ? `${next.label} ${dueText(next, ctx.now, tz)}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
  const shownRows = rows.slice(0, LIST_MAX).map(line);
  const more = rows.length > LIST_MAX ? [`…还有 ${rows.length - LIST_MAX} 个，可按阶段或负责人筛选。`] : [];
  const body = rows.length ? [...shownRows, ...more].join('\n') : '没有符合条件的客户。发送 /客户 新建 <名称> 添加。';
  return renderCard(customerListTemplate, {
    title: o.title,
    subtitle: o.subtitle,
    color: 'blue',
    elements: [md(body), ...buttonRow(o.buttons ?? [])],
  });
}

/** Customers of one owner (or everyone's), with their soonest clock, for the list. */
export async function listRows(tx: Tx, where: { owner?: string; stage?: Stage }, name: (openId: string) => string): Promise<ListRow[]> {
  const rows = await tx
    .select()
    .from(customers)
    .where(and(where.owner ? eq(customers.ownerOpenId, where.owner) : undefined, where.stage ? eq(customers.state, where.stage) : undefined))
    .orderBy(desc(customers.important), asc(customers.name));
  const ids = rows.map((c) => String(c.id));
  const live = ids.length
    ? await tx
        .select()
        .from(deadlines)
        .where(and(eq(deadlines.subjectType, SUBJECT), inArray(deadlines.subjectId, ids), inArray(deadlines.status, LIVE)))
        .orderBy(asc(sql`coalesce(${deadlines.targetAt}, ${deadlines.limitAt})`))
    : [];
  const soonest = new Map<string, DeadlineRow>();
  for (const d of live) if (!soonest.has(d.subjectId)) soonest.set(d.subjectId, d);
  return rows.map((c) => ({ c, owner: name(c.ownerOpenId), next: soonest.get(String(c.id)) }));
}
