import { startFakeOpenApi } from '../../src/local/fake-openapi';
import { BENCH_SECRETS, benchChatId, benchMessageId, benchUserId } from '../events';

/**
 * The fake Feishu Open API for the Salesdesk target, in its own process so it does not share the
 * load generator's event loop. argv: how many pool events to register (so replies find their parent).
 */
const count = Number(process.argv[2] ?? 0);
const users = Number(process.argv[3] ?? 1);
const fake = await startFakeOpenApi({
  appId: BENCH_SECRETS.appId,
  appSecret: BENCH_SECRETS.appSecret,
  botOpenId: 'ou_bot',
  users: Array.from({ length: users }, (_, u) => ({ open_id: benchUserId(u), name: `压测用户${u}` })),
});
for (let i = 0; i < count; i++) {
  fake.addIncomingMessage({ chat_id: benchChatId(i % users), sender_open_id: benchUserId(i % users), content: '{"text":"/帮助"}', message_id: benchMessageId(i) });
}
console.log(JSON.stringify({ url: fake.url }));
process.once('SIGTERM', () => {
  const replies = [...fake.messages.values()].filter((m) => m.sender_type === 'app').length;
  const byRoute: Record<string, number> = {};
  for (const c of fake.calls) {
    const route = `${c.method} ${c.path.replace(/\/(om|ou|oc)_[^/]+/g, '/:id')} ${c.status}`;
    byRoute[route] = (byRoute[route] ?? 0) + 1;
  }
  console.log(JSON.stringify({ calls: fake.calls.length, replies, byRoute }));
  process.exit(0);
});
