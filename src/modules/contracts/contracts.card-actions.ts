/**
 * Card buttons: 批准 / 驳回 (the decision form on an approval card), 提交审批 (the submit form),
 * 打开审批卡片 (from /合同 待审). The button value only names the contract and the version the
 * card showed; who may do what is decided on the server.
 */
import { z } from 'zod';
import { chatType } from '../../platform/actors';
import { simpleCard } from '../../platform/cards';
import { cardMessages } from '../../platform/db/core.schema';
import { defineCardAction } from '../../platform/router/command';
import { contractCard } from './contracts.cards';
import { askedNotice, submitSchema } from './contracts.commands';
import { contractCards } from './contracts.schema';
import { contractById, decideContract, loadDepartment, loadView, mayView, postCard, showTo, statusCardKey, submitContract, userNames } from './contracts.service';

const decisionValue = z.object({ id: z.number().int().positive(), v: z.number().int().positive() });
const text = (v: unknown) => (typeof v === 'string' ? v : '');

const decision = (id: 'contract.approve' | 'contract.reject', kind: 'approve' | 'reject') =>
  defineCardAction({
    id,
    value: decisionValue,
    run: (ctx, { value, form, messageId }) => decideContract(ctx, { id: value.id, v: value.v, decision: kind, comment: text(form.comment), messageId }),
  });

export const approveAction = decision('contract.approve', 'approve');
export const rejectAction = decision('contract.reject', 'reject');

export const submitAction = defineCardAction({
  id: 'contract.submit',
  value: z.object({ form: z.string().min(1).max(120) }),
  async run(ctx, { value, form, messageId }) {
    // Empty inputs arrive as "" (or not at all): both mean "not given".
    const given = Object.fromEntries(Object.entries(form).filter(([, v]) => typeof v === 'string' && v.trim() !== ''));
    const parsed = submitSchema.safeParse(given);
    if (!parsed.success) {
      await ctx.audit({ action: 'contract.submit', outcome: 'refused', detail: { code: 'BAD_INPUT', message: parsed.error.issues[0]!.message } });
      return { toast: { type: 'warning', text: `${parsed.error.issues[0]!.message}，请改好后再提交。` } };
    }
    const { c, approvers } = await submitContract(ctx, parsed.data, { formKey: value.form });
    const view = await loadView(ctx.tx, ctx.services, c);
    const role = { kind: 'status', revision: c.revision, level: 0 } as const;
    const notice = askedNotice(await userNames(ctx.tx, approvers), c);
    // A form posted in a group (before forms went by DM): the details go privately, the group's copy says so.
    if (ctx.chat && (await chatType(ctx.tx, ctx.chat.id)) === 'group') {
      await postCard(ctx, view, { openId: ctx.actor.openId, role, cardKey: statusCardKey(c, ctx.actor.openId, ':form'), notice });
      return { toast: { type: 'success', text: `已提交合同 ${c.number}，等待审批。` }, card: simpleCard('合同 · 已提交', 'green', `已提交合同 **${c.number}**，详情已私信发给你。`) };
    }
    // The form becomes the submitter's live status card: remember its message for later PATCHes.
    if (messageId) {
      const cardKey = statusCardKey(c, ctx.actor.openId, ':form');
      await ctx.tx.insert(contractCards).values({ cardKey, contractId: c.id, openId: ctx.actor.openId, ...role, createdAt: ctx.now });
      await ctx.tx.insert(cardMessages).values({ cardKey, messageId, sentAt: ctx.now }).onConflictDoUpdate({ target: cardMessages.cardKey, set: { messageId, sentAt: ctx.now } });
    } else {
      await postCard(ctx, view, { openId: ctx.actor.openId, role, cardKey: statusCardKey(c, ctx.actor.openId, ':form'), notice });
    }
    return { toast: { type: 'success', text: `已提交合同 ${c.number}，等待审批。` }, card: contractCard(view, role, notice) };
  },
});

export const openAction = defineCardAction({
  id: 'contract.open',
  value: z.object({ id: z.number().int().positive() }),
  async run(ctx, { value }) {
    const c = await contractById(ctx.tx, value.id);
    const view = c && (await loadView(ctx.tx, ctx.services, c));
    const dep = await loadDepartment(ctx.tx, ctx.services, ctx.now);
    if (!c || !view || !mayView(dep, ctx.actor, c, view.customer.ownerOpenId)) {
      await ctx.audit({ action: 'contract.open', subjectType: 'contract', subjectId: value.id, outcome: 'refused', detail: { code: c ? 'NOT_ALLOWED' : 'NOT_FOUND' } });
      return { toast: { type: 'error', text: c ? '没有权限查看这份合同。' : '合同不存在。' } };
    }
    const decides = await showTo(ctx, view, dep, { reply: false });
    return { toast: { type: 'info', text: decides ? `已发来合同 ${c.number} 的审批卡片。` : `合同 ${c.number} 现在不需要你审批，已发来状态卡片。` } };
  },
});

export const contractCardActions = [approveAction, rejectAction, submitAction, openAction];
