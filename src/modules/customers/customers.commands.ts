/** /客户 新建 · /客户 <名称> · /客户 列表 · /客户 阶段 · /客户 转交 · /客户 信用 · /客户 修改 (INTERFACE.md). */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { userName } from '../../platform/actors';
import { button } from '../../platform/cards';
import type { BotContext } from '../../platform/context';
import { users } from '../../platform/db/core.schema';
import { refuse } from '../../platform/errors';
import { yuan } from '../../platform/format';
import { arg } from '../../platform/router/args';
import { defineCommand } from '../../platform/router/command';
import { SELLERS, type Role } from '../../platform/roles';
import { LIVE } from '../../platform/sla/deadlines';
import { People } from '../../platform/sla/people';
import { deadlines } from '../../platform/sla/sla.schema';
import { createCustomer, createdText, duplicatesOf, duplicateWarning } from './customers.create';
import { creditCard, customerCard, listCard, listRows } from './customers.cards';
import { requireCustomer } from './customers.lookup';
import { customers, inquiries, visitPlans, type Customer } from './customers.schema';
import { accessTo, audienceOf, cancelImportantVisits, changeCustomer, CREDIT_EDITORS, ensureImportantVisit, parseFieldValues, periodsOf, PLAN_SUBJECT, reassignDeadlines, refuseManualArchive, requireMover, SUBJECT, todayOf } from './customers.service';
import { FIELDS, FIELD_KEYS, parseStage, STAGE_WORDS, type Stage } from './customers.workflow';

const GRADES = { A: 'A', B: 'B', C: 'C' } as const;
const SEE_ALL_LISTS: readonly Role[] = ['supervisor', 'gm', 'finance'];
const PHONE = z.string().trim().regex(/^[\d+\-\s()]{5,20}$/, '电话 格式不对（只写数字、+、-）');

const stageArg = (label: string) =>
  z.string({ error: `缺少${label}` }).transform((v, ctx) => {
    const s = parseStage(v);
    if (!s) {
      ctx.addIssue({ code: 'custom', message: `没有阶段「${v}」，可选：${Object.values(STAGE_WORDS).map((w) => w[0]).join(' / ')}` });
      return z.NEVER;
    }
    return s;
  });

export const newCustomerCommand = defineCommand({
  path: ['客户', '新建'],
  aliases: [['customer', 'new']],
  summary: '新建客户（归我负责；名称相近时提示查重）',
  summaryEn: 'create a customer owned by me (warns on near-duplicate names)',
  usage: '/客户 新建 <名称> [等级=A|B|C] [重点] [联系人=…] [电话=…]',
  examples: ['/客户 新建 华星科技 等级=A 重点 联系人=王经理 电话=13800000000'],
  positional: ['name...'],
  keys: { grade: ['等级'], contact: ['联系人'], phone: ['电话'] },
  flags: { important: ['重点', 'important'], force: ['强制', 'force'] },
  roles: SELLERS,
  args: () =>
    z.object({
      name: arg.text('客户名称', 60),
      grade: arg.choice('等级', GRADES).optional(),
      important: arg.flag(),
      force: arg.flag(),
      contact: arg.text('联系人', 40).optional(),
      phone: PHONE.optional(),
    }),
  async run(ctx, a) {
    refuseCommandWord(a.name);
    const input = { name: a.name, grade: a.grade ?? 'C', important: a.important, contact: a.contact, phone: a.phone };
    const similar = await duplicatesOf(ctx, a.name);
    if (similar.length && !a.force) {
      await ctx.audit({ action: 'customer.create', outcome: 'refused', detail: { reason: 'near_duplicate', name: a.name, similar: similar.map((s) => s.id) } });
      return { card: await duplicateWarning(ctx, input, similar) };
    }
    const c = await createCustomer(ctx, input);
    return { text: createdText(c, ctx.actor.name ?? (await userName(ctx.tx, ctx.actor.openId))) };
  },
});

