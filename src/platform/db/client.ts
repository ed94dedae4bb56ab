import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate, pendingMigrations } from './migrate';

export type Db = LibSQLDatabase<Record<string, never>>;
/** A transaction or the database itself: services accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

export interface Database {
  db: Db;
  client: Client;
  url: string;
  /** true for an embedded file (one process owns it); false for a remote libSQL server. */
  isLocalFile: boolean;
  close(): void;
}

export const BUSY_TIMEOUT_MS = 5000;

export const isRemoteUrl = (url: string) => /^(libsql|https?|wss?):\/\//.test(url);

export class MigrationsPendingError extends Error {}

/**
 * Opens the database named by DATABASE_URL. An embedded file is created and brought up to date
 * at start-up; a remote database (Turso, sqld) is migrated out of band with `npm run db:migrate`,
 * so many instances never race to alter one schema — starting against an old schema stops with a
 * message saying so.
 */
export async function openDatabase(url: string, authToken?: string): Promise<Database> {
  const isLocalFile = !isRemoteUrl(url);
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length).split('?')[0]!;
    if (path && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  }
  const client = createClient({ url, authToken, timeout: BUSY_TIMEOUT_MS });
  if (url.startsWith('file:')) {
    // WAL lets readers run beside the single writer; the mode is stored in the file.
    await client.execute('PRAGMA journal_mode=WAL');
  }
  if (isLocalFile) await migrate(client);
  else {
    const pending = await pendingMigrations(client);
    if (pending > 0) {
      client.close();
      throw new MigrationsPendingError(`The database at DATABASE_URL is ${pending} migration(s) behind: run \`npm run db:migrate\` with the same DATABASE_URL first.`);
    }
  }
  return { db: drizzle(client), client, url, isLocalFile, close: () => client.close() };
}
