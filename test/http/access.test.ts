/**
 * Access is exactly as declared, and duplicates have one effect:
 * - every command × every role (and an admin): refused with "没有权限" exactly when its declared
 *   roles exclude the sender, answered otherwise; every refusal is in the audit log;
 * - every card action × every role: a click by a role it does not declare is refused with a toast
 *   before its value is even read; allowed roles get past the role check;
 * - forged card values — another record's id, another owner's record, an old version — are refused
 *   (没有权限 / 已过期 with the fresh card) and change nothing;
 * - each of 30 commands delivered 1–4 times in random order has exactly one effect and one reply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq, inArray } from 'drizzle-orm';
import { auditLog } from '../../src/platform/db/core.schema';
import { customers } from '../../src/modules/customers';
import { messageEvent } from '../../src/local/feishu-events';
import { ROLE_KEYS, type Role } from '../../src/platform/roles';
import { PEOPLE, SECRETS, startHarness, type Harness, type Person } from '../fakes/harness';

let h: Harness;
const byRole = new Map<Role, Person>(ROLE_KEYS.map((role) => [role, { openId: `ou_role_${role}`, name: `角色${role}` }]));
beforeAll(async () => {
  h = await startHarness();
  for (const [role, person] of byRole) await h.setRole(person, role);
});
afterAll(() => h.close());

/** The admin has no bound role, so DEFAULT_ROLE (sales) applies to them as well. */
const allows = (roles: readonly string[] | undefined, who: Role | 'admin') =>
  !roles || (who === 'admin' ? roles.includes('admin') || roles.includes('sales') : roles.includes(who));

describe('access matrix', () => {
  it('refuses every command exactly for the roles it does not declare', async () => {
    const defs = h.server.runtime.bot.commands.defs;
    const senders = [...byRole.entries(), ['admin', PEOPLE.admin] as const] as Array<[Role | 'admin', Person]>;
    const runs = defs.flatMap((def) => senders.map(([who, person]) => ({ def, who, person, text: `/${def.path.join(' ')}` })));
    let checked = 0;
    // Every sender at once for each few commands: each sender's own p2p chat, one settle per wave.
    for (let i = 0; i < runs.length; i += 44) {
      const wave = runs.slice(i, i + 44).map((r) => {
        const chatId = `oc_p2p_${r.person.openId}`;
        const msg = h.fake.addIncomingMessage({ chat_id: chatId, sender_open_id: r.person.openId, content: JSON.stringify({ text: r.text }) });
        return { ...r, messageId: msg.message_id, event: messageEvent(SECRETS, r.person, r.text, { chatId, chatType: 'p2p', messageId: msg.message_id }) };
      });
      const statuses = await Promise.all(wave.map((w) => h.post(w.event).then((res) => res.status)));
      expect(new Set(statuses)).toEqual(new Set([200]));
      await h.settle();
      for (const w of wave) {
        const reply = h.repliesTo(w.messageId).map(h.textOf).join('\n---\n');
        expect(reply, `no reply to ${w.text} by ${w.who}`).not.toBe('');
        expect(reply.includes('没有权限'), `${w.text} by ${w.who}: ${reply.slice(0, 80)}`).toBe(!allows(w.def.roles, w.who));
        checked++;
      }
    }
    expect(checked).toBe(defs.length * (ROLE_KEYS.length + 1));
    const refusals = await h.db.select({ n: count() }).from(auditLog).where(eq(auditLog.outcome, 'refused'));
    expect(refusals[0]!.n).toBeGreaterThan(0);
  }, 300_000);

  it('refuses every card action for the roles it does not declare, before reading its value', async () => {
    const actions = [...h.server.runtime.bot.cardActions.byId.values()];
    const card = await h.say(PEOPLE.li, '/帮助');
    const message = h.repliesTo(card.messageId)[0]!;
    for (const def of actions) {
      // Every role clicks at once.
      const clicks = await Promise.all([...byRole].map(async ([role, person]) => ({ role, res: await h.click(person, message, { action: def.id }) })));
      for (const { role, res } of clicks) {
        const refused = (res.toast?.content ?? '').includes('没有权限');
        expect(refused, `${def.id} by ${role}: ${res.toast?.content}`).toBe(!allows(def.roles, role));
      }
    }
  }, 300_000);
});

