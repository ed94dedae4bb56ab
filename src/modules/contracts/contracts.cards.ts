/**
 * Contract cards, from the templates in cards/contract-*.json. One card shows one contract as it
 * is now: the facts, every submission and decision (who, in what role, for whom, when, why), the
 * open deadlines and — on an approver's card while its round and level wait — the decision form.
 * Every text here is time-stable (absolute times), because the same card is PATCHed later.
 */
import cardTpl from '../../../cards/contract-card.json';
import listTpl from '../../../cards/contract-list.json';
import noticeTpl from '../../../cards/contract-notice.json';
import submitFormTpl from '../../../cards/contract-submit-form.json';
import { button, buttonRow, md, renderCard, type Card } from '../../platform/cards';
import { yuan } from '../../platform/format';
import type { DeadlineRow } from '../../platform/sla/sla.schema';
import { formatLocal } from '../../platform/time';
import { contractsConfig } from './contracts.config';
import type { Contract, ContractApproval, ContractVersion } from './contracts.schema';
import { contractWorkflow, levelOf, needsGm, type ContractState } from './contracts.workflow';

/** Everything a contract card shows, loaded once per render batch. */
export interface ContractView {
  c: Contract;
  customer: { name: string; state: string; ownerOpenId: string };
  versions: ContractVersion[];
  approvals: ContractApproval[];
  /** Live deadlines of the contract (sign, archive, CRM entry). */
  deadlines: DeadlineRow[];
  name(openId: string): string;
  tz: string;
}

/** Which card: an approver's (may carry the form for its round and level) or a plain status card. */
export interface CardRole {
  kind: 'approval' | 'status';
  revision: number;
  level: number;
}

/** SPEC §3.1 pipeline stages, as the customer's stage is shown on an approval card. */
const STAGE_LABELS: Record<string, string> = {
  prospect: '目标客户',
  contacted: '已拜访',
  needs: '需求分析',
  solution: '解决方案',
  demo: '方案演示',
  negotiation: '商务谈判',
  contract: '合同签署',
  archived: '已建档',
  lost: '客户拒绝',
};
export const stageLabel = (s: string) => STAGE_LABELS[s] ?? s;

export const LEVEL_NAME: Record<number, string> = { 1: '主管', 2: '总经办' };

const LOOK: Record<ContractState, { color: string; tag: string }> = {
  draft: { color: 'blue', tag: 'blue' },
  submitted: { color: 'orange', tag: 'orange' },
  pending_gm: { color: 'orange', tag: 'orange' },
  approved: { color: 'green', tag: 'green' },
  rejected: { color: 'red', tag: 'red' },
  signed: { color: 'turquoise', tag: 'turquoise' },
  archived: { color: 'grey', tag: 'neutral' },
};

/** User text inside lark_md: no tags (no forged @-mentions), one line. */
export const plain = (s: string | null | undefined) => (s ?? '').replace(/</g, '＜').replace(/>/g, '＞').replace(/\s+/g, ' ').trim();

export const stateText = (state: string) => contractWorkflow.states[state as ContractState]?.label ?? state;

const FIELD_LABELS: Array<[keyof ContractVersion, string]> = [
  ['amount', '金额'],
  ['terms', '付款条件'],
  ['delivery', '交期'],
  ['orderNumber', '关联订单'],
  ['note', '说明'],
];
const fieldText = (k: keyof ContractVersion, v: unknown) => (k === 'amount' ? yuan(v as number) : plain(v as string) || '—');

function decisionLine(v: ContractView, a: ContractApproval): string {
  const icon = a.decision === 'approved' ? '✅' : '❌';
  const who = `${v.name(a.deciderOpenId)}${a.onBehalfOf ? `（代 ${v.name(a.onBehalfOf)}）` : ''}`;
  const version = v.versions.find((x) => x.revision === a.revision);
  const forwarded = a.decision === 'approved' && a.level === 1 && version && needsGm(version.amount) ? '批准，转总经办审批' : a.decision === 'approved' ? '批准' : '驳回';
  const comment = a.comment ? ` ·「${plain(a.comment)}」` : '';
  return `　${icon} ${LEVEL_NAME[a.level] ?? ''} **${who}** ${forwarded} · ${formatLocal(a.decidedAt, v.tz)}${comment}`;
}

