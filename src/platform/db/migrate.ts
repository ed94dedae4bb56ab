import type { Client } from '@libsql/client';
import { migrations } from './migrations.generated';

const TABLE = '__drizzle_migrations';

async function lastApplied(client: Client): Promise<number> {
  await client.execute(`CREATE TABLE IF NOT EXISTS ${TABLE} (id INTEGER PRIMARY KEY, hash text NOT NULL, created_at numeric)`);
  const last = await client.execute(`SELECT created_at FROM ${TABLE} ORDER BY created_at DESC LIMIT 1`);
  return last.rows[0] ? Number(last.rows[0][0]) : -1;
}

/** How many bundled migrations the database has not run yet. */
export async function pendingMigrations(client: Client): Promise<number> {
  const lastAt = await lastApplied(client);
  return migrations.filter((m) => m.folderMillis > lastAt).length;
}

/**
 * Applies drizzle-kit's migrations (bundled as strings, so Workers need no file system)
 * in one batch, recorded in drizzle's own table so drizzle-kit agrees on what ran.
 */
export async function migrate(client: Client): Promise<number> {
  const lastAt = await lastApplied(client);
  const pending = migrations.filter((m) => m.folderMillis > lastAt);
  if (pending.length === 0) return 0;
  await client.batch(
    pending.flatMap((m) => [
      ...m.sql.map((s) => ({ sql: s, args: [] })),
      { sql: `INSERT INTO ${TABLE} (hash, created_at) VALUES (?, ?)`, args: [m.hash, m.folderMillis] },
    ]),
    'write',
  );
  return pending.length;
}
