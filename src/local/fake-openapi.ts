/**
 * A fake Feishu (Lark) Open API: a real HTTP server that the real `@larksuiteoapi/node-sdk` `Client` talks to
 * when created with `domain: fake.url`.
 *
 * Two users:
 * - the test suite (`startFakeOpenApi()` → assert on `calls` / `messages`, inject faults, move `now`);
 * - local mode, which mounts the same routes on its own Hono app (`createFakeOpenApi()`) and streams what the bot
 *   sends to a browser simulator (`onMessage`).
 *
 * What it implements, following /work/shared/FEISHU.md §4 (envelope `{code, msg, data}`, IM errors are HTTP 400):
 * - `POST /open-apis/auth/v3/tenant_access_token/internal` and `…/app_access_token/internal`
 * - `GET  /open-apis/bot/v3/info`
 * - `POST /open-apis/im/v1/messages?receive_id_type=…` (send; `uuid` de-duplicates for 1 hour)
 * - `POST /open-apis/im/v1/messages/:message_id/reply`
 * - `PATCH /open-apis/im/v1/messages/:message_id` (update a shared card, 14-day window)
 * - `PATCH /open-apis/im/v1/messages/:message_id/urgent_app`
 * - `POST /open-apis/interactive/v1/card/update` (delayed update with a "c-…" callback token: 2 uses, 30 min)
 * - `GET  /open-apis/contact/v3/users/:user_id`
 * - `POST /open-apis/im/v1/files` (multipart upload; the bytes are kept in `files`)
 * Anything else under /open-apis answers 404 `{code:404,msg:"not found"}`.
 *
 * Clocks: `now()` (replaceable) is the message clock: create/update times, the 14-day patch window, the 1-hour
 * uuid window and the 30-minute card-token window. Tenant tokens, the per-chat QPS window and `FakeCall.at` use
 * the wall clock, so moving `now` forward never invalidates the token the SDK has cached (use `expireTokens()`).
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAdaptorServer } from '@hono/node-server';
import { Hono, type Context, type Handler, type HonoRequest, type MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

// ─── Public types ────────────────────────────────────────────────────────────────────────────────────────────

/**
 * What an injected failure looks like to the caller:
 * - `server_error`: HTTP 500 `{code: 1}`, nothing done;
 * - `rate_limit`: HTTP 429 `{code: 99991400}` with `x-ogw-ratelimit-*` headers, nothing done;
 * - `frequency_limit`: HTTP 400 `{code: 230020}`, nothing done;
 * - `token_expired`: every issued tenant token is invalidated, HTTP 400 `{code: 99991663}`;
 * - `lost_response`: the call **takes effect** (the message is posted, the card patched) and then the
 *   answer is lost — the caller gets the same HTTP 500 as `server_error` and cannot tell the two apart.
 *   Only Feishu's `uuid` keeps the retry from posting a second message.
 */
export type Fault = 'server_error' | 'rate_limit' | 'frequency_limit' | 'token_expired' | 'lost_response';
export type MessageEventKind = 'create' | 'reply' | 'patch' | 'card_update';
export type ReceiveIdType = 'open_id' | 'chat_id' | 'user_id' | 'union_id' | 'email';

export interface FakeMessage {
  message_id: string;
  chat_id: string;
  /** As given to the send call (absent for replies and incoming messages). */
  receive_id?: string;
  receive_id_type?: string;
  msg_type: string;
  /** JSON string exactly as sent (or as last patched / updated). */
  content: string;
  parent_id?: string;
  root_id?: string;
  thread_id?: string;
  uuid?: string;
  /** `app` for what the bot sent; `user` for messages registered with `addIncomingMessage`. */
  sender_type: 'app' | 'user';
  /** The app_id for the bot, the user's open_id otherwise. */
  sender_id: string;
  /** ms, from `now()` */
  create_time: number;
  update_time: number;
  /** How many times the message was patched or updated through a card token. */
  updates: number;
}

export interface FakeCall {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body; for multipart uploads the fields, with files summarised as `{name, size, type}`. */
  body: unknown;
  status: number;
  /** Feishu `code` of the reply (-1 if the reply had none). */
  code: number;
  /** The fault injected into this call, if any (a `lost_response` call did take effect). */
  fault?: Fault;
  /** Wall-clock ms when the request arrived. */
  at: number;
}

export interface FakeUser {
  open_id: string;
  name: string;
  en_name?: string;
  user_id?: string;
  union_id?: string;
  email?: string;
}

export interface FakeFile {
  file_key: string;
  file_type: string;
  file_name: string;
  bytes: Buffer;
  duration?: number;
}

export interface FakeUrgent {
  message_id: string;
  user_id_type: string;
  user_ids: string[];
  at: number;
}

export interface FakeOpenApiOptions {
  appId?: string; // default 'cli_test'
  appSecret?: string; // default 'secret'
  botOpenId?: string; // default 'ou_bot'
  botName?: string; // default 'SalesDesk'
  users?: FakeUser[];
  /** Sends + replies allowed per chat per second (sliding window); beyond that → 400 / 230020. 0 = off (default). */
  perChatQps?: number;
  /** Value of the `x-ogw-ratelimit-reset` header on injected 429s, in seconds. Default 0 so tests stay fast. */
  rateLimitResetSeconds?: number;
  /** Lifetime of issued tenant tokens. Default 7200 (Feishu's maximum). */
  tokenTtlSeconds?: number;
}

