/**
 * Demo data for local mode (issue 9 item 4): a realistic month of a small sales department, loaded
 * by `npm run seed:demo` (seed-demo-cli.ts) or the simulator's "载入演示数据" button (POST /local/seed).
 *
 * Nothing is inserted behind the workflows' backs. The month is a script of what people type and
 * click, replayed through the simulator's own API, exactly as the page drives it:
 * - `POST /local/jump` moves the simulated clock to each step's moment (and runs the jobs that fell
 *   due in between — reminders, digests, escalations — through the same job code as production);
 * - `POST /local/send` turns a typed command into a signed, encrypted `im.message.receive_v1` event
 *   whose `create_time` is that moment;
 * - `POST /local/click` turns a card click or form submit into a `card.action.trigger` callback.
 * So every deadline, audit row, card and notification is what the real bot made of it.
 *
 * The script (DEMO_SCRIPT) is data: steps `{ at, who, chat, text }` and `{ at, who, click, form }`.
 * `at` is [working days relative to today (negative = past), 'HH:mm' in the business time zone].
 * In texts, click values and forms, `{d-3}` is the date (YYYY-MM-DD) of the working day three before
 * today and `{o1}` the record number a step saved (`save: { o1: 'DD' }` takes the first DD-… number of
 * the bot's answer). Every step says what the answer must contain (`expect`), so a wording or
 * workflow change that breaks the story stops the seed with the step and the answer, never silently.
 */
import { count } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { cardCallbacks } from '../platform/cards';
import { defaultCalendar, isWorkingDay } from '../platform/sla/calendar';
import { addDays } from '../platform/time';
import { customers } from '../modules/customers';
import { DEMO_PEOPLE, DEMO_TEAM_CHAT } from './local-mode';

// ── The script's shape ───────────────────────────────────────────────────────────────────────────────────────

/** Who acts: the demo people of local-mode.ts by role (sales1 李业务, sales2 张业务, senior 赵高级). */
export type Who = 'supervisor' | 'sales1' | 'sales2' | 'senior' | 'finance' | 'pmc' | 'engineering' | 'quality' | 'gm';

/** [working days from today (≤ -1), 'HH:mm' wall time in the business time zone]. */
export type At = readonly [day: number, time: string];

interface StepBase {
  at: At;
  who: Who;
  /**
   * Text the bot's answer must contain (replies to the message, or the click's toast and new card).
   * A click without `expect` only has to be answered without an error or warning toast.
   */
  expect?: string;
  /** Record numbers to remember from the answer: variable → number prefix (DD, HT, TS, ZX). */
  save?: Record<string, string>;
  /**
   * A step that may not apply (another module may already have done it — e.g. the contract's signing
   * moving the customer on its own): when its button is missing or the answer does not match, the seed
   * goes on.
   */
  optional?: boolean;
}

export interface SayStep extends StepBase {
  /** 'dm' (default): the person's private chat with the bot; 'team': the 业务部 group (the bot is @-mentioned). */
  chat?: 'dm' | 'team';
  text: string;
  expect: string;
}

export interface ClickStep extends StepBase {
  /**
   * The callback to click: the newest card the person can see that has a button (or form submit) whose
   * callback value contains these keys and values, and whose card JSON contains `on` when given.
   */
  click: Record<string, string | number> & { action: string };
  on?: string;
  /** Only the card the bot just answered this person's previous message with (not an older card's button). */
  inReply?: boolean;
  /** Form values (what the person typed or picked on the card's form). */
  form?: Record<string, string | boolean | string[]>;
}

export type Step = SayStep | ClickStep;

const isClick = (s: Step): s is ClickStep => 'click' in s;

// ── Small builders (they only make data) ─────────────────────────────────────────────────────────────────────

const say = (at: At, who: Who, text: string, expect: string, more: Partial<SayStep> = {}): SayStep => ({ at, who, text, expect, ...more });
const team = (at: At, who: Who, text: string, expect: string, more: Partial<SayStep> = {}): SayStep => ({ at, who, text, expect, chat: 'team', ...more });
const click = (at: At, who: Who, value: ClickStep['click'], more: Partial<ClickStep> = {}): ClickStep => ({ at, who, click: value, ...more });
/** A step button on an order card (orders.step). */
const order = (at: At, who: Who, id: string, e: string, more: Partial<ClickStep> = {}): ClickStep => click(at, who, { action: 'orders.step', id, e }, more);
/** A pipeline button on a customer card (customer.move); the card is fetched fresh first. */
const customerButton = (at: At, who: Who, name: string, event: string, more: Partial<ClickStep> = {}): Step[] => [
  say(at, who, `/客户 ${name}`, name),
  click(at, who, { action: 'customer.move', event }, { on: name, inReply: true, ...more }),
];

/**
 * Each seller's monthly target-list refresh (a clock the customers.duties job opens per month): confirmed
 * from their own /客户 列表 when that month's clock is open — the button is only there then.
 */
const targetListChecks = (days: number[]): Step[] =>
  days.flatMap((day) =>
    (['sales1', 'sales2', 'senior'] as const).flatMap((who, i): Step[] => [
      say([day, `09:0${i}`], who, '/客户 列表', '我的客户'),
      click([day, `09:0${i}`], who, { action: 'customer.list_refreshed' }, { optional: true, inReply: true }),
    ]),
  );