export const listCustomersCommand = defineCommand({
  path: ['客户', '列表'],
  aliases: [['customer', 'list']],
  summary: '我的客户；主管看全部，可按负责人和阶段筛选',
  summaryEn: 'my customers; supervisors see all, filter by owner and stage',
  usage: '/客户 列表 [@负责人] [阶段=…]',
  examples: ['/客户 列表 阶段=方案', '/客户 列表 @张三'],
  keys: { stage: ['阶段'], owner: ['负责人'] },
  args: () => z.object({ mentions: z.array(z.string()), stage: stageArg('阶段').optional(), owner: z.string().trim().optional() }),
  async run(ctx, a) {
    const people = await People.load(ctx.tx, ctx.services.config.DEFAULT_ROLE);
    const byName = a.owner ? people.all.find((p) => p.name === a.owner || p.openId === a.owner)?.openId : undefined;
    if (a.owner && !byName) refuse('UNKNOWN_PERSON', `没有找到负责人「${a.owner}」，请用 @某人 指定。`);
    const wanted = a.mentions[0] ?? byName;
    const seesAll = !!ctx.actor.role && SEE_ALL_LISTS.includes(ctx.actor.role);
    if (!seesAll && wanted && wanted !== ctx.actor.openId) refuse('NOT_ALLOWED', '只能查看自己的客户列表；主管可以查看全部并按负责人筛选。');
    const owner = seesAll ? wanted : ctx.actor.openId;
    const rows = await listRows(ctx.tx, { owner, stage: a.stage }, (id) => people.name(id));
    const who = owner ? (owner === ctx.actor.openId ? '我的客户' : `${people.name(owner)} 的客户`) : '全部客户';
    const stage = a.stage ? ` · ${STAGE_WORDS[a.stage][0]}` : '';
    // The monthly target-list refresh is confirmed from the owner's own list.
    const per = periodsOf(ctx.now, ctx.services.config.BUSINESS_TZ);
    const [due] = await ctx.tx
      .select({ id: deadlines.id })
      .from(deadlines)
      .where(and(eq(deadlines.subjectType, 'sales_duty'), eq(deadlines.subjectId, per.month), eq(deadlines.step, `target_list_refresh:${ctx.actor.openId}`), inArray(deadlines.status, LIVE)));
    const buttons = due && (!owner || owner === ctx.actor.openId) ? [button('本月目标客户清单已更新', { action: 'customer.list_refreshed', period: per.month }, 'primary')] : [];
    return { card: listCard(ctx, rows, { title: `${who}${stage}`, subtitle: `${rows.length} 个`, showOwner: !owner || owner !== ctx.actor.openId, buttons }) };
  },
});

const fieldKeys = Object.fromEntries(FIELD_KEYS.map((k) => [k, [...FIELDS[k].keys]]));

export const stageCommand = defineCommand({
  path: ['客户', '阶段'],
  aliases: [['customer', 'stage']],
  summary: '推进客户阶段（可同时填写该阶段资料；写当前阶段则只保存资料）',
  summaryEn: 'move a customer in the pipeline (stage fields as key=value)',
  usage: '/客户 阶段 <名称> <阶段> [需求=… 决策人=… 采购流程=… 方案摘要=… 报价=… 日期=… 谈判日期=… 结果=… 价格=… 付款条件=… 原因=…]',
  examples: ['/客户 阶段 华星科技 方案 需求=年采购 5 万件 决策人=采购总监 采购流程=招标', '/客户 阶段 华星科技 拒绝 原因=价格不合适'],
  positional: ['name', 'stage'],
  keys: fieldKeys,
  args: () =>
    z
      .object({ name: arg.text('客户名称', 60), stage: stageArg('阶段') })
      .catchall(z.unknown()),
  async run(ctx, a) {
    const c = await requireCustomer(ctx.tx, a.name);
    requireMover(ctx, c, await userName(ctx.tx, c.ownerOpenId));
    if (a.stage === 'archived' && c.state !== 'archived') refuseManualArchive(c);
    const values = parseFieldValues(a as Record<string, unknown>, todayOf(ctx));
    // Naming the current stage with fields saves them (e.g. a new demo date moves its prep clock).
    const stay = a.stage === c.state && Object.keys(values).length > 0;
    const moved = await changeCustomer(ctx, c, { values, to: stay ? undefined : (a.stage as Stage) });
    return { card: await customerCard(ctx, moved, audienceOf(ctx)) };
  },
});

