import { startServer } from '../../src/server';
import { InboxProcessor } from '../../src/platform/feishu/inbox';

/**
 * Bench target (a): the real Salesdesk server in webhook mode; env comes from the parent. Prints its URL.
 * BENCH_PAUSE_PROCESSING=1 (diagnostic only) leaves committed events unprocessed, to show what the
 * ack path alone costs; the request path is unchanged.
 */
if (process.env.BENCH_PAUSE_PROCESSING === '1') InboxProcessor.prototype.kick = () => Promise.resolve();
const server = await startServer(process.env);
console.log(JSON.stringify({ url: server.url }));
process.once('SIGTERM', () => {
  server.stop().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
});
