/**
 * The SLA sweep (every 5 minutes, or `npm run job -- sla.sweep --now …`): reminds owners at the
 * reminder time, marks a deadline breached at its hard limit and escalates (DM every supervisor,
 * @-mention the owner in the team chat), repeating an open breach at most every 4 hours.
 *
 * Exactly-once: each notification has a ledger key (deadline, kind, recipient, the scheduled
 * moment); the ledger rows and the outbox row of a recipient commit together, so a second run —
 * same moment or another process — finds the keys taken and sends nothing. Deadline rows then move
 * on with a compare-and-set on next_action_at. A crash in between only repeats work the ledger
 * already dedupes.
 */
import { and, asc, eq, gt, inArray, lte, or, sql } from 'drizzle-orm';
import { makeContext, teamChatId } from '../../platform/actors';
import type { Actor, Services } from '../../platform/context';
import { withWriteLock, writeTransaction } from '../../platform/db/write-lock';
import { enqueue, idempotencyKey } from '../../platform/feishu/outbox';
import { defineJob, type JobSummary } from '../../platform/jobs/job';
import { nameSubjects } from '../../platform/module';
import { afterQuietHours, nextWorkingStart, type CalendarConfig } from '../../platform/sla/calendar';
import { claimLedger } from '../../platform/sla/ledger';
import { People } from '../../platform/sla/people';
import { deadlines, type DeadlineRow } from '../../platform/sla/sla.schema';
import { MS } from '../../platform/time';
import { MAX_LINES, reminderCard, shownDeadlines, teamChatText, type Section } from './reminders.cards';

/** An open breach is repeated at most this often (issue 3). */
export const ESCALATION_REPEAT_MS = 4 * MS.hour;
const CHUNK = 500;
/**
 * Recipients whose ledger and outbox rows commit together. A recipient's rows never straddle two
 * transactions (exactly-once needs that); grouping a few keeps a catch-up sweep from paying one
 * fsync per person.
 */
const RECIPIENTS_PER_TX = 25;
/** One sweep handles at most this many due deadlines; the rest wait for the next run. */
const MAX_PER_SWEEP = 20_000;

export interface Plan {
  row: DeadlineRow;
  notify?: 'remind' | 'breach';
  set: { status: 'open' | 'breached'; breachedAt?: Date; nextActionAt: Date | null };
  held?: boolean;
}

/** When a notification held back by quiet hours may go out (SPEC §8). */
export function releaseTime(now: Date, quiet: { start: string; end: string }, clock: DeadlineRow['clock'], cal: CalendarConfig): Date {
  const after = afterQuietHours(now, quiet, cal.tz);
  if (after.getTime() === now.getTime()) return now;
  return clock === 'working' ? nextWorkingStart(after, cal) : after;
}

/** What to do with one due deadline at `now`. Pure. */
export function decide(row: DeadlineRow, now: Date, quiet: { start: string; end: string }, cal: CalendarConfig): Plan {
  const release = row.urgent ? now : releaseTime(now, quiet, row.clock, cal);
  const held = release.getTime() > now.getTime();
  const limitPassed = row.limitAt !== null && now.getTime() >= row.limitAt.getTime();
  if (row.status === 'open' && limitPassed) {
    // The breach happened at the limit whether or not anyone may be told yet.
    const set = { status: 'breached' as const, breachedAt: row.limitAt! };
    return held ? { row, held, set: { ...set, nextActionAt: release } } : { row, notify: 'breach', set: { ...set, nextActionAt: new Date(now.getTime() + ESCALATION_REPEAT_MS) } };
  }
  if (row.status === 'breached') {
    return held ? { row, held, set: { status: 'breached', nextActionAt: release } } : { row, notify: 'breach', set: { status: 'breached', nextActionAt: new Date(now.getTime() + ESCALATION_REPEAT_MS) } };
  }
  if (held) return { row, held, set: { status: 'open', nextActionAt: release } };
  return { row, notify: 'remind', set: { status: 'open', nextActionAt: row.limitAt } };
}

interface Item {
  key: string;
  kind: 'remind' | 'breach';
  row: DeadlineRow;
  owners: string[];
}