function historyText(v: ContractView): string {
  const { c, tz } = v;
  const lines = ['**审批记录**'];
  let prev: ContractVersion | undefined;
  for (const ver of v.versions) {
    const changes = prev ? FIELD_LABELS.filter(([k]) => (ver[k] ?? null) !== (prev![k] ?? null)).map(([k, label]) => `${label} ${fieldText(k, ver[k])}（原 ${fieldText(k, prev![k])}）`) : [];
    const what = prev ? `修改后重新提交${changes.length ? `：${changes.join('；')}` : ''}` : `提交 · ${yuan(ver.amount)}`;
    lines.push(`**第 ${ver.revision} 版** · ${v.name(ver.submittedBy)} ${formatLocal(ver.submittedAt, tz)} ${what}`);
    for (const a of v.approvals.filter((x) => x.revision === ver.revision)) lines.push(decisionLine(v, a));
    const level = levelOf(c.state);
    if (ver.revision === c.revision && level > 0) lines.push(`　⏳ 等待${LEVEL_NAME[level]}审批${c.levelSince ? ` · 自 ${formatLocal(c.levelSince, tz)} 起` : ''}`);
    prev = ver;
  }
  if (c.signedOn) lines.push(`✍️ 已签署 · ${c.signedOn}`);
  if (c.archivedAt) lines.push(`🗄️ 已归档 · ${formatLocal(c.archivedAt, tz)}`);
  if (c.crmEnteredAt) lines.push(`💾 已录入 CRM · ${formatLocal(c.crmEnteredAt, tz)}`);
  for (const d of v.deadlines) {
    const due = d.targetAt ?? d.limitAt;
    const limit = d.targetAt && d.limitAt ? `，最迟 ${formatLocal(d.limitAt, tz)}` : '';
    lines.push(`⏰ ${d.label}：截止 ${due ? formatLocal(due, tz) : '—'}${limit}${d.status === 'breached' ? ' · 已超时' : ''}`);
  }
  return lines.join('\n');
}

function factsText(v: ContractView): string {
  const { c, customer } = v;
  const chain = needsGm(c.amount) ? `主管 → 总经办（金额超过 ${yuan(contractsConfig.gmThreshold)}）` : '主管';
  return [
    `**客户**：${plain(customer.name)}（阶段：${stageLabel(customer.state)} · 负责人 ${v.name(customer.ownerOpenId)}）`,
    `**金额**：${yuan(c.amount)}`,
    `**付款条件**：${plain(c.terms) || '—'}`,
    `**交期**：${plain(c.delivery) || '—'}`,
    `**关联订单**：${plain(c.orderNumber) || '—'}`,
    ...(c.note ? [`**说明**：${plain(c.note)}`] : []),
    `**提交人**：${v.name(c.submitterOpenId)} · 第 ${c.revision} 版`,
    `**审批流程**：${chain}`,
  ].join('\n');
}

/** The next step for the submitter, as the command to send. */
function nextStep(c: Contract): string {
  const n = c.number;
  const steps: Record<ContractState, string> = {
    draft: '草稿尚未提交。',
    submitted: '等待主管审批，结果会通知你。',
    pending_gm: '主管已批准，等待总经办审批，结果会通知你。',
    rejected: `按意见修改后重新提交：\`/合同 修改 ${n} 金额=… 说明=…\``,
    approved: `签署后发送：\`/合同 签署 ${n} [日期]\``,
    signed: `归档后发送 \`/合同 归档 ${n}\`${c.crmEnteredAt ? '' : `；录入 CRM 后发送 \`/合同 录入 ${n}\``}`,
    archived: c.crmEnteredAt ? '流程已完成。' : `录入 CRM 后发送：\`/合同 录入 ${n}\``,
  };
  return `**下一步**：${steps[c.state as ContractState] ?? ''}`;
}

/**
 * The decision form (a card-root `form`): the comment input and 批准 / 驳回, which submit the
 * comment with the button's value. Both ask for confirmation — a mistap on a phone costs nothing.
 */
