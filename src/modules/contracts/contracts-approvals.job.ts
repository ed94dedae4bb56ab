/**
 * Silent approvers (issue 7 item 5): every 5 minutes (or `npm run job -- contracts.approvals
 * --now …`) look at the contracts waiting for a decision. After 4 working hours the approvers
 * get a reminder — a fresh approval card they can decide on — and again every working day;
 * a supervisor-level approval still waiting after 1 working day is escalated to 总经办 (gm).
 * Thresholds: contractsConfig.approval.
 *
 * Exactly-once: each notification takes a reminder-ledger key (contract, round, level, which
 * reminder, recipient) in the same transaction as its outbox row; a second run — same moment,
 * or another process — finds the key taken. After downtime only the latest reminder goes out.
 */
import { inArray } from 'drizzle-orm';
import { makeContext, teamChatId } from '../../platform/actors';
import type { Actor, Services } from '../../platform/context';
import { writeTransaction } from '../../platform/db/write-lock';
import { defineJob, type JobSummary } from '../../platform/jobs/job';
import { afterQuietHours, elapsedMs } from '../../platform/sla/calendar';
import { claimLedger, type LedgerEntry } from '../../platform/sla/ledger';
import { formatLocal } from '../../platform/time';
import { LEVEL_NAME } from './contracts.cards';
import { contractsConfig } from './contracts.config';
import { contracts, type Contract } from './contracts.schema';
import { approvalCardKey, approversOf, contractById, loadDepartment, loadView, postCard, statusCardKey } from './contracts.service';
import { approvalSchedule, levelOf } from './contracts.workflow';

const SYSTEM: Actor = { openId: 'system', name: '系统', role: null, isAdmin: false };

interface Notice extends LedgerEntry {
  kind: 'remind' | 'breach';
  /** Names the card of this notice: 'remind0', 'remind1' … */
  tag: string;
}

/** What is due for one contract at `now`: reminder keys for its approvers, escalation keys for gm. */
function plan(c: Contract, now: Date, services: Services, approvers: string[], gms: string[], team: string | undefined): Notice[] {
  const s = approvalSchedule(c.levelSince!, now, services.calendar, contractsConfig.approval);
  const level = levelOf(c.state);
  const base = `contract:${c.id}:r${c.revision}:l${level}`;
  const out: Notice[] = [];
  if (s.reminder !== null) for (const r of approvers) out.push({ key: `${base}:remind${s.reminder}:${r}`, deadlineId: null, kind: 'remind', recipient: r, tag: `remind${s.reminder}` });
  if (level === 1 && s.escalate) {
    // No gm bound yet: the team chat hears it, so the escalation is never silently lost.
    const to = gms.length ? gms : team ? [`chat:${team}`] : [];
    for (const r of to) out.push({ key: `${base}:escalate:${r}`, deadlineId: null, kind: 'breach', recipient: r, tag: 'escalation' });
  }
  return out;
}

export async function approvalSweep(services: Services, now: Date): Promise<JobSummary> {
  const { db } = services.database;
  const tz = services.config.BUSINESS_TZ;
  if (afterQuietHours(now, services.config.QUIET_HOURS, tz).getTime() > now.getTime()) return { held: 'quiet hours' };
  const waiting = await db.select().from(contracts).where(inArray(contracts.state, ['submitted', 'pending_gm']));
  const summary = { waiting: waiting.length, reminded: 0, escalated: 0, duplicates: 0 };
  if (waiting.length === 0) return summary;
  const dep = await loadDepartment(db, services, now);
  const gms = dep.people.withRole('gm');
  const team = await teamChatId(db);

  for (const seen of waiting) {
    if (!seen.levelSince) continue;
    const approvers = approversOf(dep, seen);
    const notices = plan(seen, now, services, approvers, gms, team);
    if (notices.length === 0) continue;
    await writeTransaction(db, async (tx) => {
      const c = await contractById(tx, seen.id);
      if (!c || c.version !== seen.version) return; // decided meanwhile: nothing to remind
      const won = await claimLedger(tx, notices.map(({ key, deadlineId, kind, recipient }) => ({ key, deadlineId, kind, recipient })), now);
      summary.duplicates += notices.length - won.size;
      const view = await loadView(tx, services, c);
      const level = levelOf(c.state);
      const waited = Math.floor(elapsedMs(c.levelSince!, now, 'working', services.calendar) / 3_600_000);
      const since = `自 ${formatLocal(c.levelSince!, tz)} 起等待，约 ${waited} 个工作小时`;
      const who = approvers.map((a) => dep.people.name(a)).join('、') || '（暂无主管）';
      for (const n of notices.filter((x) => won.has(x.key))) {
        const ctx = makeContext(services, tx, { causeId: `contracts.approvals:${n.key}`, now, actor: SYSTEM });
        if (n.kind === 'remind') {
          summary.reminded++;
          await postCard(ctx, view, {
            openId: n.recipient,
            role: { kind: 'approval', revision: c.revision, level },
            cardKey: approvalCardKey(c, level, n.recipient, `:${n.tag}`),
            notice: `⏰ **催办**：合同 ${c.number} 等待你的审批（${since}）。`,
          });
          continue;
        }
        summary.escalated++;
        const text = `⚠️ **超时升级**：合同 ${c.number} 超过 ${contractsConfig.approval.escalateAfterWorkingDays} 个工作日未获${LEVEL_NAME[level]}审批（${since}；审批人：${who}），请督促审批。`;
        if (n.recipient.startsWith('chat:')) {
          await ctx.send({ kind: 'send', to: { chatId: n.recipient.slice(5) }, content: { text: `${text.replace(/\*\*/g, '')}\n（尚无人绑定总经办角色，升级发到团队群。）` } });
        } else {
          await postCard(ctx, view, { openId: n.recipient, role: { kind: 'status', revision: c.revision, level: 0 }, cardKey: statusCardKey(c, n.recipient, ':escalation'), notice: text });
        }
      }
    });
  }
  return summary;
}

export const contractApprovalsJob = defineJob({
  name: 'contracts.approvals',
  schedule: '*/5 * * * *',
  description: '合同审批催办（4 个工作小时后，之后每个工作日）与超时升级到总经办（1 个工作日）。',
  run: ({ services, now }) => approvalSweep(services, now),
});

