/**
 * Cloudflare Workers entry: `fetch` is the same Hono app as on Node; `scheduled` runs, on each
 * 5-minute tick, every job whose schedule fell in the tick's window in BUSINESS_TZ, then finishes
 * pending inbox and outbox work. After a response, work continues under ctx.waitUntil; whatever
 * is left is picked up by the next tick.
 *
 * One runtime (database client, bot, SDK client) serves every invocation of the isolate, and
 * invocations run concurrently. Each invocation's context travels with its own async work
 * (AsyncLocalStorage, which workerd provides under nodejs_compat), so the background work a request
 * starts is kept alive by that request's ctx.waitUntil — never by whichever request came last.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { parseConfig } from './config';
import { createRuntime, type Runtime } from './deps';
import { firedInTick } from './platform/jobs/tick';
import { createLogger } from './platform/logger';
import { runJob } from './platform/jobs/runner';

interface WaitUntil {
  waitUntil(p: Promise<unknown>): void;
}

let runtime: Promise<Runtime> | undefined;
/** The invocation (fetch or scheduled) whose async work is running. */
const invocation = new AsyncLocalStorage<WaitUntil>();

function getRuntime(env: Record<string, unknown>): Promise<Runtime> {
  if (runtime) return runtime;
  const config = parseConfig(Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')) as Record<string, string>);
  const log = createLogger(config.LOG_LEVEL);
  runtime = createRuntime(config, {
    log,
    runInBackground: (p) => {
      const settled = p.catch((err) => log.error('background task failed', { err }));
      // Outside any invocation (none here today) the work runs unattached; the next cron tick catches up.
      invocation.getStore()?.waitUntil(settled);
    },
  }).catch((err) => {
    runtime = undefined; // a bad start (database down) is retried on the next request
    throw err;
  });
  return runtime;
}

export default {
  fetch(request: Request, env: Record<string, unknown>, ctx: WaitUntil): Promise<Response> {
    return invocation.run(ctx, async () => {
      const rt = await getRuntime(env);
      return rt.app.fetch(request);
    });
  },

  scheduled(event: { scheduledTime: number }, env: Record<string, unknown>, ctx: WaitUntil): Promise<void> {
    return invocation.run(ctx, async () => {
      const rt = await getRuntime(env);
      const tz = rt.services.config.BUSINESS_TZ;
      const at = new Date(event.scheduledTime);
      for (const job of rt.bot.jobs.values()) {
        if (!firedInTick(job.schedule, at, tz)) continue;
        await runJob(rt.services, job, at).catch((err) => rt.services.log.error('job failed', { job: job.name, err }));
      }
      await rt.drain();
    });
  },
};