/**
 * An order from received to 待生产: the owner evaluates, engineering, PMC and finance confirm from their
 * DM cards (an important order is reviewed by the supervisor first), then the owner confirms with the
 * customer, enters it into the ERP and hands it to the departments.
 */
function confirmations(id: string, owner: Who, day: number, o: { important?: boolean; nextDay?: boolean } = {}): Step[] {
  const d2 = o.nextDay ? day + 1 : day;
  return [
    order([day, '10:20'], owner, id, 'EVALUATE'),
    ...(o.important ? [order([day, '11:00'], 'supervisor', id, 'REVIEW')] : []),
    order([day, '11:30'], 'engineering', id, 'CONFIRM_TECH'),
    order([day, '14:00'], 'pmc', id, 'CONFIRM_PRODUCTION'),
    order([day, '15:00'], 'finance', id, 'CONFIRM_PRICE'),
    order([d2, '16:00'], owner, id, 'CUSTOMER_CONFIRM'),
    order([d2, '16:10'], owner, id, 'ENTER_ERP'),
    order([d2, '16:20'], owner, id, 'DISTRIBUTE'),
  ];
}

/** One progress note per working day while in production (the clock wants one by the next working day). */
function progress(id: string, who: Who, days: number[], notes: string[]): Step[] {
  return days.map((day, i) => say([day, '17:00'], who, `/订单 进度 ${id} ${notes[i % notes.length]}${i % 3 === 0 ? ' 已告知客户' : ''}`, '已记录订单'));
}

// ── The month ────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * 业务部, one month: 11 customers (every pipeline stage, 2 long-standing ones walked to the contract at once, the
 * rest developed during the month with visits, plans, inquiries and quotes), 9 orders (archived, delivered
 * with the payment overdue, shipped, in production with an exception, waiting for finance, waiting for
 * engineering, new from the form card, changed by the customer, cancelled), two complaints (one closed,
 * one under investigation), four contracts (two signed and archived, one of them approved at the second try;
 * one waiting for the general manager, one for the supervisor), credit limits, the quarter's market-research
 * reports and satisfaction scores, and the monthly target-list confirmations.
 */