export const transferCommand = defineCommand({
  path: ['客户', '转交'],
  aliases: [['customer', 'transfer']],
  summary: '主管：把客户转交给另一位业务员（待办随之转交）',
  summaryEn: 'supervisor: hand a customer to another salesperson',
  usage: '/客户 转交 <名称> @某人',
  examples: ['/客户 转交 华星科技 @张三'],
  positional: ['name'],
  roles: ['supervisor'],
  args: () => z.object({ name: arg.text('客户名称', 60), mentions: arg.mention('新负责人') }),
  async run(ctx, { name, mentions: to }) {
    const c = await requireCustomer(ctx.tx, name);
    const [u] = await ctx.tx.select({ role: users.role, name: users.name }).from(users).where(eq(users.openId, to));
    const role = (u?.role ?? (ctx.services.config.DEFAULT_ROLE === 'none' ? null : ctx.services.config.DEFAULT_ROLE)) as Role | null;
    const toName = u?.name ?? to;
    if (!role || !SELLERS.includes(role)) refuse('NOT_A_SELLER', `${toName} 不是业务员，不能负责客户。`);
    if (c.ownerOpenId === to) refuse('SAME_OWNER', `客户「${c.name}」已经由 ${toName} 负责。`);
    const from = c.ownerOpenId;
    await ctx.tx.update(customers).set({ ownerOpenId: to, updatedAt: ctx.now, version: c.version + 1 }).where(eq(customers.id, c.id));
    const moved = await reassignDeadlines(ctx.tx, SUBJECT, c.id, from, to);
    const open = await ctx.tx.update(inquiries).set({ ownerOpenId: to, updatedAt: ctx.now }).where(and(eq(inquiries.customerId, c.id), eq(inquiries.ownerOpenId, from), eq(inquiries.state, 'received'))).returning({ id: inquiries.id });
    for (const q of open) await reassignDeadlines(ctx.tx, 'inquiry', q.id, from, to);
    // The old owner's open visit plans: the new owner is the one who will visit (and may log it).
    // Plans cancelled because the customer was lost go too: a re-open restores them to the new owner.
    const movedPlans = await ctx.tx
      .update(visitPlans)
      .set({ ownerOpenId: to, updatedAt: ctx.now, version: sql`${visitPlans.version} + 1` })
      .where(and(eq(visitPlans.customerId, c.id), eq(visitPlans.ownerOpenId, from), inArray(visitPlans.status, ['planned', 'cancelled'])))
      .returning({ id: visitPlans.id, status: visitPlans.status });
    const plans = movedPlans.filter((p) => p.status === 'planned');
    for (const p of plans) await reassignDeadlines(ctx.tx, PLAN_SUBJECT, p.id, from, to);
    // Other modules move their own records of this customer (open orders, complaints …).
    const elsewhere: string[] = [];
    for (const hook of ctx.services.registry?.customerTransferred ?? []) {
      const what = await hook(ctx, { customerId: c.id, customerName: c.name, from, to });
      if (what) elsewhere.push(what);
    }
    const what = [...(moved ? [`${moved} 项客户待办`] : []), ...(open.length ? [`${open.length} 条未答复咨询`] : []), ...(plans.length ? [`${plans.length} 个拜访计划`] : []), ...elsewhere].join('、') || '没有未完成的待办';
    await ctx.audit({ action: 'customer.transfer', subjectType: SUBJECT, subjectId: c.id, detail: { from, to, deadlines: moved, inquiries: open.length, plans: plans.map((p) => p.id), elsewhere } });
    const fromName = await userName(ctx.tx, from);
    const boss = ctx.actor.name ?? '主管';
    await ctx.send({ kind: 'send', to: { openId: to }, content: { text: `${boss} 把客户「${c.name}」转交给你负责（原负责人 ${fromName}）。发送 /客户 ${c.name} 查看；${what}已转到你名下。` } });
    await ctx.send({ kind: 'send', to: { openId: from }, content: { text: `${boss} 已把客户「${c.name}」转交给 ${toName}，${what}随之转交。` } });
    return { text: `已把客户「${c.name}」从 ${fromName} 转交给 ${toName}（${what}随之转交）。` };
  },
});

