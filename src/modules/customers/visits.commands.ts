/** /拜访 <客户> <内容> [下次=…] · /拜访 计划 <客户> <日期> (INTERFACE.md). */
import { z } from 'zod';
import { userName } from '../../platform/actors';
import { arg } from '../../platform/router/args';
import { defineCommand } from '../../platform/router/command';
import { SELLERS } from '../../platform/roles';
import { formatLocal } from '../../platform/time';
import { nextDeadline } from './customers.cards';
import { requireCustomer } from './customers.lookup';
import { requireMover, stageName } from './customers.service';
import { logVisit, planVisit } from './visits.service';
import { dueText } from '../../platform/sla/format';

export const visitCommand = defineCommand({
  path: ['拜访'],
  aliases: [['visit']],
  summary: '记录拜访（@同行的同事；首次拜访后进入需求分析计时）',
  summaryEn: 'log a visit (@ colleagues who came along)',
  usage: '/拜访 <客户> <内容> [下次=…] [地点=…] [反馈=…] [日期=…]',
  examples: ['/拜访 华星科技 见了采购经理，介绍了新品 下次=下周送样 @张三'],
  positional: ['customer', 'content...'],
  keys: { next: ['下次', '下一步'], place: ['地点'], feedback: ['反馈'], day: ['日期', 'date'] },
  roles: SELLERS,
  args: ({ today }) =>
    z.object({
      mentions: z.array(z.string()),
      customer: arg.text('客户'),
      content: arg.text('拜访内容', 1000),
      next: arg.text('下次', 200).optional(),
      place: arg.text('地点', 100).optional(),
      feedback: arg.text('反馈', 500).optional(),
      day: arg.date('日期', today).optional(),
    }),
  async run(ctx, a) {
    const c = await requireCustomer(ctx.tx, a.customer);
    requireMover(ctx, c, await userName(ctx.tx, c.ownerOpenId));
    const r = await logVisit(ctx, c, { content: a.content, nextStep: a.next, place: a.place, feedback: a.feedback, day: a.day, participants: a.mentions });
    const tz = ctx.services.config.BUSINESS_TZ;
    const names = [];
    for (const p of r.visit.participants) names.push(await userName(ctx.tx, p));
    const next = await nextDeadline(ctx.tx, c.id);
    return {
      text: [
        `已记录拜访 #${r.visit.id}：${c.name} · ${formatLocal(r.visit.visitedAt, tz)}${names.length ? ` · 同行 ${names.join('、')}` : ''}${r.late ? '（补记：拜访记录应当天提交）' : ''}`,
        a.next ? `下次：${a.next}` : '',
        r.firstVisit && r.customer.state === 'contacted' ? `首次拜访：客户进入「${stageName('contacted')}」阶段。` : '',
        r.plan ? `已完成拜访计划 #${r.plan.id}（计划 ${r.plan.plannedOn}）。` : '',
        next ? `下一步：${next.label} ${dueText(next, ctx.now, tz)}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    };
  },
});

export const visitPlanCommand = defineCommand({
  path: ['拜访', '计划'],
  aliases: [['visit', 'plan']],
  summary: '计划拜访（计入"拜访计划执行率"，当天未记录会提醒）',
  summaryEn: 'plan a visit (tracked for "visit plan executed")',
  usage: '/拜访 计划 <客户> <日期> [备注=…]',
  examples: ['/拜访 计划 华星科技 下周三'],
  positional: ['customer', 'day'],
  keys: { note: ['备注', 'note'] },
  roles: SELLERS,
  args: ({ today }) => z.object({ customer: arg.text('客户'), day: arg.date('日期', today, { notPast: true }), note: arg.text('备注', 200).optional() }),
  async run(ctx, a) {
    const c = await requireCustomer(ctx.tx, a.customer);
    requireMover(ctx, c, await userName(ctx.tx, c.ownerOpenId));
    const { plan, dueAt } = await planVisit(ctx, c, a.day, a.note);
    return { text: `已计划拜访 #${plan.id}：${a.day} 拜访 ${c.name}。拜访后当天发送 /拜访 ${c.name} <内容>，截止 ${formatLocal(dueAt, ctx.services.config.BUSINESS_TZ)}。` };
  },
});

export const visitCommands = [visitPlanCommand, visitCommand];
