/**
 * Clicks on complaint cards. Each answers within the callback with a toast and the card that
 * replaces the clicked one (rendered for the clicker, read-only in a group), and PATCHes the other
 * copies, each for whoever sees it. An outdated card (version `v` behind) gets the current card
 * back and changes nothing; who may click is the workflow's decision, checked again here.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { simpleCard } from '../../platform/cards';
import type { BotContext } from '../../platform/context';
import { refuse } from '../../platform/errors';
import { arg } from '../../platform/router/args';
import { parseAmount } from '../../platform/router/parse';
import { defineCardAction, type CardActionInput, type CardActionResult } from '../../platform/router/command';
import { allocationCard, complaintCard, complaintFor, customerName, envOf, followUpCard, namesOf, urgentFor, urgentIssueCard } from './complaints.cards';
import { newComplaintFields } from './complaints.commands';
import { complaints, type Complaint } from './complaints.schema';
import {
  acknowledgeComplaint,
  allocationRecipients,
  closeComplaint,
  createComplaint,
  investigateComplaint,
  loadComplaint,
  loadUrgentIssue,
  refreshCopies,
  reopenComplaint,
  resolveComplaint,
  handleUrgentIssue,
  clickViewer,
} from './complaints.service';
import { CAUSE_WORDS } from './complaints.workflow';
import { completeFollowUp, loadFollowUp } from './follow-ups';

const ref = z.object({ id: z.number().int(), v: z.number().int() });
type Ref = z.infer<typeof ref>;


/** Form values as typed: empty fields count as missing; numbers from selects become text. */
const cleaned = (form: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(form)
      .filter(([, v]) => v !== '' && v !== null && v !== undefined)
      .map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]),
  );

/** Validates a submitted form; the first problem is the toast. */
function parseForm<T>(schema: z.ZodType<T>, form: Record<string, unknown>): T {
  const r = schema.safeParse(cleaned(form));
  if (!r.success) return refuse('BAD_INPUT', r.error.issues[0]!.message);
  return r.data;
}

const STALE = '卡片已过期：这条记录刚被更新，已刷新为最新状态，请再操作一次。';

/** Shared flow of a complaint step: version check, the step, the new card everywhere. */
async function complaintStep(ctx: BotContext, input: CardActionInput<Ref>, run: (c: Complaint) => Promise<Complaint>, done: (c: Complaint) => string): Promise<CardActionResult> {
  const c = await loadComplaint(ctx.tx, input.value.id);
  const viewer = await clickViewer(ctx, { kind: 'complaint', id: c.id, messageId: input.messageId });
  if (c.version !== input.value.v) return { toast: { type: 'warning', text: STALE }, card: await complaintCard(envOf(ctx), c, { viewer }) };
  const next = await run(c);
  const card = await complaintCard(envOf(ctx), next, { viewer });
  await refreshCopies(ctx, 'complaint', next, complaintFor(ctx), input.messageId);
  return { toast: { type: 'success', text: done(next) }, card };
}

// ---------------------------------------------------------------------------------------------
// Form schemas (Chinese messages)

const lossField = z
  .string()
  .optional()
  .transform((v, c) => {
    if (v === undefined) return 0;
    const n = parseAmount(v);
    if (n === null) {
      c.addIssue({ code: 'custom', message: `损失金额「${v}」不是有效金额，可写 1000、1,000、1.2万；无损失填 0` });
      return z.NEVER;
    }
    return n;
  });

const investigateForm = z.object({
  cause: arg.choice('原因类别', CAUSE_WORDS),
  responsible: z.string().trim().optional(),
  loss: lossField,
  findings: arg.text('调查结论', 1000),
});
const resolveForm = z.object({ action: arg.text('处理措施', 1000) });
const closeForm = z.object({ feedback: arg.text('客户反馈', 1000), satisfaction: arg.int('满意度', 1, 5) });
const reopenForm = z.object({ reason: arg.text('重新打开的原因', 500) });
const handleForm = z.object({ result: arg.text('处理结果', 1000) });
const noteForm = z.object({ note: arg.text('回访记录', 1000) });

// ---------------------------------------------------------------------------------------------
// Actions

const submitted = (number: string) => simpleCard('登记客户投诉 · 已提交', 'green', `已登记投诉 **${number}**，投诉卡片已发到本会话，并已通知客户负责人。`);

