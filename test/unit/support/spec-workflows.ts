/**
 * SPEC §3.1–3.4 written as workflow data — the proof that every deadline of the spec can be
 * expressed by the engine. The domain modules will own their real copies; these are fixtures.
 */
import { defineWorkflow, type DeadlineRule, type EventDef } from '../../../src/platform/workflow/workflow';

const W = 'working' as const;
const C = 'calendar' as const;

// ---------------------------------------------------------------------------------------------
// §3.1 Customer development

export const customerRecurring: Record<string, DeadlineRule> = {
  // "monthly" / "quarterly": due at the end of the period, which the caller names as the anchor.
  target_list_refresh: { step: 'target_list_refresh', label: '目标客户清单更新', target: {}, clock: C, owner: 'owner', anchor: 'month_end' },
  market_research: { step: 'market_research', label: '市场调研报告', target: {}, clock: C, owner: 'owner', anchor: 'quarter_end' },
  important_visit: { step: 'important_visit', label: '重点客户月度拜访', limit: {}, clock: C, owner: 'owner', anchor: 'month_end' },
};

const lose = { LOSE: { to: 'lost', roles: ['owner', 'supervisor'], requires: ['lost_reason'], cancels: true, label: '客户拒绝' } } as const;

export const customerWorkflow = defineWorkflow({
  name: 'customer',
  initial: 'prospect',
  fieldLabels: { lost_reason: '拒绝原因', visit: '拜访时间', demo_at: '演示时间', negotiation_at: '谈判时间' },
  states: {
    prospect: { label: '目标客户', on: { FIRST_VISIT: { to: 'contacted', roles: ['owner'], requires: ['visit'], label: '首次拜访' }, ...lose } },
    contacted: {
      label: '已拜访',
      deadlines: [
        { step: 'visit_record', label: '拜访记录', target: { days: 0 }, clock: W, owner: 'owner', anchor: 'visit' },
        { step: 'needs_report', label: '需求分析报告', target: { days: 3 }, clock: W, owner: 'owner', anchor: 'visit' },
      ],
      on: { NEEDS_DONE: { to: 'needs', roles: ['owner'], label: '完成需求分析' }, ...lose },
    },
    needs: {
      label: '需求分析',
      deadlines: [{ step: 'solution', label: '解决方案', target: { days: 5 }, clock: W, owner: 'owner' }],
      on: { SOLUTION_DONE: { to: 'solution', roles: ['owner'], label: '完成方案' }, ...lose },
    },
    solution: { label: '解决方案', on: { SCHEDULE_DEMO: { to: 'demo', roles: ['owner'], requires: ['demo_at'], label: '安排演示' }, ...lose } },
    demo: {
      label: '方案演示',
      deadlines: [{ step: 'demo_prep', label: '演示准备', target: { days: 2 }, before: true, clock: W, owner: 'owner', anchor: 'demo_at' }],
      on: { SCHEDULE_NEGOTIATION: { to: 'negotiation', roles: ['owner'], requires: ['negotiation_at'], label: '安排谈判' }, ...lose },
    },
    negotiation: {
      label: '商务谈判',
      deadlines: [{ step: 'negotiation_plan', label: '谈判方案', target: { days: 1 }, before: true, clock: W, owner: 'owner', anchor: 'negotiation_at' }],
      on: { CONCLUDE: { to: 'contract', roles: ['owner'], label: '谈判结束' }, ...lose },
    },
    contract: {
      label: '合同签署',
      deadlines: [{ step: 'contract_draft', label: '合同草案', target: { days: 3 }, clock: W, owner: 'owner' }],
      on: {
        CONFIRM_DRAFT: {
          to: 'contract',
          roles: ['owner', 'supervisor'],
          label: '确认草案',
          meets: ['contract_draft'],
          deadlines: [{ step: 'contract_signed', label: '合同签订', target: { days: 2 }, limit: { days: 7 }, limitAnchor: 'negotiation_concluded', clock: W, owner: 'owner' }],
        },
        SIGN: { to: 'archived', roles: ['owner'], label: '已签约', meets: ['contract_signed'] },
        ...lose,
      },
    },
    archived: {
      label: '已建档',
      deadlines: [
        { step: 'customer_archive', label: '客户建档', target: { days: 1 }, clock: W, owner: 'owner' },
        { step: 'crm_entry', label: 'CRM 录入', target: { days: 2 }, limit: { days: 2 }, clock: W, owner: 'owner' },
      ],
      on: {
        RECORD_ARCHIVE: { to: 'archived', roles: ['owner'], label: '建档完成', meets: ['customer_archive', 'crm_entry'] },
        LOG_VISIT: { to: 'archived', roles: ['owner'], label: '记录拜访', meets: ['important_visit'], deadlines: [customerRecurring.important_visit!] },
      },
    },
    lost: { label: '客户拒绝', on: { REOPEN: { to: 'prospect', roles: ['owner', 'supervisor'], label: '重新跟进' } } },
  },
});

