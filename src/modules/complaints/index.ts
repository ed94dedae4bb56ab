/**
 * 客户服务流程 (SPEC §3.3, complaint part of §5): complaints with two clocks, urgent issues,
 * satisfaction scores, quality follow-ups and quarterly surveys. See README.md in this folder.
 */
import type { BotContext } from '../../platform/context';
import { defineModule } from '../../platform/module';
import { complaintCard, followUpCard, urgentIssueCard } from './complaints.cards';
import { complaintCardActions } from './complaints.card-actions';
import { complaintCommands } from './complaints.commands';
import { loadComplaint, loadUrgentIssue, maySeeComplaint, SUBJECT } from './complaints.service';
import { loadFollowUp } from './follow-ups';
import { serviceClocksJob } from './service-clocks.job';

const envOf = (ctx: BotContext) => ({ tx: ctx.tx, services: ctx.services, now: ctx.now });
const idOf = (id: string) => Number.parseInt(id, 10);

export const complaintsModule = defineModule({
  name: 'complaints',
  commands: complaintCommands,
  cardActions: complaintCardActions,
  jobs: [serviceClocksJob],
  subjects: {
    [SUBJECT.complaint]: {
      label: '客户投诉',
      async show(ctx, id) {
        const c = await loadComplaint(ctx.tx, idOf(id));
        return maySeeComplaint(ctx, c) ? { card: await complaintCard(envOf(ctx), c) } : undefined;
      },
    },
    [SUBJECT.urgent]: { label: '紧急问题', show: async (ctx, id) => ({ card: await urgentIssueCard(envOf(ctx), await loadUrgentIssue(ctx.tx, idOf(id))) }) },
    [SUBJECT.followUp]: { label: '品质回访', show: async (ctx, id) => ({ card: await followUpCard(envOf(ctx), await loadFollowUp(ctx.tx, idOf(id))) }) },
    [SUBJECT.orderConfirmation]: { label: '订单确认', show: async (_ctx, id) => ({ text: `请向客户确认订单 ${id}，然后在订单卡片上完成确认。发送 /订单 ${id} 查看。` }) },
    [SUBJECT.survey]: {
      label: '满意度调查',
      show: async () => ({ text: '请向客户做本季度满意度调查，然后发送：/满意度 <客户> <1-5> [意见]。记录后提醒自动关闭。' }),
    },
  },
});

// What other modules may use.
export { complaints, satisfactionSurveys, urgentIssues, followUps, CAUSE_KEYS, type CauseKey, type Complaint, type SatisfactionSurvey, type UrgentIssue, type FollowUp } from './complaints.schema';
export { allocateCost, CAUSES, complaintWorkflow, urgentIssueWorkflow, COMPLAINT_RULES, SERVICE, SERVICE_RULES, type Allocation } from './complaints.workflow';
/** Orders module: call when an order is delivered, inside your transaction. */
export { scheduleQualityFollowUp, startOrderConfirmationClock, meetOrderConfirmationClock, type QualityFollowUpInput } from './follow-ups';
/** KPI module: SPEC §4 standards and §5 allocations. */
export { complaintsHandledOnTime, complaintCostAllocations, type OnTimeSummary, type CostAllocationRow, type Period } from './complaints.kpi';
export { satisfactionSummary as satisfactionScores, quarterOf, type SatisfactionSummary } from './complaints.service';
