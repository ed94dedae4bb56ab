/**
 * The SLA sweep (every 5 minutes, or `npm run job -- sla.sweep --now …`): reminds owners at the
 * reminder time, marks a deadline breached at its hard limit and escalates (DM every supervisor,
 * @-mention the owner in the team chat), repeating an open breach at most every 4 hours.
 *
 * Exactly-once: each notification has a ledger key (deadline, kind, recipient, the scheduled
 * moment); the ledger rows and the outbox row of one recipient commit together, so a second run —
 * same moment or another process — finds the keys taken and sends nothing. Deadline rows then move
 * on with a compare-and-set on next_action_at. A crash in between only repeats work the ledger
 * already dedupes.
 */
import { and, asc, eq, gt, inArray, lte, or } from 'drizzle-orm';
import { teamChatId } from '../../platform/actors';
import type { Services } from '../../platform/context';
import { enqueue, idempotencyKey } from '../../platform/feishu/outbox';
import { defineJob, type JobSummary } from '../../platform/jobs/job';
import { afterQuietHours, nextWorkingStart, type CalendarConfig } from '../../platform/sla/calendar';
import { claimLedger } from '../../platform/sla/ledger';
import { People } from '../../platform/sla/people';
import { deadlines, type DeadlineRow } from '../../platform/sla/sla.schema';
import { MS } from '../../platform/time';
import { reminderCard, teamChatText, type Section } from './reminders.cards';

/** An open breach is repeated at most this often (issue 3). */
export const ESCALATION_REPEAT_MS = 4 * MS.hour;
const CHUNK = 500;
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
  for (const [recipient, keyed] of byRecipient) {
    const items = [...keyed.values()];
    await db.transaction(async (tx) => {
      const won = await claimLedger(tx, items.map((i) => ({ key: i.key, deadlineId: i.row.id, kind: i.kind, recipient })), now);
      const fresh = items.filter((i) => won.has(i.key));
      duplicates += items.length - fresh.length;
      if (fresh.length === 0) return;
      const key = idempotencyKey('sla.sweep', recipient, ...fresh.map((i) => i.key).sort());
      const chat = recipient.startsWith('chat:') ? recipient.slice(5) : undefined;
      const content = chat ? { text: teamChatText(services, now, fresh.map((i) => ({ d: i.row, owners: i.owners }))) } : { card: reminderCard(services, now, sections(fresh, recipient, people)) };
      await enqueue(tx, { kind: 'send', to: chat ? { chatId: chat } : { openId: recipient }, content }, key, services.clock.now());
      messages++;
    });
  }

  // Move every deadline on; a row another sweep already moved is left alone.
  for (let i = 0; i < plans.length; i += CHUNK) {
    await db.transaction(async (tx) => {
      for (const p of plans.slice(i, i + CHUNK)) {
        await tx
          .update(deadlines)
          .set(p.set)
          .where(and(eq(deadlines.id, p.row.id), eq(deadlines.status, p.row.status), eq(deadlines.nextActionAt, p.row.nextActionAt!)));
      }
    });
  }
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

/** One person's card: own reminders, then (supervisors) the breaches of others, then their own breaches. */
function sections(items: Item[], recipient: string, people: People): Section[] {
  const mine = (i: Item) => i.owners.includes(recipient);
  const pick = (f: (i: Item) => boolean, withOwner: boolean) =>
    items.filter(f).map((i) => ({ d: i.row, owner: withOwner ? i.owners.map((o) => people.name(o)).join('、') || '无人' : undefined }));
  return [
    { title: '超时 · 我的', items: pick((i) => i.kind === 'breach' && mine(i), false) },
    { title: '超时 · 团队（需主管跟进）', items: pick((i) => i.kind === 'breach' && !mine(i), true) },
    { title: '即将到期', items: pick((i) => i.kind === 'remind' && mine(i), false) },
    { title: '待分派（该角色暂无人）', items: pick((i) => i.kind === 'remind' && !mine(i), false) },
  ];
}

export const slaSweepJob = defineJob({
  name: 'sla.sweep',
  schedule: '*/5 * * * *',
  description: '到点提醒、超时升级（每 5 分钟）。Reminders and escalations.',
  run: ({ services, now }) => sweep(services, now),
});
