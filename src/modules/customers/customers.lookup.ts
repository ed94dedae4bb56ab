import { eq } from 'drizzle-orm';
import type { Tx } from '../../platform/db/client';
import { refuse } from '../../platform/errors';
import { similarity } from '../../platform/router/parse';
import { customers, type Customer } from './customers.schema';

/** Near-duplicate threshold for 查重 and for "did you mean" on a customer name. */
export const SIMILAR = 0.8;

/** A customer by exact name, else the closest names (for "did you mean" / 查重). */
export async function findCustomer(tx: Tx, name: string): Promise<{ exact?: Customer; similar: Customer[] }> {
  const [exact] = await tx.select().from(customers).where(eq(customers.name, name.trim()));
  if (exact) return { exact, similar: [] };
  // Customer lists are small (hundreds): scoring them all is simpler than a fuzzy index.
  const all = await tx.select().from(customers);
  const similar = all
    .map((c) => ({ c, s: similarity(c.name, name) }))
    .filter((x) => x.s >= SIMILAR)
    .sort((a, b) => b.s - a.s)
    .slice(0, 3)
    .map((x) => x.c);
  return { similar };
}

/** The customer a command names, or a refusal that offers the closest match or creating it. */
export async function requireCustomer(tx: Tx, name: string): Promise<Customer> {
  const { exact, similar } = await findCustomer(tx, name);
  if (exact) return exact;
  const hint = similar.length ? `你是不是指「${similar.map((c) => c.name).join('」或「')}」？` : '';
  return refuse('UNKNOWN_CUSTOMER', `没有客户「${name}」。${hint}\n如是新客户，先发送 /客户 新建 ${name}`);
}
