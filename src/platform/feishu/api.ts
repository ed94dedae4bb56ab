import * as lark from '@larksuiteoapi/node-sdk';

/** What the bot needs from the Open API, with Feishu's failures turned into one error type. */
export interface FeishuApi {
  /** chatId: where it landed — for a DM sent by open_id, the p2p chat's id. */
  send(receiveIdType: 'open_id' | 'chat_id', receiveId: string, msgType: string, content: string, uuid: string): Promise<{ messageId: string; chatId?: string }>;
  reply(messageId: string, msgType: string, content: string, uuid: string): Promise<{ messageId: string }>;
  patch(messageId: string, content: string): Promise<void>;
  cardUpdate(token: string, card: unknown): Promise<void>;
  uploadFile(fileName: string, bytes: Buffer): Promise<{ fileKey: string }>;
  botInfo(): Promise<{ openId: string; name: string }>;
  userName(openId: string): Promise<string | undefined>;
}

/** Codes that mean "the token is stale": clear it, fetch a new one, try again (FEISHU.md §4.6, §8.2). */
const TOKEN_CODES = new Set([99991663, 99991664, 99991668]);
/** Rate limits and transient failures worth retrying (FEISHU.md §4.5, §8.9). */
const RETRY_CODES = new Set([99991400, 230020, 230049]);

export class FeishuError extends Error {
  constructor(
    readonly code: number,
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(`feishu ${status}/${code}: ${message}`);
  }
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429 || RETRY_CODES.has(this.code) || TOKEN_CODES.has(this.code);
  }
  get tokenInvalid(): boolean {
    return TOKEN_CODES.has(this.code);
  }
  /** 230031: past the 14-day update window — the card must be re-posted. */
  get tooOldToUpdate(): boolean {
    return this.code === 230031;
  }
}

interface Reply { code?: number; msg?: string; data?: any }

function toFeishuError(e: unknown): FeishuError {
  const err = e as { response?: { status?: number; data?: Reply; headers?: Record<string, string> }; message?: string };
  if (!err.response) return new FeishuError(-1, 0, err.message ?? String(e));
  const reset = Number(err.response.headers?.['x-ogw-ratelimit-reset']);
  const body = err.response.data ?? {};
  return new FeishuError(body.code ?? -1, err.response.status ?? 0, body.msg ?? err.message ?? 'error', Number.isFinite(reset) ? reset * 1000 : undefined);
}

/**
 * Without an app id and secret (local mode outside the server: `npm run job`) there is no Open
 * API to talk to: nothing touches the network, the bot has no known identity, and a send fails
 * as retryable so its outbox row stays queued for the process that has credentials.
 */
function offlineFeishuApi(): FeishuApi {
  const queued = async (): Promise<never> => {
    throw new FeishuError(-1, 0, 'no Feishu credentials in this process (FEISHU_APP_ID / FEISHU_APP_SECRET); the message stays queued');
  };
  return {
    send: queued,
    reply: queued,
    patch: queued,
    cardUpdate: queued,
    uploadFile: queued,
    botInfo: async () => ({ openId: '', name: '' }),
    userName: async () => undefined,
  };
}

export function createFeishuApi(opts: { appId: string; appSecret: string; baseUrl: string }): FeishuApi {
  if (!opts.appId || !opts.appSecret) return offlineFeishuApi();
  const cache = new lark.DefaultCache();
  const client = new lark.Client({
    appId: opts.appId,
    appSecret: opts.appSecret,
    domain: opts.baseUrl,
    cache,
    // The SDK logs every rejected call itself; we report failures once, in the outbox.
    logger: { error: () => {}, warn: () => {}, info: () => {}, debug: () => {}, trace: () => {} },
  });

  /** One call: HTTP errors and non-zero codes both become FeishuError; a stale token is refreshed once. */
  async function call<T extends Reply>(fn: () => Promise<T>, retried = false): Promise<T> {
    let res: T;
    try {
      res = await fn();
    } catch (e) {
      const fe = toFeishuError(e);
      if (fe.tokenInvalid && !retried) {
        cache.values.clear();
        return call(fn, true);
      }
      throw fe;
    }
    if (res && typeof res.code === 'number' && res.code !== 0) {
      const fe = new FeishuError(res.code, 200, res.msg ?? 'error');
      if (fe.tokenInvalid && !retried) {
        cache.values.clear();
        return call(fn, true);
      }
      throw fe;
    }
    return res;
  }

  return {
    async send(receiveIdType, receiveId, msgType, content, uuid) {
      const res = await call(() =>
        client.im.message.create({ params: { receive_id_type: receiveIdType }, data: { receive_id: receiveId, msg_type: msgType, content, uuid } }),
      );
      return { messageId: res.data?.message_id ?? '', chatId: res.data?.chat_id ?? undefined };
    },
    async reply(messageId, msgType, content, uuid) {
      const res = await call(() => client.im.message.reply({ path: { message_id: messageId }, data: { msg_type: msgType, content, uuid } }));
      return { messageId: res.data?.message_id ?? '' };
    },
    async patch(messageId, content) {
      await call(() => client.im.message.patch({ path: { message_id: messageId }, data: { content } }));
    },
    async cardUpdate(token, card) {
      await call(() => client.request({ method: 'POST', url: '/open-apis/interactive/v1/card/update', data: { token, card } }));
    },
    async uploadFile(fileName, bytes) {
      const res = await call(async () => {
        const data = await client.im.file.create({ data: { file_type: 'xls', file_name: fileName, file: bytes } });
        return { code: 0, data } as Reply;
      });
      const key = res.data?.file_key;
      if (!key) throw new FeishuError(-1, 200, 'upload returned no file_key');
      return { fileKey: key };
    },
    async botInfo() {
      const res = await call(() => client.request<Reply & { bot?: { open_id: string; app_name: string } }>({ method: 'GET', url: '/open-apis/bot/v3/info' }));
      return { openId: res.bot?.open_id ?? '', name: res.bot?.app_name ?? '' };
    },
    async userName(openId) {
      try {
        const res = await call(() => client.contact.user.get({ path: { user_id: openId }, params: { user_id_type: 'open_id' } }));
        return res.data?.user?.name ?? undefined;
      } catch {
        return undefined; // the name is cosmetic: a missing contact scope must not break a command
      }
    },
  };
}
