/**
 * Buttons on customer cards. Every value carries the customer id and the version the card showed:
 * a click on an outdated card changes nothing and gets the current card back.
 */
import { z } from 'zod';
import { userName } from '../../platform/actors';
import { simpleCard } from '../../platform/cards';
import type { BotContext } from '../../platform/context';
import { refuse } from '../../platform/errors';
import { defineCardAction, type CardActionResult } from '../../platform/router/command';
import { SELLERS } from '../../platform/roles';
import type { Workflow } from '../../platform/workflow/workflow';
import { refuseCommandWord, setCredit } from './customers.commands';
import { createCustomer, createdText, duplicatesOf, type NewCustomer } from './customers.create';
import { creditCard, customerCard, stageForm } from './customers.cards';
import type { Customer } from './customers.schema';
import { accessTo, audienceOfCard, changeCustomer, CREDIT_EDITORS, formFieldsFor, loadCustomer, parseFieldValues, refuseManualArchive, requireMover, stageName, stageOf, todayOf } from './customers.service';
import { BY_CONTRACT, customerWorkflow, PIPELINE, type Stage } from './customers.workflow';
import { listRefreshedAction } from './duties';

const ref = { id: z.number().int(), v: z.number().int() };
const stageEnum = z.enum([...PIPELINE, 'lost'] as [Stage, ...Stage[]]);

async function current(ctx: BotContext, id: number, v: number, messageId?: string): Promise<{ c: Customer; stale?: CardActionResult }> {
  const c = await loadCustomer(ctx.tx, id);
  if (c.version === v) return { c };
  const card = await customerCard(ctx, c, await audienceOfCard(ctx, messageId));
  return { c, stale: { toast: { type: 'warning', text: '这张卡片已过期（客户刚被更新），已换成最新状态，请再操作一次。' }, card } };
}

const mayMove = async (ctx: BotContext, c: Customer) => requireMover(ctx, c, await userName(ctx.tx, c.ownerOpenId));

/** A pipeline button: moves at once, or sends the stage form when the move needs data. */
export const moveAction = defineCardAction({
  id: 'customer.move',
  value: z.object({ ...ref, event: z.string().regex(/^[A-Z_]+$/) }),
  roles: SELLERS,
  async run(ctx, { value, messageId }) {
    const { c, stale } = await current(ctx, value.id, value.v, messageId);
    if (stale) return stale;
    await mayMove(ctx, c);
    const ev = (customerWorkflow as Workflow).states[c.state]?.on?.[value.event];
    if (!ev) return refuse('INVALID_TRANSITION', `客户「${c.name}」现在在「${stageName(c.state)}」阶段，这个按钮已不适用。`);
    if (BY_CONTRACT.has(value.event)) refuseManualArchive(c);
    const label = ev.label ?? value.event;
    if (formFieldsFor(stageOf(c), value.event).length) {
      await ctx.reply({ card: stageForm(c, { event: value.event, eventLabel: label, to: ev.to !== c.state ? ev.to : undefined }) });
      return { toast: { type: 'info', text: `已私聊发你「${label}」表单，填写后提交。` } };
    }
    const moved = await changeCustomer(ctx, c, { event: value.event });
    return { toast: { type: 'success', text: `客户「${c.name}」：${label}（${stageName(moved.state)}）。` }, card: await customerCard(ctx, moved, await audienceOfCard(ctx, messageId)) };
  },
});

/** 填写资料: the current stage's form, by DM. */
export const formAction = defineCardAction({
  id: 'customer.form',
  value: z.object(ref),
  roles: SELLERS,
  async run(ctx, { value, messageId }) {
    const { c, stale } = await current(ctx, value.id, value.v, messageId);
    if (stale) return stale;
    await mayMove(ctx, c);
    await ctx.reply({ card: stageForm(c, {}) });
    return { toast: { type: 'info', text: '已私聊发你资料表单。' } };
  },
});

