/**
 * A second process for the concurrency test: opens the same database file, waits at a barrier
 * (a directory where every child drops a file when ready) so the sweeps really start together,
 * sweeps, and prints its summary as JSON. Run with `node --import tsx`.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config';
import { sweep } from '../../../src/modules/reminders/sla-sweep.job';
import type { Services } from '../../../src/platform/context';
import { openDatabase } from '../../../src/platform/db/client';
import { createLogger } from '../../../src/platform/logger';
import { collectRegistry } from '../../../src/platform/module';
import { defaultCalendar } from '../../../src/platform/sla/calendar';

const [file, nowIso, barrier, parties] = process.argv.slice(2) as [string, string, string, string];
const config = parseConfig({ DATABASE_URL: `file:${file}`, LOG_LEVEL: 'silent' });
const database = await openDatabase(config.DATABASE_URL);
const services: Services = {
  config,
  database,
  clock: { now: () => new Date(nowIso) },
  log: createLogger('silent'),
  calendar: defaultCalendar(config.BUSINESS_TZ),
  botOpenId: () => undefined,
  registry: collectRegistry([]),
};
writeFileSync(join(barrier, String(process.pid)), '');
while (readdirSync(barrier).length < Number(parties)) await new Promise((r) => setTimeout(r, 2));
const summary = await sweep(services, new Date(nowIso));
database.close();
process.stdout.write(JSON.stringify(summary));
