import { eq } from 'drizzle-orm';
import type { Tx } from '../db/client';
import { settings } from '../db/core.schema';

const KEY = 'calendar.overrides';

/** Admin overrides of the working-day calendar ('YYYY-MM-DD' → working?), stored as one setting. */
export async function loadCalendarOverrides(tx: Tx): Promise<Record<string, boolean>> {
  const [row] = await tx.select().from(settings).where(eq(settings.key, KEY));
  return (row?.value as Record<string, boolean> | undefined) ?? {};
}

export async function saveCalendarOverride(tx: Tx, day: string, working: boolean | null, now: Date): Promise<Record<string, boolean>> {
  const current = await loadCalendarOverrides(tx);
  if (working === null) delete current[day];
  else current[day] = working;
  await tx.insert(settings).values({ key: KEY, value: current, updatedAt: now }).onConflictDoUpdate({ target: settings.key, set: { value: current, updatedAt: now } });
  return current;
}
