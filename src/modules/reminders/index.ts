import { defineModule } from '../../platform/module';
import { doneAction, snoozeAction, viewAction } from './reminders.card-actions';
import { todoCommand, todoPageAction } from './reminders.commands';
import { slaDigestJob } from './sla-digest.job';
import { slaWeeklyNudgeJob } from './sla-nudge.job';
import { slaSweepJob } from './sla-sweep.job';

/** The SLA engine's voice: reminders, escalations, digests, nudges and /待办. */
export const remindersModule = defineModule({
  name: 'reminders',
  commands: [todoCommand],
  cardActions: [doneAction, snoozeAction, viewAction, todoPageAction],
  jobs: [slaSweepJob, slaDigestJob, slaWeeklyNudgeJob],
  menu: { todo: '/待办' },
});
