/**
 * 客户咨询 (SPEC §3.3) as data: answer within 24 hours on the calendar clock (the customer keeps
 * waiting over the weekend); when technical support is needed, engineering answers within 4
 * working hours. /咨询 回复 closes both.
 */
import { defineWorkflow, type DeadlineRule } from '../../platform/workflow/workflow';

export const INQUIRY_RULES = {
  answer: { step: 'answer', label: '答复客户咨询', target: { hours: 24 }, clock: 'calendar', owner: 'owner' },
  tech_support: { step: 'tech_support', label: '技术支持', target: { hours: 4 }, clock: 'working', owner: 'engineering' },
} as const satisfies Record<string, DeadlineRule>;

export const inquiryWorkflow = defineWorkflow({
  name: 'inquiry',
  initial: 'received',
  fieldLabels: { answer: '答复内容' },
  states: {
    received: {
      label: '待答复',
      deadlines: [INQUIRY_RULES.answer],
      on: {
        FLAG_TECH: { to: 'received', roles: ['owner', 'supervisor', 'sales', 'senior'], deadlines: [INQUIRY_RULES.tech_support], label: '需要技术支持' },
        ANSWER: { to: 'answered', roles: ['owner', 'supervisor', 'engineering'], requires: ['answer'], meets: [INQUIRY_RULES.tech_support.step], label: '答复' },
      },
    },
    answered: { label: '已答复', terminal: true },
  },
});