/** The form's submit: saves the fields and, with `to`, moves — or names what is missing. */
export const submitAction = defineCardAction({
  id: 'customer.submit',
  value: z.object({ ...ref, to: stageEnum.optional() }),
  roles: SELLERS,
  async run(ctx, { value, form, messageId }) {
    const c = await loadCustomer(ctx.tx, value.id);
    if (c.version !== value.v) return { toast: { type: 'warning', text: '客户资料或阶段已被更新，这张表单已过期。请在客户卡片上重新打开表单。' } };
    await mayMove(ctx, c);
    if (value.to === 'archived') refuseManualArchive(c);
    const values = parseFieldValues(form, todayOf(ctx));
    if (!value.to && Object.keys(values).length === 0) return { toast: { type: 'warning', text: '没有填写任何内容。' } };
    const moved = await changeCustomer(ctx, c, { values, to: value.to });
    const what = value.to ? `已推进到「${stageName(moved.state)}」` : '资料已保存';
    return { toast: { type: 'success', text: `客户「${c.name}」：${what}。` }, card: await customerCard(ctx, moved, await audienceOfCard(ctx, messageId)) };
  },
});

/** 私聊查看信用: the group card's offer; the credit goes to the clicker's private chat. */
export const creditDmAction = defineCardAction({
  id: 'customer.credit_dm',
  value: z.object({ id: z.number().int() }),
  async run(ctx, { value }) {
    const c = await loadCustomer(ctx.tx, value.id);
    if (!accessTo(ctx.actor, c, 'private').creditByDm) {
      await ctx.audit({ action: 'customer.credit', subjectType: 'customer', subjectId: c.id, outcome: 'refused', detail: { reason: 'not_allowed' } });
      return { toast: { type: 'error', text: '没有权限：信用信息只对负责人、主管、财务和总经办开放。' } };
    }
    await ctx.send({ kind: 'send', to: { openId: ctx.actor.openId }, content: { card: creditCard(c, await userName(ctx.tx, c.ownerOpenId)) } });
    return { toast: { type: 'success', text: '已私聊发你信用信息。' } };
  },
});

/** 确认设置: the credit change asked for in a group, confirmed in the private chat. */
export const creditSetAction = defineCardAction({
  id: 'customer.credit_set',
  value: z.object({ id: z.number().int(), rating: z.string().max(10).optional(), limit: z.number().min(0).optional() }),
  roles: CREDIT_EDITORS,
  async run(ctx, { value, messageId }) {
    if ((await audienceOfCard(ctx, messageId)) === 'group') return { toast: { type: 'error', text: '信用信息只在私聊中设置。' } };
    const c = await setCredit(ctx, value.id, value.rating, value.limit);
    return { toast: { type: 'success', text: `客户「${c.name}」的信用已更新。` }, card: creditCard(c, await userName(ctx.tx, c.ownerOpenId)) };
  },
});

/** 仍然新建: the 查重 warning's way through (an exact duplicate is still refused). */
export const createAnywayAction = defineCardAction({
  id: 'customer.create',
  value: z.object({ by: z.string().min(1), name: z.string().min(1).max(60), grade: z.enum(['A', 'B', 'C']), important: z.boolean(), contact: z.string().max(40).optional(), phone: z.string().max(20).optional() }),
  roles: SELLERS,
  async run(ctx, { value: { by, ...value } }) {
    if (by !== ctx.actor.openId) {
      await ctx.audit({ action: 'customer.create', outcome: 'refused', detail: { reason: 'not_requester', name: value.name, requester: by } });
      return { toast: { type: 'error', text: `只有发起新建的 ${await userName(ctx.tx, by)} 可以点「仍然新建」。你要新建，请自己发送 /客户 新建 ${value.name}。` } };
    }
    refuseCommandWord(value.name);
    await duplicatesOf(ctx, value.name);
    const c = await createCustomer(ctx, value satisfies NewCustomer);
    const text = createdText(c, ctx.actor.name ?? (await userName(ctx.tx, ctx.actor.openId)));
    return { toast: { type: 'success', text: `已新建客户「${c.name}」。` }, card: simpleCard('已新建客户', 'green', text) };
  },
});

export const customerCardActions = [moveAction, formAction, submitAction, creditDmAction, creditSetAction, createAnywayAction, listRefreshedAction];
