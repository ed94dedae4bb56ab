/**
 * Daily digest (09:00 on working days): one card per person — overdue, due today, due this week;
 * supervisors also get the team view. Nobody with nothing gets a card. Exactly once per person and
 * day through the reminder ledger, whichever minute or process runs it.
 */
import { and, inArray, lt, sql } from 'drizzle-orm';
import type { Services } from '../../platform/context';
import { writeTransaction } from '../../platform/db/write-lock';
import { enqueue, idempotencyKey } from '../../platform/feishu/outbox';
import { defineJob, type JobSummary } from '../../platform/jobs/job';
import { nameSubjects, type SubjectNames } from '../../platform/module';
import { isWorkingDay } from '../../platform/sla/calendar';
import { holidayDataWarning } from '../../platform/sla/calendar-settings';
import { dueAt } from '../../platform/sla/deadlines';
import { claimLedger } from '../../platform/sla/ledger';
import { People } from '../../platform/sla/people';
import { deadlines, type DeadlineRow } from '../../platform/sla/sla.schema';
import { addDays, dayKey, startOfDay, weekdayOf } from '../../platform/time';
import { itemLine, listCard, shownDeadlines } from './reminders.cards';

type Bucket = 'overdue' | 'today' | 'week';
const BUCKETS: Array<[Bucket, string]> = [
  ['overdue', '已超时'],
  ['today', '今天到期'],
  ['week', '本周到期'],
];
/** Team-view detail lines for supervisors. */
const TEAM_DETAIL = 10;

/**
 * Tells the admins — once per set of years, through the ledger — that the statutory holiday data
 * does not cover the next 60 days (or only provisionally). Without admins, the supervisors hear it.
 */
async function warnHolidayData(services: Services, now: Date, today: string): Promise<number> {
  const warning = holidayDataWarning(services.calendar, today);
  if (!warning) return 0;
  const { db } = services.database;
  const admins = services.config.ADMIN_OPEN_IDS;
  const to = admins.length ? admins : (await People.load(db, services.config.DEFAULT_ROLE)).withRole('supervisor');
  const text = admins.length ? warning.text : `${warning.text}\n（请转告管理员：导入需要管理员权限。）`;
  const entries = to.map((openId) => ({ key: `holiday-data:${warning.years.join(',')}:${openId}`, deadlineId: null, kind: 'digest' as const, recipient: openId }));
  let sent = 0;
  await writeTransaction(db, async (tx) => {
    const won = await claimLedger(tx, entries, now);
    for (const e of entries) {
      if (!won.has(e.key)) continue;
      await enqueue(tx, { kind: 'send', to: { openId: e.recipient }, content: { text } }, idempotencyKey('sla.holiday_data', e.key), services.clock.now());
      sent++;
    }
  });
  // Logged with the DMs, so once per set of years like them, not on every run.
  if (sent) services.log.warn('holiday data does not cover the next days', { years: warning.years, told: sent });
  return sent;
}

