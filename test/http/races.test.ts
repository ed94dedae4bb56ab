/**
 * Concurrent clicks have one outcome:
 * - the same button clicked twice at once (two card.action.trigger events, two event ids) moves the
 *   customer once: one click gets the success toast, the other "已过期" and the fresh card;
 * - eight clicks on one button at once: still one change, one audit row, seven refusals;
 * - one click delivered three times by Feishu (same event_id; two at once, one later) has one
 *   effect; the repeats are answered with the toast "已处理".
 * (Concurrent approve and reject of one contract: contracts.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { customers } from '../../src/modules/customers';
import type { FakeMessage } from '../../src/local/fake-openapi';
import { cardActionEvent } from '../../src/local/feishu-events';
import { auditLog } from '../../src/platform/db/core.schema';
import { PEOPLE, SECRETS, startHarness, type Harness } from '../fakes/harness';
import { distinctNames } from './reliability-helpers';
import { cardCallbacks } from '../../src/platform/cards';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const names = distinctNames(3, 4);
const customer = async (name: string) => (await h.db.select().from(customers).where(eq(customers.name, name)))[0]!;


/** A visited customer of 李业务 and its card, whose 开始需求分析 button moves it on without a form. */
async function customerCard(name: string): Promise<{ card: FakeMessage; start: Record<string, unknown> }> {
  await h.ask(PEOPLE.li, `/客户 新建 ${name}`);
  await h.ask(PEOPLE.li, `/拜访 ${name} 初次见面`);
  const { messageId } = await h.say(PEOPLE.li, `/客户 ${name}`);
  const card = h.repliesTo(messageId)[0]!;
  const start = cardCallbacks(JSON.parse(card.content)).find((v) => v.action === 'customer.move' && v.event === 'START_NEEDS');
  if (!start) throw new Error(`no START_NEEDS button on the card of ${name}`);
  return { card, start };
}

/** One click as Feishu delivers it; the same `eventId` means a redelivery of that click. */
async function deliverClick(card: FakeMessage, value: Record<string, unknown>, eventId: string) {
  const event = cardActionEvent(SECRETS, PEOPLE.li, { value }, { messageId: card.message_id, chatId: card.chat_id, token: h.fake.issueCardToken(card.message_id), eventId });
  const res = await h.post(event);
  expect(res.status).toBe(200);
  return (await res.json()) as { toast?: { type: string; content: string }; card?: { data: Record<string, unknown> } };
}

const moves = async (id: number) =>
  h.db.select().from(auditLog).where(and(eq(auditLog.action, 'customer.START_NEEDS'), eq(auditLog.subjectId, String(id)), eq(auditLog.outcome, 'ok')));

describe('concurrent clicks', () => {
  it('moves the customer once when the same button is clicked twice at once', async () => {
    const { card, start } = await customerCard(names[0]!);
    const before = await customer(names[0]!);
    const answers = await Promise.all([deliverClick(card, start, randomUUID()), deliverClick(card, start, randomUUID())]);
    await h.settle();
    const toasts = answers.map((a) => a.toast!);
    expect(toasts.filter((t) => t.type === 'success')).toHaveLength(1);
    const loser = answers.find((a) => a.toast!.type !== 'success')!;
    expect(loser.toast!.content).toContain('已过期');
    expect(JSON.stringify(loser.card?.data)).toContain('NEEDS_DONE'); // the fresh card, one stage on
    const after = await customer(names[0]!);
    expect(after).toMatchObject({ state: 'needs', version: before.version + 1 });
    expect(await moves(after.id)).toHaveLength(1);
  });

  it('changes it once for eight clicks at once on one button', async () => {
    const { card, start } = await customerCard(names[1]!);
    const before = await customer(names[1]!);
    const answers = await Promise.all(Array.from({ length: 8 }, () => deliverClick(card, start, randomUUID())));
    await h.settle();
    expect(answers.filter((a) => a.toast?.type === 'success')).toHaveLength(1);
    expect(answers.filter((a) => a.toast?.content.includes('已过期'))).toHaveLength(7);
    const after = await customer(names[1]!);
    expect(after).toMatchObject({ state: 'needs', version: before.version + 1 });
    expect(await moves(after.id)).toHaveLength(1);
  });

  it('has one effect for a click Feishu delivers three times, and answers the repeats 已处理', async () => {
    const { card, start } = await customerCard(names[2]!);
    const before = await customer(names[2]!);
    const eventId = randomUUID().replace(/-/g, '');
    const together = await Promise.all([deliverClick(card, start, eventId), deliverClick(card, start, eventId)]);
    const later = await deliverClick(card, start, eventId);
    await h.settle();
    const toasts = [...together, later].map((a) => a.toast!);
    expect(toasts.filter((t) => t.type === 'success')).toHaveLength(1);
    expect(toasts.filter((t) => t.content === '已处理')).toHaveLength(2);
    const after = await customer(names[2]!);
    expect(after).toMatchObject({ state: 'needs', version: before.version + 1 });
    expect(await moves(after.id)).toHaveLength(1);
  });
});
