import { formatLocal } from './time';

/** What n.toLocaleString('zh-CN', …) uses, made once: building it per call costs ~30 µs. */
const money = new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 0, maximumFractionDigits: 2 });

/** Display helpers shared by every module's replies and cards (Chinese conventions). */
export const yuan = (n: number | null | undefined) => (n === null || n === undefined ? '—' : `¥${money.format(n)}`);

/** An @-mention inside markdown/text that Feishu renders as the person's name. */
export const at = (openId: string) => `<at user_id="${openId}"></at>`;

/** "剩 3 小时" / "已超时 2 天" — the countdown shown next to a deadline. */
export function countdown(due: Date, now: Date): string {
  const ms = due.getTime() - now.getTime();
  const abs = Math.abs(ms);
  const text = abs >= 86_400_000 ? `${Math.floor(abs / 86_400_000)} 天` : abs >= 3_600_000 ? `${Math.floor(abs / 3_600_000)} 小时` : `${Math.max(1, Math.floor(abs / 60_000))} 分钟`;
  return ms >= 0 ? `剩 ${text}` : `已超时 ${text}`;
}

export const when = (d: Date | null | undefined, tz: string) => (d ? formatLocal(d, tz) : '—');