export const DEMO_SCRIPT: readonly Step[] = [
  // Every seller confirms the month's target-customer list (when a new month has begun).
  ...targetListChecks([-21, -14, -8, -2]),

  // Week 1 — the department sets up its customers.
  say([-22, '09:05'], 'sales2', '/客户 新建 金桥贸易 等级=A 联系人=刘总 电话=13700003333', '已新建客户「金桥贸易」'),
  say([-22, '09:10'], 'senior', '/客户 新建 宏远医疗 等级=A 重点 联系人=孙主任 电话=13600004444', '已新建客户「宏远医疗」'),
  say([-22, '09:20'], 'sales1', '/客户 新建 华星科技 等级=A 重点 联系人=王经理 电话=13800001111', '已新建客户「华星科技」'),
  say([-22, '09:25'], 'sales1', '/客户 新建 东方精密 等级=B 联系人=陈工 电话=13900002222', '已新建客户「东方精密」'),
  say([-22, '09:30'], 'sales1', '/客户 新建 远航机械 等级=B 联系人=赵经理', '已新建客户「远航机械」'),
  say([-22, '09:35'], 'sales1', '/客户 新建 蓝海电子 等级=C', '已新建客户「蓝海电子」'),
  say([-22, '09:40'], 'senior', '/客户 新建 恒通物流 等级=B 联系人=钱经理', '已新建客户「恒通物流」'),
  // Two long-standing customers: visited, then walked to 合同签署 with their recorded terms (their framework
  // contracts below file them: 客户建档 follows a signed contract, /合同 签署).
  team([-22, '10:30'], 'sales2', '/拜访 金桥贸易 年度回访刘总，确认下季度纸箱采购计划 下次=发新品目录', '已记录拜访'),
  say([-22, '10:45'], 'sales2', '/客户 阶段 金桥贸易 合同 需求=「年采购包装材料约 200 万元」 决策人=刘总 采购流程=年度框架合同 方案摘要=年度框架供货 报价=按年度价目表 日期={d-22} 谈判日期={d-22} 结果=续签年度框架合同 价格=「价目表 9 折」 付款条件=「月结 30 天」', '合同签署'),
  team([-22, '11:00'], 'senior', '/拜访 宏远医疗 拜访设备科孙主任，了解推车和器械柜的配套需求 @王主管', '已记录拜访'),
  say([-22, '11:15'], 'senior', '/客户 阶段 宏远医疗 合同 需求=「医用推车、器械柜年度配套」 决策人=孙主任 采购流程=院内招标 方案摘要=标准推车加定制器械柜 报价=「按投标报价」 日期={d-22} 谈判日期={d-22} 结果=中标 价格=「投标价」 付款条件=「货到 60 天」', '合同签署'),
  say([-22, '14:00'], 'finance', '/客户 信用 金桥贸易 评级=A 额度=50万', '金桥贸易'),
  say([-22, '14:05'], 'finance', '/客户 信用 宏远医疗 评级=B 额度=20万', '宏远医疗'),
  team([-22, '14:30'], 'sales1', '/拜访 华星科技 首次拜访王经理，介绍公司和主打产品，对方对 A3 系列感兴趣 下次=带工程做技术交流', '已记录拜访'),
  say([-22, '15:00'], 'sales1', '/拜访 计划 华星科技 {d-19} 备注=带周工程做技术交流', '已计划拜访'),
  say([-22, '15:05'], 'sales1', '/拜访 计划 蓝海电子 {d-18}', '已计划拜访'),

  // O1 金桥贸易: the order that goes all the way to the archive.
  team([-21, '10:00'], 'sales2', '/订单 新建 客户=金桥贸易 产品=彩印纸箱 规格=「五层瓦楞 60×40×40」 数量=20000 单价=3.2 交期={d-12} 付款期限={d-7}', '订单', { save: { o1: 'DD' } }),
  ...confirmations('{o1}', 'sales2', -21),
  // The quarter's duties: a market-research report from each seller, a satisfaction call to each signed customer.
  say([-21, '14:00'], 'sales1', '/调研 华东电子厂备货量上升，防静电周转盒需求增加；竞品降价约 5%', '已记录市场调研报告'),
  say([-21, '14:05'], 'sales2', '/调研 包装行业纸价本季上涨 8%，客户普遍要求锁价', '已记录市场调研报告'),
  say([-21, '14:10'], 'senior', '/调研 医院设备采购多走集中招标，推车类竞争激烈', '已记录市场调研报告'),
  say([-21, '15:00'], 'sales2', '/满意度 金桥贸易 5 对交期和印刷质量满意', '满意度'),
  say([-21, '15:05'], 'senior', '/满意度 宏远医疗 4 产品满意，希望发货前提前通知', '满意度'),
  say([-21, '14:30'], 'sales2', '/客户 新建 瑞丰包装 等级=C 联系人=周经理', '已新建客户「瑞丰包装」'),
  order([-20, '09:30'], 'pmc', '{o1}', 'START_PRODUCTION'),
  say([-20, '10:00'], 'sales1', '/客户 阶段 华星科技 需求分析', '需求分析'),
  ...progress('{o1}', 'sales2', [-20, -19, -18, -17, -16, -15, -14], ['已完成印刷 20%', '印刷 45%，色样客户已确认', '印刷完成，开始模切', '模切 60%', '模切完成，开始粘箱', '粘箱 80%', '全部完成，待品检']),

  // O3 金桥贸易: delivered, then the payment runs late.
  team([-19, '10:00'], 'sales2', '/订单 新建 客户=金桥贸易 产品=瓦楞纸板 规格=「三层 B 楞」 数量=15000 单价=1.8 交期={d-9} 付款期限={d-2}', '订单', { save: { o3: 'DD' } }),
  ...confirmations('{o3}', 'sales2', -19),
  say([-19, '11:00'], 'sales1', '/咨询 华星科技 问 A3 型号的耐温范围和防静电指标 技术=是', '已登记咨询', { save: { zx1: 'ZX' } }),
  say([-19, '14:30'], 'engineering', '/咨询 回复 {zx1} 「A3 耐温 -40~120℃，表面电阻 10^6~10^9 Ω，规格书已发王经理」', '已答复咨询'),
  say([-19, '10:30'], 'sales1', '/拜访 华星科技 带周工程上门做技术交流，确认年需求约 5 万件，采购走招标 下次=出方案 @周工程', '已记录拜访'),
  team([-18, '10:00'], 'sales1', '/拜访 蓝海电子 拜访采购部，对方正在比价 下次=报价', '已记录拜访'),
  say([-16, '11:00'], 'sales1', '/客户 阶段 蓝海电子 拒绝 原因=「价格高于竞品约 15%，客户选了本地供应商」', '客户拒绝'),
  say([-19, '11:30'], 'sales1', '/客户 阶段 华星科技 方案 需求=「A3 系列年需求约 5 万件」 决策人=采购总监 采购流程=招标', '解决方案'),
  order([-18, '09:30'], 'pmc', '{o3}', 'START_PRODUCTION'),
  ...progress('{o3}', 'sales2', [-18, -17, -16, -15, -14, -13, -12, -11, -10], ['备料完成', '压楞 30%', '压楞 60%', '压楞完成', '分切 50%', '分切完成', '打包 50%', '打包完成', '品检合格，约好明天出货']),
  say([-17, '11:00'], 'sales1', '/客户 阶段 华星科技 方案 方案摘要=「A3 标准款 + 防静电包装，分批交付」 报价=「A3 单价 12.5 元，年框 5 万件」', '解决方案'),

  // 宏远医疗: an earlier complaint, handled and closed.
  team([-17, '10:00'], 'senior', '/投诉 新建 客户=宏远医疗 内容=「上月一批推车外包装破损 5 台，客户要求上门更换」', '投诉', { save: { ts1: 'TS' } }),
  click([-17, '10:20'], 'senior', { action: 'complaint.acknowledge' }, { on: '{ts1}' }),
  click([-17, '14:00'], 'senior', { action: 'complaint.investigate' }, { on: '{ts1}', form: { cause: 'communication', responsible: 'ou_demo_senior', loss: '800', findings: '发货前未按约定加护角，物流交接时也未提醒客户验货' } }),
  click([-17, '16:30'], 'senior', { action: 'complaint.resolve' }, { on: '{ts1}', form: { action: '已上门更换 5 台推车外箱，并补发护角；以后发货前拍照确认包装' } }),
  click([-16, '10:00'], 'senior', { action: 'complaint.close' }, { on: '{ts1}', form: { feedback: '孙主任对上门速度满意，要求以后提前通知发货', satisfaction: '4' } }),

  say([-16, '10:30'], 'sales1', '/客户 阶段 华星科技 演示 日期={d-14}', '方案演示'),
  ...customerButton([-15, '16:00'], 'sales1', '华星科技', 'DEMO_PREPARED'),
  say([-15, '16:30'], 'sales1', '/拜访 东方精密 首次拜访陈工，了解精密零件的包装和防潮要求 下次=需求调研', '已记录拜访'),
  say([-14, '15:00'], 'sales1', '/客户 阶段 华星科技 谈判 谈判日期={d-12}', '商务谈判'),
  say([-14, '15:30'], 'sales1', '/客户 阶段 东方精密 需求分析', '需求分析'),
  ...customerButton([-13, '11:00'], 'sales1', '华星科技', 'PLAN_READY'),

  // O1 ships on time, is received and paid in full; O4 宏远医疗 (an important order over its credit).
  // Important customers are visited at least once a calendar month.
  team([-15, '14:30'], 'senior', '/拜访 宏远医疗 回访投诉处理结果，孙主任确认新外箱没有问题 下次=报器械柜方案', '已记录拜访'),
  say([-14, '10:00'], 'sales1', '/拜访 华星科技 现场演示 A3 样品，采购总监和品质经理参加', '已记录拜访'),
  say([-8, '14:00'], 'senior', '/拜访 宏远医疗 送器械柜样品，讨论年度框架合同', '已记录拜访'),
  say([-8, '14:30'], 'sales1', '/拜访 华星科技 签约后拜访，确认首批交付计划', '已记录拜访'),
  team([-2, '09:30'], 'senior', '/拜访 宏远医疗 推车到货前沟通验收安排', '已记录拜访'),
  say([-2, '09:45'], 'sales1', '/拜访 华星科技 回访首批生产进度，客户同意交期顺延 2 天', '已记录拜访'),
  order([-13, '10:00'], 'pmc', '{o1}', 'READY'),
  order([-13, '14:00'], 'sales2', '{o1}', 'SHIP'),
  team([-12, '09:30'], 'senior', '/订单 新建 客户=宏远医疗 产品=医用推车 规格=MT-200 数量=300 单价=850 交期={d-2} 付款期限={d+15}', '订单', { save: { o4: 'DD' } }),
  ...confirmations('{o4}', 'senior', -12, { important: true }),
  order([-12, '11:30'], 'sales2', '{o1}', 'ARRIVED'),
  order([-12, '14:30'], 'sales2', '{o1}', 'CONFIRM_RECEIPT'),
  say([-12, '16:00'], 'sales1', '/客户 阶段 华星科技 合同 结果=「年框 5 万件，分 4 批交付」 价格=「12.2 元/件」 付款条件=「预付 30%，货到 30 天付清」', '合同签署'),
  say([-13, '14:00'], 'sales1', '/客户 阶段 东方精密 方案 需求=「精密零件防潮包装，月用量 8000 套」 决策人=陈工 采购流程=「技术确认后直接下单」', '解决方案'),

  // HT1 华星科技: submitted, approved by the supervisor, signed, archived, entered into the CRM.
  ...customerButton([-11, '09:50'], 'sales1', '华星科技', 'CONFIRM_DRAFT'),
  say([-11, '10:00'], 'sales1', '/合同 提交 客户=华星科技 金额=36万 付款条件=「预付 30%，货到 30 天付清」 交期=「分 4 批，首批 30 天内」 说明=「年度框架合同」', '待主管审批', { save: { ht1: 'HT' } }),
  click([-11, '10:40'], 'supervisor', { action: 'contract.approve' }, { on: '{ht1}', form: { comment: '价格和付款条件合理，同意' } }),
  order([-11, '09:30'], 'pmc', '{o4}', 'START_PRODUCTION'),
  say([-11, '15:00'], 'sales1', '/客户 阶段 东方精密 方案 方案摘要=「真空铝箔袋 + 干燥剂，按批次追溯」 报价=「6.8 元/套」', '解决方案'),
  ...progress('{o4}', 'senior', [-11, -10, -9, -8, -7, -6, -5, -4, -3], ['车架焊接 30%', '焊接完成，喷涂中', '喷涂完成', '组装 40%', '组装 80%', '组装完成，品检中', '品检合格', '包装 50%', '包装完成，约好后天出货']),
  say([-10, '10:00'], 'sales1', '/合同 签署 {ht1} {d-10}', '已登记签署'),
  say([-10, '10:10'], 'sales1', '/客户 阶段 华星科技 建档', '客户建档', { optional: true }),
  say([-10, '10:20'], 'sales1', '/合同 归档 {ht1}', '已归档'),
  say([-10, '10:30'], 'sales1', '/合同 录入 {ht1}', '已登记录入 CRM'),
  say([-10, '11:00'], 'sales1', '/客户 阶段 东方精密 演示 日期={d-8}', '方案演示'),
  team([-10, '14:30'], 'sales1', '/拜访 远航机械 首次拜访赵经理，对方新产线需要周转箱 下次=现场量尺寸', '已记录拜访'),
  team([-4, '15:30'], 'sales2', '/拜访 瑞丰包装 首次拜访周经理，对方在找新的彩印供应商', '已记录拜访'),

  // O3 ships on time and is received; 蓝海电子 is lost.
  order([-10, '16:00'], 'pmc', '{o3}', 'READY'),
  order([-9, '10:30'], 'sales2', '{o3}', 'SHIP'),
  ...customerButton([-9, '14:00'], 'sales1', '东方精密', 'DEMO_PREPARED'),
  say([-9, '15:00'], 'sales1', '/客户 阶段 远航机械 需求分析', '需求分析'),
  team([-9, '16:00'], 'sales2', '/订单 新建 客户=金桥贸易 产品=礼品盒 数量=2000 单价=6.5 交期={d+10}', '订单', { save: { o9: 'DD' } }),
  order([-8, '10:00'], 'sales2', '{o3}', 'ARRIVED'),
  order([-8, '10:10'], 'sales2', '{o3}', 'CONFIRM_RECEIPT'),
  order([-8, '11:00'], 'sales2', '{o9}', 'CANCEL', { form: { note: '客户礼盒方案取消，改为下季度再议' } }),
  say([-8, '15:00'], 'sales1', '/客户 阶段 东方精密 谈判 谈判日期={d-5}', '商务谈判'),
  say([-8, '15:30'], 'sales1', '/客户 阶段 远航机械 方案 需求=「新产线周转箱约 3000 个」 决策人=赵经理 采购流程=「比价三家」', '解决方案'),

  // O1 is paid in full, summarised and archived; 金桥贸易's annual contract is rejected once, then approved.
  say([-7, '10:00'], 'finance', '/订单 回款 {o1} 6.4万 全额到账', '已全额回款'),
  say([-7, '11:00'], 'sales2', '/合同 提交 客户=金桥贸易 金额=12万 付款条件=「货到 60 天」 交期=「按订单」 说明=「年度框架续签」', '待主管审批', { save: { ht4: 'HT' } }),
  click([-7, '14:00'], 'supervisor', { action: 'contract.reject' }, { on: '{ht4}', form: { comment: '付款条件请按公司规定改为月结 30 天' } }),
  say([-7, '15:00'], 'sales1', '/客户 阶段 远航机械 方案 方案摘要=「可折叠周转箱，带刀卡」 报价=「38 元/个」', '解决方案'),
  say([-9, '15:30'], 'sales1', '/满意度 华星科技 5 对技术交流和响应速度很满意', '满意度'),
  order([-6, '10:00'], 'sales2', '{o1}', 'SUMMARIZE', { form: { note: '按期交付，客户对印刷质量满意；下次提前确认色样可省 1 天' } }),
  say([-6, '10:30'], 'sales2', '/合同 修改 {ht4} 付款条件=「月结 30 天」 说明=按主管意见调整', '第 2 版'),
  click([-6, '11:30'], 'supervisor', { action: 'contract.approve' }, { on: '{ht4}', form: { comment: '同意' } }),
  ...customerButton([-6, '14:00'], 'sales1', '东方精密', 'PLAN_READY'),
  say([-6, '15:00'], 'sales1', '/客户 阶段 远航机械 演示 日期={d-4}', '方案演示'),
  order([-5, '10:00'], 'sales2', '{o1}', 'ARCHIVE'),
  say([-5, '10:30'], 'sales2', '/合同 签署 {ht4} {d-5}', '已登记签署'),
  say([-5, '11:00'], 'sales1', '/客户 阶段 东方精密 合同 结果=「首单 2 万套，之后按月下单」 价格=「6.5 元/套」 付款条件=「月结 45 天」', '合同签署'),
  ...customerButton([-5, '14:00'], 'sales1', '远航机械', 'DEMO_PREPARED'),
  say([-5, '15:00'], 'sales2', '/客户 新建 新宇科技 等级=B 联系人=黄总', '已新建客户「新宇科技」'),
  team([-5, '15:30'], 'sales2', '/拜访 新宇科技 首次拜访黄总，对方做智能门锁，需要礼盒和内托', '已记录拜访'),
  say([-4, '10:00'], 'sales2', '/合同 归档 {ht4}', '已归档'),
  say([-4, '10:10'], 'sales2', '/合同 录入 {ht4}', '已登记录入 CRM'),
  say([-4, '11:00'], 'sales1', '/客户 阶段 远航机械 谈判 谈判日期={d+2}', '商务谈判'),
  say([-4, '14:00'], 'sales2', '/客户 阶段 新宇科技 需求分析', '需求分析'),
  say([-4, '15:00'], 'senior', '/客户 新建 联创电器 等级=B 联系人=吴经理', '已新建客户「联创电器」'),

  // O2 华星科技: the first batch of the new contract, in production with a material exception.
  team([-7, '09:00'], 'sales1', '/订单 新建 客户=华星科技 产品=「A3 防静电周转盒」 规格=A3-S 数量=12500 单价=12.2 交期={d+8} 付款期限={d+30}', '订单', { save: { o2: 'DD' } }),
  ...confirmations('{o2}', 'sales1', -7, { important: true, nextDay: true }),
  order([-5, '09:30'], 'pmc', '{o2}', 'START_PRODUCTION'),
  ...progress('{o2}', 'sales1', [-5, -4, -3, -2, -1], ['模具调试完成，首件合格', '注塑 20%', '注塑 35%，等补料', '补料到货，注塑 50%', '注塑 65%']),
  team([-3, '10:00'], 'sales1', '/订单 异常 {o2} 来料色差，需要重新采购一批色母，预计延误 2 天', '已登记异常', { save: { e2: 'DD' } }),
  click([-3, '10:30'], 'sales1', { action: 'orders.exception', e: 'RESPOND' }, { on: '{o2}' }),

  // The last days: new business and things in flight.
  ...customerButton([-3, '10:40'], 'sales1', '东方精密', 'CONFIRM_DRAFT'),
  say([-3, '11:00'], 'sales2', '/客户 阶段 新宇科技 方案 需求=「门锁礼盒 + EVA 内托，月 5000 套」 决策人=黄总 采购流程=「打样确认后下单」', '解决方案'),
  say([-3, '14:00'], 'senior', '/拜访 计划 联创电器 {d-1}', '已计划拜访'),
  team([-3, '15:00'], 'sales2', '/订单 新建 客户=金桥贸易 产品=「牛皮纸袋」 数量=10000 单价=0.9 交期={d+12}', '订单', { save: { o8: 'DD' } }),
  order([-3, '15:30'], 'sales2', '{o8}', 'EVALUATE'),
  order([-2, '09:30'], 'engineering', '{o8}', 'CONFIRM_TECH'),
  order([-3, '16:00'], 'pmc', '{o4}', 'READY'),
  order([-2, '10:00'], 'senior', '{o4}', 'SHIP'),
  team([-1, '09:20'], 'sales2', '/投诉 新建 客户=金桥贸易 内容=「第二批纸箱约 3% 有压痕，客户要求补货 600 只」 订单={o1}', '投诉', { save: { ts2: 'TS' } }),
  click([-1, '09:30'], 'sales2', { action: 'complaint.acknowledge' }, { on: '{ts2}' }),
  say([-2, '11:30'], 'sales2', '/客户 阶段 新宇科技 演示 方案摘要=「磁吸翻盖礼盒 + EVA 内托」 报价=「9.6 元/套」 日期={d+3}', '方案演示'),
  say([-2, '14:00'], 'sales2', '/拜访 瑞丰包装 第二次拜访，对方提供了年度用量 下次=出方案', '已记录拜访'),
  say([-2, '14:30'], 'sales2', '/客户 阶段 瑞丰包装 方案 需求=「彩印外箱年用量约 8 万只」 决策人=周经理 采购流程=「三家比价」', '解决方案'),
  team([-2, '15:00'], 'senior', '/拜访 恒通物流 首次拜访钱经理，对方需要可循环的物流周转箱', '已记录拜访'),
  say([-2, '16:00'], 'senior', '/合同 提交 客户=宏远医疗 金额=80万 付款条件=「货到 60 天」 交期=「分季度交付」 说明=「年度配套框架合同」', '待主管审批', { save: { ht2: 'HT' } }),
  click([-2, '16:30'], 'supervisor', { action: 'contract.approve' }, { on: '{ht2}', form: { comment: '同意，金额超过 50 万，请郑总审批' } }),
  say([-1, '14:25'], 'quality', '/投诉 {ts2}', '{ts2}'),
  click([-1, '14:30'], 'quality', { action: 'complaint.investigate' }, { on: '{ts2}', form: { cause: 'product', loss: '2000', findings: '压痕来自模切压力偏大，当班未做首件检验；已调整参数并补做首检' } }),
  order([-1, '09:50'], 'senior', '{o4}', 'ARRIVED'),
  team([-1, '10:00'], 'senior', '/订单 新建 客户=宏远医疗 产品=器械柜 规格=IC-80 数量=40 单价=2100 交期={d+20}', '订单', { save: { o6: 'DD' } }),
  order([-1, '10:30'], 'senior', '{o6}', 'EVALUATE'),
  say([-1, '10:40'], 'senior', '/拜访 联创电器 按计划拜访吴经理，对方要做小家电出口包装 下次=收集需求', '已记录拜访'),
  say([-1, '11:00'], 'sales2', '/订单 变更 {o8} 客户要求加量并换成白牛皮纸 数量=12000', '变更中'),
  say([-1, '11:30'], 'senior', '/客户 阶段 恒通物流 需求分析', '需求分析'),
  say([-1, '13:40'], 'sales2', '/咨询 新宇科技 问磁吸礼盒能否做到 1.5 米跌落不开盖 技术=是', '已登记咨询'),
  team([-1, '14:00'], 'sales2', '/订单 新建 客户=金桥贸易 产品=「飞机盒」 规格=E楞 数量=8000 单价=1.1 交期={d+15}', '订单', { save: { o5: 'DD' } }),
  order([-1, '14:20'], 'sales2', '{o5}', 'EVALUATE'),
  order([-1, '15:00'], 'engineering', '{o5}', 'CONFIRM_TECH'),
  order([-1, '15:30'], 'pmc', '{o5}', 'CONFIRM_PRODUCTION'),
  say([-1, '15:40'], 'senior', '/客户 新建 盛达五金 等级=C 联系人=郑老板', '已新建客户「盛达五金」'),
  say([-1, '15:45'], 'senior', '/拜访 计划 盛达五金 {d+1} 备注=首次拜访', '已计划拜访'),
  // O7 华星科技 from the form card (/订单 新建 without fields).
  team([-1, '16:00'], 'sales1', '/订单 新建', '新建订单'),
  click([-1, '16:05'], 'sales1', { action: 'orders.create' }, { form: { customer: '华星科技', product: 'A3 防静电周转盒', spec: 'A3-L', qty: '6000', price: '13.5', due: '{d+12} +0800', important: false }, expect: '已登记订单', save: { o7: 'DD' } }),
  // HT3 东方精密: waiting for the supervisor.
  say([-1, '16:30'], 'sales1', '/合同 提交 客户=东方精密 金额=18万 付款条件=「月结 45 天」 交期=「首单 2 万套，30 天内」 说明=首单合同', '待主管审批', { save: { ht3: 'HT' } }),
  say([-1, '17:30'], 'finance', '/订单 回款 {o3} 1.2万 首付款', '未收'),
];