export interface StartFakeOpenApiOptions extends FakeOpenApiOptions {
  /** Default 0 = any free port. The server always binds 127.0.0.1. */
  port?: number;
}

export interface IncomingMessageInput {
  chat_id: string;
  sender_open_id: string;
  msg_type?: string; // default 'text'
  content: string;
  message_id?: string; // default a fresh om_…
  parent_id?: string;
  root_id?: string;
}

/** Everything a test or the simulator can see and steer. */
export interface FakeOpenApiState {
  readonly appId: string;
  readonly bot: { readonly open_id: string; readonly app_name: string };
  /** Every /open-apis request, in completion order, with its outcome. */
  readonly calls: FakeCall[];
  readonly messages: Map<string, FakeMessage>;
  readonly users: Map<string, FakeUser>;
  readonly files: Map<string, FakeFile>;
  readonly urgents: FakeUrgent[];
  /** Message clock (see the module comment). Replace it to travel in time; `reset()` restores `Date.now`. */
  now: () => number;

  addUser(user: FakeUser): void;
  /** Registers a message a user sent to the bot (so the bot can reply to it). Not reported to `onMessage`. */
  addIncomingMessage(input: IncomingMessageInput): FakeMessage;
  /** The "c-…" token a card callback would carry for this message (for `/interactive/v1/card/update`). */
  issueCardToken(messageId: string): string;

  /** Fail the next `n` matching calls with `fault`. Matching = path starts with `pathPrefix`, or by default the
   * message endpoints (send, reply, patch, card/update, files). Rules queue up in call order. */
  failNext(n: number, fault: Fault, pathPrefix?: string): void;
  /** Fail a fraction of message-endpoint calls at random (seeded, deterministic). `rate` 0 turns it off. */
  setFailureRate(rate: number, faults?: Fault[], seed?: number): void;
  /** Delay every request by `ms`. */
  setLatency(ms: number): void;
  setPerChatQps(qps: number): void;
  /** Invalidates every issued tenant token: requests get 400 / 99991663 until a new token is fetched. */
  expireTokens(): void;

  /** For the simulator: called with a snapshot of each message the bot creates or changes. Returns unsubscribe. */
  onMessage(listener: (message: FakeMessage, kind: MessageEventKind) => void): () => void;
  /** Messages in a chat (a chat_id, or an open_id for its p2p chat with the bot), oldest first. */
  messagesIn(chatOrOpenId: string): FakeMessage[];
  /** Polls `probe` every 10 ms until it returns something truthy; rejects with a description on timeout. */
  waitFor<T>(
    probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
    timeoutMs?: number,
  ): Promise<T>;
  /** Clears calls, messages, files, urgents, uuids, card tokens, faults, latency and `now`; keeps users and tokens. */
  reset(): void;
}

export interface FakeOpenApi extends FakeOpenApiState {
  /** `http://127.0.0.1:PORT`, no trailing slash: pass it as the SDK's `domain`. */
  readonly url: string;
  close(): Promise<void>;
}

/** The chat a message sent with `receive_id_type=open_id` lands in. */
export const p2pChatId = (openId: string): string => `oc_p2p_${openId}`;

/** Builds the routes without listening, e.g. to mount them on local mode's app: `app.route('/', fake.app)`. */
export function createFakeOpenApi(options: FakeOpenApiOptions = {}): { app: Hono<FakeEnv>; state: FakeOpenApiState } {
  const fake = new FakeFeishu(options);
  return { app: fake.app, state: fake };
}

/** Starts the fake on 127.0.0.1. */
export async function startFakeOpenApi(options: StartFakeOpenApiOptions = {}): Promise<FakeOpenApi> {
  const fake = new FakeFeishu(options);
  const server = createAdaptorServer({ fetch: fake.app.fetch, hostname: '127.0.0.1' }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections(); // the SDK's axios keeps connections alive
    });
  return Object.assign(fake, { url: `http://127.0.0.1:${port}`, close });
}

// ─── Feishu constants ────────────────────────────────────────────────────────────────────────────────────────

const KB = 1024;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const PATCH_WINDOW_MS = 14 * DAY;
const UUID_WINDOW_MS = HOUR;
const CARD_TOKEN_TTL_MS = 30 * MINUTE;
const CARD_TOKEN_USES = 2;
/** Feishu hands out a fresh tenant token once the current one has less than this left. */
const TOKEN_REFRESH_WINDOW_MS = 30 * MINUTE;
const MAX_FILE_BYTES = 30 * KB * KB;

