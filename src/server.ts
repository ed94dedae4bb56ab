import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { schedule, type ScheduledTask } from 'node-cron';
import type { AddressInfo } from 'node:net';
import { ConfigError, parseConfig, type Config } from './config';
import { createRuntime, type Runtime, type RuntimeOptions } from './deps';
import { createLocalFeishu, localEnv } from './local/local-mode';
import { runJob } from './platform/jobs/runner';
import { startLongConnection } from './platform/feishu/long-connection';
import { createLogger } from './platform/logger';
import { ShiftableClock, systemClock } from './platform/clock';

/**
 * Node entry: one HTTP server (events, cards, health; in local mode also the fake Open API and
 * the simulator), node-cron for the jobs, and a graceful stop on SIGTERM.
 */
export async function startServer(env: Record<string, string | undefined> = process.env, opts: Omit<RuntimeOptions, 'clock'> = {}) {
  let config: Config = parseConfig(env);
  const local = config.FEISHU_MODE === 'local' ? createLocalFeishu() : undefined;
  // Local mode is someone trying it at a terminal: the URL and warnings, not a line per event.
  const log = createLogger(local && env.LOG_LEVEL === undefined ? 'warn' : config.LOG_LEVEL);
  const clock = local ? new ShiftableClock() : systemClock;

  // Phase 1 serves only the fake Open API (local mode): the runtime reads the bot's identity through it.
  const starting = new Hono();
  if (local) starting.route('/', local.app);
  starting.all('*', (c) => c.json({ ok: false, starting: true }, 503));
  let handle: (req: Request) => Response | Promise<Response> = starting.fetch;

  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: (req) => handle(req), port: config.PORT, hostname: config.HOST }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  if (local) {
    config = parseConfig({ ...env, ...localEnv(port) });
    local.state.now = () => clock.now().getTime();
  }

  // The in-process fake has no per-chat rate limit: local mode need not pace like Feishu.
  const outbox = local ? { perChatPerSecond: 1000, ...opts.outbox } : opts.outbox;
  // Handlers on their own thread keep acks fast; local mode keeps one thread (its clock can be moved).
  const processing = opts.processing ?? (!local && config.DATABASE_URL.startsWith('file:') ? 'thread' : 'inline');
  const rt: Runtime = await createRuntime(config, { log, ...opts, outbox, clock, processing });
  const app = new Hono();
  if (local) {
    app.route('/', local.app);
    // Loaded only in local mode: production servers carry no simulator code path.
    const { createSimulator } = await import('./local/simulator');
    app.route('/', await createSimulator({ runtime: rt, fake: local.state, clock: clock as ShiftableClock, autoSeed: config.LOCAL_DEMO }));
  }
  app.route('/', rt.app);
  handle = app.fetch;
  await rt.drain();

  const longConnection =
    config.FEISHU_MODE === 'ws'
      ? startLongConnection({ appId: config.FEISHU_APP_ID!, appSecret: config.FEISHU_APP_SECRET!, baseUrl: config.FEISHU_BASE_URL, ingest: rt.ingest, clock, log, encryptKey: config.FEISHU_ENCRYPT_KEY })
      : undefined;
  const tasks: ScheduledTask[] = [];
  if (config.CRON_ENABLED) {
    for (const job of rt.bot.jobs.values()) {
      tasks.push(
        schedule(job.schedule, async () => {
          await runJob(rt.services, job, rt.services.clock.now()).catch(() => undefined);
          rt.wake();
        }, { timezone: config.BUSINESS_TZ, name: job.name, noOverlap: true }),
      );
    }
  }
  // Safety net: retries whose timer was lost, events acked by another instance.
  const poll = setInterval(() => rt.wake(), 5000);
  poll.unref();

  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;
  log.info('salesdesk started', { url, mode: config.FEISHU_MODE, database: config.DATABASE_URL.replace(/\/\/.*@/, '//***@'), jobs: rt.bot.jobs.size, cron: config.CRON_ENABLED });
  if (local) console.log(`\n  Salesdesk 本地模式 / local mode: open ${url}/ in your browser\n`);

  async function stop(): Promise<void> {
    clearInterval(poll);
    longConnection?.close();
    for (const t of tasks) await t.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rt.close();
  }
  return { url, port, runtime: rt, stop, local };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  startServer().then(
    ({ stop }) => {
      let stopping = false;
      const onSignal = (sig: string) => {
        if (stopping) return;
        stopping = true;
        console.error(`${sig}: finishing in-flight work…`);
        stop().then(() => process.exit(0), () => process.exit(1));
      };
      process.on('SIGTERM', () => onSignal('SIGTERM'));
      process.on('SIGINT', () => onSignal('SIGINT'));
    },
    (err) => {
      console.error(err instanceof ConfigError ? err.message : err);
      process.exit(1);
    },
  );
}