// ── Running it ───────────────────────────────────────────────────────────────────────────────────────────────

/** How the seed reaches the simulator: its Hono app's `request`, or `fetch` against a running server. */
export type SimRequest = (path: string, init?: RequestInit) => Response | Promise<Response>;

export interface SeedReport {
  /** Steps carried out, and the optional ones that did not apply. */
  steps: number;
  skipped: number;
  /** The record numbers the story created (o1 → DD-…). */
  numbers: Record<string, string>;
  from: string;
  to: string;
  ms: number;
}

export class SeedError extends Error {
  override name = 'SeedError';
}

/** The refusal shown by the button and the CLI when there is data already. */
export const ALREADY_SEEDED = '已有演示数据';

/** Customers in the database: the seed only runs on an empty department (the CLI's --force aside). */
export async function customerCount(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(customers);
  return row?.n ?? 0;
}

interface SimMessageLite {
  id: string;
  chatId: string;
  parentId?: string;
  msgType: string;
  content: unknown;
  from: { kind: string };
}
interface StateLite {
  clock: { now: string; wall: string; shifted: boolean };
  tz: string;
  messages: SimMessageLite[];
}

const PEOPLE: Record<Who, string> = {
  supervisor: 'ou_demo_supervisor',
  sales1: 'ou_demo_sales1',
  sales2: 'ou_demo_sales2',
  senior: 'ou_demo_senior',
  finance: 'ou_demo_finance',
  pmc: 'ou_demo_pmc',
  engineering: 'ou_demo_engineering',
  quality: 'ou_demo_quality',
  gm: 'ou_demo_gm',
};
for (const openId of Object.values(PEOPLE)) {
  if (!DEMO_PEOPLE.some((p) => p.openId === openId)) throw new Error(`seed-demo: ${openId} is not one of DEMO_PEOPLE`);
}

