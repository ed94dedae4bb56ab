/**
 * Start-up configuration (INTERFACE.md "Environment"): a bad value stops start-up with one line
 * that names the variable (never echoing a secret), and the mode follows the credentials:
 * - no credentials ⇒ local mode; both ⇒ webhook; half a pair is refused, not silently local;
 * - webhook mode needs FEISHU_VERIFICATION_TOKEN; ws mode needs credentials but no token;
 * - PORT, BUSINESS_TZ, DEFAULT_ROLE, CRON_ENABLED, FEISHU_BASE_URL, DATABASE_URL are checked.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config';

const WEBHOOK = { FEISHU_APP_ID: 'cli_a1b2c3', FEISHU_APP_SECRET: 'very-secret', FEISHU_VERIFICATION_TOKEN: 'tok-123' };

/** The one line start-up prints for this environment. */
function refusal(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('modes', () => {
  it('runs in local mode with no credentials, with the documented defaults', () => {
    expect(parseConfig({})).toMatchObject({
      FEISHU_MODE: 'local',
      PORT: 3000,
      HOST: '0.0.0.0',
      DATABASE_URL: 'file:data/salesdesk.db',
      FEISHU_BASE_URL: 'https://open.feishu.cn',
      DEFAULT_ROLE: 'sales',
      BUSINESS_TZ: 'Asia/Shanghai',
      CRON_ENABLED: true,
      ADMIN_OPEN_IDS: [],
    });
  });

  it('runs in webhook mode with both credentials and the verification token', () => {
    expect(parseConfig(WEBHOOK).FEISHU_MODE).toBe('webhook');
    expect(parseConfig({ ...WEBHOOK, FEISHU_MODE: 'local' }).FEISHU_MODE).toBe('local');
  });

  it('runs in ws mode with credentials and no verification token', () => {
    expect(parseConfig({ FEISHU_APP_ID: 'cli_x', FEISHU_APP_SECRET: 's', FEISHU_MODE: 'ws' }).FEISHU_MODE).toBe('ws');
  });

  it('refuses webhook mode without FEISHU_VERIFICATION_TOKEN, in one line naming it', () => {
    const line = refusal({ FEISHU_APP_ID: 'cli_x', FEISHU_APP_SECRET: 's' });
    expect(line).toMatch(/^Invalid FEISHU_VERIFICATION_TOKEN: webhook mode needs FEISHU_VERIFICATION_TOKEN/);
    expect(line).not.toContain('\n');
    expect(refusal({ FEISHU_APP_ID: 'cli_x', FEISHU_APP_SECRET: 's', FEISHU_VERIFICATION_TOKEN: '  ' })).toContain('FEISHU_VERIFICATION_TOKEN');
  });

  it('refuses half a pair of credentials instead of falling back to local mode, naming the missing half', () => {
    expect(refusal({ FEISHU_APP_ID: 'cli_x' })).toMatch(/^Invalid FEISHU_APP_SECRET: FEISHU_APP_ID is set but FEISHU_APP_SECRET is not/);
    const line = refusal({ FEISHU_APP_SECRET: 'very-secret', FEISHU_VERIFICATION_TOKEN: 't' });
    expect(line).toMatch(/^Invalid FEISHU_APP_ID: FEISHU_APP_SECRET is set but FEISHU_APP_ID is not/);
    expect(line).not.toContain('very-secret');
    expect(refusal({ FEISHU_APP_ID: 'cli_x', FEISHU_MODE: 'local' })).toContain('FEISHU_APP_SECRET');
  });

  it('refuses ws or webhook mode without credentials', () => {
    expect(refusal({ FEISHU_MODE: 'ws' })).toMatch(/^Invalid FEISHU_APP_ID: FEISHU_MODE=ws needs FEISHU_APP_ID and FEISHU_APP_SECRET/);
    expect(refusal({ FEISHU_MODE: 'webhook', FEISHU_VERIFICATION_TOKEN: 't' })).toContain('FEISHU_APP_ID');
    expect(refusal({ FEISHU_MODE: 'socket' })).toMatch(/^Invalid FEISHU_MODE \(got "socket"\)/);
  });
});

describe('bad values name the variable', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['BUSINESS_TZ', 'Mars/Olympus'],
    ['DEFAULT_ROLE', 'admin'],
    ['CRON_ENABLED', 'maybe'],
    ['FEISHU_BASE_URL', 'open.feishu.cn'],
    ['FEISHU_BASE_URL', 'ftp://open.feishu.cn'],
    ['DATABASE_URL', 'postgres://db/salesdesk'],
    ['QUIET_HOURS', '9-17'],
    ['LOG_LEVEL', 'loud'],
  ])('%s=%s', (name, value) => {
    const line = refusal({ [name]: value });
    expect(line).toMatch(new RegExp(`^Invalid ${name} \\(got "${value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"\\): `));
    expect(line).not.toContain('\n');
  });

  it('never echoes a secret value', () => {
    expect(refusal({ ...WEBHOOK, FEISHU_ENCRYPT_KEY: 'k', DATABASE_AUTH_TOKEN: 'tok', PORT: 'x' })).not.toMatch(/very-secret|tok-123/);
  });
});

describe('good values', () => {
  it('accepts the spellings the README documents', () => {
    const c = parseConfig({
      PORT: '0',
      BUSINESS_TZ: 'Europe/Berlin',
      DEFAULT_ROLE: 'none',
      CRON_ENABLED: 'false',
      FEISHU_BASE_URL: 'https://open.larksuite.com/',
      ADMIN_OPEN_IDS: 'ou_a, ou_b,,',
      DATABASE_URL: ':memory:',
    });
    expect(c).toMatchObject({ PORT: 0, BUSINESS_TZ: 'Europe/Berlin', DEFAULT_ROLE: 'none', CRON_ENABLED: false, FEISHU_BASE_URL: 'https://open.larksuite.com', ADMIN_OPEN_IDS: ['ou_a', 'ou_b'] });
    for (const [v, on] of [['true', true], ['1', true], ['yes', true], ['0', false], ['no', false]] as const) expect(parseConfig({ CRON_ENABLED: v }).CRON_ENABLED).toBe(on);
    expect(parseConfig({ FEISHU_BASE_URL: 'http://127.0.0.1:4010' }).FEISHU_BASE_URL).toBe('http://127.0.0.1:4010');
  });
});
