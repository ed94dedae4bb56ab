/** Shared by the reliability tests: record names that 查重 keeps apart, and the "nothing half-written" checks. */
import { count, eq, sql } from 'drizzle-orm';
import type { Db } from '../../src/platform/db/client';
import { auditLog, inboxEvents, outboxMessages } from '../../src/platform/db/core.schema';
import { customers } from '../../src/modules/customers';
import { SIMILAR } from '../../src/modules/customers/customers.lookup';
import { similarity } from '../../src/platform/router/parse';

/** Uncommon characters: no region, trade or legal-form word that 查重 would strip from a name. */
const POOL = Array.from('岚翊澄珂琰瑾璇暄钰铎霁靖颢馨骁麟曜晞昀晟朔桦栩楠槿洵淼熠烨焱炜煦珀玥琛瑜瑶邈琨璟');

/**
 * `n` customer names (4 characters, seeded), no two of them near-duplicates: each `/客户 新建`
 * then creates its customer instead of stopping at the 查重 warning.
 */
export function distinctNames(n: number, seed: number): string[] {
  let s = seed >>> 0;
  const random = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const names: string[] = [];
  while (names.length < n) {
    const name = Array.from({ length: 4 }, () => POOL[Math.floor(random() * POOL.length)]).join('');
    if (names.every((other) => similarity(other, name) < SIMILAR)) names.push(name);
  }
  return names;
}

/**
 * What a half-written event would leave behind; an empty list means every event is all or nothing:
 * each customer has its creation audit row and each such row its customer; each reply in the outbox
 * belongs to a handled event; no event is left claimed, pending or failed.
 */
export async function halfWritten(db: Db): Promise<string[]> {
  const problems: string[] = [];
  const noAudit = await db.all<{ id: number; name: string }>(
    sql`SELECT c.id, c.name FROM ${customers} c WHERE NOT EXISTS (SELECT 1 FROM ${auditLog} a WHERE a.action = 'customer.create' AND a.subject_id = CAST(c.id AS TEXT))`,
  );
  for (const c of noAudit) problems.push(`customer ${c.name} has no audit row`);
  const noCustomer = await db.all<{ id: number; subject_id: string }>(
    sql`SELECT a.id, a.subject_id FROM ${auditLog} a WHERE a.action = 'customer.create' AND NOT EXISTS (SELECT 1 FROM ${customers} c WHERE CAST(c.id AS TEXT) = a.subject_id)`,
  );
  for (const a of noCustomer) problems.push(`audit row ${a.id} names customer ${a.subject_id}, which does not exist`);
  const orphanReplies = await db.all<{ id: number; message_id: string }>(
    sql`SELECT o.id, o.message_id FROM ${outboxMessages} o WHERE o.kind = 'reply' AND NOT EXISTS (SELECT 1 FROM ${inboxEvents} i WHERE i.dedupe_key = 'msg:' || o.message_id AND i.status = 'done')`,
  );
  for (const o of orphanReplies) problems.push(`outbox reply ${o.id} to ${o.message_id} has no handled event`);
  const open = await db.select({ status: inboxEvents.status, n: count() }).from(inboxEvents).groupBy(inboxEvents.status);
  for (const { status, n } of open) if (status !== 'done') problems.push(`${n} inbox event(s) ${status}`);
  return problems;
}

/** Customers with this name (0 or 1 when nothing is doubled). */
export const customersNamed = async (db: Db, name: string) => (await db.select({ n: count() }).from(customers).where(eq(customers.name, name)))[0]!.n;
