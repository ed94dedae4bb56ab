/**
 * SLA sweep benchmark: one sweep over 10k / 100k (/ 1M with BENCH_1M=1) open deadlines of which
 * 1k are due. Baseline in the same run: the same database with the next_action_at index dropped,
 * to show that with the index a sweep's cost follows the due items, not the table.
 *
 *   npx tsx bench/sla-sweep.bench.ts            # 10k, 100k
 *   BENCH_1M=1 npx tsx bench/sla-sweep.bench.ts # + 1M (seeding takes a few minutes)
 *
 * Writes (or rewrites) the "SLA sweep" section of docs/BENCHMARKS.md.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultSet, Row } from '@libsql/client';
import { parseConfig } from '../src/config';
import { sweep } from '../src/modules/reminders/sla-sweep.job';
import type { Services } from '../src/platform/context';
import { openDatabase } from '../src/platform/db/client';
import { createLogger } from '../src/platform/logger';
import { collectRegistry } from '../src/platform/module';
import { defaultCalendar } from '../src/platform/sla/calendar';
import { KEPT, machineLine, writeSection } from './report';

const DUE = 1_000;
const OWNERS = 200;
const ROWS_PER_INSERT = 1_000;
const INSERTS_PER_TX = 100;
const QUERY_REPS = 5;
const SWEEP_REPS = 3;
const sizes = [10_000, 100_000, ...(process.env.BENCH_1M ? [1_000_000] : [])];

/** Monday 2026-03-09 10:00 Shanghai: a working morning, outside quiet hours. */
const NOW = new Date('2026-03-09T10:00:00+08:00').getTime();
const HOUR = 3_600_000;

/** Deterministic pseudo-random numbers, so every run seeds the same table. */
function rng(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

/** Seeds users, a team chat and `n` open deadlines of which DUE are due at NOW; returns seconds spent. */
async function seed(file: string, n: number): Promise<number> {
  const t0 = performance.now();
  const database = await openDatabase(`file:${file}`);
  const { client } = database;
  const users = Array.from({ length: OWNERS }, (_, i) => `('ou_${i}', '业务员${i}', 'sales', ${NOW}, ${NOW})`);
  await client.batch(
    [
      `INSERT INTO users (open_id, name, role, created_at, updated_at) VALUES ${users.join(',')}, ('ou_boss', '主管', 'supervisor', ${NOW}, ${NOW})`,
      `INSERT INTO chats (chat_id, chat_type, is_team, created_at) VALUES ('oc_team', 'group', 1, ${NOW})`,
    ],
    'write',
  );
  const random = rng(42);
  const row = (i: number) => {
    const due = i < DUE;
    const breach = due && i % 5 === 0; // a fifth of the due items have passed their hard limit
    const anchor = NOW - Math.floor(random() * 48 * HOUR);
    const next = due ? NOW - Math.floor(random() * HOUR) : NOW + Math.floor(random() * 30 * 24 * HOUR);
    const limit = breach ? NOW - 1 : next + 4 * HOUR;
    return `('order', '${i}', 'erp_entry', 'ERP 录入', 'ou_${i % OWNERS}', NULL, ${anchor}, ${next}, ${limit}, ${next}, 'working', 'open', ${next}, ${anchor})`;
  };
  const cols = '(subject_type, subject_id, step, label, owner_open_id, owner_role, anchor_at, target_at, limit_at, remind_at, clock, status, next_action_at, created_at)';
  for (let start = 0; start < n; start += ROWS_PER_INSERT * INSERTS_PER_TX) {
    const stmts: string[] = [];
    for (let s = start; s < Math.min(n, start + ROWS_PER_INSERT * INSERTS_PER_TX); s += ROWS_PER_INSERT) {
      const rows: string[] = [];
      for (let i = s; i < Math.min(n, s + ROWS_PER_INSERT); i++) rows.push(row(i));
      stmts.push(`INSERT INTO deadlines ${cols} VALUES ${rows.join(',')}`);
    }
    await client.batch(stmts, 'write');
  }
  await client.execute('ANALYZE');
  await client.execute('PRAGMA wal_checkpoint(TRUNCATE)');
  database.close();
  return (performance.now() - t0) / 1000;
}

async function services(file: string): Promise<Services> {
  const config = parseConfig({ DATABASE_URL: `file:${file}`, LOG_LEVEL: 'silent' });
  return {
    config,
    database: await openDatabase(config.DATABASE_URL),
    clock: { now: () => new Date(NOW) },
    log: createLogger('silent'),
    calendar: defaultCalendar(config.BUSINESS_TZ),
    botOpenId: () => undefined,
    registry: collectRegistry([]),
  };
}

/** The sweep's selection alone (keyset pages of 500 until the due items run out), median of runs. */
async function dueQueryMs(s: Services): Promise<{ ms: number; plan: string }> {
  const page = `SELECT * FROM deadlines WHERE next_action_at <= ? AND status IN ('open','breached') AND (? IS NULL OR next_action_at > ? OR (next_action_at = ? AND id > ?)) ORDER BY next_action_at, id LIMIT 500`;
  const times: number[] = [];
  for (let r = 0; r < QUERY_REPS; r++) {
    const t0 = performance.now();
    let after: [number, number] | null = null;
    for (;;) {
      const res: ResultSet = await s.database.client.execute({ sql: page, args: [NOW, after?.[0] ?? null, after?.[0] ?? null, after?.[0] ?? null, after?.[1] ?? null] });
      if (res.rows.length < 500) break;
      const last: Row = res.rows[res.rows.length - 1]!;
      after = [Number(last.next_action_at), Number(last.id)];
    }
    times.push(performance.now() - t0);
  }
  const plan = await s.database.client.execute({ sql: `EXPLAIN QUERY PLAN ${page}`, args: [NOW, null, null, null, null] });
  return { ms: times.sort((a, b) => a - b)[Math.floor(QUERY_REPS / 2)]!, plan: plan.rows.map((r) => String(r.detail)).join('; ') };
}

interface Result {
  n: number;
  seedS: number;
  query: { indexed: number; baseline: number };
  sweep: { indexed: number; baseline: number };
  plans: { indexed: string; baseline: string };
  messages: number;
}

async function measure(n: number): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'sla-bench-'));
  try {
    const seeded = join(dir, 'seed.db');
    const seedS = await seed(seeded, n);
    const out = { query: {}, sweep: {}, plans: {} } as Result;
    for (const variant of ['indexed', 'baseline'] as const) {
      const sweeps: number[] = [];
      for (let rep = 0; rep < SWEEP_REPS; rep++) {
        // A sweep changes what is due, so every repetition starts from a fresh copy.
        const file = join(dir, `${variant}-${rep}.db`);
        copyFileSync(seeded, file);
        const s = await services(file);
        if (variant === 'baseline') await s.database.client.execute('DROP INDEX deadlines_next_action_idx');
        if (rep === 0) {
          const q = await dueQueryMs(s);
          out.query[variant] = q.ms;
          out.plans[variant] = q.plan;
        }
        const t0 = performance.now();
        const summary = await sweep(s, new Date(NOW));
        sweeps.push(performance.now() - t0);
        if (summary.due !== DUE) throw new Error(`expected ${DUE} due, swept ${summary.due}`);
        out.messages = Number(summary.messages);
        s.database.close();
        rmSync(file, { force: true });
      }
      out.sweep[variant] = sweeps.sort((a, b) => a - b)[Math.floor(SWEEP_REPS / 2)]!;
    }
    return { ...out, n, seedS };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(0));
