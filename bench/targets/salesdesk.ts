import { startServer } from '../../src/server';
import { trackLoopDelay } from './loop-delay';

/**
 * Bench target (a): the real Salesdesk server in webhook mode; env comes from the parent. Prints its URL.
 * BENCH_PAUSE_PROCESSING=1 (diagnostic only) leaves committed events unprocessed, to show what the
 * ack path alone costs; the request path is unchanged.
 */
const loopDelay = trackLoopDelay();
const pause = process.env.BENCH_PAUSE_PROCESSING === '1';
// Paused: processing stays on this thread (where it can be stopped) instead of its own thread.
const server = await startServer(process.env, pause ? { processing: 'inline' } : {});
if (pause) server.runtime.inbox.stop();
console.log(JSON.stringify({ url: server.url }));
process.once('SIGTERM', () => {
  console.log(JSON.stringify(loopDelay()));
  server.stop().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
});