describe('forged card values', () => {
  /** A visited customer of `owner` and the callback values on its card. */
  async function visited(owner: Person, name: string) {
    await h.ask(owner, `/客户 新建 ${name}`);
    await h.ask(owner, `/拜访 ${name} 初次见面`);
    const { messageId } = await h.say(owner, `/客户 ${name}`);
    const card = h.repliesTo(messageId)[0]!;
    const [c] = await h.db.select().from(customers).where(eq(customers.name, name));
    return { card, c: c! };
  }
  const stateOf = async (id: number) => (await h.db.select().from(customers).where(eq(customers.id, id)))[0]!;

  it("refuses another record's id, another owner's record and an old version, and changes nothing", async () => {
    const mine = await visited(PEOPLE.li, '澜沧玖珑');
    const theirs = await visited(PEOPLE.zhang, '峨眉翡翠');
    const refusedCount = async () => (await h.db.select({ n: count() }).from(auditLog).where(eq(auditLog.outcome, 'refused')))[0]!.n;
    const refusedBefore = await refusedCount();
    const move = (c: { id: number; version: number }) => ({ action: 'customer.move', id: c.id, v: c.version, event: 'START_NEEDS' });

    // 李业务 edits the value of a button on his own card to name 张业务's customer.
    const otherId = await h.click(PEOPLE.li, mine.card, move(theirs.c));
    expect(otherId.toast?.content).toContain('没有权限');
    // 张业务 presses a button on 李业务's card (its value names 李业务's customer).
    const otherOwner = await h.click(PEOPLE.zhang, mine.card, move(mine.c));
    expect(otherOwner.toast?.content).toContain('没有权限');
    // An old version: the card is refreshed, not applied.
    const old = await h.click(PEOPLE.li, mine.card, { ...move(mine.c), v: mine.c.version - 1 });
    expect(old.toast?.content).toContain('已过期');
    expect(JSON.stringify(old.card?.data)).toContain('START_NEEDS');

    for (const { c } of [mine, theirs]) expect(await stateOf(c.id)).toMatchObject({ state: c.state, version: c.version });
    // Both 没有权限 are in the audit log.
    expect((await refusedCount()) - refusedBefore).toBeGreaterThanOrEqual(2);
  });
});

describe('duplicates', () => {
  it('gives each of 30 commands delivered 1–4 times in random order exactly one effect and one reply', async () => {
    let seed = 20261203;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    // Names far apart, so the near-duplicate check (查重) does not hold any of them back.
    const cities = ['北京', '上海', '广州', '成都', '武汉', '西安'];
    const trades = ['钢铁', '纺织', '电子', '物流', '食品'];
    const names = cities.flatMap((c) => trades.map((t) => `${c}${t}`));
    const events = names.map((name) => {
      const msg = h.fake.addIncomingMessage({ chat_id: 'oc_p2p_ou_li', sender_open_id: PEOPLE.li.openId, content: '{}' });
      return { id: msg.message_id, event: messageEvent(SECRETS, PEOPLE.li, `/客户 新建 ${name}`, { chatId: 'oc_p2p_ou_li', chatType: 'p2p', messageId: msg.message_id }) };
    });
    const deliveries = events.flatMap((e) => Array.from({ length: 1 + Math.floor(random() * 4) }, () => e.event));
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
    }
    expect(deliveries.length).toBeGreaterThan(45);
    const statuses = await Promise.all(deliveries.map((d) => h.post(d).then((r) => r.status)));
    expect(new Set(statuses)).toEqual(new Set([200]));
    await h.settle();
    for (const e of events) expect(h.repliesTo(e.id)).toHaveLength(1);
    const created = await h.db.select({ n: count() }).from(customers).where(inArray(customers.name, names));
    expect(created[0]!.n).toBe(30);
  }, 120_000);
});
