import { sql } from 'drizzle-orm';
import type { Tx } from './client';
import { counters } from './core.schema';
import { dayKey } from '../time';

/**
 * The next record number for a prefix on the business day of `at`, e.g. DD-20261204-003.
 * Runs inside the caller's transaction, so a rolled-back command never burns a number.
 */
export async function nextNumber(tx: Tx, prefix: string, at: Date, tz: string): Promise<string> {
  const day = dayKey(at, tz).replace(/-/g, '');
  const key = `${prefix}-${day}`;
  const [row] = await tx
    .insert(counters)
    .values({ key, value: 1 })
    .onConflictDoUpdate({ target: counters.key, set: { value: sql`${counters.value} + 1` } })
    .returning({ value: counters.value });
  return `${key}-${String(row!.value).padStart(3, '0')}`;
}
