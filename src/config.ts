import { z } from 'zod';
import { workDaysEnv, workHoursEnv } from './platform/sla/calendar-env';

/** One schema for Node's process.env and the Workers env alike (INTERFACE.md "Environment"). */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const optional = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();
const hm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM');

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export const configSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATABASE_URL: z
      .string()
      .default('file:data/salesdesk.db')
      .refine((v) => /^(file:|:memory:$|libsql:\/\/|https?:\/\/|wss?:\/\/)/.test(v), 'expected file:…, :memory:, libsql://…, http(s)://…'),
    DATABASE_AUTH_TOKEN: optional,
    FEISHU_APP_ID: optional,
    FEISHU_APP_SECRET: optional,
    FEISHU_VERIFICATION_TOKEN: optional,
    FEISHU_ENCRYPT_KEY: optional,
    FEISHU_BASE_URL: z
      .string()
      .url()
      .refine((v) => /^https?:\/\//i.test(v), 'expected an http(s):// URL such as https://open.feishu.cn')
      .default('https://open.feishu.cn')
      .transform((v) => v.replace(/\/+$/, '')),
    FEISHU_MODE: z.enum(['webhook', 'ws', 'local']).optional(),
    ADMIN_OPEN_IDS: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
    DEFAULT_ROLE: z.enum(['sales', 'none']).default('sales'),
    BUSINESS_TZ: z.string().default('Asia/Shanghai').refine(isTimeZone, 'unknown IANA time zone'),
    CRON_ENABLED: bool.default(true),
    /** Local mode: load the demo month by itself when it starts on an empty database. */
    LOCAL_DEMO: bool.default(true),
    QUIET_HOURS: z
      .string()
      .default('21:00-08:00')
      .transform((v) => v.split('-'))
      .pipe(z.tuple([hm, hm]))
      .transform(([start, end]) => ({ start, end })),
    WORK_HOURS: workHoursEnv,
    WORK_DAYS: workDaysEnv,
    CHINESE_HOLIDAYS: bool.default(true),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  })
  .transform((c) => {
    const hasCredentials = Boolean(c.FEISHU_APP_ID && c.FEISHU_APP_SECRET);
    return { ...c, FEISHU_MODE: c.FEISHU_MODE ?? (hasCredentials ? 'webhook' : 'local') } as const;
  })
  .superRefine((c, ctx) => {
    // Half a pair of credentials is a typo, not a wish for local mode: say which half is missing.
    if (Boolean(c.FEISHU_APP_ID) !== Boolean(c.FEISHU_APP_SECRET)) {
      const [set, unset] = c.FEISHU_APP_ID ? ['FEISHU_APP_ID', 'FEISHU_APP_SECRET'] : ['FEISHU_APP_SECRET', 'FEISHU_APP_ID'];
      ctx.addIssue({ code: 'custom', path: [unset], message: `${set} is set but ${unset} is not; set both (webhook or ws mode) or neither (local mode)` });
      return;
    }
    if (c.FEISHU_MODE !== 'local' && !(c.FEISHU_APP_ID && c.FEISHU_APP_SECRET)) {
      ctx.addIssue({ code: 'custom', path: ['FEISHU_APP_ID'], message: `FEISHU_MODE=${c.FEISHU_MODE} needs FEISHU_APP_ID and FEISHU_APP_SECRET` });
      return;
    }
    // Webhook requests are authenticated by the Verification Token (FEISHU.md §1.4); ws authenticates at connect time.
    if (c.FEISHU_MODE === 'webhook' && !c.FEISHU_VERIFICATION_TOKEN) {
      ctx.addIssue({ code: 'custom', path: ['FEISHU_VERIFICATION_TOKEN'], message: "webhook mode needs FEISHU_VERIFICATION_TOKEN (the app's Verification Token, 开发者后台 → 事件与回调 → 加密策略)" });
    }
  });

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {}

/** Parses the environment; a bad value throws one line naming the variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const known = Object.fromEntries(
    Object.keys(configSchema.in.shape).map((k) => [k, env[k]]).filter(([, v]) => v !== undefined),
  );
  const result = configSchema.safeParse(known);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = String(issue.path[0] ?? 'environment');
  const shown = name in known && !/SECRET|TOKEN|KEY/.test(name) ? ` (got "${known[name]}")` : '';
  throw new ConfigError(`Invalid ${name}${shown}: ${issue.message}`);
}
