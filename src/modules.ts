import { adminModule } from './modules/admin';
import type { ModuleDef } from './platform/module';

/** Every domain module, in the order their commands appear in /帮助. */
export const modules: ModuleDef[] = [adminModule];
