import { createFakeOpenApi, type FakeOpenApiState } from './fake-openapi';
import type { EventSecrets } from './feishu-events';

/** The demo department of local mode: every role, really bound in the database at start-up. */
export const DEMO_PEOPLE = [
  { openId: 'ou_demo_supervisor', name: '王主管', role: 'supervisor' },
  { openId: 'ou_demo_sales1', name: '李业务', role: 'sales' },
  { openId: 'ou_demo_sales2', name: '张业务', role: 'sales' },
  { openId: 'ou_demo_senior', name: '赵高级', role: 'senior' },
  { openId: 'ou_demo_finance', name: '钱财务', role: 'finance' },
  { openId: 'ou_demo_pmc', name: '孙PMC', role: 'pmc' },
  { openId: 'ou_demo_engineering', name: '周工程', role: 'engineering' },
  { openId: 'ou_demo_quality', name: '吴品质', role: 'quality' },
  { openId: 'ou_demo_gm', name: '郑总', role: 'gm' },
] as const;

export const DEMO_TEAM_CHAT = 'oc_demo_team';

/** Local mode's own app identity and keys: events are encrypted and signed exactly as Feishu would. */
export const LOCAL_SECRETS: EventSecrets & { appSecret: string } = {
  appId: 'cli_0000000000000000',
  appSecret: 'local-secret',
  verificationToken: 'local-verification-token',
  encryptKey: 'local-encrypt-key',
};

export function createLocalFeishu(): { app: ReturnType<typeof createFakeOpenApi>['app']; state: FakeOpenApiState } {
  return createFakeOpenApi({
    appId: LOCAL_SECRETS.appId,
    appSecret: LOCAL_SECRETS.appSecret,
    botOpenId: 'ou_salesdesk_bot',
    botName: '业务部助手',
    users: DEMO_PEOPLE.map((p) => ({ open_id: p.openId, name: p.name })),
  });
}

/** Environment that makes the runtime talk to the in-process fake on our own port. */
export function localEnv(port: number): Record<string, string> {
  return {
    FEISHU_APP_ID: LOCAL_SECRETS.appId,
    FEISHU_APP_SECRET: LOCAL_SECRETS.appSecret,
    FEISHU_VERIFICATION_TOKEN: LOCAL_SECRETS.verificationToken,
    FEISHU_ENCRYPT_KEY: LOCAL_SECRETS.encryptKey!,
    FEISHU_BASE_URL: `http://127.0.0.1:${port}`,
    FEISHU_MODE: 'local',
    ADMIN_OPEN_IDS: 'ou_demo_supervisor',
  };
}
