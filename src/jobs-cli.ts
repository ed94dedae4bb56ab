/**
 * `npm run job -- <name> [--now <ISO time>]` runs one job as if the clock read --now, sends what
 * it would send, and exits 0. `npm run job -- --list` prints the names. The same job for the same
 * moment twice sends nothing twice (the job lease and the reminder ledger).
 *
 * `--list` opens nothing (no database, no Open API). In local mode (no Feishu credentials) a job
 * only queues its messages; the running local server sends them.
 */
import { collectJobs } from './bot';
import { ConfigError, parseConfig } from './config';
import { createRuntime } from './deps';
import { modules } from './modules';
import { runJob } from './platform/jobs/runner';

async function main(argv: string[]): Promise<number> {
  const config = parseConfig(process.env);
  const nowIdx = argv.indexOf('--now');
  const nowArg = nowIdx >= 0 ? argv[nowIdx + 1] : undefined;
  const name = argv.find((a, i) => !a.startsWith('--') && (nowIdx < 0 || i !== nowIdx + 1));
  const jobs = collectJobs(modules);
  if (argv.includes('--list') || !name) {
    for (const job of jobs.values()) console.log(`${job.name.padEnd(24)} ${job.schedule.padEnd(14)} ${job.description}`);
    return argv.includes('--list') ? 0 : 2;
  }
  const job = jobs.get(name);
  if (!job) {
    console.error(`Unknown job "${name}". Known jobs: ${[...jobs.keys()].join(', ')}`);
    return 2;
  }
  if (nowIdx >= 0 && nowArg === undefined) {
    console.error('--now needs a time, e.g. --now 2026-12-04T09:00:00+08:00');
    return 2;
  }
  const now = nowArg ? new Date(nowArg) : new Date();
  if (Number.isNaN(now.getTime())) {
    console.error(`--now "${nowArg}" is not an ISO-8601 time (e.g. 2026-12-04T09:00:00+08:00)`);
    return 2;
  }
  const runtime = await createRuntime(config, { recover: false });
  try {
    const outcome = await runJob(runtime.services, runtime.bot.jobs.get(name)!, now);
    if (config.FEISHU_MODE === 'local') {
      console.log('local mode: messages are queued; the running local server sends them.');
    } else {
      await runtime.outbox.kick();
      await runtime.outbox.idle();
    }
    console.log(JSON.stringify({ job: job.name, now: now.toISOString(), ...(outcome.ran ? { ran: true, ...outcome.summary } : { ran: false, reason: outcome.reason }) }));
    return 0;
  } finally {
    await runtime.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  },
);