// ---------------------------------------------------------------------------------------------
// §3.2 Orders

const exception = {
  LOG_EXCEPTION: { to: 'in_production', roles: ['owner', 'pmc', 'quality'], label: '登记异常', deadlines: [{ step: 'exception_response', label: '异常响应', target: { hours: 4 }, clock: W, owner: 'owner' }] },
  RESPOND_EXCEPTION: { to: 'in_production', roles: ['owner'], label: '异常已响应', meets: ['exception_response'] },
} as const satisfies Record<string, EventDef<'in_production'>>;
const change = { REQUEST_CHANGE: { to: 'changed', roles: ['owner'], label: '客户变更', requires: ['change'] } } as const;
const cancel = { CANCEL: { to: 'cancelled', roles: ['owner', 'supervisor'], label: '取消订单', cancels: true, requires: ['reason'] } } as const;

export const orderWorkflow = defineWorkflow({
  name: 'order',
  initial: 'received',
  fieldLabels: { due_date: '交期', reason: '原因', change: '变更内容', progress: '进度说明', delivered_at: '送达时间', payment_due: '付款到期日' },
  states: {
    received: {
      label: '已接单',
      deadlines: [
        { step: 'evaluation', label: '订单评估', target: { hours: 4 }, clock: W, owner: 'owner' },
        { step: 'whole_confirmation', label: '订单整体确认', limit: { hours: 48 }, clock: W, owner: 'owner', until: ['customer_confirmed'] },
      ],
      on: { EVALUATE: { to: 'evaluated', roles: ['owner'], label: '完成评估' }, ...cancel },
    },
    evaluated: {
      label: '已评估',
      deadlines: [{ step: 'tech_confirmation', label: '技术确认', target: { hours: 8 }, clock: W, owner: 'engineering' }],
      on: { CONFIRM_TECH: { to: 'tech_confirmed', roles: ['engineering'], label: '技术确认' }, ...change, ...cancel },
    },
    tech_confirmed: {
      label: '技术已确认',
      deadlines: [{ step: 'production_confirmation', label: '生产确认', target: { hours: 4 }, clock: W, owner: 'pmc' }],
      on: { CONFIRM_PRODUCTION: { to: 'production_confirmed', roles: ['pmc'], label: '生产确认', requires: ['due_date'] }, ...change, ...cancel },
    },
    production_confirmed: {
      label: '生产已确认',
      deadlines: [{ step: 'price_confirmation', label: '价格审核', target: { hours: 2 }, clock: W, owner: 'finance' }],
      on: { CONFIRM_PRICE: { to: 'price_confirmed', roles: ['finance'], label: '价格确认' }, ...change, ...cancel },
    },
    price_confirmed: { label: '价格已确认', on: { CUSTOMER_CONFIRM: { to: 'customer_confirmed', roles: ['owner'], label: '客户确认' }, ...change, ...cancel } },
    customer_confirmed: {
      label: '客户已确认',
      deadlines: [{ step: 'erp_entry', label: 'ERP 录入', target: { hours: 2 }, limit: { hours: 4 }, clock: W, owner: 'owner' }],
      on: { ENTER_ERP: { to: 'entered', roles: ['owner'], label: '已录入 ERP' }, ...cancel },
    },
    entered: {
      label: '已录入',
      deadlines: [{ step: 'distribution', label: '下发 PMC/采购/品质/财务', target: { hours: 1 }, clock: W, owner: 'owner' }],
      on: { DISTRIBUTE: { to: 'distributed', roles: ['owner'], label: '已下发' }, ...cancel },
    },
    distributed: { label: '已下发', on: { START_PRODUCTION: { to: 'in_production', roles: ['pmc', 'owner'], label: '开始生产' }, ...cancel } },
    in_production: {
      label: '生产中',
      deadlines: [
        { step: 'progress_update', label: '进度/品质/交期更新', target: { days: 1 }, clock: W, owner: 'owner' },
        { step: 'shipping_prep', label: '出货准备', target: { days: 1 }, before: true, clock: W, owner: 'owner', anchor: 'due_date' },
        { step: 'shipment', label: '按期出货', limit: {}, clock: C, owner: 'owner', anchor: 'due_date', until: ['shipped'] },
      ],
      on: {
        LOG_PROGRESS: { to: 'in_production', roles: ['owner'], label: '更新进度', requires: ['progress'], meets: ['progress_update'], deadlines: [{ step: 'progress_update', label: '进度/品质/交期更新', target: { days: 1 }, clock: W, owner: 'owner' }] },
        READY: { to: 'ready_to_ship', roles: ['owner', 'logistics'], label: '待出货' },
        HOLD: { to: 'on_hold', roles: ['owner', 'supervisor'], label: '暂停', clock: 'pause' },
        ...exception,
        ...change,
        ...cancel,
      },
    },
    on_hold: { label: '暂停', on: { RESUME: { to: 'in_production', roles: ['owner', 'supervisor'], label: '恢复', clock: 'resume' }, ...cancel } },
    changed: {
      label: '变更中',
      deadlines: [{ step: 'change_response', label: '变更响应', target: { hours: 8 }, clock: W, owner: 'owner' }],
      on: { REEVALUATE: { to: 'received', roles: ['owner'], label: '重新评估' }, ...cancel },
    },
    ready_to_ship: { label: '待出货', on: { SHIP: { to: 'shipped', roles: ['logistics', 'owner'], label: '已出货' } } },
    shipped: {
      label: '已出货',
      on: {
        LOG_DELIVERY: { to: 'shipped', roles: ['logistics', 'owner'], label: '已送达', requires: ['delivered_at'], deadlines: [{ step: 'receipt_confirmation', label: '客户签收确认', target: { days: 1 }, clock: W, owner: 'owner', anchor: 'delivered_at' }] },
        CONFIRM_RECEIPT: { to: 'delivered', roles: ['owner'], label: '客户已签收', meets: ['receipt_confirmation'] },
      },
    },
    delivered: {
      label: '已签收',
      deadlines: [{ step: 'payment', label: '回款', limit: {}, clock: C, owner: 'owner', anchor: 'payment_due' }],
      on: { RECORD_PAYMENT: { to: 'paid', roles: ['finance', 'owner'], label: '已回款' } },
    },
    paid: {
      label: '已回款',
      deadlines: [{ step: 'order_summary', label: '订单总结', target: { days: 3 }, clock: W, owner: 'owner' }],
      on: { SUMMARIZE: { to: 'summarized', roles: ['owner'], label: '完成总结' } },
    },
    summarized: {
      label: '已总结',
      deadlines: [{ step: 'archive', label: '归档', target: { days: 1 }, clock: W, owner: 'owner' }],
      on: { ARCHIVE: { to: 'archived', roles: ['owner'], label: '归档' } },
    },
    archived: { label: '已归档', terminal: true },
    cancelled: { label: '已取消', terminal: true },
  },
});

