import { defineModule } from '../../platform/module';
import { bindTeamChat, calendarImport, calendarImportConfirm, calendarOverride, roleCommand, systemStatus, whoAmI } from './admin.commands';

export const adminModule = defineModule({
  name: 'admin',
  commands: [whoAmI, roleCommand, bindTeamChat, systemStatus, calendarOverride, calendarImport],
  cardActions: [calendarImportConfirm],
  menu: { help: '/帮助', me: '/我' },
});
