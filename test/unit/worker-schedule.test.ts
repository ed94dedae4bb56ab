/**
 * Workers' cron trigger and the job registry agree:
 * - wrangler.toml has exactly one trigger, every TICK_MINUTES minutes;
 * - over the eight days around New Year (a Monday, month, quarter and year start), every job fires in exactly as many ticks as its schedule has
 *   matching minutes in BUSINESS_TZ — no run lost, none doubled (DST-safe: schedules stay local).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modules } from '../../src/modules';
import { cronMatches } from '../../src/platform/jobs/job';
import { firedInTick, TICK_MINUTES } from '../../src/platform/jobs/tick';

const toml = readFileSync(join(import.meta.dirname, '../../wrangler.toml'), 'utf8');
const crons = JSON.parse(/crons\s*=\s*(\[[^\]]*\])/.exec(toml)![1]!) as string[];
const jobs = modules.flatMap((m) => m.jobs ?? []);

describe('Workers schedule', () => {
  it('has one cron trigger, every TICK_MINUTES minutes', () => {
    expect(crons).toEqual([`*/${TICK_MINUTES} * * * *`]);
  });

  it.each(jobs.map((j) => [j.name, j.schedule] as const))('runs %s (%s) once per scheduled minute over eight days of ticks', (_name, schedule) => {
    const tz = 'Asia/Shanghai';
    const start = Date.UTC(2026, 11, 27, 16, 0); // Monday 2026-12-28 00:00 in Shanghai
    const minutes = 8 * 24 * 60;
    let matches = 0;
    let ticks = 0;
    for (let m = 0; m < minutes; m++) {
      const at = new Date(start + m * 60_000);
      if (cronMatches(schedule, at, tz)) matches++;
      if (m % TICK_MINUTES === TICK_MINUTES - 1 && firedInTick(schedule, at, tz)) ticks++;
    }
    // A schedule that fires more than once within a tick collapses to one run per tick (sweeps catch up).
    expect(ticks).toBe(Math.min(matches, minutes / TICK_MINUTES));
    expect(ticks).toBeGreaterThan(0);
  });
});
