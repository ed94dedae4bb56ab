/**
 * The calendar's environment variables (WORK_HOURS, WORK_DAYS), as zod schemas config.ts plugs
 * into its one schema: a bad value fails start-up with one line naming the variable.
 */
import { z } from 'zod';

const HM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const minutes = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3));

/** 'HH:MM-HH:MM[,HH:MM-HH:MM…]' → ascending, non-overlapping intervals of a working day. */
export const workHoursEnv = z
  .string()
  .default('09:00-12:00,13:30-18:00')
  .transform((v, ctx) => {
    const out: Array<[string, string]> = [];
    const fail = (why: string) => {
      ctx.addIssue({ code: 'custom', message: `${why}; expected HH:MM-HH:MM intervals, comma-separated and ascending, e.g. 09:00-12:00,13:30-18:00` });
      return z.NEVER;
    };
    for (const part of v.split(',').map((p) => p.trim())) {
      const [s, e, extra] = part.split('-').map((x) => x.trim());
      if (!s || !e || extra !== undefined || !HM.test(s) || !HM.test(e)) return fail(`"${part}" is not HH:MM-HH:MM`);
      if (minutes(e) <= minutes(s)) return fail(`${part} ends before it starts`);
      const prev = out[out.length - 1];
      if (prev && minutes(s) < minutes(prev[1])) return fail(`${part} overlaps or comes before ${prev.join('-')}`);
      out.push([s, e]);
    }
    return out;
  });

/** ISO weekdays '1-5', '1-6', '1,2,3,4,5', '1-5,7' (1 = Monday … 7 = Sunday) → sorted, unique. */
export const workDaysEnv = z
  .string()
  .default('1-5')
  .transform((v, ctx) => {
    const days = new Set<number>();
    for (const part of v.split(',').map((p) => p.trim())) {
      const m = /^([1-7])(?:-([1-7]))?$/.exec(part);
      if (!m || (m[2] && Number(m[2]) < Number(m[1]))) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not a weekday or range; expected ISO weekdays 1 (Mon) … 7 (Sun), e.g. 1-5, 1-6 or 1,2,3,4,5` });
        return z.NEVER;
      }
      for (let d = Number(m[1]); d <= Number(m[2] ?? m[1]); d++) days.add(d);
    }
    return [...days].sort((a, b) => a - b);
  });
