import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { trackLoopDelay } from './loop-delay';

/** Bench target (c): a bare Hono hello-world route on @hono/node-server — the HTTP stack's ceiling. */
const loopDelay = trackLoopDelay();
const app = new Hono();
app.post('/feishu/events', (c) => c.text('Hello Hono!'));
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
  console.log(JSON.stringify({ url: `http://127.0.0.1:${info.port}` })),
);
process.once('SIGTERM', () => {
  console.log(JSON.stringify(loopDelay()));
  server.close(() => process.exit(0));
});