const RECEIVE_ID_TYPES: readonly string[] = ['open_id', 'chat_id', 'user_id', 'union_id', 'email'];
const USER_ID_TYPES: readonly string[] = ['open_id', 'user_id', 'union_id'];
const MSG_TYPES: readonly string[] = [
  'text', 'post', 'image', 'file', 'audio', 'media', 'sticker', 'interactive', 'share_chat', 'share_user', 'system',
];
/** The FakeUser field each non-open_id id type is looked up by. */
const USER_LOOKUP_FIELDS: Readonly<Record<string, 'user_id' | 'union_id' | 'email' | undefined>> = {
  user_id: 'user_id',
  union_id: 'union_id',
  email: 'email',
};
const FILE_TYPES: readonly string[] = ['opus', 'mp4', 'pdf', 'doc', 'xls', 'ppt', 'stream'];
/** Content byte limits per msg_type (text 150 KB, cards and rich text 30 KB). */
const CONTENT_LIMITS: Readonly<Record<string, number>> = { text: 150 * KB, post: 30 * KB, interactive: 30 * KB };
const CARD_LIMIT = 30 * KB;

const DEFAULT_RANDOM_FAULTS: readonly Fault[] = ['server_error', 'rate_limit', 'frequency_limit'];

// ─── Replies ─────────────────────────────────────────────────────────────────────────────────────────────────

interface Reply {
  status: ContentfulStatusCode;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Thrown by handlers; turned into the reply it carries. */
class FeishuError extends Error {
  constructor(readonly reply: Reply) {
    super(`${reply.status} ${String(reply.body.code)} ${String(reply.body.msg)}`);
  }
}

const success = (data?: Record<string, unknown>): Reply => ({
  status: 200,
  body: data === undefined ? { code: 0, msg: 'success' } : { code: 0, msg: 'success', data },
});

const failure = (status: ContentfulStatusCode, code: number, msg: string, headers?: Record<string, string>) =>
  new FeishuError({ status, body: { code, msg }, headers });

const invalidParam = (msg: string) => failure(400, 230001, msg);
const missingToken = () =>
  failure(400, 99991661, 'Missing access token for authorization. Please make a request with token attached.');
const invalidToken = () =>
  failure(400, 99991663, 'Invalid access token for authorization. Please make a request with token attached.');
const frequencyLimit = () => failure(400, 230020, 'This operation triggers the frequency limit');
const messageNotFound = () => invalidParam('message not found');

// ─── Small helpers ───────────────────────────────────────────────────────────────────────────────────────────

export type FakeEnv = { Variables: { body: unknown; fault?: Fault } };
type EndpointKind = 'public' | 'api' | 'message';

const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const asRecord = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});

function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') throw invalidParam(`invalid parameter: ${field} is required`);
  return value;
}

function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidParam(`invalid parameter: ${what} is not valid JSON`);
  }
  if (!isRecord(parsed)) throw invalidParam(`invalid parameter: ${what} must be a JSON object`);
  return parsed;
}

/** Whether a card may be updated by PATCH: `config.update_multi` (JSON 1.0 defaults to false, 2.0 to true).
 * Template and card-entity references can't be inspected here and are accepted. */
function isSharedCard(card: Record<string, unknown>): boolean {
  if (card.type === 'template' || card.type === 'card') return true;
  const updateMulti = asRecord(card.config).update_multi;
  return card.schema === '2.0' ? updateMulti !== false : updateMulti === true;
}

/** Deterministic PRNG (mulberry32). */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Reads the body once; `value` goes to the handler, `recorded` into `calls`. Throws on malformed JSON. */
async function readBody(req: HonoRequest): Promise<{ value: unknown; recorded: unknown }> {
  if (req.method === 'GET' || req.method === 'HEAD') return { value: undefined, recorded: undefined };
  const contentType = req.header('content-type') ?? '';
  if (contentType.startsWith('multipart/form-data')) {
    const parts = parseMultipart(Buffer.from(await req.arrayBuffer()), contentType);
    const recorded = Object.fromEntries(
      Object.entries(parts).map(([name, part]) => [name, isTextPart(part) ? part.data.toString('utf8') : describePart(part)]),
    );
    return { value: parts, recorded };
  }
  const text = await req.text();
  if (text === '') return { value: undefined, recorded: undefined };
  try {
    const value: unknown = JSON.parse(text);
    return { value, recorded: value };
  } catch {
    throw failure(400, 9499, 'Bad Request: the body is not valid JSON');
  }
}

interface MultipartPart {
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** A part without a filename or content type is a plain form field. */
const isTextPart = (part: MultipartPart) => part.filename === undefined && part.contentType === undefined;
const describePart = (part: MultipartPart) => ({ filename: part.filename, type: part.contentType, size: part.data.length });

/**
 * Minimal multipart/form-data parser that keeps every part's raw bytes. (`Request.formData()` would decode a file
 * sent without a filename — which is what the SDK does with a Buffer — as a UTF-8 string, corrupting binary data.)
 */
function parseMultipart(body: Buffer, contentType: string): Record<string, MultipartPart> {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw failure(400, 9499, 'Bad Request: multipart boundary missing');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Record<string, MultipartPart> = {};
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break; // closing delimiter
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    const part = body.subarray(start + 2, next - 2); // without the CRLFs around the part
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? '';
      const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
      if (name !== undefined) {
        parts[name] = {
          filename: /\bfilename="([^"]*)"/i.exec(disposition)?.[1],
          contentType: /^content-type:\s*(.*)$/im.exec(headers)?.[1]?.trim(),
          data: Buffer.from(part.subarray(headerEnd + 4)),
        };
      }
    }
    at = next;
  }
  return parts;
}

