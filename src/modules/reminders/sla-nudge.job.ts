/**
 * Weekly customer-progress nudge (Monday 09:30): per salesperson, the stalled work modules report
 * through their `nudges` providers (customers stuck in a stage, important customers not visited,
 * orders without a progress note, open complaints, overdue payments) plus their overdue deadlines;
 * supervisors get the team roll-up. One card per person per week (ledger key).
 */
import { and, inArray, lt, sql } from 'drizzle-orm';
import type { Services } from '../../platform/context';
import { writeTransaction } from '../../platform/db/write-lock';
import { enqueue, idempotencyKey } from '../../platform/feishu/outbox';
import { defineJob, type JobSummary } from '../../platform/jobs/job';
import { nameSubjects, type Nudge } from '../../platform/module';
import { SELLERS } from '../../platform/roles';
import { dueAt } from '../../platform/sla/deadlines';
import { claimLedger } from '../../platform/sla/ledger';
import { People } from '../../platform/sla/people';
import { deadlines, type DeadlineRow } from '../../platform/sla/sla.schema';
import { addDays, dayKey, weekdayOf } from '../../platform/time';
import { listCard, shownDeadlines } from './reminders.cards';

/** Lines shown per section; the rest are counted. */
const PER_SECTION = 10;
const OVERDUE = '超时待办';

interface Pile {
  sections: Map<string, string[]>;
  overdue: DeadlineRow[];
}

export async function weeklyNudge(services: Services, now: Date): Promise<JobSummary> {
  const { db } = services.database;
  const today = dayKey(now, services.config.BUSINESS_TZ);
  const week = addDays(today, 1 - weekdayOf(today)); // this week's Monday names the week
  const people = await People.load(db, services.config.DEFAULT_ROLE);

  const nudges: Nudge[] = [];
  let failed = 0;
  for (const [name, provider] of Object.entries(services.registry?.nudges ?? {})) {
    try {
      nudges.push(...(await provider(db, now, services)));
    } catch (err) {
      failed++; // one module's bug must not cancel everybody's nudge
      services.log.error('nudge provider failed', { provider: name, err });
    }
  }
  const overdue = await db
    .select()
    .from(deadlines)
    .where(and(inArray(deadlines.status, ['open', 'breached']), lt(sql`coalesce(${deadlines.targetAt}, ${deadlines.limitAt})`, now.getTime())));

  const piles = new Map<string, Pile>();
  const pile = (o: string) => piles.get(o) ?? (piles.set(o, { sections: new Map(), overdue: [] }), piles.get(o)!);
  for (const n of nudges) {
    const p = pile(n.ownerOpenId);
    p.sections.set(n.section, [...(p.sections.get(n.section) ?? []), n.line]);
  }
  const isSeller = (o: string) => {
    const role = people.byId.get(o)?.role;
    return !!role && SELLERS.includes(role);
  };
  for (const d of overdue.sort((a, b) => dueAt(a).getTime() - dueAt(b).getTime())) {
    for (const o of people.owners(d)) if (isSeller(o)) pile(o).overdue.push(d);
  }

  const rollUp = piles.size ? teamRollUp(piles, people) : '';
  const supervisors = rollUp ? people.withRole('supervisor') : [];
  let cards = 0;
  const named = new Map<string, string | undefined>(); // each subject's name looked up once per run
  for (const openId of new Set([...piles.keys(), ...supervisors])) {
    const p = piles.get(openId) ?? { sections: new Map(), overdue: [] };
    const lead = [...p.sections].map(([title, lines]) => `**${title}（${lines.length}）**\n${capped(lines).join('\n')}`);
    const sections = [{ title: OVERDUE, items: p.overdue.map((d) => ({ d })) }];
    const names = await nameSubjects(db, services, shownDeadlines(sections), named);
    const card = listCard(services, names, now, {
      title: `每周跟进提醒 · Weekly nudge`,
      template: 'purple',
      subtitle: `${week} 这一周`,
      lead: lead.length || p.overdue.length ? lead : ['我名下没有停滞事项。'],
      sections,
      tail: supervisors.includes(openId) ? [rollUp] : [],
    });
    await writeTransaction(db, async (tx) => {
      const won = await claimLedger(tx, [{ key: `nudge:${week}:${openId}`, deadlineId: null, kind: 'nudge', recipient: openId }], now);
      if (won.size === 0) return;
      await enqueue(tx, { kind: 'send', to: { openId }, content: { card } }, idempotencyKey('sla.weekly_nudge', week, openId), services.clock.now());
      cards++;
    });
  }
  return { nudges: nudges.length, overdue: overdue.length, people: piles.size, cards, failedProviders: failed };
}

const capped = (lines: string[]) => (lines.length > PER_SECTION ? [...lines.slice(0, PER_SECTION), `…还有 ${lines.length - PER_SECTION} 条`] : lines);

/** Supervisors' roll-up: per person, how many items in each section. */
function teamRollUp(piles: Map<string, Pile>, people: People): string {
  const rows = [...piles.entries()]
    .map(([o, p]) => {
      const parts = [...p.sections].map(([t, l]) => `${t} ${l.length}`);
      if (p.overdue.length) parts.push(`${OVERDUE} ${p.overdue.length}`);
      const total = [...p.sections.values()].reduce((n, l) => n + l.length, 0) + p.overdue.length;
      return { total, line: `• ${people.name(o)}：${parts.join(' · ')}` };
    })
    .sort((a, b) => b.total - a.total);
  return `**团队汇总（${piles.size} 人）**\n${rows.map((r) => r.line).join('\n')}`;
}

export const slaWeeklyNudgeJob = defineJob({
  name: 'sla.weekly_nudge',
  schedule: '30 9 * * 1',
  description: '每周一 09:30 客户跟进提醒。Weekly customer-progress nudge.',
  run: ({ services, now }) => weeklyNudge(services, now),
});
