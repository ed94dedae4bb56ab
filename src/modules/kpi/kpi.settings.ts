/**
 * Run-time KPI rules (issue 8 item 3): the weight preset, the sales rule (销售额口径) and the grade
 * bands, switched by a supervisor or an admin with `/业绩 设置` and held in the `settings` row
 * `kpi.rules` over the defaults of kpi.config.ts. When each is read:
 * - preset: when the monthly job opens an assessment (the assessment keeps it; open ones stay as they are);
 * - sales rule: whenever sales are summed — /业绩, /导出, /目标 replies, the monthly job, constraint rules;
 * - bands: when a grade is given (a scoring card submitted, a roll-up made); grades given stay.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../platform/db/client';
import { settings } from '../../platform/db/core.schema';
import { GRADE_BANDS, KPI_CONFIG, PRESETS, type Grade, type PresetName, type SalesRule } from './kpi.config';

export const KPI_RULES_KEY = 'kpi.rules';

/** The lower edge of each passing grade (below 合格 = 不合格). */
export interface Bands {
  优秀: number;
  良好: number;
  合格: number;
}

export interface KpiRules {
  preset: PresetName;
  salesRule: SalesRule;
  bands: Bands;
}

const bandMin = (grade: Grade) => GRADE_BANDS.find((b) => b.grade === grade)!.min;

export const DEFAULT_RULES: KpiRules = {
  preset: KPI_CONFIG.preset,
  salesRule: KPI_CONFIG.salesRule,
  bands: { 优秀: bandMin('优秀'), 良好: bandMin('良好'), 合格: bandMin('合格') },
};

/** What may be stored: any part of the rules; anything else in the row is ignored. */
const stored = z
  .object({
    preset: z.enum(Object.keys(PRESETS) as [PresetName, ...PresetName[]]),
    salesRule: z.enum(['confirmed', 'payments']),
    bands: z.object({ 优秀: z.number(), 良好: z.number(), 合格: z.number() }),
  })
  .partial();

/** Bands are usable when each edge is within 0–100 and 优秀 > 良好 > 合格; else the reason. */
export function bandsProblem(b: Bands): string | null {
  const edges = [b.优秀, b.良好, b.合格];
  if (edges.some((v) => !Number.isFinite(v) || v < 0 || v > 100)) return '分档须是 0–100 的数字';
  if (!(b.优秀 > b.良好 && b.良好 > b.合格)) return `分档须满足 优秀 > 良好 > 合格（现为 优秀 ${b.优秀}、良好 ${b.良好}、合格 ${b.合格}）`;
  return null;
}

/** The rules in force: the settings row over the defaults (a damaged row falls back to them). */
export async function loadRules(tx: Tx): Promise<KpiRules> {
  const [row] = await tx.select().from(settings).where(eq(settings.key, KPI_RULES_KEY));
  const parsed = stored.safeParse(row?.value ?? {});
  const v = parsed.success ? parsed.data : {};
  const bands = v.bands && !bandsProblem(v.bands) ? v.bands : DEFAULT_RULES.bands;
  return { preset: v.preset ?? DEFAULT_RULES.preset, salesRule: v.salesRule ?? DEFAULT_RULES.salesRule, bands };
}

export async function saveRules(tx: Tx, rules: KpiRules, now: Date): Promise<void> {
  await tx.insert(settings).values({ key: KPI_RULES_KEY, value: rules, updatedAt: now }).onConflictDoUpdate({ target: settings.key, set: { value: rules, updatedAt: now } });
}

/** Bands as gradeOf reads them: highest first, 不合格 below the last. */
export const bandList = (b: Bands): ReadonlyArray<{ min: number; grade: Grade }> => [
  { min: b.优秀, grade: '优秀' },
  { min: b.良好, grade: '良好' },
  { min: b.合格, grade: '合格' },
  { min: -Infinity, grade: '不合格' },
];

/** "≥ 90 优秀，≥ 80 良好，≥ 60 合格，其余 不合格" */
export const bandsText = (b: Bands) => `≥ ${b.优秀} 优秀，≥ ${b.良好} 良好，≥ ${b.合格} 合格，其余 不合格`;

export const PRESET_WORDS: Record<PresetName, string> = { detailed: '详细', simple: '简化' };
export const RULE_WORDS: Record<SalesRule, string> = { confirmed: '确认订单', payments: '回款' };

/** How the sales rule reads on cards and replies. */
export const salesRuleText = (rule: SalesRule) => (rule === 'payments' ? '销售额 = 回款金额（按到账时间计入）' : '销售额 = 客户确认的订单金额（按确认时间计入）');
