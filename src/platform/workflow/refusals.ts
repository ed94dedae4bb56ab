import { Refusal } from '../errors';
import { ROLES, type Role } from '../roles';
import { eventLabel, stateLabel, type Party, type TransitionResult, type Workflow } from './workflow';

const partyName = (p: Party) => (p === 'owner' ? '负责人' : p === 'admin' ? '管理员' : ROLES[p as Role]?.zh ?? p);

/** A refused transition as the Chinese sentence the user sees (the code stays machine-readable). */
export function transitionRefusal(wf: Workflow, state: string, event: string, r: Extract<TransitionResult, { ok: false }>): Refusal {
  const ev = eventLabel(wf, event, state);
  const texts: Record<typeof r.code, () => string> = {
    INVALID_TRANSITION: () => `当前状态「${stateLabel(wf, state)}」下不能「${ev}」。`,
    NOT_ALLOWED: () => {
      const roles = wf.states[state]?.on?.[event]?.roles ?? [];
      return `没有权限：「${ev}」只限${roles.map(partyName).join('、')}操作。`;
    },
    MISSING_FIELDS: () => `「${ev}」还缺少：${(r.missing ?? []).map((f) => wf.fieldLabels?.[f] ?? f).join('、')}。`,
  };
  return new Refusal(r.code, texts[r.code]());
}

export const staleRefusal = () => new Refusal('STALE', '该记录已被他人更新，请刷新后重试。This record was changed by someone else.');
export const notFoundRefusal = () => new Refusal('NOT_FOUND', '记录不存在或已删除。');
