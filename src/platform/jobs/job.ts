import { parse as parseCron } from 'node-cron';
import { zonedParts } from '../time';
import type { Services } from '../context';

export interface JobRunContext {
  services: Services;
  /** The moment the job runs for (the cron tick, or --now). */
  now: Date;
  /** Same job, same moment → same slot: outgoing message keys derive from it. */
  slot: string;
}

/** What a run reports: shown by the CLI and in /系统 状态. */
export type JobSummary = Record<string, number | string>;

export interface JobDef {
  /** '<module>.<what>' */
  name: string;
  /** 5-field cron in BUSINESS_TZ (e.g. '0 9 * * 1-5'). */
  schedule: string;
  description: string;
  /** An idempotent catch-up sweep over the database: never an in-memory timer. */
  run(ctx: JobRunContext): Promise<JobSummary>;
}

export const defineJob = (def: JobDef): JobDef => {
  parseCron(def.schedule); // a typo in a schedule fails at start-up, not at 09:00
  return def;
};

/** Whether a cron expression fires at this minute in the business time zone (for Workers' ticks and catch-up). */
const parsed = new Map<string, ReturnType<typeof parseCron>>();

export function cronMatches(expr: string, at: Date, tz: string): boolean {
  let f = parsed.get(expr);
  if (!f) parsed.set(expr, (f = parseCron(expr)));
  const p = zonedParts(at, tz);
  const dow = p.weekday % 7; // cron: 0 = Sunday
  return f.minute.includes(p.minute) && f.hour.includes(p.hour) && f.dayOfMonth.map(Number).includes(p.day) && f.month.includes(p.month) && f.dayOfWeek.map(Number).includes(dow);
}
