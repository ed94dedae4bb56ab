import { inArray } from 'drizzle-orm';
import type { Tx } from '../db/client';
import { reminderLedger } from './sla.schema';

export interface LedgerEntry {
  key: string;
  deadlineId: number | null;
  kind: (typeof reminderLedger.$inferInsert)['kind'];
  recipient: string;
}

/** Rows per INSERT: 5 parameters each, well under SQLite's variable limit. */
const CHUNK = 400;

/**
 * Takes the ledger slots of these notifications; returns the keys that were free. Whoever got a
 * key sends it (in the same transaction as the outbox row); a key already taken was sent before —
 * by an earlier run or by another process — and is skipped.
 */
export async function claimLedger(tx: Tx, entries: LedgerEntry[], now: Date): Promise<Set<string>> {
  const won = new Set<string>();
  for (let i = 0; i < entries.length; i += CHUNK) {
    const rows = await tx
      .insert(reminderLedger)
      .values(entries.slice(i, i + CHUNK).map((e) => ({ ...e, sentAt: now })))
      .onConflictDoNothing()
      .returning({ key: reminderLedger.key });
    for (const r of rows) won.add(r.key);
  }
  return won;
}

/** Which of these keys were already sent (for tests and the /系统 view). */
export async function ledgerHas(tx: Tx, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await tx.select({ key: reminderLedger.key }).from(reminderLedger).where(inArray(reminderLedger.key, keys));
  return new Set(rows.map((r) => r.key));
}
