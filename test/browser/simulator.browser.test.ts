/**
 * The local simulator in real headless Chromium (issue 9 item 6), driven by playwright-core the way a person
 * uses the page: pick who you are in the user switcher, type into the composer, fill in and click cards, move
 * the clock. Each test starts the real app in local mode (startServer on port 0, a temp database, no cron), so
 * every message and click goes through the signed /feishu/events route, the real modules and the outbox.
 * - (a) a salesperson creates a customer by typing, asks for /订单 新建 without fields, fills in the form card
 *   in the page and submits it: the order card appears with its number (and the order is in the database);
 * - (b) a salesperson submits a contract; the supervisor switches in, approves it with a comment on the
 *   approval card, and the salesperson sees the notification with that comment;
 * - (c) an order logged on a Wednesday morning is overdue for evaluation: "+1天" runs the sweep for Thursday and
 *   the reminder appears in the salesperson's chat;
 * - (d) a fresh start (empty database, LOCAL_DEMO not set) loads the demo month by itself: the page shows the
 *   progress and holds the composer meanwhile, then the month's cards; 载入演示数据 then says 已有演示数据.
 * Screenshots of the moments that matter go to test-results/screenshots/ (gitignored); with UPDATE_SCREENSHOTS=1
 * to docs/screenshots/, which the README shows — regenerate them that way when the page or a card changes.
 * Chromium runs with --lang=zh-CN (date inputs and the browser's own words in Chinese) and screenshots wait
 * for toasts to clear.
 *
 * Chromium comes from Debian (/usr/bin/chromium, installed by .ci/run). Without it these tests are skipped,
 * and say so: they never pass without having run.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TEAM_CHAT } from '../../src/local/local-mode';
import { customers } from '../../src/modules/customers';
import { orders } from '../../src/modules/orders';
import { startServer } from '../../src/server';

/** Debian's Chromium; CHROMIUM_PATH points elsewhere (or at nothing, to see the skip). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP_REASON = existsSync(CHROMIUM) ? '' : `${CHROMIUM} not found — install Debian's chromium and fonts (apt-get install -y chromium fonts-noto-cjk fonts-noto-color-emoji; .ci/run does this)`;
if (SKIP_REASON) console.warn(`\n⚠️  browser tests SKIPPED: ${SKIP_REASON}\n`);
const ZH_PAK = '/usr/lib/chromium/locales/zh-CN.pak';
if (!SKIP_REASON && process.env.CHROMIUM_PATH === undefined && !existsSync(ZH_PAK)) {
  console.warn(`\n⚠️  ${ZH_PAK} not found (apt-get install chromium-l10n): date inputs in the screenshots will be in English\n`);
}

const SHOTS = fileURLToPath(new URL(process.env.UPDATE_SCREENSHOTS === '1' ? '../../docs/screenshots/' : '../../test-results/screenshots/', import.meta.url));
/**
 * No network chatter, no sandbox as root; the browser's own language Chinese, so date inputs read 2026/12/18 and
 * 年/月/日. Chromium on Linux takes its locale from --lang and the environment (LANGUAGE, LC_ALL) and needs the
 * locale's .pak (Debian's chromium-l10n, installed by .ci/run); without it, date inputs stay in English.
 */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--lang=zh-CN'];

const SUPERVISOR = 'ou_demo_supervisor';
const SALES1 = 'ou_demo_sales1';
const dm = (openId: string) => `oc_p2p_${openId}`;

type Server = Awaited<ReturnType<typeof startServer>>;

/** The real app in local mode on a free loopback port, with its own database. */
async function startApp(opts: Parameters<typeof startServer>[1] = {}, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'salesdesk-browser-'));
  // LOCAL_DEMO=false: each test starts from an empty department, except (d), the fresh start.
  const server: Server = await startServer({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: `file:${join(dir, 'sim.db')}`, CRON_ENABLED: 'false', LOCAL_DEMO: 'false', LOG_LEVEL: 'silent', ...env }, opts);
  return {
    server,
    db: server.runtime.services.database.db,
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}


