/**
 * A fake of Feishu's long-connection gateway, for tests: the real `WSClient` of @larksuiteoapi/node-sdk
 * connects to it exactly as it would to open.feishu.cn, so FEISHU_MODE=ws can run end to end.
 *
 * What the SDK (1.74, `lib/index.js` class WSClient) does, and what this answers:
 * 1. `POST {domain}/callback/ws/endpoint` with `{AppID, AppSecret}` → `{code: 0, data: {URL, ClientConfig}}`.
 *    The URL carries `device_id` and `service_id` in its query; ClientConfig's intervals are in seconds.
 *    Wrong credentials get a non-zero code (the SDK then gives up, it does not retry).
 * 2. A WebSocket to that URL. Every message is a protobuf `pbbp2.Frame` {SeqID, LogID, service, method,
 *    headers[{key, value}], payloadEncoding, payloadType, payload, LogIDNew}: method 0 = control
 *    (headers `type: ping|pong`), 1 = data (headers `type: event|card`, `message_id`, `sum`, `seq`,
 *    `trace_id`). A payload may be split over `sum` frames (`seq` 0…sum-1) that share a message_id.
 * 3. The client answers each data frame by sending the same frame back with a `biz_rt` header and the payload
 *    `{code, data?}`, `data` being base64 of the handler's JSON answer (a card callback's toast and card).
 * 4. The client pings (control, type ping) every PingInterval; the gateway answers with a pong whose payload
 *    is ClientConfig again.
 *
 * Everything else on the same port (the Open API under /open-apis) goes to `fallback`, so one base URL
 * serves both, as open.feishu.cn does: pass the fake Open API's Hono `fetch` there.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import protobuf from 'protobufjs';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeLongConnectionOptions {
  appId: string;
  appSecret: string;
  /** Requests that are not the gateway's (e.g. the fake Open API's `app.fetch`). Default: 404. */
  fallback?: (req: Request) => Response | Promise<Response>;
}

/** What the client answered to one pushed data frame. */
export interface LongConnectionAck {
  /** 200 when the handler returned, 500 when it threw. */
  code: number;
  /** The handler's answer (decoded from the base64 `data`), if it returned one. */
  answer?: unknown;
  headers: Record<string, string>;
}

export interface FakeLongConnection {
  /** `http://127.0.0.1:PORT`: the SDK's `domain` (FEISHU_BASE_URL). */
  readonly url: string;
  /** Every `/callback/ws/endpoint` request body, in order. */
  readonly endpointRequests: Array<Record<string, unknown>>;
  /** Pings received from clients. */
  readonly pings: number;
  /** Open sockets. */
  clients(): number;
  /**
   * Resolves once a client is connected and listening. The SDK sends its first ping when the socket opens
   * and attaches its frame listener right after (before any I/O is handled), so a socket that has pinged is
   * one whose frames will be read; a frame pushed earlier could be lost.
   */
  waitForClient(timeoutMs?: number): Promise<void>;
  /**
   * Sends a data frame (`type` header `event` or `card`) carrying `payload` as JSON, split over `fragments`
   * frames, to the newest client; resolves with the client's ack of it. Rejects when no ack comes in time.
   */
  push(type: 'event' | 'card', payload: unknown, opts?: { fragments?: number; timeoutMs?: number }): Promise<LongConnectionAck>;
  close(): Promise<void>;
}

// The frame schema, as the SDK's generated pbbp2 code encodes it (field numbers and types).
const root = protobuf.Root.fromJSON({
  nested: {
    pbbp2: {
      nested: {
        Header: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Frame: {
          fields: {
            SeqID: { type: 'uint64', id: 1 },
            LogID: { type: 'uint64', id: 2 },
            service: { type: 'int32', id: 3 },
            method: { type: 'int32', id: 4 },
            headers: { rule: 'repeated', type: 'Header', id: 5 },
            payloadEncoding: { type: 'string', id: 6 },
            payloadType: { type: 'string', id: 7 },
            payload: { type: 'bytes', id: 8 },
            LogIDNew: { type: 'string', id: 9 },
          },
        },
      },
    },
  },
});
const FrameType = root.lookupType('pbbp2.Frame');

interface Frame {
  SeqID: number;
  LogID: number;
  service: number;
  method: number;
  headers: Array<{ key: string; value: string }>;
  payload?: Uint8Array;
}

const CONTROL = 0;
const DATA = 1;
const SERVICE_ID = 1;
/** Seconds, as the gateway sends them. Long enough that no ping or reconnect happens inside a test. */
const CLIENT_CONFIG = { PingInterval: 120, ReconnectCount: -1, ReconnectInterval: 120, ReconnectNonce: 30 };

