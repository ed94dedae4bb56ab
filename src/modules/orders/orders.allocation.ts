/**
 * 异常费用分摊 (SPEC §5, the order part of manual 第十五条): when an order exception is closed with a
 * cause, this share of the stated cost is allocated to the responsible person. Data + one pure
 * function; the complaint causes (service / product quality, miscommunication) belong to complaints.
 */
export const ORDER_COST_ALLOCATION = {
  order_error: { label: '业务员下单错误', share: 0.3, basis: '损失' },
  late_tracking: { label: '跟踪不及时导致延误', share: 0.2, basis: '延误费用' },
  wrong_info: { label: '信息错误导致生产损失', share: 0.25, basis: '生产损失' },
  bad_debt: { label: '信用评估不当导致坏账', share: 0.1, basis: '坏账金额' },
  late_collection: { label: '催收不及时', share: 0.5, basis: '利息损失' },
  contract_terms: { label: '合同条款不当', share: 0.3, basis: '法律费用' },
  /** Customer, supplier, force majeure …: recorded, nothing allocated. */
  none: { label: '非业务原因（不分摊）', share: 0, basis: '损失' },
} as const satisfies Record<string, { label: string; share: number; basis: string }>;

export type AllocationCause = keyof typeof ORDER_COST_ALLOCATION;
export const ALLOCATION_CAUSES = Object.keys(ORDER_COST_ALLOCATION) as AllocationCause[];

export interface Allocation {
  cause: AllocationCause;
  label: string;
  basis: string;
  share: number;
  loss: number;
  /** Allocated to the responsible person, in yuan, rounded to the fen. */
  amount: number;
}

export const isAllocationCause = (v: unknown): v is AllocationCause => typeof v === 'string' && Object.hasOwn(ORDER_COST_ALLOCATION, v);

/** The responsible person's share of a loss for a cause. Pure; throws on a negative or non-finite loss. */
export function allocateCost(cause: AllocationCause, loss: number): Allocation {
  if (!Number.isFinite(loss) || loss < 0) throw new RangeError(`loss must be a finite amount ≥ 0, got ${loss}`);
  const row = ORDER_COST_ALLOCATION[cause];
  return { cause, label: row.label, basis: row.basis, share: row.share, loss, amount: Math.round(loss * row.share * 100) / 100 };
}
