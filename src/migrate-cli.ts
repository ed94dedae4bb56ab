/** `npm run db:migrate`: brings the database at DATABASE_URL (embedded or remote) up to date. */
import { createClient } from '@libsql/client';
import { ConfigError, parseConfig } from './config';
import { migrate } from './platform/db/migrate';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const client = createClient({ url: config.DATABASE_URL, authToken: config.DATABASE_AUTH_TOKEN });
  try {
    const applied = await migrate(client);
    console.log(applied ? `applied ${applied} migration(s) to ${config.DATABASE_URL.replace(/\/\/.*@/, '//***@')}` : 'database is up to date');
  } finally {
    client.close();
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
