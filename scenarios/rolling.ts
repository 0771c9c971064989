import { defineScenario } from '../harness/scenario/index.ts';

/** Blue-green: a second hub starts, the proxy switches to it, the old one drains. */
export default defineScenario({
  name: 'rolling',
  description: 'A zero-downtime (blue-green) deploy through the proxy: at most one reconnect per agent, no command lost',
  defaults: { agents: 10, durationMs: 20_000 },
  proxy: true,
  agent: { pollIntervalMs: 500 },
  traffic: { commandIntervalMs: 500 },
  redeploys: ({ durationMs }) => [{ name: 'blue-green', atMs: durationMs * 0.4, kind: 'rolling' }],
  checks: {
    hubHealth: {},
    faultEffect: {},
    reconnects: { maxPerAgent: 1 },
    recovery: { withinMs: 5_000 },
    commandDelivery: {},
    connectionLoop: {},
  },
});