export const encodeFrame = (frame: Frame): Uint8Array => FrameType.encode(FrameType.fromObject(frame)).finish();
export function decodeFrame(bytes: Uint8Array): Frame {
  const f = FrameType.toObject(FrameType.decode(bytes), { longs: Number, defaults: true }) as Frame;
  return { ...f, headers: f.headers ?? [] };
}
const headerMap = (f: Frame) => Object.fromEntries(f.headers.map((h) => [h.key, h.value]));

export async function startFakeLongConnection(opts: FakeLongConnectionOptions): Promise<FakeLongConnection> {
  const endpointRequests: Array<Record<string, unknown>> = [];
  const sockets: WebSocket[] = [];
  const listening = new Set<WebSocket>();
  const waitingAcks = new Map<string, (ack: LongConnectionAck) => void>();
  let pings = 0;
  let port = 0;
  let seq = 0;

  const app = new Hono();
  app.post('/callback/ws/endpoint', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
    endpointRequests.push(body);
    if (body.AppID !== opts.appId || body.AppSecret !== opts.appSecret) return c.json({ code: 514, msg: 'auth failed: app id or secret is wrong', data: {} });
    const URL = `ws://127.0.0.1:${port}/ws?device_id=fake-device&service_id=${SERVICE_ID}&access_key=${randomBytes(8).toString('hex')}`;
    return c.json({ code: 0, msg: 'ok', data: { URL, ClientConfig: CLIENT_CONFIG } });
  });
  app.all('*', (c) => (opts.fallback ? opts.fallback(c.req.raw) : c.json({ code: 404, msg: 'not found' }, 404)));

  const server = createAdaptorServer({ fetch: app.fetch, hostname: '127.0.0.1' }) as Server;
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!req.url?.startsWith('/ws?')) return void socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      ws.on('close', () => {
        sockets.splice(sockets.indexOf(ws), 1);
        listening.delete(ws);
      });
      ws.on('message', (data: Buffer) => {
        const frame = decodeFrame(new Uint8Array(data));
        const h = headerMap(frame);
        if (frame.method === CONTROL && h.type === 'ping') {
          pings++;
          listening.add(ws);
          const pong: Frame = { SeqID: 0, LogID: 0, service: SERVICE_ID, method: CONTROL, headers: [{ key: 'type', value: 'pong' }], payload: Buffer.from(JSON.stringify(CLIENT_CONFIG)) };
          ws.send(encodeFrame(pong));
          return;
        }
        if (frame.method !== DATA || !h.message_id) return;
        const resolve = waitingAcks.get(h.message_id);
        if (!resolve) return;
        waitingAcks.delete(h.message_id);
        const reply = JSON.parse(Buffer.from(frame.payload ?? new Uint8Array()).toString('utf8')) as { code: number; data?: string };
        resolve({ code: reply.code, answer: reply.data ? JSON.parse(Buffer.from(reply.data, 'base64').toString('utf8')) : undefined, headers: h });
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    endpointRequests,
    get pings() {
      return pings;
    },
    clients: () => sockets.length,
    async waitForClient(timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (listening.size === 0) {
        if (Date.now() > until) throw new Error(`no long-connection client connected within ${timeoutMs} ms (endpoint requests: ${JSON.stringify(endpointRequests)})`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    push(type, payload, { fragments = 1, timeoutMs = 10_000 } = {}) {
      const ws = [...listening].at(-1);
      if (!ws) return Promise.reject(new Error('no long-connection client is connected and listening (see waitForClient)'));
      const messageId = `msg_${randomBytes(8).toString('hex')}`;
      const bytes = Buffer.from(JSON.stringify(payload), 'utf8');
      const size = Math.ceil(bytes.length / fragments);
      const acked = new Promise<LongConnectionAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          waitingAcks.delete(messageId);
          reject(new Error(`no ack for the ${type} frame ${messageId} within ${timeoutMs} ms`));
        }, timeoutMs);
        waitingAcks.set(messageId, (ack) => {
          clearTimeout(timer);
          resolve(ack);
        });
      });
      seq++;
      for (let i = 0; i < fragments; i++) {
        const frame: Frame = {
          SeqID: seq,
          LogID: seq,
          service: SERVICE_ID,
          method: DATA,
          headers: [
            { key: 'type', value: type },
            { key: 'message_id', value: messageId },
            { key: 'sum', value: String(fragments) },
            { key: 'seq', value: String(i) },
            { key: 'trace_id', value: `trace_${messageId}` },
          ],
          payload: bytes.subarray(i * size, (i + 1) * size),
        };
        ws.send(encodeFrame(frame));
      }
      return acked;
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
