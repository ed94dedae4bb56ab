import { z } from 'zod';
import { parseAmount, parseBool, parseDate, parseQuantity } from './parse';

/**
 * Zod builders for command arguments with Chinese messages: a validation failure
 * becomes a usage reply that names the field and shows what would be accepted.
 */
const required = (label: string) => ({ error: (iss: { input?: unknown }) => (iss.input === undefined ? `缺少 ${label}` : `${label} 格式不对`) });

/**
 * Remembers the schema a builder made for the latest business day. zod compiles an object schema
 * on its first parse (a few hundred µs), so building one per message costs more than the parse.
 */
export function perDay<S>(build: (today: string) => S): (today: string) => S {
  let last: { today: string; schema: S } | undefined;
  return (today) => {
    if (last?.today !== today) last = { today, schema: build(today) };
    return last.schema;
  };
}

export const arg = {
  text: (label: string, max = 200) =>
    z.string(required(label)).trim().min(1, `${label} 不能为空`).max(max, `${label} 太长（最多 ${max} 字）`),

  date: (label: string, today: string, opts: { notPast?: boolean } = {}) =>
    z.string(required(label)).transform((v, ctx) => {
      const d = parseDate(v, today);
      if (!d) {
        ctx.addIssue({ code: 'custom', message: `${label}「${v}」不是有效日期（可写 2026-12-31、明天、3天后）` });
        return z.NEVER;
      }
      if (opts.notPast && d < today) {
        ctx.addIssue({ code: 'custom', message: `${label} ${d} 已经过去了` });
        return z.NEVER;
      }
      return d;
    }),

  /** Yuan, accepting 12,500 / 1.25万 / 5千. */
  amount: (label: string, opts: { positive?: boolean } = { positive: true }) =>
    z.string(required(label)).transform((v, ctx) => {
      const n = parseAmount(v);
      if (n === null || (opts.positive && n <= 0)) {
        ctx.addIssue({ code: 'custom', message: `${label}「${v}」不是有效金额${opts.positive ? '（须大于 0）' : ''}，可写 12500、12,500、1.25万` });
        return z.NEVER;
      }
      return n;
    }),

  quantity: (label: string) =>
    z.string(required(label)).transform((v, ctx) => {
      const n = parseQuantity(v);
      if (n === null || n <= 0) {
        ctx.addIssue({ code: 'custom', message: `${label}「${v}」必须是正数` });
        return z.NEVER;
      }
      return n;
    }),

  bool: (label: string) =>
    z.union([z.boolean(), z.string()]).transform((v, ctx) => {
      if (typeof v === 'boolean') return v;
      const b = parseBool(v);
      if (b === null) {
        ctx.addIssue({ code: 'custom', message: `${label}「${v}」请写 是 或 否` });
        return z.NEVER;
      }
      return b;
    }),

  flag: () => z.boolean().default(false),

  int: (label: string, min: number, max: number) =>
    z.string(required(label)).transform((v, ctx) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${label} 须是 ${min}–${max} 的整数` });
        return z.NEVER;
      }
      return n;
    }),

  /** One of a fixed set of words, e.g. 等级 A/B/C; `choices` maps spellings to values. */
  choice: <T extends string>(label: string, choices: Record<string, T>) =>
    z.string(required(label)).transform((v, ctx) => {
      const hit = choices[v] ?? choices[v.toUpperCase()] ?? choices[v.toLowerCase()];
      if (!hit) {
        ctx.addIssue({ code: 'custom', message: `${label}「${v}」不在可选范围：${[...new Set(Object.keys(choices))].join(' / ')}` });
        return z.NEVER;
      }
      return hit;
    }),

  month: (label: string) => z.string(required(label)).regex(/^\d{4}-(0[1-9]|1[0-2])$/, `${label} 请写成 YYYY-MM，例如 2026-12`),

  mention: (label: string) =>
    z.array(z.string()).transform((v, ctx) => {
      if (v.length !== 1) {
        ctx.addIssue({ code: 'custom', message: v.length === 0 ? `请 @ 一位${label}` : `只能 @ 一位${label}` });
        return z.NEVER;
      }
      return v[0]!;
    }),
};
