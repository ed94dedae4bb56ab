/**
 * 客户开发 (SPEC §1, §2, §3.1, inquiry clocks of §3.3; issue 4): customers and their pipeline,
 * visits and visit plans, inquiries, market research, periodic duties and the weekly nudges.
 */
import { eq } from 'drizzle-orm';
import { userName } from '../../platform/actors';
import { defineModule } from '../../platform/module';
import { customerCard } from './customers.cards';
import { customerCardActions } from './customers.card-actions';
import { customerCommands } from './customers.commands';
import { importantNotVisited, stalledCustomers } from './customers.nudges';
import { customers, inquiries, visitPlans } from './customers.schema';
import { loadCustomer, SUBJECT } from './customers.service';
import { dutiesJob, DUTY_SUBJECT, researchCommand, showDuty } from './duties';
import { INQUIRY_SUBJECT, inquiryCommands } from './inquiries.commands';
import { visitCommands } from './visits.commands';
import { PLAN_SUBJECT } from './visits.service';

export const customersModule = defineModule({
  name: 'customers',
  commands: [...customerCommands, ...visitCommands, ...inquiryCommands, researchCommand],
  cardActions: customerCardActions,
  jobs: [dutiesJob],
  menu: { customer_list: '/客户 列表' },
  subjects: {
    [SUBJECT]: {
      label: '客户',
      name: async (tx, id) => (await tx.select({ name: customers.name }).from(customers).where(eq(customers.id, Number(id))))[0]?.name,
      show: async (ctx, id) => ({ card: await customerCard(ctx, await loadCustomer(ctx.tx, Number(id)), 'private') }),
    },
    [INQUIRY_SUBJECT]: {
      label: '客户咨询',
      // The id is the inquiry number (ZX-20261204-001).
      name: async (_tx, id) => id,
      async show(ctx, id) {
        const [q] = await ctx.tx.select().from(inquiries).where(eq(inquiries.id, id));
        if (!q) return undefined;
        return { text: `咨询 ${q.id}：${q.content}\n负责人 ${await userName(ctx.tx, q.ownerOpenId)}${q.technical ? ' · 技术问题' : ''}\n答复后发送：/咨询 回复 ${q.id} <答复内容>` };
      },
    },
    [PLAN_SUBJECT]: {
      label: '拜访计划',
      async name(tx, id) {
        const [p] = await tx.select({ day: visitPlans.plannedOn, customer: customers.name }).from(visitPlans).innerJoin(customers, eq(customers.id, visitPlans.customerId)).where(eq(visitPlans.id, Number(id)));
        return p && `${p.customer} ${p.day}`;
      },
      async show(ctx, id) {
        const [p] = await ctx.tx.select().from(visitPlans).where(eq(visitPlans.id, Number(id)));
        if (!p) return undefined;
        const c = await loadCustomer(ctx.tx, p.customerId);
        return { text: `拜访计划 #${p.id}：${p.plannedOn} 拜访 ${c.name}${p.note ? `（${p.note}）` : ''}。\n拜访后当天发送：/拜访 ${c.name} <拜访内容>` };
      },
    },
    // The id is the period (2026-03, 2026-Q1).
    [DUTY_SUBJECT]: { label: '例行工作', name: async (_tx, id) => id, show: (ctx, id) => showDuty(ctx, id) },
  },
  nudges: { 'customers.stalled': stalledCustomers, 'customers.important_unvisited': importantNotVisited },
});

/** What other modules may use of the customers module. */
export { customers, visits, visitPlans, inquiries, marketResearch, type Customer, type Visit, type VisitPlan, type Inquiry } from './customers.schema';
export { findCustomer, requireCustomer, SIMILAR } from './customers.lookup';
export { customerWorkflow, PIPELINE, RULES as CUSTOMER_RULES, RECURRING as CUSTOMER_RECURRING, type Stage } from './customers.workflow';
export { inquiryWorkflow, INQUIRY_RULES } from './inquiries.workflow';
/** Contracts: move a customer (e.g. to `archived` when its contract is signed), in your transaction. */
export { changeCustomer as moveCustomer, accessTo as customerAccess, type Access as CustomerAccess } from './customers.service';
/** onCustomerTransferred hooks: move a record's live clocks owned by the previous owner to the new one. */
export { reassignDeadlines } from './customers.service';
/** KPI (SPEC §4–5): new customers, visits, visit plans executed, inquiry response times. */
export { newCustomersPerOwner, visitsPerOwner, visitPlanExecution, inquiryResponseTimes, pipelineByOwner, type Period as CustomerPeriod } from './customers.kpi';
