import { defineJob } from '../../platform/jobs/job';
import { openServiceClocks } from './follow-ups';

/**
 * Daily at 08:30: opens the quality follow-ups that come due and the quarter's satisfaction
 * survey clocks (one per active customer). Reminders and escalations are the SLA sweep's.
 */
export const serviceClocksJob = defineJob({
  name: 'complaints.service-clocks',
  schedule: '30 8 * * *',
  description: '品质回访与季度满意度调查的时限（每天 08:30）。Quality follow-ups and quarterly surveys.',
  run: ({ services, now }) => openServiceClocks(services, now),
});
