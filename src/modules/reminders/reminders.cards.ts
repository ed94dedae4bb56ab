/**
 * The reminder engine's cards: one card per person per sweep, digest, weekly nudge, /待办, 查看.
 * Lines are capped so a catch-up after downtime never exceeds Feishu's 30 KB card limit.
 */
import { button, buttonRow, hr, md, type Card } from '../../platform/cards';
import type { Services } from '../../platform/context';
import type { SubjectNames } from '../../platform/module';
import { dueText } from '../../platform/sla/format';
import type { DeadlineRow } from '../../platform/sla/sla.schema';
import type { CalendarConfig } from '../../platform/sla/calendar';
import { formatLocal, parseHm } from '../../platform/time';

/** Items listed on one card; the rest are counted and left to /待办. */
export const MAX_LINES = 20;
/** Items that get their own buttons (完成 / 延后 / 查看). */
export const MAX_BUTTON_ITEMS = 5;

export function itemLine(services: Services, names: SubjectNames, d: DeadlineRow, now: Date, owner?: string): string {
  const who = owner ? ` · 负责人 ${owner}` : '';
  return `• ${names(d)}「${d.label}」${dueText(d, now, services.config.BUSINESS_TZ)}${who}${d.urgent ? ' 🔴紧急' : ''}`;
}

/** Minutes after midnight the working day starts (09:00 by default): "明早" means then. */
export const morningMinutes = (cal: CalendarConfig) => parseHm(cal.workHours[0]?.[0] ?? '09:00');

/** '明早9点', '明早8:30' */
const morningLabel = (cal: CalendarConfig) => {
  const m = morningMinutes(cal);
  return `明早${Math.floor(m / 60)}${m % 60 ? `:${String(m % 60).padStart(2, '0')}` : '点'}`;
};

export const itemButtons = (services: Services, d: DeadlineRow) =>
  buttonRow([
    button('完成', { action: 'sla.done', id: d.id, v: d.version }, 'primary'),
    button('延后1小时', { action: 'sla.snooze', id: d.id, v: d.version, until: 'hour' }),
    button(morningLabel(services.calendar), { action: 'sla.snooze', id: d.id, v: d.version, until: 'tomorrow' }),
    button('查看', { action: 'sla.view', id: d.id }, 'text'),
  ]);

export interface Section {
  title: string;
  /** The count shown in the title when the items are one page of more (/待办). */
  count?: number;
  items: Array<{ d: DeadlineRow; owner?: string }>;
}

/** The deadlines a card of these sections lists (the first MAX_LINES): the subjects worth naming. */
export const shownDeadlines = (sections: Section[]): DeadlineRow[] => sections.flatMap((s) => s.items.map((i) => i.d)).slice(0, MAX_LINES);

/** Sections of deadline lines; the first MAX_BUTTON_ITEMS items overall get buttons. */
function sectionElements(services: Services, names: SubjectNames, sections: Section[], now: Date, withButtons: boolean): unknown[] {
  const out: unknown[] = [];
  let shown = 0;
  let buttons = 0;
  let hidden = 0;
  for (const s of sections) {
    if (s.items.length === 0) continue;
    out.push(md(`**${s.title}（${s.count ?? s.items.length}）**`));
    for (const { d, owner } of s.items) {
      if (shown >= MAX_LINES) {
        hidden++;
        continue;
      }
      shown++;
      out.push(md(itemLine(services, names, d, now, owner)));
      if (withButtons && buttons < MAX_BUTTON_ITEMS && d.status !== 'paused') {
        buttons++;
        out.push(...itemButtons(services, d));
      }
    }
  }
  if (hidden) out.push(md(`…还有 ${hidden} 项，发送 /待办 查看全部。`));
  return out;
}

const card = (title: string, template: string, elements: unknown[], subtitle?: string): Card => ({
  schema: '2.0',
  config: { update_multi: true, width_mode: 'fill' },
  header: { title: { tag: 'plain_text', content: title }, template, ...(subtitle ? { subtitle: { tag: 'plain_text', content: subtitle } } : {}) },
  body: { elements },
});