async function replyCode(res: Response): Promise<number> {
  try {
    const body: unknown = await res.clone().json();
    const code = asRecord(body).code;
    return typeof code === 'number' ? code : -1;
  } catch {
    return -1;
  }
}

// ─── The fake ────────────────────────────────────────────────────────────────────────────────────────────────

interface FaultRule {
  fault: Fault;
  remaining: number;
  pathPrefix?: string;
}

class FakeFeishu implements FakeOpenApiState {
  readonly appId: string;
  readonly bot: { readonly open_id: string; readonly app_name: string };
  readonly calls: FakeCall[] = [];
  readonly messages = new Map<string, FakeMessage>();
  readonly users = new Map<string, FakeUser>();
  readonly files = new Map<string, FakeFile>();
  readonly urgents: FakeUrgent[] = [];
  now: () => number = Date.now;
  readonly app: Hono<FakeEnv>;

  private readonly appSecret: string;
  private readonly tokenTtlMs: number;
  private readonly rateLimitResetSeconds: number;
  private readonly defaultPerChatQps: number;
  private perChatQps: number;
  private latencyMs = 0;
  /** token → wall-clock expiry */
  private readonly tokens = new Map<string, number>();
  private readonly uuids = new Map<string, { messageId: string; at: number }>();
  private readonly cardTokens = new Map<string, { messageId: string; issuedAt: number; uses: number }>();
  /** chat_id → wall-clock times of the sends in the last second */
  private readonly chatSends = new Map<string, number[]>();
  private faultRules: FaultRule[] = [];
  private randomFaults?: { rate: number; faults: readonly Fault[]; next: () => number };
  private readonly listeners = new Set<(message: FakeMessage, kind: MessageEventKind) => void>();

  constructor(options: FakeOpenApiOptions) {
    this.appId = options.appId ?? 'cli_test';
    this.appSecret = options.appSecret ?? 'secret';
    this.bot = { open_id: options.botOpenId ?? 'ou_bot', app_name: options.botName ?? 'SalesDesk' };
    this.tokenTtlMs = (options.tokenTtlSeconds ?? 7200) * 1000;
    this.rateLimitResetSeconds = options.rateLimitResetSeconds ?? 0;
    this.defaultPerChatQps = options.perChatQps ?? 0;
    this.perChatQps = this.defaultPerChatQps;
    for (const user of options.users ?? []) this.addUser(user);
    this.app = this.buildRoutes();
  }

  // ── Steering ──

  addUser(user: FakeUser): void {
    this.users.set(user.open_id, { ...user });
  }

  addIncomingMessage(input: IncomingMessageInput): FakeMessage {
    const time = this.now();
    const message: FakeMessage = {
      message_id: input.message_id ?? `om_${randomHex(16)}`,
      chat_id: input.chat_id,
      msg_type: input.msg_type ?? 'text',
      content: input.content,
      parent_id: input.parent_id,
      root_id: input.root_id,
      sender_type: 'user',
      sender_id: input.sender_open_id,
      create_time: time,
      update_time: time,
      updates: 0,
    };
    this.messages.set(message.message_id, message);
    return message;
  }

  issueCardToken(messageId: string): string {
    if (!this.messages.has(messageId)) throw new Error(`issueCardToken: unknown message ${messageId}`);
    const token = `c-${randomHex(16)}`;
    this.cardTokens.set(token, { messageId, issuedAt: this.now(), uses: 0 });
    return token;
  }

