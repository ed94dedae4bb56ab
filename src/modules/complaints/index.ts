/**
 * 客户服务流程 (SPEC §3.3, complaint part of §5): complaints with two clocks, urgent issues,
 * satisfaction scores, quality follow-ups and quarterly surveys. See README.md in this folder.
 */
import { eq } from 'drizzle-orm';
import { defineModule } from '../../platform/module';
import { complaintCard, envOf, followUpCard, urgentIssueCard } from './complaints.cards';
import { complaintCardActions } from './complaints.card-actions';
import { complaintCommands } from './complaints.commands';
import { openComplaints } from './complaints.nudges';
import { loadComplaint, loadUrgentIssue, maySeeComplaint, SUBJECT, viewerOf } from './complaints.service';
import { customers } from '../customers';
import { complaints, followUps, urgentIssues } from './complaints.schema';
import { loadFollowUp } from './follow-ups';
import { serviceClocksJob } from './service-clocks.job';
import { transferServiceRecords } from './complaints.transfer';

const idOf = (id: string) => Number.parseInt(id, 10);

export const complaintsModule = defineModule({
  name: 'complaints',
  commands: complaintCommands,
  cardActions: complaintCardActions,
  jobs: [serviceClocksJob],
  nudges: { 'complaints.open': openComplaints },
  // 客户转交: the customer's open complaints, urgent issues, quality follow-ups and pending surveys,
  // and their clocks, follow the new owner (complaints.transfer.ts says what stays and why).
  onCustomerTransferred: transferServiceRecords,
  subjects: {
    [SUBJECT.complaint]: {
      label: '客户投诉',
      name: async (tx, id) => (await tx.select({ n: complaints.number }).from(complaints).where(eq(complaints.id, idOf(id))))[0]?.n,
      async show(ctx, id) {
        const c = await loadComplaint(ctx.tx, idOf(id));
        return maySeeComplaint(ctx, c) ? { card: await complaintCard(envOf(ctx), c, { viewer: viewerOf(ctx) }) } : undefined;
      },
    },
    [SUBJECT.urgent]: {
      label: '紧急问题',
      name: async (tx, id) => (await tx.select({ n: urgentIssues.number }).from(urgentIssues).where(eq(urgentIssues.id, idOf(id))))[0]?.n,
      show: async (ctx, id) => ({ card: await urgentIssueCard(envOf(ctx), await loadUrgentIssue(ctx.tx, idOf(id)), viewerOf(ctx)) }),
    },
    [SUBJECT.followUp]: {
      label: '品质回访',
      async name(tx, id) {
        const [f] = await tx.select({ customer: customers.name, order: followUps.orderNumber }).from(followUps).innerJoin(customers, eq(customers.id, followUps.customerId)).where(eq(followUps.id, idOf(id)));
        return f && `${f.customer}${f.order ? `（订单 ${f.order}）` : ''}`;
      },
      show: async (ctx, id) => ({ card: await followUpCard(envOf(ctx), await loadFollowUp(ctx.tx, idOf(id)), viewerOf(ctx)) }),
    },
    [SUBJECT.survey]: {
      label: '满意度调查',
      // The id is `${customerId}-${quarter}` (surveySubjectId).
      async name(tx, id) {
        const [customerId, quarter] = id.split('-');
        const [c] = await tx.select({ name: customers.name }).from(customers).where(eq(customers.id, idOf(customerId ?? '')));
        return c && `${c.name} ${quarter}`;
      },
      show: async () => ({ text: '请向客户做本季度满意度调查，然后发送：/满意度 <客户> <1-5> [意见]。记录后提醒自动关闭。' }),
    },
  },
});

// What other modules may use.
export { complaints, satisfactionSurveys, urgentIssues, followUps, CAUSE_KEYS, type CauseKey, type Complaint, type SatisfactionSurvey, type UrgentIssue, type FollowUp } from './complaints.schema';
export { allocateCost, CAUSES, complaintWorkflow, urgentIssueWorkflow, COMPLAINT_RULES, SERVICE, SERVICE_RULES, type Allocation } from './complaints.workflow';
/** Orders module: call when an order is delivered, inside your transaction. */
export { scheduleQualityFollowUp, type QualityFollowUpInput } from './follow-ups';
/** KPI module: SPEC §4 standards and §5 allocations. */
export { complaintsHandledOnTime, complaintCostAllocations, type OnTimeSummary, type CostAllocationRow, type Period } from './complaints.kpi';
export { satisfactionSummary as satisfactionScores, quarterOf, type SatisfactionSummary } from './complaints.service';
