import { defineScenario } from '../harness/scenario/index.ts';

/** A slow network must slow commands down, never drop connections. */
export default defineScenario({
  name: 'latency',
  description: '500 ms +/- 100 ms latency both ways from 20% of the run: agents stay connected, command latency rises accordingly',
  defaults: { agents: 10, durationMs: 30_000 },
  traffic: { commandIntervalMs: 500 },
  faults: ({ durationMs }) => [{ name: 'latency', atMs: durationMs * 0.2, fault: { kind: 'latency', latencyMs: 500, jitterMs: 100 } }],
  checks: {
    hubHealth: {},
    connectionLoop: {},
    reconnects: { maxPerAgent: 0 },
    connectionDurations: {},
    // A command crosses the proxy once, downstream: at least latency - jitter.
    commandDelivery: { minP50LatencyDuringFaultsMs: 400 },
    hubReplaced: { maxReplaced: 0 },
  },
});
