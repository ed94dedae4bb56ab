/**
 * Card buttons: 提交评分 on the scoring form (kpi.score) and 完成 on an onboarding step
 * (kpi.onboarding_done). Both carry the record's version; an old card is refused with the fresh one.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { defineCardAction } from '../../platform/router/command';
import { completeAssessment, needLabel, SCORER_ROLES, scoreFormFor } from './kpi.assessment';
import { resultCard } from './kpi.cards';
import { members } from './kpi.data';
import { kpiAssessments } from './kpi.schema';
import { parseScore } from './kpi.scoring';
import { completeOnboardingItem } from './people-dev';

const idValue = (action: string) => z.object({ action: z.literal(action), id: z.coerce.number().int().positive(), v: z.coerce.number().int().positive() });

export const scoreAction = defineCardAction({
  id: 'kpi.score',
  value: idValue('kpi.score'),
  // Every role the monthly job may pick as a scorer, so no scorer ever gets a card they cannot submit.
  roles: [...SCORER_ROLES, 'admin'],
  async run(ctx, { value, form }) {
    const [a] = await ctx.tx.select().from(kpiAssessments).where(eq(kpiAssessments.id, value.id));
    if (!a) return { toast: { type: 'error', text: '找不到这份考核，请联系管理员。' } };
    const names = new Map((await members(ctx.tx)).map((m) => [m.openId, m.name]));
    const name = names.get(a.openId) ?? a.openId;
    if (a.status === 'done') return { toast: { type: 'info', text: `已评分：${a.score} 分（${a.grade}）` }, card: resultCard(a, name, { forScorer: true, scorerName: a.scoredBy ? (names.get(a.scoredBy) ?? a.scoredBy) : '系统' }) };
    if (!a.scorers.includes(ctx.actor.openId) && !ctx.actor.isAdmin) return { toast: { type: 'error', text: '没有权限：这份考核不由你评分。' } };
    if (a.version !== value.v) return { toast: { type: 'warning', text: '卡片已过期，已换成最新的评分卡。' }, card: await scoreFormFor(ctx.tx, a, name, ctx.services.config.ADMIN_OPEN_IDS) };

    const inputs: Record<string, number> = {};
    const problems: string[] = [];
    for (const key of a.needs) {
      const parsed = parseScore(form[key]);
      if (typeof parsed === 'number') inputs[key] = parsed;
      else problems.push(`${needLabel(a, key)}：${parsed}`);
    }
    if (problems.length) return { toast: { type: 'error', text: `请修正后再提交——${problems.join('；')}` } };

    const done = await completeAssessment({ tx: ctx.tx, services: ctx.services, now: ctx.now, causeId: ctx.causeId }, a, inputs, ctx.actor.openId);
    await ctx.audit({ action: 'kpi.score', subjectType: 'kpi_assessment', subjectId: a.id, fromState: 'scoring', toState: 'done', detail: { inputs, score: done.score, grade: done.grade } });
    return { toast: { type: 'success', text: `已提交：${name} ${done.score} 分（${done.grade}），结果已私信本人。` }, card: resultCard(done, name, { forScorer: true, scorerName: ctx.actor.name ?? ctx.actor.openId }) };
  },
});

export const onboardingDoneAction = defineCardAction({
  id: 'kpi.onboarding_done',
  value: idValue('kpi.onboarding_done'),
  run: (ctx, { value }) => completeOnboardingItem(ctx, value.id, value.v),
});

export const kpiCardActions = [scoreAction, onboardingDoneAction];
