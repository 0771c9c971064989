import { defineScenario } from './define.ts';

/** A hub killed with SIGKILL: no close frames; agents find out from TCP or their liveness check, and nothing is lost. */
export default defineScenario({
  name: 'crash',
  description: 'Two hub crashes (SIGKILL, no close frames, 3 s down) under steady commands: agents recover, polling used while down, no command lost',
  defaults: { agents: 10, durationMs: 30_000 },
  hub: { pingIntervalMs: 2_000 },
  agent: { backoff: { maxMs: 5_000 }, pollIntervalMs: 500 },
  traffic: { commandIntervalMs: 500 },
  redeploys: ({ durationMs }) => [
    { name: 'crash-1', atMs: durationMs * 0.3, kind: 'crash', downMs: 3_000 },
    { name: 'crash-2', atMs: durationMs * 0.65, kind: 'crash', downMs: 3_000 },
  ],
  checks: {
    faultEffect: {},
    recovery: { percent: 100, withinMs: 10_000, earlier: { percent: 95, withinMs: 7_000 } },
    pollingFallback: {},
    commandDelivery: {},
    connectionLoop: {},
    reconnectStorm: { minBackoffMs: 1_000 },
  },
});
