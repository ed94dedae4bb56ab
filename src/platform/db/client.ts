import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from './migrate';

export type Db = LibSQLDatabase<Record<string, never>>;
/** A transaction or the database itself: services accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

export interface Database {
  db: Db;
  client: Client;
  /** true for an embedded file (one process owns it); false for a remote libSQL server. */
  isLocalFile: boolean;
  close(): void;
}

const BUSY_TIMEOUT_MS = 5000;

/** Opens the database named by DATABASE_URL and brings its schema up to date. */
export async function openDatabase(url: string, authToken?: string): Promise<Database> {
  const isLocalFile = url.startsWith('file:') || url === ':memory:';
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length).split('?')[0]!;
    if (path && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  }
  const client = createClient({ url, authToken, timeout: BUSY_TIMEOUT_MS });
  if (url.startsWith('file:')) {
    // WAL lets readers run beside the single writer; the mode is stored in the file.
    await client.execute('PRAGMA journal_mode=WAL');
  }
  const db = drizzle(client);
  await migrate(client);
  return { db, client, isLocalFile, close: () => client.close() };
}
