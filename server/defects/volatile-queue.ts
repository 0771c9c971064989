import { MemoryCommandStore } from '../commands.ts';
import type { HubDefect } from './types.ts';

/**
 * A hub that was never wired to its database: it opens the configured file
 * (so the deploy looks right) but keeps pending commands in process memory.
 * Every command not yet acked when the hub is stopped or killed is gone,
 * and the next hub on the same file has nothing to re-send.
 */
export const volatileQueue: HubDefect = {
  name: 'volatile-queue',
  description: 'keeps pending commands in memory even when a database file is configured, so a redeploy loses every command not yet acked',
  apply(hub) {
    hub.store.close();
    hub.store = new MemoryCommandStore();
  },
};