/** The sweep's card for one person: what is coming due, and (for supervisors) what broke its limit. */
export function reminderCard(services: Services, names: SubjectNames, now: Date, sections: Section[], breach: boolean): Card {
  const total = sections.reduce((n, s) => n + s.items.length, 0);
  return card(breach ? '超时升级 · Overdue' : '待办提醒 · Reminder', breach ? 'red' : 'orange', sectionElements(services, names, sections, now, true), `${total} 项 · ${formatLocal(now, services.config.BUSINESS_TZ)}`);
}

/** The team-chat escalation: text that @-mentions each owner (Feishu renders <at> in text messages). */
export function teamChatText(services: Services, names: SubjectNames, now: Date, items: Array<{ d: DeadlineRow; owners: string[] }>): string {
  const lines = items.slice(0, MAX_LINES).map(({ d, owners }) => {
    const at = owners.length ? owners.map((o) => `<at user_id="${o}"></at>`).join(' ') : '（无人负责）';
    return `${at} ${names(d)}「${d.label}」${dueText(d, now, services.config.BUSINESS_TZ)}`;
  });
  const more = items.length > MAX_LINES ? [`…还有 ${items.length - MAX_LINES} 项。`] : [];
  return ['⚠️ 超时升级（Overdue）：以下事项已超过硬性期限，请尽快处理。', ...lines, ...more].join('\n');
}

/** A card made of markdown blocks around deadline sections (digest, nudge, /待办). */
export function listCard(
  services: Services,
  names: SubjectNames,
  now: Date,
  o: { title: string; template: string; subtitle?: string; lead?: string[]; sections: Section[]; tail?: string[]; buttons?: boolean },
): Card {
  const blocks = (list: string[] = []) => list.filter(Boolean).map((t) => md(t));
  const parts = [blocks(o.lead), sectionElements(services, names, o.sections, now, o.buttons ?? false), blocks(o.tail)].filter((p) => p.length);
  return card(o.title, o.template, parts.flatMap((p, i) => (i ? [hr(), ...p] : p)), o.subtitle);
}

/** 查看: one deadline in full. */
export function deadlineCard(services: Services, names: SubjectNames, d: DeadlineRow, now: Date, people: { name(openId: string): string }): Card {
  const tz = services.config.BUSINESS_TZ;
  const status: Record<DeadlineRow['status'], string> = { open: '进行中', met: '已完成', breached: '已超时', cancelled: '已取消', paused: '已暂停' };
  const owner = d.ownerOpenId ? people.name(d.ownerOpenId) : `${d.ownerRole ?? '—'}（角色）`;
  const lines = [
    `**${names(d)}「${d.label}」**`,
    `状态：${status[d.status]}${d.urgent ? ' · 紧急' : ''}`,
    `负责人：${owner}`,
    `起算：${formatLocal(d.anchorAt, tz)}（${d.clock === 'working' ? '工作时间' : '自然时间'}）`,
    d.targetAt ? `目标：${formatLocal(d.targetAt, tz)}` : '',
    d.limitAt ? `硬性期限：${formatLocal(d.limitAt, tz)}` : '',
    d.status === 'open' || d.status === 'breached' || d.status === 'paused' ? dueText(d, now, tz) : '',
    d.metAt ? `完成于 ${formatLocal(d.metAt, tz)}（${(d.metDeltaMs ?? 0) <= 0 ? '按时' : '迟了'}）` : '',
    d.pausedMs ? `累计暂停 ${Math.round(d.pausedMs / 60_000)} 分钟` : '',
  ].filter(Boolean);
  const live = d.status === 'open' || d.status === 'breached';
  return card('待办详情 · Task', live ? 'blue' : 'grey', [md(lines.join('\n')), ...(live ? itemButtons(services, d) : [])]);
}
