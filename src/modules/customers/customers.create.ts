/** Creating a customer: 查重 first, then the record, its workflow and (重点) its monthly visit clock. */
import { userName } from '../../platform/actors';
import { button, simpleCard, type Card } from '../../platform/cards';
import type { BotContext } from '../../platform/context';
import { refuse } from '../../platform/errors';
import { startWorkflow } from '../../platform/workflow/apply';
import { findCustomer } from './customers.lookup';
import { customers, type Customer } from './customers.schema';
import { ensureImportantVisit, SUBJECT } from './customers.service';
import { customerWorkflow } from './customers.workflow';

export interface NewCustomer {
  name: string;
  grade: 'A' | 'B' | 'C';
  important: boolean;
  contact?: string;
  phone?: string;
}

/** Refuses an exact duplicate; returns near-duplicates (the caller warns unless forced). */
export async function duplicatesOf(ctx: BotContext, name: string): Promise<Customer[]> {
  const { exact, similar } = await findCustomer(ctx.tx, name);
  if (exact) refuse('DUPLICATE', `客户「${exact.name}」已存在（负责人 ${await userName(ctx.tx, exact.ownerOpenId)}），没有重复新建。发送 /客户 ${exact.name} 查看。`);
  return similar;
}

export async function createCustomer(ctx: BotContext, input: NewCustomer): Promise<Customer> {
  const [row] = await ctx.tx
    .insert(customers)
    .values({
      name: input.name,
      grade: input.grade,
      important: input.important,
      ownerOpenId: ctx.actor.openId,
      createdByOpenId: ctx.actor.openId,
      state: customerWorkflow.initial,
      stateEnteredAt: ctx.now,
      contactName: input.contact ?? null,
      phone: input.phone ?? null,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    })
    .returning();
  const c = row!;
  await ctx.audit({ action: 'customer.create', subjectType: SUBJECT, subjectId: c.id, toState: c.state, detail: { name: c.name, grade: c.grade, important: c.important } });
  await startWorkflow(ctx, { workflow: customerWorkflow, subjectType: SUBJECT, id: c.id, ownerOpenId: c.ownerOpenId });
  await ensureImportantVisit(ctx, c);
  return c;
}

export function createdText(c: Customer, owner: string): string {
  return [
    `已新建客户「${c.name}」：${c.grade} 级${c.important ? ' · ⭐ 重点客户' : ''}，阶段「目标客户」，负责人 ${owner}。`,
    c.important ? '重点客户每个自然月至少拜访一次，本月拜访已记入待办。' : '',
    `首次拜访后发送：/拜访 ${c.name} <拜访内容>`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** 查重: the near matches, and a way to create it anyway. Nothing is written. */
export async function duplicateWarning(ctx: BotContext, input: NewCustomer, similar: Customer[]): Promise<Card> {
  const lines = [];
  for (const s of similar) lines.push(`• **${s.name}**（负责人 ${await userName(ctx.tx, s.ownerOpenId)}）`);
  const body = [
    `「${input.name}」与已有客户很接近，**没有新建**：`,
    ...lines,
    '',
    `如是同一客户，请用已有名称（/客户 ${similar[0]!.name}）。`,
    `如确认是不同的客户，点「仍然新建」，或发送 /客户 新建 ${input.name} 强制`,
  ].join('\n');
  // Bound to the requester: in a group, someone else's click must not create it as theirs.
  const value = { action: 'customer.create', by: ctx.actor.openId, name: input.name, grade: input.grade, important: input.important, ...(input.contact ? { contact: input.contact } : {}), ...(input.phone ? { phone: input.phone } : {}) };
  return simpleCard('疑似重复客户 · 查重', 'orange', body, [button('仍然新建', value, 'primary', { title: '仍然新建？', text: `将新建「${input.name}」，与「${similar[0]!.name}」并存。` })]);
}