export const createAction = defineCardAction({
  id: 'complaint.create',
  // `form` names the form card (its command's event): one complaint per form, however often it is submitted.
  value: z.object({ form: z.string().min(1).max(120).optional() }),
  async run(ctx, { value, form }) {
    if (!value.form) return { toast: { type: 'warning', text: '这张表单已失效，请重新发送 /投诉 新建 获取新表单。' } };
    const [dup] = await ctx.tx.select({ number: complaints.number }).from(complaints).where(eq(complaints.formKey, value.form));
    if (dup) return { toast: { type: 'warning', text: `这张表单已经提交过了：投诉 ${dup.number}。` }, card: submitted(dup.number) };
    const a = parseForm(newComplaintFields, form);
    if (a.customer === undefined) refuse('BAD_INPUT', '缺少 客户');
    const c = await createComplaint(ctx, { customer: a.customer!, content: a.content!, orderNumber: a.order, urgent: a.urgent, formKey: value.form }, complaintFor(ctx));
    return { toast: { type: 'success', text: `已登记投诉 ${c.number}` }, card: submitted(c.number) };
  },
});

export const acknowledgeAction = defineCardAction({
  id: 'complaint.acknowledge',
  value: ref,
  run: (ctx, input) => complaintStep(ctx, input, (c) => acknowledgeComplaint(ctx, c, input.value.v), (c) => `已受理投诉 ${c.number}。`),
});

export const investigateAction = defineCardAction({
  id: 'complaint.investigate',
  value: ref,
  run: (ctx, input) =>
    complaintStep(
      ctx,
      input,
      (c) => {
        const f = parseForm(investigateForm, input.form);
        return investigateComplaint(ctx, c, input.value.v, { cause: f.cause, responsible: f.responsible || undefined, loss: f.loss, findings: f.findings });
      },
      (c) => `调查已记录，投诉 ${c.number} 需在 48 小时内处理。`,
    ),
});

export const resolveAction = defineCardAction({
  id: 'complaint.resolve',
  value: ref,
  run: (ctx, input) => complaintStep(ctx, input, (c) => resolveComplaint(ctx, c, input.value.v, parseForm(resolveForm, input.form).action), (c) => `已记录投诉 ${c.number} 的处理措施，请回访客户后结案。`),
});

export const closeAction = defineCardAction({
  id: 'complaint.close',
  value: ref,
  run: (ctx, input) =>
    complaintStep(
      ctx,
      input,
      async (c) => {
        const f = parseForm(closeForm, input.form);
        const { complaint, allocation } = await closeComplaint(ctx, c, input.value.v, f);
        if (allocation) {
          // Confidential: only by DM, only to the supervisors and the person who bears it.
          const name = await namesOf(ctx.tx, [allocation.openId]);
          const card = allocationCard(complaint, await customerName(ctx.tx, complaint.customerId), allocation, name);
          for (const openId of await allocationRecipients(ctx.tx, allocation)) await ctx.send({ kind: 'send', to: { openId }, content: { card } });
        }
        return complaint;
      },
      (c) => `投诉 ${c.number} 已结案。`,
    ),
});

export const reopenAction = defineCardAction({
  id: 'complaint.reopen',
  value: ref,
  run: (ctx, input) => complaintStep(ctx, input, (c) => reopenComplaint(ctx, c, input.value.v, parseForm(reopenForm, input.form).reason), (c) => `投诉 ${c.number} 已重新打开，请在 24 小时内重新调查。`),
});

export const urgentHandleAction = defineCardAction({
  id: 'complaint.urgent_handle',
  value: ref,
  async run(ctx, { value, form, messageId }) {
    const u = await loadUrgentIssue(ctx.tx, value.id);
    const viewer = await clickViewer(ctx, { kind: 'urgent', id: u.id, messageId });
    if (u.version !== value.v) return { toast: { type: 'warning', text: STALE }, card: await urgentIssueCard(envOf(ctx), u, viewer) };
    const next = await handleUrgentIssue(ctx, u, value.v, parseForm(handleForm, form).result);
    const card = await urgentIssueCard(envOf(ctx), next, viewer);
    await refreshCopies(ctx, 'urgent', next, urgentFor(ctx), messageId);
    return { toast: { type: 'success', text: `紧急问题 ${u.number} 已处理。` }, card };
  },
});

export const followUpDoneAction = defineCardAction({
  id: 'complaint.follow_up_done',
  value: ref,
  async run(ctx, { value, form }) {
    const f = await loadFollowUp(ctx.tx, value.id);
    if (f.version !== value.v) return { toast: { type: 'warning', text: STALE }, card: await followUpCard(envOf(ctx), f, await clickViewer(ctx)) };
    const done = await completeFollowUp(ctx, f, value.v, parseForm(noteForm, form).note);
    return { toast: { type: 'success', text: '已登记回访。' }, card: await followUpCard(envOf(ctx), done, await clickViewer(ctx)) };
  },
});

export const complaintCardActions = [createAction, acknowledgeAction, investigateAction, resolveAction, closeAction, reopenAction, urgentHandleAction, followUpDoneAction];