// ---------------------------------------------------------------------------------------------
// §3.3 Customer service (inquiries) and complaints

export const inquiryWorkflow = defineWorkflow({
  name: 'inquiry',
  initial: 'received',
  states: {
    received: {
      label: '已收到',
      deadlines: [
        { step: 'answer', label: '答复咨询', target: { hours: 24 }, clock: C, owner: 'owner' },
        { step: 'tech_support', label: '技术支持', target: { hours: 4 }, clock: W, owner: 'engineering' },
      ],
      on: {
        ANSWER: { to: 'answered', roles: ['owner'], label: '已答复', meets: ['tech_support'] },
        MARK_URGENT: { to: 'received', roles: ['owner', 'supervisor'], label: '紧急', deadlines: [{ step: 'urgent', label: '紧急问题处理', limit: { hours: 2 }, clock: C, owner: 'owner', urgent: true }] },
      },
    },
    answered: {
      label: '已答复',
      on: {
        NEEDS_CONFIRMED: { to: 'quoting', roles: ['owner'], label: '需求已确认' },
        CLOSE: { to: 'closed', roles: ['owner'], label: '关闭' },
      },
    },
    quoting: {
      label: '报价中',
      deadlines: [{ step: 'quote', label: '报价', target: { hours: 24 }, clock: W, owner: 'owner' }],
      on: { QUOTE: { to: 'quoted', roles: ['owner'], label: '已报价' } },
    },
    quoted: {
      label: '已报价',
      on: {
        CUSTOMER_ORDERS: { to: 'ordering', roles: ['owner'], label: '客户下单' },
        CLOSE: { to: 'closed', roles: ['owner'], label: '关闭' },
      },
    },
    ordering: {
      label: '待确认订单',
      deadlines: [{ step: 'order_confirmation', label: '订单确认', target: { hours: 2 }, limit: { hours: 4 }, clock: W, owner: 'owner' }],
      on: { CONFIRM_ORDER: { to: 'closed', roles: ['owner'], label: '订单已确认' } },
    },
    closed: { label: '已关闭', terminal: true },
  },
});