/** The due deadlines, by the next_action_at index, in keyset chunks. */
async function loadDue(services: Services, now: Date, max: number): Promise<DeadlineRow[]> {
  const { db } = services.database;
  const out: DeadlineRow[] = [];
  let after: { at: Date; id: number } | undefined;
  while (out.length < max) {
    const page = await db
      .select()
      .from(deadlines)
      .where(
        and(
          lte(deadlines.nextActionAt, now),
          inArray(deadlines.status, ['open', 'breached']),
          after ? or(gt(deadlines.nextActionAt, after.at), and(eq(deadlines.nextActionAt, after.at), gt(deadlines.id, after.id))) : undefined,
        ),
      )
      .orderBy(asc(deadlines.nextActionAt), asc(deadlines.id))
      .limit(Math.min(CHUNK, max - out.length));
    out.push(...page);
    if (page.length < CHUNK) break;
    const last = page[page.length - 1]!;
    after = { at: last.nextActionAt!, id: last.id };
  }
  return out;
}

export async function sweep(services: Services, now: Date, opts: { max?: number } = {}): Promise<JobSummary> {
  const { db } = services.database;
  const due = await loadDue(services, now, opts.max ?? MAX_PER_SWEEP);
  if (due.length === 0) return { due: 0, messages: 0 };
  const plans = due.map((row) => decide(row, now, services.config.QUIET_HOURS, services.calendar));
  const people = await People.load(db, services.config.DEFAULT_ROLE);
  const supervisors = people.withRole('supervisor');
  const team = await teamChatId(db);

  // Who hears about what: recipient → items (one card per recipient per sweep).
  const byRecipient = new Map<string, Map<string, Item>>();
  const add = (recipient: string, item: Omit<Item, 'key'>) => {
    const key = `${item.row.id}:${item.kind}:${recipient}:${item.row.nextActionAt!.getTime()}`;
    const list = byRecipient.get(recipient) ?? new Map<string, Item>();
    list.set(key, { ...item, key });
    byRecipient.set(recipient, list);
  };
  for (const p of plans) {
    if (!p.notify) continue;
    const owners = people.owners(p.row);
    const item = { kind: p.notify, row: p.row, owners };
    if (p.notify === 'remind') {
      // A role nobody holds yet must not swallow the reminder: the supervisors get it instead.
      for (const r of owners.length ? owners : supervisors) add(r, item);
      continue;
    }
    for (const s of supervisors) add(s, item);
    if (team) add(`chat:${team}`, item);
    else for (const o of owners) add(o, item);
  }

  let messages = 0;
  let duplicates = 0;
  const named = new Map<string, string | undefined>(); // each subject's name looked up once per sweep
  const recipients = [...byRecipient.entries()];
  for (let i = 0; i < recipients.length; i += RECIPIENTS_PER_TX) {
    const batch = recipients.slice(i, i + RECIPIENTS_PER_TX).map(([recipient, keyed]) => ({ recipient, items: [...keyed.values()] }));
    await writeTransaction(db, async (tx) => {
      const won = await claimLedger(tx, batch.flatMap(({ recipient, items }) => items.map((it) => ({ key: it.key, deadlineId: it.row.id, kind: it.kind, recipient }))), now);
      for (const { recipient, items } of batch) {
        const fresh = items.filter((it) => won.has(it.key));
        duplicates += items.length - fresh.length;
        if (fresh.length === 0) continue;
        const key = idempotencyKey('sla.sweep', recipient, ...fresh.map((it) => it.key).sort());
        const chat = recipient.startsWith('chat:') ? recipient.slice(5) : undefined;
        const secs = chat ? [] : sections(fresh, recipient, people);
        const names = await nameSubjects(tx, services, chat ? fresh.slice(0, MAX_LINES).map((it) => it.row) : shownDeadlines(secs), named);
        const content = chat ? { text: teamChatText(services, names, now, fresh.map((it) => ({ d: it.row, owners: it.owners }))) } : { card: reminderCard(services, names, now, secs, fresh.some((it) => it.kind === 'breach')) };
        await enqueue(tx, { kind: 'send', to: chat ? { chatId: chat } : { openId: recipient }, content }, key, services.clock.now());
        messages++;
      }
    });
  }

  // Move every deadline on; a row another sweep already moved is left alone (compare-and-set on
  // status and next_action_at). One statement per chunk, not a round trip per row.
  for (let i = 0; i < plans.length; i += CHUNK) {
    const values = plans.slice(i, i + CHUNK).map(
      (p) => sql`(${p.row.id}, ${p.set.status}, ${p.set.breachedAt?.getTime() ?? null}, ${p.set.nextActionAt?.getTime() ?? null}, ${p.row.status}, ${p.row.nextActionAt!.getTime()})`,
    );
    await withWriteLock(() =>
      db.run(sql`update deadlines set status = v.column2, breached_at = coalesce(v.column3, deadlines.breached_at), next_action_at = v.column4
        from (values ${sql.join(values, sql`, `)}) as v
        where deadlines.id = v.column1 and deadlines.status = v.column5 and deadlines.next_action_at = v.column6`),
    );
  }
  await touchSubjects(services, now, plans);
  const count = (f: (p: Plan) => boolean) => plans.filter(f).length;
  return {
    due: due.length,
    reminded: count((p) => p.notify === 'remind'),
    breached: count((p) => p.row.status === 'open' && p.set.status === 'breached'),
    escalated: count((p) => p.notify === 'breach'),
    held: count((p) => p.held === true),
    messages,
    duplicates,
  };
}

