import type { CardActionDef, CommandDef } from './router/command';
import type { JobDef } from './jobs/job';
import type { BotContext } from './context';

/** A domain module declares what it adds; bot.ts wires every module the same way. */
export interface ModuleDef {
  name: string;
  commands?: CommandDef[];
  cardActions?: CardActionDef[];
  jobs?: JobDef[];
  /** Bot menu keys (configured in the Feishu console) mapped to the command text they run. */
  menu?: Record<string, string>;
  /** Called when the bot is added to a group, inside the event's transaction. */
  onBotAdded?(ctx: BotContext): Promise<void>;
}

export const defineModule = (def: ModuleDef): ModuleDef => def;
