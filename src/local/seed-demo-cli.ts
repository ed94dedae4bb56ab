/**
 * `npm run seed:demo [-- --force] [-- --verbose]`: loads the demo month (seed-demo.ts) into DATABASE_URL.
 *
 * It starts the app in local mode on a free loopback port (no cron), replays the script through that
 * server's simulator API — the same signed events the browser sends — and stops. What the bot wrote to
 * the database stays (customers, orders, deadlines, audit log…); the chat history itself lives in the
 * running simulator only. To see the cards as well, just run `npm start` on an empty database: local mode
 * loads the same month by itself (or press「载入演示数据」).
 *
 * Refuses when the database already has customers, unless --force (the demo's customer names must then
 * not be taken: an exact duplicate is refused by /客户 新建 and stops the seed).
 */
import { ConfigError } from '../config';
import { startServer } from '../server';
import { ALREADY_SEEDED, customerCount, seedDemo, SeedError } from './seed-demo';

const USAGE = `用法 · usage: npm run seed:demo [-- --force] [-- --verbose]
  把一个月的演示数据（客户、订单、投诉、合同）经由真实命令载入 DATABASE_URL（默认 file:data/salesdesk.db）。
  --force    数据库里已有客户时仍然载入 · load even when there are customers
  --verbose  打印每一步 · print every step`;

async function main(argv: string[]): Promise<number> {
  const known = new Set(['--force', '--verbose', '--help', '-h']);
  const unknown = argv.filter((a) => !known.has(a));
  if (argv.includes('--help') || argv.includes('-h') || unknown.length) {
    if (unknown.length) console.error(`不认识的参数 · unknown option: ${unknown.join(' ')}`);
    console.error(USAGE);
    return unknown.length ? 2 : 0;
  }
  const force = argv.includes('--force');
  const verbose = argv.includes('--verbose');

  // Always local mode, on loopback, without cron: the jobs run through the simulated clock instead.
  // LOCAL_DEMO=false: this script loads the month itself (and honours --force), not the server's own start-up load.
  const env = { ...process.env, FEISHU_MODE: 'local', PORT: '0', HOST: '127.0.0.1', CRON_ENABLED: 'false', LOCAL_DEMO: 'false', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  // startServer greets a browser user with the simulator's URL; this server is gone when we are done.
  const print = console.log;
  console.log = () => {};
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    // The in-process fake Open API has no rate limit: no need to pace messages at Feishu's 5 per chat and second.
    server = await startServer(env, { outbox: { perChatPerSecond: 1000 } });
  } finally {
    console.log = print;
  }
  const database = server.runtime.services.config.DATABASE_URL.replace(/\/\/.*@/, '//***@');
  try {
    const existing = await customerCount(server.runtime.services.database.db);
    if (existing > 0 && !force) {
      console.error(`${ALREADY_SEEDED}：${database} 里已有 ${existing} 个客户，没有载入。\n要仍然载入，请加 --force：npm run seed:demo -- --force`);
      return 1;
    }
    console.log(`正在把演示数据载入 ${database}（经由真实命令和卡片，请稍候）…`);
    const report = await seedDemo((path, init) => fetch(server.url + path, init), { onStep: verbose ? ({ line }) => console.log(`  ${line}`) : undefined });
    const numbers = Object.values(report.numbers).sort().join(' ');
    console.log(
      [
        `已载入演示数据：${await customerCount(server.runtime.services.database.db)} 个客户，${report.steps} 步操作（${(report.ms / 1000).toFixed(1)} 秒）。`,
        `编号：${numbers}`,
        `运行 npm start 后在浏览器里查看（以 王主管 身份发送 /客户 列表、/订单 列表、/合同 待审、/待办 …）。`,
      ].join('\n'),
    );
    return 0;
  } catch (err) {
    console.error(err instanceof SeedError ? `演示数据没有载入完整：${err.message}` : err);
    return 1;
  } finally {
    await server.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  },
);
