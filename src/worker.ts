/**
 * Cloudflare Workers entry: `fetch` is the same Hono app as on Node; `scheduled` runs, on each
 * 5-minute tick, every job whose schedule fell in the tick's window in BUSINESS_TZ, then finishes
 * pending inbox and outbox work. After a response, work continues under ctx.waitUntil; whatever
 * is left is picked up by the next tick.
 */
import { parseConfig } from './config';
import { createRuntime, type Runtime } from './deps';
import { firedInTick } from './platform/jobs/tick';
import { runJob } from './platform/jobs/runner';

interface WaitUntil {
  waitUntil(p: Promise<unknown>): void;
}

let runtime: Promise<Runtime> | undefined;
/** The current invocation's context: background work of the shared runtime is attached to it. */
let current: WaitUntil | undefined;

function getRuntime(env: Record<string, unknown>): Promise<Runtime> {
  runtime ??= createRuntime(parseConfig(Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')) as Record<string, string>), {
    runInBackground: (p) => (current ? current.waitUntil(p) : void p),
  }).catch((err) => {
    runtime = undefined; // a bad start (database down) is retried on the next request
    throw err;
  });
  return runtime;
}

export default {
  async fetch(request: Request, env: Record<string, unknown>, ctx: WaitUntil): Promise<Response> {
    current = ctx;
    const rt = await getRuntime(env);
    return rt.app.fetch(request);
  },

  async scheduled(event: { scheduledTime: number }, env: Record<string, unknown>, ctx: WaitUntil): Promise<void> {
    current = ctx;
    const rt = await getRuntime(env);
    const tz = rt.services.config.BUSINESS_TZ;
    const at = new Date(event.scheduledTime);
    for (const job of rt.bot.jobs.values()) {
      if (!firedInTick(job.schedule, at, tz)) continue;
      await runJob(rt.services, job, at).catch((err) => rt.services.log.error('job failed', { job: job.name, err }));
    }
    await rt.drain();
  },
};