describe.skipIf(Boolean(SKIP_REASON))(`the simulator page in headless Chromium${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`, () => {
  let browser: Browser;
  const cleanup: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // launch() gives the browser a new, empty --user-data-dir of its own (removed on close); every test
    // then opens a fresh context (no localStorage from the one before).
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, env: { ...process.env, LANGUAGE: 'zh_CN:zh', LANG: 'zh_CN.UTF-8', LC_ALL: 'zh_CN.UTF-8' } });
  });
  afterEach(async () => {
    // Pages first: their event streams hold connections the server's graceful stop would wait for.
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** A started app and a page on it, both closed after the test. */
  async function openSimulator(opts: Parameters<typeof startServer>[1] = {}, env: Record<string, string> = {}) {
    const app = await startApp(opts, env);
    cleanup.push(() => app.close());
    const context = await browser.newContext({ viewport: { width: 1360, height: 1100 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    cleanup.push(() => context.close());
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept()); // the page asks window.confirm() for buttons with a confirm
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(app.server.url + '/');
    await page.locator('#people .row').first().waitFor();
    return { app, page, errors };
  }

  const actAs = async (page: Page, openId: string) => {
    await page.locator(`#people [data-person="${openId}"]`).click();
    await page.locator(`#people .row.active[data-person="${openId}"]`).waitFor();
  };
  const openChat = async (page: Page, chatId: string) => {
    await page.locator(`#chats [data-chat="${chatId}"]`).click();
    await page.locator(`#chats .row.active[data-chat="${chatId}"]`).waitFor();
  };
  /** Types into the composer and presses Enter, as a person does. */
  const type = async (page: Page, text: string) => {
    await page.locator('#input').fill(text);
    await page.locator('#input').press('Enter');
  };
  /** The newest message from the bot in the open chat that contains `text`. */
  const fromBot = (page: Page, text: string | RegExp): Locator => page.locator('#messages .msg:not(.mine)', { hasText: text }).last();
  const card = (page: Page, title: string | RegExp): Locator => page.locator('#messages .msg-card', { has: page.locator('.c-title', { hasText: title }) }).last();
  /**
   * Sets the simulated clock with the page's own control. A fixed working morning keeps working hours and quiet
   * hours independent of when the test runs, and the screenshots the same from run to run.
   */
  const jumpTo = async (page: Page, wall: string, shown: string) => {
    await page.locator('#jump-input').fill(wall);
    await page.locator('#jump-go').click();
    await expect.poll(() => page.locator('#clock-text').textContent()).toContain(shown);
  };

  /** A screenshot of the page once no toast is showing (they fade after 2.5 s). */
  const shot = async (page: Page, name: string) => {
    await expect.poll(() => page.locator('#toasts .toast').count(), { timeout: 10_000 }).toBe(0);
    await page.screenshot({ path: join(SHOTS, name) });
  };

  it('(a) logs an order from the form card: a customer typed first, the form filled in the page, the order card with its number', async () => {
    const { app, page, errors } = await openSimulator();
    await jumpTo(page, '2026-11-16T10:00', '2026-11-16 周一 10:0');
    await actAs(page, SALES1);
    await openChat(page, DEMO_TEAM_CHAT);

    await type(page, '/客户 新建 华星科技 等级=A 联系人=王经理');
    await fromBot(page, '已新建客户「华星科技」').waitFor();

    await type(page, '/订单 新建');
    const form = card(page, '新建订单');
    await form.waitFor();
    const due = '2026-12-18';
    await form.getByPlaceholder('客户名称（须已建档）').fill('华星科技');
    await form.getByPlaceholder('产品名称').fill('A3 防静电周转盒');
    await form.getByPlaceholder('型号 / 规格（选填）').fill('A3-S');
    await form.getByPlaceholder('例如 500').fill('500');
    await form.getByPlaceholder('例如 12.5、1.2万').fill('12.5');
    await form.locator('input[type=date]').first().fill(due);
    await form.getByPlaceholder('选填', { exact: true }).fill('首批样品，走加急');
    await form.evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await shot(page, 'order-form.png');

    await form.getByRole('button', { name: '提交订单' }).click();
    const toast = page.locator('#toasts .toast', { hasText: '已登记订单' });
    await toast.waitFor();
    const number = /DD-\d{8}-\d{3}/.exec((await toast.textContent()) ?? '')?.[0];
    expect(number).toBeDefined();
    // The form is replaced in place by its "submitted" card, and the order's own card is posted.
    await card(page, '新建订单 · 已提交').waitFor();
    const orderCard = card(page, `订单 ${number}`);
    await orderCard.waitFor();
    await expect.poll(() => orderCard.textContent()).toContain('A3 防静电周转盒');
    await orderCard.scrollIntoViewIfNeeded();
    await shot(page, 'order-card.png');

    const [row] = await app.db.select().from(orders).where(eq(orders.id, number!));
    expect(row).toMatchObject({ customerName: '华星科技', product: 'A3 防静电周转盒', spec: 'A3-S', qty: 500, unitPrice: 12.5, dueDate: due, ownerOpenId: SALES1, state: 'received' });
    expect(errors).toEqual([]);
  }, 60_000);

  it('(b) approves a contract as the supervisor, and the submitter sees the decision with its comment', async () => {
    const { page, errors } = await openSimulator();
    await jumpTo(page, '2026-11-16T10:00', '2026-11-16 周一 10:0');
    await actAs(page, SALES1);
    await openChat(page, dm(SALES1));
    await type(page, '/客户 新建 东方精密 等级=B 联系人=陈工');
    await fromBot(page, '已新建客户「东方精密」').waitFor();
    await type(page, '/合同 提交 客户=东方精密 金额=18万 付款条件=「月结 45 天」 交期=「首单 30 天内」 说明=首单合同');
    const status = card(page, /^合同 · HT-\d{8}-\d{3}$/);
    await status.waitFor();
    await expect.poll(() => status.textContent()).toContain('待主管审批');
    const number = /HT-\d{8}-\d{3}/.exec((await status.locator('.c-title').textContent()) ?? '')![0];
    const statusId = await status.getAttribute('data-id');
    expect(statusId).toBeTruthy();

    // The supervisor: same kind of chat (their own DM with the bot), where the approval card waits.
    await actAs(page, SUPERVISOR);
    await page.locator(`#chats .row.active[data-chat="${dm(SUPERVISOR)}"]`).waitFor();
    const approval = card(page, `合同审批 · ${number}`);
    await approval.waitFor();
    await expect.poll(() => approval.textContent()).toContain('东方精密');
    await approval.getByPlaceholder('审批意见（驳回时必填）').fill('价格和账期合理，同意');
    await approval.scrollIntoViewIfNeeded();
    await shot(page, 'contract-approval.png');
    await approval.getByRole('button', { name: '批准', exact: true }).click();
    await page.locator('#toasts .toast.success', { hasText: number }).waitFor();
    await expect.poll(() => card(page, `合同审批 · ${number}`).textContent()).not.toContain('请审批');

    // Back as the salesperson: the notification names the decision, the approver and the comment.
    await actAs(page, SALES1);
    await page.locator(`#chats .row.active[data-chat="${dm(SALES1)}"]`).waitFor();
    const notice = page.locator('#messages .msg-card', { hasText: '价格和账期合理，同意' }).last();
    await notice.waitFor();
    await expect.poll(() => notice.textContent()).toMatch(/批准/);
    expect(await notice.textContent()).toContain(number);
    // The submitter's status card was patched in place: the same message, now showing the decision, and no second one.
    const patched = page.locator(`#messages .msg[data-id="${statusId}"]`);
    await expect.poll(() => patched.textContent()).not.toContain('待主管审批');
    expect(await patched.textContent()).toContain('批准');
    expect(await page.locator('#messages .msg-card', { has: page.locator('.c-title', { hasText: `合同 · ${number}` }) }).count()).toBe(1);
    await notice.scrollIntoViewIfNeeded();
    await shot(page, 'contract-notice.png');
    expect(errors).toEqual([]);
  }, 60_000);

  it('(c) jumps a day with the clock control, and the overdue order’s reminder appears', async () => {
    const { page, errors } = await openSimulator();
    await actAs(page, SALES1);
    await openChat(page, dm(SALES1));
    // A Wednesday morning: the 4-working-hour evaluation clock falls due in the afternoon.
    await jumpTo(page, '2026-12-02T09:30', '2026-12-02 周三 09:3');

    await type(page, '/客户 新建 华星科技 等级=A');
    await fromBot(page, '已新建客户「华星科技」').waitFor();
    await type(page, '/订单 新建 客户=华星科技 产品=控制板 数量=500 单价=20 交期=2026-12-31');
    const orderCard = card(page, /^订单 DD-20261202-\d{3}/);
    await orderCard.waitFor();
    const number = /DD-\d{8}-\d{3}/.exec((await orderCard.locator('.c-title').textContent()) ?? '')![0];
    const before = await page.locator('#messages .msg').count();

    await page.getByRole('button', { name: '+1天' }).click();
    await page.locator('#toasts .toast', { hasText: '已跳转到 2026-12-03' }).waitFor();
    await expect.poll(() => page.locator('#clock-text').textContent()).toContain('2026-12-03 周四');
    // The sweep ran for Thursday 09:30: the 4-working-hour evaluation was due Wednesday afternoon.
    const reminder = page.locator('#messages .msg-card', { hasText: number }).filter({ hasText: '订单评估' }).last();
    await reminder.waitFor();
    expect(await page.locator('#messages .msg').count()).toBeGreaterThan(before);
    expect(await reminder.locator('.c-title').textContent()).toMatch(/提醒|待办|Reminder/);
    await reminder.scrollIntoViewIfNeeded();
    await shot(page, 'reminder.png');
    expect(errors).toEqual([]);
  }, 60_000);

  it('(d) a fresh start loads the demo month by itself, showing its progress; 载入演示数据 then says 已有演示数据', async () => {
    // The in-process fake Open API has no rate limit: no need to pace the bot at Feishu's 5 messages per chat and second.
    const { app, page, errors } = await openSimulator({ outbox: { perChatPerSecond: 1000 } }, { LOCAL_DEMO: 'true' });
    // While it loads, a banner counts the steps and the composer waits.
    const banner = page.locator('#demo-banner', { hasText: '正在载入演示数据' });
    await banner.waitFor();
    expect(await page.locator('#input').isDisabled()).toBe(true);
    await page.locator('#toasts .toast.success', { hasText: '已载入演示数据' }).waitFor({ timeout: 150_000 });
    await banner.waitFor({ state: 'hidden' });
    expect(await page.locator('#input').isDisabled()).toBe(false);
    expect((await app.db.select({ id: customers.id }).from(customers)).length).toBe(11);

    // The month is in the chats: the supervisor's approval cards, the team chat's cards.
    await actAs(page, SUPERVISOR);
    await openChat(page, dm(SUPERVISOR));
    await page.locator('#messages .msg-card', { hasText: '合同审批' }).first().waitFor();
    await openChat(page, DEMO_TEAM_CHAT);
    expect(await page.locator('#messages .msg-card').count()).toBeGreaterThan(5);
    await type(page, '/订单 列表');
    await card(page, /全部订单/).waitFor();
    await shot(page, 'demo-data.png');

    await page.locator('#seed-demo').click();
    await page.locator('#toasts .toast.warning', { hasText: '已有演示数据' }).waitFor();
    expect(errors).toEqual([]);
  }, 180_000);
});
