import { adminModule } from './modules/admin';
import { customersModule } from './modules/customers';
import { remindersModule } from './modules/reminders';
import { complaintsModule } from './modules/complaints';
import { contractsModule } from './modules/contracts';
import { ordersModule } from './modules/orders';
import { kpiModule } from './modules/kpi';
import type { ModuleDef } from './platform/module';

/** Every domain module, in the order their commands appear in /帮助. */
export const modules: ModuleDef[] = [customersModule, adminModule, remindersModule, complaintsModule, contractsModule, ordersModule, kpiModule];