await measure(2 * DUE); // warm-up: JIT, time-zone formatters, page cache
const results: Result[] = [];
for (const n of sizes) {
  const r = await measure(n);
  results.push(r);
  console.log(
    `${n.toLocaleString('en-US')} open, ${DUE} due: due query ${fmt(r.query.indexed)} ms (no index ${fmt(r.query.baseline)} ms); full sweep ${fmt(r.sweep.indexed)} ms (no index ${fmt(r.sweep.baseline)} ms); ${r.messages} messages; seeded in ${r.seedS.toFixed(1)} s`,
  );
}
console.log(`plan with index:    ${results[0]!.plans.indexed}`);
console.log(`plan without index: ${results[0]!.plans.baseline}`);

writeSection(
  'SLA sweep',
  [
    machineLine(),
    '',
    'Reproduce: `npx tsx bench/sla-sweep.bench.ts` (add `BENCH_1M=1` for the 1M row; seeding it takes minutes).',
    '',
    `One sweep at a moment when ${DUE} deadlines are due (${DUE * 0.8} reminders, ${DUE * 0.2} breaches; ${OWNERS} owners → one card per person, one for the supervisor, one team-chat message). Embedded libSQL file (WAL).`,
    '"Due query" is the sweep\'s selection alone (keyset pages of 500, median of 5); "full sweep" (median of 3, each on a fresh copy) adds the ledger, outbox and deadline updates.',
    'Baseline = the same database with `deadlines_next_action_idx` dropped.',
    '',
    '| open deadlines | due | due query, indexed (ms) | due query, no index (ms) | full sweep, indexed (ms) | full sweep, no index (ms) | seeding (s) |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.n.toLocaleString('en-US')} | ${DUE} | ${fmt(r.query.indexed)} | ${fmt(r.query.baseline)} | ${fmt(r.sweep.indexed)} | ${fmt(r.sweep.baseline)} | ${r.seedS.toFixed(1)} |`),
    '',
    `Query plan with the index: \`${results[0]!.plans.indexed}\`; without: \`${results[0]!.plans.baseline}\`.`,
    '',
    KEPT,
  ].join('\n'),
);
console.log('wrote the "SLA sweep" section of docs/BENCHMARKS.md');