function decisionForm(v: ContractView, level: number): unknown {
  const { c } = v;
  const forward = level === 1 && needsGm(c.amount);
  const what = `${c.number} · ${plain(v.customer.name)} · ${yuan(c.amount)}`;
  const text = (content: string) => ({ tag: 'plain_text', content });
  const submit = (name: 'approve' | 'reject', label: string, type: string, confirm: string) => ({
    tag: 'column',
    width: 'auto',
    elements: [
      {
        tag: 'button',
        name,
        type,
        text: text(label),
        form_action_type: 'submit',
        behaviors: [{ type: 'callback', value: { action: `contract.${name}`, id: c.id, v: c.version } }],
        confirm: { title: text(`确认${name === 'approve' ? '批准' : '驳回'}？`), text: text(confirm) },
      },
    ],
  });
  return {
    tag: 'form',
    name: 'decision',
    element_id: 'decision',
    elements: [
      md(`**请审批**（${LEVEL_NAME[level]}${forward ? '；金额超过门槛，批准后还需总经办审批' : ''}）`),
      { tag: 'input', name: 'comment', width: 'fill', max_length: contractsConfig.commentMax, placeholder: text('审批意见（驳回时必填）') },
      {
        tag: 'column_set',
        flex_mode: 'flow',
        horizontal_spacing: 'small',
        columns: [submit('approve', forward ? '批准并转总经办' : '批准', 'primary_filled', what), submit('reject', '驳回', 'danger', `${what}（驳回须填写意见）`)],
      },
    ],
  };
}

/** Whether a card of this role shows the decision form now. */
export const showsForm = (c: Contract, role: CardRole) => role.kind === 'approval' && role.revision === c.revision && role.level > 0 && role.level === levelOf(c.state);

export function contractCard(v: ContractView, role: CardRole, notice?: string): Card {
  const { c } = v;
  const look = LOOK[c.state as ContractState] ?? LOOK.draft;
  const title = `${role.kind === 'approval' ? '合同审批' : '合同'} · ${c.number}`;
  const actions = showsForm(c, role) ? [decisionForm(v, role.level)] : role.kind === 'status' ? [md(nextStep(c))] : [];
  return renderCard(cardTpl, {
    summary: `${title} ${stateText(c.state)}`,
    title,
    subtitle: `${plain(v.customer.name)} · ${yuan(c.amount)} · 第 ${c.revision} 版`,
    stateLabel: stateText(c.state),
    tagColor: look.tag,
    color: look.color,
    notice: notice ? [md(notice)] : [],
    facts: factsText(v),
    history: historyText(v),
    actions,
  });
}

/** /合同 提交 without fields: a form. `customers` become a drop-down when there are few enough. */
export function submitFormCard(formKey: string, customers: string[], who: string): Card {
  const placeholder = { tag: 'plain_text', content: '选择客户' };
  const customerField =
    customers.length > 0 && customers.length <= 100
      ? [md('**客户**'), { tag: 'select_static', name: 'customer', required: true, width: 'fill', placeholder, options: customers.map((n) => ({ text: { tag: 'plain_text', content: n }, value: n })) }]
      : [{ tag: 'input', name: 'customer', required: true, width: 'fill', label: { tag: 'plain_text', content: '客户' }, placeholder: { tag: 'plain_text', content: '客户名称（须已建档）' } }];
  return renderCard(submitFormTpl, { subtitle: `提交人 ${who}`, customerField, submitValue: { action: 'contract.submit', form: formKey } });
}

export interface ListItem {
  line: string;
  open?: { id: number };
}

/** /合同 列表 and /合同 待审. Items with `open` get an 打开 button (at most five). */
export function contractListCard(title: string, subtitle: string, items: ListItem[], hint: string, color = 'blue'): Card {
  let buttons = 0;
  const elements = items.flatMap((it) => {
    const row: unknown[] = [md(it.line)];
    if (it.open && buttons++ < 5) row.push(...buttonRow([button('打开审批卡片', { action: 'contract.open', id: it.open.id }, 'primary')]));
    return row;
  });
  return renderCard(listTpl, { title, subtitle, color, items: elements.length ? elements : [md('（没有）')], hint });
}

export const noticeCard = (title: string, subtitle: string, color: string, body: string): Card => renderCard(noticeTpl, { title, subtitle, color, body });
