import { messageEvent, signedRequest, type EventSecrets } from '../src/local/feishu-events';

/** The app the bench targets are configured as, and the ids of the pre-generated events. */
export const BENCH_SECRETS: EventSecrets & { appId: string; appSecret: string; encryptKey: string } = {
  appId: 'cli_bench0000000001',
  appSecret: 'bench-secret',
  verificationToken: 'bench-verification-token',
  encryptKey: 'bench-encrypt-key',
};

export const benchUserId = (u: number) => `ou_bench_${u}`;
export const benchChatId = (u: number) => `oc_p2p_${benchUserId(u)}`;
export const benchMessageId = (i: number) => `om_bench_${i}`;
export const benchEventId = (i: number) => `ev_bench_${i}`;

/** Event i: user (i mod users) sends `/我` in their p2p chat — encrypted and signed exactly as Feishu does. */
export function signedMessageEvent(i: number, users: number): { body: string; headers: Record<string, string> } {
  const u = i % users;
  const event = messageEvent(BENCH_SECRETS, { openId: benchUserId(u) }, '/我', {
    chatId: benchChatId(u),
    chatType: 'p2p',
    messageId: benchMessageId(i),
    eventId: benchEventId(i),
  });
  return signedRequest(BENCH_SECRETS, event);
}
