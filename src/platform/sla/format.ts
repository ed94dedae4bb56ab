import { formatLocal, MS } from '../time';
import type { DeadlineRow } from './sla.schema';

/** "剩 3 小时" / "已超时 2 天": whole units, rounded down, never "0". */
export function countdown(due: Date, now: Date): string {
  const diff = due.getTime() - now.getTime();
  const a = Math.abs(diff);
  if (a < MS.minute) return '现在到期';
  const amount = a < MS.hour ? `${Math.floor(a / MS.minute)} 分钟` : a < 48 * MS.hour ? `${Math.floor(a / MS.hour)} 小时` : `${Math.floor(a / MS.day)} 天`;
  return diff >= 0 ? `剩 ${amount}` : `已超时 ${amount}`;
}

/** '截止 03-09 13:00（剩 3 小时）', with the hard limit and pause shown when they matter. */
export function dueText(d: Pick<DeadlineRow, 'targetAt' | 'limitAt' | 'status' | 'pauseReason'>, now: Date, tz: string): string {
  const due = (d.targetAt ?? d.limitAt)!;
  if (d.status === 'paused') return `已暂停${d.pauseReason ? `：${d.pauseReason}` : ''}（原定 ${formatLocal(due, tz)}）`;
  const limit = d.targetAt && d.limitAt ? `，最迟 ${formatLocal(d.limitAt, tz)}` : '';
  const state = d.status === 'breached' ? `超过硬性期限 ${countdown(d.limitAt ?? due, now).replace('已超时 ', '')}` : countdown(due, now);
  return `截止 ${formatLocal(due, tz)}（${state}${limit}）`;
}
