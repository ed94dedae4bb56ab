/**
 * The README stays true to the program: every registered command's usage and every job is in it.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBot } from '../../src/bot';
import { modules } from '../../src/modules';
import type { Services } from '../../src/platform/context';

const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
const bot = createBot(modules, { config: { BUSINESS_TZ: 'Asia/Shanghai' } } as Services);

describe('README', () => {
  it.each(bot.commands.defs.map((d) => [d.usage]))('documents the command %s', (usage) => {
    expect(readme).toContain('`' + usage.replace(/\|/g, '\\|') + '`');
  });
  it.each([...bot.jobs.keys()].map((j) => [j]))('documents the job %s', (job) => {
    expect(readme).toContain('`' + job + '`');
  });
});
