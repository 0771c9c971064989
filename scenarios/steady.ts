import { defineScenario } from '../harness/scenario/index.ts';

/**
 * A big fleet held through the proxy with heartbeats and a trickle of
 * commands: the scale and soak baseline. Nothing happens, so nothing may be
 * flagged. `npm run scenario steady -- --agents 10000 --duration 2m` is the
 * 10,000-agent target: all connected within 8 s, the harness's event loop p99
 * under 50 ms. The ramp is the runner's default (2 ms an agent, at most 5 s):
 * a fixed 10 s ramp held 1,000 agents to 100/s and kept 10,000 from ever
 * connecting in 8 s, whatever the fleet could do.
 */
export default defineScenario({
  name: 'steady',
  description: 'A big fleet through the proxy, held with heartbeats and a trickle of commands: all connect fast, nothing is flagged',
  defaults: { agents: 1_000, durationMs: 60_000 },
  // The hub in its own process: the harness process then holds neither its sockets nor its CPU.
  hub: { runtime: 'child-process', pingIntervalMs: 10_000 },
  proxy: true,
  traffic: { commandIntervalMs: 100 },
  settleMs: 20_000,
  checks: ({ pingIntervalMs }) => ({
    hubHealth: {},
    connectTime: { percent: 100, withinMs: 20_000 },
    connectionLoop: {},
    reconnects: { maxPerAgent: 0 },
    connectionDurations: {},
    commandDelivery: {},
    hubReplaced: { maxReplaced: 0 },
    eventLoopLag: { maxMs: 100, afterMs: 20_000 },
    // The hub keeps the interval it was told (or the one --hub-ping-interval says it keeps).
    liveness: { pingIntervalMs },
  }),
});
