/**
 * 合同 (SPEC §3.4, issue 7): submission, two-level approval on message cards, delegation,
 * signing, archiving, CRM entry, and reminders for silent approvers.
 */
import { defineModule } from '../../platform/module';
import { contractCardActions } from './contracts.card-actions';
import { contractCommands } from './contracts.commands';
import { contractApprovalsJob } from './contracts-approvals.job';
import { contractCard } from './contracts.cards';
import { contractById, loadView, SUBJECT } from './contracts.service';

export const contractsModule = defineModule({
  name: 'contracts',
  commands: contractCommands,
  cardActions: contractCardActions,
  jobs: [contractApprovalsJob],
  menu: { contracts_pending: '/合同 待审' },
  subjects: {
    [SUBJECT]: {
      label: '合同',
      name: async (tx, id) => (await contractById(tx, Number(id)))?.number,
      async show(ctx, id) {
        const c = await contractById(ctx.tx, Number(id));
        if (!c) return undefined;
        return { card: contractCard(await loadView(ctx.tx, ctx.services, c), { kind: 'status', revision: c.revision, level: 0 }) };
      },
    },
  },
});

export { contracts, contractApprovals, contractVersions, contractDelegations, type Contract } from './contracts.schema';
export { contractWorkflow } from './contracts.workflow';
export { contractsConfig } from './contracts.config';