export async function digest(services: Services, now: Date): Promise<JobSummary> {
  const tz = services.config.BUSINESS_TZ;
  const today = dayKey(now, tz);
  // First, and on days off too: a calendar without holiday data may be misjudging today itself.
  const holidayWarnings = await warnHolidayData(services, now, today);
  const warned: JobSummary = holidayWarnings ? { holidayWarnings } : {};
  if (!isWorkingDay(today, services.calendar)) return { skipped: '非工作日', cards: 0, ...warned };
  const { db } = services.database;
  const tomorrow = startOfDay(addDays(today, 1), tz);
  const weekEnd = startOfDay(addDays(today, 8 - weekdayOf(today)), tz);
  const rows = await db
    .select()
    .from(deadlines)
    .where(and(inArray(deadlines.status, ['open', 'breached']), lt(sql`coalesce(${deadlines.targetAt}, ${deadlines.limitAt})`, weekEnd.getTime())));
  const people = await People.load(db, services.config.DEFAULT_ROLE);
  const bucketOf = (d: DeadlineRow): Bucket => (dueAt(d) < now ? 'overdue' : dueAt(d) < tomorrow ? 'today' : 'week');

  const byPerson = new Map<string, Record<Bucket, DeadlineRow[]>>();
  for (const d of rows.sort((a, b) => dueAt(a).getTime() - dueAt(b).getTime())) {
    for (const o of people.owners(d)) {
      const mine = byPerson.get(o) ?? { overdue: [], today: [], week: [] };
      mine[bucketOf(d)].push(d);
      byPerson.set(o, mine);
    }
  }
  const named = new Map<string, string | undefined>(); // each subject's name looked up once per run
  const teamView = await teamLines(services, now, byPerson, people, named);
  const supervisors = teamView.length ? people.withRole('supervisor') : [];

  let cards = 0;
  for (const openId of new Set([...byPerson.keys(), ...supervisors])) {
    const mine = byPerson.get(openId) ?? { overdue: [], today: [], week: [] };
    const isSupervisor = supervisors.includes(openId);
    const sections = BUCKETS.map(([b, title]) => ({ title, items: mine[b].map((d) => ({ d })) }));
    const counts = BUCKETS.map(([b, t]) => `${t} ${mine[b].length}`).join(' · ');
    const names = await nameSubjects(db, services, shownDeadlines(sections), named);
    const card = listCard(services, names, now, {
      title: `今日待办 · Daily digest ${today}`,
      template: mine.overdue.length ? 'red' : 'blue',
      subtitle: counts,
      lead: sections.some((s) => s.items.length) ? [] : ['我的待办：无'],
      sections,
      tail: isSupervisor ? teamView : [],
      buttons: false,
    });
    await writeTransaction(db, async (tx) => {
      const won = await claimLedger(tx, [{ key: `digest:${today}:${openId}`, deadlineId: null, kind: 'digest', recipient: openId }], now);
      if (won.size === 0) return;
      await enqueue(tx, { kind: 'send', to: { openId }, content: { card } }, idempotencyKey('sla.digest', today, openId), services.clock.now());
      cards++;
    });
  }
  return { deadlines: rows.length, people: byPerson.size, cards, ...warned };
}

/** Supervisors' team view: counts per person, worst first, then the overdue items themselves. */
async function teamLines(services: Services, now: Date, byPerson: Map<string, Record<Bucket, DeadlineRow[]>>, people: People, named: Map<string, string | undefined>): Promise<string[]> {
  if (byPerson.size === 0) return [];
  const ranked = [...byPerson.entries()].sort((a, b) => b[1].overdue.length - a[1].overdue.length || b[1].today.length - a[1].today.length);
  const counts = ranked.map(([o, m]) => `• ${people.name(o)}：${BUCKETS.map(([b, t]) => `${t} ${m[b].length}`).join(' · ')}`);
  const overdue = new Map<number, { d: DeadlineRow; owners: string[] }>();
  for (const [o, m] of ranked) for (const d of m.overdue) overdue.set(d.id, { d, owners: [...(overdue.get(d.id)?.owners ?? []), people.name(o)] });
  const shown = [...overdue.values()].slice(0, TEAM_DETAIL);
  const names: SubjectNames = await nameSubjects(services.database.db, services, shown.map(({ d }) => d), named);
  const detail = shown.map(({ d, owners }) => itemLine(services, names, d, now, owners.join('、')));
  const more = overdue.size > TEAM_DETAIL ? [`…还有 ${overdue.size - TEAM_DETAIL} 项超时。`] : [];
  return [`**团队视图（${byPerson.size} 人）**\n${counts.join('\n')}`, ...(detail.length ? [`**团队超时明细**\n${[...detail, ...more].join('\n')}`] : [])];
}

export const slaDigestJob = defineJob({
  name: 'sla.digest',
  // Every day at 09:00, skipping non-working days per the calendar, so 调休 make-up Saturdays get one too.
  schedule: '0 9 * * *',
  description: '每日待办汇总（工作日 09:00）。Daily digest on working days.',
  run: ({ services, now }) => digest(services, now),
});
