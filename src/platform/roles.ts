/** Department roles (SPEC §1). `admin` is not a role: it comes from ADMIN_OPEN_IDS. */
export const ROLES = {
  supervisor: { zh: '主管', en: 'supervisor' },
  senior: { zh: '高级业务员', en: 'senior sales' },
  sales: { zh: '业务员', en: 'sales' },
  finance: { zh: '财务', en: 'finance' },
  pmc: { zh: 'PMC', en: 'PMC' },
  quality: { zh: '品质', en: 'quality' },
  engineering: { zh: '工程', en: 'engineering' },
  logistics: { zh: '物流', en: 'logistics' },
  hr: { zh: '人事', en: 'HR' },
  gm: { zh: '总经办', en: 'general manager' },
} as const;

export type Role = keyof typeof ROLES;
export const ROLE_KEYS = Object.keys(ROLES) as Role[];

/** Everyone who sells: what "sales" means in permission lists. */
export const SELLERS: readonly Role[] = ['sales', 'senior', 'supervisor'];

/** Reads a role typed in chat: 主管, supervisor, 高级业务员 … */
export function parseRole(input: string): Role | undefined {
  const s = input.trim().toLowerCase();
  const aliases: Record<string, Role> = { 业务主管: 'supervisor', 总经理: 'gm', gm办: 'gm', 仓库: 'logistics', 人力资源: 'hr', 工程部: 'engineering', 品质部: 'quality', 财务部: 'finance' };
  if (aliases[s]) return aliases[s];
  return ROLE_KEYS.find((r) => r === s || ROLES[r].zh.toLowerCase() === s || ROLES[r].en.toLowerCase() === s);
}

export const roleLabel = (role: string | null | undefined) => (role && role in ROLES ? ROLES[role as Role].zh : '未分配');

/** Who a permission list names, in words: roles plus 'admin' (ADMIN_OPEN_IDS). */
export const permittedLabel = (roles: ReadonlyArray<string> | undefined) => (roles ?? []).map((r) => (r === 'admin' ? '管理员' : roleLabel(r))).join('、');
