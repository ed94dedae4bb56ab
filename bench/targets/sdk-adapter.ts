import * as lark from '@larksuiteoapi/node-sdk';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trackLoopDelay } from './loop-delay';

/** Bench target (b): the Feishu SDK's official Node adapter (verify + decrypt, no durable inbox, no dedupe). */
const loopDelay = trackLoopDelay();
let handled = 0;
const dispatcher = new lark.EventDispatcher({
  encryptKey: process.env.FEISHU_ENCRYPT_KEY,
  verificationToken: process.env.FEISHU_VERIFICATION_TOKEN,
  loggerLevel: lark.LoggerLevel.error,
}).register({ 'im.message.receive_v1': async () => void handled++ });
const server = createServer(lark.adaptDefault('/feishu/events', dispatcher, { autoChallenge: true }));
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
// The adapter answers 200 even when the signature is wrong: report how many events really reached the handler.
process.once('SIGTERM', () => {
  console.log(JSON.stringify({ handled, ...loopDelay() }));
  process.exit(0);
});