export const editCommand = defineCommand({
  path: ['客户', '修改'],
  aliases: [['customer', 'edit']],
  summary: '负责人或主管：修改等级、重点客户、联系人、电话',
  summaryEn: 'owner or supervisor: change grade, important flag, contact, phone',
  usage: '/客户 修改 <名称> [等级=A|B|C] [重点=是|否] [联系人=…] [电话=…]',
  examples: ['/客户 修改 华星科技 等级=A 重点=是', '/客户 修改 华星科技 联系人=李经理 电话=13900000000'],
  positional: ['name...'],
  keys: { grade: ['等级', 'grade'], important: ['重点', 'important'], contact: ['联系人', 'contact'], phone: ['电话', 'phone'] },
  args: () =>
    z.object({
      name: arg.text('客户名称', 60),
      grade: arg.choice('等级', GRADES).optional(),
      important: arg.bool('重点').optional(),
      contact: arg.text('联系人', 40).optional(),
      phone: PHONE.optional(),
    }),
  async run(ctx, a) {
    const c = await requireCustomer(ctx.tx, a.name);
    requireMover(ctx, c, await userName(ctx.tx, c.ownerOpenId));
    const want: Partial<Pick<Customer, 'grade' | 'important' | 'contactName' | 'phone'>> = {
      ...(a.grade !== undefined ? { grade: a.grade } : {}),
      ...(a.important !== undefined ? { important: a.important } : {}),
      ...(a.contact !== undefined ? { contactName: a.contact } : {}),
      ...(a.phone !== undefined ? { phone: a.phone } : {}),
    };
    if (Object.keys(want).length === 0) refuse('BAD_INPUT', `没有要修改的内容。可改：等级=A|B|C 重点=是|否 联系人=… 电话=…\n例如 /客户 修改 ${c.name} 等级=A`);
    const changed = (Object.keys(want) as Array<keyof typeof want>).filter((k) => want[k] !== c[k]);
    if (changed.length === 0) return { text: `客户「${c.name}」没有变化（已是这些资料）。` };
    const [after] = await ctx.tx
      .update(customers)
      .set({ ...want, updatedAt: ctx.now, version: sql`${customers.version} + 1` })
      .where(and(eq(customers.id, c.id), eq(customers.version, c.version)))
      .returning();
    if (!after) return refuse('STALE', '该客户刚被他人更新，请重试。');
    await ctx.audit({ action: 'customer.edit', subjectType: SUBJECT, subjectId: c.id, detail: Object.fromEntries(changed.map((k) => [k, [c[k], after[k]]])) });
    const LABEL = { grade: '等级', important: '重点客户', contactName: '联系人', phone: '电话' } as const;
    const shown = (k: keyof typeof LABEL, v: unknown) => (k === 'important' ? (v ? '是' : '否') : k === 'grade' ? `${v} 级` : (v ?? '—'));
    const lines = changed.map((k) => `${LABEL[k]}：${shown(k, c[k])} → ${shown(k, after[k])}`);
    if (changed.includes('important')) {
      if (after.important) lines.push((await ensureImportantVisit(ctx, after)) ? '重点客户每个自然月至少拜访一次，本月拜访已记入待办。' : '重点客户每个自然月至少拜访一次。');
      else if (await cancelImportantVisits(ctx, c.id)) lines.push('不再是重点客户：本月的重点客户拜访待办已取消。');
    }
    return { text: [`已修改客户「${c.name}」：`, ...lines].join('\n') };
  },
});

