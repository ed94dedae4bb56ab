/**
 * Access is exactly as declared, and duplicates have one effect:
 * - every command × every role (and an admin): refused with "没有权限" exactly when its declared
 *   roles exclude the sender, answered otherwise; every refusal is in the audit log;
 * - every card action × every role: a click by a role it does not declare is refused with a toast
 *   before its value is even read; allowed roles get past the role check;
 * - each of 30 commands delivered 1–4 times in random order has exactly one effect and one reply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
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
    let checked = 0;
    for (const def of defs) {
      for (const [who, person] of [...byRole.entries(), ['admin', PEOPLE.admin] as const]) {
        const reply = await h.ask(person as Person, `/${def.path.join(' ')}`);
        const refused = reply.includes('没有权限');
        expect(refused, `/${def.path.join(' ')} by ${who}: ${reply.slice(0, 80)}`).toBe(!allows(def.roles, who as Role | 'admin'));
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
      for (const [role, person] of byRole) {
        const res = await h.click(person, message, { action: def.id });
        const refused = (res.toast?.content ?? '').includes('没有权限');
        expect(refused, `${def.id} by ${role}: ${res.toast?.content}`).toBe(!allows(def.roles, role));
      }
    }
  }, 300_000);
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
    const created = await h.db.select({ n: count() }).from(customers);
    expect(created[0]!.n).toBe(30);
  }, 120_000);
});