/** The date of the working day `n` working days from `today` (n < 0: before). */
export function workingDay(today: string, n: number, tz: string): string {
  const cal = defaultCalendar(tz);
  let day = today;
  if (n === 0) return day;
  const dir = n < 0 ? -1 : 1;
  for (let left = Math.abs(n); left > 0; ) {
    day = addDays(day, dir);
    if (isWorkingDay(day, cal)) left--;
  }
  return day;
}


/**
 * Replays DEMO_SCRIPT through the simulator API. The clock ends where it started (back on real time
 * when it was), after the jobs due between the last step and then have run.
 */
export async function seedDemo(request: SimRequest, opts: { script?: readonly Step[]; onStep?: (step: { done: number; total: number; line: string }) => void } = {}): Promise<SeedReport> {
  const script = opts.script ?? DEMO_SCRIPT;
  const started = Date.now();

  async function call<T>(path: string, body?: unknown): Promise<{ status: number; data: T }> {
    const init: RequestInit = body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const res = await request(path, init);
    return { status: res.status, data: (await res.json()) as T };
  }
  const state = async (who: Who) => (await call<StateLite>(`/local/state?user=${PEOPLE[who]}`)).data;

  const start = await state('supervisor');
  const tz = start.tz;
  const today = start.clock.wall.slice(0, 10);
  const vars: Record<string, string> = {};
  const fill = (text: string): string =>
    text.replace(/\{(d[+-]\d+|\w+)\}/g, (whole, key: string) => {
      if (/^d[+-]\d+$/.test(key)) return workingDay(today, Number(key.slice(1)), tz);
      const v = vars[key];
      if (v === undefined) throw new SeedError(`演示脚本用到了还没保存的编号 {${key}}`);
      return v;
    });
  const fillDeep = <T>(v: T): T =>
    (typeof v === 'string' ? fill(v) : Array.isArray(v) ? v.map(fillDeep) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fillDeep(x)])) : v) as T;

  const ordered = [...script].sort((a, b) => a.at[0] - b.at[0] || a.at[1].localeCompare(b.at[1]));
  const first = ordered[0];
  if (!first) throw new SeedError('演示脚本是空的');
  const wallOf = (at: At) => `${workingDay(today, at[0], tz)}T${at[1]}`;
  const from = wallOf(first.at);

  /** The bot's replies to the last message typed (what `inReply` clicks may use). */
  let lastReplies: string[] = [];

  /** Carries out one step; its answer, or undefined when an optional step did not apply. */
  async function run(step: Step, where: string): Promise<string | undefined> {
    const jumped = await call<{ ok: boolean; error?: string }>('/local/jump', { to: wallOf(step.at) });
    if (!jumped.data.ok) throw new SeedError(`${where}：无法调整时钟：${jumped.data.error ?? jumped.status}`);
    const failed = (why: string): undefined => {
      if (step.optional) return undefined;
      throw new SeedError(`${where}：${why}`);
    };

    if (!isClick(step)) {
      lastReplies = [];
      const text = fill(step.text);
      const chatId = step.chat === 'team' ? DEMO_TEAM_CHAT : `oc_p2p_${PEOPLE[step.who]}`;
      const sent = await call<{ ok: boolean; messageId: string; error?: string }>('/local/send', { from: PEOPLE[step.who], chatId, text });
      if (!sent.data.ok) throw new SeedError(`${where}：发送「${text}」失败：${sent.data.error ?? sent.status}`);
      const replies = (await state(step.who)).messages.filter((m) => m.parentId === sent.data.messageId && m.from.kind === 'bot');
      lastReplies = replies.map((m) => m.id);
      const answer = replies.map((m) => (m.msgType === 'text' ? String((m.content as { text?: string }).text ?? '') : JSON.stringify(m.content))).join('\n');
      return answer.includes(fill(step.expect)) ? answer : failed(`「${text}」的回复里没有「${fill(step.expect)}」：${answer.slice(0, 300) || '（没有回复）'}`);
    }

    const wanted = fillDeep(step.click);
    const on = step.on === undefined ? undefined : fill(step.on);
    let target: { message: SimMessageLite; value: Record<string, unknown> } | undefined;
    for (const message of (await state(step.who)).messages.reverse()) {
      if (message.msgType !== 'interactive' || message.from.kind !== 'bot') continue;
      if (step.inReply && !lastReplies.includes(message.id)) continue;
      if (on !== undefined && !JSON.stringify(message.content).includes(on)) continue;
      const value = cardCallbacks(message.content).find((v) => Object.entries(wanted).every(([k, x]) => String(v[k]) === String(x)));
      if (value) {
        target = { message, value };
        break;
      }
    }
    if (!target) return failed(`找不到可以点击的按钮 ${JSON.stringify(wanted)}${on ? `（卡片含「${on}」）` : ''}`);
    const res = await call<{ ok: boolean; toast?: { type: string; content: string }; message?: { content: unknown }; error?: string }>('/local/click', {
      from: PEOPLE[step.who],
      messageId: target.message.id,
      value: target.value,
      ...(step.form ? { formValue: fillDeep(step.form) } : {}),
      tag: 'button',
    });
    const toast = res.data.toast;
    const answer = [toast?.content ?? '', res.data.message ? JSON.stringify(res.data.message.content) : ''].join('\n');
    const refused = !res.data.ok || toast?.type === 'error' || toast?.type === 'warning';
    if (refused || (step.expect !== undefined && !answer.includes(fill(step.expect)))) {
      return failed(`点击 ${JSON.stringify(wanted)} 没有成功：${toast?.content ?? res.data.error ?? `HTTP ${res.status}`}`);
    }
    return answer;
  }

  let skipped = 0;
  try {
    for (const [index, step] of ordered.entries()) {
      const when = wallOf(step.at).replace('T', ' ');
      const answer = await run(step, `第 ${index + 1} 步（${when} ${step.who}）`);
      if (answer === undefined) skipped++;
      else {
        for (const [name, prefix] of Object.entries(step.save ?? {})) {
          const hit = new RegExp(`${prefix}-\\d{8}-\\d{3}(?:-E\\d+)?`).exec(answer);
          if (!hit) throw new SeedError(`第 ${index + 1} 步（${when} ${step.who}）：回复里没有 ${prefix} 编号：${answer.slice(0, 300)}`);
          vars[name] = hit[0];
        }
      }
      const what = isClick(step) ? `[点击 ${step.click.action}${step.click.e ? ` ${step.click.e}` : ''}]` : fill(step.text);
      opts.onStep?.({ done: index + 1, total: ordered.length, line: `${when} ${step.who}: ${what}${answer === undefined ? '（不适用，跳过）' : ''}` });
    }
  } finally {
    // Back to where the clock was — also when a step failed: the jobs due since the last step run for then,
    // and real time again if it was.
    await call('/local/jump', { to: start.clock.now });
    if (!start.clock.shifted) await call('/local/reset-clock', {});
  }
  return { steps: ordered.length - skipped, skipped, numbers: vars, from, to: start.clock.now, ms: Date.now() - started };
}