const SWEEP_ACTOR: Actor = { openId: 'system', name: '系统', role: null, isAdmin: false };
/** Subjects per onDeadlineEvent call (and transaction). */
const HOOK_CHUNK = 100;

/**
 * Tells each subject's module which of its records had a clock reminded, escalated or marked
 * breached, so what shows their countdowns (a live card) can be refreshed. After the sweep's own
 * work: a failing hook is logged and changes nothing above.
 */
async function touchSubjects(services: Services, now: Date, plans: Plan[]): Promise<void> {
  const byType = new Map<string, Set<string>>();
  for (const p of plans) {
    if (!p.notify && p.set.status === p.row.status) continue;
    byType.set(p.row.subjectType, (byType.get(p.row.subjectType) ?? new Set()).add(p.row.subjectId));
  }
  for (const [subjectType, set] of byType) {
    const hook = services.registry?.subjects[subjectType]?.onDeadlineEvent;
    if (!hook) continue;
    const ids = [...set];
    for (let i = 0; i < ids.length; i += HOOK_CHUNK) {
      const chunk = ids.slice(i, i + HOOK_CHUNK);
      try {
        await writeTransaction(services.database.db, (tx) =>
          hook(makeContext(services, tx, { causeId: `sla.sweep:${now.getTime()}:${subjectType}:${i}`, now, actor: SWEEP_ACTOR }), chunk),
        );
      } catch (err) {
        services.log.warn('deadline hook failed', { subjectType, ids: chunk.length, err });
      }
    }
  }
}

/** One person's card: own reminders, then (supervisors) the breaches of others, then their own breaches. */
function sections(items: Item[], recipient: string, people: People): Section[] {
  const mine = (i: Item) => i.owners.includes(recipient);
  const pick = (f: (i: Item) => boolean, withOwner: boolean) =>
    items.filter(f).map((i) => ({ d: i.row, owner: withOwner ? i.owners.map((o) => people.name(o)).join('、') || '无人' : undefined }));
  return [
    { title: '超时 · 我的', items: pick((i) => i.kind === 'breach' && mine(i), false) },
    { title: '超时 · 团队（需主管跟进）', items: pick((i) => i.kind === 'breach' && !mine(i), true) },
    { title: '到期提醒', items: pick((i) => i.kind === 'remind' && mine(i), false) },
    { title: '待分派（该角色暂无人）', items: pick((i) => i.kind === 'remind' && !mine(i), false) },
  ];
}

export const slaSweepJob = defineJob({
  name: 'sla.sweep',
  schedule: '*/5 * * * *',
  description: '到点提醒、超时升级（每 5 分钟）。Reminders and escalations.',
  run: ({ services, now }) => sweep(services, now),
});