export const creditCommand = defineCommand({
  path: ['客户', '信用'],
  aliases: [['customer', 'credit']],
  summary: '主管或财务：查看或设置信用评级和额度（仅私聊）',
  summaryEn: 'supervisor or finance: view or set credit rating and limit (private chat only)',
  usage: '/客户 信用 <名称> [评级=…] [额度=…]',
  examples: ['/客户 信用 华星科技 评级=A 额度=50万'],
  positional: ['name'],
  keys: { rating: ['评级'], limit: ['额度'] },
  roles: CREDIT_EDITORS,
  args: () => z.object({ name: arg.text('客户名称', 60), rating: arg.text('评级', 10).optional(), limit: arg.amount('额度', { positive: false }).optional() }),
  async run(ctx, a) {
    const c = await requireCustomer(ctx.tx, a.name);
    const owner = await userName(ctx.tx, c.ownerOpenId);
    const wantsChange = a.rating !== undefined || a.limit !== undefined;
    if (audienceOf(ctx) === 'group') {
      await ctx.audit({ action: 'customer.credit', subjectType: 'customer', subjectId: c.id, outcome: 'refused', detail: { reason: 'group_chat' } });
      await ctx.send({ kind: 'send', to: { openId: ctx.actor.openId }, content: { card: creditCard(c, owner, wantsChange ? { rating: a.rating, limit: a.limit } : undefined) } });
      return { text: `信用评级和额度只在私聊中${wantsChange ? '设置' : '显示'}，群里不显示。已私聊发给你${wantsChange ? '，请在私聊中确认设置' : ''}。` };
    }
    if (!wantsChange) return { card: creditCard(c, owner) };
    const updated = await setCredit(ctx, c.id, a.rating, a.limit);
    return { card: creditCard(updated, owner) };
  },
});

/** Writes the credit; the audit keeps old and new values (the audit log is not shown in chats). */
export async function setCredit(ctx: BotContext, id: number, rating?: string, limit?: number): Promise<Customer> {
  const [before] = await ctx.tx.select().from(customers).where(eq(customers.id, id));
  if (!before) return refuse('NOT_FOUND', '这个客户不存在了。');
  const set = { ...(rating !== undefined ? { creditRating: rating } : {}), ...(limit !== undefined ? { creditLimit: limit } : {}), updatedAt: ctx.now };
  const [after] = await ctx.tx.update(customers).set(set).where(eq(customers.id, id)).returning();
  await ctx.audit({
    action: 'customer.credit',
    subjectType: 'customer',
    subjectId: id,
    detail: { rating: [before.creditRating, after!.creditRating], limit: [before.creditLimit, after!.creditLimit] },
  });
  if (after!.ownerOpenId !== ctx.actor.openId) {
    await ctx.send({ kind: 'send', to: { openId: after!.ownerOpenId }, content: { text: `客户「${after!.name}」的信用已更新：评级 ${after!.creditRating ?? '未评'}，额度 ${yuan(after!.creditLimit)}。` } });
  }
  return after!;
}

export const showCustomerCommand = defineCommand({
  path: ['客户'],
  aliases: [['customer', 'show'], ['customer']],
  summary: '客户卡片：阶段、拜访、下一步和可用操作',
  summaryEn: 'customer card: stage, visits, next step, actions',
  usage: '/客户 <名称>',
  examples: ['/客户 华星科技'],
  positional: ['name...'],
  args: () => z.object({ name: arg.text('客户名称', 60) }),
  async run(ctx, { name }) {
    const c = await requireCustomer(ctx.tx, name);
    if (!accessTo(ctx.actor, c, audienceOf(ctx)).full) await ctx.audit({ action: 'customer.view', subjectType: 'customer', subjectId: c.id, detail: { view: 'basic' } });
    return { card: await customerCard(ctx, c, audienceOf(ctx)) };
  },
});

export const customerCommands = [newCustomerCommand, listCustomersCommand, stageCommand, transferCommand, creditCommand, editCommand, showCustomerCommand];

/** The words after /客户 (or /customer) that open a subcommand: 新建, 列表 … new, list … */
export const COMMAND_WORDS: ReadonlySet<string> = new Set(
  customerCommands
    .flatMap((c) => [c.path, ...(c.aliases ?? [])])
    .filter((p) => p.length === 2)
    .map((p) => p[1]!.toLowerCase()),
);

/** A customer named 列表 (or 列表 科技) could never be shown: /客户 列表 is the list. */
export function refuseCommandWord(name: string): void {
  const first = name.trim().split(/\s+/)[0]!;
  if (COMMAND_WORDS.has(first.toLowerCase())) refuse('BAD_INPUT', `客户名称不能以命令词「${first}」开头（/客户 ${first} 是另一个命令），请写客户的全称。`);
}