/** Customer-service cadences that are not one record's workflow (anchors supplied by the caller). */
export const serviceRecurring: Record<string, DeadlineRule> = {
  progress_notice: { step: 'progress_notice', label: '生产进度周报', target: { days: 7 }, clock: C, owner: 'owner' },
  quality_follow_up: { step: 'quality_follow_up', label: '交付后月度品质回访', target: {}, clock: C, owner: 'owner', anchor: 'month_end' },
  satisfaction_survey: { step: 'satisfaction_survey', label: '季度满意度调查', target: {}, clock: C, owner: 'owner', anchor: 'quarter_end' },
};

export const complaintWorkflow = defineWorkflow({
  name: 'complaint',
  initial: 'received',
  fieldLabels: { cause: '原因', responsibility: '责任', loss: '损失', action: '处理措施', feedback: '客户反馈', satisfaction: '满意度' },
  states: {
    received: {
      label: '已收到',
      deadlines: [
        { step: 'acknowledge', label: '受理投诉', limit: { hours: 24 }, clock: C, owner: 'owner' },
        { step: 'investigation', label: '调查', limit: { hours: 24 }, clock: C, owner: 'owner', until: ['investigated'] },
        { step: 'whole_complaint', label: '投诉整体处理', limit: { hours: 72 }, clock: C, owner: 'owner', until: ['closed'] },
      ],
      on: { ACKNOWLEDGE: { to: 'acknowledged', roles: ['owner', 'supervisor'], label: '受理' } },
    },
    acknowledged: {
      label: '已受理',
      on: { INVESTIGATE: { to: 'investigated', roles: ['owner', 'quality'], label: '调查完成', requires: ['cause', 'responsibility', 'loss'] } },
    },
    investigated: {
      label: '已调查',
      deadlines: [{ step: 'resolution', label: '解决', limit: { hours: 48 }, clock: C, owner: 'owner' }],
      on: { RESOLVE: { to: 'resolved', roles: ['owner'], label: '已解决', requires: ['action'] } },
    },
    resolved: { label: '已解决', on: { CLOSE: { to: 'closed', roles: ['owner', 'supervisor'], label: '关闭', requires: ['feedback', 'satisfaction'] } } },
    closed: { label: '已关闭', terminal: true },
  },
});

// ---------------------------------------------------------------------------------------------
// §3.4 Contracts

export const contractWorkflow = defineWorkflow({
  name: 'contract',
  initial: 'draft',
  fieldLabels: { amount: '金额', customer: '客户', comment: '意见', signed_at: '签约日期' },
  states: {
    draft: {
      label: '草稿',
      deadlines: [{ step: 'contract_draft', label: '合同草案', target: { days: 3 }, clock: W, owner: 'owner', anchor: 'negotiation_concluded' }],
      on: { SUBMIT: { to: 'submitted', roles: ['owner'], requires: ['amount', 'customer'], label: '提交审批' } },
    },
    submitted: {
      label: '待主管审批',
      deadlines: [{ step: 'approval', label: '合同审批', target: { hours: 4 }, clock: W, owner: 'supervisor' }],
      on: {
        APPROVE: { to: 'approved', roles: ['supervisor'], label: '批准' },
        REJECT: { to: 'rejected', roles: ['supervisor'], requires: ['comment'], label: '驳回' },
        ESCALATE_TO_GM: { to: 'gm_review', roles: ['supervisor'], label: '转总经办审批' },
        WITHDRAW: { to: 'draft', roles: ['owner'], label: '撤回', cancels: true },
      },
    },
    gm_review: {
      label: '待总经办审批',
      deadlines: [{ step: 'gm_approval', label: '总经办审批', target: { hours: 4 }, clock: W, owner: 'gm' }],
      on: {
        GM_APPROVE: { to: 'approved', roles: ['gm'], label: '总经办批准' },
        GM_REJECT: { to: 'rejected', roles: ['gm'], requires: ['comment'], label: '总经办驳回' },
      },
    },
    rejected: { label: '已驳回', on: { REVISE: { to: 'draft', roles: ['owner'], label: '修改后重新提交' } } },
    approved: {
      label: '已批准',
      deadlines: [{ step: 'contract_signed', label: '合同签订', target: { days: 2 }, limit: { days: 7 }, limitAnchor: 'negotiation_concluded', clock: W, owner: 'owner' }],
      on: { SIGN: { to: 'signed', roles: ['owner'], requires: ['signed_at'], label: '已签订' } },
    },
    signed: {
      label: '已签订',
      deadlines: [
        { step: 'customer_archive', label: '客户建档', target: { days: 1 }, clock: W, owner: 'owner' },
        { step: 'crm_entry', label: 'CRM 录入', target: { days: 2 }, limit: { days: 2 }, clock: W, owner: 'owner' },
      ],
      on: { ARCHIVE: { to: 'archived', roles: ['owner', 'supervisor'], label: '归档' } },
    },
    archived: { label: '已归档', terminal: true },
  },
});
