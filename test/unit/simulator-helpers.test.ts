/**
 * The simulator's pure helpers: which jobs a clock jump makes due (and for which moment), how "jump to" times
 * are read, and how typed @names become mentions.
 */
import { describe, expect, it } from 'vitest';
import { dueJobRuns, mentionsIn, parseJumpTarget } from '../../src/local/simulator';
import type { JobDef } from '../../src/platform/jobs/job';

const TZ = 'Asia/Shanghai';
const job = (name: string, schedule: string): JobDef => ({ name, schedule, description: name, run: async () => ({}) });
const daily = job('t.daily', '0 9 * * *');
const weekly = job('t.weekly', '30 9 * * 1');
const monthly = job('t.monthly', '0 8 1 * *');
const sweep = job('t.sweep', '*/5 * * * *');
const at = (iso: string) => new Date(iso);
const runs = (from: string, to: string, jobs = [daily, weekly, monthly, sweep]) =>
  dueJobRuns(jobs, at(from), at(to), TZ).map((r) => [r.job.name, r.at.toISOString()]);

describe('dueJobRuns', () => {
  it('runs a daily, weekly or monthly job once for every moment it fell due, and a sweep once at the new time, in time order', () => {
    // Mon 2030-01-07 08:00 → Wed 2030-01-09 10:02 (Shanghai)
    expect(runs('2030-01-07T08:00:00+08:00', '2030-01-09T10:02:00+08:00')).toEqual([
      ['t.daily', '2030-01-07T01:00:00.000Z'],
      ['t.weekly', '2030-01-07T01:30:00.000Z'],
      ['t.daily', '2030-01-08T01:00:00.000Z'],
      ['t.daily', '2030-01-09T01:00:00.000Z'],
      ['t.sweep', '2030-01-09T02:02:00.000Z'], // a sweep runs once, at the new time: it catches up by itself
    ]);
  });

  it('includes the end minute, excludes the start, and runs nothing when going back', () => {
    expect(runs('2030-01-07T09:00:00+08:00', '2030-01-07T09:00:30+08:00', [daily])).toEqual([]);
    expect(runs('2030-01-07T08:59:59+08:00', '2030-01-07T09:00:00+08:00', [daily])).toEqual([['t.daily', '2030-01-07T01:00:00.000Z']]);
    expect(runs('2030-01-07T10:00:00+08:00', '2030-01-07T08:00:00+08:00')).toEqual([]);
    expect(runs('2030-01-07T10:00:00+08:00', '2030-01-07T10:04:00+08:00', [sweep])).toEqual([]);
  });

  it('looks back at most 31 days', () => {
    // 1 Feb 08:00 is more than 31 days before 5 Mar; 1 Mar is within.
    expect(runs('2029-12-01T00:00:00+08:00', '2030-03-05T00:00:00+08:00', [monthly])).toEqual([['t.monthly', '2030-03-01T00:00:00.000Z']]);
    expect(runs('2029-12-01T00:00:00+08:00', '2030-02-28T00:00:00+08:00', [monthly])).toEqual([['t.monthly', '2030-02-01T00:00:00.000Z']]);
    expect(runs('2029-12-01T00:00:00+08:00', '2030-03-03T09:00:00+08:00', [monthly])).toEqual([
      ['t.monthly', '2030-02-01T00:00:00.000Z'],
      ['t.monthly', '2030-03-01T00:00:00.000Z'],
    ]);
    // A month of mornings: 31 daily runs, the 4 Mondays' weekly runs, one monthly; a schedule that never matches (29 Feb 2030) none.
    const month = runs('2030-01-01T00:00:00+08:00', '2030-03-01T00:00:00+08:00', [job('t.never', '0 8 29 2 *'), monthly, daily, weekly]);
    expect(month.filter(([n]) => n === 't.daily')).toHaveLength(31);
    expect(month.filter(([n]) => n === 't.weekly').map(([, t]) => t)).toEqual(['2030-02-04T01:30:00.000Z', '2030-02-11T01:30:00.000Z', '2030-02-18T01:30:00.000Z', '2030-02-25T01:30:00.000Z']);
    expect(month.filter(([n]) => n === 't.monthly')).toEqual([['t.monthly', '2030-02-01T00:00:00.000Z']]);
    expect(month.some(([n]) => n === 't.never')).toBe(false);
    expect(month.map(([, t]) => t)).toEqual([...month.map(([, t]) => t)].sort());
  });

  it('follows the business time zone across a DST change and in half-hour zones', () => {
    const ny = dueJobRuns([daily], at('2030-03-09T12:00:00Z'), at('2030-03-10T20:00:00Z'), 'America/New_York');
    expect(ny.map((r) => r.at.toISOString())).toEqual(['2030-03-09T14:00:00.000Z', '2030-03-10T13:00:00.000Z']); // 09:00 EST, then 09:00 EDT
    const india = dueJobRuns([daily], at('2030-01-07T00:00:00Z'), at('2030-01-07T12:00:00Z'), 'Asia/Kolkata');
    expect(india.map((r) => r.at.toISOString())).toEqual(['2030-01-07T03:30:00.000Z']); // 09:00 IST (+05:30)
  });
});

describe('parseJumpTarget', () => {
  it('reads a zone-less wall time in the business time zone and an ISO instant as is', () => {
    expect(parseJumpTarget('2026-12-07T09:30', TZ)?.toISOString()).toBe('2026-12-07T01:30:00.000Z');
    expect(parseJumpTarget('2026-12-07 09:30:15', TZ)?.toISOString()).toBe('2026-12-07T01:30:00.000Z');
    expect(parseJumpTarget('2026-12-07T01:30:00.000Z', TZ)?.toISOString()).toBe('2026-12-07T01:30:00.000Z');
    expect(parseJumpTarget('2026-12-07T09:30+08:00', TZ)?.toISOString()).toBe('2026-12-07T01:30:00.000Z');
  });

  it('refuses anything else', () => {
    for (const text of ['明天', '2026-13-01T09:00', '2026-12-07', 'Mon Dec 07 2026', '2026-12-07T25:00']) {
      expect(parseJumpTarget(text, TZ), text).toBeUndefined();
    }
  });
});

describe('mentionsIn', () => {
  const people = [
    { openId: 'ou_bot', name: '业务部助手', isBot: true },
    { openId: 'ou_zheng', name: '郑总' },
    { openId: 'ou_zhengjian', name: '郑总监' },
    { openId: 'ou_li', name: '李业务' },
  ];

  it('finds each typed @name once, preferring the longest name', () => {
    expect(mentionsIn('@业务部助手 /角色 @郑总监 主管 @李业务 @李业务', people)).toEqual([
      { openId: 'ou_bot', name: '业务部助手', isBot: true },
      { openId: 'ou_zhengjian', name: '郑总监' },
      { openId: 'ou_li', name: '李业务' },
    ]);
    expect(mentionsIn('@郑总 和 @郑总监', people).map((m) => m.openId)).toEqual(['ou_zhengjian', 'ou_zheng']);
    expect(mentionsIn('没有提及 李业务', people)).toEqual([]);
  });
});
