import type { CommandStore } from '../commands.ts';
import type { ConnectionManager } from '../connections.ts';
import type { HubMetrics } from '../metrics.ts';
import type { WsRouter } from '../ws-router.ts';

/** The parts of a hub a defect may change before it listens. */
export interface HubParts {
  ws: WsRouter;
  connections: ConnectionManager;
  metrics: HubMetrics;
  store: CommandStore;
  /** When false the hub skips WebSocket route inspection at startup. */
  inspectRoutes: boolean;
}

/** A named, deliberate bug that a scenario can switch on to prove a check catches it. */
export interface HubDefect {
  name: string;
  description: string;
  apply(hub: HubParts): void;
}