  failNext(n: number, fault: Fault, pathPrefix?: string): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`failNext: n must be a positive integer, got ${n}`);
    this.faultRules.push({ fault, remaining: n, pathPrefix });
  }

  setFailureRate(rate: number, faults: Fault[] = [...DEFAULT_RANDOM_FAULTS], seed = 1): void {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`setFailureRate: rate must be within [0, 1], got ${rate}`);
    if (faults.length === 0) throw new RangeError('setFailureRate: faults must not be empty');
    this.randomFaults = rate === 0 ? undefined : { rate, faults: [...faults], next: seededRandom(seed) };
  }

  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  setPerChatQps(qps: number): void {
    this.perChatQps = Math.max(0, qps);
    this.chatSends.clear();
  }

  expireTokens(): void {
    this.tokens.clear();
  }

  onMessage(listener: (message: FakeMessage, kind: MessageEventKind) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  messagesIn(chatOrOpenId: string): FakeMessage[] {
    const p2p = p2pChatId(chatOrOpenId);
    return [...this.messages.values()].filter((m) => m.chat_id === chatOrOpenId || m.chat_id === p2p);
  }

  async waitFor<T>(
    probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
    timeoutMs = 5000,
  ): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        const value = await probe();
        if (value) return value;
        lastError = undefined;
      } catch (err) {
        lastError = err;
      }
      if (performance.now() >= deadline) break;
      await sleep(10);
    }
    const recent = this.calls.slice(-5).map((c) => `  ${c.method} ${c.path} → ${c.status} code ${c.code}`);
    throw new Error(
      [
        `waitFor timed out after ${timeoutMs} ms waiting for: ${probe.toString()}`,
        ...(lastError === undefined
          ? []
          : [`last probe error: ${lastError instanceof Error ? lastError.message : String(lastError)}`]),
        `last ${recent.length} of ${this.calls.length} calls:`,
        ...recent,
      ].join('\n'),
    );
  }

  reset(): void {
    this.calls.length = 0;
    this.messages.clear();
    this.files.clear();
    this.urgents.length = 0;
    this.uuids.clear();
    this.cardTokens.clear();
    this.chatSends.clear();
    this.faultRules = [];
    this.randomFaults = undefined;
    this.latencyMs = 0;
    this.perChatQps = this.defaultPerChatQps;
    this.now = Date.now;
  }

  // ── HTTP plumbing ──

  private buildRoutes(): Hono<FakeEnv> {
    const app = new Hono<FakeEnv>();
    const notFound = (c: Context<FakeEnv>) => c.json({ code: 404, msg: 'not found' }, 404);

    app.use('/open-apis/*', this.recordAndDelay);

    app.post('/open-apis/auth/v3/tenant_access_token/internal', this.endpoint('public', (c) => this.tenantToken(c.get('body'))));
    app.post('/open-apis/auth/v3/app_access_token/internal', this.endpoint('public', (c) => this.appToken(c.get('body'))));
    app.get('/open-apis/bot/v3/info', this.endpoint('api', () => this.botInfo()));
    app.post('/open-apis/im/v1/messages', this.endpoint('message', (c) => this.send(c.req.query(), c.get('body'))));
    app.post(
      '/open-apis/im/v1/messages/:message_id/reply',
      this.endpoint('message', (c) => this.reply(c.req.param('message_id') ?? '', c.get('body'))),
    );
    app.patch(
      '/open-apis/im/v1/messages/:message_id/urgent_app',
      this.endpoint('api', (c) => this.urgent(c.req.param('message_id') ?? '', c.req.query(), c.get('body'))),
    );
    app.patch(
      '/open-apis/im/v1/messages/:message_id',
      this.endpoint('message', (c) => this.patch(c.req.param('message_id') ?? '', c.get('body'))),
    );
    app.post('/open-apis/interactive/v1/card/update', this.endpoint('message', (c) => this.cardUpdate(c.get('body'))));
    app.get(
      '/open-apis/contact/v3/users/:user_id',
      this.endpoint('api', (c) => this.getUser(c.req.param('user_id') ?? '', c.req.query())),
    );
    app.post('/open-apis/im/v1/files', this.endpoint('message', (c) => this.upload(c.get('body'))));

    app.all('/open-apis/*', notFound);
    app.notFound(notFound);
    app.onError((err, c) => {
      console.error('[fake-openapi] handler failed', err);
      return c.json({ code: 1, msg: `internal error: ${err.message}` }, 500);
    });
    return app;
  }

  /** Parses the body, applies the configured latency, and records the call with its outcome. */
  private readonly recordAndDelay: MiddlewareHandler<FakeEnv> = async (c, next) => {
    const call: FakeCall = {
      method: c.req.method,
      path: c.req.path,
      query: c.req.query(),
      body: undefined,
      status: 0,
      code: 0,
      at: Date.now(),
    };
    try {
      const { value, recorded } = await readBody(c.req);
      call.body = recorded;
      c.set('body', value);
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      await next();
    } catch (err) {
      if (!(err instanceof FeishuError)) throw err;
      c.res = c.json(err.reply.body, err.reply.status);
    }
    call.status = c.res.status;
    call.code = await replyCode(c.res);
    const fault = c.get('fault');
    if (fault) call.fault = fault;
    this.calls.push(call);
  };

  /** Wraps a handler with authentication (unless public), fault injection and the error envelope. */
  private endpoint(kind: EndpointKind, handle: (c: Context<FakeEnv>) => Reply | Promise<Reply>): Handler<FakeEnv> {
    return async (c) => {
      let reply: Reply;
      try {
        if (kind !== 'public') this.authenticate(c.req.header('authorization'));
        const fault = this.takeFault(c.req.path, kind === 'message');
        if (fault) c.set('fault', fault);
        if (fault === 'lost_response') {
          try {
            await handle(c); // it happens…
          } catch (err) {
            c.set('fault', undefined); // …unless it fails on its own: then that failure is the answer
            throw err;
          }
          reply = this.faultReply(fault); // …and the answer is lost
        } else reply = fault ? this.faultReply(fault) : await handle(c);
      } catch (err) {
        if (!(err instanceof FeishuError)) throw err;
        reply = err.reply;
      }
      return c.json(reply.body, reply.status, reply.headers);
    };
  }

  private authenticate(authorization: string | undefined): void {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!token) throw missingToken();
    const expiresAt = this.tokens.get(token);
    if (expiresAt === undefined) throw invalidToken();
    if (expiresAt <= Date.now()) {
      this.tokens.delete(token);
      throw invalidToken();
    }
  }

  private takeFault(path: string, messageEndpoint: boolean): Fault | undefined {
    const index = this.faultRules.findIndex((rule) =>
      rule.pathPrefix === undefined ? messageEndpoint : path.startsWith(rule.pathPrefix),
    );
    const rule = this.faultRules[index];
    if (rule) {
      rule.remaining -= 1;
      if (rule.remaining === 0) this.faultRules.splice(index, 1);
      return rule.fault;
    }
    const random = this.randomFaults;
    if (messageEndpoint && random && random.next() < random.rate) {
      return random.faults[Math.floor(random.next() * random.faults.length)];
    }
    return undefined;
  }

  private faultReply(fault: Fault): Reply {
    switch (fault) {
      case 'server_error':
      case 'lost_response':
        return { status: 500, body: { code: 1, msg: 'internal error' } };
      case 'rate_limit':
        return {
          status: 429,
          body: { code: 99991400, msg: 'request trigger frequency limit' },
          headers: { 'x-ogw-ratelimit-limit': '50', 'x-ogw-ratelimit-reset': String(this.rateLimitResetSeconds) },
        };
      case 'frequency_limit':
        return frequencyLimit().reply;
      case 'token_expired':
        this.expireTokens();
        return invalidToken().reply;
    }
  }

  private emit(message: FakeMessage, kind: MessageEventKind): void {
    for (const listener of this.listeners) {
      try {
        listener({ ...message }, kind);
      } catch (err) {
        console.error('[fake-openapi] onMessage listener threw', err);
      }
    }
  }

  // ── Auth & bot ──

  /** Feishu answers credential errors with HTTP 200 and a non-zero code. */
  private checkCredentials(body: unknown): Reply | undefined {
    const { app_id, app_secret } = asRecord(body);
    if (typeof app_id !== 'string' || !app_id || typeof app_secret !== 'string' || !app_secret) {
      return { status: 200, body: { code: 10003, msg: 'invalid param' } };
    }
    if (app_id !== this.appId) return { status: 200, body: { code: 10014, msg: 'app id not exists' } };
    if (app_secret !== this.appSecret) return { status: 200, body: { code: 10014, msg: 'app secret invalid' } };
    return undefined;
  }

  /** Same token while it has ≥ 30 min left, a new one otherwise (both stay valid), like Feishu. */
  private currentToken(): { token: string; expire: number } {
    const wallNow = Date.now();
    let newest: [string, number] | undefined;
    for (const entry of this.tokens) {
      if (entry[1] > wallNow && (!newest || entry[1] > newest[1])) newest = entry;
    }
    if (newest && newest[1] - wallNow >= Math.min(TOKEN_REFRESH_WINDOW_MS, this.tokenTtlMs)) {
      return { token: newest[0], expire: Math.floor((newest[1] - wallNow) / 1000) };
    }
    const token = `t-${randomHex(20)}`;
    this.tokens.set(token, wallNow + this.tokenTtlMs);
    return { token, expire: Math.floor(this.tokenTtlMs / 1000) };
  }

  private tenantToken(body: unknown): Reply {
    const rejected = this.checkCredentials(body);
    if (rejected) return rejected;
    const { token, expire } = this.currentToken();
    return { status: 200, body: { code: 0, msg: 'ok', tenant_access_token: token, expire } };
  }

  /** For a self-built app the app token and the tenant token are the same `t-…` token. */
  private appToken(body: unknown): Reply {
    const rejected = this.checkCredentials(body);
    if (rejected) return rejected;
    const { token, expire } = this.currentToken();
    return { status: 200, body: { code: 0, msg: 'ok', app_access_token: token, tenant_access_token: token, expire } };
  }

  private botInfo(): Reply {
    return {
      status: 200,
      body: {
        code: 0,
        msg: 'ok',
        bot: { activate_status: 2, app_name: this.bot.app_name, avatar_url: '', ip_white_list: [], open_id: this.bot.open_id },
      },
    };
  }

  // ── Messages ──

  private send(query: Record<string, string>, rawBody: unknown): Reply {
    const receiveIdType = query.receive_id_type;
    if (!receiveIdType) throw invalidParam('invalid parameter: receive_id_type is required');
    if (!RECEIVE_ID_TYPES.includes(receiveIdType)) throw invalidParam(`invalid parameter: receive_id_type ${receiveIdType}`);
    const body = asRecord(rawBody);
    const receiveId = requireString(body, 'receive_id');
    const { msgType, content } = this.validateContent(body);
    const uuid = this.validateUuid(body);

    const original = this.findByUuid(uuid);
    if (original) return success(this.messageData(original));

    const chatId = this.resolveChat(receiveIdType, receiveId);
    this.takeChatSlot(chatId);
    const message = this.store({
      chat_id: chatId,
      receive_id: receiveId,
      receive_id_type: receiveIdType,
      msg_type: msgType,
      content,
      uuid,
    });
    this.emit(message, 'create');
    return success(this.messageData(message));
  }

  private reply(parentId: string, rawBody: unknown): Reply {
    const parent = this.messages.get(parentId);
    if (!parent) throw messageNotFound();
    const body = asRecord(rawBody);
    const { msgType, content } = this.validateContent(body);
    const uuid = this.validateUuid(body);

    const original = this.findByUuid(uuid);
    if (original) return success(this.messageData(original));

    this.takeChatSlot(parent.chat_id);
    const rootId = parent.root_id ?? parent.message_id;
    const threadId = body.reply_in_thread === true ? (parent.thread_id ?? `omt_${rootId.replace(/^om_/, '')}`) : parent.thread_id;
    const message = this.store({
      chat_id: parent.chat_id,
      msg_type: msgType,
      content,
      uuid,
      parent_id: parent.message_id,
      root_id: rootId,
      thread_id: threadId,
    });
    this.emit(message, 'reply');
    return success(this.messageData(message));
  }

  private patch(messageId: string, rawBody: unknown): Reply {
    const message = this.messages.get(messageId);
    if (!message) throw messageNotFound();
    if (message.sender_type !== 'app') throw invalidParam('only messages sent by the bot can be updated');
    if (message.msg_type !== 'interactive') throw invalidParam('only interactive (card) messages can be updated');
    if (this.now() - message.create_time > PATCH_WINDOW_MS) {
      throw failure(400, 230031, 'Message can only be updated within fourteen days');
    }
    const content = requireString(asRecord(rawBody), 'content');
    const card = parseJsonObject(content, 'content');
    if (Buffer.byteLength(content) > CARD_LIMIT) throw failure(400, 230025, 'The card content exceeds the 30 KB limit');
    if (!isSharedCard(card)) {
      throw invalidParam('the new card must be a shared card (config.update_multi: true) to be updated');
    }
    if (!isSharedCard(parseJsonObject(message.content, 'original content'))) {
      throw invalidParam('the original card is not a shared card (config.update_multi: true), it cannot be updated');
    }
    this.update(message, content, 'patch');
    return success({});
  }

  private cardUpdate(rawBody: unknown): Reply {
    const body = asRecord(rawBody);
    const token = body.token;
    if (typeof token !== 'string' || !token.startsWith('c-')) throw failure(400, 300020, 'invalid token format');
    const entry = this.cardTokens.get(token);
    if (!entry) throw failure(400, 300020, 'invalid token');
    if (this.now() - entry.issuedAt > CARD_TOKEN_TTL_MS) throw failure(400, 300030, 'token expired');
    if (entry.uses >= CARD_TOKEN_USES) throw failure(400, 300040, 'token has reached its usage limit');
    if (!isRecord(body.card)) throw failure(400, 100030, 'card must be a JSON object');
    const content = JSON.stringify(body.card);
    if (Buffer.byteLength(content) > CARD_LIMIT) throw failure(400, 230025, 'The card content exceeds the 30 KB limit');
    const message = this.messages.get(entry.messageId);
    if (!message) throw failure(400, 200000, 'the card has been recalled');

    entry.uses += 1;
    this.update(message, content, 'card_update');
    return { status: 200, body: { code: 0, msg: 'success' } };
  }

  private urgent(messageId: string, query: Record<string, string>, rawBody: unknown): Reply {
    const message = this.messages.get(messageId);
    if (!message) throw messageNotFound();
    if (message.sender_type !== 'app') throw invalidParam('only messages sent by the bot can be made urgent');
    const userIdType = query.user_id_type ?? 'open_id';
    if (!USER_ID_TYPES.includes(userIdType)) throw invalidParam(`invalid parameter: user_id_type ${userIdType}`);
    const list = asRecord(rawBody).user_id_list;
    if (!Array.isArray(list) || list.length === 0 || list.length > 200 || !list.every((id) => typeof id === 'string')) {
      throw invalidParam('invalid parameter: user_id_list must hold 1–200 ids');
    }
    const ids = list as string[];
    const invalid = ids.filter((id) => !this.findUser(userIdType, id));
    if (invalid.length === ids.length) {
      throw invalidParam('all user ids are invalid (the fake only knows users added with addUser)');
    }
    const valid = ids.filter((id) => !invalid.includes(id));
    this.urgents.push({ message_id: messageId, user_id_type: userIdType, user_ids: valid, at: this.now() });
    return success({ invalid_user_id_list: invalid });
  }

  private validateContent(body: Record<string, unknown>): { msgType: string; content: string } {
    const msgType = requireString(body, 'msg_type');
    if (!MSG_TYPES.includes(msgType)) throw invalidParam(`invalid parameter: msg_type ${msgType}`);
    const content = requireString(body, 'content');
    const parsed = parseJsonObject(content, 'content');
    const limit = CONTENT_LIMITS[msgType];
    if (limit !== undefined && Buffer.byteLength(content) > limit) {
      throw failure(400, 230025, `The message content exceeds the ${limit / KB} KB limit for ${msgType}`);
    }
    if (msgType === 'text' && typeof parsed.text !== 'string') {
      throw invalidParam('invalid parameter: text content needs a "text" string');
    }
    if (msgType === 'file' && !(typeof parsed.file_key === 'string' && this.files.has(parsed.file_key))) {
      throw invalidParam('invalid parameter: unknown file_key');
    }
    return { msgType, content };
  }

  private validateUuid(body: Record<string, unknown>): string | undefined {
    const uuid = body.uuid;
    if (uuid === undefined || uuid === '') return undefined;
    if (typeof uuid !== 'string' || uuid.length > 50) {
      throw invalidParam('invalid parameter: uuid must be a string of at most 50 characters');
    }
    return uuid;
  }

  /** The message already sent with this uuid within the last hour, if any. */
  private findByUuid(uuid: string | undefined): FakeMessage | undefined {
    if (uuid === undefined) return undefined;
    const seen = this.uuids.get(uuid);
    if (!seen || this.now() - seen.at >= UUID_WINDOW_MS) return undefined;
    return this.messages.get(seen.messageId);
  }

  /** open_id sends are accepted for any open_id; user_id / union_id / email must name a user added with addUser. */
  private resolveChat(receiveIdType: string, receiveId: string): string {
    if (receiveIdType === 'chat_id') return receiveId;
    if (receiveIdType === 'open_id') return p2pChatId(receiveId);
    const user = this.findUser(receiveIdType, receiveId);
    if (!user) throw failure(400, 230034, `invalid receive_id: no user with ${receiveIdType} ${receiveId}`);
    return p2pChatId(user.open_id);
  }

  private findUser(idType: string, id: string): FakeUser | undefined {
    if (idType === 'open_id') return this.users.get(id);
    const field = USER_LOOKUP_FIELDS[idType];
    if (!field) return undefined;
    return [...this.users.values()].find((user) => user[field] === id);
  }

  /** Per-chat send limit (sliding one-second window on the wall clock). */
  private takeChatSlot(chatId: string): void {
    if (this.perChatQps <= 0) return;
    const wallNow = Date.now();
    const recent = (this.chatSends.get(chatId) ?? []).filter((t) => wallNow - t < 1000);
    if (recent.length >= this.perChatQps) {
      this.chatSends.set(chatId, recent);
      throw frequencyLimit();
    }
    recent.push(wallNow);
    this.chatSends.set(chatId, recent);
  }

  private store(fields: Pick<FakeMessage, 'chat_id' | 'msg_type' | 'content'> & Partial<FakeMessage>): FakeMessage {
    const time = this.now();
    const message: FakeMessage = {
      ...fields,
      message_id: `om_${randomHex(16)}`,
      sender_type: 'app',
      sender_id: this.appId,
      create_time: time,
      update_time: time,
      updates: 0,
    };
    this.messages.set(message.message_id, message);
    if (message.uuid !== undefined) this.uuids.set(message.uuid, { messageId: message.message_id, at: time });
    return message;
  }

  private update(message: FakeMessage, content: string, kind: 'patch' | 'card_update'): void {
    message.content = content;
    message.update_time = this.now();
    message.updates += 1;
    this.emit(message, kind);
  }

  /** The `data` of a send / reply reply, shaped like Feishu's. */
  private messageData(message: FakeMessage): Record<string, unknown> {
    return {
      message_id: message.message_id,
      ...(message.root_id ? { root_id: message.root_id } : {}),
      ...(message.parent_id ? { parent_id: message.parent_id } : {}),
      ...(message.thread_id ? { thread_id: message.thread_id } : {}),
      msg_type: message.msg_type,
      create_time: String(message.create_time),
      update_time: String(message.update_time),
      deleted: false,
      updated: message.updates > 0,
      chat_id: message.chat_id,
      sender: { id: this.appId, id_type: 'app_id', sender_type: 'app', tenant_key: 'fake_tenant' },
      body: { content: message.content },
      mentions: [],
      upper_message_id: '',
    };
  }

  // ── Contacts & files ──

  private getUser(userId: string, query: Record<string, string>): Reply {
    const userIdType = query.user_id_type ?? 'open_id';
    if (!USER_ID_TYPES.includes(userIdType)) throw failure(400, 99992402, 'field validation failed: user_id_type');
    const user = this.findUser(userIdType, userId);
    if (!user) throw failure(400, 41050, 'no user authority error');
    return success({
      user: {
        open_id: user.open_id,
        ...(user.union_id ? { union_id: user.union_id } : {}),
        ...(user.user_id ? { user_id: user.user_id } : {}),
        name: user.name,
        en_name: user.en_name ?? '',
        ...(user.email ? { email: user.email } : {}),
      },
    });
  }

  private upload(rawBody: unknown): Reply {
    const parts = (rawBody ?? {}) as Record<string, MultipartPart | undefined>;
    const field = (name: string) => parts[name]?.data.toString('utf8');
    const fileType = field('file_type');
    const name = field('file_name');
    const file = parts.file;
    if (fileType === undefined || !FILE_TYPES.includes(fileType)) {
      throw failure(400, 234001, `Invalid request param: file_type must be one of ${FILE_TYPES.join(', ')}`);
    }
    if (!name) throw failure(400, 234001, 'Invalid request param: file_name is required');
    if (!file || file.data.length === 0) throw failure(400, 234001, 'Invalid request param: file is missing or empty');
    if (file.data.length > MAX_FILE_BYTES) throw failure(400, 234006, 'The file size exceeds the 30 MB limit');
    const durationText = field('duration');
    const duration = durationText ? Number(durationText) : NaN;

    const fileKey = `file_v3_${randomHex(12)}`;
    this.files.set(fileKey, {
      file_key: fileKey,
      file_type: fileType,
      file_name: name,
      bytes: file.data,
      ...(Number.isFinite(duration) ? { duration } : {}),
    });
    return success({ file_key: fileKey });
  }
}
